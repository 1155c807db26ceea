"""Reading a master workbook into typed records that remember sheet and row.

The reader works on plain values (a list of rows per sheet), so the same code serves
the file adapter (openpyxl) and the live Excel adapter (xlwings). Problems become
findings located at ``sheet!<column letter><row>``; nothing here raises on bad data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from functools import lru_cache
from typing import Mapping

from openpyxl.utils import get_column_letter

from .. import data
from ..errors import Refused
from ..rules.base import Finding, error, is_excel_error, warning
from ..rules.calendar import AksuCalendar, read_day_rules
from ..rules.catalog import NO_TITLE, Catalog, build_catalog, clean_word, order_key
from ..rules.settings import Settings, show_value
from . import schema
from .records import printable_text, unprintable
from .schema import CE_HEADER, Sheet
from ..xlsx.reader import read_values
from ..xlsx.sheetvalues import SheetValues, iter_cells, iter_numbered


def cell_text(value: object) -> str:
    """A cell as text for comparison and display: None is "", 2024.0 is "2024"."""
    if value is None:
        return ""
    if type(value) is str:
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


class RowData:
    """One data row: ``values_by_key`` by schema key (known columns only, every one present),
    ``values`` by header (the schema's header for known columns, the sheet's for the
    others). Most readers want keys, so the reader keeps those and the few cells of other
    columns; ``values`` is put together when first asked for."""

    __slots__ = ("number", "values_by_key", "_values", "_layout", "_extra")

    def __init__(self, number: int, values: dict[str, object] | None = None,
                 values_by_key: dict[str, object] | None = None, *,
                 layout: tuple[tuple[str, str | None], ...] = (), extra: dict[str, object] | None = None):
        self.number = number                          # row number in the sheet
        self.values_by_key = values_by_key if values_by_key is not None else {}
        self._values = values
        self._layout = layout                         # (name, key or None) of each column, shared by the table
        self._extra = extra                           # name -> value of the columns without a key

    @property
    def values(self) -> dict[str, object]:
        if self._values is None:
            by_key, extra, out = self.values_by_key, self._extra or {}, {}
            for name, key in self._layout:       # a later column of the same name wins if it holds a value
                if not name:
                    continue
                if key:
                    out[name] = by_key.get(key)
                elif name in extra:
                    out[name] = extra[name]
                else:
                    out.setdefault(name, None)
            self._values = out
        return self._values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowData) and (self.number, self.values, self.values_by_key) == \
            (other.number, other.values, other.values_by_key)

    def __repr__(self) -> str:
        return f"RowData({self.number}, {self.values_by_key!r})"


@dataclass
class TableData:
    sheet: str
    headers: list[str] = field(default_factory=list)          # as found in the sheet, by column index
    letters: dict[str, str] = field(default_factory=dict)    # key or header (sheet's or schema's) -> column letter
    rows: list[RowData] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    present: bool = True
    duplicates: list[str] = field(default_factory=list)       # schema headers found more than once
    header_row: int | None = None                             # sheet row of the headers; None: not found
    missing_headers: list[str] = field(default_factory=list)  # when not found: the headers looked for
    unread: list[Finding] = field(default_factory=list)       # what was not read as data (also in findings)
    header_of: dict[str, str] = field(default_factory=dict)    # key -> the name its column goes under
    errors: dict[int, list[tuple[str, str, str]]] = field(default_factory=dict)  # row -> (header, cell, error value)

    def letter(self, key_or_header: str) -> str | None:
        return self.letters.get(key_or_header)

    def locate(self, finding: Finding, row: int, key_or_header: str | None = None) -> Finding:
        letter = self.letter(key_or_header) if key_or_header else None
        return finding.at(sheet=self.sheet, row=row, column=letter)


def error_rows(book: "Book", key: str = "applicants") -> dict[int, str]:
    """The rows of a table with a cell showing an Excel error value, and which (``工作单位
    （申报人员!H3）显示 Excel 错误值``, without the value itself, so that it can be printed):
    no output prints such a row; it is held back and named, with exit code 1 (issue 19.9)."""
    return {number: "、".join(f"{header}（{where}）显示 Excel 错误值" for header, where, _v in cells)
            for number, cells in book.table(key).errors.items()}


def error_row_lines(book: "Book", rows, what: str, key: str = "applicants") -> list[str]:
    """One line per row of ``rows`` (row numbers) that :func:`error_rows` holds back from
    ``what``, naming the application, the cells and their values, and what to do."""
    table = book.table(key)
    by_number = {r.number: r for r in table.rows}
    out = []
    for number in sorted(set(rows) & set(table.errors)):
        v = by_number[number].values_by_key
        who = " ".join(cell_text(x) for x in (v.get("app_id"), v.get("name")) if not is_excel_error(x) and cell_text(x))
        cells = "、".join(f"{header}（{where}）显示错误值{value}" for header, where, value in table.errors[number])
        out.append(f"{who or f'第{number}行'}（{table.sheet}第{number}行）：{cells}，未列入{what}；"
                   f"请在 Excel/WPS 中改正公式或填写内容后重新生成")
    return out


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@lru_cache(maxsize=None)
def _header_aliases() -> dict[str, str]:
    """Other names of register headers (addin/data/import-aliases.csv): 身份证号码 -> 身份证号."""
    return {clean_word(r["alias"]): clean_word(r["header"]) for r in data.rows("import-aliases")}


class _Matcher:
    """Which schema column a header names: its header or key, else an alias of its header."""

    def __init__(self, sheet: Sheet):
        self.sheet = sheet
        self.by_header = {clean_word(c.header): c for c in sheet.columns}
        self.by_key = {c.key: c for c in sheet.columns}

    def exact(self, word: str) -> str | None:
        column = self.by_header.get(word) or self.by_key.get(word)
        if column:
            return column.key
        if self.sheet.key == "applicants":
            match = CE_HEADER.match(word)
            if match:
                kind = "public" if match["kind"] == "公需课" else "professional"
                return schema.ce_key(kind, match["year"])
        return None

    def alias(self, word: str) -> str | None:
        column = self.by_header.get(_header_aliases().get(word, ""))
        return column.key if column else None

    def keys(self, cells) -> dict[int, str]:
        """0-based column -> key for a candidate header row (exact names first; an alias
        only for a column the row does not name exactly)."""
        words = {i: clean_word(v) for i, v in iter_cells(cells) if not _is_blank(v)}
        out = {i: k for i, w in words.items() if (k := self.exact(w))}
        taken = set(out.values())
        for i, w in words.items():
            if i not in out and (k := self.alias(w)) and k not in taken:
                out[i] = k
                taken.add(k)
        return out


def _find_header(sheet: Sheet, numbered: list[tuple[int, object]], matcher: _Matcher) -> tuple[int, object] | None:
    """The header row: among the first rows (limits.csv header_search_rows), the one naming
    the most columns of the sheet; at least two of them (a title row above,
    merged across, names none)."""
    search = int(data.limit("header_search_rows"))
    best, best_score = None, 0
    for number, cells in numbered:
        if number > search:
            break
        score = len(set(matcher.keys(cells).values()))
        if score > best_score:
            best, best_score = (number, cells), score
    return best if best_score >= min(2, len(sheet.columns)) else None


def read_table(sheet: Sheet, rows) -> TableData:
    """A data sheet's rows by header, skipping blank rows. ``rows`` is a
    :class:`~addin.xlsx.sheetvalues.SheetValues` (from the file) or a list of rows from row 1
    (live Excel). The header row is found by its headers within the first rows (a title
    row may sit above it); other names of a header (the alias table) are accepted; rows
    far below the others (more than limits.csv max_blank_gap blank rows) and cells
    beyond Excel's length limit are reported. An Excel table's totals row (表设计 > 汇总行,
    :attr:`SheetValues.totals`) is never a data row."""
    table = TableData(sheet.name)
    if rows is None:
        table.present = False
        table.findings.append(error(f"缺少工作表“{sheet.name}”").at(sheet=sheet.name))
        return table
    totals = rows.totals if isinstance(rows, SheetValues) else frozenset()     # an Excel table's totals row: no data
    numbered = [(n, cells) for n, cells in iter_numbered(rows)
                if n not in totals and cells and any(not _is_blank(v) for _, v in iter_cells(cells))]
    if not numbered:
        return table
    matcher = _Matcher(sheet)
    found = _find_header(sheet, numbered, matcher)
    if found is None:
        wanted = [c.header for c in sheet.columns if not c.computed]
        table.missing_headers = wanted
        search = int(data.limit("header_search_rows"))
        table.unread.append(error(f"在前{search}行中找不到“{sheet.name}”的表头（应有" +
                                  "、".join(f"“{h}”" for h in wanted[:6]) + ("等列" if len(wanted) > 6 else "列") +
                                  "），未读取该表的数据；请检查表头是否被改名或删除").at(sheet=sheet.name))
        table.findings += table.unread
        return table
    header_number, header_cells = found
    table.header_row = header_number
    keys_by_index = matcher.keys(header_cells)
    width = max((i for i, _ in iter_cells(header_cells)), default=-1) + 1
    labels = dict(iter_cells(header_cells))
    keys: list[str | None] = []
    names: list[str] = []              # the name a row's value goes under: the schema header for known columns
    canonical = {c.key: c.header for c in sheet.columns}
    for i in range(width):
        raw = labels.get(i)
        header = "" if raw is None else str(raw).strip()
        table.headers.append(header)
        key = keys_by_index.get(i)
        letter = get_column_letter(i + 1)
        if key and key in table.letters:          # the same column twice: which one is meant?
            table.duplicates.append(header)
            table.findings.append(error(f"列“{header}”出现了不止一次（{table.letters[key]}列和"
                                        f"{letter}列），请删除或改名其中一列").at(
                sheet=sheet.name, row=header_number, column=letter))
            key = None
        keys.append(key)
        names.append(canonical.get(key, header) if key else header)
        if header:
            table.letters.setdefault(header, letter)
            if key:
                table.letters.setdefault(key, letter)
                table.letters.setdefault(canonical.get(key, header), letter)
    for column in sheet.columns:
        if column.key not in table.letters:
            severity = warning if column.computed else error
            table.findings.append(severity(f"缺少列“{column.header}”").at(sheet=sheet.name, row=header_number))
    gap, longest = int(data.limit("max_blank_gap")), int(data.limit("cell_max_chars"))
    previous, stray = header_number, []
    blank_keys = {key: None for key in keys if key}              # every column present, as a dense row has
    layout = tuple(zip(names, keys))
    table.header_of = {key: name for name, key in layout if key}
    for number, raw_row in numbered:
        if number <= header_number:
            continue
        if number - previous - 1 > gap:
            stray.append((number, previous))
            continue
        previous = number
        by_key_values: dict[str, object] = dict(blank_keys)
        extra: dict[str, object] | None = None
        for i, value in iter_cells(raw_row):
            if i >= width or not names[i]:
                continue
            if value.__class__ is str:
                if len(value) > longest:
                    table.findings.append(error(f"{names[i]}：单元格有{len(value):,}个字符，超过 Excel 单元格的上限"
                                                f"{longest:,}个字符（Excel 和各输出文件会截断），请缩短").at(
                        sheet=sheet.name, row=number, column=get_column_letter(i + 1)))
                if value[:1] == "#" and is_excel_error(value):
                    table.errors.setdefault(number, []).append(
                        (names[i], f"{sheet.name}!{get_column_letter(i + 1)}{number}", value.strip()))
                if not value.isprintable() and (hidden := unprintable(value)):
                    value = printable_text(value)          # one way for every output: removed, and said
                    table.findings.append(warning(
                        f"{names[i]}：含有看不见的控制字符{'、'.join(hidden)}（多为从网页或其他软件复制粘贴带入），"
                        f"各输出中已删除（按“{value}”）；请在单元格中删除它").at(
                        sheet=sheet.name, row=number, column=get_column_letter(i + 1)))
            if keys[i]:
                by_key_values[keys[i]] = value
            else:
                if extra is None:
                    extra = {}
                extra[names[i]] = value
        table.rows.append(RowData(number, None, by_key_values, layout=layout, extra=extra))
    if stray:
        (number, before), more = stray[0], len(stray) - 1
        first = next(i for i, _ in iter_cells(dict(numbered)[number]))
        table.unread.append(error(f"第{number}行与上方的数据（第{before}行）之间隔了{number - before - 1:,}个空行，"
                                    f"不作为数据读取" + (f"（其后另有{more}行同样处理）" if more else "") +
                                    "；如是误输入，请删除这些单元格的内容").at(
            sheet=sheet.name, row=number, column=get_column_letter(first + 1)))
        table.findings.append(table.unread[-1])
    return table


@dataclass
class Book:
    """Everything a check or refresh needs, typed, with the findings met on the way."""

    settings: Settings
    catalog: Catalog
    calendar: AksuCalendar
    tables: dict[str, TableData]
    findings: list[Finding]
    ce_years: range
    sheet_names: list[str] = field(default_factory=list)
    choices: dict[str, set[str]] = field(default_factory=dict)    # drop-down lists of 字典, for membership checks
    dictionary: dict[str, list[str]] = field(default_factory=dict)  # the lists of 字典 in the sheet's order
    fingerprints: dict[str, str] = field(default_factory=dict)    # the hidden sheet: app id -> digest of the last refresh
    unread: list[Finding] = field(default_factory=list)   # cells or rows not read as they stand (also in findings):
                                                          # outputs made from this book must say so

    def table(self, key: str) -> TableData:
        return self.tables[key]

    def order(self, list_name: str) -> list[str]:
        """A list's order as data gives it: the 字典 sheet's column (staff may reorder or
        extend it), then the packaged list's other entries (e.g. 专业: 公路, 运输, 交通经济)."""
        sheet = self.dictionary.get(list_name, [])
        return list(dict.fromkeys(sheet + self.catalog.lists.get(list_name, [])))

    def sort_key(self, list_name: str):
        """Sort key putting values in :meth:`order`; others last, by text."""
        return order_key(self.order(list_name))


