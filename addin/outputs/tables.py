"""Printable tables as .xlsx and .docx: the rosters, the vote sheet, the code key, the
publicity list and the finance lists share this writer, so they share one print layout.

Every text written is neutralised against formula injection. Column widths come from
the measured width of every text in the column, in the fonts the file names (and the
wider of the free fonts that stand in for them, :mod:`.layout`): a column of codes,
amounts, dates or names gets the width of its widest entry and never wraps; columns of
free text (employers, reasons) share the rest of the A4 page width and wrap, at most a
few lines. Texts that wrap get rows tall enough for every line; titles break into
balanced lines that keep words whole; notes are broken into lines here (Chinese
line-breaking rules, phone numbers and dates kept whole), one line a row in a sheet.

A signature block never stands alone on a page: in a sheet a row break moves the last
rows of the table with it when the page would end between them; in a document the
last rows and every line of the block are kept with the next paragraph.

- xlsx: A4, fit to the page width, borders, header row repeated, row heights computed
  (Excel does not grow merged or wrapped rows by itself, LibreOffice and WPS do not
  either when a height is stored), dates as 2024年9月10日, page numbers in the footer.
- docx: the attachments' official layout (GB/T 9704, see :mod:`.templates`): margins
  37/35/28/26 mm, 2号小标宋 title, 3号仿宋 text of 28 characters a line, 小4 table
  text, the running header on odd and even pages, page numbers "— 1 —" right on odd
  pages and left on even pages, the date four characters from the right with the
  issuer centred over it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Twips
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from ..xlsx.cells import looks_like_formula
from ..book.schema import CHINESE_DATE
from ..rules.dates import format_date
from ..textwidth import display_width
from .layout import (FANGSONG, HEI, SERIF, ambiguous, balanced_lines, keep_spans, layout_lines,
                     normalise_phones, text_points, widest_line, wrap_text)
from .officialdoc import (BODY_CHAR_SPACING, BODY_FONT, HEAD_FONT, PAGE_MM, SIZE_2, SIZE_3, SIZE_S4,
                          SIGN_DATE, TITLE_FONT, finish_document, keep_together, official_document, set_fonts, set_properties, utc)

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
#: dates in every sheet as in documents: 2024年9月10日
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


def _money_text(value: object, fmt: str) -> str:
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


def _column_texts(table: "PrintTable", c: int) -> list[str]:
    col = table.columns[c]
    return [_money_text(row[c], col.number_format) for row in table.rows if c < len(row)]


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


# --- xlsx ------------------------------------------------------------------------------------

#: sizes (points) in the sheets
XL_TITLE, XL_TEXT, XL_SIGN = 16, 11, 12
#: page margins (inches) of every sheet
XL_SIDE_MARGIN, XL_TOP_MARGIN, XL_BOTTOM_MARGIN = 0.6, 0.8, 0.7
PIXELS_PER_UNIT = 7                 # Excel's column width unit: the '0' of Calibri 11 is 7 px wide
PX = 96 / 72                        # pixels per point at 96 dpi
#: a sheet's cells: 仿宋_GB2312 11 pt, headers 黑体; 6 px of padding and border, 6 % for wider renderings
XLSX = Metrics(XL_TEXT, FANGSONG, HEI, pad=6 / PX, slack=1.06)


def page_points(landscape: bool) -> float:
    """Printable width of an A4 page in points (the sheets' side margins)."""
    width_mm = (PAGE_MM[1] if landscape else PAGE_MM[0]) - 2 * XL_SIDE_MARGIN * 25.4
    return width_mm / 25.4 * 72


def units_for(points: float) -> float:
    """The Excel column width of a column ``points`` wide (a column of width w is 7w+5 px)."""
    return max((points * PX - 5) / PIXELS_PER_UNIT, 1.0)


def points_of(width_units: float) -> float:
    return (width_units * PIXELS_PER_UNIT + 5) / PX


def text_room(width_units: float, m: Metrics = XLSX, size: float | None = None) -> float:
    """Points of text that fit a cell ``width_units`` wide (its padding and margin off)."""
    size = size or m.size
    return (points_of(width_units) - m.pad) / m.slack


def line_height(size: float, font: str = BODY_FONT) -> float:
    """Points per wrapped line: 仿宋 draws about 1.3 em (Excel) or 1 em (LibreOffice with
    FandolFang), 黑体 and its stand-in Noto Sans CJK about 1.45 em."""
    return size * (1.5 if font == HEAD_FONT else 1.35)


def cell_lines(cell, width_units: float) -> int:
    """Lines the text of ``cell`` takes in a column ``width_units`` wide."""
    size = float(cell.font.sz or XL_TEXT) if cell.font else XL_TEXT
    latin = HEI if cell.font and cell.font.name == HEAD_FONT else FANGSONG
    text = _money_text(cell.value, cell.number_format or "")
    if isinstance(cell.value, (dt.date, dt.datetime)):
        text = cell_text(cell.value)
    if not cell.alignment.wrap_text:
        return 1
    return len(wrap_text(text, text_room(width_units, size=size), size, latin))


def fit_rows(ws, first: int = 1, last: int | None = None) -> None:
    """Give every row from ``first`` to ``last`` the height its wrapped and merged cells
    need: lines (from measured text widths and column widths) x line height."""
    last = last or ws.max_row
    spans: dict[tuple[int, int], float] = {}
    covered: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        width = sum(_width(ws, c) for c in range(rng.min_col, rng.max_col + 1))
        spans[(rng.min_row, rng.min_col)] = width
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered.add((r, c))
    for r in range(first, last + 1):
        height = 0.0
        for cell in ws[r]:
            if cell.value is None or (r, cell.column) in covered:
                continue
            size = float(cell.font.sz or XL_TEXT) if cell.font else XL_TEXT
            lines = cell_lines(cell, spans.get((r, cell.column), _width(ws, cell.column)))
            height = max(height, lines * line_height(size, cell.font.name if cell.font else BODY_FONT) + 4)
        ws.row_dimensions[r].height = round(height or line_height(XL_TEXT), 1)


def _width(ws, column: int) -> float:
    return ws.column_dimensions[get_column_letter(column)].width or 8.43


def print_setup(ws, *, landscape: bool, title_rows: str | None = None, header_text: str = "") -> None:
    """A4, fit to the page width (any number of pages down), centred, header row repeated,
    page numbers in the footer."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins.left = ws.page_margins.right = XL_SIDE_MARGIN
    ws.page_margins.top, ws.page_margins.bottom = XL_TOP_MARGIN, XL_BOTTOM_MARGIN
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    if header_text:
        for header in (ws.oddHeader, ws.evenHeader):
            header.center.text = header_text.replace("&", "&&")
            header.center.size = 9
    for footer in (ws.oddFooter, ws.evenFooter):
        footer.center.text = "第 &P 页，共 &N 页"
        footer.center.size = 9


def merged_line(ws, row: int, last: str, text: str, *, size: float, font: str = BODY_FONT,
                horizontal: str = "left") -> None:
    ws.merge_cells(f"A{row}:{last}{row}")
    cell = ws[f"A{row}"]
    cell.value = text
    neutralise(cell)
    cell.font = Font(name=font, size=size)
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)


def keep_with_last_rows(ws, header_row: int, table_end: int, last: int, *, landscape: bool,
                        keep: int = ROWS_WITH_SIGNATURES) -> int | None:
    """When printing would end a page between the table and what is below it (the
    signature block, the issuer and date), a row break before the table's last ``keep``
    rows so that they go over with it. The pages are worked out as a spreadsheet prints
    them (fit to the page width, the header row repeated, the rows' own heights), with a
    margin of a twentieth of a page for renderers that round differently. Returns the
    row the break follows, or None."""
    if last <= table_end:
        return None
    width = sum(points_of(_width(ws, c)) for c in range(1, ws.max_column + 1))
    scale = min(1.0, page_points(landscape) / width) if width else 1.0
    page_mm = PAGE_MM[0] if landscape else PAGE_MM[1]
    room = (page_mm / 25.4 - XL_TOP_MARGIN - XL_BOTTOM_MARGIN) * 72 / scale
    height = lambda r: ws.row_dimensions[r].height or line_height(XL_TEXT)   # noqa: E731
    used, page, pages = 0.0, 1, {}
    for r in range(1, last + 1):
        h = height(r)
        if used and used + h > room:
            page, used = page + 1, (height(header_row) if r > header_row + 1 else 0.0)
        used += h
        pages[r] = (page, used)
    end_page, end_used = pages[last]
    if end_page == pages[table_end][0] and end_used <= room * 0.95:
        return None
    after = max(table_end - keep, header_row)
    if after == header_row:          # the whole table is short: start it on the next page with the block
        after = header_row - 1
    if after < 1:
        return None
    ws.row_breaks.append(Break(id=after))
    return after


def write_sheet(ws, t: PrintTable) -> tuple[int, int]:
    """``t`` on ``ws``: title, lines above, the bordered table, signatures; returns the
    rows of the header and of the last table row."""
    n = len(t.columns)
    last = get_column_letter(n)
    page = page_points(t.landscape)
    widths = column_widths(t, page, XLSX, may_overflow=True)
    units = [units_for(w) for w in widths]
    for c, w in enumerate(units, start=1):
        ws.column_dimensions[get_column_letter(c)].width = math.ceil(w * 100) / 100
    total = sum(points_of(u) for u in units)
    text_width = (total - XLSX.pad) / XLSX.slack
    title = "\n".join(balanced_lines(t.title, text_width / (XL_TITLE / 2) * 0.94, t.keep))
    merged_line(ws, 1, last, title, size=XL_TITLE, font=TITLE_FONT, horizontal="center")
    row = 2
    for note in ([t.subtitle] if t.subtitle else []) + t.notes:
        for line in note_lines(note, text_width, XL_TEXT, FANGSONG, t.keep):
            merged_line(ws, row, last, line, size=XL_TEXT)
            row += 1
    header_row = row
    for c, col in enumerate(t.columns, start=1):
        cell = ws.cell(row=row, column=c, value="\n".join(header_lines(col.header, widths[c - 1], XLSX)))
        cell.font = Font(name=HEAD_FONT, size=XL_TEXT)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in t.rows:
        row += 1
        for c, (col, value) in enumerate(zip(t.columns, values), start=1):
            if col.wrap and isinstance(value, str):
                value = "\n".join(wrap_cell(value, widths[c - 1], XLSX))
            cell = neutralise(ws.cell(row=row, column=c, value=value))
            cell.number_format = CHINESE_DATE if isinstance(value, (dt.date, dt.datetime)) else col.number_format
            cell.font = Font(name=BODY_FONT, size=XL_TEXT)
            cell.border = BORDER
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            money = numeric and "#,##0" in col.number_format
            cell.alignment = Alignment(horizontal="right" if money else "left" if col.wrap else "center",
                                       vertical="center", wrap_text=col.wrap)
    table_end = row
    sign_width = text_width * XL_TEXT / XL_SIGN
    below = [(line, "left") for note in t.footer_lines
             for line in note_lines(note, sign_width, XL_SIGN, FANGSONG, t.keep)]
    below += [(line, "left") for line in sign_lines(t.signature_items, sign_width, XL_SIGN, FANGSONG)]
    issued = issued_lines(t)
    if issued and below:
        below.append(("", "left"))
    below += [(line, "right") for line in issued]
    if below:
        row += 1                        # a blank row between the table and what is signed below it
    for line, horizontal in below:
        row += 1
        if line:
            merged_line(ws, row, last, line, size=XL_SIGN, horizontal=horizontal)
    fit_rows(ws, 1, row)
    print_setup(ws, landscape=t.landscape, title_rows=f"{header_row}:{header_row}", header_text=t.header_text)
    if t.confidential:
        _mark_confidential(ws, t.confidential)
    keep_with_last_rows(ws, header_row, table_end, row, landscape=t.landscape)
    ws.freeze_panes = f"A{header_row + 1}"
    return header_row, table_end


def write_xlsx(table: PrintTable, path: Path, *, sheet_name: str = "名单", extra: list[PrintTable] = (),
               now: dt.datetime | None = None) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for i, t in enumerate([table, *extra]):
        write_sheet(wb.create_sheet(sheet_name if i == 0 else t.title[:28]), t)
    workbook_properties(wb, table.properties_title or table.title, table.subject, now)
    wb.save(path)
    return path


def workbook_properties(wb, title: str, subject: str = "", now: dt.datetime | None = None) -> None:
    """Title and subject of the workbook itself, created and modified now."""
    now = utc(now or dt.datetime.now())
    props = wb.properties
    props.creator = props.lastModifiedBy = "职称评审台账"
    props.title = title
    props.subject = subject or title
    props.created = props.modified = now
    props.description = props.category = props.keywords = None


def _mark_confidential(ws, mark: str) -> None:
    """The mark at the left of the page header on every printed page (first, odd and
    even pages alike), the header's own text moved to the right so that the two never
    overlap on a portrait page, and a red sheet tab."""
    text, size = ws.oddHeader.center.text, ws.oddHeader.center.size
    for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        header.left.text = mark.replace("&", "&&")
        header.left.color = "C00000"
        header.left.font = f"{HEAD_FONT},Regular"
        if text:
            header.center.text = None
            header.right.text, header.right.size = text, size
    ws.sheet_properties.tabColor = "C00000"


# --- docx ------------------------------------------------------------------------------------

#: table text: 小4 (12 pt)
DOC_TABLE_SIZE = SIZE_S4
CELL_MARGIN_PT = 2.85                # left/right cell margin (1 mm; Word's default is 1.9 mm)
#: a document's cells: 小4, Latin in Times New Roman, both margins and the rule; 3 % for wider renderings
DOCX = Metrics(DOC_TABLE_SIZE, SERIF, SERIF, pad=2 * CELL_MARGIN_PT + 1.5, slack=1.03)


def title_lines(text: str, text_width_pt: float, keep: Sequence[str] = ()) -> list[str]:
    """The lines of a 2号 title on a text width of ``text_width_pt``."""
    return balanced_lines(text, 2 * text_width_pt / SIZE_2 - 1, keep)


def _usable_pt(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / 12700


def _row_props(row, *, header: bool = False) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    cant = OxmlElement("w:cantSplit")
    tr_pr.append(cant)
    if header:
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)


def _fixed_layout(table, widths_twips: list[int]) -> None:
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    look = tbl_pr.find(qn("w:tblLook"))          # CT_TblPr order: ... tblLayout, tblCellMar, tblLook
    (look.addprevious if look is not None else tbl_pr.append)(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(CELL_MARGIN_PT * 20)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    layout.addnext(margins)
    table.autofit = False
    for column, width in zip(table.columns, widths_twips):
        column.width = Twips(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_twips):
            cell.width = Twips(width)


def keep_rows_with_next(grid, count: int = ROWS_WITH_SIGNATURES) -> None:
    """The last ``count`` rows of ``grid`` go to the page of the paragraph after the
    table (keep with next on every paragraph of those rows: Word, WPS and LibreOffice
    move them together)."""
    for row in grid.rows[max(1, len(grid.rows) - count):]:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def docx_grid(doc, columns: Sequence[Column], rows: Sequence[Sequence[object]], usable: float):
    """A ruled table of ``columns`` (header row repeated on every page, rows never split,
    黑体 headers, 小四 text) whose column widths share ``usable`` points by measured
    content (:func:`column_widths`)."""
    table = PrintTable("", list(columns), list(rows))
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = column_widths(table, usable, DOCX, may_overflow=False)
    header = grid.rows[0]
    _row_props(header, header=True)
    for cell, col, w in zip(header.cells, table.columns, widths):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.style = doc.styles["表格文字"]
        for i, line in enumerate(header_lines(col.header, w, DOCX)):
            if i:
                p.add_run(style="黑体标注").add_break()
            p.add_run(line, style="黑体标注")
    for values in table.rows:
        row = grid.add_row()
        _row_props(row)
        for cell, col, value, w in zip(row.cells, table.columns, values, widths):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.style = doc.styles["表格文字"]
            text = _money_text(value, col.number_format)
            if col.wrap:
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT
                for i, line in enumerate(wrap_cell(text, w, DOCX)):
                    if i:
                        p.add_run().add_break()
                    p.add_run(line)
            else:
                p.add_run(text)
    _fixed_layout(grid, [int(w * 20) for w in widths])
    return grid


def body_paragraph(doc, text: str, style: str = "公文正文", *, keep: Sequence[str] = (), width: float | None = None,
                   first_indent_chars: float = 2):
    """A paragraph of body text whose phone numbers, dates and the phrases of ``keep``
    are never split by a line end and whose closing marks never hang into the margin:
    where a renderer would do either, a line break goes before the piece (the lines
    worked out by :func:`.layout.layout_lines` on the text width ``width`` at the
    body's 28 characters a line)."""
    text = normalise_phones(text)
    p = doc.add_paragraph(style=style)
    if width is None:
        width = _usable_pt(doc.sections[-1])
    laid = layout_lines(text, width, SIZE_3, SERIF, first_indent=first_indent_chars * SIZE_3,
                        spacing=BODY_CHAR_SPACING, spans=keep_spans(text, keep), autospace=True)
    at = 0
    for cut in laid.forced:
        _add_text(p, text[at:cut])
        p.add_run().add_break()
        at = cut
    _add_text(p, text[at:])
    return p


def _add_text(p, text: str) -> None:
    """``text`` as runs of ``p``, the marks drawn full width (· × — “ ”) in runs of the
    East Asian font: Word draws them so by the documents' font hint, LibreOffice would
    draw them narrow in the Latin font and break the lines elsewhere."""
    for segment in _segments(text):
        run = p.add_run(segment)
        if segment and ambiguous(segment[0]):
            set_fonts(run._r.get_or_add_rPr(), BODY_FONT, BODY_FONT)


def _segments(text: str) -> list[str]:
    out: list[str] = []
    for ch in text:
        if out and ambiguous(out[-1][-1]) == ambiguous(ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def write_docx(table: PrintTable, path: Path, *, now: dt.datetime | None = None) -> Path:
    doc = official_document(landscape=table.landscape)
    section = doc.sections[0]
    if table.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
    if table.header_text:          # odd and even pages alike (the document has even/odd headers)
        for head in (section.header, section.even_page_header):
            head.is_linked_to_previous = False
            p = head.paragraphs[0]
            p.style = doc.styles["表格文字"]
            p.add_run(table.header_text)
    if table.confidential:
        confidential_header(doc, table.confidential)
    usable = _usable_pt(section)
    title = doc.add_paragraph(style="公文标题")
    for i, line in enumerate(title_lines(table.title, usable, table.keep)):
        if i:
            title.add_run().add_break()
        title.add_run(line)
    for line in ([table.subtitle] if table.subtitle else []) + table.notes:
        body_paragraph(doc, line, keep=table.keep, width=usable)
    grid = docx_grid(doc, table.columns, table.rows, usable)
    block = []
    for line in table.footer_lines:
        block.append(body_paragraph(doc, line, "落款", keep=table.keep, width=usable, first_indent_chars=0))
    if table.signature_items:
        block.append(doc.add_paragraph(style="落款"))
        for line in sign_lines(table.signature_items, usable, SIZE_3):
            block.append(doc.add_paragraph(line, style="落款"))
    issued = issued_offsets(table)
    if issued:
        block.append(doc.add_paragraph(style="落款"))
    for text, chars in issued:
        p = doc.add_paragraph(text, style="落款")
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _right_indent(p, chars)
        block.append(p)
    if block:
        keep_rows_with_next(grid)
        keep_together(block)
    set_properties(doc, table.properties_title or table.title, table.subject, now)
    finish_document(doc)
    doc.save(path)
    return path


def confidential_header(doc, mark: str) -> None:
    """``mark`` (内部资料 注意保密) bold at the top left of every page: in the header of odd
    pages (the default) and of even pages (the documents have even/odd headers)."""
    section = doc.sections[0]
    for head in (section.header, section.even_page_header):
        head.is_linked_to_previous = False
        first = head.paragraphs[0]
        paragraph = first.insert_paragraph_before() if first.text else first
        paragraph.style = doc.styles["表格文字"]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        paragraph.add_run(mark).bold = True


def _right_indent(paragraph, chars: float) -> None:
    """A right indent of ``chars`` characters of 3号 text (GB/T 9704: 右空四字)."""
    p_pr = paragraph._p.get_or_add_pPr()
    ind = p_pr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        p_pr.append(ind)
    ind.set(qn("w:rightChars"), str(round(chars * 100)))
    ind.set(qn("w:right"), str(round(chars * SIZE_3 * 20)))
