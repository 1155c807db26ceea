"""Printable tables as .xlsx and .docx: the rosters, the vote sheet, the code key, the
publicity list and the finance lists share this writer, so they share one print layout.

Every text written is neutralised against formula injection. Columns are sized from
their content (a name such as 艾合买提·库尔班 never wraps) to fill the A4 page width;
texts that wrap get rows tall enough for every line; titles break into balanced lines
that keep words whole.

- xlsx: A4, fit to the page width, borders, header row repeated, row heights computed
  (Excel does not grow merged or wrapped rows by itself, LibreOffice and WPS do not
  either when a height is stored), dates as 2024年9月10日, page numbers in the footer.
- docx: the attachments' official layout (GB/T 9704, see :mod:`.templates`): margins
  37/35/28/26 mm, 2号小标宋 title, 3号仿宋 text, 小4 table text, page numbers "— 1 —"
  right on odd pages and left on even pages, the date four characters from the right.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..book.xlsxpatch import looks_like_formula
from ..rules.dates import format_date
from .layout import allocate, balanced_lines, display_width, unbreakable_phones, wrapped_lines
from .templates import (BODY_FONT, HEAD_FONT, MARGINS_MM, PAGE_MM, SIZE_2, SIZE_3, SIZE_S4, TITLE_FONT,
                        finish_document, official_document, set_properties)

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
#: dates in every sheet as in documents: 2024年9月10日
CHINESE_DATE = 'yyyy"年"m"月"d"日"'
BLANK = "＿"
SPACE = "\u3000"
#: the blank date of a signature block
BLANK_DATE = f"{SPACE * 2}年{SPACE * 2}月{SPACE * 2}日"


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


def issued_lines(table: PrintTable) -> list[str]:
    """The issuer and the date of a published list, right-aligned (GB/T 9704 7.3.5.1):
    the date four characters from the right edge with the issuer centred over it; an
    issuer longer than the date two characters from the right with the date centred
    under it. Trailing ideographic spaces make the offsets in every program."""
    if not (table.sign_unit or table.sign_date):
        return []
    date = format_date(table.sign_date) if table.sign_date else BLANK_DATE
    if not table.sign_unit:
        return [date + SPACE * 4]
    unit_w, date_w = display_width(table.sign_unit), display_width(date)
    if unit_w <= date_w:
        return [table.sign_unit + SPACE * (4 + round((date_w - unit_w) / 4)), date + SPACE * 4]
    return [table.sign_unit + SPACE * 2, date + SPACE * (2 + round((unit_w - date_w) / 4))]


def column_needs(table: PrintTable) -> tuple[list[float], list[float]]:
    """Width each column needs (half-width units, one line) and the least it can do with:
    a column that does not wrap needs its widest text whole; a wrapping one can go down
    to about half its hint; headers may take two lines."""
    needs, minimums = [], []
    for c, col in enumerate(table.columns):
        texts = [_money_text(row[c], col.number_format) for row in table.rows if c < len(row)]
        widest = max((display_width(line) for t in texts for line in t.split("\n")), default=0)
        head = display_width(col.header)
        head_need = head if head <= 4 else max(display_width(line) for line in header_lines(col.header))
        need = max(widest, head_need)
        if not widest:                   # filled in by hand (votes, signatures): the hint's room
            need = max(need, col.width)
        if col.wrap:
            need = min(need, max(2 * col.width, head_need))
            minimum = min(need, max(col.width * 0.6, head_need, 8))
        else:
            minimum = need
        needs.append(need)
        minimums.append(minimum)
    return needs, minimums


def header_lines(header: str, units: float | None = None) -> list[str]:
    """A column header in at most two lines broken between words (“应缴/（元）”), or in
    the lines ``units`` wide allow."""
    head = display_width(header)
    if units is None:
        units = head if head <= 4 else max(math.ceil(head / 2), 4)
        lines = balanced_lines(header, units)
        while len(lines) > 2:
            units += 1
            lines = balanced_lines(header, units)
        return lines
    return balanced_lines(header, max(units, 2))


def sign_lines(items: Sequence[str], capacity: float) -> list[str]:
    """Signature items packed into as few lines as fit ``capacity`` units, an item never
    split."""
    lines: list[str] = []
    for item in items:
        if lines and display_width(lines[-1] + SPACE * 2 + item) <= capacity:
            lines[-1] += SPACE * 2 + item
        else:
            lines.append(item)
    return lines


# --- xlsx ------------------------------------------------------------------------------------

#: sizes (points) in the sheets
XL_TITLE, XL_TEXT, XL_SIGN = 16, 11, 12
#: page margins (inches) of every sheet, and the printable width in Excel width units at 100 %
XL_SIDE_MARGIN = 0.6
PIXELS_PER_UNIT = 7                 # Excel's column width unit: the '0' of Calibri 11 is 7 px wide


def page_units(landscape: bool, columns: int) -> float:
    """Excel width units that fill the printable width of an A4 page (a column of width
    w is 7w+5 pixels at 96 dpi)."""
    width_mm = (PAGE_MM[1] if landscape else PAGE_MM[0]) - 2 * XL_SIDE_MARGIN * 25.4
    pixels = width_mm / 25.4 * 96
    return (pixels - 5 * columns) / PIXELS_PER_UNIT - 0.5


def capacity(width_units: float, size: float = XL_TEXT) -> float:
    """Half-width units of ``size``-point text that fit a cell ``width_units`` wide (with
    its padding), with a margin for wider fallback fonts."""
    pixels = width_units * PIXELS_PER_UNIT + 5 - 6
    unit_px = size * 96 / 72 / 2
    return pixels / unit_px * 0.92


def width_for(units: float, size: float = XL_TEXT) -> float:
    """The column width whose :func:`capacity` is ``units`` (the inverse)."""
    unit_px = size * 96 / 72 / 2
    return (units / 0.92 * unit_px + 1) / PIXELS_PER_UNIT


def line_height(size: float) -> float:
    """Points per wrapped line (CJK fonts such as Noto draw about 1.45 em)."""
    return size * 1.5


def fit_rows(ws, first: int = 1, last: int | None = None) -> None:
    """Give every row from ``first`` to ``last`` the height its wrapped and merged cells
    need: lines (from text width and column width) x line height."""
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
            width = spans.get((r, cell.column), _width(ws, cell.column))
            text = _money_text(cell.value, cell.number_format or "")
            if isinstance(cell.value, (dt.date, dt.datetime)):
                text = cell_text(cell.value)
            lines = wrapped_lines(text, capacity(width, size)) if cell.alignment.wrap_text else 1
            height = max(height, lines * line_height(size) + 4)
        if height:
            ws.row_dimensions[r].height = round(height, 1)


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
    ws.page_margins.top, ws.page_margins.bottom = 0.8, 0.7
    ws.print_options.horizontalCentered = True
    if title_rows:
        ws.print_title_rows = title_rows
    if header_text:
        ws.oddHeader.center.text = header_text.replace("&", "&&")
        ws.oddHeader.center.size = 9
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 9


def merged_line(ws, row: int, last: str, text: str, *, size: float, font: str = BODY_FONT,
                 horizontal: str = "left") -> None:
    ws.merge_cells(f"A{row}:{last}{row}")
    cell = ws[f"A{row}"]
    cell.value = unbreakable_phones(text)
    neutralise(cell)
    cell.font = Font(name=font, size=size)
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)


def write_sheet(ws, t: PrintTable) -> tuple[int, int]:
    """``t`` on ``ws``: title, lines above, the bordered table, signatures; returns the
    rows of the header and of the last table row."""
    n = len(t.columns)
    last = get_column_letter(n)
    needs, minimums = column_needs(t)
    widths = allocate([width_for(x) for x in needs], [width_for(x) for x in minimums], page_units(t.landscape, n))
    for c, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = math.ceil(w * 100) / 100
    total = sum(widths)
    title = "\n".join(balanced_lines(t.title, capacity(total, XL_TITLE), t.keep))
    merged_line(ws, 1, last, title, size=XL_TITLE, font=TITLE_FONT, horizontal="center")
    row = 2
    for line in ([t.subtitle] if t.subtitle else []) + t.notes:
        merged_line(ws, row, last, line, size=XL_TEXT)
        row += 1
    header_row = row
    for c, col in enumerate(t.columns, start=1):
        cell = ws.cell(row=row, column=c, value="\n".join(header_lines(col.header, capacity(widths[c - 1]))))
        cell.font = Font(name=HEAD_FONT, size=XL_TEXT)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for values in t.rows:
        row += 1
        for c, (col, value) in enumerate(zip(t.columns, values), start=1):
            cell = neutralise(ws.cell(row=row, column=c, value=value))
            cell.number_format = CHINESE_DATE if isinstance(value, (dt.date, dt.datetime)) else col.number_format
            cell.font = Font(name=BODY_FONT, size=XL_TEXT)
            cell.border = BORDER
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            money = numeric and "#,##0" in col.number_format
            cell.alignment = Alignment(horizontal="right" if money else "left" if col.wrap else "center",
                                       vertical="center", wrap_text=col.wrap)
    table_end = row
    below = [(line, "left") for line in t.footer_lines]
    if t.signature_items:
        below.append(("\n".join(sign_lines(t.signature_items, capacity(total, XL_SIGN))), "left"))
    below += [(line, "right") for line in issued_lines(t)]
    row += 1
    for line, horizontal in below:
        row += 1
        merged_line(ws, row, last, line, size=XL_SIGN, horizontal=horizontal)
    fit_rows(ws, 1, row)
    print_setup(ws, landscape=t.landscape, title_rows=f"{header_row}:{header_row}", header_text=t.header_text)
    if t.confidential:
        _mark_confidential(ws, t.confidential)
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
    from .mailmerge import utc

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

#: table text: 小4 (12 pt); a half-width unit is half of that
DOC_TABLE_SIZE = SIZE_S4
CELL_MARGIN_PT = 2.85                # left/right cell margin (1 mm; Word's default is 1.9 mm)


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


def docx_grid(doc, columns: Sequence[Column], rows: Sequence[Sequence[object]], usable: float):
    """A ruled table of ``columns`` (header row repeated on every page, rows never split,
    黑体 headers, 小四 text) whose column widths share ``usable`` points by content."""
    table = PrintTable("", list(columns), list(rows))
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = grid.rows[0]
    header_cells = []
    _row_props(header, header=True)
    for cell, col in zip(header.cells, table.columns):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.style = doc.styles["表格文字"]
        p.add_run(col.header, style="黑体标注")
        header_cells.append(p)
    for values in table.rows:
        row = grid.add_row()
        _row_props(row)
        for cell, col, value in zip(row.cells, table.columns, values):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.style = doc.styles["表格文字"]
            if col.wrap:
                p.alignment = WD_ALIGN_PARAGRAPH.LEFT
            p.add_run(_money_text(value, col.number_format))
    needs, minimums = column_needs(table)
    unit_pt = DOC_TABLE_SIZE / 2 * 1.04
    pad = 2 * CELL_MARGIN_PT + 1
    widths = allocate([n * unit_pt + pad for n in needs], [m * unit_pt + pad for m in minimums], usable)
    _fixed_layout(grid, [int(w * 20) for w in widths])
    for p, col, w in zip(header_cells, table.columns, widths):
        lines = header_lines(col.header, (w - pad) / unit_pt)
        if len(lines) > 1:
            p.runs[0].text = lines[0]
            for line in lines[1:]:
                p.add_run(style="黑体标注").add_break()
                p.add_run(line, style="黑体标注")
    return grid


def write_docx(table: PrintTable, path: Path, *, now: dt.datetime | None = None) -> Path:
    doc = official_document(landscape=table.landscape)
    section = doc.sections[0]
    if table.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
    if table.header_text:
        head = section.header
        head.is_linked_to_previous = False
        p = head.paragraphs[0]
        p.style = doc.styles["表格文字"]
        p.add_run(table.header_text)
    if table.confidential:          # every page: the odd (default) and the even pages' headers
        for head in (section.header, section.even_page_header):
            head.is_linked_to_previous = False
            first = head.paragraphs[0]
            mark = first.insert_paragraph_before() if first.text else first
            mark.style = doc.styles["表格文字"]
            mark.alignment = WD_ALIGN_PARAGRAPH.LEFT
            run = mark.add_run(table.confidential)
            run.bold = True
    usable = _usable_pt(section)
    title = doc.add_paragraph(style="公文标题")
    for i, line in enumerate(title_lines(table.title, usable, table.keep)):
        if i:
            title.add_run().add_break()
        title.add_run(line)
    for line in ([table.subtitle] if table.subtitle else []) + table.notes:
        doc.add_paragraph(unbreakable_phones(line), style="公文正文")
    docx_grid(doc, table.columns, table.rows, usable)
    for line in table.footer_lines:
        doc.add_paragraph(line, style="落款")
    chars_per_line = 2 * usable / SIZE_3
    if table.signature_items:
        doc.add_paragraph(style="落款").paragraph_format.keep_with_next = True
    for line in sign_lines(table.signature_items, chars_per_line):
        p = doc.add_paragraph(line, style="落款")
        p.paragraph_format.keep_with_next = True
    issued = issued_lines(table)
    if issued:
        doc.add_paragraph(style="落款").paragraph_format.keep_with_next = True
    for i, line in enumerate(issued):
        p = doc.add_paragraph(line, style="落款")
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.keep_with_next = i < len(issued) - 1
    set_properties(doc, table.properties_title or table.title, table.subject, now)
    finish_document(doc)
    doc.save(path)
    return path
