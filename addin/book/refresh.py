"""``zhicheng check`` and ``zhicheng refresh``: the pipeline over a workbook adapter.

refresh = read -> evaluate -> write the computed columns, the dashboard, the hidden
fingerprints and a log row -> commit (for a file: safe save with backup). Input cells
are never written. The same :func:`run_refresh` serves the file (``PackageAdapter``, edited in place) and
the workbook open in Excel (``addin.excel``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import Refused, WriteRefused
from . import schema
from .adapter import CellsByRow, WorkbookAdapter
from .inplace import PackageAdapter
from .dashboard import dashboard_blocks
from .statistics import last_year as read_last_year, statistics_blocks
from .evaluate import evaluate
from .evaluation import Evaluation
from ..rules.dates import format_moment
from .reader import Book, book_from_values, cell_text, read_book
from .writes import current_user, log_row, refuse_ambiguous_columns, refuse_unreadable_tables, write_sheet_cells

Progress = Callable[[str], None]

#: the tables a refresh reads to compute what it writes
READ_TABLES = ("settings", "applicants", "reviews", "payments", "meeting")


@dataclass
class RefreshReport:
    book: Book
    evaluation: Evaluation
    rows: int
    backup: Path | None
    overwritten: list[str] = field(default_factory=list)     # hand edits replaced, cell and old value named


def overwritten_edits(book: Book, ev: Evaluation) -> list[str]:
    """Each hand edit in a computed column that the refresh replaces: the cell, the
    column, the value found and the value written (for the output and for 日志)."""
    table = book.table("applicants")
    headers = {c.key: c.header for c in schema.APPLICANT_COMPUTED}
    out = []
    for row, key, old in ev.hand_edits:
        new = ev.computed.get(row, {}).get(key)
        out.append(f"{table.sheet}!{table.letter(key) or '?'}{row}（{headers[key]}）：原为“{_shown(old)}”，"
                   f"已改为“{_shown(new)}”")
    return out


def _shown(value: object) -> str:
    if value is None or value == "":
        return "空"
    if isinstance(value, dt.date):
        return format_moment(value)
    return cell_text(value)


def check(path: Path, *, now: dt.datetime | None = None) -> tuple[Book, Evaluation]:
    """Read and evaluate without writing; what would stop a refresh is listed too."""
    from ..rules.base import warning
    from .safe_write import foreign_parts

    book = read_book(Path(path))
    stranger = schema.not_a_register(book.sheet_names, Path(path).name)
    if stranger:
        raise Refused(stranger)
    ev = evaluate(book, now=now or dt.datetime.now(), previous=book.fingerprints, fingerprints=False)
    ev.findings += [warning(f"刷新会被拒绝：{m}") for m in foreign_parts(Path(path))]
    return book, ev


def computed_cells(book: Book, ev: Evaluation) -> tuple[CellsByRow, dict[str, str]]:
    """The computed cells of 申报人员 as (row, letter) -> value (a view of the
    evaluation's rows, not a copy), and their formats."""
    table = book.table("applicants")
    letters = {c.key: (table.letter(c.key), c.number_format) for c in schema.APPLICANT_COMPUTED}
    cells = CellsByRow(ev.computed, {key: letter for key, (letter, _fmt) in letters.items() if letter})
    formats = {letter: fmt for letter, fmt in letters.values() if letter}
    return cells, formats


def run_refresh(adapter: WorkbookAdapter, *, now: dt.datetime, user: str,
                progress: Progress | None = None, last_year: Path | None = None) -> RefreshReport:
    """The refresh pipeline on any workbook adapter; ``last_year``: last year's register,
    whose figures 统计 sets beside this year's (read before anything is written)."""
    say = progress or (lambda _msg: None)
    say("读取工作簿…")
    values = adapter.values()
    stranger = schema.not_a_register(list(values), getattr(adapter, "path", Path("工作簿")).name)
    if stranger:
        raise WriteRefused(stranger + "本次未写入任何内容。")
    missing = [name for name in (schema.APPLICANT_SHEET, schema.LOG_SHEET) if name not in values]
    if missing:
        raise WriteRefused("工作簿缺少" + "、".join(f"“{m}”" for m in missing) +
                           "工作表，不像本软件的台账（可用 zhicheng new 新建），未写入")
    book = book_from_values(values)
    del values                         # the book holds what it needs: keep the peak memory down
    refuse_unreadable_tables(book, *READ_TABLES)
    last = None
    if last_year is not None:
        say("读取上年台账…")
        last = read_last_year(Path(last_year), book.settings.campaign_year)
    refuse_ambiguous_columns(book, "applicants", "meeting", "defence")
    say(f"计算{len(book.table('applicants').rows)}份申报…")
    ev = evaluate(book, now=now, previous=adapter.fingerprints())
    say("写入计算列、统计和日志…")
    cells, formats = computed_cells(book, ev)
    adapter.write_cells(schema.APPLICANT_SHEET, cells, formats, table="tblApplicants")
    del cells                          # the adapter holds what it needs: keep the peak memory down
    for key, rows in (("meeting", ev.meeting), ("defence", ev.defence.rows if ev.defence else {})):
        write_sheet_cells(adapter, book, key, rows)
    adapter.replace_dashboard(f"统计（{format_moment(now, midnight=True)}刷新，共{len(ev.rows)}份申报）",
                              dashboard_blocks(ev, statistics_blocks(book, ev, last)), now)
    adapter.write_fingerprints(ev.fingerprints)
    overwritten = overwritten_edits(book, ev)
    detail = f"发现问题{len(ev.findings)}条（其中错误{len(ev.errors)}条）"
    if overwritten:
        detail += f"；覆盖手工修改的计算列{len(overwritten)}处：" + "；".join(overwritten)
    if last is not None:
        detail += f"；统计表与{last.year}年度（{last.name}）对比"
    values, fmts = log_row("刷新计算", len(ev.computed), detail, now=now, user=user)
    adapter.append_row(schema.LOG_SHEET, "tblLog", values, fmts)
    say("保存（先备份）…")
    backup = adapter.commit()
    return RefreshReport(book, ev, len(ev.computed), backup, overwritten)


def refresh(path: Path, *, now: dt.datetime | None = None, user: str | None = None,
            progress: Progress | None = None, last_year: Path | None = None) -> RefreshReport:
    """Refresh a workbook file in place (safely): only the product's own cells and parts
    change, everything else in the file is kept byte for byte."""
    return run_refresh(PackageAdapter(Path(path)), now=now or dt.datetime.now(), user=user or current_user(),
                       progress=progress, last_year=last_year)
