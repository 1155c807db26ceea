"""``zhicheng install-addin``: put the add-in where Excel loads it, on a Windows PC, and
check every link it depends on.

1. the add-in: built fresh from the sources against the installed xlwings (so the
   xlwings DLL named in its VBA is the one pip installed), or the file given;
2. copied into the user's Excel start-up folder ``%APPDATA%\\Microsoft\\Excel\\XLSTART``
   (found without starting Excel; Excel opens every workbook there and XLSTART is one of
   its default trusted locations, so the macros run without a prompt);
3. the user config file ``%USERPROFILE%\\.zhicheng\\zhicheng.conf`` (read by the
   add-in's xlwings module) with ``INTERPRETER_WIN`` = this Python; other keys kept.

First, which Excel this PC has (:func:`detect_office`, read from the registry: the App
Paths entry of ``excel.exe``, the ``Excel.Application`` ProgID and the program it starts,
its ``CurVer``; Kingsoft / WPS keys): without Microsoft Excel 2010 or later (a PC with
only WPS, or no office suite) the Excel part is not installed, and the report says that
the 台账工具 is the way on this PC.

Then a Chinese checklist (:class:`Check`): the interpreter, xlwings, the xlwings DLL
where xlwings' VBA ``XLPyLoadDLL`` will load it (beside python.exe or one folder up; a
copy elsewhere, e.g. from ``pip install --user``, is copied there), the config file read
back, the XLSTART copy compared, other copies of the add-in, and what only Excel can
show (the 自检 button). Fixes what it can, says what it cannot; the command exits 1
when a check fails.

The supported way to get here on an office PC without admin rights is ``安装.bat`` in
the software folder (a venv inside that folder from a per-user Python, see
:mod:`addin.launcher.shortcuts`). On other systems it explains what to do instead.
"""

from __future__ import annotations

import csv
import io
import os
import platform as platform_module
import shutil
import site
import struct
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Mapping, Protocol

import xlwings

from ..buildinfo import describe as build_description
from ..errors import Refused
from .build import ADDIN_FILE, PROJECT_NAME, build_addin, built_with

NOT_WINDOWS = """\
zhicheng install-addin 只能在 Windows 电脑上运行：它把加载项复制到 Excel 的启动文件夹
（%APPDATA%\\Microsoft\\Excel\\XLSTART），并写入 %USERPROFILE%\\.zhicheng\\zhicheng.conf。

在本机可以：
  zhicheng build-addin --out dist      生成 dist/zhicheng.xlam（可复制到办公电脑）
  zhicheng launcher                    打开“台账工具”页面（刷新、校验、生成材料，不需要 Excel）
在办公电脑（Windows，已安装 Excel）上：
  1. 安装 Python（当前用户即可，不需要管理员权限），把软件文件夹复制到电脑上；
  2. 关闭 Excel，双击软件文件夹中的 安装.bat；
  3. 重新打开 Excel，功能区出现“职称评审”选项卡，点“自检”确认。
WPS、LibreOffice、Mac 或 Linux 桌面：用“台账工具”或命令行（都需要 Python）。
没有 Python 的电脑可以打开、查看和打印台账（计算列保存的是数值），但不能刷新。"""


class InstallRefused(Refused):
    """The installation cannot go ahead (Chinese message)."""


OK, FIXED, PROBLEM, MANUAL, SKIPPED = "通过", "已修复", "未通过", "请确认", "未安装"


@dataclass
class Check:
    """One line of the checklist ``install-addin`` prints."""

    status: str                       # OK / FIXED / PROBLEM / MANUAL
    what: str
    detail: str

    def __str__(self) -> str:
        return f"  [{self.status}] {self.what}：{self.detail}"


@dataclass
class InstallReport:
    addin: Path | None                # None: the Excel part was not installed (no usable Excel)
    config: Path | None
    interpreter: str
    checks: list[Check] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.status == PROBLEM]


# --- which Excel this PC has ------------------------------------------------------------------

HKLM, HKCU, HKCR = "HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER", "HKEY_CLASSES_ROOT"
APP_PATHS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths"
#: the oldest Excel the add-in supports (Application.Version major): 14 = Excel 2010
#: (VBA7 declares, the 2006 ribbon, chart styles 1-48, xlwings 0.37.8)
MIN_EXCEL_MAJOR = 14
EXCEL_NAMES = {11: "Excel 2003", 12: "Excel 2007", 14: "Excel 2010", 15: "Excel 2013",
               16: "Excel 2016 或更高版本（2016、2019、2021、Microsoft 365）"}
