"""The checklist ``install-addin`` prints (:class:`Check`, in Chinese): Excel and WPS as
the registry shows them (:func:`office_checks`), the interpreter (:func:`check_interpreter`),
the xlwings DLL where xlwings' VBA ``XLPyLoadDLL`` loads it, copied there when it is
elsewhere (:func:`check_dlls`), and other copies of the add-in Excel may load too
(:func:`other_copies`).
"""

from __future__ import annotations

import platform as platform_module
import shutil
import site
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import xlwings

from .build import ADDIN_FILE
from .office import EXCEL_NAMES, MIN_EXCEL_MAJOR, Office

OK, FIXED, PROBLEM, MANUAL, SKIPPED = "通过", "已修复", "未通过", "请确认", "未安装"


@dataclass
class Check:
    """One line of the checklist ``install-addin`` prints."""

    status: str                       # OK / FIXED / PROBLEM / MANUAL
    what: str
    detail: str

    def __str__(self) -> str:
        return f"  [{self.status}] {self.what}：{self.detail}"


USE_LAUNCHER = ("在这台电脑上请用“台账工具”：双击软件文件夹中的 台账工具.bat（或把台账拖到它上面），在浏览器中点按钮"
                "刷新计算、校验、生成材料，结果与 Excel 中的按钮完全相同。")


def office_checks(office: Office) -> list[Check]:
    """The checklist's lines about Excel and WPS."""
    if not office.readable:
        return [Check(MANUAL, "Microsoft Excel", f"未能确认本机是否装有 Excel（{office.problem}）。装有 Excel 2010 或更高版本时，"
                                                "加载项照常安装；没有 Excel 时请用“台账工具”（台账工具.bat）。")]
    checks = []
    if not office.has_excel:
        if office.wps:
            what = "本机只有 WPS Office，没有 Microsoft Excel：WPS 不能运行本加载项（VBA 与 xlwings）"
        else:
            what = "本机没有安装 Microsoft Excel"
        if office.excel_stale:
            what += f"（注册表中登记的 {office.excel_stale} 已不存在）"
        checks.append(Check(SKIPPED, "Excel 加载项", f"{what}，所以没有安装 Excel 部分。{USE_LAUNCHER}"))
        return checks
    if not office.excel_supported:
        checks.append(Check(SKIPPED, "Excel 加载项", f"本机的 Microsoft Excel 是 {office.excel_name}（{office.excel}），"
                                                  f"加载项需要 {EXCEL_NAMES[MIN_EXCEL_MAJOR]} 或更高版本，所以没有安装 Excel 部分。"
                                                  f"{USE_LAUNCHER}"))
        return checks
    checks.append(Check(OK, "Microsoft Excel", f"{office.excel_name}（{office.excel}）"))
    if office.automation_is_wps:
        checks.append(Check(MANUAL, "WPS", f"Excel 的自动化接口（Excel.Application）被 WPS 接管（{office.automation}）："
                                          "加载项的按钮可能连到 WPS。请信息科在 WPS 的“配置工具 > 高级 > 兼容设置”中取消"
                                          "“WPS Office 兼容第三方系统和软件”，或修复 Microsoft Office 的安装；在此之前请用“台账工具”。"))
    elif office.wps:
        checks.append(Check(MANUAL, "WPS", "本机同时装有 WPS：用 Excel 打开台账（右键 > 打开方式 > Excel）才有“职称评审”选项卡；"
                                          "在 WPS 中打开时请用“台账工具”。"))
    return checks


def dll_names(version: str | None = None) -> list[str]:
    """The xlwings DLLs (64- and 32-bit Office) named in the add-in's Declare lines."""
    version = version or xlwings.__version__
    return [f"xlwings64-{version}.dll", f"xlwings32-{version}.dll"]


def dll_folders(interpreter: Path) -> list[Path]:
    """Where the add-in's ``XLPyLoadDLL`` (xlwings' VBA) loads the DLL from, in order:
    ``LoadLibrary(ParentFolder(INTERPRETER_WIN) + "\\" + name)``, then one folder up
    (a venv: python.exe is in ``<venv>\\Scripts``, pip puts the DLL, a data file of the
    xlwings wheel, in ``<venv>``)."""
    return [interpreter.parent, interpreter.parent.parent]


