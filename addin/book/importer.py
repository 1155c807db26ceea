"""``zhicheng import``: merge an applicant list exported from the provincial platform
into 申报人员.

Headers vary between exports; they are mapped to the register's headers through the
alias table (``addin/data/import-aliases.csv``, editable). Rows are matched by ID
number + series + target title. New rows are added; for an existing row a register
cell is filled only when it is empty (``overwrite`` replaces differing values);
differences are listed as conflicts. Computed columns are never written.

The merge runs on any :class:`~addin.book.adapter.WorkbookAdapter` (:func:`import_into`):
the file through the safe writer (``zhicheng import``, :func:`import_export`) or the
workbook open in Excel (the ribbon's 导入平台数据).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .. import data
from ..rules.catalog import clean_word
from ..rules.identity import normalise_id
from . import schema
from .adapter import WorkbookAdapter
from .inplace import PackageAdapter
from .reader import book_from_values
from .writes import current_user, log_row, refuse_ambiguous_columns, refuse_unreadable_tables
from .safe_write import WriteRefused

MATCH_KEYS = ("id_number", "series", "target_title")


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)            # application ids of new rows
    filled: int = 0                                            # empty register cells filled
    updated: int = 0                                           # differing cells replaced (overwrite)
    conflicts: list[str] = field(default_factory=list)         # differences left as they were
    skipped: list[str] = field(default_factory=list)           # export rows that could not be used
    unmapped: list[str] = field(default_factory=list)          # export headers not understood
    backup: Path | None = None                                 # the file's backup (nothing written, or live: None)


def aliases(extra: Path | None = None) -> dict[str, str]:
    table = {clean_word(r["alias"]): clean_word(r["header"]) for r in data.rows("import-aliases")}
    if extra:
        for _, r in pd.read_csv(extra, dtype=str).fillna("").iterrows():
            table[clean_word(r.iloc[0])] = clean_word(r.iloc[1])
    return table


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
            from .safe_write import os_reason

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


def _same(a: object, b: object) -> bool:
    def norm(v):
        if isinstance(v, dt.datetime):
            v = v.date()
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return clean_word(v) if not isinstance(v, dt.date) else v
    return norm(a) == norm(b)


def _match_key(values: dict) -> tuple:
    return (normalise_id(values.get("id_number")), clean_word(values.get("series")), clean_word(values.get("target_title")))


def import_export(book_path: Path, export_path: Path, *, overwrite: bool = False, alias_file: Path | None = None,
                  user: str | None = None, now: dt.datetime | None = None) -> ImportReport:
    """``zhicheng import``: the merge into a workbook file (safe write, with backup)."""
    return import_into(PackageAdapter(Path(book_path)), export_path, overwrite=overwrite, alias_file=alias_file,
                       user=user, now=now)


def import_into(adapter: WorkbookAdapter, export_path: Path, *, overwrite: bool = False,
                alias_file: Path | None = None, user: str | None = None,
                now: dt.datetime | None = None) -> ImportReport:
    """Merge the export into 申报人员 through ``adapter``: new rows, empty cells filled,
    (with ``overwrite``) differing cells replaced, and a log row; then commit. Nothing
    is written when nothing changes."""
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
    for column in frame.columns:
        word = clean_word(column)
        key = header_to_key.get(alias.get(word, word))
        if key:
            mapping[column] = key
        else:
            report.unmapped.append(str(column))
    if "id_number" not in mapping.values():
        raise WriteRefused("导出文件中找不到身份证号列（可在导入别名表中补充列名对应关系）")
    existing = {_match_key(r.values_by_key): r for r in table.rows}
    added: dict[tuple, int] = {}          # key -> export row of the new rows added by this import
    ids = {str(r.values_by_key.get("app_id") or "") for r in table.rows}
    next_row = max([r.number for r in table.rows], default=1) + 1
    serial = len(table.rows)
    present = [(c, table.letter(c.key)) for c in spec.columns if table.letter(c.key)]
    input_letters = {c.key: letter for c, letter in present if not c.computed}
    formats = {letter: c.number_format for c, letter in present}
    cells: dict[tuple[int, str], object] = {}          # input cells to write: new rows, filled cells
    new_computed: dict[tuple[int, str], object] = {}   # the (empty) computed cells of new rows
    for index, raw in frame.iterrows():
        values = {mapping[c]: _cell(raw[c]) for c in mapping}
        values = {k: v for k, v in values.items() if v is not None}
        where = f"导出文件第{index}行"
        if not values.get("id_number"):
            report.skipped.append(f"{where}：缺少身份证号")
            continue
        key = _match_key(values)
        if key in added:
            report.skipped.append(f"{where}：与导出文件第{added[key]}行为同一人同一申报（身份证号、系列、拟申报职称相同），未重复新增")
            continue
        row = existing.get(key)
        if row is None:
            if not values.get("app_id"):
                serial += 1
                while f"{year}-{serial:03d}" in ids:
                    serial += 1
                values["app_id"] = f"{year}-{serial:03d}"
            ids.add(str(values["app_id"]))
            cells.update({(next_row, letter): values.get(k) for k, letter in input_letters.items()})
            new_computed.update({(next_row, letter): None for c, letter in present if c.computed})
            added[key] = index
            report.added.append(f"{values['app_id']} {values.get('name', '')}")
            next_row += 1
            continue
        for k, v in values.items():
            if k not in inputs or k == "app_id":
                continue
            current = row.values_by_key.get(k)
            letter = table.letter(k)
            if current in (None, ""):
                cells[(row.number, letter)] = v
                report.filled += 1
            elif not _same(current, v):
                if overwrite:
                    cells[(row.number, letter)] = v
                    report.updated += 1
                else:
                    report.conflicts.append(f"申报人员!{letter}{row.number}（{inputs[k].header}）：台账为“{current}”，导出为“{v}”")
    if report.added or report.filled or report.updated:
        adapter.write_inputs(schema.APPLICANT_SHEET, cells, formats, table="tblApplicants")
        if new_computed:                                # formatted and shaded as the template's rows
            adapter.write_cells(schema.APPLICANT_SHEET, new_computed, formats, table="tblApplicants")
        detail = f"新增{len(report.added)}行，补填{report.filled}格，覆盖{report.updated}格，冲突{len(report.conflicts)}处（{Path(export_path).name}）"
        log_values, log_formats = log_row("导入平台数据", len(report.added), detail, now=now or dt.datetime.now(),
                                          user=user or current_user())
        adapter.append_row(schema.LOG_SHEET, "tblLog", log_values, log_formats)
        report.backup = adapter.commit()
    return report
