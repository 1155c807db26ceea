"""The editable Word templates of the notice's attachments 1-4, built from code.

``python -m addin.outputs.templates`` writes them to ``workbooks/templates/`` (the copies
staff may reword in Word or WPS) and to ``addin/data/templates/`` (the packaged copies
used when a templates folder is missing); a test fails while either is stale.

Placeholders are docxtpl (Jinja2) tags named in Chinese, e.g. ``{{ 姓名 }}``, so that a
clerk editing a template sees what each one means; :data:`PLACEHOLDERS` lists them.

Layout follows the conventions of Chinese official documents (GB/T 9704): A4, margins
37/35/28/26 mm (top/bottom/left/right), title in 方正小标宋简体 2号, body in 仿宋_GB2312
3号 on a fixed 28 pt line with 28 characters a line, headings in 黑体, page numbers
"— 1 —" in 宋体 4号, East Asian language zh-CN in the document defaults (see the
LibreOffice notes on why). Punctuation never hangs into the margin; a signature block is
kept on the page of the paragraph it signs.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK_TEMPLATES = ROOT / "workbooks" / "templates"
FIXED_TIME = dt.datetime(2024, 7, 17, 9, 0)      # the notice's date: the files are reproducible

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
PAGE_FONT = "宋体"
LATIN_FONT = "Times New Roman"
SIZE_2, SIZE_3, SIZE_4, SIZE_S4, SIZE_5 = 22, 16, 14, 12, 10.5     # 2号 3号 4号 小4 5号, in points
BODY_LINE = 28                                                    # fixed line pitch of the body, points
#: characters of 3号 body text condensed by this many points so that a line of the 156 mm text
#: width holds 28 of them (GB/T 9704 7.1: 每行28个字; 16 pt characters alone fit 27). Word's own
#: character grid (docGrid linesAndChars, charSpace -849) gives 28 in Word and WPS, but
#: LibreOffice draws such a grid at 18 characters a line: the spacing gives 28 in all three.
BODY_CHAR_SPACING = -0.25
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
PAGE_MM = (210, 297)


@dataclass(frozen=True)
class Attachment:
    kind: int
    title: str

    @property
    def label(self) -> str:
        return f"附件{self.kind}"

    @property
    def filename(self) -> str:
        """Name in a templates folder (what staff see)."""
        return f"附件{self.kind}-{self.title}.docx"

    @property
    def packaged_name(self) -> str:
        """Name of the packaged copy (ASCII, safe in any wheel or zip)."""
        return f"attachment-{self.kind}.docx"


ATTACHMENTS: dict[int, Attachment] = {a.kind: a for a in (
    Attachment(1, "推荐单位公示"),
    Attachment(2, "单位推荐意见"),
    Attachment(3, "个人承诺书"),
    Attachment(4, "免除继续教育学习申请表"),
)}

#: every placeholder a template may use, with what it holds (written to 说明.txt)
PLACEHOLDERS: dict[str, str] = {
    "申报编号": "申报人员表的申报编号",
    "姓名": "申报人姓名",
    "性别": "性别（未填时按身份证号）",
    "民族": "民族（族别）",
    "政治面貌": "政治面貌",
    "身份证号": "完整的身份证号（承诺书、推荐意见、申请表用）",
    "公示身份证号": "公示用身份证号：参数“公示名单隐藏身份证号出生日期”为“是”时隐藏出生日期",
    "出生年月": "出生年月，如 1987年4月（未填时按身份证号）",
    "工作单位": "工作单位",
    "申报方式": "定向评价 / 民营企业专项",
    "系列": "系列，如 工程系列",
    "专业": "专业，如 公路",
    "拟申报职称": "拟申报职称，如 高级工程师",
    "申报级别": "按拟申报职称确定的级别：高级 / 中级 / 初级",
    "现职称": "现任专业技术职务任职资格",
    "现职称说明": "附件1的表述：现任专业技术职务任职资格为××；尚无职称时为“暂无专业技术职务任职资格”",
    "推荐单位": "出具推荐意见的单位：一般为工作单位；自由职业人员为参数“自由职业人员推荐单位”，"
              "民营企业专项为参数“民营企业专项推荐单位”（通知二(二)、三(二)）",
    "学历": "学历",
    "学位": "学位",
    "毕业情况": "如 2009年7月毕业于石河子大学交通运输专业",
    "参加工作时间": "如 2009年8月",
    "免修理由": "免修继续教育的理由",
    "审核单位": "按免修理由和申请表注释确定的审核单位",
    "思想政治表现": "申报人员表“思想政治表现”列",
    "业绩成果": "申报人员表“业绩成果”列",
    "公示开始": "单位公示开始日期，如 2024年9月12日",
    "公示截止": "按阿克苏工作日计算的单位公示截止日期",
    "公示工作日数": "参数“单位内部公示工作日数”",
    "公示单位": "在本单位内部公示并报送材料的单位：工作单位；自由职业人员为参数“自由职业人员推荐单位”（通知四(二)）",
    "联系科室": "受理公示异议的部门：“用人单位”表中推荐单位的联系部门，未登记时为参数“联系科室”",
    "联系电话": "受理公示异议的电话：“用人单位”表中推荐单位的联系电话，未登记时为参数“联系电话”",
    "监督电话": "参数“监督举报电话”",
    "发文单位": "参数“发文单位”",
    "评审年度": "参数“评审年度”",
    "推荐意见": "通知四(四)规定的原文：本单位已对申报材料逐一审核，申报人所提供材料真实、完整、有效，同意推荐",
}


# --- low-level helpers --------------------------------------------------------------------

def set_fonts(r_pr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Explicit fonts on an rPr (theme fonts removed: they would win over the names)."""
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme") or attr.endswith("theme"):
            del fonts.attrib[attr]
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:hint"), "eastAsia")