def installed_dlls() -> dict[str, Path]:
    """name -> file of the DLLs pip installed with xlwings (its RECORD lists them as data
    files, e.g. ``../../xlwings64-0.37.8.dll`` from site-packages; a ``--user`` install
    puts them in ``%APPDATA%\\Python``, where XLPyLoadDLL does not look)."""
    from importlib import metadata

    found: dict[str, Path] = {}
    try:
        dist = metadata.distribution("xlwings")
    except metadata.PackageNotFoundError:
        return found
    for entry in dist.files or []:
        if entry.name in dll_names():
            path = Path(str(dist.locate_file(entry))).resolve()
            if path.is_file():
                found[entry.name] = path
    return found


def check_dlls(interpreter: Path, sources: Mapping[str, Path]) -> Check:
    """The DLLs where XLPyLoadDLL will look; copied beside python.exe when they are
    elsewhere (``sources``: name -> an existing copy)."""
    folders = dll_folders(interpreter)
    names = dll_names()
    where = {n: next((f for f in folders if (f / n).is_file()), None) for n in names}
    if all(where.values()):
        return Check(OK, "xlwings DLL", f"{'、'.join(names)} 在 {where[names[0]]}（加载项从这里加载）")
    missing = [n for n in names if where[n] is None]
    lacking = [n for n in missing if n not in sources]
    if lacking:
        return Check(PROBLEM, "xlwings DLL",
                     f"找不到 {'、'.join(lacking)}（工作表函数 ZC_ 需要它）。请重新运行软件文件夹中的 安装.bat，或执行："
                     f"\"{interpreter}\" -m pip install --force-reinstall --no-deps xlwings=={xlwings.__version__}")
    try:
        for n in missing:
            shutil.copyfile(sources[n], folders[0] / n)
    except OSError as exc:
        return Check(PROBLEM, "xlwings DLL",
                     f"{'、'.join(missing)} 在 {sources[missing[0]].parent}，加载项只在 {folders[0]} 及其上级文件夹中找；"
                     f"无法复制过去（{exc.strerror or exc}）。请改用软件文件夹中的 安装.bat（在软件文件夹中建立独立环境，"
                     "不需要管理员权限）。")
    return Check(FIXED, "xlwings DLL", f"已把 {'、'.join(missing)} 从 {sources[missing[0]].parent} 复制到 {folders[0]}"
                                       "（加载项只在 Python 所在文件夹及其上级文件夹中找它）")


def check_interpreter(interpreter: Path, *, running: bool) -> list[Check]:
    """The Python the config will name (``running``: it is the one running this code)."""
    if not interpreter.is_file():
        return [Check(PROBLEM, "Python", f"找不到 {interpreter}")]
    if not running:
        return [Check(OK, "Python", str(interpreter))]
    bits = struct.calcsize("P") * 8
    kind = "软件文件夹中的独立环境（venv）" if sys.prefix != sys.base_prefix else "系统中的 Python"
    checks = [Check(OK, "Python", f"{interpreter}（{platform_module.python_version()}，{bits} 位，{kind}）")]
    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site and Path(__file__).resolve().is_relative_to(Path(user_site).resolve()):
        checks.append(Check(MANUAL, "安装方式", f"本软件装在用户目录 {user_site}（pip --user）：可以使用，"
                                               "但推荐用软件文件夹中的 安装.bat 重新安装（独立环境，升级和卸载都更简单）。"))
    if sys.platform == "win32":
        try:
            import win32api  # noqa: F401 - pywin32: xlwings needs it to talk to Excel
            checks.append(Check(OK, "pywin32", "可以导入"))
        except ImportError as exc:
            checks.append(Check(PROBLEM, "pywin32", f"不能导入（{exc}）：请重新运行 安装.bat"))
    return checks


def other_copies(env: Mapping[str, str], target: Path) -> list[Path]:
    """Other copies of the add-in Excel may load as well (e.g. one added with 加载项 > 浏览
    into the AddIns folder): two copies give two ribbon tabs and ambiguous ZC_ names."""
    appdata = env.get("APPDATA")
    candidate = Path(appdata) / "Microsoft" / "AddIns" / ADDIN_FILE if appdata else None
    return [candidate] if candidate and candidate.is_file() and candidate != target else []
