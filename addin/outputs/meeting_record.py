"""The meeting's records for the file, in the attachments' official layout (GB/T 9704:
A4, margins 37/35/28/26 mm, 2号小标宋 title, 3号仿宋 body at 28 pt, page numbers
"— 1 —"; the styles and page setup are the attachments' own, from
:mod:`addin.outputs.templates`):

- the draw record (评委抽取记录): when, who, the source, the pool, who was left out and
  why, the panel and the reserves in order, signed by who drew and who supervised;
- the sealed record of the meeting (评审会议记录): panel and attendance, recusals, the
  votes per code with the 2/3 computation, the defence results, signed by the counting
  and supervising members. The named version stays in the office; the blind version
  for the committee carries codes only (no applicant's name or employer, no expert's
  name or employer).
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..rules.dates import format_date
from . import templates as T

TEXT_MM = T.PAGE_MM[0] - T.MARGINS_MM["left"] - T.MARGINS_MM["right"]      # 156 mm
SPACE = T.SPACE


# --- the official document ------------------------------------------------------------------

def official_document(title: str, subject: str, *, now: dt.datetime):
    """An empty document in the attachments' layout, its properties its own."""
    doc = Document()
    T._styles(doc)
    T._page_setup(doc)
    body = doc.element.body
    for p in list(body.findall(qn("w:p"))):
        body.remove(p)
    core = doc.core_properties
    core.title, core.subject = title, subject
    core.author = core.last_modified_by = "职称评审台账"
    core.comments, core.category, core.keywords = "", "", "职称评审"
    core.language = "zh-CN"
    core.revision = 1
    core.created = core.modified = now.replace(microsecond=0)
    return doc


def title(doc, *lines: str) -> None:
    """The 2号小标宋 title, one line per part (balanced by the caller, words kept whole)."""
    p = T._para(doc, "公文标题", lines[0])
    for line in lines[1:]:
        p.add_run().add_break()
        p.add_run(line)


def body(doc, text: str, *, indent: bool = True):
    p = T._para(doc, "公文正文", text)
    if not indent:
        p.paragraph_format.first_line_indent = Pt(0)
    return p


def heading(doc, text: str):
    return T._para(doc, "小标题", text)


def table(doc, headers: Sequence[str], rows: Sequence[Sequence[object]], widths_mm: Sequence[float],
          *, left: Sequence[int] = ()):
    """A ruled table, 小四 仿宋, header row repeated on every page, fixed column widths
    scaled to the text width; the columns in ``left`` (running text) aligned left."""
    scale = TEXT_MM / sum(widths_mm)
    widths = [w * scale for w in widths_mm]
    grid = doc.add_table(rows=1, cols=len(headers))
    grid.style = doc.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    grid._tbl.tblPr.append(layout)
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(grid.rows[0].cells, headers):
        T._cell(cell, text)
    for values in rows:
        cells = grid.add_row().cells
        for i, (cell, value) in enumerate(zip(cells, values)):
            T._cell(cell, _text(value), style="表格正文" if i in left else "表格文字")
    for i, width in enumerate(widths):
        grid.columns[i].width = Mm(width)
        for row in grid.rows:
            row.cells[i].width = Mm(width)
    for row in grid.rows:
        T._row_height(row, 8)
        tr_pr = row._tr.get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        tr_pr.append(cant)
    doc.add_paragraph(style="表注")        # a little air below the table
    return grid


def signatures(doc, roles: Sequence[str]) -> None:
    """Signature lines (role, room to sign) and the date, kept together."""
    paragraphs = [T._para(doc, "落款")]
    for role in roles:
        paragraphs.append(T._para(doc, "落款", f"{role}（签名）：{SPACE * 8}"))
        T._indent_chars(paragraphs[-1], 2)
    date = T._para(doc, "落款", f"年{SPACE * 2}月{SPACE * 2}日")
    T._indent_chars(date, T.DATE_INDENT)
    paragraphs.append(date)
    for p in paragraphs[:-1]:
        p.paragraph_format.keep_with_next = True


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{format_date(value.date())}{value:%H:%M}"
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, float):
        return f"{value:.2f}" if not value.is_integer() else str(int(value))
    return str(value)


def save(doc, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


# --- the draw record ----------------------------------------------------------------------------

DRAW_RECORD = "评委抽取记录"


def draw_record(report, *, now: dt.datetime | None = None):
    """评委抽取记录 of a :class:`~addin.book.draw.DrawReport` (office copy: names)."""
    from ..book.draw import SOURCE_LABEL, group_label
    from ..rules.panel import ALL_SPECIALTIES

    d = report.draw
    doc = official_document(f"{report.committee}{DRAW_RECORD}", f"第{report.number}次抽取", now=now or report.at)
    title(doc, f"{report.settings.campaign_year}年度职称评审会", DRAW_RECORD)
    body(doc, f"评审委员会：{report.settings.committee_name}", indent=False)
    body(doc, f"抽取时间：{_text(report.at)}", indent=False)
    body(doc, f"抽取方式：{SOURCE_LABEL.split('（')[0]}（操作系统安全随机数）", indent=False)
    body(doc, f"抽取次数：第{report.number}次" + (f"（重新抽取，原因：{report.reason}）" if report.reason else ""),
         indent=False)
    body(doc, f"操作人：{report.user}", indent=False)
    quotas = "；".join(f"{group_label(g.quota.specialty)}{g.quota.size}人" for g in d.groups)
    per = "各专业" if d.groups and d.groups[0].quota.specialty != ALL_SPECIALTIES else ""
    body(doc, f"本次评审会上会申报{len(report.roster)}份。抽取评委{len(d.panel)}人（{quotas}），"
              f"{per}候补评委各{d.groups[0].quota.reserves if d.groups else 0}人，评委缺席时由同组候补评委按抽取顺序递补。"
              f"专家库共{len(d.pool)}人，参加抽取{len(d.pool) - len(d.exclusions)}人，"
              f"未参加抽取{len(d.exclusions)}人（与上会申报人有利害关系须回避的，以及本次不能参加的）。")
    for w in d.warnings:
        body(doc, f"注意：{w}。")
    heading(doc, "一、抽取结果")
    rows = []
    for g in d.groups:
        for i, e in enumerate(g.panel, start=1):
            rows.append([len(rows) + 1, group_label(g.quota.specialty), "评委", e.code, e.name, e.employer, e.title])
        for i, e in enumerate(g.reserves, start=1):
            rows.append([len(rows) + 1, group_label(g.quota.specialty), f"候补{i}", e.code, e.name, e.employer, e.title])
    table(doc, ["序号", "专业", "身份", "编号", "姓名", "工作单位", "职称"], rows, (12, 22, 16, 14, 26, 38, 30))
    heading(doc, "二、未参加抽取的专家")
    if d.exclusions:
        table(doc, ["编号", "姓名", "工作单位", "原因"],
              [[e.code, e.name, e.employer, why] for e, why in d.exclusions], (14, 24, 40, 78), left=(3,))
    else:
        body(doc, "无。")
    body(doc, "本记录一式两份，一份存档，一份随评审会议记录封存。抽取结果在评审会召开前保密。")
    signatures(doc, ["抽取人", "监督人"])
    return doc


def draw_record_name(number: int) -> str:
    return f"{DRAW_RECORD}-第{number}次.docx"
