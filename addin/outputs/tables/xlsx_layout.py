"""A printable table as an .xlsx sheet: A4, fit to the page width, borders, header row
repeated, row heights computed from the lines of each cell (Excel does not grow merged
or wrapped rows by itself, LibreOffice and WPS do not either when a height is stored),
dates as 2024年9月10日, page numbers in the footer, a row break keeping the signature
block with the last rows, the 内部资料 注意保密 mark.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break

from ...book.schema import CHINESE_DATE
from ..layout import FANGSONG, HEI, balanced_lines, wrap_text
from ..officialdoc import BODY_FONT, HEAD_FONT, PAGE_MM, TITLE_FONT, utc
from .model import (BORDER, HEADER_FILL, ROWS_WITH_SIGNATURES, Metrics, PrintTable, cell_text, column_widths,
                    header_lines, issued_lines, money_text, neutralise, note_lines, sign_lines, wrap_cell)

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
    text = money_text(cell.value, cell.number_format or "")
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
