"""A canonical text rendering of a .docx: page setup, document defaults, footer, and
every paragraph (with its style) and table row in order. Two documents with the same
rendering print the same text in the same places; the golden files of the documents
are kept in this form so that a change in output shows in review."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

EMU_PER_MM = 36000


def _mm(value) -> str:
    return f"{value / EMU_PER_MM:.1f}" if value is not None else "?"


def _paragraph(p: Paragraph) -> str:
    parts = []
    for run in p.runs:
        text = run.text.replace("\n", "⏎")
        style = run.style.name if run.style is not None and run.style.type is not None and \
            run.style.name != "Default Paragraph Font" else ""
        parts.append(f"【{style}:{text}】" if style and text else text)
    text = "".join(parts)
    return f"[{p.style.name if p.style is not None else ''}] {text}".rstrip()


def _table(table: Table) -> list[str]:
    out = ["[表格]"]
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append("⏎".join(p.text.replace("\n", "⏎") for p in cell.paragraphs).strip("⏎"))
        out.append("  | " + " | ".join(cells) + " |")
    return out


def defaults(doc) -> dict[str, str]:
    """East Asian font, size and language of the document defaults."""
    r_pr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts, lang, size = r_pr.find(qn("w:rFonts")), r_pr.find(qn("w:lang")), r_pr.find(qn("w:sz"))
    return {"east_asia_font": fonts.get(qn("w:eastAsia")) if fonts is not None else "",
            "east_asia_lang": lang.get(qn("w:eastAsia")) if lang is not None else "",
            "size_pt": str(int(size.get(qn("w:val"))) / 2) if size is not None else ""}


def canonical_text(source: bytes | Path) -> str:
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    doc = Document(io.BytesIO(data))
    lines = []
    d = defaults(doc)
    lines.append(f"默认 字体={d['east_asia_font']} 字号={d['size_pt']} 东亚语言={d['east_asia_lang']}")
    for n, sec in enumerate(doc.sections, start=1):
        footer = "".join(p.text for p in sec.footer.paragraphs)
        lines.append(f"节{n} 纸张={_mm(sec.page_width)}×{_mm(sec.page_height)}mm 页边距 上{_mm(sec.top_margin)} "
                     f"下{_mm(sec.bottom_margin)} 左{_mm(sec.left_margin)} 右{_mm(sec.right_margin)} 页脚={footer!r}")
    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(_paragraph(Paragraph(child, doc)))
            if child.find(qn("w:pPr")) is not None and child.find(qn("w:pPr")).find(qn("w:sectPr")) is not None:
                lines.append("[分节]")
        elif child.tag == qn("w:tbl"):
            lines += _table(Table(child, doc))
    return "\n".join(lines) + "\n"
