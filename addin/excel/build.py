"""``zhicheng build-addin``: assemble the add-in (.xlam) from text sources, on any OS.

Inputs, all text or the pinned xlwings package:

- xlwings' ``quickstart_addin_ribbon.xlam`` — the package skeleton (content types,
  relationships, styles, theme, the hidden config sheet);
- xlwings' ``xlwings_custom_addin.bas`` — the RunPython / UDF machinery, taken from the
  installed xlwings at build time with its ``PROJECT_NAME`` set to ``zhicheng``;
- ``vba_stubs/`` (package data) — our VBA (the ribbon callback, the VBA self-check and
  the Chinese messages, the three document modules) and the ribbon XML
  (:func:`~addin.excel.sources.ribbon_xml`); string literals with Chinese text are moved to
  the hidden sheet ``zhicheng.text`` and read back with ``Txt(<row>)`` (:mod:`addin.excel.vba.literals`);
- the Python UDFs of module ``udfs`` — turned into the ``xlwings_udfs`` wrapper module
  and the ``ZhichengHelp`` module (their Insert Function help, from the docstrings).

The modules and the ribbon XML come from :mod:`addin.excel.sources`: xlwings' module is
changed only where :data:`~addin.excel.sources.XLWINGS_PATCHES` says (its project name, and
its English messages on the way of a button routed to our Chinese ones), each change
applied exactly once; the UDF wrappers' error text is routed the same way. Every module
then passes :func:`addin.excel.vba.check.check_project` (names against MS-VBAL's reserved
identifiers, blocks, labels, calls, ribbon callback signatures) or the build is refused.
This module puts them into the package: the template's parts adapted, the config and
text sheets, the core properties, vbaProject.bin.

Modules are stored in the order Excel writes them: standard modules, ThisWorkbook,
then the sheets.

Output: ``<out>/zhicheng.xlam`` (ASCII file name; Excel shows the title 职称评审台账 and
the ribbon tab 职称评审). The VBA project is written source-only (see
:mod:`addin.excel.vba.project`); the zip has fixed timestamps, sorted stored entries and
no random values, so the same inputs give the same bytes.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping
from xml.sax.saxutils import escape

import xlwings

from .sources import (CONFIG_SHEET_CODENAME, PROJECT_NAME, RIBBON_MODULE, TEXT_SHEET_CODENAME, UDF_MODULE,
                      XLWINGS_DIR, BuildError, check_ribbon, check_vba, project_modules, ribbon_xml, stubs_dir)
from .vba.literals import TEXT_SHEET, Texts
from .vba.project import vba_project_bin

VBA_PROJECT_NAME = "Zhicheng"
ADDIN_FILE = "zhicheng.xlam"
ADDIN_TITLE = "职称评审台账"
ADDIN_DESCRIPTION = "阿克苏地区交通运输局职称评审台账的 Excel 加载项（xlwings）：功能区“职称评审”和 ZC_ 开头的工作表函数。"
#: the add-in's config sheet holds only what we set: a key present there wins over the
#: user's config file (even when empty), so the interpreter is NOT set here. The
#: workbook's folder is kept off sys.path: our code is installed, a folder beside the
#: register must not shadow it, and a OneDrive/SharePoint register needs no URL mapping.
CONFIG = {"UDF MODULES": UDF_MODULE, "ADD_WORKBOOK_TO_PYTHONPATH": "false"}
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
TEXT_SHEET_PART = "xl/worksheets/sheet2.xml"
WORKSHEET_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WORKSHEET_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TEXT_SHEET_RID = "rIdZhichengText"
UI_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

TEMPLATE = XLWINGS_DIR / "quickstart_addin_ribbon.xlam"


@dataclass
class BuildReport:
    path: Path
    size: int
    seconds: float
    modules: list[str]
    udfs: int
    buttons: int


# --- package parts --------------------------------------------------------------------------

def _one(text: str, old: str, new: str, part: str) -> str:
    if text.count(old) != 1:
        raise BuildError(f"模板 {part} 的结构与预期不同（xlwings 版本变化？）：{old[:60]}")
    return text.replace(old, new)


def _rels(xml: bytes) -> bytes:
    """The package relationships with the ribbon under the 2006 relationship type that
    goes with the 2006/01 customUI namespace (the template has the 2007 one)."""
    text = xml.decode("utf-8")
    text, n = re.subn(r'(<Relationship\b[^>]*?\bType=")[^"]*("[^>]*\bTarget="/?customUI/customUI\.xml")',
                      lambda m: m.group(1) + UI_RELATIONSHIP + m.group(2), text)
    if n != 1:
        raise BuildError("模板 _rels/.rels 中找不到功能区（customUI）关系")
    return text.encode("utf-8")


def _workbook(xml: bytes) -> bytes:
    text = xml.decode("utf-8")
    text = _one(text, '<sheet name="_myaddin.conf" sheetId="2" r:id="rId3" />',
                f'<sheet name="{CONFIG_SHEET}" sheetId="2" r:id="rId3" />'
                f'<sheet name="{TEXT_SHEET}" sheetId="3" r:id="{TEXT_SHEET_RID}" />', "xl/workbook.xml")
    # the template remembers its author's folder: drop it
    text, n = re.subn(r"<mc:AlternateContent\b.*?</mc:AlternateContent>", "", text, flags=re.S)
    if n != 1:
        raise BuildError("模板 xl/workbook.xml 的结构与预期不同（absPath）")
    _one(text, 'codeName="ThisWorkbook"', 'codeName="ThisWorkbook"', "xl/workbook.xml")
    return text.encode("utf-8")


def _relationships(xml: bytes) -> bytes:
    """The workbook's relationships with the text sheet's."""
    text = xml.decode("utf-8")
    if f'Id="{TEXT_SHEET_RID}"' in text:
        raise BuildError(f"模板 xl/_rels/workbook.xml.rels 已有 {TEXT_SHEET_RID}（xlwings 版本变化？）")
    rel = (f'<Relationship Id="{TEXT_SHEET_RID}" Type="{WORKSHEET_RELATIONSHIP}" '
           f'Target="{TEXT_SHEET_PART.removeprefix("xl/")}" />')
    return _one(text, "</Relationships>", rel + "</Relationships>", "xl/_rels/workbook.xml.rels").encode("utf-8")


def _content_types(xml: bytes) -> bytes:
    text = xml.decode("utf-8")
    override = f'<Override PartName="/{TEXT_SHEET_PART}" ContentType="{WORKSHEET_CONTENT_TYPE}" />'
    return _one(text, "</Types>", override + "</Types>", "[Content_Types].xml").encode("utf-8")


def _si(text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() or "  " in text else ""
    return f"<si><t{space}>{escape(text)}</t></si>"


def _sheets(xml: bytes, config: Mapping[str, str], texts: list[str]) -> tuple[bytes, bytes, bytes]:
    """The config sheet (keys in A, values in B, from A1 down), the text sheet (row n =
    ``Txt(n)``, column A) and their shared strings."""
    text = xml.decode("utf-8")
    text = _one(text, '<sheetPr codeName="Sheet2" />', f'<sheetPr codeName="{CONFIG_SHEET_CODENAME}" />',
                "sheet1.xml")
    strings: list[str] = []
    rows = []
    for r, (key, value) in enumerate(config.items(), start=1):
        cells = []
        for col, item in (("A", key), ("B", value)):
            strings.append(item)
            cells.append(f'<c r="{col}{r}" s="1" t="s"><v>{len(strings) - 1}</v></c>')
        rows.append(f'<row r="{r}" spans="1:2">{"".join(cells)}</row>')
    text, n = re.subn(r"<sheetData>.*?</sheetData>", f"<sheetData>{''.join(rows)}</sheetData>", text, flags=re.S)
    if n != 1:
        raise BuildError("模板配置表的结构与预期不同（sheetData）")
    text, n = re.subn(r'<dimension ref="[^"]*" />', f'<dimension ref="A1:B{len(config)}" />', text)
    if n != 1:
        raise BuildError("模板配置表的结构与预期不同（dimension）")
    text_rows = []
    for r, item in enumerate(texts, start=1):
        strings.append(item)
        text_rows.append(f'<row r="{r}"><c r="A{r}" t="s"><v>{len(strings) - 1}</v></c></row>')
    text_sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  f'<worksheet xmlns="{SHEET_NS}"><sheetPr codeName="{TEXT_SHEET_CODENAME}" />'
                  f'<dimension ref="A1:A{max(len(texts), 1)}" />'
                  '<sheetViews><sheetView workbookViewId="0" /></sheetViews>'
                  '<sheetFormatPr defaultRowHeight="15.75" /><cols><col min="1" max="1" width="120" customWidth="1" /></cols>'
                  f"<sheetData>{''.join(text_rows)}</sheetData>"
                  '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3" />'
                  "</worksheet>")
    sst = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<sst xmlns="{SHEET_NS}" count="{len(strings)}" uniqueCount="{len(strings)}">'
           + "".join(_si(s) for s in strings) + "</sst>")
    return text.encode("utf-8"), text_sheet.encode("utf-8"), sst.encode("utf-8")


def _core_properties() -> bytes:
    from .. import __version__

    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{escape(ADDIN_TITLE)}</dc:title>"
            f"<dc:description>{escape(ADDIN_DESCRIPTION)}</dc:description>"
            f"<dc:creator>zhicheng build-addin</dc:creator>"
            f"<cp:keywords>zhicheng {__version__}; xlwings {xlwings.__version__}</cp:keywords>"
            "</cp:coreProperties>").encode("utf-8")


def built_with(xlam: Path) -> dict[str, str]:
    """The versions an add-in file was built with (its core properties' keywords, written
    by :func:`_core_properties`): {"zhicheng": ..., "xlwings": ...}; {} if unreadable."""
    try:
        with zipfile.ZipFile(xlam) as z:
            core = ET.fromstring(z.read("docProps/core.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
        return {}
    node = core.find("{http://schemas.openxmlformats.org/package/2006/metadata/core-properties}keywords")
    pairs = (part.strip().split(" ", 1) for part in (node.text or "").split(";")) if node is not None else ()
    return {p[0]: p[1] for p in pairs if len(p) == 2}


def addin_parts(stubs: Path | None = None, config: Mapping[str, str] | None = None
                ) -> tuple[dict[str, bytes], list[str], int, int]:
    """Every part of the package: (parts, module names, number of UDFs, number of buttons).
    ``config``: entries added to the add-in's config sheet (:func:`~addin.excel.codepage.ansi_fallbacks`)."""
    stubs = stubs or stubs_dir()
    if not stubs.is_dir():
        raise BuildError(f"找不到加载项的 VBA 源文件夹 {stubs}：软件安装不完整，请重新安装本软件"
                         "（运行软件文件夹中的 安装.bat，或 python -m pip install --force-reinstall 软件包）")
    extra = dict(config or {})
    clash = sorted(set(extra) & set(CONFIG))
    if clash or any(k != k.upper() or not k.isascii() for k in extra):
        raise BuildError(f"加载项配置表不能设置这些项：{clash or sorted(extra)}")
    with zipfile.ZipFile(TEMPLATE) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    texts = Texts()
    modules, udf_count = project_modules(stubs, texts)
    xml = ribbon_xml(stubs)
    check_vba(modules, xml)
    ribbon_source = next(m.source for m in modules if m.name == RIBBON_MODULE)
    buttons = check_ribbon(xml.encode("utf-8"), ribbon_source)
    parts["customUI/customUI.xml"] = xml.encode("utf-8")
    parts["_rels/.rels"] = _rels(parts["_rels/.rels"])
    parts["[Content_Types].xml"] = _content_types(parts["[Content_Types].xml"])
    parts["xl/workbook.xml"] = _workbook(parts["xl/workbook.xml"])
    parts["xl/_rels/workbook.xml.rels"] = _relationships(parts["xl/_rels/workbook.xml.rels"])
    parts["xl/worksheets/sheet1.xml"], parts[TEXT_SHEET_PART], parts["xl/sharedStrings.xml"] = \
        _sheets(parts["xl/worksheets/sheet1.xml"], {**CONFIG, **extra}, texts.texts)
    parts["docProps/core.xml"] = _core_properties()
    parts["xl/vbaProject.bin"] = vba_project_bin(VBA_PROJECT_NAME, modules)
    return parts, [m.name for m in modules], udf_count, buttons


def zip_bytes(parts: dict[str, bytes]) -> bytes:
    """A reproducible zip: content types first, then sorted names, fixed time, stored."""
    import io

    names = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED
            info.create_system = 0
            info.external_attr = 0
            z.writestr(info, parts[name])
    return buf.getvalue()


def build_addin(out_dir: Path | str = "dist", *, stubs: Path | None = None,
                config: Mapping[str, str] | None = None) -> BuildReport:
    """Build ``<out_dir>/zhicheng.xlam``; replaces an older build atomically. ``config``:
    entries for the add-in's config sheet, for this PC's user (:func:`~addin.excel.codepage.ansi_fallbacks`)."""
    started = time.perf_counter()
    parts, modules, udf_count, buttons = addin_parts(stubs, config)
    data = zip_bytes(parts)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / ADDIN_FILE
    fd, tmp = tempfile.mkstemp(prefix=".zhicheng-", suffix=".xlam", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)                   # mkstemp makes it private; the add-in is not
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return BuildReport(target, len(data), time.perf_counter() - started, modules, udf_count, buttons)
