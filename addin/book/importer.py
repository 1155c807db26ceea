"""``zhicheng import``: merge an applicant list exported from the provincial platform
into 申报人员, and the platform's submission history into 审核记录.

Headers vary between exports; they are mapped to the register's headers through the
alias table (``addin/data/import-aliases.csv``, editable). Each export row is matched
to an application of the register (:func:`_resolve`): by 申报编号 when the export
carries it; else by ID number + series + target title; an export without series and
title finds the one application of that ID number — and an application the export cannot
identify (no series or title, several of that person) is never added, but listed.
New rows are added; for an existing row a register cell is filled only when it is empty
(``overwrite`` replaces differing values); differences are listed as conflicts. Values
are typed by their column: dates are written as dates (text such as ``2020-07-01`` or
``2020年7月1日`` included; one that is not a date is listed, never written as text),
numbers as numbers, phones normalised (:func:`addin.rules.contact.parse_phone`); an
equal value in another form (``2018-06-30 00:00:00`` and ``2018-06-30``) is no
conflict. Computed columns are never written.

The submission history (提交时间, 审核结果, 处理时间/退回时间, 审核意见) comes from the
export's row (``第1次提交时间`` … ``第3次审核意见``, or one 提交时间 with 第几次提交 or
提交次数 saying which), or from a sheet of its own with one row per submission (after the
applicants' sheet of an .xlsx export). It is merged into 审核记录 by (application, n-th
submission): a submission already there is filled or compared, never added twice.

The merge runs on any :class:`~addin.book.adapter.WorkbookAdapter` (:func:`import_into`):
the file through the safe writer (``zhicheng import``, :func:`import_export`) or the
workbook open in Excel (the ribbon's 导入平台数据).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from .. import data
from ..errors import WriteRefused
from ..rules.catalog import clean_word
from ..rules.contact import parse_phone
from ..rules.dates import parse_date, parse_datetime, parse_year
from ..rules.identity import normalise_id
from ..rules.settings import parse_bool, parse_int, parse_number
from . import schema
from .adapter import WorkbookAdapter
from .inplace import PackageAdapter
from .reader import book_from_values
from .writes import current_user, log_row, refuse_ambiguous_columns, refuse_unreadable_tables

MATCH_KEYS = ("id_number", "series", "target_title")
#: the columns of one submission in 审核记录 (key -> header), as the export names them after the alias table
HISTORY_KEYS = {c.header: c.key for c in schema.REVIEW_COLUMNS}
#: a column of the n-th submission in an export's applicant row: 第2次提交时间, 第二次审核结果
NUMBERED = re.compile(r"^第(?P<n>[0-9一二三四五六七八九十]+)次(?P<what>.+)$")
#: a per-application export's count of submissions: its 提交时间 is the count-th submission's
COUNT_HEADER = "提交次数"
_CHINESE_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九十")}


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)            # application ids of new rows
    filled: int = 0                                            # empty register cells filled
    updated: int = 0                                           # differing cells replaced (overwrite)
    conflicts: list[str] = field(default_factory=list)         # differences left as they were
    skipped: list[str] = field(default_factory=list)           # export rows that could not be used
    unmapped: list[str] = field(default_factory=list)          # export headers not understood
    backup: Path | None = None                                 # the file's backup (nothing written, or live: None)
    reviews_added: list[str] = field(default_factory=list)     # submissions added to 审核记录 (“2024-003 第2次提交”)
    problems: list[str] = field(default_factory=list)          # values not imported (not a date, a bad phone…)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.filled or self.updated or self.reviews_added)


def aliases(extra: Path | None = None) -> dict[str, str]:
    table = {clean_word(r["alias"]): clean_word(r["header"]) for r in data.rows("import-aliases")}
    if extra:
        for _, r in pd.read_csv(extra, dtype=str).fillna("").iterrows():
            table[clean_word(r.iloc[0])] = clean_word(r.iloc[1])
    return table


@lru_cache(maxsize=None)
def result_words() -> dict[str, str]:
    """The platform's words for a review's result (``import-results.csv``) -> 通过 / 退回 / ""."""
    return {clean_word(r["word"]): r["result"].strip() for r in data.rows("import-results")}


def read_export(path: Path) -> pd.DataFrame:
    """The export as text/date cells (ID numbers never become floats), one row per data
    row, indexed by its row number in the file.

    An .xlsx/.xlsm export is read through the one bounded reader
    (:func:`addin.xlsx.reader.read_values`, as a workbook taken in: ``intake_max_mb``):
    its first sheet, every row that holds data whatever its ``<dimension>`` says, the
    first of them the headers. A .csv is refused beyond the same size. Either is refused
    beyond ``intake_max_rows`` rows."""
    path = Path(path)
    most = int(data.limit("intake_max_rows"))
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            size = path.stat().st_size
        except OSError as exc:
            from ..errors import os_reason

            raise WriteRefused(f"无法读取“{path.name}”：{os_reason(exc)}") from None
        if size > data.limit("intake_max_mb") * 2**20:
            raise WriteRefused(f"“{path.name}”有{size / 2**20:,.0f} MB，超过导入文件的上限{data.limit('intake_max_mb'):,.0f} MB"
                               f"（limits.csv 的 intake_max_mb），不像平台导出的名单，拒绝读取")
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                frame = pd.read_csv(path, dtype=str, encoding=encoding, keep_default_na=False, na_filter=False)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise WriteRefused(f"无法识别“{path.name}”的文字编码（应为 UTF-8 或 GBK）")
        frame.index = range(2, len(frame) + 2)
    elif suffix in (".xlsx", ".xlsm"):
        from ..xlsx.reader import read_values

        sheets = read_values(path, intake=True)
        rows = next(iter(sheets.values())).rows if sheets else []
        if not rows:
            return pd.DataFrame()
        (_, header), body = rows[0], rows[1:]
        width = max(max(cells, default=-1) for _, cells in rows) + 1
        frame = pd.DataFrame([[cells.get(i, "") for i in range(width)] for _, cells in body],
                             columns=_column_names([header.get(i) for i in range(width)]),
                             index=[number for number, _ in body], dtype=object)
    else:
        raise WriteRefused(f"“{path.name}”不是 .xlsx 或 .csv 文件")
    if len(frame) > most:
        raise WriteRefused(f"“{path.name}”有{len(frame):,}行，超过导入文件的上限{most:,}行（limits.csv 的 intake_max_rows），"
                           f"不像平台导出的名单，拒绝读取")
    return frame


def _column_names(headers: list[object]) -> list[str]:
    """Header cells as column names, as pandas names them: a blank one ``Unnamed: 3``, a
    repeated one ``姓名.1``."""
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, header in enumerate(headers):
        name = "" if header is None else str(header).strip()
        if isinstance(header, float) and header.is_integer():
            name = str(int(header))
        name = name or f"Unnamed: {i}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def read_history_sheets(path: Path, alias: dict[str, str]) -> list[tuple[str, list[tuple[int, dict[str, object]]]]]:
    """The sheets of an .xlsx export after its first that hold one submission a row (a
    提交时间 column and 申报编号 or 身份证号): (sheet name, [(row number, {header: value})])."""
    from ..xlsx.reader import read_values

    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return []
    out = []
    for name, sheet in list(read_values(path, intake=True).items())[1:]:
        rows = sheet.rows
        if not rows:
            continue
        (_, head), body = rows[0], rows[1:]
        headers = {i: _canonical(v, alias) for i, v in head.items() if v is not None and str(v).strip()}
        words = set(headers.values())
        if "提交时间" not in words or not words & {"申报编号", "身份证号"}:
            continue
        out.append((name, [(number, {headers[i]: v for i, v in cells.items() if i in headers}) for number, cells in body]))
    return out


def _canonical(header: object, alias: dict[str, str]) -> str:
    word = clean_word(header)
    return alias.get(word, word)


def _cell(value: object) -> object:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


# --- values typed by their column ------------------------------------------------------------

def typed(column: schema.Column, value: object) -> tuple[object, str | None]:
    """``value`` as the register stores it in ``column`` (a date as a date, a number as a
    number, a phone normalised), or (None, why) when it cannot be stored there; a phone
    that is not one is kept as given, with why."""
    if value is None:
        return None, None
    if column.kind in ("date", "datetime"):
        parsed = (parse_date if column.kind == "date" else parse_datetime)(value)
        if parsed.value is None:
            return None, parsed.finding.message if parsed.finding else "不是日期"
        day = parsed.value
        if isinstance(day, dt.datetime) and day.time() == dt.time(0):
            day = day.date()
        return day, None
    if column.kind == "year":
        parsed = parse_year(value)
    elif column.kind == "int":
        parsed = parse_int(value)
    elif column.kind in ("number", "money"):
        parsed = parse_number(value)
    elif column.kind == "bool":
        parsed = parse_bool(value)
        if parsed.value is not None:
            return ("是" if parsed.value else "否"), None
    elif column.kind == "id":
        return normalise_id(value), None
    elif column.key == "phone":
        phone = parse_phone(value)
        if phone.finding:
            return _text(value), phone.finding.message
        return (phone.value.text if phone.value else None), None
    else:
        return _text(value), None
    if parsed.finding:
        return None, parsed.finding.message
    return parsed.value, None


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if value.time() != dt.time(0) else f"{value:%Y-%m-%d}"
    return str(value).strip()


def same(column: schema.Column | None, a: object, b: object) -> bool:
    """Whether a register value and an export value are the same in ``column``'s terms: a
    date the same day however written (a date with a clock time of 00:00 and the same
    date without one), a number the same number, a phone the same numbers, words the same
    after normalising (full-width, spaces)."""
    kind = column.kind if column else "text"
    if kind in ("date", "datetime"):
        x, y = parse_datetime(a).value, parse_datetime(b).value
        if x is not None and y is not None:
            return x == y or (x.date() == y.date() and dt.time(0) in (x.time(), y.time()))
    if kind in ("number", "int", "year", "money"):
        x, y = parse_number(a).value, parse_number(b).value
        if x is not None and y is not None:
            return math.isclose(x, y)
    if column is not None and column.key == "phone":
        x, y = parse_phone(a).value, parse_phone(b).value
        if x is not None and y is not None:
            return set(x.numbers) == set(y.numbers)
    if kind == "bool":
        x, y = parse_bool(a).value, parse_bool(b).value
        if x is not None and y is not None:
            return x == y
    if kind == "id":
        return normalise_id(a) == normalise_id(b)

    def norm(v):
        if isinstance(v, dt.datetime):
            v = v.date()
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return clean_word(v) if not isinstance(v, dt.date) else v
    return norm(a) == norm(b)


def _shown(value: object) -> str:
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if value.time() != dt.time(0) else f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return _text(value)


def _match_key(values: dict) -> tuple:
    return (normalise_id(values.get("id_number")), clean_word(values.get("series")), clean_word(values.get("target_title")))


def import_export(book_path: Path, export_path: Path, *, overwrite: bool = False, alias_file: Path | None = None,
                  user: str | None = None, now: dt.datetime | None = None) -> ImportReport:
    """``zhicheng import``: the merge into a workbook file (safe write, with backup)."""
    return import_into(PackageAdapter(Path(book_path)), export_path, overwrite=overwrite, alias_file=alias_file,
                       user=user, now=now)


# --- which application an export row is ---------------------------------------------------------

class _Applications:
    """The register's applications (and those this import adds) by 申报编号, by ID number +
    series + title, and by ID number alone."""

    def __init__(self, rows):
        self.by_app_id: dict[str, int] = {}
        self.by_key: dict[tuple, int] = {}
        self.by_person: dict[str, list[int]] = defaultdict(list)
        self.app_id_of: dict[int, str] = {}
        self.id_of: dict[int, str] = {}
        for r in rows:
            self.add(r.number, r.values_by_key)

    def add(self, number: int, values: dict) -> None:
        app_id = clean_word(values.get("app_id"))
        if app_id:
            self.by_app_id.setdefault(app_id, number)
            self.app_id_of[number] = _text(values.get("app_id"))
        key = _match_key(values)
        if key[0]:
            self.by_person[key[0]].append(number)
            self.id_of[number] = key[0]
            if key[1] and key[2]:
                self.by_key.setdefault(key, number)

    def resolve(self, values: dict) -> tuple[int | None, str | None]:
        """(register row, None) for the application ``values`` names; (None, None) for a new
        application it fully identifies (ID number, series and title); (None, why) when it
        names none that can be told apart."""
        person = normalise_id(values.get("id_number"))
        app_id = clean_word(values.get("app_id"))
        if app_id and app_id in self.by_app_id:
            number = self.by_app_id[app_id]
            theirs = self.id_of.get(number)
            if person and theirs and theirs != person:
                return None, (f"申报编号“{_text(values.get('app_id'))}”在台账中是另一人的申报（身份证号不同），"
                              "未导入：请核对申报编号")
            return number, None
        key = _match_key(values)
        if key[0] and key[1] and key[2]:
            return self.by_key.get(key), None
        if not person:
            return None, "缺少身份证号" + ("" if app_id else "和申报编号")
        mine = self.by_person.get(person, [])
        if len(mine) == 1:
            return mine[0], None
        missing = "、".join(h for h, k in (("系列", "series"), ("拟申报职称", "target_title")) if not values.get(k))
        if not mine:
            return None, (f"缺少{missing}，台账中也没有这个身份证号的申报：无法确定是哪一项申报，未新增"
                          "（请在导出文件中带上系列和拟申报职称，或申报编号）")
        return None, (f"缺少{missing}，台账中这个身份证号有{len(mine)}份申报：无法确定是哪一份，未导入"
                      "（请在导出文件中带上系列和拟申报职称，或申报编号）")


# --- the merge -------------------------------------------------------------------------------

def import_into(adapter: WorkbookAdapter, export_path: Path, *, overwrite: bool = False,
                alias_file: Path | None = None, user: str | None = None,
                now: dt.datetime | None = None) -> ImportReport:
    """Merge the export into 申报人员 (and its history into 审核记录) through ``adapter``:
    new rows, empty cells filled, (with ``overwrite``) differing cells replaced, new
    submissions, and a log row; then commit. Nothing is written when nothing changes."""
    frame = read_export(export_path)
    report = ImportReport()
    sheets = adapter.values()
    missing = [name for name in (schema.APPLICANT_SHEET, schema.LOG_SHEET) if name not in sheets]
    if missing:
        raise WriteRefused("工作簿缺少" + "、".join(f"“{m}”" for m in missing) + "工作表，无法导入")
    book = book_from_values(sheets)
    refuse_unreadable_tables(book, "applicants")
    refuse_ambiguous_columns(book, "applicants")
    year = book.settings.campaign_year
    spec = schema.applicant_sheet(book.ce_years)
    table = book.table("applicants")
    inputs = {c.key: c for c in spec.inputs}
    key_by_letter = {letter: key for key, letter in table.letters.items() if key in inputs}
    header_to_key = {clean_word(h): key_by_letter[table.letters[h]] for h in table.headers
                     if h and table.letters.get(h) in key_by_letter}
    header_to_key.update({clean_word(c.header): c.key for c in inputs.values() if table.letter(c.key)})
    alias = aliases(alias_file)
    mapping: dict[str, str] = {}
    history_columns: dict[str, tuple[int | None, str]] = {}      # export column -> (n-th or None, review key)
    for column in frame.columns:
        word = _canonical(column, alias)
        key = header_to_key.get(word)
        if key:
            mapping[column] = key
        elif (found := _history_column(column, alias)) is not None:
            history_columns[column] = found
        else:
            report.unmapped.append(str(column))
    if "id_number" not in mapping.values() and "app_id" not in mapping.values():
        raise WriteRefused("导出文件中找不到身份证号列（也没有申报编号列；可在导入别名表中补充列名对应关系）")
    apps = _Applications(table.rows)
    added: dict[int, int] = {}            # register row -> export row of the new rows added by this import
    ids = {str(r.values_by_key.get("app_id") or "") for r in table.rows}
    next_row = max([r.number for r in table.rows], default=1) + 1
    serial = len(table.rows)
    present = [(c, table.letter(c.key)) for c in spec.columns if table.letter(c.key)]
    input_letters = {c.key: letter for c, letter in present if not c.computed}
    formats = {letter: c.number_format for c, letter in present}
    current = {r.number: r.values_by_key for r in table.rows}
    cells: dict[tuple[int, str], object] = {}          # input cells to write: new rows, filled cells
    new_computed: dict[tuple[int, str], object] = {}   # the (empty) computed cells of new rows
    history: list[tuple[str, str, dict[str, object]]] = []   # (app id, where, one submission by review key)
    for index, raw in frame.iterrows():
        where = f"导出文件第{index}行"
        values = {}
        for c in mapping:
            key = mapping[c]
            value, why = typed(inputs[key], _cell(raw[c]))
            if why:
                report.problems.append(f"{where}（{inputs[key].header}）：{why}" +
                                       ("，已按原样导入，请核对" if value is not None else "，未导入该格"))
            if value is not None:
                values[key] = value
        if not values.get("id_number") and not values.get("app_id"):
            report.skipped.append(f"{where}：缺少身份证号")
            continue
        number, why = apps.resolve(values)
        if why:
            report.skipped.append(f"{where}：{why}")
            continue
        if number in added:
            report.skipped.append(f"{where}：与导出文件第{added[number]}行为同一人同一申报（身份证号、系列、拟申报职称相同），未重复新增")
            continue
        if number is None:
            if not values.get("app_id") or clean_word(values["app_id"]) in apps.by_app_id:
                serial += 1
                while f"{year}-{serial:03d}" in ids:
                    serial += 1
                values["app_id"] = f"{year}-{serial:03d}"
            ids.add(str(values["app_id"]))
            cells.update({(next_row, letter): values.get(k) for k, letter in input_letters.items()})
            new_computed.update({(next_row, letter): None for c, letter in present if c.computed})
            added[next_row] = index
            apps.add(next_row, values)
            current[next_row] = dict(values)
            report.added.append(f"{values['app_id']} {values.get('name', '')}")
            history += [(str(values["app_id"]), where, s) for s in _row_history(raw, history_columns, report, where)]
            next_row += 1
            continue
        row_values = current[number]
        for k, v in values.items():
            if k == "app_id" and not same(inputs[k], row_values.get(k), v):     # the key of 审核记录 and 缴费: never replaced
                report.conflicts.append(f"申报人员!{table.letter(k)}{number}（申报编号）：台账为“{_shown(row_values.get(k))}”，"
                                        f"导出为“{_shown(v)}”（按身份证号、系列、拟申报职称为同一申报；申报编号不会被覆盖）")
            if k not in inputs or k == "app_id":
                continue
            now_value = row_values.get(k)
            letter = table.letter(k)
            if now_value in (None, ""):
                cells[(number, letter)] = v
                row_values[k] = v
                report.filled += 1
            elif not same(inputs[k], now_value, v):
                if overwrite:
                    cells[(number, letter)] = v
                    report.updated += 1
                else:
                    report.conflicts.append(f"申报人员!{letter}{number}（{inputs[k].header}）：台账为“{_shown(now_value)}”，"
                                            f"导出为“{_shown(v)}”")
        app_id = apps.app_id_of.get(number, "")
        history += [(app_id, where, s) for s in _row_history(raw, history_columns, report, where)]
    for name, rows in read_history_sheets(export_path, alias):
        history += _sheet_history(name, rows, apps, report)
    if history:
        refuse_ambiguous_columns(book, "reviews")
    review_rows, review_cells, review_formats = _merge_history(book, history, overwrite, report)
    if report.changed:
        if cells:
            adapter.write_inputs(schema.APPLICANT_SHEET, cells, formats, table="tblApplicants")
        if new_computed:                                # formatted and shaded as the template's rows
            adapter.write_cells(schema.APPLICANT_SHEET, new_computed, formats, table="tblApplicants")
        if review_cells:
            adapter.write_inputs(schema.REVIEW_SHEET, review_cells, review_formats, table="tblReviews")
        for values in review_rows:
            adapter.append_row(schema.REVIEW_SHEET, "tblReviews", values,
                               {c.header: c.number_format for c in schema.REVIEW_COLUMNS})
        detail = (f"新增{len(report.added)}行，补填{report.filled}格，覆盖{report.updated}格，冲突{len(report.conflicts)}处"
                  + (f"，审核记录新增{len(report.reviews_added)}次提交" if report.reviews_added else "")
                  + f"（{Path(export_path).name}）")
        log_values, log_formats = log_row("导入平台数据", len(report.added), detail, now=now or dt.datetime.now(),
                                          user=user or current_user())
        adapter.append_row(schema.LOG_SHEET, "tblLog", log_values, log_formats)
        report.backup = adapter.commit()
    return report


# --- the submission history ----------------------------------------------------------------------

def _nth(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if len(text) == 1 and text in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[text]
    return None


def _history_column(column: object, alias: dict[str, str]) -> tuple[int | None, str] | None:
    """(n, review key) of an export column of the submission history: ``第2次提交时间`` ->
    (2, submitted_at), ``审核结果`` -> (None, result), ``提交次数`` -> (None, count); else None."""
    word = _canonical(column, alias)
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


def _submission(values: dict[str, object], where: str, report: ImportReport) -> dict[str, object] | None:
    """One submission's values typed (提交时间 and 处理时间 as date-times, 审核结果 as 通过,
    退回 or blank); None when it has no submission time or cannot be read (said in the report)."""
    out: dict[str, object] = {}
    for key in ("submitted_at", "decided_at"):
        raw = _cell(values.get(key))
        if raw is None:
            continue
        parsed = parse_datetime(raw)
        if parsed.value is None:
            report.problems.append(f"{where}：{parsed.finding.message if parsed.finding else '不是日期'}，该次提交未导入")
            return None
        out[key] = parsed.value
    if "submitted_at" not in out:
        if any(_cell(values.get(k)) is not None for k in ("result", "decided_at", "comments")):
            report.problems.append(f"{where}：有审核结果或意见但没有提交时间，该次提交未导入")
        return None
    result = _cell(values.get("result"))
    if result is not None:
        word = result_words().get(clean_word(result))
        if word is None:
            report.problems.append(f"{where}：审核结果“{_text(result)}”无法识别（应为通过、退回等），该次提交未导入")
            return None
        out["result"] = word or None
    comments = _cell(values.get("comments"))
    if comments is not None:
        out["comments"] = _text(comments)
    return out


def _row_history(raw, columns: dict[str, tuple[int | None, str]], report: ImportReport, where: str) -> list[dict]:
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
        sub = _submission(values, f"{where}（第{n}次提交）", report)
        if sub is not None:
            out.append({**sub, "number": n})
    if any(_cell(single.get(k)) is not None for k in ("submitted_at", "result", "decided_at", "comments")):
        n = parse_int(_cell(single.get("number"))).value or parse_int(_cell(single.get("count"))).value or 1
        sub = _submission(single, where, report)
        if sub is not None and n not in {s["number"] for s in out}:
            out.append({**sub, "number": n})
    return out


def _sheet_history(name: str, rows, apps: _Applications, report: ImportReport) -> list[tuple[str, str, dict]]:
    """The submissions of a history sheet (one a row), each with its application; rows of
    one application without a 第几次提交 are numbered in the order of their 提交时间."""
    found: list[tuple[str, str, dict]] = []
    unnumbered: dict[str, list[tuple[str, dict]]] = defaultdict(list)
    keys = {"申报编号": "app_id", "身份证号": "id_number", "系列": "series", "拟申报职称": "target_title"}
    for number, cells in rows:
        where = f"导出文件“{name}”表第{number}行"
        ident = {keys[h]: _cell(v) for h, v in cells.items() if h in keys and _cell(v) is not None}
        if not ident:
            continue
        row, why = apps.resolve(ident)
        if row is None:
            report.skipped.append(f"{where}：{why or '台账中没有这份申报'}，该次提交未导入")
            continue
        values = {HISTORY_KEYS.get(h, h): v for h, v in cells.items() if h in HISTORY_KEYS}
        values.update({"count": cells.get(COUNT_HEADER)})
        sub = _submission(values, where, report)
        if sub is None:
            continue
        app_id = apps.app_id_of.get(row, "")
        n = parse_int(_cell(values.get("number"))).value
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


def _merge_history(book, history: list[tuple[str, str, dict]], overwrite: bool, report: ImportReport):
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
                          else result_words().get(clean_word(old), _text(old)) == v)
            if old in (None, ""):
                cells[(row.number, table.letter(k))] = v
                report.filled += 1
            elif not same_value:
                if overwrite:
                    cells[(row.number, table.letter(k))] = v
                    report.updated += 1
                else:
                    report.conflicts.append(f"审核记录!{table.letter(k)}{row.number}（{columns[k].header}）："
                                            f"台账为“{_shown(old)}”，导出为“{_shown(v)}”")
    formats = {table.letter(c.key): c.number_format for c in schema.REVIEW_COLUMNS if table.letter(c.key)}
    return new_rows, cells, formats
