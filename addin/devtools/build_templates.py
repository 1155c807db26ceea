"""``make templates``: the editable Word templates of the notice's attachments 1-4, built
from code in the layout of the GB/T 9704 kit (:mod:`addin.outputs.officialdoc`).

``python -m addin.devtools.build_templates`` writes them to ``workbooks/templates/`` (the
copies staff may reword in Word or WPS) and to ``addin/data/templates/`` (the packaged
copies, :func:`addin.outputs.templates.packaged_template`); a test fails while either is
stale. The files are byte-for-byte reproducible (fixed times in the zip and the
properties).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from ..outputs import officialdoc as K
from ..outputs.templates import ATTACHMENTS, PLACEHOLDERS, Attachment, packaged_folder

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK_TEMPLATES = ROOT / "workbooks" / "templates"
FIXED_TIME = dt.datetime(2024, 7, 17, 9, 0)      # the notice's date: the files are reproducible


def _new_document(att: Attachment):
    doc = K.official_document()
    core = doc.core_properties
    core.title = att.title
    core.subject = f"{att.label} {att.title}（模板）"
    core.author = "职称评审台账"
    core.last_modified_by = "职称评审台账"
    core.comments = "双花括号中的文字是占位符，生成时填入台账数据，请勿改动；其余文字可按需修改。"
    core.keywords = "职称评审"
    core.language = "zh-CN"
    core.category = "模板"
    core.revision = 1
    core.created = core.modified = FIXED_TIME
    K.paragraph(doc, "附件标注", att.label)
    return doc


def _attachment_1(doc) -> None:
    """Notice, attachment 1 推荐单位公示（模板）."""
    K.paragraph(doc, "公文标题", "推荐单位公示")
    K.paragraph(doc, "公文正文", "根据自治区、地区职称评审工作要求，现对{{ 姓名 }}同志申报{{ 系列 }}{{ 专业 }}专业"
                       "{{ 申报级别 }}专业技术任职资格（{{ 拟申报职称 }}）进行公示。")
    K.heading(doc, "公文正文", "基本信息：", "性别{{ 性别 }}，族别{{ 民族 }}，政治面貌{{ 政治面貌 }}，"
             "身份证号{{ 公示身份证号 }}，{{ 现职称说明 }}。")
    K.heading(doc, "公文正文", "思想政治条件：", "{{ 思想政治表现 }}")
    K.heading(doc, "公文正文", "业绩成果：", "{{ 业绩成果 }}")
    last = K.paragraph(doc, "公文正文", "公示时间从{{ 公示开始 }}起至{{ 公示截止 }}止（公示期不少于{{ 公示工作日数 }}个工作日）。"
                 "如对{{ 姓名 }}同志的相关信息有异议，请以电话或书面形式反映至{{ 联系科室 }}"
                 "（联系电话：{{ 联系电话 }}），监督电话：{{ 监督电话 }}。")
    K.signature(doc, "单位负责人签字：", seal="（推荐单位公章）", signs=last)


def _attachment_2(doc) -> None:
    """Notice, attachment 2 单位推荐意见（模板）: must carry the sentence of 四(四)."""
    K.paragraph(doc, "公文标题", "单位推荐意见")
    K.heading(doc, "公文正文", "申报人：", "{{ 姓名 }}（{{ 性别 }}）")
    K.heading(doc, "公文正文", "身份证号：", "{{ 身份证号 }}")
    K.heading(doc, "公文正文", "工作单位：", "{{ 工作单位 }}")
    K.heading(doc, "公文正文", "现任职称：", "{{ 现职称 }}")
    K.heading(doc, "公文正文", "申报职称：", "{{ 系列 }}{{ 专业 }}专业{{ 拟申报职称 }}（{{ 申报方式 }}）")
    K.heading(doc, "公文正文", "推荐单位：", "{{ 推荐单位 }}")
    K.paragraph(doc, "小标题", "推荐意见：")
    opinion = K.paragraph(doc, "公文正文", "{{ 推荐意见 }}。")
    K.signature(doc, "单位负责人签字：", seal="（推荐单位公章）", space_lines=2, signs=opinion)


def _attachment_3(doc) -> None:
    """Notice, attachment 3 个人承诺书（模板）, with the applicant's name and ID number."""
    K.paragraph(doc, "公文标题", "个人承诺书")
    K.paragraph(doc, "公文正文", "本人{{ 姓名 }}，身份证号{{ 身份证号 }}，申报{{ 评审年度 }}年度{{ 系列 }}{{ 专业 }}专业"
                       "{{ 拟申报职称 }}专业技术任职资格。")
    promise = K.paragraph(doc, "公文正文", "本人承诺以上填报的内容和提交的材料完全真实有效，且网上填报与送审报表内容完全一致。"
                    "如申请人提交弄虚作假确认材料的，一经查实，不予受理确认申报或取消已确认的资格，"
                    "并从申报年度下一年度起3年内，不得申报专业技术资格。")
    K.signature(doc, "承诺人（手写签名）：", seal=None, space_lines=2, signs=promise)