def document_defaults(doc) -> None:
    """Document defaults: 仿宋_GB2312 3号, East Asian language zh-CN, no paragraph spacing."""
    root = doc.styles.element
    defaults = root.find(qn("w:docDefaults"))
    r_pr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(r_pr, BODY_FONT)
    for tag, value in (("w:sz", SIZE_3 * 2), ("w:szCs", SIZE_3 * 2)):
        el = r_pr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            r_pr.append(el)
        el.set(qn("w:val"), str(value))
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        r_pr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    lang.set(qn("w:bidi"), "ar-SA")
    p_pr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = p_pr.find(qn("w:spacing"))
    # CT_PPrBase order: ... kinsoku, wordWrap, overflowPunct, topLinePunct, autoSpaceDE, ..., spacing:
    # punctuation never hangs past the margin (LibreOffice and Word let it by default)
    for tag in ("w:overflowPunct",):
        el = p_pr.find(qn(tag))
        if el is None:
            el = OxmlElement(tag)
            spacing.addprevious(el)
        el.set(qn("w:val"), "0")
    spacing.attrib.clear()
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), str(BODY_LINE * 20))
    spacing.set(qn("w:lineRule"), "exact")
    # the theme's East Asian language too (Word's UI and LibreOffice read it)
    settings = doc.settings.element
    theme_lang = settings.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:val"), "en-US")
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def _paragraph_style(doc, style_id: str, name: str, *, font: str = BODY_FONT, size: float = SIZE_3,
                     align=WD_ALIGN_PARAGRAPH.JUSTIFY, line: float | None = BODY_LINE, first_chars: int = 0,
                     right_chars: int = 0, before: float = 0, after: float = 0, hanging_chars: int = 0,
                     keep_next: bool = False, char_spacing: float = 0.0):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(size)
    set_fonts(style.element.get_or_add_rPr(), font)
    if char_spacing:
        condensed = OxmlElement("w:spacing")
        condensed.set(qn("w:val"), str(round(char_spacing * 20)))
        r_pr = style.element.get_or_add_rPr()
        size_el = r_pr.find(qn("w:sz"))         # CT_RPr order: ... spacing, w, kern, position, sz, ...
        (size_el.addprevious if size_el is not None else r_pr.append)(condensed)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if line:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
    else:
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.keep_with_next = keep_next or None
    fmt.widow_control = True
    ind = OxmlElement("w:ind")
    if first_chars:
        ind.set(qn("w:firstLineChars"), str(first_chars * 100))
        ind.set(qn("w:firstLine"), str(int(first_chars * size * 20)))
    elif hanging_chars:
        ind.set(qn("w:leftChars"), str(hanging_chars * 100))
        ind.set(qn("w:left"), str(int(hanging_chars * size * 20)))
        ind.set(qn("w:hangingChars"), str(hanging_chars * 100))
        ind.set(qn("w:hanging"), str(int(hanging_chars * size * 20)))
    else:
        ind.set(qn("w:firstLine"), "0")
    if right_chars:
        ind.set(qn("w:rightChars"), str(right_chars * 100))
        ind.set(qn("w:right"), str(int(right_chars * size * 20)))
    p_pr = style.element.get_or_add_pPr()
    old = p_pr.find(qn("w:ind"))
    if old is not None:
        p_pr.remove(old)
    # w:ind comes after w:spacing in CT_PPrBase
    spacing = p_pr.find(qn("w:spacing"))
    if spacing is not None:
        spacing.addnext(ind)
    else:
        p_pr.append(ind)
    return style


