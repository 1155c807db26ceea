"""Mail merge on .docx templates with docxtpl placeholders, compiled once and rendered
many times, plus the combination of rendered documents into one file for printing.

docxtpl's own ``render()`` reloads and recompiles the whole template for every
document (about 40 ms each). Here the template's XML parts are cleaned by docxtpl's
``patch_xml`` (which joins placeholders that Word split across runs) and compiled by
Jinja2 once; each document is then one ``render()`` of the compiled parts and a zip
write, which keeps a thousand documents within seconds.

After rendering, :class:`LineKeeper` lays out the body paragraphs of the document as
Word and LibreOffice will (:func:`.layout.layout_lines`) and gives them a line break
where a renderer would split a person's name, a word of a unit's name, a phone number
or a date across two lines, or hang a closing mark into the margin: the text itself
stays as typed, with no invisible character.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from typing import Mapping, Sequence
from xml.sax.saxutils import escape

import jinja2
from docxtpl import DocxTemplate
from jinja2 import meta
from lxml import etree

from ..xlsx.opc import relationships
from .linekeeper import LineKeeper
from .officialdoc import DOCUMENT, utc, wtag

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
CORE = "docProps/core.xml"
#: parts that may hold placeholders
_TEMPLATED = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class TemplateError(Exception):
    """A template that cannot be used; the message is Chinese and names the problem."""


@dataclass
class Rendered:
    """One merged document: the rendered text of every templated part."""

    parts: dict[str, str]
    context: Mapping[str, object] = field(default_factory=dict)
    listing: bool = False          # a value's line breaks and tabs became markup


@dataclass(frozen=True)
class Properties:
    """The document's own properties (docProps/core.xml): what it is, made when."""

    title: str
    subject: str
    created: dt.datetime
    creator: str = "职称评审台账"
    keywords: str = "职称评审"

    def xml(self) -> str:
        when = utc(self.created).isoformat() + "Z"
        return ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
                'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f"<dc:title>{escape(self.title)}</dc:title><dc:subject>{escape(self.subject)}</dc:subject>"
                f"<dc:creator>{escape(self.creator)}</dc:creator><cp:keywords>{escape(self.keywords)}</cp:keywords>"
                f"<cp:lastModifiedBy>{escape(self.creator)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
                f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
                "<dc:language>zh-CN</dc:language></cp:coreProperties>")


def _plain_text(xml: str) -> str:
    """The visible text of a WordprocessingML fragment (runs joined)."""
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