#: programs of Kingsoft WPS Office's spreadsheet (et.exe) and its launcher
WPS_PROGRAMS = ("et.exe", "wps.exe", "ksolaunch.exe", "wpsoffice.exe")


class RegistryUnavailable(OSError):
    """The registry cannot be read (not Windows, or access denied)."""


class Registry(Protocol):
    """The registry, read only: a value (``name`` "" for the key's default value) or None."""

    def value(self, hive: str, key: str, name: str = "") -> str | None: ...

    def has_key(self, hive: str, key: str) -> bool: ...


class WindowsRegistry:
    """``winreg`` in both views (a 32-bit Office registers in the 32-bit view of a 64-bit
    Windows, a 64-bit one in the 64-bit view)."""

    def __init__(self):
        try:
            import winreg
        except ImportError as exc:
            raise RegistryUnavailable("这台电脑不是 Windows，没有注册表") from exc
        self._winreg = winreg

    def _open(self, hive: str, key: str):
        w = self._winreg
        for view in (w.KEY_WOW64_64KEY, w.KEY_WOW64_32KEY):
            try:
                yield w.OpenKey(getattr(w, hive), key, 0, w.KEY_READ | view)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise RegistryUnavailable(f"无法读取注册表 {hive}\\{key}：{exc}") from exc

    def value(self, hive: str, key: str, name: str = "") -> str | None:
        for handle in self._open(hive, key):
            with handle:
                try:
                    return str(self._winreg.QueryValueEx(handle, name)[0])
                except FileNotFoundError:
                    continue
        return None

    def has_key(self, hive: str, key: str) -> bool:
        for handle in self._open(hive, key):
            handle.Close()
            return True
        return False


def _program(command: str | None) -> str | None:
    """The program of a command line such as ``"C:\\...\\EXCEL.EXE" /automation``."""
    if not command:
        return None
    text = command.strip()
    if text.startswith('"'):
        return text[1:].split('"', 1)[0]
    lower = text.lower()
    end = lower.find(".exe")
    return text[:end + 4] if end >= 0 else text.split(" ", 1)[0]


@dataclass(frozen=True)
class Office:
    """What the registry says about the spreadsheet programs of this PC."""

    readable: bool = True
    problem: str = ""                 # why the registry could not be read
    excel: Path | None = None         # EXCEL.EXE (App Paths), when the file exists
    excel_stale: str | None = None    # an App Paths entry whose file is gone (Office uninstalled)
    excel_major: int | None = None    # from Excel.Application\CurVer ("Excel.Application.16")
    automation: str | None = None     # the program the Excel.Application ProgID starts
    wps: tuple[str, ...] = ()         # where WPS was seen

    @property
    def automation_is_wps(self) -> bool:
        return bool(self.automation) and PureWindowsPath(self.automation).name.lower() in WPS_PROGRAMS

    @property
    def has_excel(self) -> bool:
        return self.excel is not None

    @property
    def excel_name(self) -> str:
        if self.excel_major is None:
            return "Microsoft Excel（版本未知）"
        return EXCEL_NAMES.get(self.excel_major, f"Excel（版本号 {self.excel_major}）")

    @property
    def excel_supported(self) -> bool:
        return self.has_excel and (self.excel_major is None or self.excel_major >= MIN_EXCEL_MAJOR)


