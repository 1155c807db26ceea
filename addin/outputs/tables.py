"""Printable tables as .xlsx and .docx: the rosters, the vote sheet, the publicity
list and the finance lists share this writer.

Every text written is neutralised against formula injection; every sheet prints on A4
with the header row repeated, the title and date in the page header and page numbers
in the footer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..rules.dates import format_date
from .templates import document_defaults, set_fonts

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEAD_FONT = "黑体"


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP
    CSV-injection advice); numbers and dates pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


@dataclass
class Column:
    header: str
    width: float = 12
    number_format: str = "@"


@dataclass
class PrintTable:
    """A titled table with optional lines above and below (notes, signatures)."""

    title: str
    columns: list[Column]
    rows: list[Sequence[object]]
    subtitle: str = ""
    notes: list[str] = field(default_factory=list)
    footer_lines: list[str] = field(default_factory=list)
    landscape: bool = True
    header_text: str = ""          # page header (e.g. the meeting's name and date)
    footer_right: bool = False     # signature block (issuer, date) aligned right as in official documents
    properties_title: str = ""
    confidential: str = ""         # a mark printed in the header of every page and sheet (e.g. 内部资料 注意保密)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_xlsx(table: PrintTable, path: Path, *, sheet_name: str = "名单", extra: list[PrintTable] = ()) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for i, t in enumerate([table, *extra]):
        _sheet(wb.create_sheet(sheet_name if i == 0 else t.title[:28]), t)
    wb.properties.creator = "职称评审台账"
    wb.properties.title = table.properties_title or table.title
    wb.properties.lastModifiedBy = "职称评审台账"
    wb.save(path)
    return path


def _sheet(ws, t: PrintTable) -> None:
    n = len(t.columns)
    last = get_column_letter(n)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = neutralise(t.title)
    ws["A1"].font = Font(name=TITLE_FONT, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    row = 2
    for line in ([t.subtitle] if t.subtitle else []) + t.notes:
        ws.merge_cells(f"A{row}:{last}{row}")
        ws[f"A{row}"] = neutralise(line)
        ws[f"A{row}"].font = Font(name=BODY_FONT, size=11)
        ws[f"A{row}"].alignment = Alignment(wrap_text=True)
        row += 1
    header_row = row
    for c, col in enumerate(t.columns, start=1):
        cell = ws.cell(row=row, column=c, value=col.header)
        cell.font = Font(name=HEAD_FONT, size=11)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(c)].width = col.width
    for values in t.rows:
        row += 1
        for c, (col, value) in enumerate(zip(t.columns, values), start=1):
            cell = ws.cell(row=row, column=c, value=neutralise(value))
            cell.number_format = "yyyy-mm-dd" if isinstance(value, (dt.date, dt.datetime)) else col.number_format
            cell.font = Font(name=BODY_FONT, size=11)
            cell.border = BORDER
            cell.alignment = Alignment(vertical="center", wrap_text=True)
    row += 1
    for line in t.footer_lines:
        row += 1
        ws.merge_cells(f"A{row}:{last}{row}")
        ws[f"A{row}"] = neutralise(line)
        ws[f"A{row}"].font = Font(name=BODY_FONT, size=12)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if t.landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True
    if t.header_text:
        ws.oddHeader.center.text = t.header_text.replace("&", "&&")
    if t.confidential:
        _mark_confidential(ws, t.confidential)
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.freeze_panes = f"A{header_row + 1}"


def _mark_confidential(ws, mark: str) -> None:
    """The mark at the left of the page header on every printed page (first, odd and
    even pages alike) and a red sheet tab."""
    for header in (ws.oddHeader, ws.evenHeader, ws.firstHeader):
        header.left.text = mark.replace("&", "&&")
        header.left.color = "C00000"
        header.left.font = f"{HEAD_FONT},Regular"
    ws.sheet_properties.tabColor = "C00000"


# --- docx ------------------------------------------------------------------------------------

def _font(run, name: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    set_fonts(run._element.get_or_add_rPr(), name)


def _page_number_footer(section) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text, field_code in (("第 ", None), (None, "PAGE"), (" 页，共 ", None), (None, "NUMPAGES"), (" 页", None)):
        run = paragraph.add_run()
        if text:
            run.text = text
        else:
            for kind, content in (("begin", None), (None, field_code), ("end", None)):
                if kind:
                    el = OxmlElement("w:fldChar")
                    el.set(qn("w:fldCharType"), kind)
                else:
                    el = OxmlElement("w:instrText")
                    el.set(qn("xml:space"), "preserve")
                    el.text = content
                run._r.append(el)
        _font(run, BODY_FONT, 10.5)


def write_docx(table: PrintTable, path: Path) -> Path:
    doc = Document()
    document_defaults(doc)          # the attachments' defaults: 仿宋_GB2312, East Asian language zh-CN
    section = doc.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    if table.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(25), Mm(20)
    section.left_margin, section.right_margin = Mm(20), Mm(20)
    if table.header_text:
        head = section.header.paragraphs[0]
        head.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(head.add_run(table.header_text), BODY_FONT, 10.5)
    if table.confidential:          # on every page: the section's header repeats
        first = section.header.paragraphs[0]
        mark = first.insert_paragraph_before() if table.header_text else first
        mark.alignment = WD_ALIGN_PARAGRAPH.LEFT
        _font(mark.add_run(table.confidential), HEAD_FONT, 12, bold=True)
    _page_number_footer(section)
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(table.title), TITLE_FONT, 18)
    for line in ([table.subtitle] if table.subtitle else []) + table.notes:
        _font(doc.add_paragraph().add_run(line), BODY_FONT, 12)
    grid = doc.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    header = grid.rows[0]
    tr_pr = header._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    tr_pr.append(repeat)
    for cell, col in zip(header.cells, table.columns):
        cell.text = ""
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(p.add_run(col.header), HEAD_FONT, 11)
    for values in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, values):
            _font(cell.paragraphs[0].add_run(_cell_text(value)), BODY_FONT, 11)
    usable = (section.page_width - section.left_margin - section.right_margin)
    total = sum(c.width for c in table.columns)
    grid.autofit = False
    for column, col in zip(grid.columns, table.columns):
        column.width = int(usable * col.width / total)
    for row in grid.rows:
        for cell, col in zip(row.cells, table.columns):
            cell.width = int(usable * col.width / total)
    for line in table.footer_lines:
        paragraph = doc.add_paragraph()
        if table.footer_right:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _font(paragraph.add_run(line), BODY_FONT, 12)
    core = doc.core_properties
    core.author = "职称评审台账"
    core.last_modified_by = "职称评审台账"
    core.title = table.properties_title or table.title
    core.comments = ""
    doc.save(path)
    return path
