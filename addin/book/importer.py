"""``zhicheng import``: merge an applicant list exported from the provincial platform
into 申报人员, and the platform's submission history into 审核记录.

Its parts: :mod:`~addin.book.platform_export` reads the export (an .xlsx or .csv file,
its headers mapped to the register's through the alias table
``addin/data/import-aliases.csv``, editable) and types each value by its column;
:mod:`~addin.book.import_match` tells which application of the register an export row
is; :mod:`~addin.book.import_history` merges the submission history. This module merges
the rows.

New rows are added; for an existing row a register cell is filled only when it is empty
(``overwrite`` replaces differing values); differences are listed as conflicts. Values
are typed by their column: dates are written as dates (text such as ``2020-07-01`` or
``2020年7月1日`` included; one that is not a date is listed, never written as text),
numbers as numbers, phones normalised (:func:`addin.rules.contact.parse_phone`); an
equal value in another form (``2018-06-30 00:00:00`` and ``2018-06-30``) is no
conflict. Computed columns are never written.

The merge runs on any :class:`~addin.book.adapter.WorkbookAdapter` (:func:`import_into`):
the file through the safe writer (``zhicheng import``, :func:`import_export`) or the
workbook open in Excel (the ribbon's 导入平台数据).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import WriteRefused
from ..rules.catalog import clean_word
from . import schema
from .adapter import WorkbookAdapter
from .import_history import history_column, merge_history, row_history, sheet_history
from .import_match import Applications, ImportReport
from .inplace import PackageAdapter
from .platform_export import aliases, canonical, cell, read_export, read_history_sheets, same, shown, typed
from .reader import book_from_values
from .writes import current_user, log_row, refuse_ambiguous_columns, refuse_unreadable_tables

__all__ = ["ImportReport", "import_export", "import_into"]


def import_export(book_path: Path, export_path: Path, *, overwrite: bool = False, alias_file: Path | None = None,
                  user: str | None = None, now: dt.datetime | None = None) -> ImportReport:
    """``zhicheng import``: the merge into a workbook file (safe write, with backup)."""
    return import_into(PackageAdapter(Path(book_path)), export_path, overwrite=overwrite, alias_file=alias_file,
                       user=user, now=now)


def import_into(adapter: WorkbookAdapter, export_path: Path, *, overwrite: bool = False,
                alias_file: Path | None = None, user: str | None = None,
                now: dt.datetime | None = None) -> ImportReport:
    """Merge the export into 申报人员 (and its history into 审核记录) through ``adapter``:
    new rows, empty cells filled, (with ``overwrite``) differing cells replaced, new
    submissions, and a log row; then commit. Nothing is written when nothing changes."""
    export = read_export(export_path)
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
    for column in export.headers:
        word = canonical(column, alias)
        key = header_to_key.get(word)
        if key:
            mapping[column] = key
        elif (found := history_column(column, alias)) is not None:
            history_columns[column] = found
        else:
            report.unmapped.append(str(column))
    if "id_number" not in mapping.values() and "app_id" not in mapping.values():
        raise WriteRefused("导出文件中找不到身份证号列（也没有申报编号列；可在导入别名表中补充列名对应关系）")
    apps = Applications(table.rows)
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
    for index, raw in export.rows:
        where = f"导出文件第{index}行"
        values = {}
        for c in mapping:
            key = mapping[c]
            value, why = typed(inputs[key], cell(raw[c]))
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
            history += [(str(values["app_id"]), where, s) for s in row_history(raw, history_columns, report, where)]
            next_row += 1
            continue
        row_values = current[number]
        for k, v in values.items():
            if k == "app_id" and not same(inputs[k], row_values.get(k), v):     # the key of 审核记录 and 缴费: never replaced
                report.conflicts.append(f"申报人员!{table.letter(k)}{number}（申报编号）：台账为“{shown(row_values.get(k))}”，"
                                        f"导出为“{shown(v)}”（按身份证号、系列、拟申报职称为同一申报；申报编号不会被覆盖）")
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
                    report.conflicts.append(f"申报人员!{letter}{number}（{inputs[k].header}）：台账为“{shown(now_value)}”，"
                                            f"导出为“{shown(v)}”")
        app_id = apps.app_id_of.get(number, "")
        history += [(app_id, where, s) for s in row_history(raw, history_columns, report, where)]
    for name, rows in read_history_sheets(export_path, alias):
        history += sheet_history(name, rows, apps, report)
    if history:
        refuse_ambiguous_columns(book, "reviews")
    review_rows, review_cells, review_formats = merge_history(book, history, overwrite, report)
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
