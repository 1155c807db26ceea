"""``zhicheng build-addin``: assemble the add-in (.xlam) from text sources, on any OS.

Inputs, all text or the pinned xlwings package:

- xlwings' ``quickstart_addin_ribbon.xlam`` — the package skeleton (content types,
  relationships, styles, theme, the hidden config sheet);
- xlwings' ``xlwings_custom_addin.bas`` — the RunPython / UDF machinery, taken from the
  installed xlwings at build time with its ``PROJECT_NAME`` set to ``zhicheng``;
- ``vba_stubs/`` (package data) — our VBA (the ribbon callback, the VBA self-check and
  the Chinese messages, the three document modules) and the ribbon XML
  (:func:`ribbon_xml`); string literals with Chinese text are moved to the hidden sheet
  ``zhicheng.text`` and read back with ``Txt(<row>)`` (:mod:`addin.excel.vbatext`);
- the Python UDFs of module ``udfs`` — turned into the ``xlwings_udfs`` wrapper module
  and the ``ZhichengHelp`` module (their Insert Function help, from the docstrings).

xlwings' module is changed only where :data:`XLWINGS_PATCHES` says (its project name, and
its English messages on the way of a button routed to our Chinese ones), each change
applied exactly once;
the UDF wrappers' error text is routed the same way (:func:`udf_modules`). Every module
then passes :func:`addin.excel.vbacheck.check_project` (names against MS-VBAL's reserved
identifiers, blocks, labels, calls, ribbon callback signatures) or the build is refused.

Modules are stored in the order Excel writes them: standard modules, ThisWorkbook,
then the sheets.

Output: ``<out>/zhicheng.xlam`` (ASCII file name; Excel shows the title 职称评审台账 and
the ribbon tab 职称评审). The VBA project is written source-only (see
:mod:`addin.excel.vbaproject`); the zip has fixed timestamps, sorted stored entries and
no random values, so the same inputs give the same bytes.
"""

from __future__ import annotations

import importlib
import os
import re
import tempfile
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Mapping
from xml.sax.saxutils import escape

import xlwings

from ..errors import Refused
from . import udfwrap, vbacheck
from .vbaproject import DOCUMENT, MODULE, Module, crlf, vba_project_bin
from .vbatext import TEXT_SHEET, Texts, VBATextError, move_literals

PROJECT_NAME = "zhicheng"             # xlwings' PROJECT_NAME: config sheet and user config file names
VBA_PROJECT_NAME = "Zhicheng"
ADDIN_FILE = "zhicheng.xlam"
ADDIN_TITLE = "职称评审台账"
ADDIN_DESCRIPTION = "阿克苏地区交通运输局职称评审台账的 Excel 加载项（xlwings）：功能区“职称评审”和 ZC_ 开头的工作表函数。"
UDF_MODULE = "udfs"
#: the add-in's config sheet holds only what we set: a key present there wins over the
#: user's config file (even when empty), so the interpreter is NOT set here. The
#: workbook's folder is kept off sys.path: our code is installed, a folder beside the
#: register must not shadow it, and a OneDrive/SharePoint register needs no URL mapping.
CONFIG = {"UDF MODULES": UDF_MODULE, "ADD_WORKBOOK_TO_PYTHONPATH": "false"}
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
CONFIG_SHEET_CODENAME = "ConfigSheet"
TEXT_SHEET_CODENAME = "TextSheet"       # the hidden sheet of Chinese texts (vbatext.TEXT_SHEET)
TEXT_SHEET_PART = "xl/worksheets/sheet2.xml"
RIBBON_MODULE = "ZhichengRibbon"
RIBBON_CALLBACK = f"{RIBBON_MODULE}.OnAction"
CHECK_MODULE = "ZhichengCheck"
#: button tags the ribbon callback handles in VBA itself (they must work without Python)
VBA_TAGS = {"selfcheck": f"{CHECK_MODULE}.SelfCheck"}

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
WORKSHEET_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
WORKSHEET_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
TEXT_SHEET_RID = "rIdZhichengText"
UI_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+$")
DOCUMENT_BASES = ("0{00020819-0000-0000-C000-000000000046}",    # workbook
                  "0{00020820-0000-0000-C000-000000000046}")    # worksheet