class CompiledTemplate:
    """A .docx template ready to render many times."""

    def __init__(self, data: bytes, *, source: str = "模板"):
        self.source = source
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                self.entries: list[tuple[zipfile.ZipInfo, bytes]] = [(i, z.read(i.filename)) for i in z.infolist()]
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise TemplateError(f"{source}不是有效的 Word 文档（.docx）：{exc}") from exc
        names = {i.filename for i, _ in self.entries}
        if DOCUMENT not in names:
            raise TemplateError(f"{source}不是有效的 Word 文档（缺少 {DOCUMENT}）")
        self.env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
        self._patcher = DocxTemplate(io.BytesIO(data))
        self.sources: dict[str, str] = {}
        self.compiled: dict[str, jinja2.Template] = {}
        self.variables: set[str] = set()
        self.stray: list[str] = []            # text with braces that are not placeholders
        for info, blob in self.entries:
            if not _TEMPLATED.match(info.filename):
                continue
            try:
                root = etree.fromstring(blob)
            except etree.XMLSyntaxError as exc:
                raise TemplateError(f"{source}的 {info.filename} 已损坏：{exc}") from exc
            xml = etree.tostring(root, encoding="unicode")
            if "{" not in xml and info.filename != DOCUMENT:
                continue
            patched = self._patcher.patch_xml(xml)
            # one paragraph per line, so a syntax error's line number points at a paragraph
            patched = re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)
            self.sources[info.filename] = patched
            try:
                parsed = self.env.parse(patched)
                self.compiled[info.filename] = self.env.from_string(parsed)
            except jinja2.TemplateSyntaxError as exc:
                lines = patched.splitlines()
                near = _plain_text("".join(lines[max(exc.lineno - 1, 0): exc.lineno])) if exc.lineno else ""
                where = f"（在“{near[:40]}”附近）" if near else ""
                raise TemplateError(f"{source}中的占位符写法有误{where}：{exc.message}") from exc
            self.variables |= meta.find_undeclared_variables(parsed)
            leftover = _TAG.sub("", _plain_text(patched))
            for char in ("{", "}", "｛", "｝"):
                if char in leftover:
                    i = leftover.index(char)
                    self.stray.append(leftover[max(0, i - 12): i + 12])
                    break

        self._static = self._static_package()
        self._fixed_markup = not any("{%" in source for source in self.sources.values())
        self._checked = False
        self.keeper = LineKeeper(self.entries)

    def _static_package(self) -> bytes:
        """The parts every document shares (styles, theme, settings, relationships...),
        compressed once: each document appends only its own parts to a copy."""
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as z:
            for info, blob in self.entries:
                if info.filename not in self.compiled and info.filename != CORE:
                    z.writestr(_entry(info), blob)
        return out.getvalue()

    @property
    def text(self) -> str:
        """Visible text of the template's body (placeholders included)."""
        return _plain_text(self.sources.get(DOCUMENT, ""))

    def render(self, context: Mapping[str, object], *, keep: Sequence[str] = (),
               keep_words: Sequence[str] = ()) -> Rendered:
        """One document of ``context``; in its body, the phrases of ``keep`` (names) and
        the words of ``keep_words`` (units' names) are never split by a line end
        (:class:`LineKeeper`), nor are phone numbers and dates."""
        parts = {}
        needs_listing = any(isinstance(v, str) and ("\n" in v or "\t" in v) for v in context.values())
        for name, template in self.compiled.items():
            xml = template.render(context)
            xml = re.sub(r"\n<w:p([ >])", r"<w:p\1", xml)
            if needs_listing:
                xml = self._patcher.resolve_listing(xml)
            if name == DOCUMENT:
                xml = self.keeper.apply(xml, keep, keep_words)
            parts[name] = xml
        return Rendered(parts, context, needs_listing)

    def check(self, rendered: Rendered) -> None:
        """Raise :class:`TemplateError` when a rendered part is not well-formed XML (a
        template whose tags produce broken markup). Values are escaped, so a template
        without block tags ({% %}) gives the same markup for every document: once it
        rendered well, only documents with line breaks in a value (turned into markup)
        are checked again."""
        if self._checked and not rendered.listing:
            return
        for name, xml in rendered.parts.items():
            try:
                etree.fromstring(xml.encode("utf-8"))
            except etree.XMLSyntaxError as exc:
                raise TemplateError(f"生成的 {name} 不是有效的 XML（{exc}）") from exc
        self._checked = self._fixed_markup

    def to_bytes(self, rendered: Rendered, properties: Properties | None = None) -> bytes:
        """The .docx of one rendered document: the shared parts as compressed once, then
        the rendered parts and the document's own properties (the template's when
        ``properties`` is None)."""
        out = io.BytesIO(self._static)
        out.seek(0, io.SEEK_END)
        with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED, compresslevel=5) as z:
            for info, blob in self.entries:
                text = rendered.parts.get(info.filename)
                if text is not None:
                    z.writestr(_entry(info), (_XML_DECLARATION + text).encode("utf-8"))
                elif info.filename == CORE:
                    z.writestr(_entry(info), _core(blob, properties))
        return out.getvalue()

    # -- combining ---------------------------------------------------------------------
    def combine(self, documents: Sequence[Rendered], properties: Properties | None = None, *,
                odd_page_starts: bool | Sequence[bool] = False) -> bytes:
        """One .docx holding every document, each in its own section (new page, page
        numbers restarting at 1). Headers and footers holding placeholders are copied per
        section so that each shows its own document's values.

        ``odd_page_starts`` (for duplex printing): each document starts on an odd page, a
        blank back page inserted where needed. Word and LibreOffice judge odd and even by
        the page number, so page numbers then run through the file instead of restarting.
        ``properties``: the combined file's own title, subject and creation time."""
        if not documents:
            raise ValueError("nothing to combine")
        odd = [odd_page_starts] * len(documents) if isinstance(odd_page_starts, bool) else list(odd_page_starts)
        first = etree.fromstring(documents[0].parts[DOCUMENT].encode("utf-8"))
        body = first.find(wtag("body"))
        for child in list(body):
            body.remove(child)
        templated_hf = [n for n in self.compiled if n != DOCUMENT]
        extra_parts: dict[str, str] = {}        # new part name -> xml
        extra_blobs: dict[str, bytes] = {}      # relationships of the copied parts
        extra_rels: list[tuple[str, str, str]] = []   # (rId, type, target)
        rel_types = self._relationship_types()
        bookmark = 0
        for index, doc in enumerate(documents):
            root = etree.fromstring(doc.parts[DOCUMENT].encode("utf-8"))
            src_body = root.find(wtag("body"))
            children = list(src_body)
            sect = children[-1] if children and children[-1].tag == wtag("sectPr") else None
            content = children[:-1] if sect is not None else children
            sect = copy.deepcopy(sect) if sect is not None else etree.Element(wtag("sectPr"))
            if any(odd):
                _odd_page_start(sect, odd=odd[index], restart=index == 0)
            else:
                _restart_numbering(sect)
            # headers / footers with placeholders: one rendered copy per section
            for ref in sect:
                if ref.tag not in (wtag("headerReference"), wtag("footerReference")):
                    continue
                r_id = ref.get(f"{{{R}}}id")
                target = rel_types.get(r_id, (None, None))[1]
                name = f"word/{target}" if target else None
                if name in templated_hf and index > 0:
                    new_target = target.removesuffix(".xml") + f"_zc{index}.xml"
                    new_id = f"rIdZc{index}x{len(extra_rels)}"
                    extra_parts[f"word/{new_target}"] = doc.parts[name]
                    part_rels = self._blob(f"word/_rels/{target}.rels")
                    if part_rels is not None:
                        extra_blobs[f"word/_rels/{new_target}.rels"] = part_rels
                    extra_rels.append((new_id, rel_types[r_id][0], new_target))
                    ref.set(f"{{{R}}}id", new_id)
            last = None             # the body's last child (len() of an lxml element counts its children)
            for el in content:
                for b in el.iter(wtag("bookmarkStart"), wtag("bookmarkEnd")):
                    b.set(wtag("id"), str(bookmark + int(b.get(wtag("id"), "0"))))
                body.append(el)
                last = el
            bookmark += 10000
            if index < len(documents) - 1:
                if last is None or last.tag != wtag("p"):
                    last = etree.SubElement(body, wtag("p"))
                p_pr = last.find(wtag("pPr"))
                if p_pr is None:
                    p_pr = etree.Element(wtag("pPr"))
                    last.insert(0, p_pr)
                old = p_pr.find(wtag("sectPr"))
                if old is not None:
                    p_pr.remove(old)
                change = p_pr.find(wtag("pPrChange"))
                (change.addprevious if change is not None else p_pr.append)(sect)
            else:
                body.append(sect)
        for el in first.iter():      # ids that must be unique in a document
            for attr in (f"{{{W14}}}paraId", f"{{{W14}}}textId"):
                el.attrib.pop(attr, None)
        for n, el in enumerate(first.iter(f"{{{WP}}}docPr"), 1):
            el.set("id", str(n))
        combined = etree.tostring(first, encoding="unicode")
        replaced = {DOCUMENT: combined}
        for name in templated_hf:
            replaced[name] = documents[0].parts[name]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=5) as z:
            for info, blob in self.entries:
                if info.filename in replaced:
                    blob = (_XML_DECLARATION + replaced[info.filename]).encode("utf-8")
                elif info.filename == CORE:
                    blob = _core(blob, properties)
                elif info.filename == "word/_rels/document.xml.rels" and extra_rels:
                    blob = _add_relationships(blob, extra_rels)
                elif info.filename == "[Content_Types].xml" and extra_parts:
                    blob = _add_overrides(blob, extra_parts)
                z.writestr(_entry(info), blob)
            for name, xml in extra_parts.items():
                z.writestr(_entry(zipfile.ZipInfo(name)), (_XML_DECLARATION + xml).encode("utf-8"))
            for name, blob in extra_blobs.items():
                z.writestr(_entry(zipfile.ZipInfo(name)), blob)
        return out.getvalue()

    def compatible(self, other: "CompiledTemplate") -> bool:
        """Whether documents rendered from ``other`` can go into a file combined by this
        template: the same parts, the same shared parts byte for byte (styles, numbering,
        relationships, footers) and the same parts holding placeholders."""
        mine = {i.filename: b for i, b in self.entries}
        theirs = {i.filename: b for i, b in other.entries}
        if mine.keys() != theirs.keys() or self.compiled.keys() != other.compiled.keys():
            return False
        return all(mine[n] == theirs[n] for n in mine if n not in self.compiled and n != CORE)

    def _blob(self, name: str) -> bytes | None:
        return next((b for i, b in self.entries if i.filename == name), None)

    def _relationship_types(self) -> dict[str, tuple[str, str]]:
        """The document part's relationships (:func:`addin.xlsx.opc.relationships`): id ->
        (type, target relative to ``word/``)."""
        blob = self._blob("word/_rels/document.xml.rels")
        if not blob:
            return {}
        return {rel.id: (rel.type, posixpath.relpath(rel.target, "word"))
                for rel in relationships(blob, "word/document.xml")}