def detect_office(registry: Registry, file_exists=lambda p: Path(p).is_file()) -> Office:
    """Microsoft Excel and WPS on this PC, from the registry (``file_exists`` checks that the
    EXCEL.EXE it names is there; a parameter for the tests, which simulate the PC)."""
    try:
        excel = stale = None
        for hive in (HKLM, HKCU):
            path = _program(registry.value(hive, APP_PATHS + "\\excel.exe"))
            if path and file_exists(path):
                excel = Path(path)
                break
            stale = stale or path
        major = None
        current = registry.value(HKCR, r"Excel.Application\CurVer") or ""
        if current.rsplit(".", 1)[-1].isdigit():
            major = int(current.rsplit(".", 1)[-1])
        clsid = registry.value(HKCR, r"Excel.Application\CLSID")
        automation = _program(registry.value(HKCR, rf"CLSID\{clsid}\LocalServer32")) if clsid else None
        if excel is None and automation and PureWindowsPath(automation).name.lower() == "excel.exe" \
                and file_exists(automation):
            excel = Path(automation)          # no App Paths entry, but the ProgID starts an existing EXCEL.EXE
        wps = []
        for hive in (HKCU, HKLM):
            if registry.has_key(hive, r"Software\Kingsoft\Office"):
                wps.append(f"{hive}\\Software\\Kingsoft\\Office")
        for progid in ("KET.Application", "ET.Application"):
            if registry.value(HKCR, progid + r"\CLSID"):
                wps.append(progid)
        for exe in ("et.exe", "wps.exe"):
            if registry.value(HKLM, APP_PATHS + "\\" + exe) or registry.value(HKCU, APP_PATHS + "\\" + exe):
                wps.append(exe)
        if automation and PureWindowsPath(automation).name.lower() in WPS_PROGRAMS:
            wps.append("Excel.Application → " + automation)
    except RegistryUnavailable as exc:
        return Office(readable=False, problem=str(exc))
    return Office(True, "", excel, None if excel else stale, major, automation, tuple(dict.fromkeys(wps)))


def default_registry() -> Registry:
    """This PC's registry (raises :class:`RegistryUnavailable` where there is none)."""
    return WindowsRegistry()


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


def xlstart_dir(env: Mapping[str, str]) -> Path:
    appdata = env.get("APPDATA")
    if not appdata:
        raise InstallRefused("找不到环境变量 APPDATA，无法确定 Excel 启动文件夹（XLSTART）。")
    return Path(appdata) / "Microsoft" / "Excel" / "XLSTART"


def user_config_file(env: Mapping[str, str]) -> Path:
    home = env.get("USERPROFILE")
    if not home:
        raise InstallRefused("找不到环境变量 USERPROFILE，无法确定配置文件位置。")
    return Path(home) / f".{PROJECT_NAME}" / f"{PROJECT_NAME}.conf"


def portable_path(path: str, env: Mapping[str, str]) -> str:
    """``path`` with a leading %LOCALAPPDATA% / %APPDATA% / %USERPROFILE% folder written as
    the variable: the add-in expands variables in config values, and the file stays ASCII
    when the Windows user name is Chinese (VBA reads the file in the ANSI code page)."""
    target = PureWindowsPath(path)
    for var in ("LOCALAPPDATA", "APPDATA", "USERPROFILE"):
        base = env.get(var)
        if not base:
            continue
        try:
            rest = target.relative_to(PureWindowsPath(base))     # case-insensitive
        except ValueError:
            continue
        return f"%{var}%\\{rest}"
    return str(target)


def read_config(text: str) -> list[tuple[str, str]]:
    """Lines of ``"KEY","value"`` (the format VBA's Write # produces and Input # reads)."""
    out = []
    for row in csv.reader(io.StringIO(text)):
        if len(row) >= 2 and row[0].strip():
            out.append((row[0].strip(), row[1]))
    return out


def config_text(existing: str, updates: Mapping[str, str]) -> str:
    kept = [(k, v) for k, v in read_config(existing) if k.upper() not in {u.upper() for u in updates}]
    rows = kept + list(updates.items())
    for k, v in rows:
        if '"' in k or '"' in v:
            raise InstallRefused(f"配置值中不能含有双引号：{k}")
    return "".join(f'"{k}","{v}"\r\n' for k, v in rows)


def _config_encoding() -> str:
    # VBA's Open ... For Input reads the ANSI code page of the PC
    return "mbcs" if sys.platform == "win32" else "utf-8"


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