ZIP_DATE = (1980, 1, 1, 0, 0, 0)

XLWINGS_DIR = Path(xlwings.__file__).resolve().parent
TEMPLATE = XLWINGS_DIR / "quickstart_addin_ribbon.xlam"
XLWINGS_BAS = XLWINGS_DIR / "xlwings_custom_addin.bas"

#: (why, old, new): the only changes made to xlwings' module (LF line ends), each of which
#: must match exactly once, or the build is refused (another xlwings version)
XLWINGS_PATCHES = (
    ("the project name: the config sheet zhicheng.conf and the user config file %USERPROFILE%\\.zhicheng",
     'Public Const PROJECT_NAME As String = "myaddin"\n',
     f'Public Const PROJECT_NAME As String = "{PROJECT_NAME}"\n'),
    ("ShowError: when Python ends with an error before our own Python code could report it, the "
     "Chinese message of ZhichengCheck.PythonFailed instead of an English WScript pop-up",
     '            Content = Content & vbCrLf\n'
     '            Content = Content & "Press Ctrl+C to copy this message to the clipboard."\n'
     '    \n'
     '            WScript.Popup Content, AUTO_DISMISS, "Error", OK_BUTTON_ERROR\n',
     '            ZhichengCheck.PythonFailed Content\n'),
    ("ExecuteWindows: no file at the configured interpreter path, in Chinese",
     '            MsgBox "Could not find Interpreter!", vbCritical\n',
     '            ZhichengCheck.InterpreterNotFound PYTHON_WIN\n'),
    ("RunPython: a sheet whose name ends in .py (xlwings takes it for embedded code, a licensed "
     "feature), in Chinese with what to do",
     '            MsgBox "Embedded code requires a valid LICENSE_KEY."\n',
     '            ZhichengCheck.EmbeddedCodeSheet\n'),
)
#: the UDF wrappers' error text (xlwings' "<name> = Err.Description", English) routed to
#: the short Chinese text of ZhichengCheck.UdfFailure
UDF_FAILURE = ("\n    {name} = Err.Description\n",
               "\n    {name} = ZhichengCheck.UdfFailure(Err.Number, Err.Description)\n")


class BuildError(Refused):
    """The add-in cannot be built from these sources (message in Chinese)."""


@dataclass
class BuildReport:
    path: Path
    size: int
    seconds: float
    modules: list[str]
    udfs: int
    buttons: int


def ansi_safe(text: str, codepage: str) -> bool:
    """Whether ``text`` survives the ANSI code page ``codepage`` (e.g. "cp936"), as VBA's
    Environ, Open and GetAttr and xlwings' LoadLibraryA pass it to Windows."""
    try:
        return text.encode(codepage).decode(codepage) == text
    except (UnicodeError, LookupError):
        return False


#: folders xlwings may use for its temporary log file when the user's TEMP is not
#: representable in the ANSI code page: (the value for the config sheet, the variable)
TEMP_FALLBACKS = (("%PUBLIC%", "PUBLIC"), ("%ProgramData%", "ProgramData"))