def _char_style(doc, style_id: str, name: str, font: str):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
    style.style_id = style_id
    style.quick_style = True
    set_fonts(style.element.get_or_add_rPr(), font)
    return style


def _styles(doc) -> None:
    document_defaults(doc)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(SIZE_3)
    set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    _paragraph_style(doc, "ZCLabel", "附件标注", font=HEAD_FONT, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph_style(doc, "ZCTitle", "公文标题", font=TITLE_FONT, size=SIZE_2, align=WD_ALIGN_PARAGRAPH.CENTER,
                     line=36, after=BODY_LINE / 2, keep_next=True)
    # left-aligned: a justified line that ends before a phone number gets stretched apart
    _paragraph_style(doc, "ZCBody", "公文正文", first_chars=2, align=WD_ALIGN_PARAGRAPH.LEFT,
                     char_spacing=BODY_CHAR_SPACING)
    _paragraph_style(doc, "ZCHeading", "小标题", font=HEAD_FONT, align=WD_ALIGN_PARAGRAPH.LEFT, keep_next=True,
                     char_spacing=BODY_CHAR_SPACING)
    _paragraph_style(doc, "ZCSign", "落款", align=WD_ALIGN_PARAGRAPH.LEFT, char_spacing=BODY_CHAR_SPACING)
    _paragraph_style(doc, "ZCTable", "表格文字", size=SIZE_S4, line=20, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph_style(doc, "ZCTableText", "表格正文", size=SIZE_S4, line=20, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _paragraph_style(doc, "ZCNote", "表注", size=SIZE_5, line=16, hanging_chars=2)
    _paragraph_style(doc, "ZCPage", "页码", font=PAGE_FONT, size=SIZE_4, line=None, align=WD_ALIGN_PARAGRAPH.CENTER)
    _char_style(doc, "ZCHeadRun", "黑体标注", HEAD_FONT)


def _prune_styles(doc) -> None:
    """Keep only the styles these documents use (python-docx's default has 160)."""
    keep_ids = {"Normal", "TableGrid", "TableNormal", "DefaultParagraphFont", "NoList"}
    root = doc.styles.element
    for style in list(root.findall(qn("w:style"))):
        style_id = style.get(qn("w:styleId"))
        if style_id in keep_ids or style_id.startswith("ZC") or style.get(qn("w:default")) == "1":
            continue
        root.remove(style)
    latent = root.find(qn("w:latentStyles"))
    if latent is not None:
        root.remove(latent)


def _page_number(paragraph) -> None:
    """"— 1 —": a PAGE field between dashes."""
    paragraph.add_run("— ")
    for kind, text in (("begin", None), ("instr", " PAGE "), ("separate", None), ("text", "1"), ("end", None)):
        run = paragraph.add_run()
        if kind == "text":
            run.text = text
        elif kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
            run._r.append(el)
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
            run._r.append(el)
    paragraph.add_run(" —")


def _page_setup(doc, *, landscape: bool = False) -> None:
    section = doc.sections[0]
    width, height = (PAGE_MM[1], PAGE_MM[0]) if landscape else PAGE_MM
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
    section.header_distance, section.footer_distance = Mm(15), Mm(24)
    section.gutter = Mm(0)
    # page number "— 1 —", 宋体4号, restarting at 1; odd pages right, even pages left, one
    # character from the edge (GB/T 9704 7.5)
    sect_pr = section._sectPr
    numbering = OxmlElement("w:pgNumType")
    numbering.set(qn("w:start"), "1")
    grid = sect_pr.find(qn("w:docGrid"))
    (grid.addprevious if grid is not None else sect_pr.append)(numbering)
    doc.settings.odd_and_even_pages_header_footer = True
    for footer, align, side in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT, "right"),
                                (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, "left")):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.style = doc.styles["页码"]
        p.alignment = align
        if side == "right":
            p.paragraph_format.right_indent = Pt(SIZE_4)
        else:
            p.paragraph_format.left_indent = Pt(SIZE_4)
        _page_number(p)


def official_document(*, landscape: bool = False):
    """A new empty document with the attachments' styles and page setup (A4, margins,
    page numbers), for lists and forms that are not attachments."""
    doc = Document()
    _styles(doc)
    _page_setup(doc, landscape=landscape)
    body = doc.element.body
    for p in list(body.findall(qn("w:p"))):
        body.remove(p)
    return doc


def finish_document(doc) -> None:
    """Drop the styles and parts of python-docx's default package these documents do not use,
    and say which program made the file."""
    _prune_styles(doc)
    _drop_unused_parts(doc)
    app_properties(doc)


#: docProps/app.xml: the program that made the file (python-docx's default package says
#: "Microsoft Macintosh Word", which these files are not)
APP_NAME = "职称评审台账"
APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
           f"<Application>{APP_NAME}</Application><DocSecurity>0</DocSecurity></Properties>")


