"""The GB/T 9704 kit: what every document the product prints shares with the notice's
attachments — A4, margins 37/35/28/26 mm (top/bottom/left/right), title in 方正小标宋简体
2号, body in 仿宋_GB2312 3号 on a fixed 28 pt line with 28 characters a line, headings in
黑体, page numbers "— 1 —" in 宋体 4号 (odd pages right, even pages left), East Asian
language zh-CN in the document defaults. Punctuation never hangs into the margin; a
signature block is kept on the page of the paragraph it signs.

The public interface: :func:`official_document` (a new document with the styles 公文标题,
公文正文, 小标题, 落款, 表格文字, 表格正文, 表注, 页码 and the character style 黑体标注),
:func:`paragraph`, :func:`heading`, :func:`signature`, :func:`indent_chars`,
:func:`keep_together`, :func:`row_height`, :func:`set_fonts`, :func:`set_properties` and
:func:`finish_document` (unused styles and parts dropped, this tool named as the
application); the fonts, sizes and page measures below. Used by the attachment templates
(``make templates``), the lists and tables (:mod:`.tables`), the meeting's records and
forms, and the rendering of the templates (:mod:`.mailmerge`).
"""

from __future__ import annotations

import datetime as dt

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

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
SPACE = "\u3000"     # ideographic space: blanks to write on
#: the date line of a signature block, written by hand: 年　　月　　日
SIGN_DATE = f"年{SPACE * 2}月{SPACE * 2}日"


#: the main part of a .docx package
DOCUMENT = "word/document.xml"
#: WordprocessingML's namespace
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def wtag(tag: str) -> str:
    """A WordprocessingML element or attribute name (``wtag("p")``: ``{…/main}p``)."""
    return f"{{{W}}}{tag}"


def utc(moment: dt.datetime) -> dt.datetime:
    """A moment as naive UTC, as document properties store it (a naive moment is local time)."""
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


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


def paragraph(doc_or_cell, style: str, *parts: str | tuple[str, str]):
    """A paragraph of runs: plain strings, or (character style, text)."""
    p = doc_or_cell.add_paragraph(style=style)
    for part in parts:
        if isinstance(part, tuple):
            p.add_run(part[1], style=part[0])
        else:
            p.add_run(part)
    return p


def heading(doc, style: str, label: str, text: str):
    """A paragraph that starts with ``label`` in 黑体 (基本信息：…)."""
    return paragraph(doc, style, ("黑体标注", label), text)


#: where the signature block's lines start, in characters from the left margin (the text
#: is about 27 characters wide): room to sign after the colon, the date 4 characters from
#: the right edge (GB/T 9704 7.3.5), the seal over the unit line and the date
SIGN_INDENT, SEAL_INDENT, DATE_INDENT = 11, 13, 16


def indent_chars(par, chars: float, *, side: str = "left") -> None:
    """``par`` indented by ``chars`` characters of 3号 text from its ``side`` margin ("left",
    or "right" for GB/T 9704's 右空四字)."""
    p_pr = par._p.get_or_add_pPr()
    ind = p_pr.find(qn("w:ind"))
    if ind is None:
        ind = OxmlElement("w:ind")
        p_pr.append(ind)
    ind.set(qn(f"w:{side}Chars"), str(round(chars * 100)))
    ind.set(qn(f"w:{side}"), str(round(chars * SIZE_3 * 20)))


def signature(doc, signer: str, *, seal: str | None, space_lines: int = 1, signs=None) -> None:
    """The signature block, kept together on one page with ``signs`` (the paragraph it
    signs: when the text runs onto a second page, at least that paragraph goes with the
    block): who signs (with room after the colon), the seal line, the date; the seal
    goes over the date, within one line of the text."""
    paragraphs = [signs] if signs is not None else []
    paragraphs += [paragraph(doc, "落款") for _ in range(space_lines)]
    for text, indent in ((signer, SIGN_INDENT), (seal, SEAL_INDENT), (SIGN_DATE, DATE_INDENT)):
        if text:
            line = paragraph(doc, "落款", text)
            indent_chars(line, indent)
            paragraphs.append(line)
    keep_together(paragraphs)


def _drop_unused_parts(doc) -> None:
    """python-docx's default package carries a 440 kB stylesWithEffects part, custom XML
    and a thumbnail that these documents do not need."""
    for rels in (doc.part.rels, doc.part.package.rels):
        for r_id, rel in list(rels.items()):
            if rel.reltype.endswith(("/stylesWithEffects", "/customXml", "/thumbnail")):
                rels.pop(r_id)


def row_height(row, mm: float, exact: bool = False) -> None:
    """A table row ``mm`` high: exactly, or at least (the default)."""
    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.EXACTLY if exact else WD_ROW_HEIGHT_RULE.AT_LEAST