def install(*, xlam: Path | None = None, platform: str | None = None, env: Mapping[str, str] | None = None,
            interpreter: str | None = None, dll_sources: Mapping[str, Path] | None = None,
            office: Office | None = None) -> InstallReport:
    """Install the add-in for the current user and check every link it depends on
    (``platform``, ``env``, ``interpreter``, ``dll_sources`` and ``office`` default to this
    PC's and are parameters for the tests). Without a usable Excel nothing is installed
    for Excel and the report points to the 台账工具."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    running = interpreter is None
    interpreter = interpreter or sys.executable
    if not platform.startswith("win"):
        raise InstallRefused(NOT_WINDOWS)
    if office is None:
        try:
            office = detect_office(default_registry())
        except RegistryUnavailable as exc:
            office = Office(readable=False, problem=str(exc))
    checks: list[Check] = [Check(OK, "本软件", f"职称评审台账 {build_description()}")]
    checks += office_checks(office)
    python = Path(interpreter)
    checks += check_interpreter(python, running=running)
    if office.readable and not office.excel_supported:
        lines = ["安装检查："] + [str(c) for c in checks] + [""]
        lines.append("本软件（命令行和台账工具）已可以使用；这台电脑没有可用的 Microsoft Excel，Excel 加载项没有安装。")
        return InstallReport(None, None, portable_path(interpreter, env), checks, lines)
    start = xlstart_dir(env)
    config = user_config_file(env)
    if python.is_file():
        checks.append(check_dlls(python, installed_dlls() if dll_sources is None else dll_sources))

    with tempfile.TemporaryDirectory() as tmp:
        if xlam is None:
            built = build_addin(Path(tmp))
            source = built.path
            made = f"按本机 xlwings {xlwings.__version__} 构建（{built.size:,} 字节）"
        else:
            source = Path(xlam)
            if not source.is_file():
                raise InstallRefused(f"找不到加载项文件：{source}")
            made = f"使用 {source}"
        versions = built_with(source)
        if versions.get("xlwings") == xlwings.__version__:
            checks.append(Check(OK, "xlwings", f"{xlwings.__version__}，与加载项中声明的 DLL 版本相同"))
        else:
            checks.append(Check(PROBLEM, "xlwings", f"加载项按 xlwings {versions.get('xlwings', '（未知）')} 构建，本机是 "
                                                    f"{xlwings.__version__}：工作表函数会找不到 DLL。请不带 --xlam 重新运行 "
                                                    "zhicheng install-addin（按本机版本现场构建）。"))
        start.mkdir(parents=True, exist_ok=True)
        target = start / ADDIN_FILE
        try:
            shutil.copyfile(source, target)
        except PermissionError as exc:
            raise InstallRefused(f"无法写入 {target}：Excel 可能正在使用它，请关闭所有 Excel 窗口后重试。") from exc
        same = target.read_bytes() == source.read_bytes()
    checks.append(Check(OK if same else PROBLEM, "加载项",
                        f"{made}，已复制到 Excel 启动文件夹 {target}" + ("（已核对内容一致）" if same else "，但复制后内容不一致")))
    for other in other_copies(env, target):
        checks.append(Check(MANUAL, "另一份加载项", f"{other}：如果 Excel 的加载项列表中勾选了它，请取消勾选"
                                                 "（文件 > 选项 > 加载项 > 转到），否则会出现两个“职称评审”选项卡。"))

    value = portable_path(interpreter, env)
    config.parent.mkdir(parents=True, exist_ok=True)
    existing = config.read_text(encoding=_config_encoding()) if config.exists() else ""
    try:
        config.write_text(config_text(existing, {"INTERPRETER_WIN": value}), encoding=_config_encoding(), newline="")
    except UnicodeEncodeError as exc:
        raise InstallRefused(f"Python 的安装路径含有本机代码页无法表示的字符：{interpreter}；"
                             "请把软件文件夹放到只含中英文字母和数字的路径（如 D:\\zhicheng）后重新运行 安装.bat。") from exc
    read_back = dict((k.upper(), v) for k, v in read_config(config.read_text(encoding=_config_encoding())))
    checks.append(Check(OK if read_back.get("INTERPRETER_WIN") == value else PROBLEM, "配置文件",
                        f"{config}（INTERPRETER_WIN = {value}，已读回核对）"))
    checks.append(Check(MANUAL, "Excel 中", "宏是否被单位策略禁用、安全软件是否允许 Excel 启动 Python，只能在 Excel 中检查："
                                           "重新打开 Excel，点“职称评审”选项卡 > 自检。"))

    lines = ["安装检查："] + [str(c) for c in checks] + [""]
    if any(c.status == PROBLEM for c in checks):
        lines.append("有未通过的项目（见“未通过”行）：按提示处理后重新运行。")
    else:
        lines += ["下一步：重新打开 Excel，功能区出现“职称评审”选项卡；打开台账，点“刷新计算”。",
                  "如果没有出现：加载项放在 XLSTART 中，Excel 启动时直接打开它，它不出现在“文件 > 选项 > 加载项”的"
                  "“活动应用程序加载项”列表中；请在该页“管理”中选“禁用项目”> 转到，看它是否被禁用。"]
    return InstallReport(target, config, value, checks, lines)
