"""``zhicheng install-addin``: put the add-in where Excel loads it, on a Windows PC.

1. the add-in: built fresh from the sources against the installed xlwings (so the
   xlwings DLL named in its VBA is the one pip installed), or the file given;
2. copied into the user's Excel start-up folder ``%APPDATA%\\Microsoft\\Excel\\XLSTART``
   (found without starting Excel; Excel loads every add-in there and XLSTART is one of
   its default trusted locations, so the macros run without a prompt);
3. the user config file ``%USERPROFILE%\\.zhicheng\\zhicheng.conf`` (read by the
   add-in's xlwings module) with ``INTERPRETER_WIN`` = this Python; other keys kept.

On other systems it explains what to do instead.
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

from ..errors import Refused
from .build import ADDIN_FILE, PROJECT_NAME, build_addin

NOT_WINDOWS = """\
zhicheng install-addin 只能在 Windows 电脑上运行：它把加载项复制到 Excel 的启动文件夹
（%APPDATA%\\Microsoft\\Excel\\XLSTART），并写入 %USERPROFILE%\\.zhicheng\\zhicheng.conf。

在本机可以：
  zhicheng build-addin --out dist      生成 dist/zhicheng.xlam（可复制到办公电脑）
在办公电脑（Windows，已安装 Excel）上：
  1. 安装 Python 和本软件（见 README“在办公电脑上安装加载项”）；
  2. 关闭 Excel，运行 zhicheng install-addin；
  3. 重新打开 Excel，功能区出现“职称评审”选项卡。
没有 Python 的电脑、WPS、LibreOffice 或 Mac：请用命令行（zhicheng refresh 等）刷新台账，
台账中的计算列保存的是数值，在这些软件中照常可读。"""


class InstallRefused(Refused):
    """The installation cannot go ahead (Chinese message)."""


@dataclass
class InstallReport:
    addin: Path
    config: Path
    interpreter: str
    lines: list[str] = field(default_factory=list)


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


def _dll_warning(interpreter: str) -> str | None:
    folder = Path(interpreter).parent
    names = [f"xlwings64-{xlwings.__version__}.dll", f"xlwings32-{xlwings.__version__}.dll"]
    if any((d / n).exists() for d in (folder, folder.parent) for n in names):
        return None
    return (f"提醒：在 {folder} 及其上级文件夹中没有找到 {names[0]}（工作表函数 ZC_… 需要它）。"
            f"请用这个 Python 重新安装：{interpreter} -m pip install --force-reinstall xlwings=={xlwings.__version__}")


def install(*, xlam: Path | None = None, platform: str | None = None, env: Mapping[str, str] | None = None,
            interpreter: str | None = None) -> InstallReport:
    """Install the add-in for the current user (``platform``, ``env`` and ``interpreter``
    default to this PC's, and are parameters for the tests)."""
    platform = platform or sys.platform
    env = os.environ if env is None else env
    interpreter = interpreter or sys.executable
    if not platform.startswith("win"):
        raise InstallRefused(NOT_WINDOWS)
    start = xlstart_dir(env)
    config = user_config_file(env)
    lines: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        if xlam is None:
            built = build_addin(Path(tmp))
            source = built.path
            lines.append(f"已按已安装的 xlwings {xlwings.__version__} 构建加载项（{built.size:,} 字节）。")
        else:
            source = Path(xlam)
            if not source.is_file():
                raise InstallRefused(f"找不到加载项文件：{source}")
            lines.append(f"使用加载项文件：{source}（须与本机 xlwings {xlwings.__version__} 同时构建）")
        start.mkdir(parents=True, exist_ok=True)
        target = start / ADDIN_FILE
        try:
            shutil.copyfile(source, target)
        except PermissionError as exc:
            raise InstallRefused(f"无法写入 {target}：Excel 可能正在使用它，请关闭所有 Excel 窗口后重试。") from exc
    lines.append(f"已复制加载项到 Excel 启动文件夹：{target}")
    value = portable_path(interpreter, env)
    config.parent.mkdir(parents=True, exist_ok=True)
    existing = config.read_text(encoding=_config_encoding()) if config.exists() else ""
    try:
        config.write_text(config_text(existing, {"INTERPRETER_WIN": value}), encoding=_config_encoding(), newline="")
    except UnicodeEncodeError as exc:
        raise InstallRefused(f"Python 的安装路径含有本机代码页无法表示的字符：{interpreter}；"
                             "请把 Python 安装到只含英文字母和数字的文件夹（如 C:\\Python311）。") from exc
    lines.append(f"已写入配置文件：{config}（INTERPRETER_WIN = {value}）")
    warning = _dll_warning(interpreter)
    if warning:
        lines.append(warning)
    lines += ["", "下一步：重新打开 Excel，功能区出现“职称评审”选项卡；打开台账，点“刷新计算”。",
              "如果没有出现：文件 > 选项 > 加载项 > 管理“Excel 加载项” > 转到，勾选“职称评审台账”。"]
    return InstallReport(target, config, value, lines)