def ansi_fallbacks(env: Mapping[str, str], interpreter: str, codepage: str) -> dict[str, str]:
    """Entries for the add-in's config sheet that let xlwings' VBA work for a Windows user
    whose profile path the ANSI code page cannot hold (a Uyghur user name on a Chinese
    Windows; issue 21, B.6). {} for everyone else.

    xlwings reads %USERPROFILE% and %TEMP% with VBA's ``Environ`` (ANSI): for such a user it
    cannot find its user config file (``INTERPRETER_WIN``) and its ``cmd /C ... 2> <TEMP>\\
    xlwings-<id>.log`` redirect fails, so no button works. Its config sheet is read first
    and its values are expanded with WScript.Shell (wide), so:

    - ``TEMP DIR`` (xlwings' own setting for that folder): the first of
      :data:`TEMP_FALLBACKS` whose path the code page holds (``C:\\Users\\Public``: every user
      may write there; xlwings deletes the file after each click);
    - ``INTERPRETER_WIN``: the interpreter, when the user config file cannot be read but the
      interpreter's own path can (the software folder outside the user's profile, e.g.
      ``D:\\职称评审台账``). When it cannot either, nothing is set: the add-in's guard says in
      Chinese why Excel cannot start Python here and points to 台账工具.

    ``install-addin`` passes the result to :func:`build_addin` (``config=``) on the user's PC,
    with :func:`ansi_codepage`.
    """
    out: dict[str, str] = {}
    temp = env.get("TEMP") or env.get("TMP") or ""
    if temp and not ansi_safe(temp, codepage):
        for value, var in TEMP_FALLBACKS:
            folder = env.get(var, "")
            if folder and ansi_safe(folder, codepage):
                out["TEMP DIR"] = value
                break
    profile = env.get("USERPROFILE", "")
    if profile and not ansi_safe(profile, codepage) and ansi_safe(interpreter, codepage):
        out["INTERPRETER_WIN"] = interpreter
    return out


def ansi_codepage() -> str | None:
    """This Windows' ANSI code page as a Python codec name ("cp936"), None elsewhere."""
    if os.name != "nt":
        return None
    import ctypes

    return f"cp{ctypes.windll.kernel32.GetACP()}"


def stubs_dir() -> Path:
    """The add-in's VBA and ribbon sources, shipped as package data (the top-level ``vba_stubs`` package)."""
    return Path(str(resources.files("vba_stubs")))


def ribbon_xml(stubs: Path | None = None) -> str:
    """The ribbon XML (customUI) the add-in carries and the checks read: the one place
    its source is chosen."""
    return ((stubs or stubs_dir()) / "customUI.xml").read_text(encoding="utf-8")


# --- VBA modules ------------------------------------------------------------------------

def xlwings_module() -> Module:
    """``xlwings_custom_addin.bas`` of the installed xlwings, for this add-in
    (:data:`XLWINGS_PATCHES` applied)."""
    text = XLWINGS_BAS.read_text(encoding="ascii").replace("\r\n", "\n")
    version = xlwings.__version__
    if f"'Version: {version}" not in text or f"xlwings64-{version}.dll" not in text:
        raise BuildError(f"xlwings_custom_addin.bas 与已安装的 xlwings {version} 版本不一致")
    for why, old, new in XLWINGS_PATCHES:
        if text.count(old) != 1:
            raise BuildError(f"xlwings_custom_addin.bas 的结构与预期不同（xlwings 版本变化？），无法修改：{why}")
        text = text.replace(old, new)
    return Module("xlwings", crlf(text), MODULE)


def stub_modules(stubs: Path) -> list[Module]:
    """Our modules: every .bas (standard module) and .cls (document module) in vba_stubs."""
    out = []
    for path in sorted(stubs.glob("*.cls")) + sorted(stubs.glob("*.bas")):
        text = crlf(path.read_text(encoding="utf-8"))
        kind = MODULE
        if path.suffix == ".cls":
            base = re.search(r'^Attribute VB_Base = "([^"]+)"', text, re.M)
            if not base or base.group(1) not in DOCUMENT_BASES:
                raise BuildError(f"{path.name}：只支持工作簿/工作表的文档模块（class 模块不支持）")
            kind = DOCUMENT
        out.append(Module(path.stem, text, kind))
    return out


def udf_modules(module_name: str = UDF_MODULE) -> tuple[list[Module], int]:
    """The UDF wrappers (``xlwings_udfs``) and their Insert Function help (``ZhichengHelp``)."""
    from .. import __version__

    module = importlib.import_module(module_name)
    udfs = udfwrap.udfs_of(module)
    try:
        help_text = udfwrap.help_source(module_name, udfs, __version__)
    except udfwrap.HelpError as exc:
        raise BuildError(f"工作表函数缺少说明：{exc}") from exc
    wrappers = udfwrap.wrapper_source(module_name, udfs)
    for udf in udfs:
        old, new = (part.format(name=udf.name) for part in UDF_FAILURE)
        if wrappers.count(old) != 1:
            raise BuildError(f"工作表函数 {udf.name} 的包装代码与预期不同，无法改为中文错误提示")
        wrappers = wrappers.replace(old, new)
    return [Module(udfwrap.MODULE_NAME, crlf(wrappers), MODULE),
            Module(udfwrap.HELP_MODULE, crlf(help_text), MODULE)], len(udfs)


