"""Line breaks in a rendered document's body paragraphs, so that no person's name, word
of a unit's name, phone number or date is split across two lines and no closing mark
hangs into the margin (:class:`LineKeeper`). The paragraphs are laid out as Word and
LibreOffice will (:func:`.layout.layout_lines`), from the template's own page setup and
paragraph styles; a break goes where a renderer would split a kept span: the text itself
stays as typed, with no invisible character. Marks such as · × — “ ” get runs of their
own drawn by the East Asian font.
"""

from __future__ import annotations

import copy
import zipfile
from typing import Sequence

from lxml import etree

from .officialdoc import BODY_FONT, DOCUMENT, set_fonts, wtag

def _twips_attr(el, attr: str) -> float:
    value = el.get(wtag(attr)) if el is not None else None
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
            defaults = root.find(f"{wtag('docDefaults')}/{wtag('rPrDefault')}/{wtag('rPr')}")
            if defaults is not None and defaults.find(wtag("sz")) is not None:
                self.default["size"] = float(defaults.find(wtag("sz")).get(wtag("val"))) / 2
            raw = {}
            for style in root.findall(wtag("style")):
                if style.get(wtag("type")) == "paragraph":
                    raw[style.get(wtag("styleId"))] = style
            for style_id in raw:
                self.styles[style_id] = self._resolve(style_id, raw, set())
        self.width = None
        document = blobs.get(DOCUMENT)
        if document:
            sect = etree.fromstring(document).find(f"{wtag('body')}/{wtag('sectPr')}")
            if sect is not None:
                size, margins = sect.find(wtag("pgSz")), sect.find(wtag("pgMar"))
                width = _twips_attr(size, "w") - _twips_attr(margins, "left") - _twips_attr(margins, "right")
                self.width = width if width > 0 else None

    def _resolve(self, style_id: str, raw: dict, seen: set) -> dict:
        style = raw.get(style_id)
        if style is None or style_id in seen:
            return dict(self.default)
        seen.add(style_id)
        based = style.find(wtag("basedOn"))
        out = self._resolve(based.get(wtag("val")), raw, seen) if based is not None else dict(self.default)
        r_pr, p_pr = style.find(wtag("rPr")), style.find(wtag("pPr"))
        if r_pr is not None:
            if r_pr.find(wtag("sz")) is not None:
                out["size"] = float(r_pr.find(wtag("sz")).get(wtag("val"))) / 2
            if r_pr.find(wtag("spacing")) is not None:
                out["spacing"] = _twips_attr(r_pr.find(wtag("spacing")), "val")
        if p_pr is not None:
            self._paragraph(p_pr, out)
        return out

    @staticmethod
    def _paragraph(p_pr, out: dict) -> None:
        ind = p_pr.find(wtag("ind"))
        if ind is not None:
            chars = lambda attr: float(ind.get(wtag(attr))) / 100 * out["size"] if ind.get(wtag(attr)) else None  # noqa: E731
            first = chars("firstLineChars")
            out["first"] = first if first is not None else _twips_attr(ind, "firstLine") - _twips_attr(ind, "hanging")
            left = chars("leftChars")
            out["left"] = left if left is not None else _twips_attr(ind, "left")
            right = chars("rightChars")
            out["right"] = right if right is not None else _twips_attr(ind, "right")
        jc = p_pr.find(wtag("jc"))
        if jc is not None:
            out["jc"] = jc.get(wtag("val"))

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
        for p in root.iter(wtag("p")):
            if any(a.tag == wtag("tc") for a in p.iterancestors()):
                continue
            p_pr = p.find(wtag("pPr"))
            style = p_pr.find(wtag("pStyle")) if p_pr is not None else None
            metrics = dict(self.styles.get(style.get(wtag("val")) if style is not None else "Normal", self.default))
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
    for el in p.iter(wtag("t"), wtag("br"), wtag("tab")):
        if el.tag == wtag("t"):
            out.append((el, el.text or ""))
        elif el.tag == wtag("br"):
            out.append((el, "\n"))
        else:
            out.append((el, " "))
    return out


def _break_before(p, pieces: list[tuple[object, str]], offsets: Sequence[int]) -> None:
    """A line break (its own run, in the run's format) before each text offset of ``p``."""
    at = 0
    targets = sorted(set(offsets))
    for el, text in pieces:
        if el.tag != wtag("t"):
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
            etree.SubElement(br_run, wtag("br"))
            anchor.addnext(br_run)
            text_run = _copy_run(run)
            t = etree.SubElement(text_run, wtag("t"))
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

    for el in list(p.iter(wtag("t"))):
        run = el.getparent()
        if run.find(f"{wtag('rPr')}/{wtag('rStyle')}") is not None or not any(ambiguous(c) for c in el.text or ""):
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
            t = etree.SubElement(new, wtag("t"))
            t.text = text
            _preserve(t)
            if marked:
                r_pr = new.find(wtag("rPr"))
                if r_pr is None:
                    r_pr = etree.Element(wtag("rPr"))
                    new.insert(0, r_pr)
                set_fonts(r_pr, BODY_FONT, BODY_FONT)
            (anchor if anchor is not None else run).addnext(new)
            anchor = new
        for sibling in later:
            anchor.append(sibling)
        run.remove(el)
        if not [c for c in run if c.tag != wtag("rPr")]:
            run.getparent().remove(run)


def _copy_run(run):
    new = etree.Element(wtag("r"))
    r_pr = run.find(wtag("rPr"))
    if r_pr is not None:
        new.append(copy.deepcopy(r_pr))
    return new


def _preserve(t) -> None:
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
