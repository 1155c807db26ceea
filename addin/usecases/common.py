"""What the use cases share: opening a register file, reading it, judging it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from ..errors import Refused
from .spec import Context, Door


def open_register_file(path: Path, write: bool):
    """The register file as a workbook adapter: a file that cannot be read, or that is not
    a register, is refused the same way for every use case."""
    from ..book.inplace import PackageAdapter

    path = Path(path)
    try:
        adapter = PackageAdapter(path, write=write)
    except Refused:
        raise
    except MemoryError:
        raise Refused(f"“{path.name}”太大，无法读取（内存不足）；未写入任何内容。") from None
    except Exception as exc:  # noqa: BLE001 - a file the reader cannot read is the file's problem: a refusal
        raise Refused(f"无法读取“{path.name}”：文件已损坏，或不是 Excel/WPS 保存的工作簿"
                      f"（{type(exc).__name__}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再试；未写入任何内容。") from exc
    return ensure_register(adapter, path.name)


def ensure_register(adapter, name: str):
    """``adapter`` when its workbook is a register; else the one refusal every use case gives."""
    from ..book import schema

    stranger = schema.not_a_register(adapter.sheet_names(), name)
    if stranger:
        adapter.close()
        raise Refused(stranger)
    return adapter


def file_context(path: Path | None, door: Door, *, now: dt.datetime | None = None, user: str | None = None,
                 progress: Callable[[str], None] | None = None) -> Context:
    """A context on a register file (the command line, and the page through it)."""
    from ..book.writes import current_user

    register = Path(path) if path else None
    opener = (lambda write: open_register_file(register, write)) if register else None
    return Context(door, register, opener, now or dt.datetime.now(), user or current_user(),
                   progress or (lambda _text: None))


def read(ctx: Context, adapter):
    """The register's :class:`~addin.book.reader.Book` through ``adapter``."""
    from ..book.reader import book_from_values

    ctx.progress("读取工作簿…")
    return book_from_values(adapter.values())


def assess(ctx: Context, *, now: dt.datetime | None = None, write: bool = False):
    """(adapter, book, evaluation) as 校验 sees the register: the previous refresh's
    fingerprints are compared (hand edits of computed cells are findings), and what would
    stop a write through this adapter is listed. Every use case that judges the register
    without refreshing it calls this, so the answers agree on every shell."""
    from ..book.evaluate import evaluate
    from ..rules.base import warning

    adapter = ctx.open(write)
    book = read(ctx, adapter)
    ctx.progress(f"计算{len(book.table('applicants').rows)}份申报…")
    ev = evaluate(book, now=now or ctx.now, previous=adapter.fingerprints(), fingerprints=False)
    ev.findings += [warning(f"刷新会被拒绝：{m}") for m in adapter.refusals()]
    return adapter, book, ev


def unread_lines(book) -> list[str]:
    """What of the workbook could not be read as it stands (formulas without a cached
    result read as blank, a table without its headers, stray rows far below the data):
    said before an output is made from the book, never a silent gap in the output."""
    return [f"注意：{finding}（生成的内容可能因此不完整）" for finding in getattr(book, "unread", ())]


def files_lines(files) -> list[str]:
    return [f"  已生成 {f}" for f in files]


def finding_line(f) -> str:
    return f"[{f.severity.label}] {f}"


def backup_line(backup) -> str:
    return f"原文件已备份为：{backup}" if backup else UNSAVED


UNSAVED = "结果已写入打开的台账（尚未保存）：确认无误后请保存（Ctrl+S）。宏写入的内容不能用 Ctrl+Z 撤销。"