#: attachment 4's grid: six columns (mm), widths summing to the text width (156 mm)
_GRID_MM = (24, 48, 13, 19, 21, 31)
_CELL_MARGIN_MM = 1


def _cell(cell, text: str = "", *, style: str = "表格文字", align=None):
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    p = cell.paragraphs[0]
    p.style = cell.part.document.styles[style]
    if align is not None:
        p.alignment = align
    if text:
        p.add_run(text)
    return p


def _attachment_4(doc) -> None:
    """Notice, attachment 4 免除继续教育学习申请表: the table and its notes."""
    title = K.paragraph(doc, "公文标题", "自治区“访惠聚”驻村等专业技术人员")
    title.add_run().add_break()
    title.add_run("职称评审免除继续教育学习申请表")
    title.paragraph_format.space_after = Pt(K.BODY_LINE / 2)
    table = doc.add_table(rows=7, cols=6)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(int(_CELL_MARGIN_MM / 25.4 * 1440)))
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tbl_pr.append(margins)
    for i, width in enumerate(_GRID_MM):
        table.columns[i].width = Mm(width)
        for row in table.rows:
            row.cells[i].width = Mm(width)
    r = table.rows
    labels = ((0, 0, "姓名"), (0, 1, "{{ 姓名 }}"), (0, 2, "性别"), (0, 3, "{{ 性别 }}"), (0, 4, "出生年月"),
              (0, 5, "{{ 出生年月 }}"),
              (1, 0, "身份证号"), (1, 1, "{{ 身份证号 }}"), (1, 2, "学历"), (1, 3, "{{ 学历 }}"), (1, 4, "学位"),
              (1, 5, "{{ 学位 }}"))
    for row, col, text in labels:
        _cell(r[row].cells[col], text)
    # merged cells: (row, first col, last col, text, style)
    merges = ((2, 1, 5, "{{ 毕业情况 }}"), (3, 1, 3, "{{ 工作单位 }}"), (4, 2, 3, None),
              (4, 4, 5, "{{ 拟申报职称 }}"), (5, 1, 5, None), (6, 1, 5, None))
    for row, first, last, text in merges:
        merged = r[row].cells[first].merge(r[row].cells[last])
        if text:
            _cell(merged, text)
    _cell(r[2].cells[0], "何时何学校").add_run().add_break()
    r[2].cells[0].paragraphs[0].add_run("何专业毕业")
    _cell(r[3].cells[0], "现工作单位")
    _cell(r[3].cells[4], "参加工作").add_run().add_break()
    r[3].cells[4].paragraphs[0].add_run("时间")
    _cell(r[3].cells[5], "{{ 参加工作时间 }}")
    _cell(r[4].cells[0], "现有专业").add_run().add_break()
    r[4].cells[0].paragraphs[0].add_run("技术职务")
    _cell(r[4].cells[1], "{{ 现职称 }}")
    _cell(r[4].cells[2], "拟申报专业").add_run().add_break()
    r[4].cells[2].paragraphs[0].add_run("技术职务")
    _cell(r[5].cells[0], "免学理由")
    reason = r[5].cells[1]
    _cell(reason, "{{ 免修理由 }}", style="表格正文")
    _cell(r[6].cells[0], "审核意见")
    opinion = r[6].cells[1]
    opinion.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    K.paragraph(opinion, "表格正文").add_run("审核单位：{{ 审核单位 }}")
    opinion.paragraphs[0]._p.getparent().remove(opinion.paragraphs[0]._p)   # the empty first paragraph
    for _ in range(2):
        K.paragraph(opinion, "表格正文")
    for line in ("（公章）", K.SIGN_DATE):
        p = K.paragraph(opinion, "表格正文", line)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(K.SIZE_S4 * 3)
    for i, height in enumerate((10, 10, 12, 12, 12, 30, 38)):
        K.row_height(r[i], height)
    K.paragraph(doc, "表注", "注：").paragraph_format.space_before = Pt(6)
    for note in ("1.仍在参加“访惠聚”驻村（含抽调到各级“访惠聚”办公室）工作的专业技术人员，由同级“访惠聚”办公室审核；"
                 "参加驻村管寺、南疆学前双语教育干部支教工作的专业技术人员，由同级党委统战部门或南疆四地州学前双语教育"
                 "干部支教工作领导小组办公室审核。",
                 "2.参加“访惠聚”驻村、驻村管寺、南疆学前双语教育干部支教工作已返回人员，由原派驻单位所属的地州市或"
                 "自治区区属主管单位审核。",
                 "3.各地各部门不得私自设置免除继续教育学习事项及申请表（审批表）。"):
        K.paragraph(doc, "表注", note)


