"""Importing the platform's export into 申报人员."""

import datetime as dt
import shutil

import pandas as pd
import pytest
from openpyxl import load_workbook

from addin.book import schema
from addin.book.importer import import_export
from addin.book.reader import read_book
from addin.book.safe_write import WriteRefused
from addin.book.sample import SAMPLE
from addin.cli import main
from conftest import make_id


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "台账.xlsx"
    shutil.copyfile(SAMPLE, path)
    return path


def _first(book):
    return read_book(book).table("applicants").rows[0]


def test_aliases_new_rows_empty_cells_and_conflicts(book, tmp_path):
    first = _first(book).values_by_key
    newcomer = make_id("652922", "19910101", "555")
    export = tmp_path / "平台导出.xlsx"
    pd.DataFrame([
        {"证件号码": first["id_number"], "申报系列": first["series"], "申报职称": first["target_title"],
         "申报人": first["name"], "单位名称": "另一个单位", "备注": "平台备注"},
        {"证件号码": newcomer, "申报系列": "工程系列", "申报职称": "工程师", "申报人": "新人甲",
         "取得现职称时间": dt.datetime(2019, 5, 1), "最高学历": "大学本科", "无关列": "x"},
    ]).to_excel(export, index=False)
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
    pd.DataFrame([{"身份证号码": first["id_number"], "系列": first["series"], "拟申报职称": first["target_title"],
                   "工作单位": "改名后的单位"}]).to_csv(export, index=False, encoding="gbk")
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
    pd.DataFrame([{"身份证号": first["id_number"], "系列": first["series"], "拟申报职称": first["target_title"],
                   "毕业学校": "新疆大学"}]).to_csv(export, index=False)
    assert import_export(book, export, user="测试").filled == 1
    assert _first(book).values_by_key["school"] == "新疆大学"


def test_an_export_without_id_numbers_is_refused(book, tmp_path, capsys):
    export = tmp_path / "导出.csv"
    pd.DataFrame([{"姓名": "某人"}]).to_csv(export, index=False)
    original = book.read_bytes()
    with pytest.raises(WriteRefused, match="身份证号"):
        import_export(book, export)
    assert main(["import", str(book), str(export)]) == 2
    assert book.read_bytes() == original
