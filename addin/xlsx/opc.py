"""The Open Packaging Conventions as the engine uses them: namespaces and content types,
part names (:func:`rels_path`, :func:`resolve`, :func:`relative`), the safe XML parser,
and THE relationships parser (:func:`relationships`) — the writer (:mod:`.package`), the
reader (:mod:`.reader`) and the inspection of foreign parts (:mod:`.foreign`) all read a
``.rels`` part through it.
"""

from __future__ import annotations

import posixpath
from typing import BinaryIO, NamedTuple, Protocol

from lxml import etree

from ..errors import WriteRefused

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
REL_TYPE = DOC_REL_NS + "/"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
STYLES_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_CT = "application/vnd.openxmlformats-drawingml.chart+xml"

#: no entities resolved, nothing fetched: a part is data, never instructions
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


class PatchRefused(WriteRefused):
    """The package cannot be edited safely; ``str(exc)`` is a Chinese message naming why."""


class Parts(Protocol):
    """Where the parts of a package are read and written (:class:`~.package.Package`)."""

    def read(self, part: str) -> bytes: ...

    def write(self, part: str, data: bytes) -> None: ...

    def open_part(self, part: str) -> BinaryIO: ...


def local(tag: object) -> str:
    """An element's name without its namespace (``""`` for a comment or processing instruction)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def rels_path(part: str) -> str:
    """The relationships part of a package part (``xl/_rels/workbook.xml.rels``; the
    package's own: ``_rels/.rels`` for ``""``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    """A relationship's target as a part name, from the part that holds it."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


def relative(source_part: str, target_part: str) -> str:
    """The target to write in ``source_part``'s relationships for ``target_part``."""
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


class Relationship(NamedTuple):
    id: str
    type: str          # the full relationship type (…/relationships/worksheet)
    target: str        # the part it points to, resolved

    @property
    def kind(self) -> str:
        """The type's last segment: ``worksheet``, ``officeDocument``, ``drawing``…"""
        return self.type.rstrip("/").rsplit("/", 1)[-1]


def relationships(data: bytes, part: str) -> list[Relationship]:
    """THE relationships parser: the internal relationships of ``part`` from the bytes of
    its ``.rels`` part, in their order, targets resolved (external ones — hyperlinks,
    linked files — are not parts and are left out). Raises ``etree.XMLSyntaxError`` for
    a part that is not XML; each caller says what that means for it."""
    out = []
    for rel in etree.fromstring(data, PARSER):
        if local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        out.append(Relationship(rel.get("Id") or "", rel.get("Type") or "", resolve(part, rel.get("Target") or "")))
    return out


def main_part(rels: list[Relationship]) -> str | None:
    """The workbook part named by the package's relationships (``officeDocument``)."""
    return next((r.target for r in rels if r.kind == "officeDocument"), None)


def parse_xml(data: bytes, part: str) -> etree._Element:
    """A part's XML for the writer; a part that is not XML refuses the write."""
    try:
        return etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as exc:
        raise PatchRefused(f"工作簿中的“{part}”部件不是完整的 XML（{exc.msg}），无法安全写入") from None


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
