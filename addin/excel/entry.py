"""The RunPython target of every ribbon button: ``button(tag)`` (issue 21, B.4).

``ZhichengRibbon.OnAction`` (vba_stubs) runs::

    RunPython "import addin.excel.entry as e; e.button('<the button's tag>')"

xlwings starts Python, which imports this module and calls :func:`button`. Whatever goes
wrong from there on ends in a Chinese message box from this add-in, never in xlwings'
English pop-up with a traceback (which xlwings shows whenever Python exits with an error):

- the add-in's Python code cannot be imported (a missing or broken dependency, an
  upgrade left half-way): ``import addin.excel.ribbon`` fails;
- ``xlwings.Book.caller()`` cannot find the workbook whose button was clicked;
- anything else :func:`addin.excel.ribbon.dispatch` raises (the actions' own failures are
  already messages there).

The message says which button, what happened and what to do; the traceback goes to the
ribbon's log file (``%USERPROFILE%\\.zhicheng\\ribbon-errors.log``). The box is Windows'
own ``MessageBoxW`` (Unicode, owned by the Excel window), so it needs neither Excel nor
the code that failed. Only when even that box cannot be shown does Python print the
message and exit with 1: xlwings then shows that text through ``ZhichengCheck.PythonFailed``
(the build routes xlwings' error pop-up there), still in Chinese. Python failing before
this module runs (xlwings itself missing) takes that same path.

This module imports only the standard library at its top, so that importing it cannot
fail for a reason its messages would have to explain.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

TITLE = "职称评审台账"
LOG = Path(".zhicheng") / "ribbon-errors.log"        # under the user's home, as addin.excel.ribbon.error_log
MB_ICONERROR = 0x10
MB_SETFOREGROUND = 0x10000

#: (text, title) -> whether the message was shown
Show = Callable[[str, str], bool]

IMPORT_FAILED = ("按钮未能运行：加载项的 Python 部分无法载入（{error}）。\n\n"
                 "这通常是安装不完整或升级没有完成：请关闭 Excel，重新运行软件文件夹中的 安装.bat，"
                 "再打开 Excel 点“自检”。在此之前可以用“台账工具”（双击软件文件夹中的 台账工具.bat）完成同样的操作。")
CALLER_FAILED = ("“{label}”未能运行：Python 找不到点按钮的工作簿（{error}）。\n\n"
                 "请确认台账已经打开、没有正在编辑的单元格或打开的对话框，再点一次按钮；仍然不行请点“自检”。")
UNEXPECTED = "“{label}”出错：{error}\n\n请把下面的记录文件发给维护人员。"
LOGGED = "\n\n详细信息已记录在：{path}"


def button(tag: str, *, show: Show | None = None, caller: Callable[[], Any] | None = None) -> None:
    """Run the button ``tag`` on the workbook that called (``caller``: a function giving
    that ``xlwings.Book``; ``show``: how to show a message; both replaceable in tests)."""
    show = show or message_box
    try:
        from . import ribbon
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - every failure becomes a message
        _report(show, IMPORT_FAILED.format(error=_short(exc)), exc, tag)
        return
    try:
        label = ribbon.label(tag)                   # as on the button
    except Exception:  # noqa: BLE001 - a tag outside the allow-list: dispatch refuses it itself
        label = tag
    try:
        book = (caller or _book_caller)()
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001
        _report(show, CALLER_FAILED.format(label=label, error=_short(exc)), exc, tag)
        return
    try:
        ribbon.dispatch(tag, book)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001
        _report(show, UNEXPECTED.format(label=label, error=_short(exc)), exc, tag)


def _book_caller() -> Any:
    import xlwings as xw

    return xw.Book.caller()


def _short(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 300 else text[:297] + "…"


def error_log() -> Path:
    """Where a button's internal error goes: the ribbon's log (:mod:`addin.errorlog`)."""
    try:
        from .. import errorlog

        folder = errorlog.log_folder()
        return (folder or Path.home() / ".zhicheng") / errorlog.RIBBON_LOG
    except Exception:  # noqa: BLE001 - the package itself may be what failed to load
        return Path.home() / LOG


def _log(tag: str, exc: BaseException) -> Path | None:
    """The details, as every internal error of the add-in is logged (:func:`addin.errorlog.write`:
    personal data masked, 0600 in the user's own folder, rotated); if even that module
    cannot be loaded, the traceback alone into the same file."""
    try:
        from .. import errorlog

        return errorlog.write(errorlog.RIBBON_LOG, f"按钮 {tag}（addin.excel.entry）", exc)
    except Exception:  # noqa: BLE001 - the package itself may be what failed to load
        pass
    path = error_log()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {tag} (addin.excel.entry)\n")
            f.write("".join(traceback.format_exception_only(type(exc), exc)))
        return path
    except OSError:
        return None


def _report(show: Show, text: str, exc: BaseException, tag: str) -> None:
    where = _log(tag, exc)
    if where is not None:
        text += LOGGED.format(path=where)
    try:
        shown = show(text, TITLE)
    except Exception:  # noqa: BLE001 - then the fallback below
        shown = False
    if not shown:
        # xlwings shows what Python printed, through ZhichengCheck.PythonFailed
        print(text, file=sys.stderr)
        raise SystemExit(1)


def excel_window(argv: list[str] | None = None) -> int:
    """The Excel window handle xlwings' RunPython passes (``--hwnd=``), 0 if none."""
    for arg in argv if argv is not None else sys.argv:
        if arg.startswith("--hwnd="):
            try:
                return int(arg.split("=", 1)[1].strip().strip('"'))
            except ValueError:
                return 0
    return 0


def message_box(text: str, title: str) -> bool:
    """Windows' MessageBoxW, owned by the Excel window; False where there is none."""
    if sys.platform != "win32":
        return False
    import ctypes

    user32 = ctypes.WinDLL("user32", use_last_error=True)
    user32.MessageBoxW.argtypes = (ctypes.c_void_p, ctypes.c_wchar_p, ctypes.c_wchar_p, ctypes.c_uint)
    return user32.MessageBoxW(excel_window() or None, text, title, MB_ICONERROR | MB_SETFOREGROUND) != 0
