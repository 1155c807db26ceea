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
from .officialdoc import BODY_FONT, set_fonts, utc

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
DOCUMENT = "word/document.xml"
CORE = "docProps/core.xml"
#: parts that may hold placeholders
_TEMPLATED = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _w(tag: str) -> str:
    return f"{{{W}}}{tag}"


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
        body = first.find(_w("body"))
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
            src_body = root.find(_w("body"))
            children = list(src_body)
            sect = children[-1] if children and children[-1].tag == _w("sectPr") else None
            content = children[:-1] if sect is not None else children
            sect = copy.deepcopy(sect) if sect is not None else etree.Element(_w("sectPr"))
            if any(odd):
                _odd_page_start(sect, odd=odd[index], restart=index == 0)
            else:
                _restart_numbering(sect)
            # headers / footers with placeholders: one rendered copy per section
            for ref in sect:
                if ref.tag not in (_w("headerReference"), _w("footerReference")):
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
                for b in el.iter(_w("bookmarkStart"), _w("bookmarkEnd")):
                    b.set(_w("id"), str(bookmark + int(b.get(_w("id"), "0"))))
                body.append(el)
                last = el
            bookmark += 10000
            if index < len(documents) - 1:
                if last is None or last.tag != _w("p"):
                    last = etree.SubElement(body, _w("p"))
                p_pr = last.find(_w("pPr"))
                if p_pr is None:
                    p_pr = etree.Element(_w("pPr"))
                    last.insert(0, p_pr)
                old = p_pr.find(_w("sectPr"))
                if old is not None:
                    p_pr.remove(old)
                change = p_pr.find(_w("pPrChange"))
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
    numbering = sect.find(_w("pgNumType"))
    if numbering is None:
        numbering = etree.Element(_w("pgNumType"))
        # CT_SectPr order: ... pgBorders, lnNumType, pgNumType, cols, formProt, vAlign, noEndnote,
        # titlePg, textDirection, bidi, rtlGutter, docGrid, printerSettings, sectPrChange
        later = [sect.find(_w(t)) for t in ("cols", "formProt", "vAlign", "noEndnote", "titlePg", "textDirection",
                                               "bidi", "rtlGutter", "docGrid", "printerSettings", "sectPrChange")]
        later = [el for el in later if el is not None]
        if later:
            later[0].addprevious(numbering)
        else:
            sect.append(numbering)
    numbering.set(_w("start"), "1")


def _odd_page_start(sect, *, odd: bool, restart: bool) -> None:
    """The section starts on an odd page (``odd``) or the next page; its page numbers
    continue from the previous section unless ``restart``."""
    kind = sect.find(_w("type"))
    if kind is None:
        kind = etree.Element(_w("type"))
        # CT_SectPr order: headerReference*, footerReference*, footnotePr, endnotePr, type, pgSz, ...
        later = next((el for el in sect if el.tag not in (_w("headerReference"), _w("footerReference"),
                                                          _w("footnotePr"), _w("endnotePr"))), None)
        (later.addprevious if later is not None else sect.append)(kind)
    kind.set(_w("val"), "oddPage" if odd else "nextPage")
    numbering = sect.find(_w("pgNumType"))
    if restart:
        _restart_numbering(sect)
    elif numbering is not None:
        numbering.attrib.pop(_w("start"), None)


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


# --- lines kept whole ------------------------------------------------------------------------

def _twips_attr(el, attr: str) -> float:
    value = el.get(_w(attr)) if el is not None else None
    try:
        return float(value) / 20 if value is not None else 0.0
    except ValueError:
        return 0.0