_BUILDERS = {1: _attachment_1, 2: _attachment_2, 3: _attachment_3, 4: _attachment_4}



def build_template(kind: int) -> bytes:
    """The .docx of one attachment's template, byte-for-byte reproducible."""
    att = ATTACHMENTS[kind]
    doc = _new_document(att)
    _BUILDERS[kind](doc)
    K.finish_document(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_zip(buffer.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """The same package with fixed entry times (so equal content gives equal bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(entry, zin.read(info.filename))
    return out.getvalue()



def readme_text() -> str:
    """说明.txt written beside the templates for the staff who edit them."""
    lines = ["职称评审台账 · 附件模板说明", "",
             "本文件夹中的 Word 模板用于 zhicheng docs（或加载项“生成附件”）批量生成通知附件1—4。",
             "可以在 Word 或 WPS 中修改模板的文字和版式；{{ }} 中的占位符会被替换为台账中的数据，"
             "请勿改动其中的文字（写错的占位符会在生成时报告）。",
             "删除本文件夹或其中某个模板时，使用软件内置的模板。", "",
             "模板文件："]
    lines += [f"  {a.filename}" for a in ATTACHMENTS.values()]
    lines += ["", "可用的占位符："]
    lines += [f"  {{{{ {name} }}}}　{meaning}" for name, meaning in PLACEHOLDERS.items()]
    lines += ["", "重新生成模板（开发人员）：make templates", ""]
    return "\r\n".join(lines)



def write_templates(folder: Path = WORKBOOK_TEMPLATES, packaged: Path | None = None) -> list[Path]:
    """Write the four templates (and 说明.txt) to ``folder`` and the packaged copies."""
    packaged = packaged or packaged_folder()
    folder.mkdir(parents=True, exist_ok=True)
    packaged.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, att in ATTACHMENTS.items():
        data = build_template(kind)
        for path in (folder / att.filename, packaged / att.packaged_name):
            path.write_bytes(data)
            written.append(path)
    readme = folder / "说明.txt"
    readme.write_bytes(readme_text().encode("utf-8-sig"))
    written.append(readme)
    return written


if __name__ == "__main__":   # pragma: no cover
    for p in write_templates():
        print(f"已生成 {p}")
