"""The ``zhicheng`` command line: Chinese throughout, thin (every answer comes from the core).

The command line lives in this package and nowhere else: :mod:`.base` (the Chinese
parser, exit codes) and :mod:`.commands` (the subcommands, made from the table of use
cases :data:`addin.usecases.TABLE`: there is no subcommand written by hand). Lower layers
never import it; they raise :class:`addin.errors.Refused` and this shell turns it into
exit code 2.

Exit codes: 0 done, 1 done with findings, 2 refused (nothing written), 3 internal error
(a Chinese message on stderr, the traceback in :func:`crash_log`).
"""

from __future__ import annotations

import errno
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

from .. import __version__, errorlog
from ..errors import Refused
from ..usecases.runner import refusal_text
from .base import (EXIT_CODES_HELP, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_REFUSED, Parser, err,
                   print_findings)

__all__ = ["main", "build_parser", "Refused", "EXIT_OK", "EXIT_FINDINGS", "EXIT_REFUSED", "EXIT_INTERNAL",
           "print_findings", "crash_log"]

CRASH_LOG = errorlog.CLI_LOG


def build_parser() -> Parser:
    from . import commands

    parser = Parser(prog="zhicheng", description="职称评审台账：阿克苏地区交通运输局职称评审工具（命令行版）")
    parser.add_argument("--version", action="version", version=f"zhicheng {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令")
    commands.register(sub)
    return parser


def crash_log() -> Path:
    """Where an internal error's details go (:mod:`addin.errorlog`): ``~/.zhicheng/zhicheng-errors.log``
    (beside the add-in's ribbon-errors.log), or the user's own folder in the system's
    temporary folder when home is not writable; never a file another user owns."""
    folder = errorlog.log_folder()
    if folder is None:
        raise OSError("no folder of the user's own for the error log")
    return folder / CRASH_LOG


def _report_crash(exc: BaseException, argv: Sequence[str]) -> None:
    path = errorlog.write(CRASH_LOG, "命令行", exc, context={"命令": errorlog.command_line(argv)})
    if path is not None:
        where = f"详细信息已写入：{path}\n请把这个文件和所用的命令发给软件维护人员。"
    else:
        where = "详细信息（无法写入日志文件，显示在下面）：\n" + errorlog.describe(exc)
    err(f"程序内部错误（{type(exc).__name__}），命令未完成。{where}")


def _unraisable(hook_args) -> None:
    """An error Python cannot raise (a half-written file's clean-up failing on a full disk,
    in a destructor): into the log, never an English traceback on the clerk's screen."""
    exc = hook_args.exc_value
    if exc is not None:
        errorlog.write(CRASH_LOG, "命令行（清理时出错，命令的结果不受影响）", exc)


class _PipeGuard:
    """A stream that stops writing, silently, once its reader has gone (``zhicheng check … | head``):
    later output goes to the null device, so neither this run nor Python's final flush
    prints a BrokenPipeError, and the command still ends with its own exit code."""

    def __init__(self, stream):
        self._stream = stream
        self.broken = False

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def _call(self, method, *args):
        if self.broken:
            return None
        try:
            return getattr(self._stream, method)(*args)
        except OSError as exc:
            if not isinstance(exc, BrokenPipeError) and exc.errno not in (errno.EPIPE, errno.EINVAL):
                raise
            self.broken = True
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), self._stream.fileno())
            except (OSError, ValueError, AttributeError):
                pass
            return None

    def write(self, text):
        return self._call("write", text)

    def flush(self):
        return self._call("flush")


@contextmanager
def _guarded_streams():
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PipeGuard(sys.stdout), _PipeGuard(sys.stderr)
    try:
        yield
        sys.stdout.flush()
    finally:
        sys.stdout, sys.stderr = saved


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if sys.unraisablehook is sys.__unraisablehook__:
        sys.unraisablehook = _unraisable
    with _guarded_streams():
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:          # --help, --version, or a usage error (already printed)
            return exc.code if isinstance(exc.code, int) else EXIT_REFUSED
        if not getattr(args, "handler", None):
            parser.print_help()
            return EXIT_REFUSED
        try:
            return args.handler(args)
        except Refused as exc:
            err(refusal_text(exc, getattr(args, "writes", False)))
            return EXIT_REFUSED
        except KeyboardInterrupt:
            err("已中断。")
            return 130
        except Exception as exc:  # noqa: BLE001 - every other failure is an internal error, exit 3
            _report_crash(exc, argv)
            return EXIT_INTERNAL


if __name__ == "__main__":   # pragma: no cover
    sys.exit(main())
