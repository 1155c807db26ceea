"""``zhicheng install-addin``: put the add-in where Excel loads it, on a Windows PC, and
check every link it depends on.

1. the add-in: built fresh from the sources against the installed xlwings (so the
   xlwings DLL named in its VBA is the one pip installed), or the file given;
2. copied into the user's Excel start-up folder ``%APPDATA%\\Microsoft\\Excel\\XLSTART``
   (found without starting Excel; Excel opens every workbook there and XLSTART is one of
   its default trusted locations, so the macros run without a prompt);
3. the user config file ``%USERPROFILE%\\.zhicheng\\zhicheng.conf`` (read by the
   add-in's xlwings module) with ``INTERPRETER_WIN`` = this Python; other keys kept.

First, which Excel this PC has (:func:`~addin.excel.office.detect_office`, read from the registry: the App
Paths entry of ``excel.exe``, the ``Excel.Application`` ProgID and the program it starts,
its ``CurVer``; Kingsoft / WPS keys): without Microsoft Excel 2010 or later (a PC with
only WPS, or no office suite) the Excel part is not installed, and the report says that
the 台账工具 is the way on this PC.

Then a Chinese checklist (:mod:`addin.excel.checklist`): the interpreter, xlwings, the xlwings DLL
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
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath
from typing import Mapping

import xlwings

from ..buildinfo import describe as build_description
from ..errors import Refused
from .build import ADDIN_FILE, build_addin, built_with
from .checklist import (FIXED, MANUAL, OK, PROBLEM, Check, check_dlls, check_interpreter, installed_dlls,
                        office_checks, other_copies)
from .codepage import ansi_codepage, ansi_fallbacks
from .office import Office, RegistryUnavailable, default_registry, detect_office
from .sources import PROJECT_NAME

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


def install(*, xlam: Path | None = None, platform: str | None = None, env: Mapping[str, str] | None = None,
            interpreter: str | None = None, dll_sources: Mapping[str, Path] | None = None,
            office: Office | None = None, codepage: str | None = None) -> InstallReport:
    """Install the add-in for the current user and check every link it depends on
    (``platform``, ``env``, ``interpreter``, ``dll_sources``, ``office`` and ``codepage`` (the
    ANSI code page) default to this PC's and are parameters for the tests). Without a usable
    Excel nothing is installed for Excel and the report points to the 台账工具."""
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

    codepage = codepage or ansi_codepage()
    fallbacks = ansi_fallbacks(env, interpreter, codepage) if codepage else {}
    if fallbacks:              # a user name the ANSI code page cannot hold (issue 21, B.6)
        checks.append(Check(FIXED if xlam is None else PROBLEM, "用户名",
                            f"用户文件夹 {env.get('USERPROFILE', '')} 含有本机代码页（{codepage}）不能表示的字符，"
                            + ("加载项改用：" + "；".join(f"{k} = {v}" for k, v in fallbacks.items())
                               if xlam is None else "用 --xlam 指定的加载项无法适应：请不带 --xlam 重新运行")))
    with tempfile.TemporaryDirectory() as tmp:
        if xlam is None:
            built = build_addin(Path(tmp), config=fallbacks or None)
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

