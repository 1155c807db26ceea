"""What the in-place writer cannot keep: the parts a package holds on the sheets it
rebuilds whole (pictures, shapes, charts other than its own, form and ActiveX controls,
embedded objects, pivot tables, slicers, threaded comments, Excel 2010+ extensions...)
and a Strict OOXML package. :func:`foreign_parts` names each in Chinese, reading the zip
directly; the safe write (:mod:`addin.book.safe_write`) refuses the write when there is
any. Every other sheet's parts are copied byte for byte and need no inspection.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Iterable
from xml.etree import ElementTree as ET

from lxml import etree

from ..errors import WriteRefused, os_reason
from .opc import local as _local, rels_path, relationships

_NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}

# labels (what the user is told is there)
IMAGE = "图片"
SHAPE = "形状或文本框"
CHART = "图表"
CHART_EX = "新式图表（如瀑布图、旭日图、地图）"
SMARTART = "SmartArt 图形"
INK = "墨迹或手写内容"
OTHER_DRAWING = "无法识别的绘图对象"
FORM_CONTROL = "表单控件（按钮、复选框、下拉框等）"
ACTIVEX = "ActiveX 控件"
OLE = "嵌入的对象（OLE，如 Word 文档、PDF）"
PIVOT = "数据透视表"
SLICER = "切片器"
TIMELINE = "日程表（数据透视表时间筛选器）"
BACKGROUND = "工作表背景图片"
HEADER_IMAGE = "页眉页脚中的图片"
THREADED = "新式批注（可回复的批注）"
CELL_IMAGE = "嵌入单元格的图片"
DATA_MODEL = "数据模型（Power Pivot）"
CONNECTION = "外部数据连接或查询（Power Query）"
WEB_EXTENSION = "Office 加载项内容"
EXT_VALIDATION = "引用其他工作表的下拉列表（扩展数据验证）"
EXT_FORMATTING = "新式条件格式（扩展条件格式）"
SPARKLINES = "迷你图"
_EXTENSIONS = ((re.compile(rb"<(?:\w+:)?dataValidations\b"), EXT_VALIDATION),
               (re.compile(rb"<(?:\w+:)?conditionalFormattings\b"), EXT_FORMATTING),
               (re.compile(rb"<(?:\w+:)?sparklineGroups\b"), SPARKLINES))

_GRAPHIC_URIS = {
    "http://schemas.openxmlformats.org/drawingml/2006/chart": CHART,
    "http://schemas.microsoft.com/office/drawing/2014/chartex": CHART_EX,
    "http://schemas.openxmlformats.org/drawingml/2006/diagram": SMARTART,
    "http://schemas.microsoft.com/office/drawing/2010/slicer": SLICER,
    "http://schemas.microsoft.com/office/drawing/2011/slicer": SLICER,
    "http://schemas.microsoft.com/office/drawing/2012/timeslicer": TIMELINE,
}

# relationship types from a worksheet (last path segment) -> label
_SHEET_REL_LABELS = {
    "ctrlProp": FORM_CONTROL,
    "control": ACTIVEX,
    "oleObject": OLE,
    "package": OLE,
    "pivotTable": PIVOT,
    "slicer": SLICER,
    "timeline": TIMELINE,
    "threadedComment": THREADED,
}

# parts anywhere in the package -> label, for what is not attached to a sheet as expected
# macros and the custom ribbon: checked to be still there in every new version
_MUST_SURVIVE = re.compile(r"^(xl/vbaProject\.bin$|customUI/)", re.IGNORECASE)

_VML_OBJECT = re.compile(rb"ObjectType\s*=\s*[\"']?(\w+)", re.IGNORECASE)
_VML_IMAGE = re.compile(rb"<v:imagedata\b", re.IGNORECASE)


def _not_excel(path: Path, detail: str = "") -> WriteRefused:
    extra = f"（{detail}）" if detail else ""
    return WriteRefused(f"“{Path(path).name}”不是有效的 Excel 文件（.xlsx/.xlsm）{extra}，"
                        f"无法安全写入，本次未写入任何内容。请确认文件未损坏，"
                        f"旧版 .xls 文件请先在 Excel 中另存为 .xlsx。")


class _Package:
    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.names = set(zf.namelist())

    def xml(self, part: str) -> ET.Element | None:
        if part not in self.names:
            return None
        try:
            return ET.fromstring(self.zf.read(part))
        except ET.ParseError:
            return None

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type's last segment, resolved target) of a part's internal relationships
        (:func:`~.opc.relationships`; a .rels part that is not XML holds none)."""
        name = rels_path(part)
        if name not in self.names:
            return []
        try:
            return [(r.id, r.kind, r.target) for r in relationships(self.zf.read(name), part)]
        except etree.XMLSyntaxError:
            return []


def _workbook_part(pkg: _Package) -> str | None:
    for _id, kind, target in pkg.rels(""):
        if kind == "officeDocument":
            return target
    return "xl/workbook.xml" if "xl/workbook.xml" in pkg.names else None