def _core(template_blob: bytes, properties: Properties | None) -> bytes:
    return template_blob if properties is None else (_XML_DECLARATION + properties.xml()).encode("utf-8")


def _entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    entry.compress_type = zipfile.ZIP_DEFLATED
    return entry


def _restart_numbering(sect) -> None:
    numbering = sect.find(wtag("pgNumType"))
    if numbering is None:
        numbering = etree.Element(wtag("pgNumType"))
        # CT_SectPr order: ... pgBorders, lnNumType, pgNumType, cols, formProt, vAlign, noEndnote,
        # titlePg, textDirection, bidi, rtlGutter, docGrid, printerSettings, sectPrChange
        later = [sect.find(wtag(t)) for t in ("cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection",
                                               "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange")]
        later = [el for el in later if el is not None]
        if later:
            later[0].addprevious(numbering)
        else:
            sect.append(numbering)
    numbering.set(wtag("start"), "1")


def _odd_page_start(sect, *, odd: bool, restart: bool) -> None:
    """The section starts on an odd page (``odd``) or the next page; its page numbers
    continue from the previous section unless ``restart``."""
    kind = sect.find(wtag("type"))
    if kind is None:
        kind = etree.Element(wtag("type"))
        # CT_SectPr order: headerReference*, footerReference*, footnotePr, endnotePr, type, pgSz, ...
        later = next((el for el in sect if el.tag not in (wtag("headerReference"), wtag("footerReference"),
                                                          wtag("footnotePr"), wtag("endnotePr"))), None)
        (later.addprevious if later is not None else sect.append)(kind)
    kind.set(wtag("val"), "oddPage" if odd else "nextPage")
    numbering = sect.find(wtag("pgNumType"))
    if restart:
        _restart_numbering(sect)
    elif numbering is not None:
        numbering.attrib.pop(wtag("start"), None)


def _add_relationships(blob: bytes, rels: list[tuple[str, str, str]]) -> bytes:
    root = etree.fromstring(blob)
    for r_id, kind, target in rels:
        el = etree.SubElement(root, f"{{{PKG_RELS}}}Relationship")
        el.set("Id", r_id)
        el.set("Type", kind)
        el.set("Target", target)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _add_overrides(blob: bytes, parts: Mapping[str, str]) -> bytes:
    root = etree.fromstring(blob)
    for name in parts:
        kind = "header" if "/header" in name else "footer"
        el = etree.SubElement(root, f"{{{CONTENT_TYPES}}}Override")
        el.set("PartName", "/" + name)
        el.set("ContentType", f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}+xml")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