def app_properties(doc) -> None:
    """The extended properties of ``doc`` name this tool as the application."""
    for part in doc.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            part._blob = APP_XML.encode("utf-8")


def keep_together(paragraphs) -> None:
    """``paragraphs`` (a signature block with the text it signs) on one page: each kept
    with the next, none split across pages."""
    paragraphs = list(paragraphs)
    for i, p in enumerate(paragraphs):
        p.paragraph_format.keep_together = True
        if i < len(paragraphs) - 1:
            p.paragraph_format.keep_with_next = True


def set_properties(doc, title: str, subject: str = "", now: dt.datetime | None = None) -> None:
    """The document's own title and subject, created and modified now; none of the
    default template's description, category or dates."""
    from .mailmerge import utc

    now = utc(now or dt.datetime.now())
    core = doc.core_properties
    core.title = title
    core.subject = subject or title
    core.author = core.last_modified_by = "职称评审台账"
    core.comments = core.category = ""
    core.keywords = "职称评审"
    core.language = "zh-CN"
    core.revision = 1
    core.created = core.modified = now


def _para(doc_or_cell, style: str, *parts: str | tuple[str, str]):
    """A paragraph of runs: plain strings, or (character style, text)."""
    p = doc_or_cell.add_paragraph(style=style)
    for part in parts:
        if isinstance(part, tuple):
            p.add_run(part[1], style=part[0])
        else:
            p.add_run(part)
    return p


def _heading(doc, style: str, label: str, text: str):
    return _para(doc, style, ("黑体标注", label), text)


#: where the signature block's lines start, in characters from the left margin (the text
#: is about 27 characters wide): room to sign after the colon, the date 4 characters from
#: the right edge (GB/T 9704 7.3.5), the seal over the unit line and the date
SIGN_INDENT, SEAL_INDENT, DATE_INDENT = 11, 13, 16


