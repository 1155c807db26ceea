"""Reading the provincial platform's export (``zhicheng import``): the file, its headers,
the alias table, and each value typed by the register column it goes into.

An export is read into an :class:`ExportTable` (headers, and each data row as
``{header: value}`` with its row number in the file), by the project's own means: the one
bounded reader (:func:`addin.xlsx.reader.read_values`) for .xlsx/.xlsm, the ``csv``
module for .csv (UTF-8, with or without BOM, else GB18030, the encoding Excel's “CSV” has
on a Chinese Windows). Other files (.xls included) are refused. Header cells are named as
the import has always named them: a blank one ``Unnamed: 3`` (its 0-based column), a
repeated one ``姓名.1`` (:func:`column_names`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .. import data
from ..errors import WriteRefused, os_reason
from ..rules.catalog import clean_word
from ..rules.contact import parse_phone
from ..rules.dates import parse_date, parse_datetime, parse_year
from ..rules.identity import normalise_id
from ..rules.settings import parse_bool, parse_int, parse_number
from . import schema

#: the encodings a .csv export is tried in, in order (utf-8-sig reads UTF-8 with or without BOM)
CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class ExportTable:
    """The export's first sheet: column names (:func:`column_names`) and the data rows,
    each as (its row number in the file, {column name: value}); an empty cell is ``""``."""

    headers: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)


def aliases(extra: Path | None = None) -> dict[str, str]:
    """The alias table (``addin/data/import-aliases.csv``: the platform's word -> the
    register's header), with the rows of ``extra`` (a CSV of two columns after a header
    row, read as an export is) added or replacing."""
    table = {clean_word(r["alias"]): clean_word(r["header"]) for r in data.rows("import-aliases")}
    if extra:
        for record in _csv_records(Path(extra))[1:]:
            if record:
                table[clean_word(record[0])] = clean_word(record[1] if len(record) > 1 else "")
    return table


@lru_cache(maxsize=None)
def result_words() -> dict[str, str]:
    """The platform's words for a review's result (``import-results.csv``) -> 通过 / 退回 / ""."""
    return {clean_word(r["word"]): r["result"].strip() for r in data.rows("import-results")}


def canonical(header: object, alias: dict[str, str]) -> str:
    """A header as the register names it: cleaned, then through the alias table."""
    word = clean_word(header)
    return alias.get(word, word)


def read_export(path: Path) -> ExportTable:
    """The export as text/date cells (ID numbers never become floats), one row per data
    row, with its row number in the file.

    An .xlsx/.xlsm export is read through the one bounded reader
    (:func:`addin.xlsx.reader.read_values`, as a workbook taken in: ``intake_max_mb``):
    its first sheet, every row that holds data whatever its ``<dimension>`` says, the
    first of them the headers. A .csv is refused beyond the same size; its first line
    that is not blank holds the headers. Either is refused beyond ``intake_max_rows``
    rows."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        table = _read_csv(path)
    elif suffix in (".xlsx", ".xlsm"):
        from ..xlsx.reader import read_values

        sheets = read_values(path, intake=True)
        rows = next(iter(sheets.values())).rows if sheets else []
        if not rows:
            return ExportTable()
        (_, header), body = rows[0], rows[1:]
        width = max(max(cells, default=-1) for _, cells in rows) + 1
        names = column_names([header.get(i) for i in range(width)])
        table = ExportTable(names, [(number, {name: cells.get(i, "") for i, name in enumerate(names)})
                                    for number, cells in body])
    else:
        raise WriteRefused(f"“{path.name}”不是 .xlsx 或 .csv 文件")
    _refuse_too_many_rows(path, len(table.rows))
    return table


def _refuse_too_many_rows(path: Path, count: int) -> None:
    most = int(data.limit("intake_max_rows"))
    if count > most:
        raise WriteRefused(f"“{path.name}”有{count:,}行，超过导入文件的上限{most:,}行（limits.csv 的 intake_max_rows），"
                           f"不像平台导出的名单，拒绝读取")