def _settings(table: TableData) -> tuple[Settings, list[Finding]]:
    values: dict[str, object] = {}
    where: dict[str, int] = {}
    for row in table.rows:
        key = clean_word(row.values_by_key.get("key"))
        if key:
            values[key] = row.values_by_key.get("value")
            where[key] = row.number
    if not where:        # no setting at all (the sheet is missing or empty): one finding, not one per setting
        return data.default_settings(), [error("没有读到任何参数，全部暂按通知的默认值计算（可用 zhicheng new "
                                               "新建台账，复制其“参数”表）").at(sheet=table.sheet)]
    labels = data.setting_labels()
    settings, findings = Settings.from_values(values, fallback=data.default_settings(), labels=labels)
    settings, more = _settings_in_lists(settings, labels)
    findings += more
    located = []
    for f in findings:
        key = f.column or ""
        located.append(f.at(sheet=table.sheet, row=where.get(key, 1), column=table.letter("value") or "B")
                       if key in where else
                       Finding(f"缺少参数“{labels.get(key, key)}”这一行，暂按默认值{show_value(getattr(settings, key, ''))}",
                               f.severity, f.clause, table.sheet, None, None))
    return settings, located


def _settings_in_lists(settings: Settings, labels: Mapping[str, str]) -> tuple[Settings, list[Finding]]:
    """Settings that name list entries (a Mandarin level, levels, titles) must name real
    ones; otherwise a finding and the packaged default (a typo must not stop the rules)."""
    catalog, default = data.default_catalog(), data.default_settings()
    allowed = {"mandarin_min_level": set(catalog.lists.get("普通话等级", [])),
               "defense_levels": {"初级", "中级", "高级"},
               "econ_exam_titles": set(catalog.titles),
               "mandarin_employer_types": set(catalog.lists.get("单位性质", []))}
    findings, changes = [], {}
    for key, options in allowed.items():
        value = getattr(settings, key)
        bad = [v for v in (value if isinstance(value, tuple) else (value,)) if v not in options]
        if bad:
            changes[key] = getattr(default, key)
            shown = "、".join(changes[key]) if isinstance(changes[key], tuple) else changes[key]
            findings.append(error(f"参数“{labels.get(key, key)}”中的“{'、'.join(bad)}”不在可选范围内（可填：{'、'.join(sorted(options))}），"
                                  f"暂按默认值{shown}").at(column=key))
    return (dataclasses.replace(settings, **changes) if changes else settings), findings


