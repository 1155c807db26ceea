"""What every command that writes the register shares: who writes (:func:`current_user`),
the 日志 row (:func:`log_row`), the refusals before a write (a header found twice, a
table without its header or a key column), and the computed cells of a small sheet
(:func:`write_sheet_cells`). Used by refresh, draw, import, status and the finance import.
"""

from __future__ import annotations

import datetime as dt
import getpass

from ..errors import WriteRefused
from . import schema
from .adapter import WorkbookAdapter
from .reader import Book


def current_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name on some systems
        return "未知"


def write_sheet_cells(adapter: WorkbookAdapter, book: Book, key: str, rows: dict[int, dict[str, object]]) -> None:
    """Write computed values of a small sheet (评审会, 答辩评分, 评委: ``key``) given as
    row -> column key -> value, in the columns the sheet has."""
    spec = next(s for s in schema.sheets(range(0)) if s.key == key)
    table = book.table(key)
    letters = {c.key: (table.letter(c.key), "@" if c.kind == "text" else c.number_format) for c in spec.computed}
    cells = {(n, letters[k][0]): v for n, values in rows.items() for k, v in values.items()
             if k in letters and letters[k][0]}
    if cells:
        adapter.write_cells(spec.name, cells, {letter: fmt for letter, fmt in letters.values() if letter},
                            table=spec.table)


def log_row(action: str, rows: int, detail: str, *, now: dt.datetime, user: str) -> tuple[dict, dict]:
    """A 日志 row and its formats, keyed by header (for ``adapter.append_row``)."""
    values = (now.replace(microsecond=0), user, action, rows, detail)
    return ({c.header: v for c, v in zip(schema.LOG_COLUMNS, values)},
            {c.header: c.number_format for c in schema.LOG_COLUMNS})


def refuse_ambiguous_columns(book: Book, *keys: str) -> None:
    """A write goes by header: a header found twice could send values into a clerk's column."""
    for key in keys:
        table = book.table(key)
        if table.duplicates:
            raise WriteRefused(f"“{table.sheet}”工作表中" + "、".join(f"“{h}”" for h in table.duplicates) +
                               "列出现了不止一次，无法确定写入哪一列，未写入（请删除或改名重复的列）")


#: the register columns without which every row's verdict would be wrong: a write refuses
#: when one of them is not found (under its header or an alias of it)
KEY_COLUMNS = ("app_id", "name", "id_number", "target_title", "series", "status")


def refuse_unreadable_tables(book: Book, *keys: str) -> None:
    """A write needs its tables' headers: a table whose header row was not found (a title
    row does not hide it; a renamed header may), or a register without a key column,
    refuses the write, naming what is missing (rather than computing from blanks)."""
    problems = []
    for key in keys:
        table = book.table(key)
        if table.present and table.header_row is None and table.missing_headers:
            problems.append(f"“{table.sheet}”工作表的前几行中找不到表头（应有" +
                            "、".join(f"“{h}”" for h in table.missing_headers[:6]) + "等列）")
    applicants = book.table("applicants")
    if "applicants" in keys and applicants.header_row is not None:
        spec = {c.key: c.header for c in schema.APPLICANT_INPUTS + schema.APPLICANT_INPUTS_2}
        missing = [spec[k] for k in KEY_COLUMNS if not applicants.letter(k)]
        if missing:
            problems.append(f"“{applicants.sheet}”工作表第{applicants.header_row}行的表头中没有" +
                            "、".join(f"“{h}”" for h in missing) + "列（或其别名）")
    if problems:
        raise WriteRefused("；".join(problems) + "，无法确定各列的位置，未写入（请恢复表头后再试）")