def _read_csv(path: Path) -> ExportTable:
    """A .csv export: the first record that is not blank names the columns; a row's
    number is the row Excel shows it in (blank lines counted, a value over several lines
    one row). A row with a value beyond the last header is refused (a comma in a value
    that is not quoted shifts every value after it): nothing is guessed."""
    records = _csv_records(path)
    most = int(data.limit("intake_max_rows"))
    table = ExportTable()
    width = 0
    for number, record in enumerate(records, start=1):
        if _blank(record):
            continue
        if not table.headers and width == 0:
            table.headers = column_names(record, strip=False)
            width = len(record)
            continue
        if len(record) > width and any(v.strip() for v in record[width:]):
            raise WriteRefused(f"“{path.name}”第{number}行有{len(record)}个值，多于标题行的{width}列"
                               "（可能某个值中有逗号而未加引号），无法确定各值属于哪一列，拒绝读取："
                               "请在 Excel 中打开核对后另存为 .xlsx 再导入")
        table.rows.append((number, {name: (record[i] if i < len(record) else "")
                                    for i, name in enumerate(table.headers)}))
        if len(table.rows) > most:
            break                                   # refused by the caller: no need to read on
    return table


def _blank(record: list[str]) -> bool:
    """A blank line or one of spaces only (not ``""``, an empty value), which the export's
    reader has always skipped."""
    return not record or (len(record) == 1 and record[0] != "" and not record[0].strip(" \t"))


def _csv_records(path: Path) -> list[list[str]]:
    """Every record of a .csv file (a blank line an empty one), decoded in the first of
    :data:`CSV_ENCODINGS` that reads it; refused beyond ``intake_max_mb``, unreadable, or
    in another encoding."""
    limit_mb = data.limit("intake_max_mb")
    try:
        size = path.stat().st_size
        if size > limit_mb * 2**20:
            raise WriteRefused(f"“{path.name}”有{size / 2**20:,.0f} MB，超过导入文件的上限{limit_mb:,.0f} MB"
                               f"（limits.csv 的 intake_max_mb），不像平台导出的名单，拒绝读取")
        raw = path.read_bytes()
    except OSError as exc:
        raise WriteRefused(f"无法读取“{path.name}”：{os_reason(exc)}") from None
    for encoding in CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise WriteRefused(f"无法识别“{path.name}”的文字编码（应为 UTF-8 或 GBK）")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:                         # a value over csv's field limit (131,072 characters)
        raise WriteRefused(f"“{path.name}”第{reader.line_num}行无法按 CSV 读取（{exc}），拒绝读取") from None


def column_names(headers: list[object], *, strip: bool = True) -> list[str]:
    """Header cells as column names, as pandas named them when it read the export: a
    blank one ``Unnamed: 3`` (its 0-based column), a repeated one ``姓名.1``, ``姓名.2``
    (skipping a name the headers already hold: 姓名, 姓名, 姓名.1 -> 姓名, 姓名.2, 姓名.1;
    a blank header's ``Unnamed: 3`` gives way to a header written so).
    An .xlsx header cell is taken stripped (a whole number without ``.0``), a .csv one
    as written (``strip=False``)."""
    names: list[str] = []
    unnamed: list[int] = []
    for i, header in enumerate(headers):
        name = "" if header is None else str(header)
        if strip:
            name = name.strip()
            if isinstance(header, float) and header.is_integer():
                name = str(int(header))
        if not name:
            name = f"Unnamed: {i}"
            unnamed.append(i)
        names.append(name)
    counts: dict[str, int] = {}
    for i in [i for i in range(len(names)) if i not in unnamed] + unnamed:     # a blank one yields its name
        name = names[i]
        original, count = name, counts.get(name, 0)
        if count > 0:
            while count > 0:
                counts[original] = count + 1
                name = f"{original}.{count}"
                count = count + 1 if name in names else counts.get(name, 0)
            names[i] = name
        counts[name] = count + 1
    return names


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
        headers = {i: canonical(v, alias) for i, v in head.items() if v is not None and str(v).strip()}
        words = set(headers.values())
        if "提交时间" not in words or not words & {"申报编号", "身份证号"}:
            continue
        out.append((name, [(number, {headers[i]: v for i, v in cells.items() if i in headers}) for number, cells in body]))
    return out


def cell(value: object) -> object:
    """An export cell's value: blank text and NaN as None, text stripped, a date-time at
    midnight as its date."""
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
            return text(value), phone.finding.message
        return (phone.value.text if phone.value else None), None
    else:
        return text(value), None
    if parsed.finding:
        return None, parsed.finding.message
    return parsed.value, None


def text(value: object) -> str:
    """A value as text: a whole float without its ``.0``, a date-time as 2024-09-05 (18:00)."""
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


def shown(value: object) -> str:
    """A value as a report quotes it."""
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}" if value.time() != dt.time(0) else f"{value:%Y-%m-%d}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return text(value)
