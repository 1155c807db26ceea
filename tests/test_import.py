"""Importing the platform's export into 申报人员."""

import datetime as dt

import pytest
from openpyxl import load_workbook

from addin.book import schema
from addin.book.inplace import PackageAdapter
from addin.book.importer import import_export, import_into
from addin.book.reader import read_book
from addin.errors import WriteRefused
from addin.cli import main
from conftest import make_id
from exports import write_export


def _first(book):
    return read_book(book).table("applicants").rows[0]


def test_aliases_new_rows_empty_cells_and_conflicts(book, tmp_path):
    first = _first(book).values_by_key
    newcomer = make_id("652922", "19910101", "555")
    export = tmp_path / "平台导出.xlsx"
    write_export(export, [
        {"证件号码": first["id_number"], "申报系列": first["series"], "申报职称": first["target_title"],
         "申报人": first["name"], "单位名称": "另一个单位", "备注": "平台备注"},
        {"证件号码": newcomer, "申报系列": "工程系列", "申报职称": "工程师", "申报人": "新人甲",
         "取得现职称时间": dt.datetime(2019, 5, 1), "最高学历": "大学本科", "无关列": "x"},
    ])
    before = len(read_book(book).table("applicants").rows)
    report = import_export(book, export, user="测试")
    assert report.added == ["2024-062 新人甲"]
    assert report.filled == 0 and report.unmapped == ["无关列"]
    assert [c for c in report.conflicts if "工作单位" in c] and [c for c in report.conflicts if "备注" in c]
    rows = read_book(book).table("applicants").rows
    assert len(rows) == before + 1
    new = rows[-1].values_by_key
    assert new["id_number"] == newcomer and new["current_title_date"] == dt.datetime(2019, 5, 1)
    assert rows[0].values_by_key["employer"] == first["employer"]            # conflict left alone
    ws = load_workbook(book)[schema.APPLICANT_SHEET]
    assert ws.tables["tblApplicants"].ref.endswith(str(before + 2))
    # the same import again adds nothing
    again = import_export(book, export, user="测试")
    assert again.added == [] and again.filled == 0 and len(read_book(book).table("applicants").rows) == before + 1


def test_overwrite_replaces_differing_values(book, tmp_path):
    first = _first(book).values_by_key
    export = tmp_path / "导出.csv"
    write_export(export, [{"身份证号码": first["id_number"], "系列": first["series"], "拟申报职称": first["target_title"],
                           "工作单位": "改名后的单位"}], encoding="gbk")
    report = import_export(book, export, overwrite=True, user="测试")
    assert report.updated == 1 and report.conflicts == []
    assert _first(book).values_by_key["employer"] == "改名后的单位"


def test_empty_register_cells_are_filled(book, tmp_path):
    wb = load_workbook(book)
    letter = read_book(book).table("applicants").letter("school")
    wb[schema.APPLICANT_SHEET][f"{letter}2"] = None
    wb.save(book)
    first = _first(book).values_by_key
    export = tmp_path / "导出.csv"
    write_export(export, [{"身份证号": first["id_number"], "系列": first["series"], "拟申报职称": first["target_title"],
                           "毕业学校": "新疆大学"}])
    assert import_export(book, export, user="测试").filled == 1
    assert _first(book).values_by_key["school"] == "新疆大学"


def test_an_export_without_id_numbers_is_refused(book, tmp_path, capsys):
    export = tmp_path / "导出.csv"
    write_export(export, [{"姓名": "某人"}])
    original = book.read_bytes()
    with pytest.raises(WriteRefused, match="身份证号"):
        import_export(book, export)
    assert main(["import", str(book), str(export)]) == 2
    assert book.read_bytes() == original


class RecordingAdapter(PackageAdapter):
    """The file adapter, remembering what the import asked it to write."""

    def __init__(self, path):
        super().__init__(path)
        self.inputs: dict = {}
        self.computed: dict = {}

    def write_inputs(self, sheet, cells, formats, table=None):
        assert sheet == schema.APPLICANT_SHEET and table == "tblApplicants"
        self.inputs.update(cells)
        super().write_inputs(sheet, cells, formats, table)

    def write_cells(self, sheet, cells, formats, table=None):
        assert sheet == schema.APPLICANT_SHEET
        self.computed.update(cells)
        super().write_cells(sheet, cells, formats, table)


def _sheet(path):
    return [list(r) for r in load_workbook(path)[schema.APPLICANT_SHEET].iter_rows(values_only=True)]


def test_the_import_writes_input_cells_of_new_and_filled_rows_only(book, tmp_path):
    table = read_book(book).table("applicants")
    first = table.rows[0]
    export = tmp_path / "导出.xlsx"
    write_export(export, [
        {"身份证号": first.values_by_key["id_number"], "系列": first.values_by_key["series"],
         "拟申报职称": first.values_by_key["target_title"], "工作单位": "另一个单位", "普通话等级": "二级甲等",
         "应缴费用": 999, "盲评编号": "XX-999"},
        {"身份证号": make_id("652922", "19910101", "555"), "系列": "工程系列", "拟申报职称": "工程师", "姓名": "新人乙"},
    ])
    before = _sheet(book)
    adapter = RecordingAdapter(book)
    report = import_into(adapter, export, user="测试")
    assert report.added == ["2024-062 新人乙"] and report.filled == 1 and report.backup.exists()
    assert set(report.unmapped) == {"应缴费用", "盲评编号"}                   # computed columns are never imported
    new_row = table.rows[-1].number + 1
    computed = {table.letter(c.key) for c in schema.APPLICANT_COMPUTED}
    assert {k for k in adapter.inputs if k[0] != new_row} == {(first.number, table.letter("mandarin"))}
    assert not {letter for _, letter in adapter.inputs} & computed
    assert {letter for row, letter in adapter.computed if row == new_row} == computed
    assert set(adapter.computed.values()) == {None} and {row for row, _ in adapter.computed} == {new_row}
    after = _sheet(book)
    changed = {(r + 1, c) for r, row in enumerate(before) for c, v in enumerate(row) if after[r][c] != v}
    mandarin = table.headers.index("普通话等级")
    assert changed == {(first.number, mandarin)} and after[first.number - 1][mandarin] == "二级甲等"
    assert after[new_row - 1][table.headers.index("姓名")] == "新人乙"


def test_the_same_person_twice_in_one_export_is_added_once(book, tmp_path):
    newcomer = make_id("652926", "19930303", "777")
    export = tmp_path / "重复.csv"
    row = {"身份证号": newcomer, "系列": "工程系列", "拟申报职称": "工程师", "姓名": "新人乙"}
    write_export(export, [row, row])
    before = len(read_book(book).table("applicants").rows)
    report = import_export(book, export, user="测试")
    assert len(report.added) == 1
    assert report.skipped and "导出文件第2行" in report.skipped[0]
    assert len(read_book(book).table("applicants").rows) == before + 1
