"""The model of a printable table (:class:`PrintTable`, :class:`Column`), what every cell
shows (:func:`cell_text`, neutralised against formula injection: :func:`neutralise`),
and the layout both files share: column widths from the measured width of every text
(:func:`column_widths`), cells, notes and signature lines broken into lines.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Sequence

from openpyxl.styles import Border, PatternFill, Side

from ...xlsx.cells import looks_like_formula
from ...rules.dates import format_date
from ...textwidth import display_width
from ..layout import FANGSONG, SERIF, balanced_lines, keep_spans, normalise_phones, text_points, widest_line, wrap_text
from ..officialdoc import SIGN_DATE, SIZE_S4

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
BLANK = "＿"
SPACE = "\u3000"
#: the blank date of a signature block
BLANK_DATE = SPACE * 2 + SIGN_DATE
#: table rows kept on the page of the signature block below them
ROWS_WITH_SIGNATURES = 2


def neutralise(cell):
    """A cell whose text a spreadsheet would run as a formula (OWASP CSV-injection list:
    = + - @ tab CR) is stored as text with the quote-prefix format, as Excel stores text
    typed after an apostrophe: the reader sees exactly what was typed, nothing runs, and
    no apostrophe shows. Numbers and dates pass unchanged. Returns the cell."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"             # openpyxl takes text starting with "=" for a formula
        cell.quotePrefix = True
    return cell


@dataclass
class Column:
    header: str
    width: float = 12              # a hint: the widest a wrapping column asks for is twice this
    number_format: str = "@"
    wrap: bool = False             # long free text (employer, reasons) may wrap; the rest never does


@dataclass
class PrintTable:
    """A titled table with optional lines above (subtitle, notes) and below (signatures)."""

    title: str
    columns: list[Column]
    rows: list[Sequence[object]]
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    footer_lines: list[str] = field(default_factory=list)     # free lines below the table
    landscape: bool = True
    header_text: str = ""          # page header (e.g. the meeting's name and date)
    properties_title: str = ""
    confidential: str = ""         # a mark printed in the header of every page and sheet (e.g. 内部资料 注意保密)
    signatures: Sequence[str] = ()  # who signs, e.g. ("制表人", "审核人"): blanks and a blank date
    sign_unit: str = ""            # issuer of a published list, centred over sign_date
    sign_date: dt.date | None = None
    keep: Sequence[str] = ()       # phrases a title line break must not split (committee, issuer)
    subject: str = ""              # document property: what the document is about

    @property
    def signature_items(self) -> list[str]:
        if not self.signatures:
            return []
        return [f"{who}：{BLANK * 6}" for who in self.signatures] + [f"日期：{BLANK_DATE}"]


