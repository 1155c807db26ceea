"""Guards found by review: inputs openpyxl would damage, columns moved or doubled,
settings typos, files that are not workbooks."""

import datetime as dt
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.book import schema
from addin.book.importer import import_export
from addin.book.reader import read_book
from addin.book.refresh import check, refresh
from addin.errors import WriteRefused
from addin.cli import main
from addin.outputs.finance import apply_import, export_finance, plan_import, read_entries
from addin.book.inplace import PackageAdapter
from exports import write_export

NOW = dt.datetime(2024, 9, 5, 10, 0)


def _letter(book: Path, key: str) -> str:
    return read_book(book).table("applicants").letter(key)


def _cell_xml(book: Path, sheet_part: str, ref: str) -> bytes:
    with zipfile.ZipFile(book) as z:
        xml = z.read(sheet_part)
    match = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
    return match.group(0) if match else b""


def test_a_number_typed_into_a_date_cell_is_kept_as_typed_and_reported(book, capsys):
    letter = _letter(book, "birth_date")
    wb = load_workbook(book)
    wb[schema.APPLICANT_SHEET][f"{letter}2"] = 20240912     # typed without separators
    wb.save(book)
    before = _cell_xml(book, "xl/worksheets/sheet3.xml", f"{letter}2")
    assert b"20240912" in before
    assert main(["refresh", str(book)]) == 1               # done (the register holds errors); the cell is not rewritten
    assert _cell_xml(book, "xl/worksheets/sheet3.xml", f"{letter}2") == before
    _, ev = check(book, now=NOW)
    assert any(f.row == 2 and f.column == letter for f in ev.findings)
    assert not any("刷新会被拒绝" in f.message for f in ev.findings)


def test_excel_extended_validation_is_kept_byte_for_byte(book):
    with zipfile.ZipFile(book) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = "xl/worksheets/sheet3.xml"          # 申报人员
    ext = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           b'<x14:dataValidation type="list"><x14:formula1><xm:f>Sheet9!$A$2:$A$3</xm:f></x14:formula1>'
           b'<xm:sqref>BZ2:BZ100</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst>')
    parts[sheet] = parts[sheet].replace(b"</worksheet>", ext + b"</worksheet>")
    with zipfile.ZipFile(book, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    _, ev = check(book, now=NOW)
    assert not any("刷新会被拒绝" in f.message for f in ev.findings)
    refresh(book, now=NOW, user="测试")
    with zipfile.ZipFile(book) as z:
        after = z.read(sheet)
    assert after.endswith(ext + b"</worksheet>")


def test_payments_go_under_their_headers_when_staff_inserted_a_column(book, tmp_path):
    wb = load_workbook(book)
    ws = wb[schema.PAYMENT_SHEET]
    ws.insert_cols(2)
    ws["B1"] = "备注"
    wb.save(book)
    bk, ev = check(book, now=NOW)
    out = export_finance(bk, ev, tmp_path / "财务.xlsx")
    fin = load_workbook(out)
    fin["缴费录入"].append(["2024-053", 400, dt.date(2024, 9, 6), "扫码", "R-NEW", "财务"])
    fin.save(out)
    adapter = PackageAdapter(book)
    plan = plan_import(bk, ev, read_entries(out))
    apply_import(adapter, plan, now=NOW, user="测试", source_name=out.name)
    rows = [r.values_by_key for r in read_book(book).table("payments").rows]
    new = next(r for r in rows if r.get("receipt") == "R-NEW")
    assert new["amount"] == 400 and new["method"] == "扫码" and new["app_id"] == "2024-053"
    ws = load_workbook(book)[schema.PAYMENT_SHEET]
    assert all(ws.cell(row=r, column=2).value is None for r in range(2, ws.max_row + 1))   # 备注 untouched


def test_a_doubled_header_is_a_finding_and_refresh_refuses(book):
    wb = load_workbook(book)
    ws = wb[schema.APPLICANT_SHEET]
    ws.insert_cols(3)
    ws["C1"] = "问题"                        # a clerk's own notes column, named like a computed one
    ws["C2"] = "我的备注"
    wb.save(book)
    _, ev = check(book, now=NOW)
    assert any("出现了不止一次" in f.message for f in ev.findings)
    original = book.read_bytes()
    with pytest.raises(WriteRefused, match="出现了不止一次"):
        refresh(book, now=NOW, user="测试")
    assert book.read_bytes() == original


def test_a_typo_in_a_setting_is_a_finding_not_a_crash(book, tmp_path):
    wb = load_workbook(book)
    for row in wb[schema.SETTINGS_SHEET].iter_rows(min_row=2):
        if row[4].value == "mandarin_min_level":
            row[1].value = "三级乙"
        if row[4].value == "appraisal_years":
            row[1].value = 1e20
    wb.save(book)
    _, ev = check(book, now=NOW)
    messages = [f.message for f in ev.findings if f.sheet == schema.SETTINGS_SHEET]
    assert any("三级乙" in m and "不在可选范围内" in m for m in messages)
    assert any("超出合理范围" in m for m in messages)
    report = refresh(book, now=NOW, user="测试")
    assert report.book.settings.mandarin_min_level == "三级乙等" and report.book.settings.appraisal_years == 3
    assert main(["roster", str(book), "--out", str(tmp_path / "r")]) == 0


@pytest.mark.parametrize("command", [["check"], ["refresh"], ["publicity", "--out", "o", "--start", "2024-10-21"],
                                     ["finance", "export"], ["roster", "--out", "o"]])
def test_a_file_that_is_not_a_workbook_gets_a_chinese_message(tmp_path, capsys, command):
    fake = tmp_path / "名单.xlsx"
    fake.write_text("姓名,身份证号\n", encoding="utf-8")
    argv = [command[0], *(["export"] if command[0] == "finance" else []), str(fake),
            *([str(tmp_path / "out.xlsx")] if command[0] == "finance" else command[1:])]
    assert main(argv) == 2
    assert "不是有效的 Excel 工作簿" in capsys.readouterr().err


def test_export_cells_that_look_missing_are_read_as_written(book, tmp_path):
    export = tmp_path / "导出.csv"
    write_export(export, [{"身份证号": "#N/A", "系列": "工程系列", "拟申报职称": "工程师", "姓名": "NA"}])
    report = import_export(book, export, user="测试")
    assert report.added and report.added[0].endswith(" NA")        # the name "NA" is kept, the row is added
    rows = read_book(book).table("applicants").rows
    assert rows[-1].values_by_key["id_number"] == "#N/A"            # and check will say why it is invalid
