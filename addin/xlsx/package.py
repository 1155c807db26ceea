"""An .xlsx/.xlsm package edited in place (:class:`Package`): its parts, relationships
(read through :func:`~.opc.relationships`) and content types, the workbook's sheets and
defined names, Excel tables' ranges, the calculation chain dropped and a full
recalculation asked for after cells are written, and the save: a new zip in the
original member order, edited sheets streamed through (:mod:`.sheetedit`), other
changed parts recompressed with their original method, every other member copied raw
(:mod:`.zipcopy`), ``styles.xml`` last.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from lxml import etree
from openpyxl.utils import get_column_letter

from .limits import damaged, describe_damage
from .opc import (CT_NS, DOC_REL_NS, MAIN_NS, PKG_REL_NS, REL_TYPE, SHEET_CT, STRICT_MAIN_NS, STYLES_CT, PatchRefused,
                  Relationship, local, main_part, parse_xml, relationships, relative, rels_path, serialize)
from .rows import parse_range
from .sheetedit import SheetEdit
from .styles import Styles
from .zipcopy import Background, copy_raw, member_like, set_level, write_member


@dataclass
class SheetInfo:
    name: str
    part: str
    rid: str
    state: str


class Package:
    """An open .xlsx/.xlsm package and the edits to apply to it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            raise PatchRefused(f"“{self.path.name}”不是有效的 Excel 文件（.xlsx/.xlsm），无法安全写入") from None
        self.infos = {i.filename: i for i in self.zf.infolist()}
        self._changed: dict[str, bytes] = {}
        self._removed: set[str] = set()
        self._edits: dict[str, SheetEdit] = {}
        if "[Content_Types].xml" not in self.infos:
            raise PatchRefused(f"“{self.path.name}”缺少 [Content_Types].xml，不是有效的 Excel 文件，无法安全写入")
        self.workbook_part = main_part(self.rels("")) or "xl/workbook.xml"
        if not self.exists(self.workbook_part):
            raise PatchRefused(f"“{self.path.name}”缺少工作簿结构（{self.workbook_part}），无法安全写入")
        self.workbook = parse_xml(self.read(self.workbook_part), self.workbook_part)
        self.ns = etree.QName(self.workbook).namespace or MAIN_NS
        self.strict = self.ns == STRICT_MAIN_NS
        pr = self.workbook.find(f"{{{self.ns}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        self._workbook_changed = False
        self._styles: Styles | None = None

    def close(self) -> None:
        self.zf.close()

    # -- parts ------------------------------------------------------------------------

    def exists(self, part: str) -> bool:
        return part in self._changed or (part in self.infos and part not in self._removed)

    def read(self, part: str) -> bytes:
        if part in self._changed:
            return self._changed[part]
        if part in self._removed or part not in self.infos:
            raise PatchRefused(f"工作簿中缺少“{part}”部件，无法安全写入")
        try:
            return self.zf.read(part)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise self._damaged(exc, part) from None

    def _damaged(self, exc: BaseException, part: str) -> PatchRefused:
        """A part that cannot be inflated (the reader refuses such a file before a write
        starts; this is the writer's own guard): the one refusal of a damaged file."""
        return PatchRefused(damaged(self.path.name, describe_damage(exc, part)))

    def write(self, part: str, data: bytes) -> None:
        self._changed[part] = data
        self._removed.discard(part)

    def remove(self, part: str) -> None:
        self._changed.pop(part, None)
        self._removed.add(part)

    def unique_part(self, pattern: str) -> str:
        """A part name like ``pattern`` (with ``{}`` for a number) that does not exist yet."""
        n = 1
        while self.exists(pattern.format(n)):
            n += 1
        return pattern.format(n)

    # -- relationships and content types ---------------------------------------------

    def rels(self, part: str) -> list[Relationship]:
        """(id, type, resolved target) of a part's internal relationships."""
        name = rels_path(part)
        if not self.exists(name):
            return []
        data = self.read(name)
        try:
            return relationships(data, part)
        except etree.XMLSyntaxError:
            parse_xml(data, name)          # the writer's refusal, naming the part
            raise

    def add_rel(self, part: str, rtype: str, target: str) -> str:
        name = rels_path(part)
        if self.exists(name):
            root = parse_xml(self.read(name), name)
        else:
            root = etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})
        ids = {r.get("Id") for r in root}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rel = etree.SubElement(root, f"{{{PKG_REL_NS}}}Relationship")
        rel.set("Id", f"rId{n}")
        rel.set("Type", rtype)
        rel.set("Target", relative(part, target))
        self.write(name, serialize(root))
        return f"rId{n}"

    def remove_rels_to(self, part: str, target: str) -> None:
        name = rels_path(part)
        if not self.exists(name):
            return
        ids = {r.id for r in self.rels(part) if r.target == target}
        root = parse_xml(self.read(name), name)
        gone = [r for r in root if r.get("Id") in ids]
        for r in gone:
            root.remove(r)
        if gone:
            self.write(name, serialize(root))

    def set_override(self, part: str, content_type: str | None) -> None:
        """Declare (or, with None, undeclare) a part's content type."""
        root = parse_xml(self.read("[Content_Types].xml"), "[Content_Types].xml")
        name = "/" + part
        changed = False
        for el in list(root):
            if local(el.tag) == "Override" and el.get("PartName", "").lower() == name.lower():
                if content_type is not None and el.get("ContentType") == content_type:
                    return
                root.remove(el)
                changed = True
        if content_type is not None:
            el = etree.SubElement(root, f"{{{CT_NS}}}Override")
            el.set("PartName", name)
            el.set("ContentType", content_type)
            changed = True
        if changed:
            self.write("[Content_Types].xml", serialize(root))

    # -- sheets -----------------------------------------------------------------------

    def sheets(self) -> list[SheetInfo]:
        targets = {rid: target for rid, _type, target in self.rels(self.workbook_part)}
        holder = self.workbook.find(f"{{{self.ns}}}sheets")
        out = []
        for el in holder if holder is not None else []:
            rid = next((v for k, v in el.attrib.items() if local(k) == "id"), "")
            out.append(SheetInfo(el.get("name", ""), targets.get(rid, ""), rid, el.get("state", "visible")))
        return out

    def sheet_info(self, name: str) -> SheetInfo | None:
        return next((s for s in self.sheets() if s.name == name), None)

    def sheet(self, name: str) -> SheetEdit:
        """The cell edits of a worksheet (created on first use)."""
        info = self.sheet_info(name)
        if info is None or not self.exists(info.part):
            raise PatchRefused(f"工作簿缺少“{name}”工作表，无法写入")
        if info.part not in self._edits:
            self._edits[info.part] = SheetEdit(self, info.part, name)
        return self._edits[info.part]

    def replace_sheet(self, name: str, xml: bytes) -> str:
        """Replace a worksheet part with new XML; returns the part name."""
        info = self.sheet_info(name)
        if info is None:
            raise PatchRefused(f"工作簿缺少“{name}”工作表，无法写入")
        self._edits.pop(info.part, None)
        self.write(info.part, xml)
        return info.part

    def add_sheet(self, name: str, xml: bytes, *, hidden: bool = False, before: str | None = None) -> str:
        """Add a worksheet at the end of the tab order; returns its part name."""
        part = self.unique_part("xl/worksheets/sheet{}.xml")
        self.write(part, xml)
        self.set_override(part, SHEET_CT)
        rid = self.add_rel(self.workbook_part, REL_TYPE + "worksheet", part)
        holder = self.workbook.find(f"{{{self.ns}}}sheets")
        ids = [int(e.get("sheetId", "0")) for e in holder if (e.get("sheetId") or "").isdigit()]
        el = etree.SubElement(holder, f"{{{self.ns}}}sheet")
        el.set("name", name)
        el.set("sheetId", str(max(ids, default=0) + 1))
        if hidden:
            el.set("state", "hidden")
        el.set(f"{{{DOC_REL_NS}}}id", rid)
        self._workbook_changed = True
        return part

    def defined_name(self, name: str, sheet: str, value: str | None) -> None:
        """Set (or remove, with None) a sheet-local defined name such as _xlnm.Print_Area."""
        index = next((i for i, s in enumerate(self.sheets()) if s.name == sheet), None)
        if index is None:
            return
        holder = self.workbook.find(f"{{{self.ns}}}definedNames")
        existing = [] if holder is None else [e for e in holder if e.get("name") == name
                                              and e.get("localSheetId") == str(index)]
        if value is None:
            for e in existing:
                holder.remove(e)
                self._workbook_changed = True
            return
        if existing and existing[0].text == value:
            return
        if holder is None:
            holder = etree.Element(f"{{{self.ns}}}definedNames")
            anchor = self.workbook.find(f"{{{self.ns}}}sheets")
            anchor.addnext(holder)
        el = existing[0] if existing else etree.SubElement(holder, f"{{{self.ns}}}definedName")
        el.set("name", name)
        el.set("localSheetId", str(index))
        el.text = value
        self._workbook_changed = True

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = next((t for _i, rtype, t in self.rels(self.workbook_part) if rtype.endswith("/styles")), None)
            if part is None or not self.exists(part):
                part = part or "xl/styles.xml"
                self.write(part, f'<styleSheet xmlns="{self.ns}"/>'.encode())
                self.set_override(part, STYLES_CT)
                if not any(t == part for _i, _r, t in self.rels(self.workbook_part)):
                    self.add_rel(self.workbook_part, REL_TYPE + "styles", part)
            self._styles = Styles(self, part)
        return self._styles

    # -- tables -----------------------------------------------------------------------

    def table_part(self, sheet: str, table: str) -> str | None:
        info = self.sheet_info(sheet)
        if info is None:
            return None
        for _rid, rtype, target in self.rels(info.part):
            if rtype.endswith("/table") and self.exists(target):
                head = self.read(target)[:4096]
                names = re.findall(rb'\b(?:displayName|name)\s*=\s*"([^"]*)"', head)
                if table.encode() in names:
                    return target
        return None

    def table_ref(self, sheet: str, table: str) -> tuple[int, int, int, int] | None:
        part = self.table_part(sheet, table)
        if part is None:
            return None
        match = re.search(rb'<(?:\w+:)?table\b[^>]*?\bref\s*=\s*"([^"]+)"', self.read(part))
        return parse_range(match.group(1).decode()) if match else None

    def set_table_ref(self, sheet: str, table: str, last_row: int) -> None:
        """Move an Excel table's last row (and its filter's) to ``last_row``."""
        part = self.table_part(sheet, table)
        bounds = self.table_ref(sheet, table)
        if part is None or bounds is None:
            return
        r1, c1, r2, c2 = bounds
        if last_row == r2 or last_row <= r1:
            return
        new = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{last_row}".encode()
        data = self.read(part)
        data = re.sub(rb'(<(?:\w+:)?(?:table|autoFilter)\b[^>]*?\bref\s*=\s*")[^"]+(")',
                      lambda m: m.group(1) + new + m.group(2), data)
        self.write(part, data)

    # -- saving -----------------------------------------------------------------------

    def _drop_calc_chain(self) -> None:
        """Excel's list of formula cells may name a cell this writer overwrote: without
        it Excel rebuilds the list on load; with a stale one it would report damage."""
        for _rid, rtype, target in self.rels(self.workbook_part):
            if rtype.endswith("/calcChain"):
                self.remove(target)
                self.remove_rels_to(self.workbook_part, target)
                self.set_override(target, None)

    #: workbook.xml's children that follow calcPr (ECMA-376 CT_Workbook's sequence)
    _AFTER_CALC_PR = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                      "fileRecoveryPr", "webPublishObjects", "extLst")

    def _recalculate_on_load(self) -> None:
        """Mark the workbook for a full recalculation when it is next opened
        (``<calcPr fullCalcOnLoad="1">``, as openpyxl does): the formulas of the clerks'
        own sheets over the cells written here (``=COUNTIF(申报人员!BA:BA,"符合")``) hold
        results cached before the write. Every other calcPr attribute is kept."""
        calc = self.workbook.find(f"{{{self.ns}}}calcPr")
        if calc is None:
            calc = etree.Element(f"{{{self.ns}}}calcPr")
            follower = next((child for child in self.workbook if local(child.tag) in self._AFTER_CALC_PR), None)
            if follower is not None:
                follower.addprevious(calc)
            else:
                self.workbook.append(calc)
        elif calc.get("fullCalcOnLoad") in ("1", "true"):
            return
        calc.set("fullCalcOnLoad", "1")
        self._workbook_changed = True

    def open_part(self, part: str):
        """A readable binary stream of a part's current content."""
        if part in self._changed:
            return io.BytesIO(self._changed[part])
        if part in self._removed or part not in self.infos:
            raise PatchRefused(f"工作簿中缺少“{part}”部件，无法安全写入")
        return self.zf.open(part)

    def save(self, target: Path, *, level: int | None = None) -> None:
        """Write the edited package to ``target``: edited sheets streamed through, other
        changed parts recompressed with their original method, every other member copied
        raw, in their order; styles.xml, which the rendering may extend, comes last.
        Excel's calculation chain is dropped when cells are written (it may name a
        formula cell just overwritten; Excel rebuilds it on load).

        ``level`` is the deflate level (0-9) of the parts written anew (None: zlib's
        default, 6); the members copied raw keep their compressed bytes whatever it is."""
        styles = self.styles if self._edits else None
        if self._edits:
            self._drop_calc_chain()
        if self._edits or self._changed:
            self._recalculate_on_load()
        if self._workbook_changed:
            self.write(self.workbook_part, serialize(self.workbook))
            self._workbook_changed = False
        deferred = {styles.part} if styles is not None else set()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            later = []
            for info in self.zf.infolist():
                name = info.filename
                if name in self._removed:
                    continue
                if name in deferred:
                    later.append(info)
                elif name in self._edits:
                    edit = self._edits[name]
                    with out.open(member_like(info, level), "w", force_zip64=True) as fh, Background(fh.write) as write:
                        edit.render(styles, self.date1904, write)
                elif name in self._changed:
                    write_member(out, member_like(info, level), self._changed[name])
                else:
                    copy_raw(self.zf, info, out)
            if styles is not None:
                styles.flush()
            for info in later:
                if info.filename in self._removed:
                    continue
                if info.filename in self._changed:
                    write_member(out, member_like(info, level), self._changed[info.filename])
                else:
                    copy_raw(self.zf, info, out)
            for name, data in self._changed.items():
                if name not in self.infos and name not in self._removed:
                    member = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    member.compress_type = zipfile.ZIP_DEFLATED
                    set_level(member, level)
                    write_member(out, member, data)