def _moved(module: Module, texts: Texts) -> Module:
    try:
        return Module(module.name, move_literals(module.source, module.name, texts), module.kind)
    except VBATextError as exc:
        raise BuildError(f"VBA 源代码无法保存：{exc}") from exc


def excel_order(modules: list[Module]) -> list[Module]:
    """The order Excel itself writes a project's modules in: standard modules, then
    ThisWorkbook, then the sheets' document modules."""
    def rank(m: Module) -> int:
        if m.kind != DOCUMENT:
            return 0
        return 1 if m.name == "ThisWorkbook" else 2
    return sorted(modules, key=rank)                # stable: the order within each group is kept


def project_modules(stubs: Path | None = None, texts: Texts | None = None) -> tuple[list[Module], int]:
    """The project's modules as stored (Chinese literals moved into ``texts``) and the
    number of UDFs."""
    stubs = stubs or stubs_dir()
    texts = texts if texts is not None else Texts()
    ours = stub_modules(stubs)
    names = {m.name for m in ours}
    for needed in ("ThisWorkbook", CONFIG_SHEET_CODENAME, TEXT_SHEET_CODENAME, RIBBON_MODULE, CHECK_MODULE):
        if needed not in names:
            raise BuildError(f"vba_stubs 中缺少模块 {needed}")
    generated, count = udf_modules()
    modules = [_moved(m, texts) for m in ours] + [xlwings_module()] + [_moved(m, texts) for m in generated]
    return excel_order(modules), count


def check_vba(modules: list[Module], xml: str) -> None:
    """Refuse the build when a module would not compile (:mod:`addin.excel.vbacheck`)."""
    findings = vbacheck.check_project(modules, xml)
    if findings:
        shown = "\n".join(f"  {f}" for f in findings[:20])
        more = f"\n  ……另有 {len(findings) - 20} 处" if len(findings) > 20 else ""
        raise BuildError(f"VBA 代码有 {len(findings)} 处 Excel 无法编译的问题：\n{shown}{more}")


# --- the ribbon ---------------------------------------------------------------------------

def ribbon_buttons(xml: bytes) -> list[dict[str, str]]:
    """The ribbon's controls with an onAction, as attribute dicts (checked)."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise BuildError(f"customUI.xml 不是合法的 XML：{exc}") from exc
    if root.tag != f"{{{CUSTOMUI_NS}}}customUI":
        raise BuildError(f"customUI.xml 的命名空间应为 {CUSTOMUI_NS}")
    return [dict(el.attrib) for el in root.iter() if "onAction" in el.attrib]


def check_ribbon(xml: bytes, ribbon_source: str) -> int:
    """Every onAction is the one callback and every tag is well-formed and in the Python
    allow-list (the callback's existence and signature: :mod:`addin.excel.vbacheck`)."""
    from .ribbon import ACTIONS

    buttons = ribbon_buttons(xml)
    for b in buttons:
        if b["onAction"] != RIBBON_CALLBACK:
            raise BuildError(f"按钮 {b.get('id')} 的 onAction 应为 {RIBBON_CALLBACK}")
        tag = b.get("tag", "")
        if tag in VBA_TAGS:
            if f'If control.Tag = "{tag}" Then' not in ribbon_source:
                raise BuildError(f"按钮 {b.get('id')} 的 tag “{tag}” 应由 {RIBBON_MODULE}.OnAction 在 VBA 中处理")
            continue
        if not TAG_PATTERN.match(tag) or tag not in ACTIONS:
            raise BuildError(f"按钮 {b.get('id')} 的 tag “{tag}” 不在允许列表中")
    return len(buttons)


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
    ``config``: entries added to the add-in's config sheet (:func:`ansi_fallbacks`)."""
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
    entries for the add-in's config sheet, for this PC's user (:func:`ansi_fallbacks`)."""
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