def _drawing_labels(pkg: _Package, part: str) -> list[str]:
    """What a DrawingML part holds: images, shapes, charts..."""
    root = pkg.xml(part)
    if root is None:
        return [OTHER_DRAWING] if part in pkg.names else []
    found: list[str] = []

    def visit(elem: ET.Element) -> None:
        name = _local(elem.tag)
        if name == "AlternateContent":
            # Excel reads the first Choice; the Fallback is a picture of the same thing
            branches = [c for c in elem if _local(c.tag) == "Choice"] or \
                       [c for c in elem if _local(c.tag) == "Fallback"]
            for child in branches[:1]:
                for grandchild in child:
                    visit(grandchild)
            return
        if name == "pic":
            found.append(IMAGE)
            return
        if name in ("sp", "cxnSp"):
            found.append(SHAPE)
            return
        if name == "grpSp":
            found.append(SHAPE)
            for child in elem:
                visit(child)
            return
        if name == "contentPart":
            found.append(INK)
            return
        if name == "graphicFrame":
            data = elem.find(".//a:graphicData", _NS)
            uri = data.get("uri", "") if data is not None else ""
            found.append(_GRAPHIC_URIS.get(uri, OTHER_DRAWING))
            return
        for child in elem:
            visit(child)

    visit(root)
    return found


def _vml_labels(pkg: _Package, part: str) -> list[str]:
    """Legacy VML: comments (ObjectType Note) are fine; anything else is not."""
    if part not in pkg.names:
        return []
    data = pkg.zf.read(part)
    found = []
    for kind in _VML_OBJECT.findall(data):
        kind = kind.decode("ascii", "replace").lower()
        if kind == "note":
            continue
        found.append(OLE if kind == "pict" else FORM_CONTROL)
    if _VML_IMAGE.search(data):
        found.append(IMAGE)
    return found


def _referenced_ids(sheet_xml: bytes, element: str) -> set[str]:
    pattern = rb"<(?:\w+:)?" + element.encode() + rb"\b[^>]*?\bid\s*=\s*[\"']([^\"']+)"
    return {m.decode("utf-8", "replace") for m in re.findall(pattern, sheet_xml)}


def _sheet_labels(pkg: _Package, part: str, own: bool) -> list[str]:
    found: list[str] = []
    rels = pkg.rels(part)
    sheet_xml: bytes | None = None

    def sheet_bytes() -> bytes:
        nonlocal sheet_xml
        if sheet_xml is None:
            sheet_xml = pkg.zf.read(part) if part in pkg.names else b""
        return sheet_xml

    for rid, rtype, target in rels:
        if rtype == "drawing":
            labels = _drawing_labels(pkg, target)
            if own:
                labels = [x for x in labels if x != CHART]
            found.extend(labels)
        elif rtype == "vmlDrawing":
            labels = _vml_labels(pkg, target)
            if IMAGE in labels and rid in _referenced_ids(sheet_bytes(), "legacyDrawingHF"):
                labels = [HEADER_IMAGE if x == IMAGE else x for x in labels]
            found.extend(labels)
        elif rtype == "image":
            # an image straight from the sheet is its background (OLE previews are
            # referenced from objectPr and reported as OLE already)
            if rid in _referenced_ids(sheet_bytes(), "picture"):
                found.append(BACKGROUND)
        elif rtype in _SHEET_REL_LABELS:
            found.append(_SHEET_REL_LABELS[rtype])
    data = sheet_bytes()
    ext = data.find(b"<extLst")
    if ext >= 0:        # Excel 2010+ extensions that openpyxl drops (e.g. x14:dataValidations)
        found += [label for pattern, label in _EXTENSIONS if pattern.search(data, ext)]
    return found


STRICT = "“严格 Open XML”格式（Strict）的工作簿"


def foreign_parts(path: Path, *, own_sheets: Iterable[str] | str) -> list[str]:
    """Chinese descriptions of what the in-place writer (:mod:`addin.xlsx`) cannot write
    safely, each naming the sheet; [] for a writable file. The writer keeps every part of
    the other sheets (and every workbook-level part) byte for byte, so only the sheets it
    rebuilds (``own_sheets``) must hold nothing but what it writes there (its own chart),
    and the package must be a Transitional one.

    Raises :class:`WriteRefused` when the file is not a valid .xlsx/.xlsm package.
    """
    path = Path(path)
    own = {own_sheets} if isinstance(own_sheets, str) else set(own_sheets)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _not_excel(path) from None
    except OSError as exc:
        raise WriteRefused(f"无法读取“{path.name}”：{os_reason(exc)}。本次未写入任何内容。") from None
    with zf:
        pkg = _Package(zf)
        wb_part = _workbook_part(pkg)
        wb_root = pkg.xml(wb_part) if wb_part else None
        if wb_root is None or "[Content_Types].xml" not in pkg.names:
            raise _not_excel(path, "缺少工作簿结构")
        messages: list[str] = []
        if wb_root.tag.startswith("{http://purl.oclc.org/ooxml/"):
            messages.append(f"工作簿是{STRICT}，请在 Excel 中另存为“Excel 工作簿（*.xlsx）”后再刷新")
        targets = {rid: (rtype, target) for rid, rtype, target in pkg.rels(wb_part)}
        for sheet in (s for child in wb_root if _local(child.tag) == "sheets"
                      for s in child if _local(s.tag) == "sheet"):
            name = sheet.get("name", "")
            if name not in own:
                continue
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
            rtype, target = targets.get(rid, ("", ""))
            if rtype != "worksheet":
                messages.append(f"“{name}”不是普通工作表（刷新时由本程序重建），请改名后再刷新")
                continue
            labels = list(dict.fromkeys(_sheet_labels(pkg, target, own=True)))
            if labels:
                messages.append(f"“{name}”工作表由本程序在每次刷新时重建，其中的" + "、".join(labels) +
                                "会丢失；请把它们移到其他工作表")
        return messages