def _uncached(sheets: Mapping[str, object]) -> list[Finding]:
    """One finding per sheet naming the formula cells whose result the file does not hold
    (they read as blank): the clerk opens and saves the file in Excel or WPS once."""
    out = []
    for name, sheet in sheets.items():
        if isinstance(sheet, SheetValues) and sheet.uncached and name not in schema.OWN_SHEETS:
            cells = sheet.uncached
            first = cells[0].rstrip("0123456789")
            out.append(error(f"有{len(cells)}个公式单元格没有保存计算结果（" + "、".join(cells[:10]) +
                             ("等" if len(cells) > 10 else "") + "），只能按空白读取，相关结论可能不对；"
                             "请在 Excel 或 WPS 中打开台账并保存一次后再运行").at(
                sheet=name, row=int(cells[0][len(first):]), column=first))
    return out


def fingerprints_from(rows) -> dict[str, str]:
    """The hidden fingerprint sheet: application id -> digest, below its header row."""
    if rows is None:
        return {}
    out = {}
    for number, cells in iter_numbered(rows):
        values = dict(iter_cells(cells))
        if number > 1 and not _is_blank(values.get(0)):
            out[cell_text(values.get(0))] = cell_text(values.get(1))
    return out


def book_from_values(sheets: Mapping[str, object]) -> Book:
    """Build a :class:`Book` from ``{sheet name: rows}``: a
    :class:`~addin.xlsx.sheetvalues.SheetValues` per sheet (a file, :func:`read_book`) or a list
    of rows from row 1 (live Excel)."""
    findings: list[Finding] = _uncached(sheets)
    settings_spec = next(s for s in schema.sheets(range(0)) if s.key == "settings")
    settings_table = read_table(settings_spec, sheets.get(settings_spec.name))
    findings += settings_table.findings
    settings, problems = _settings(settings_table)
    findings += problems
    tables = {"settings": settings_table}
    for spec in schema.sheets(settings.ce_years):
        if spec.table and spec.key != "settings":
            tables[spec.key] = read_table(spec, sheets.get(spec.name))
            findings += tables[spec.key].findings
    # the eligibility table and the holiday sheet
    rules = tables["rules"]
    catalog, rule_findings = build_catalog(data.rows("titles"), data.rows("education"), data.rows("lists"),
                                           [r.values_by_key for r in rules.rows])
    findings += [f.at(sheet=rules.sheet, row=rules.rows[f.row - 1].number) for f in rule_findings]
    if not rules.rows:
        catalog = data.default_catalog()
        findings.append(warning("评审条件表为空，暂按内置的默认评审条件计算").at(sheet=rules.sheet))
    holidays = tables["holidays"]
    day_rules, day_findings = read_day_rules([r.values_by_key for r in holidays.rows])
    findings += [f.at(sheet=holidays.sheet, row=holidays.rows[f.row - 1].number, column=holidays.letter("date"))
                 for f in day_findings]
    calendar = data.calendar(tuple(day_rules))
    choices = {name: set(values) for name, values in catalog.lists.items()}
    choices["职称"] = set(catalog.titles) | set(catalog.title_aliases)
    choices["现职称"] = choices["职称"] | set(NO_TITLE)
    choices["学历"] = set(catalog.education) | set(catalog.education_aliases)
    dictionary = _dictionary(sheets.get(schema.LISTS_SHEET))
    for name, values in dictionary.items():
        choices.setdefault(name, set()).update(values)
    unread = _uncached(sheets) + [f for t in tables.values() for f in t.unread]
    return Book(settings, catalog, calendar, tables, findings, settings.ce_years,
                [n for n in sheets if n != schema.FINGERPRINT_SHEET], choices,
                fingerprints=fingerprints_from(sheets.get(schema.FINGERPRINT_SHEET)), dictionary=dictionary,
                unread=unread)


def _dictionary(rows) -> dict[str, list[str]]:
    """The 字典 sheet: one list per column, its name in the first row (staff may add options)."""
    numbered = [(n, dict(iter_cells(cells))) for n, cells in iter_numbered(rows or [])]
    numbered = [(n, cells) for n, cells in numbered if any(not _is_blank(v) for v in cells.values())]
    if not numbered:
        return {}
    out: dict[str, list[str]] = {}
    for i, name in numbered[0][1].items():
        if name in (None, ""):
            continue
        out[clean_word(name)] = [clean_word(r[i]) for _, r in numbered[1:] if clean_word(r.get(i))]
    return out


def workbook_values(wb) -> dict[str, list[tuple]]:
    """Plain values of every worksheet of an openpyxl workbook."""
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def read_book(path: Path) -> Book:
    """Read a workbook file (read-only, streamed: :mod:`addin.xlsx.reader`) into a :class:`Book`."""
    try:
        values = read_values(Path(path))
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - a file the reader cannot read is the file's problem: a refusal
        raise Refused(f"无法读取“{Path(path).name}”：文件已损坏，或不是 Excel/WPS 保存的工作簿"
                      f"（{type(exc).__name__}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。") from exc
    return book_from_values(values)
