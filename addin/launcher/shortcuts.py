"""The files a clerk double-clicks: the Windows scripts of the software folder and the
Linux desktop entry of the 台账工具.

Windows (``windows/*.bat``, UTF-8 sources kept readable here) are written into the
software folder as GBK with CRLF line ends — cmd.exe reads a .bat file in the console's
code page, which is 936 on a Chinese Windows:

- ``安装.bat`` — the install without admin rights (a venv inside the software folder from
  a per-user Python, the package from ``wheelhouse\\`` when present, then
  ``zhicheng install-addin``);
- ``准备离线安装包.bat`` — on a connected PC: our wheel plus ``pip download --platform
  win_amd64 --only-binary=:all: --python-version 3.11`` of its dependencies;
- ``台账工具.bat`` — the launcher page; a register dropped on it is passed as ``%1``.

Linux (UOS, Kylin and other 信创 desktops with WPS): :func:`desktop_entry`, a
``.desktop`` file whose ``Exec`` runs this Python with ``-m addin launcher %f``, so a
register dropped on the icon (or opened with it) arrives as the argument.

``python -m addin.launcher.shortcuts`` (``make shortcuts``) rewrites the committed
Windows scripts at the top of the repository; a test fails while they are stale.
"""

from __future__ import annotations

import shlex
import sys
from importlib import resources
from pathlib import Path

#: file written into the software folder -> source in windows/
WINDOWS_SCRIPTS = {"安装.bat": "install.bat", "准备离线安装包.bat": "wheelhouse.bat", "台账工具.bat": "launcher.bat"}
BAT_ENCODING = "gbk"
DESKTOP_FILE = "zhicheng-launcher.desktop"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def windows_script(name: str) -> bytes:
    """One Windows script as it is written into the software folder (GBK, CRLF)."""
    text = resources.files(__package__).joinpath("windows").joinpath(WINDOWS_SCRIPTS[name]).read_text(encoding="utf-8")
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1]:
        lines.pop()
    return ("\r\n".join(lines) + "\r\n").encode(BAT_ENCODING)


def write_windows_scripts(folder: Path) -> list[Path]:
    written = []
    for name in WINDOWS_SCRIPTS:
        path = Path(folder) / name
        path.write_bytes(windows_script(name))
        written.append(path)
    return written


def _desktop_quote(arg: str) -> str:
    """An argument of a desktop entry's Exec key (Desktop Entry Specification, "The Exec
    key"): quoted when needed, with ``"`, $ and \\`` escaped by a backslash; ``%`` doubled."""
    arg = arg.replace("%", "%%")
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def desktop_entry(python: str | None = None) -> str:
    """The .desktop file of the launcher for this Python (``%f``: the dropped register)."""
    python = python or sys.executable
    exec_line = " ".join(_desktop_quote(a) for a in (python, "-m", "addin", "launcher")) + " %f"
    return "\n".join([
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.0",
        "Name=台账工具（职称评审）",
        "Comment=刷新、校验职称评审台账，生成材料、名单和财务表（可把台账拖到图标上）",
        f"Exec={exec_line}",
        "Terminal=false",
        "Icon=x-office-spreadsheet",
        f"MimeType={XLSX_MIME};",
        "Categories=Office;",
        "",
    ])


def desktop_command(entry: str, dropped: Path) -> list[str]:
    """The command a desktop runs for ``entry`` when ``dropped`` is dropped on it: the Exec
    value split by the spec's quoting rules, ``%f`` replaced by the file (for the tests,
    which run exactly this)."""
    exec_line = next(line[len("Exec="):] for line in entry.splitlines() if line.startswith("Exec="))
    parts = shlex.split(exec_line)          # the spec's quoting is a subset of the shell's
    return [str(dropped) if p == "%f" else p.replace("%%", "%") for p in parts]


def write_shortcut(folder: Path, python: str | None = None, *, platform: str | None = None) -> Path:
    """``zhicheng launcher --shortcut FOLDER``: the launcher's icon for this PC."""
    platform = platform or sys.platform
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if platform.startswith("win"):
        python = python or sys.executable
        path = folder / "台账工具.bat"
        text = ("@echo off\r\nrem 职称评审台账：台账工具（本机网页）。双击打开，或把台账拖到本文件上。\r\n"
                f'"{python}" -m addin launcher %*\r\nif errorlevel 1 pause\r\n')
        path.write_bytes(text.encode(BAT_ENCODING))
        return path
    path = folder / DESKTOP_FILE
    path.write_text(desktop_entry(python), encoding="utf-8")
    path.chmod(0o755)                         # desktops ask before running a non-executable entry
    return path


def repository_root() -> Path:
    return Path(__file__).resolve().parents[2]


if __name__ == "__main__":   # pragma: no cover
    for p in write_windows_scripts(repository_root()):
        print(f"已生成 {p}")