class LineKeeper:
    """Line breaks for a template's rendered body paragraphs (see the module's notes).

    Reads the template's own page setup (text width) and paragraph styles (size,
    character spacing, indents, alignment), so a template reworded in Word is laid out
    with its own measures; centred, right-aligned and table paragraphs are left alone."""

    def __init__(self, entries: Sequence[tuple[zipfile.ZipInfo, bytes]]):
        blobs = {info.filename: blob for info, blob in entries}
        self.styles: dict[str, dict] = {}
        self.default = {"size": 10.5, "spacing": 0.0, "first": 0.0, "left": 0.0, "right": 0.0, "jc": "left"}
        styles = blobs.get("word/styles.xml")
        if styles:
            root = etree.fromstring(styles)
            defaults = root.find(f"{_w('docDefaults')}/{_w('rPrDefault')}/{_w('rPr')}")
            if defaults is not None and defaults.find(_w("sz")) is not None:
                self.default["size"] = float(defaults.find(_w("sz")).get(_w("val"))) / 2
            raw = {}
            for style in root.findall(_w("style")):
                if style.get(_w("type")) == "paragraph":
                    raw[style.get(_w("styleId"))] = style
            for style_id in raw:
                self.styles[style_id] = self._resolve(style_id, raw, set())
        self.width = None
        document = blobs.get(DOCUMENT)
        if document:
            sect = etree.fromstring(document).find(f"{_w('body')}/{_w('sectPr')}")
            if sect is not None:
                size, margins = sect.find(_w("pgSz")), sect.find(_w("pgMar"))
                width = _twips_attr(size, "w") - _twips_attr(margins, "left") - _twips_attr(margins, "right")
                self.width = width if width > 0 else None

    def _resolve(self, style_id: str, raw: dict, seen: set) -> dict:
        style = raw.get(style_id)
        if style is None or style_id in seen:
            return dict(self.default)
        seen.add(style_id)
        based = style.find(_w("basedOn"))
        out = self._resolve(based.get(_w("val")), raw, seen) if based is not None else dict(self.default)
        r_pr, p_pr = style.find(_w("rPr")), style.find(_w("pPr"))
        if r_pr is not None:
            if r_pr.find(_w("sz")) is not None:
                out["size"] = float(r_pr.find(_w("sz")).get(_w("val"))) / 2
            if r_pr.find(_w("spacing")) is not None:
                out["spacing"] = _twips_attr(r_pr.find(_w("spacing")), "val")
        if p_pr is not None:
            self._paragraph(p_pr, out)
        return out

    @staticmethod
    def _paragraph(p_pr, out: dict) -> None:
        ind = p_pr.find(_w("ind"))
        if ind is not None:
            chars = lambda attr: float(ind.get(_w(attr))) / 100 * out["size"] if ind.get(_w(attr)) else None  # noqa: E731
            first = chars("firstLineChars")
            out["first"] = first if first is not None else _twips_attr(ind, "firstLine") - _twips_attr(ind, "hanging")
            left = chars("leftChars")
            out["left"] = left if left is not None else _twips_attr(ind, "left")
            right = chars("rightChars")
            out["right"] = right if right is not None else _twips_attr(ind, "right")
        jc = p_pr.find(_w("jc"))
        if jc is not None:
            out["jc"] = jc.get(_w("val"))

    def apply(self, xml: str, keep: Sequence[str] = (), keep_words: Sequence[str] = ()) -> str:
        """``xml`` (a rendered document part) with the line breaks its body paragraphs need."""
        from .layout import ambiguous, keep_spans, layout_lines

        if self.width is None:
            return xml
        try:
            root = etree.fromstring(xml.encode("utf-8"))
        except etree.XMLSyntaxError:
            return xml                  # a template that renders broken markup: check() reports it
        changed = False
        for p in root.iter(_w("p")):
            if any(a.tag == _w("tc") for a in p.iterancestors()):
                continue
            p_pr = p.find(_w("pPr"))
            style = p_pr.find(_w("pStyle")) if p_pr is not None else None
            metrics = dict(self.styles.get(style.get(_w("val")) if style is not None else "Normal", self.default))
            if p_pr is not None:
                self._paragraph(p_pr, metrics)
            if metrics["jc"] not in ("left", "both", "start", "distribute"):
                continue
            pieces = _paragraph_pieces(p)
            text = "".join(t for _, t in pieces)
            if len(text) < 2:
                continue
            laid = layout_lines(text, self.width - metrics["left"] - metrics["right"], metrics["size"],
                                first_indent=metrics["first"], spacing=metrics["spacing"],
                                spans=keep_spans(text, keep, keep_words), autospace=True)
            if laid.forced:
                _break_before(p, pieces, laid.forced)
                changed = True
            if any(ambiguous(ch) for ch in text):
                _east_asian_marks(p)
                changed = True
        return etree.tostring(root, encoding="unicode") if changed else xml


