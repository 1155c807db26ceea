"""Reading a master workbook into typed records that remember sheet and row.

The reader works on plain values (a list of rows per sheet), so the same code serves
the file adapter (openpyxl) and the live Excel adapter (xlwings). Problems become
findings located at ``sheet!<column letter><row>``; nothing here raises on bad data.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Sequence

from openpyxl.utils import get_column_letter

from .. import data
from ..errors import Refused
from ..rules.base import Finding, error, warning
from ..rules.calendar import AksuCalendar, read_day_rules
from ..rules.catalog import NO_TITLE, Catalog, build_catalog, clean_word, order_key
from ..rules.settings import Settings, show_value
from . import schema
from .schema import CE_HEADER, Sheet


def cell_text(value: object) -> str:
    """A cell as text for comparison and display: None is "", 2024.0 is "2024"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class RowData:
    number: int                                   # row number in the sheet
    values: dict[str, object]                     # by header as found in the sheet
    values_by_key: dict[str, object]              # by schema key (known columns only)


@dataclass
class TableData:
    sheet: str
    headers: list[str] = field(default_factory=list)
    letters: dict[str, str] = field(default_factory=dict)    # key or header -> column letter
    rows: list[RowData] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    present: bool = True
    duplicates: list[str] = field(default_factory=list)       # schema headers found more than once

    def letter(self, key_or_header: str) -> str | None:
        return self.letters.get(key_or_header)

    def locate(self, finding: Finding, row: int, key_or_header: str | None = None) -> Finding:
        letter = self.letter(key_or_header) if key_or_header else None
        return finding.at(sheet=self.sheet, row=row, column=letter)


def read_table(sheet: Sheet, rows: Sequence[Sequence[object]] | None) -> TableData:
    """A data sheet's rows by header (row 1), skipping blank rows."""
    table = TableData(sheet.name)
    if rows is None:
        table.present = False
        table.findings.append(error(f"缺少工作表“{sheet.name}”").at(sheet=sheet.name))
        return table
    if not rows:
        return table
    by_header = {clean_word(c.header): c for c in sheet.columns}
    by_key = {c.key: c for c in sheet.columns}
    header_row = list(rows[0])
    keys: list[str | None] = []
    for i, raw in enumerate(header_row):
        header = "" if raw is None else str(raw).strip()
        table.headers.append(header)
        word = clean_word(header)
        column = by_header.get(word) or by_key.get(word)
        key = column.key if column else None
        if key is None and sheet.key == "applicants":
            match = CE_HEADER.match(word)
            if match:
                kind = "public" if match["kind"] == "公需课" else "professional"
                key = f"ce_{kind}_{match['year']}"
        if key and key in table.letters:          # the same column twice: which one is meant?
            table.duplicates.append(header)
            table.findings.append(error(f"列“{header}”出现了不止一次（{table.letters[key]}列和"
                                        f"{get_column_letter(i + 1)}列），请删除或改名其中一列").at(
                sheet=sheet.name, row=1, column=get_column_letter(i + 1)))
            key = None
        keys.append(key)
        if header:
            letter = get_column_letter(i + 1)
            table.letters.setdefault(header, letter)
            if key:
                table.letters.setdefault(key, letter)
    for column in sheet.columns:
        if column.key not in table.letters:
            severity = warning if column.computed else error
            table.findings.append(severity(f"缺少列“{column.header}”").at(sheet=sheet.name, row=1))
    for offset, raw_row in enumerate(rows[1:], start=2):
        if raw_row is None or all(v is None or (isinstance(v, str) and not v.strip()) for v in raw_row):
            continue
        values: dict[str, object] = {}
        by_key_values: dict[str, object] = {}
        for i, value in enumerate(raw_row):
            if i >= len(table.headers) or not table.headers[i]:
                continue
            values[table.headers[i]] = value
            if keys[i]:
                by_key_values[keys[i]] = value
        table.rows.append(RowData(offset, values, by_key_values))
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
               "mandarin_employer_types": set(catalog.lists.get("单位性质", [])),
               "inactive_statuses": set(catalog.lists.get("状态", []))}
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


def book_from_values(sheets: Mapping[str, Sequence[Sequence[object]]]) -> Book:
    """Build a :class:`Book` from ``{sheet name: rows of values}``."""
    findings: list[Finding] = []
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
    return Book(settings, catalog, calendar, tables, findings, settings.ce_years, list(sheets), choices, dictionary)


def _dictionary(rows: Sequence[Sequence[object]] | None) -> dict[str, list[str]]:
    """The 字典 sheet: one list per column, its name in row 1 (staff may add options)."""
    if not rows:
        return {}
    out: dict[str, list[str]] = {}
    for i, name in enumerate(rows[0]):
        if name in (None, ""):
            continue
        out[clean_word(name)] = [clean_word(r[i]) for r in rows[1:] if i < len(r) and clean_word(r[i])]
    return out


def workbook_values(wb) -> dict[str, list[tuple]]:
    """Plain values of every worksheet of an openpyxl workbook."""
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def read_book(path: Path) -> Book:
    """Read a workbook file (read-only) into a :class:`Book`."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            values = workbook_values(wb)
        finally:
            wb.close()
    except Exception as exc:  # noqa: BLE001 - a file openpyxl cannot read is the file's problem: a refusal
        raise Refused(f"无法读取“{Path(path).name}”：文件已损坏，或不是 Excel/WPS 保存的工作簿"
                      f"（{type(exc).__name__}）。请用 Excel 或 WPS 打开后另存为 .xlsx 再试。") from exc
    return book_from_values(values)
