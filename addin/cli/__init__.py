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

import datetime as dt
import errno
import os
import sys
import tempfile
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Sequence

from .. import __version__
from ..errors import Refused
from ..usecases.runner import refusal_text
from .base import (EXIT_CODES_HELP, EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_REFUSED, Parser, err,
                   print_findings)

__all__ = ["main", "build_parser", "Refused", "EXIT_OK", "EXIT_FINDINGS", "EXIT_REFUSED", "EXIT_INTERNAL",
           "print_findings", "crash_log"]

CRASH_LOG = "zhicheng-errors.log"


def build_parser() -> Parser:
    from . import commands

    parser = Parser(prog="zhicheng", description="职称评审台账：阿克苏地区交通运输局职称评审工具（命令行版）")
    parser.add_argument("--version", action="version", version=f"zhicheng {__version__}", help="显示版本号并退出")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="命令")
    commands.register(sub)
    return parser


def crash_log() -> Path:
    """Where an internal error's details go: ``~/.zhicheng/zhicheng-errors.log`` (beside the
    add-in's ribbon-errors.log), or the system's temporary folder when home is not writable."""
    for folder in (Path.home() / ".zhicheng", Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / CRASH_LOG
            with path.open("a", encoding="utf-8"):
                return path
        except OSError:
            continue
    raise OSError("no writable folder for the error log")


def _report_crash(exc: BaseException, argv: Sequence[str]) -> None:
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    try:
        path = crash_log()
        with path.open("a", encoding="utf-8") as f:
            f.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} zhicheng {__version__}, Python {sys.version.split()[0]}\n"
                    f"命令：zhicheng {' '.join(argv)}\n{details}\n")
        where = f"详细信息已写入：{path}\n请把这个文件和所用的命令发给软件维护人员。"
    except OSError:
        where = "详细信息（无法写入日志文件，显示在下面）：\n" + details
    err(f"程序内部错误（{type(exc).__name__}），命令未完成。{where}")


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