def _paragraph_pieces(p) -> list[tuple[object, str]]:
    """The paragraph's text in document order as (element, text): each w:t with its text,
    a w:br as a line end, a w:tab as a space."""
    out = []
    for el in p.iter(_w("t"), _w("br"), _w("tab")):
        if el.tag == _w("t"):
            out.append((el, el.text or ""))
        elif el.tag == _w("br"):
            out.append((el, "\n"))
        else:
            out.append((el, " "))
    return out


def _break_before(p, pieces: list[tuple[object, str]], offsets: Sequence[int]) -> None:
    """A line break (its own run, in the run's format) before each text offset of ``p``."""
    at = 0
    targets = sorted(set(offsets))
    for el, text in pieces:
        if el.tag != _w("t"):
            at += len(text)
            continue
        inside = [o - at for o in targets if at <= o < at + len(text)]
        at += len(text)
        if not inside:
            continue
        run = el.getparent()
        later = list(el.itersiblings())            # what follows the text in its run goes after the new runs
        parts = [text[a:b] for a, b in zip([0] + inside, inside + [len(text)])]
        el.text = parts[0]
        _preserve(el)
        anchor = run
        for part in parts[1:]:
            br_run = _copy_run(run)
            etree.SubElement(br_run, _w("br"))
            anchor.addnext(br_run)
            text_run = _copy_run(run)
            t = etree.SubElement(text_run, _w("t"))
            t.text = part
            _preserve(t)
            br_run.addnext(text_run)
            anchor = text_run
        for sibling in later:
            anchor.append(sibling)
        if not parts[0]:
            el.getparent().remove(el)


def _east_asian_marks(p) -> None:
    """Marks such as · × — “ ” (East Asian width ambiguous) in runs of their own drawn by
    the East Asian font: Word does so by the documents' font hint, LibreOffice would draw
    them half as wide in the Latin font, and the lines would break differently."""
    from .layout import ambiguous

    for el in list(p.iter(_w("t"))):
        run = el.getparent()
        if run.find(f"{_w('rPr')}/{_w('rStyle')}") is not None or not any(ambiguous(c) for c in el.text or ""):
            continue
        segments, current, kind = [], "", None
        for ch in el.text:
            k = ambiguous(ch)
            if current and k != kind:
                segments.append((current, kind))
                current = ""
            current, kind = current + ch, k
        segments.append((current, kind))
        later = list(el.itersiblings())
        anchor = None
        for text, marked in segments:
            new = _copy_run(run)
            t = etree.SubElement(new, _w("t"))
            t.text = text
            _preserve(t)
            if marked:
                r_pr = new.find(_w("rPr"))
                if r_pr is None:
                    r_pr = etree.Element(_w("rPr"))
                    new.insert(0, r_pr)
                set_fonts(r_pr, BODY_FONT, BODY_FONT)
            (anchor if anchor is not None else run).addnext(new)
            anchor = new
        for sibling in later:
            anchor.append(sibling)
        run.remove(el)
        if not [c for c in run if c.tag != _w("rPr")]:
            run.getparent().remove(run)


def _copy_run(run):
    new = etree.Element(_w("r"))
    r_pr = run.find(_w("rPr"))
    if r_pr is not None:
        new.append(copy.deepcopy(r_pr))
    return new


def _preserve(t) -> None:
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