def _indent_chars(paragraph, chars: int) -> None:
    p_pr = paragraph._p.get_or_add_pPr()
    ind = p_pr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        p_pr.append(ind)
    ind.set(qn("w:leftChars"), str(chars * 100))
    ind.set(qn("w:left"), str(chars * SIZE_3 * 20))


def _signature(doc, signer: str, *, seal: str | None, space_lines: int = 1, signs=None) -> None:
    """The signature block, kept together on one page with ``signs`` (the paragraph it
    signs: when the text runs onto a second page, at least that paragraph goes with the
    block): who signs (with room after the colon), the seal line, the date; the seal
    goes over the date, within one line of the text."""
    paragraphs = [signs] if signs is not None else []
    paragraphs += [_para(doc, "落款") for _ in range(space_lines)]
    for text, indent in ((signer, SIGN_INDENT), (seal, SEAL_INDENT), (f"年{SPACE * 2}月{SPACE * 2}日", DATE_INDENT)):
        if text:
            paragraph = _para(doc, "落款", text)
            _indent_chars(paragraph, indent)
            paragraphs.append(paragraph)
    keep_together(paragraphs)


def _new_document(att: Attachment):
    doc = Document()
    _styles(doc)
    _page_setup(doc)
    body = doc.element.body
    for p in list(body.findall(qn("w:p"))):
        body.remove(p)
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
    _para(doc, "附件标注", att.label)
    return doc


# --- the four attachments -----------------------------------------------------------------

SPACE = "\u3000"     # ideographic space: blanks to write on


def _attachment_1(doc) -> None:
    """Notice, attachment 1 推荐单位公示（模板）."""
    _para(doc, "公文标题", "推荐单位公示")
    _para(doc, "公文正文", "根据自治区、地区职称评审工作要求，现对{{ 姓名 }}同志申报{{ 系列 }}{{ 专业 }}专业"
                       "{{ 申报级别 }}专业技术任职资格（{{ 拟申报职称 }}）进行公示。")
    _heading(doc, "公文正文", "基本信息：", "性别{{ 性别 }}，族别{{ 民族 }}，政治面貌{{ 政治面貌 }}，"
             "身份证号{{ 公示身份证号 }}，{{ 现职称说明 }}。")
    _heading(doc, "公文正文", "思想政治条件：", "{{ 思想政治表现 }}")
    _heading(doc, "公文正文", "业绩成果：", "{{ 业绩成果 }}")
    last = _para(doc, "公文正文", "公示时间从{{ 公示开始 }}起至{{ 公示截止 }}止（公示期不少于{{ 公示工作日数 }}个工作日）。"
                 "如对{{ 姓名 }}同志的相关信息有异议，请以电话或书面形式反映至{{ 联系科室 }}"
                 "（联系电话：{{ 联系电话 }}），监督电话：{{ 监督电话 }}。")
    _signature(doc, "单位负责人签字：", seal="（推荐单位公章）", signs=last)


def _attachment_2(doc) -> None:
    """Notice, attachment 2 单位推荐意见（模板）: must carry the sentence of 四(四)."""
    _para(doc, "公文标题", "单位推荐意见")
    _heading(doc, "公文正文", "申报人：", "{{ 姓名 }}（{{ 性别 }}）")
    _heading(doc, "公文正文", "身份证号：", "{{ 身份证号 }}")
    _heading(doc, "公文正文", "工作单位：", "{{ 工作单位 }}")
    _heading(doc, "公文正文", "现任职称：", "{{ 现职称 }}")
    _heading(doc, "公文正文", "申报职称：", "{{ 系列 }}{{ 专业 }}专业{{ 拟申报职称 }}（{{ 申报方式 }}）")
    _heading(doc, "公文正文", "推荐单位：", "{{ 推荐单位 }}")
    _para(doc, "小标题", "推荐意见：")
    opinion = _para(doc, "公文正文", "{{ 推荐意见 }}。")
    _signature(doc, "单位负责人签字：", seal="（推荐单位公章）", space_lines=2, signs=opinion)


