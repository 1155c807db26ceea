"""``xl/styles.xml``: the formats a written cell needs (:class:`CellStyle`: number format,
fill, font, border, alignment, quote prefix — openpyxl style objects, so one definition of
the product's look serves openpyxl-written books and this writer), derived from the
format the cell had and added only when no identical one exists (:class:`Styles`).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

from .cells import FORMULA_PREFIXES
from .opc import MAIN_NS, PARSER, Parts, local, parse_xml, serialize


@dataclass(frozen=True)
class CellStyle:
    """What a written cell's format must have; None keeps the cell's own setting.

    ``font``, ``fill``, ``border`` and ``alignment`` are openpyxl style objects (one
    definition of the product's look serves openpyxl-written books and this writer)."""

    number_format: str | None = None
    fill: object | None = None
    font: object | None = None
    border: object | None = None
    alignment: object | None = None
    quote_prefix: bool = False


DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"


def value_kind(value: object) -> str | None:
    """What in a value asks for a format of its own: ``"formula"`` (text a spreadsheet
    would run), ``"datetime"`` (a time of day), ``"date"``; None for every other value."""
    if value.__class__ in _KINDLESS:                     # (the most common values, found at once)
        return None
    if isinstance(value, str):
        return "formula" if value.startswith(FORMULA_PREFIXES) else None
    if isinstance(value, dt.datetime):
        return "datetime" if value.time() != dt.time(0) else "date"
    if isinstance(value, dt.date):
        return "date"
    return None


_KINDLESS = frozenset({type(None), int, float, bool})


def styled(style: CellStyle, value: object) -> CellStyle:
    """The format a value needs on top of ``style``: the quote prefix for text that looks
    like a formula, a date format for a date written where the format shows no date."""
    return styled_for(style, value_kind(value))


def styled_for(style: CellStyle, kind: str | None) -> CellStyle:
    """:func:`styled` for a value of the given :func:`value_kind`."""
    changes = {}
    if kind == "formula" and not style.quote_prefix:
        changes["quote_prefix"] = True
    if kind in ("date", "datetime") and not (style.number_format and is_date_format(style.number_format)):
        changes["number_format"] = DATETIME_FORMAT if kind == "datetime" else DATE_FORMAT
    return dataclasses.replace(style, **changes) if changes else style


def _openpyxl_tree(obj: object, ns: str) -> etree._Element:
    """An openpyxl style object's XML (``<fill>``, ``<font>``...) in the stylesheet's namespace."""
    tree = obj.to_tree()
    text = ET.tostring(tree, encoding="unicode")
    wrapper = etree.fromstring(f'<w xmlns="{ns}">{text}</w>'.encode(), PARSER)
    return wrapper[0]


def _same(a: etree._Element, b: etree._Element) -> bool:
    return etree.tostring(a, method="c14n") == etree.tostring(b, method="c14n")


class Styles:
    """``xl/styles.xml``: cell formats derived from existing ones, added only when new."""

    def __init__(self, pkg: Parts, part: str):
        self.pkg, self.part = pkg, part
        self.root = parse_xml(pkg.read(part), part)
        self.ns = etree.QName(self.root).namespace or MAIN_NS
        self.changed = False
        self._memo: dict[tuple[int, CellStyle], int] = {}
        self._by_id: dict[tuple[int, int], tuple[int, CellStyle]] = {}
        self._codes: dict[str, int] = {code: i for i, code in BUILTIN_FORMATS.items()}
        for el in self._list("numFmts"):
            if el.get("formatCode") is not None and el.get("numFmtId", "").isdigit():
                self._codes.setdefault(el.get("formatCode"), int(el.get("numFmtId")))

    def _list(self, name: str, create: bool = False) -> etree._Element | list:
        found = self.root.find(f"{{{self.ns}}}{name}")
        if found is None and create:
            order = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                     "tableStyles", "colors", "extLst")
            found = etree.Element(f"{{{self.ns}}}{name}")
            later = [c for c in self.root if local(c.tag) in order[order.index(name) + 1:]]
            if later:
                later[0].addprevious(found)
            else:
                self.root.append(found)
            found.set("count", "0")
        return found if found is not None else []

    def _add(self, name: str, element: etree._Element) -> int:
        holder = self._list(name, create=True)
        for i, existing in enumerate(holder):
            if _same(existing, element):
                return i
        holder.append(element)
        holder.set("count", str(len(holder)))
        self.changed = True
        return len(holder) - 1

    def _number_format_id(self, code: str) -> int:
        if code in self._codes:
            return self._codes[code]
        holder = self._list("numFmts", create=True)
        new_id = max([163, *(int(e.get("numFmtId")) for e in holder if e.get("numFmtId", "").isdigit())]) + 1
        el = etree.SubElement(holder, f"{{{self.ns}}}numFmt")
        el.set("numFmtId", str(new_id))
        el.set("formatCode", code)
        holder.set("count", str(len(holder)))
        self._codes[code] = new_id
        self.changed = True
        return new_id

    def xf(self, base: int, style: CellStyle) -> int:
        """The index of the cell format ``base`` changed as ``style`` asks (``base`` itself
        when it already is so)."""
        fast = (base, id(style))
        if fast in self._by_id:
            return self._by_id[fast][0]
        key = (base, style)
        if key in self._memo:
            self._by_id[fast] = (self._memo[key], style)      # the style is kept alive with its id
            return self._memo[key]
        xfs = self._list("cellXfs", create=True)
        if len(xfs) == 0:
            blank = etree.SubElement(xfs, f"{{{self.ns}}}xf")
            for attr in ("numFmtId", "fontId", "fillId", "borderId", "xfId"):
                blank.set(attr, "0")
            xfs.set("count", "1")
            self.changed = True
        source = xfs[base] if 0 <= base < len(xfs) else xfs[0]
        xf = copy.deepcopy(source)
        if style.number_format is not None:
            xf.set("numFmtId", str(self._number_format_id(style.number_format)))
            xf.set("applyNumberFormat", "1")
        for attr, name, obj in (("fontId", "fonts", style.font), ("fillId", "fills", style.fill),
                                ("borderId", "borders", style.border)):
            if obj is not None:
                xf.set(attr, str(self._add(name, _openpyxl_tree(obj, self.ns))))
                xf.set("apply" + attr[:-2].capitalize(), "1")
        if style.alignment is not None:
            for old in xf.findall(f"{{{self.ns}}}alignment"):
                xf.remove(old)
            xf.insert(0, _openpyxl_tree(style.alignment, self.ns))
            xf.set("applyAlignment", "1")
        if style.quote_prefix:
            xf.set("quotePrefix", "1")
        elif xf.get("quotePrefix") in ("1", "true"):
            del xf.attrib["quotePrefix"]
        if _same(xf, source):
            index = xfs.index(source)
        else:
            index = next((i for i, e in enumerate(xfs) if _same(e, xf)), None)
            if index is None:
                xfs.append(xf)
                xfs.set("count", str(len(xfs)))
                self.changed = True
                index = len(xfs) - 1
        self._memo[key] = index
        self._by_id[fast] = (index, style)
        return index

    def flush(self) -> None:
        if self.changed:
            self.pkg.write(self.part, serialize(self.root))
