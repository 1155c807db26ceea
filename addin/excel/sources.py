"""The add-in's VBA and ribbon, from their sources, checked: the modules of the VBA project
and the ribbon XML that :mod:`addin.excel.build` packs into the .xlam.

- ``vba_stubs/`` (package data): our modules (:func:`stub_modules`: .bas standard modules,
  .cls document modules) and the ribbon XML (:func:`ribbon_xml`);
- xlwings' ``xlwings_custom_addin.bas`` of the installed xlwings (:func:`xlwings_module`),
  changed only where :data:`XLWINGS_PATCHES` says, each change applied exactly once;
- the UDF wrappers and their Insert Function help, generated from the Python UDFs of
  module ``udfs`` (:func:`udf_modules`), the wrappers' error text routed to our Chinese one.

String literals with Chinese text are moved to the hidden sheet ``zhicheng.text``
(:mod:`addin.excel.vba.literals`); the modules are put in the order Excel writes them
(:func:`excel_order`); every module passes :func:`addin.excel.vba.check.check_project`
(:func:`check_vba`) and every ribbon button is the one callback with an allowed tag
(:func:`check_ribbon`), or the build is refused (:class:`BuildError`).
"""

from __future__ import annotations

import importlib
import re
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import xlwings

from ..errors import Refused
from . import udfwrap
from .vba import check
from .vba.literals import Texts, VBATextError, move_literals
from .vba.project import DOCUMENT, MODULE, Module, crlf

PROJECT_NAME = "zhicheng"             # xlwings' PROJECT_NAME: config sheet and user config file names
UDF_MODULE = "udfs"
CONFIG_SHEET_CODENAME = "ConfigSheet"
TEXT_SHEET_CODENAME = "TextSheet"       # the hidden sheet of Chinese texts (vba.literals.TEXT_SHEET)
RIBBON_MODULE = "ZhichengRibbon"
RIBBON_CALLBACK = f"{RIBBON_MODULE}.OnAction"
CHECK_MODULE = "ZhichengCheck"
#: button tags the ribbon callback handles in VBA itself (they must work without Python)
VBA_TAGS = {"selfcheck": f"{CHECK_MODULE}.SelfCheck"}

CUSTOMUI_NS = "http://schemas.microsoft.com/office/2006/01/customui"
TAG_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]+$")
DOCUMENT_BASES = ("0{00020819-0000-0000-C000-000000000046}",    # workbook
                  "0{00020820-0000-0000-C000-000000000046}")    # worksheet

XLWINGS_DIR = Path(xlwings.__file__).resolve().parent
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
    return Module("xlwings", crlf(without_comment_lines(text)), MODULE)


#: the last line of xlwings' licence (BSD 3-clause): the licence block above it is kept whole,
#: as the licence requires of every redistribution of the source
LICENCE_END = "'SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE."


def without_comment_lines(text: str) -> str:
    """``text`` without its full-line comments (and the lines a comment continues with " _")
    below xlwings' licence, which is kept: they are not code, and xlwings' carry web
    addresses and numbers that virus scanners read as signs of macro malware (olevba: URLs,
    "hex strings"; issue 21, C.9)."""
    lines = text.split("\n")
    ends = [i for i, line in enumerate(lines) if line.strip() == LICENCE_END]
    if len(ends) != 1:
        raise BuildError("xlwings_custom_addin.bas 的许可声明与预期不同（xlwings 版本变化？），无法去掉注释")
    out, continuing = lines[:ends[0] + 1], False
    for line in lines[ends[0] + 1:]:
        stripped = line.lstrip()
        if continuing or stripped.startswith("'") or stripped[:4].lower() == "rem ":
            continuing = line.rstrip().endswith(" _")
            continue
        out.append(line)
    return "\n".join(out)


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
    from ..buildinfo import spaced_id

    module = importlib.import_module(module_name)
    udfs = udfwrap.udfs_of(module)
    try:
        help_text = udfwrap.help_source(module_name, udfs, __version__, spaced_id())
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
    """Refuse the build when a module would not compile (:mod:`addin.excel.vba.check`)."""
    findings = check.check_project(modules, xml)
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
    allow-list (the callback's existence and signature: :mod:`addin.excel.vba.check`)."""
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