def cell_text(value: object) -> str:
    """A value as printed: dates as 2024年9月10日, whole floats without .0."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def money_text(value: object, fmt: str) -> str:
    if isinstance(value, (int, float)) and "#,##0" in fmt:
        return f"{value:,.2f}" if fmt.endswith(".00") else f"{value:,.0f}"
    return cell_text(value)


def issued_offsets(table: PrintTable, latin: str = SERIF) -> list[tuple[str, float]]:
    """The issuer and the date of a published list with their distance from the right
    edge in characters (GB/T 9704 7.3.5.1): the date four characters in (右空四字), the
    issuer centred over the date — further right than four characters when it is the
    longer, never closer to the edge than nothing."""
    if not (table.sign_unit or table.sign_date):
        return []
    date = format_date(table.sign_date) if table.sign_date else BLANK_DATE
    if not table.sign_unit:
        return [(date, 4.0)]
    unit_em = text_points(table.sign_unit, 1, latin, autospace=latin == SERIF)
    date_em = text_points(date, 1, latin, autospace=latin == SERIF)
    return [(table.sign_unit, max(0.0, 4 + (date_em - unit_em) / 2)), (date, 4.0)]


def issued_lines(table: PrintTable) -> list[str]:
    """:func:`issued_offsets` as right-aligned text: each line followed by its distance
    from the edge in ideographic spaces (and a half-width space for a half character),
    as the sheets print it."""
    out = []
    for text, em in issued_offsets(table, FANGSONG):
        halves = round(em * 2)
        out.append(text + SPACE * (halves // 2) + " " * (halves % 2))
    return out


# --- column widths ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Metrics:
    """How a file draws a table: body and header text size and Latin font class, the
    room a cell takes beside its text, and a margin for renderers that draw wider."""

    size: float
    latin: str
    head_latin: str
    pad: float            # points a cell takes beside its text (both margins, the border)
    slack: float          # factor on measured text widths


#: table text: 小4 (12 pt)
DOC_TABLE_SIZE = SIZE_S4
CELL_MARGIN_PT = 2.85                # left/right cell margin (1 mm; Word's default is 1.9 mm)
#: a document's cells: 小4, Latin in Times New Roman, both margins and the rule; 3 % for wider renderings
DOCX = Metrics(DOC_TABLE_SIZE, SERIF, SERIF, pad=2 * CELL_MARGIN_PT + 1.5, slack=1.03)


def _column_texts(table: "PrintTable", c: int) -> list[str]:
    col = table.columns[c]
    return [money_text(row[c], col.number_format) for row in table.rows if c < len(row)]


def header_lines(header: str, width: float | None = None, m: Metrics | None = None) -> list[str]:
    """A column header in at most two lines broken between words (“应缴/（元）”), or in
    the lines ``width`` points allow."""
    m = m or DOCX
    if width is None:
        best = [header]
        if display_width(header) > 4:
            lines = balanced_lines(header, max(math.ceil(display_width(header) / 2), 4))
            if len(lines) == 2:
                best = lines
        return best
    units = max((width - m.pad) / (m.size / 2) / m.slack, 2)
    return balanced_lines(header, units)


def _header_need(header: str, m: Metrics) -> float:
    return max(text_points(line, m.size, m.head_latin) for line in header_lines(header, None, m)) * m.slack + m.pad


def column_widths(table: "PrintTable", total: float, m: Metrics, *, may_overflow: bool) -> list[float]:
    """Widths (points) of ``table``'s columns for a page ``total`` points wide.

    A column that does not wrap (codes, amounts, dates, names, list words) gets the
    measured width of its widest text, or of its header broken into two lines. Columns
    that wrap (employers, reasons) share what is left: first each up to the width of its
    usual text (nine rows in ten fit on one line; a rare long list does not take the
    page), in proportion to that width, down to a third of it (three lines) and not below
    its header or four characters; then what remains goes to the longer texts, then to
    every column in proportion. When even the least does not fit, a sheet
    (``may_overflow``: printing fits it to the page width) keeps the widths, and a
    document lets the wrapping columns go down to their header or four characters, then
    shrinks every column alike (the last resort)."""
    needs, usual, floors, wraps = [], [], [], []
    for c, col in enumerate(table.columns):
        texts = _column_texts(table, c)
        measured = sorted(widest_line(t, m.size, m.latin) * m.slack + m.pad for t in texts if t.strip())
        widest = measured[-1] if measured else m.pad
        head = _header_need(col.header, m)
        if not measured:                         # filled in by hand (votes, signatures): the hint's room
            widest = max(widest, col.width * m.size / 2 + m.pad)
        need = max(widest, head)
        typical = max(head, measured[int(0.9 * (len(measured) - 1))] if measured else need)
        if col.wrap:
            floor = min(typical, max(head, 4 * m.size + m.pad, (typical - m.pad) / 3 + m.pad))
        else:
            floor = typical = need
        needs.append(need)
        usual.append(typical)
        floors.append(floor)
        wraps.append(col.wrap)
    fixed = sum(n for n, w in zip(needs, wraps) if not w)
    natural = sum(n for n, w in zip(needs, wraps) if w)
    common = sum(u for u, w in zip(usual, wraps) if w)
    least = sum(f for f, w in zip(floors, wraps) if w)
    if fixed + natural <= total:
        spare = total - fixed - natural
        want = fixed + natural
        return [n + spare * n / want for n in needs] if want else list(needs)
    if fixed + common <= total:
        room, give = total - fixed - common, natural - common
        return [n if not w else u + (room * (n - u) / give if give else 0.0)
                for n, u, w in zip(needs, usual, wraps)]
    if fixed + least <= total:
        room, give = total - fixed - least, common - least
        return [n if not w else f + (room * (u - f) / give if give else 0.0)
                for n, u, f, w in zip(needs, usual, floors, wraps)]
    if may_overflow:
        return [n if not w else f for n, f, w in zip(needs, floors, wraps)]
    lows = [n if not w else min(f, max(_header_need(col.header, m), 4 * m.size + m.pad))
            for n, f, w, col in zip(needs, floors, wraps, table.columns)]
    low = sum(lo for lo, w in zip(lows, wraps) if w)
    if fixed + low <= total:
        room, want = total - fixed - low, least - low
        return [n if not w else lo + (room * (f - lo) / want if want else 0.0)
                for n, f, lo, w in zip(needs, floors, lows, wraps)]
    return [lo * total / sum(lows) for lo in lows]


#: codes, application numbers, amounts and dates: never split inside a cell
CODE_LIKE = re.compile(r"[A-Z]{1,3}-\d+|\d{4}-\d{3,5}|\d[\d,]*\.\d+|\d{4}年\d{1,2}月\d{1,2}日|第\d+行"
                       r"|[\u4e00-\u9fff]+(?:·[\u4e00-\u9fff]+)+")
#: marks after which a list in a cell (names, reasons) breaks its lines
LIST_SEPARATORS = "、，；,;："


def wrap_cell(text: str, width: float, m: "Metrics") -> list[str]:
    """A wrapping cell's text in the lines of a column ``width`` points wide: a list
    (names and application numbers separated by 、) breaks after its separators, an
    item never split; other text (an employer) breaks between words into lines as even
    as they can be (阿克苏地区交通建设/投资有限公司, not 阿克苏地区交通建设投资有限公/司)."""
    room = (width - m.pad) / m.slack
    units = room / (m.size / 2)
    out: list[str] = []
    for line in str(text).split("\n"):
        if text_points(line, m.size, m.latin) <= room:
            out.append(line)
        elif any(sep in line for sep in LIST_SEPARATORS):
            current = ""
            for token in re.findall(rf"[^{LIST_SEPARATORS}]+[{LIST_SEPARATORS}]*|[{LIST_SEPARATORS}]+", line):
                if current and text_points(current + token.rstrip(" "), m.size, m.latin) > room:
                    out.append(current.rstrip(" "))
                    current = ""
                if not current and text_points(token.rstrip(" "), m.size, m.latin) > room:
                    pieces = balanced_lines(token.rstrip(" "), units, CODE_LIKE.findall(token), single=True)
                    out += pieces[:-1]
                    current = pieces[-1]
                else:
                    current += token
            if current:
                out.append(current.rstrip(" "))
        else:
            out += balanced_lines(line, units)
    return out


def sign_lines(items: Sequence[str], width: float, size: float, latin: str = SERIF) -> list[str]:
    """Signature items packed into as few lines as fit ``width`` points, an item never
    split."""
    lines: list[str] = []
    for item in items:
        if lines and text_points(lines[-1] + SPACE * 2 + item, size, latin) <= width:
            lines[-1] += SPACE * 2 + item
        else:
            lines.append(item)
    return lines


def note_lines(text: str, width: float, size: float, latin: str, keep: Sequence[str] = ()) -> list[str]:
    """A note broken into the lines of ``width`` points (phone numbers, dates and the
    phrases of ``keep`` never split, no line starting with a closing mark)."""
    text = normalise_phones(text)
    return wrap_text(text, width, size, latin, spans=keep_spans(text, keep))
