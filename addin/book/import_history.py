"""The platform's submission history merged into 审核记录 (``zhicheng import``).

The history (提交时间, 审核结果, 处理时间/退回时间, 审核意见) comes from the export's row
(``第1次提交时间`` … ``第3次审核意见``, or one 提交时间 with 第几次提交 or 提交次数 saying
which: :func:`row_history`), or from a sheet of its own with one row per submission (after
the applicants' sheet of an .xlsx export: :func:`sheet_history`). It is merged into
审核记录 by (application, n-th submission) (:func:`merge_history`): a submission already
there is filled or compared, never added twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from ..rules.catalog import clean_word
from ..rules.dates import parse_datetime
from ..rules.settings import parse_int
from . import schema
from .import_match import Applications, ImportReport
from .platform_export import canonical, cell, result_words, same, shown, text

#: the columns of one submission in 审核记录 (key -> header), as the export names them after the alias table
HISTORY_KEYS = {c.header: c.key for c in schema.REVIEW_COLUMNS}
#: a column of the n-th submission in an export's applicant row: 第2次提交时间, 第二次审核结果
NUMBERED = re.compile(r"^第(?P<n>[0-9一二三四五六七八九十]+)次(?P<what>.+)$")
#: a per-application export's count of submissions: its 提交时间 is the count-th submission's
COUNT_HEADER = "提交次数"
_CHINESE_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}


def _nth(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    if word == "十":
        return 10
    if len(word) == 1 and word in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[word]
    return None


def history_column(column: object, alias: dict[str, str]) -> tuple[int | None, str] | None:
    """(n, review key) of an export column of the submission history: ``第2次提交时间`` ->
    (2, submitted_at), ``审核结果`` -> (None, result), ``提交次数`` -> (None, count); else None."""
    word = canonical(column, alias)
    if word in HISTORY_KEYS and word not in ("申报编号",):
        return None, HISTORY_KEYS[word]
    if word == COUNT_HEADER:
        return None, "count"
    match = NUMBERED.match(clean_word(column))
    if match and (n := _nth(match["n"])) and n > 0:
        what = alias.get(match["what"], match["what"])
        if what in HISTORY_KEYS and HISTORY_KEYS[what] not in ("app_id", "number"):
            return n, HISTORY_KEYS[what]
    return None


def submission(values: dict[str, object], where: str, report: ImportReport) -> dict[str, object] | None:
    """One submission's values typed (提交时间 and 处理时间 as date-times, 审核结果 as 通过,
    退回 or blank); None when it has no submission time or cannot be read (said in the report)."""
    out: dict[str, object] = {}
    for key in ("submitted_at", "decided_at"):
        raw = cell(values.get(key))
        if raw is None:
            continue
        parsed = parse_datetime(raw)
        if parsed.value is None:
            report.problems.append(f"{where}：{parsed.finding.message if parsed.finding else '不是日期'}，该次提交未导入")
            return None
        out[key] = parsed.value
    if "submitted_at" not in out:
        if any(cell(values.get(k)) is not None for k in ("result", "decided_at", "comments")):
            report.problems.append(f"{where}：有审核结果或意见但没有提交时间，该次提交未导入")
        return None
    result = cell(values.get("result"))
    if result is not None:
        word = result_words().get(clean_word(result))
        if word is None:
            report.problems.append(f"{where}：审核结果“{text(result)}”无法识别（应为通过、退回等），该次提交未导入")
            return None
        out["result"] = word or None
    comments = cell(values.get("comments"))
    if comments is not None:
        out["comments"] = text(comments)
    return out


def row_history(raw: dict[str, object], columns: dict[str, tuple[int | None, str]], report: ImportReport,
                where: str) -> list[dict]:
    """The submissions an applicant row of the export carries, each with its number."""
    numbered: dict[int, dict[str, object]] = defaultdict(dict)
    single: dict[str, object] = {}
    for column, (n, key) in columns.items():
        value = raw[column]
        if n is None:
            single[key] = value
        else:
            numbered[n][key] = value
    out = []
    for n, values in sorted(numbered.items()):
        sub = submission(values, f"{where}（第{n}次提交）", report)
        if sub is not None:
            out.append({**sub, "number": n})
    if any(cell(single.get(k)) is not None for k in ("submitted_at", "result", "decided_at", "comments")):
        n = parse_int(cell(single.get("number"))).value or parse_int(cell(single.get("count"))).value or 1
        sub = submission(single, where, report)
        if sub is not None and n not in {s["number"] for s in out}:
            out.append({**sub, "number": n})
    return out


def sheet_history(name: str, rows, apps: Applications, report: ImportReport) -> list[tuple[str, str, dict]]:
    """The submissions of a history sheet (one a row), each with its application; rows of
    one application without a 第几次提交 are numbered in the order of their 提交时间."""
    found: list[tuple[str, str, dict]] = []
    unnumbered: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    keys = {"申报编号": "app_id", "身份证号": "id_number", "系列": "series", "拟申报职称": "target_title"}
    for number, cells in rows:
        where = f"导出文件“{name}”表第{number}行"
        ident = {keys[h]: cell(v) for h, v in cells.items() if h in keys and cell(v) is not None}
        if not ident:
            continue
        row, why = apps.resolve(ident)
        if row is None:
            report.skipped.append(f"{where}：{why or '台账中没有这份申报'}，该次提交未导入")
            continue
        values = {HISTORY_KEYS.get(h, h): v for h, v in cells.items() if h in HISTORY_KEYS}
        values.update({"count": cells.get(COUNT_HEADER)})
        sub = submission(values, where, report)
        if sub is None:
            continue
        app_id = apps.app_id_of.get(row, "")
        n = parse_int(cell(values.get("number"))).value
        if n:
            found.append((app_id, where, {**sub, "number": n}))
        else:
            unnumbered[app_id].append((where, sub))
    for app_id, subs in unnumbered.items():
        taken = {s["number"] for a, _, s in found if a == app_id}
        n = 0
        for where, sub in sorted(subs, key=lambda ws: ws[1]["submitted_at"]):
            n += 1
            while n in taken:
                n += 1
            found.append((app_id, where, {**sub, "number": n}))
    return found


def merge_history(book, history: list[tuple[str, str, dict]], overwrite: bool, report: ImportReport):
    """The new rows of 审核记录 and the cells to fill (or, with ``overwrite``, replace) in
    the existing ones, keyed by (application, n-th submission); differences are conflicts."""
    table = book.table("reviews")
    columns = {c.key: c for c in schema.REVIEW_COLUMNS}
    existing: dict[tuple[str, int], object] = {}
    order: dict[str, list] = defaultdict(list)
    for r in table.rows:
        app_id = clean_word(r.values_by_key.get("app_id"))
        n = parse_int(r.values_by_key.get("number")).value
        if n:
            existing.setdefault((app_id, n), r)
        else:
            order[app_id].append(r)
    for app_id, rows in order.items():            # rows without 第几次提交: numbered by time, as the review reads them
        rows.sort(key=lambda r: parse_datetime(r.values_by_key.get("submitted_at")).value or dt.datetime.max)
        for n, r in enumerate(rows, start=1):
            existing.setdefault((app_id, n), r)
    new_rows: list[dict[str, object]] = []
    cells: dict[tuple[int, str], object] = {}
    seen: set[tuple[str, int]] = set()
    for app_id, where, sub in history:
        if not app_id:
            report.skipped.append(f"{where}：该申报没有申报编号，提交记录未导入")
            continue
        key = (clean_word(app_id), sub["number"])
        if key in seen:
            continue
        seen.add(key)
        row = existing.get(key)
        if row is None:
            values = {"app_id": app_id, **{k: v for k, v in sub.items() if k != "count"}}
            new_rows.append({columns[k].header: values.get(k) for k in columns})
            report.reviews_added.append(f"{app_id} 第{sub['number']}次提交")
            continue
        for k, v in sub.items():
            if k in ("number", "count") or v is None or not table.letter(k):
                continue
            old = row.values_by_key.get(k)
            same_value = (same(columns[k], old, v) if k != "result"
                          else result_words().get(clean_word(old), text(old)) == v)
            if old in (None, ""):
                cells[(row.number, table.letter(k))] = v
                report.filled += 1
            elif not same_value:
                if overwrite:
                    cells[(row.number, table.letter(k))] = v
                    report.updated += 1
                else:
                    report.conflicts.append(f"审核记录!{table.letter(k)}{row.number}（{columns[k].header}）："
                                            f"台账为“{shown(old)}”，导出为“{shown(v)}”")
    formats = {table.letter(c.key): c.number_format for c in schema.REVIEW_COLUMNS if table.letter(c.key)}
    return new_rows, cells, formats
