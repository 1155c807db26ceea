"""``zhicheng check`` and ``zhicheng refresh`` on a workbook file (the file adapter).

refresh = read -> evaluate -> write the computed columns, the dashboard, the hidden
fingerprints and a log row -> safe save. Input cells are never written.
"""

from __future__ import annotations

import datetime as dt
import getpass
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from . import schema
from .dashboard import write_dashboard
from .evaluate import Evaluation, evaluate
from .reader import Book, book_from_values, read_book
from .safe_write import check_writable, safe_save, snapshot
from .workbook import COMPUTED_FILL

Progress = Callable[[str], None]


@dataclass
class RefreshReport:
    book: Book
    evaluation: Evaluation
    rows: int
    backup: Path | None


def check(path: Path, *, now: dt.datetime | None = None) -> tuple[Book, Evaluation]:
    book = read_book(Path(path))
    return book, evaluate(book, now=now or dt.datetime.now(), previous=None)


def _previous_fingerprints(wb) -> dict[str, str]:
    if schema.FINGERPRINT_SHEET not in wb.sheetnames:
        return {}
    ws = wb[schema.FINGERPRINT_SHEET]
    return {str(r[0]): str(r[1]) for r in ws.iter_rows(min_row=2, values_only=True) if r and r[0]}


def _write_fingerprints(wb, fingerprints: dict[str, str]) -> None:
    name = schema.FINGERPRINT_SHEET
    if name in wb.sheetnames:
        wb.remove(wb[name])
    ws = wb.create_sheet(name)
    ws.sheet_state = "hidden"
    ws.append(["申报编号", "计算值摘要（由系统维护）"])
    for app_id, digest in fingerprints.items():
        ws.append([app_id, digest])


def _extend_table(ws, table_name: str, last_row: int) -> None:
    table = ws.tables.get(table_name)
    if table is None:
        return
    first, last = table.ref.split(":")
    col = "".join(ch for ch in last if ch.isalpha())
    current = int("".join(ch for ch in last if ch.isdigit()))
    if last_row > current:
        table.ref = f"{first}:{col}{last_row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref


def write_computed(wb, book: Book, ev: Evaluation) -> int:
    """Write the computed columns of 申报人员; returns the number of rows touched."""
    table = book.table("applicants")
    ws = wb[schema.APPLICANT_SHEET]
    columns = {c.key: c for c in schema.APPLICANT_COMPUTED}
    touched = 0
    for row_number, values in ev.computed.items():
        for key, value in values.items():
            letter = table.letter(key)
            if not letter:
                continue
            cell = ws[f"{letter}{row_number}"]
            cell.value = value
            cell.number_format = columns[key].number_format
            cell.fill = COMPUTED_FILL
        touched += 1
    if ev.computed:
        _extend_table(ws, "tblApplicants", max(ev.computed))
    return touched


def append_log(wb, action: str, rows: int, detail: str, *, now: dt.datetime, user: str) -> None:
    ws = wb[schema.LOG_SHEET]
    last = ws.max_row
    while last > 1 and all(c.value in (None, "") for c in ws[last]):
        last -= 1
    row = last + 1
    for c, value in enumerate((now.replace(microsecond=0), user, action, rows, detail), start=1):
        cell = ws.cell(row=row, column=c, value=value)
        cell.number_format = schema.LOG_COLUMNS[c - 1].number_format
    _extend_table(ws, "tblLog", row)


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some systems
        return "未知"


def refresh(path: Path, *, now: dt.datetime | None = None, user: str | None = None,
            progress: Progress | None = None) -> RefreshReport:
    path = Path(path)
    now = now or dt.datetime.now()
    say = progress or (lambda _msg: None)
    check_writable(path)
    say("读取工作簿…")
    state = snapshot(path)
    wb = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    book = book_from_values({ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets
                             if ws.title != schema.FINGERPRINT_SHEET})
    say(f"计算{len(book.table('applicants').rows)}份申报…")
    ev = evaluate(book, now=now, previous=_previous_fingerprints(wb))
    say("写入计算列、统计和日志…")
    rows = write_computed(wb, book, ev)
    write_dashboard(wb, ev, now)
    _write_fingerprints(wb, ev.fingerprints)
    errors = len(ev.errors)
    append_log(wb, "刷新计算", rows, f"发现问题{len(ev.findings)}条（其中错误{errors}条）", now=now,
               user=user or current_user())
    say("保存（先备份）…")
    backup = safe_save(path, wb.save, unchanged_since=state)
    return RefreshReport(book, ev, rows, backup)