def _attachment_3(doc) -> None:
    """Notice, attachment 3 个人承诺书（模板）, with the applicant's name and ID number."""
    _para(doc, "公文标题", "个人承诺书")
    _para(doc, "公文正文", "本人{{ 姓名 }}，身份证号{{ 身份证号 }}，申报{{ 评审年度 }}年度{{ 系列 }}{{ 专业 }}专业"
                       "{{ 拟申报职称 }}专业技术任职资格。")
    promise = _para(doc, "公文正文", "本人承诺以上填报的内容和提交的材料完全真实有效，且网上填报与送审报表内容完全一致。"
                    "如申请人提交弄虚作假确认材料的，一经查实，不予受理确认申报或取消已确认的资格，"
                    "并从申报年度下一年度起3年内，不得申报专业技术资格。")
    _signature(doc, "承诺人（手写签名）：", seal=None, space_lines=2, signs=promise)


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


def _row_height(row, mm: float, exact: bool = False) -> None:
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST


def _attachment_4(doc) -> None:
    """Notice, attachment 4 免除继续教育学习申请表: the table and its notes."""
    title = _para(doc, "公文标题", "自治区“访惠聚”驻村等专业技术人员")
    title.add_run().add_break()
    title.add_run("职称评审免除继续教育学习申请表")
    title.paragraph_format.space_after = Pt(BODY_LINE / 2)
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
    _para(opinion, "表格正文").add_run("审核单位：{{ 审核单位 }}")
    opinion.paragraphs[0]._p.getparent().remove(opinion.paragraphs[0]._p)   # the empty first paragraph
    for _ in range(2):
        _para(opinion, "表格正文")
    for line in ("（公章）", f"年{SPACE * 2}月{SPACE * 2}日"):
        p = _para(opinion, "表格正文", line)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        p.paragraph_format.right_indent = Pt(SIZE_S4 * 3)
    for i, height in enumerate((10, 10, 12, 12, 12, 30, 38)):
        _row_height(r[i], height)
    _para(doc, "表注", "注：").paragraph_format.space_before = Pt(6)
    for note in ("1.仍在参加“访惠聚”驻村（含抽调到各级“访惠聚”办公室）工作的专业技术人员，由同级“访惠聚”办公室审核；"
                 "参加驻村管寺、南疆学前双语教育干部支教工作的专业技术人员，由同级党委统战部门或南疆四地州学前双语教育"
                 "干部支教工作领导小组办公室审核。",
                 "2.参加“访惠聚”驻村、驻村管寺、南疆学前双语教育干部支教工作已返回人员，由原派驻单位所属的地州市或"
                 "自治区区属主管单位审核。",
                 "3.各地各部门不得私自设置免除继续教育学习事项及申请表（审批表）。"):
        _para(doc, "表注", note)


_BUILDERS = {1: _attachment_1, 2: _attachment_2, 3: _attachment_3, 4: _attachment_4}


def build_template(kind: int) -> bytes:
    """The .docx of one attachment's template, byte-for-byte reproducible."""
    att = ATTACHMENTS[kind]
    doc = _new_document(att)
    _BUILDERS[kind](doc)
    finish_document(doc)
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


def _drop_unused_parts(doc) -> None:
    """python-docx's default package carries a 440 kB stylesWithEffects part, custom XML
    and a thumbnail that these documents do not need."""
    for rels in (doc.part.rels, doc.part.package.rels):
        for r_id, rel in list(rels.items()):
            if rel.reltype.endswith(("/stylesWithEffects", "/customXml", "/thumbnail")):
                rels.pop(r_id)


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
    lines += ["", "重新生成模板（开发人员）：python -m addin.outputs.templates", ""]
    return "\r\n".join(lines)


def packaged_template(kind: int) -> bytes:
    """The packaged copy of one template (``addin/data/templates``)."""
    folder = resources.files("addin.data").joinpath("templates")
    return folder.joinpath(ATTACHMENTS[kind].packaged_name).read_bytes()


def packaged_folder() -> Path:
    return Path(str(resources.files("addin.data").joinpath("templates")))


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
