"""A printable table as a .docx in the attachments' official layout (the GB/T 9704 kit,
:mod:`addin.outputs.officialdoc`): the running header on odd and even pages, the last
rows and every line of the signature block kept with the next paragraph, the date four
characters from the right with the issuer centred over it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Sequence

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Twips

from ..layout import SERIF, ambiguous, balanced_lines, keep_spans, layout_lines, normalise_phones
from ..officialdoc import (BODY_CHAR_SPACING, BODY_FONT, SIZE_2, SIZE_3, finish_document, indent_chars,
                           keep_together, official_document, set_fonts, set_properties)
from .model import (CELL_MARGIN_PT, DOCX, ROWS_WITH_SIGNATURES, Column, PrintTable, column_widths, header_lines,
                    issued_offsets, money_text, sign_lines, wrap_cell)



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
            text = money_text(value, col.number_format)
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
        indent_chars(p, chars, side="right")
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
