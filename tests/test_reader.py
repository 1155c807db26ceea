"""The one reader (addin.xlsx.reader + addin.book.reader) against the failures of issue 9.

Each test builds its register in the test: a copy of the sample changed with openpyxl,
or with its sheet XML patched inside the zip (what other programs write: a stale
dimension, a title row, a value in the last row, a zip bomb, an encrypted file).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from addin.book import schema
from addin.xlsx.limits import PackageRefused
from addin.book.reader import book_from_values, read_book
from addin.book.refresh import check, refresh
from addin.errors import WriteRefused
from addin.xlsx.reader import read_values
from addin.cli import main

NOW = dt.datetime(2024, 9, 20, 10)
APPLICANTS = 61                       # rows of the sample register
OPENPYXL_DEFAULT_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')


def sheet_part(path: Path, sheet: str) -> str:
    """The zip member of a sheet of an openpyxl-written workbook (sheetN.xml in order)."""
    return f"xl/worksheets/sheet{load_workbook(path, read_only=True).sheetnames.index(sheet) + 1}.xml"


def patch_part(path: Path, part: str, change) -> None:
    """Rewrite one member of the zip through ``change(text) -> text``; others are kept."""
    with zipfile.ZipFile(path) as z:
        parts = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, payload in parts:
            if info.filename == part:
                payload = change(payload.decode("utf-8")).encode("utf-8")
            z.writestr(info.filename, payload)


def stale_dimension(path: Path, ref: str = "A1:BP10") -> None:
    part = sheet_part(path, schema.APPLICANT_SHEET)
    patch_part(path, part, lambda xml: OPENPYXL_DEFAULT_DIMENSION.sub(f'<dimension ref="{ref}"/>', xml, count=1))


def applicant_count(path: Path) -> int:
    return len(read_book(path).table("applicants").rows)


# --- item 4: a stale dimension hides nothing from any command ------------------------------------

def test_a_stale_dimension_hides_no_row(book):
    stale_dimension(book)
    assert '<dimension ref="A1:BP10"/>' in zipfile.ZipFile(book).read(sheet_part(book, schema.APPLICANT_SHEET)).decode()
    # openpyxl's read-only mode (what check, finance, publicity and docs used) trusts it
    ro = load_workbook(book, read_only=True)
    assert len(list(ro[schema.APPLICANT_SHEET].iter_rows(values_only=True))) == 10
    ro.close()
    assert applicant_count(book) == APPLICANTS


def _command_lines(args: list[str], capsys, *paths: Path) -> list[str]:
    """What a command printed, with the file and folder names it was given taken out."""
    code = main(args)
    out = capsys.readouterr().out
    assert code in (0, 1), out
    for path in paths:
        out = out.replace(str(path), "…")
    return out.splitlines()


def test_every_command_sees_the_same_61_applicants_under_a_stale_dimension(book, tmp_path, capsys):
    stale = tmp_path / "stale" / "台账.xlsx"
    stale.parent.mkdir()
    shutil.copyfile(book, stale)
    stale_dimension(stale)
    outputs = {}
    for name, path in (("plain", book), ("stale", stale)):
        out = tmp_path / f"out-{name}"
        outputs[name] = {
            "check": _command_lines(["check", str(path), "--as-of", "2024-09-20 10:00"], capsys),
            "finance": _command_lines(["finance", "export", str(path), str(tmp_path / f"财务-{name}.xlsx"),
                                       "--as-of", "2024-09-20 10:00"], capsys, tmp_path / f"财务-{name}.xlsx"),
            "publicity": _command_lines(["publicity", str(path), "--out", str(out / "pub"), "--start", "2024-10-21",
                                         "--as-of", "2024-09-20 10:00"], capsys, out),
            "docs": _command_lines(["docs", str(path), "--out", str(out / "docs"), "--kind", "3"], capsys, out),
            "roster": _command_lines(["roster", str(path), "--out", str(out / "roster"),
                                      "--as-of", "2024-09-20 10:00"], capsys, out, path),
        }
        outputs[name]["docs-files"] = sorted(p.name for p in (out / "docs").rglob("*.docx"))
        outputs[name]["applicants"] = applicant_count(path)
    plain, stale_out = outputs["plain"], outputs["stale"]
    assert stale_out["applicants"] == plain["applicants"] == APPLICANTS
    for command in ("check", "finance", "publicity", "docs", "roster", "docs-files"):
        assert stale_out[command] == plain[command], command
    assert any("应缴54人" in line for line in stale_out["finance"]), stale_out["finance"]
    # by their stage: ended 4 (不予受理 3, 视为放弃 1), 状态 against 审核记录 2, one person by both routes (三) 2;
    # and 2 whose ID numbers cannot be printed: no documents by default
    held_back = 8 + 2
    assert len([f for f in stale_out["docs-files"] if f.startswith("2024-")]) == APPLICANTS - held_back


# --- item 2: a title row above the headers ---------------------------------------------------------

def _title_row(path: Path) -> None:
    wb = load_workbook(path)
    ws = wb[schema.APPLICANT_SHEET]
    ws.insert_rows(1)
    ws["A1"] = "2024年度职称评审申报人员台账"
    ws.merge_cells("A1:Z1")
    wb.save(path)


def test_a_merged_title_row_above_the_headers_is_found_and_skipped(book):
    before = read_book(book).table("applicants")
    _title_row(book)
    table = read_book(book).table("applicants")
    assert table.header_row == 2
    assert len(table.rows) == APPLICANTS and [r.number for r in table.rows] == [r.number + 1 for r in before.rows]
    assert table.letter("id_number") == before.letter("id_number")
    _, ev = check(book, now=NOW)
    assert not [f for f in ev.findings if "缺少列" in f.message]
    assert not [f for f in ev.findings if f.sheet == schema.APPLICANT_SHEET and f.row == 1]


def test_a_register_whose_headers_cannot_be_found_is_one_finding_and_refresh_writes_nothing(book):
    wb = load_workbook(book)
    ws = wb[schema.APPLICANT_SHEET]
    ws.insert_rows(1, amount=12)         # the headers pushed below the rows searched
    ws["A1"] = "2024年度职称评审申报人员台账"
    wb.save(book)
    _, ev = check(book, now=NOW)
    mine = [f for f in ev.findings if f.sheet == schema.APPLICANT_SHEET]
    assert len(mine) == 1 and "找不到“申报人员”的表头" in mine[0].message and "“申报编号”" in mine[0].message
    original = book.read_bytes()
    with pytest.raises(WriteRefused, match="找不到表头"):
        refresh(book, now=NOW, user="测试")
    assert book.read_bytes() == original


def test_refresh_refuses_with_exit_2_when_its_columns_are_gone(book, capsys):
    wb = load_workbook(book)
    ws = wb[schema.APPLICANT_SHEET]
    letter = read_book(book).table("applicants").letter("id_number")
    ws[f"{letter}1"] = "证件"             # a header that is neither the schema's nor an alias
    wb.save(book)
    original = book.read_bytes()
    assert main(["refresh", str(book)]) == 2
    assert "“身份证号”" in capsys.readouterr().err
    assert book.read_bytes() == original


# --- item 3: other names of a header ---------------------------------------------------------------

def test_an_alias_header_of_the_register_is_accepted(book):
    letter = read_book(book).table("applicants").letter("id_number")
    wb = load_workbook(book)
    wb[schema.APPLICANT_SHEET][f"{letter}1"] = "身份证号码"
    wb.save(book)
    book_ = read_book(book)
    table = book_.table("applicants")
    assert table.letter("id_number") == letter and table.headers[table.headers.index("身份证号码")]
    _, ev = check(book, now=NOW)
    assert not [f for f in ev.findings if "身份证号为空" in f.message or "缺少列" in f.message]
    report = refresh(book, now=NOW, user="测试")
    assert "未填写" not in {v.get("id_check") for v in report.evaluation.computed.values()}


# --- item 5: bounded time and memory ---------------------------------------------------------------

def test_one_value_in_the_last_row_costs_one_row_and_is_reported_not_counted(book):
    part = sheet_part(book, schema.APPLICANT_SHEET)
    patch_part(book, part, lambda xml: xml.replace(
        "</sheetData>", '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c>'
                        '<c r="XFD1048576" t="inlineStr"><is><t>y</t></is></c></row></sheetData>'))
    sheet = read_values(book)[schema.APPLICANT_SHEET]
    assert sheet.rows[-1][0] == 1048576 and len(sheet.rows) == 1 + APPLICANTS + 1     # headers, rows, stray
    assert set(sheet.rows[-1][1]) == {0, 16383}                       # two cells, not a million rows
    _, ev = check(book, now=NOW)
    stray = [f for f in ev.findings if f.row == 1048576]
    assert len(stray) == 1 and "空行" in stray[0].message and stray[0].location == "申报人员!A1048576"
    assert applicant_count(book) == APPLICANTS
    size = book.stat().st_size
    report = refresh(book, now=NOW, user="测试")          # the in-place writer on the rows read
    assert report.rows == APPLICANTS and max(report.evaluation.computed) < 100
    tables = {n: zipfile.ZipFile(book).read(n).decode() for n in zipfile.ZipFile(book).namelist()
              if n.startswith("xl/tables/")}
    assert not [n for n, xml in tables.items() if "1048576" in xml]          # no table grown to the end
    assert book.stat().st_size < 2 * size


def _bomb(path: Path, megabytes: int) -> None:
    """Pad the register's sheet XML with blank space (allowed between elements) that
    inflates to ``megabytes`` but compresses to almost nothing."""
    part = sheet_part(path, schema.APPLICANT_SHEET)
    with zipfile.ZipFile(path) as z:
        parts = [(info.filename, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, payload in parts:
            if name == part:
                head, tail = payload.split(b"</sheetData>")
                with z.open(name, "w", force_zip64=True) as f:
                    f.write(head)
                    block = b" " * 2**20
                    for _ in range(megabytes):
                        f.write(block)
                    f.write(b"</sheetData>" + tail)
            else:
                z.writestr(name, payload)


def test_a_zip_bomb_is_refused_before_inflating_with_a_chinese_message(book, capsys):
    _bomb(book, 210)
    assert book.stat().st_size < 2 * 2**20
    with pytest.raises(PackageRefused, match="压缩比异常"):
        read_values(book)
    assert main(["check", str(book)]) == 2
    err = capsys.readouterr().err
    assert "压缩比异常" in err and "Traceback" not in err
    original = book.read_bytes()
    assert main(["refresh", str(book)]) == 2
    assert book.read_bytes() == original


# --- item 6 (read side): a formula without its cached result is never a silent blank ---------------

def test_a_formula_without_a_cached_result_is_named_by_check_and_the_outputs(book, tmp_path, capsys):
    table = read_book(book).table("applicants")
    row, letter = table.rows[5].number, table.letter("current_title_date")
    wb = load_workbook(book)
    wb[schema.APPLICANT_SHEET][f"{letter}{row}"] = "=DATE(2019,5,1)"      # openpyxl stores no result
    wb.save(book)
    _, ev = check(book, now=NOW)
    named = [f for f in ev.findings if "没有保存计算结果" in f.message]
    assert len(named) == 1 and f"{letter}{row}" in named[0].message and named[0].severity.value == "error"
    assert named[0].location == f"申报人员!{letter}{row}"
    # the outputs made from the register say so too, before they are made
    for args in (["publicity", str(book), "--out", str(tmp_path / "公示"), "--start", "2024-10-21"],
                 ["finance", "export", str(book), str(tmp_path / "财务.xlsx")],
                 ["docs", str(book), "--out", str(tmp_path / "附件"), "--kind", "3", "--ids", "2024-001"]):
        main(args)
        captured = capsys.readouterr()
        assert f"申报人员!{letter}{row}" in captured.out + captured.err, args


# --- item 10 (check side): hand edits in computed columns ------------------------------------------

def test_check_reports_a_hand_edit_in_a_computed_column(book):
    refresh(book, now=NOW, user="测试")
    table = read_book(book).table("applicants")
    row, letter = table.rows[3].number, table.letter("eligibility")
    wb = load_workbook(book)
    wb[schema.APPLICANT_SHEET][f"{letter}{row}"] = "符合（科长特批）"
    wb.save(book)
    _, ev = check(book, now=NOW)
    edits = [f for f in ev.findings if "手工修改" in f.message]
    assert [f.location for f in edits] == [f"申报人员!{letter}{row}"]
    assert "符合（科长特批）" in edits[0].message


# --- item 11: edge values --------------------------------------------------------------------------

def _set(book: Path, sheet: str, key: str, value, index: int = 0) -> str:
    table = read_book(book).table("applicants" if sheet == schema.APPLICANT_SHEET else "payments")
    ref = f"{table.letter(key)}{table.rows[index].number}"
    wb = load_workbook(book)
    wb[sheet][ref] = value
    wb.save(book)
    return f"{sheet}!{ref}"


def _messages_at(book: Path, where: str) -> list[str]:
    _, ev = check(book, now=NOW)
    return [f.message for f in ev.findings if f.location == where]


def test_the_last_minute_excel_can_hold_is_a_date(book):
    where = _set(book, schema.APPLICANT_SHEET, "unit_publicity_start", dt.datetime(9999, 12, 31, 23, 59))
    values = read_book(book).table("applicants").rows[0].values_by_key
    assert values["unit_publicity_start"] == dt.datetime(9999, 12, 31, 23, 59)
    assert not [m for m in _messages_at(book, where) if "不是" in m or "VALUE" in m]


def test_excel_day_zero_is_reported_as_a_date_before_excels_first(book):
    where = _set(book, schema.APPLICANT_SHEET, "work_start", dt.datetime(1899, 12, 30))
    messages = _messages_at(book, where)
    assert any("1899-12-30" in m and "1900-01-01" in m for m in messages), messages
    assert not any("00:00:00" in m for m in messages)


def test_an_encrypted_workbook_is_called_password_protected(tmp_path, capsys):
    path = tmp_path / "加密.xlsx"
    # an OLE compound file whose directory names the EncryptedPackage stream (what Excel writes)
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    directory = "Root Entry".encode("utf-16-le").ljust(128, b"\0") + \
        "EncryptedPackage".encode("utf-16-le").ljust(128, b"\0") + "EncryptionInfo".encode("utf-16-le").ljust(128, b"\0")
    path.write_bytes(header + directory + b"\0" * 4096)
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "设置了打开密码" in err and "损坏" not in err
    with pytest.raises(PackageRefused, match="设置了打开密码"):
        read_values(path)


def test_a_cell_longer_than_excel_allows_is_a_finding(book):
    # openpyxl cuts text at 32,767 characters; other programs do not: patch the XML
    where = _set(book, schema.APPLICANT_SHEET, "achievements_text", "LONG-TEXT")
    patch_part(book, sheet_part(book, schema.APPLICANT_SHEET), lambda xml: xml.replace("LONG-TEXT", "业" * 40_000))
    assert any("40,000个字符" in m and "32,767" in m for m in _messages_at(book, where))


@pytest.mark.parametrize("key, value, expected", [
    ("ce_public_2022", 1e308, "学时1e+308不合理"),
    ("ce_professional_2023", -5, "不能为负数"),
    ("employer", True, "逻辑值TRUE"),
])
def test_absurd_register_values_are_findings(book, key, value, expected):
    where = _set(book, schema.APPLICANT_SHEET, key, value)
    assert any(expected in m for m in _messages_at(book, where)), _messages_at(book, where)


def test_an_absurd_payment_is_not_counted(book):
    where = _set(book, schema.PAYMENT_SHEET, "amount", 1e308)
    messages = _messages_at(book, where)
    assert any("1e+308元不合理" in m for m in messages), messages
    _, ev = check(book, now=NOW)
    assert not [f for f in ev.findings if "多缴" in f.message and "e+" in f.message]


# --- the reader's values -------------------------------------------------------------------------

def test_the_reader_gives_cached_results_types_and_the_1904_date_system(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "values.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    for row in (["文本", "0123"], ["日期", dt.datetime(2024, 9, 12, 10, 30)], ["是", True], ["数", 12.5],
                ["整数", 7], ["公式", None], ["错误", None], ["无结果", None]):
        ws.append(row)
    wb.save(path)
    part = "xl/worksheets/sheet1.xml"

    def cells(xml: str) -> str:
        xml = re.sub(r'<c r="B6"[^>]*/>|<c r="B6".*?</c>', "", xml)
        xml = xml.replace('<c r="A6"', '<c r="B6"><f>1+1</f><v>2</v></c><c r="A6"', 1)
        xml = xml.replace('<c r="A7"', '<c r="B7" t="e"><f>1/0</f><v>#DIV/0!</v></c><c r="A7"', 1)
        return xml.replace('<c r="A8"', '<c r="B8"><f>1+2</f></c><c r="A8"', 1)

    patch_part(path, part, cells)
    sheet = read_values(path)["S"]
    got = {sheet.cell(r, 1): sheet.cell(r, 2) for r in range(1, 9)}
    assert got == {"文本": "0123", "日期": dt.datetime(2024, 9, 12, 10, 30), "是": True, "数": 12.5, "整数": 7,
                   "公式": 2, "错误": "#DIV/0!", "无结果": None}
    assert sheet.uncached == ["B8"]
    patch_part(path, "xl/workbook.xml", lambda xml: re.sub(r"<workbookPr\b", '<workbookPr date1904="1"', xml)
               if "<workbookPr" in xml else xml.replace("<bookViews>", '<workbookPr date1904="1"/><bookViews>'))
    assert read_values(path)["S"].cell(2, 2) == dt.datetime(2028, 9, 13, 10, 30)     # 1,462 days later


def test_live_excel_rows_and_file_rows_make_the_same_book(book):
    wb = load_workbook(book, data_only=True)
    dense = {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    live, streamed = book_from_values(dense), read_book(book)
    for key, table in live.tables.items():
        other = streamed.tables[key]
        assert [r.number for r in table.rows] == [r.number for r in other.rows], key
        assert [r.values_by_key for r in table.rows] == [r.values_by_key for r in other.rows], key
    assert get_column_letter(1) == "A"


# --- the two paths of the reader give the same values ------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _hand_built(path: Path, sheet_data: str) -> None:
    """A minimal package as Excel writes it: shared strings (plain, rich, with phonetic
    runs), a date format and a time format in cellXfs."""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>',
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '</numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0"/><xf numFmtId="164"/>'
        '<xf numFmtId="22"/><xf numFmtId="20"/></cellXfs></styleSheet>',
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}" count="4" uniqueCount="4"><si><t>工程系列</t></si>'
        '<si><r><t>高级</t></r><r><rPr><b/></rPr><t>工程师</t></r></si>'
        '<si><t>阿克苏</t><rPh sb="0" eb="3"><t>aks</t></rPh></si><si><t xml:space="preserve">0123</t></si></sst>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><dimension ref="A1:B2"/><sheetData>{sheet_data}'
        '</sheetData></worksheet>',
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)


def test_calamine_and_the_streaming_parser_give_the_same_values(tmp_path):
    from addin.xlsx.fastpath import calamine_sheet, plain_sheet
    from addin.xlsx.reader import PackageReader
    from python_calamine import CalamineWorkbook

    cells = ('<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
             '<c r="D1" t="s"><v>3</v></c></row>'
             '<row r="2"><c r="A2" s="1"><v>45547</v></c><c r="B2" s="2"><v>45547.4375</v></c>'
             '<c r="C2" s="3"><v>0.4375</v></c><c r="D2" t="b"><v>1</v></c><c r="E2"><v>12.5</v></c>'
             '<c r="F2"><v>7</v></c><c r="G2" t="inlineStr"><is><t>内联</t></is></c></row>'
             '<row r="4"><c r="C4" t="s"><v>0</v></c></row>'          # a blank row 3, data from column C
             '<row r="40"><c r="B40" s="1"/></row>'                    # a styled, empty cell: no data
             '<row r="60"><c r="A60" t="b"><v>0</v></c></row>')
    path = tmp_path / "两条路.xlsx"
    _hand_built(path, cells)
    assert plain_sheet(zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml"))
    package = PackageReader.open(path)
    try:
        streamed = package.read_sheet("S", "xl/worksheets/sheet1.xml", False)
    finally:
        package.close()
    workbook = CalamineWorkbook.from_path(str(path))
    fast = calamine_sheet(workbook, "S", False)
    workbook.close()
    assert streamed.rows == fast.rows
    assert [n for n, _ in streamed.rows] == [1, 2, 4, 60]
    assert streamed.rows[0][1] == {0: "工程系列", 1: "高级工程师", 2: "阿克苏", 3: "0123"}
    assert streamed.rows[1][1] == {0: dt.datetime(2024, 9, 12), 1: dt.datetime(2024, 9, 12, 10, 30),
                                   2: dt.time(10, 30), 3: True, 4: 12.5, 5: 7, 6: "内联"}
    assert streamed.rows[3][1] == {0: False}


@pytest.mark.parametrize("cells", [
    '<row r="1"><c r="A1"><f>1+1</f><v>2</v></c></row>',                    # a formula
    '<row r="1"><c r="A1" t="e"><v>#N/A</v></c></row>',                      # an error value
    '<row r="1"><c r="XFD1"><v>1</v></c></row>',                             # a column far right
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v></c></row>',
    '<row r="1"><c s="0" r="A1"><v>1</v></c></row>',                         # reference not first
    '<row><c r="A1"><v>1</v></c></row>',                                     # a row without its number
])
def test_what_calamine_cannot_read_goes_through_the_streaming_parser(tmp_path, cells):
    from addin.xlsx.fastpath import plain_sheet

    path = tmp_path / "x.xlsx"
    _hand_built(path, cells)
    assert not plain_sheet(zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml"))
    assert read_values(path)["S"].rows                      # and the streaming parser reads it


def test_a_sheet_whose_grid_would_be_too_big_for_calamine_is_streamed(tmp_path, monkeypatch):
    """calamine allocates the whole rectangle from the first to the last cell: a sheet whose
    rectangle exceeds limits.csv calamine_max_cells goes through the streaming parser,
    and reads the same (here the bound is lowered so that a small sheet crosses it)."""
    from addin import data
    from addin.xlsx import fastpath

    cells = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 41))
    cells += '<row r="41"><c r="A41"><v>41</v></c><c r="BP41"><v>7</v></c></row>'     # 41 rows x 68 columns
    path = tmp_path / "宽.xlsx"
    _hand_built(path, cells)
    xml = zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml")
    assert fastpath.plain_sheet(xml)
    before = read_values(path)["S"].rows
    limit = data.limit
    monkeypatch.setattr(data, "limit", lambda key: 41 * 68 - 1 if key == "calamine_max_cells" else limit(key))
    assert not fastpath.plain_sheet(xml)
    used: list[str] = []
    monkeypatch.setattr(fastpath, "calamine_parse", lambda *a: used.append("calamine"))
    assert read_values(path)["S"].rows == before              # not even parsed: its grid is too big
    assert not used
    monkeypatch.setattr(data, "limit", lambda key: 41 * 68 if key == "calamine_max_cells" else limit(key))
    assert fastpath.plain_sheet(xml)


def test_a_failure_inside_calamine_is_a_refusal_naming_the_damage(tmp_path, monkeypatch):
    from addin.xlsx import fastpath

    path = tmp_path / "坏.xlsx"
    _hand_built(path, '<row r="1"><c r="A1"><v>1</v></c></row>')

    def broken(*_args):
        raise zipfile.BadZipFile("第3个部件的校验和不符")
    monkeypatch.setattr(fastpath, "calamine_parse", broken)
    with pytest.raises(PackageRefused, match="已损坏.*校验和不符"):
        read_values(path)


def test_a_sheet_that_is_bounded_but_not_faithful_is_read_by_the_streaming_parser(tmp_path, monkeypatch):
    """A formula makes a sheet unfit for calamine (it cannot tell a missing cached result),
    though its grid is small: calamine may already have parsed it (it was safe to), but
    what it read is not used."""
    from addin.xlsx import fastpath

    used: list[str] = []
    monkeypatch.setattr(fastpath, "sheet_values", lambda *a: used.append("calamine"))
    path = tmp_path / "公式.xlsx"
    _hand_built(path, '<row r="1"><c r="A1"><f>1+1</f></c><c r="B1"><v>3</v></c></row>')
    sheet = read_values(path)["S"]
    assert sheet.uncached == ["A1"]
    assert sheet.rows == [(1, {1: 3})]
    assert not used


@pytest.mark.parametrize("first, second", [(True, 1), (1, True), (1.0, True)])
def test_remembered_readings_tell_true_from_one(first, second):
    """The readers remember what they read by value and type: TRUE typed into an hours
    column is a finding even right after a 1 was read there (True == 1 in Python)."""
    from addin.book.records import applicant_from_row

    def hours(raw):
        applicant, findings = applicant_from_row({"申报编号": "2024-001", "2024年公需课学时": raw})
        return applicant.ce_hours[2024].public, [f.message for f in findings]

    for raw in (first, second):
        value, messages = hours(raw)
        if raw is True:
            assert value is None and messages and "应为数字" in messages[0]
        else:
            assert value == 1.0 and not messages


def test_values_by_header_are_what_the_row_holds_even_with_a_column_named_twice():
    """A row's values by header are put together when asked; with a header used twice the
    later column wins where it holds a value (as when they were built cell by cell)."""
    from addin.book.reader import read_table

    spec = next(s for s in schema.sheets(range(2024, 2025)) if s.key == "payments")
    first, second = spec.columns[0].header, spec.columns[1].header
    from addin.xlsx.sheetvalues import SheetValues

    rows = SheetValues("缴费", [(1, {0: first, 1: second, 2: first, 3: "备注甲"}), (2, {0: "2024-001", 1: "A", 3: "x"}),
                               (3, {0: "2024-002", 1: "B", 2: "2024-009"})])
    table = read_table(spec, rows)
    assert table.duplicates == [first]
    one, two = table.rows
    assert one.values[first] == "2024-001" and one.values["备注甲"] == "x" and one.values[second] == "A"
    assert two.values[first] == "2024-009" and two.values["备注甲"] is None
    assert one.values_by_key[spec.columns[0].key] == "2024-001"
    assert list(one.values) == [first, second, "备注甲"]


def test_every_sheet_reads_the_same_whichever_thread_and_parser_reads_it(tmp_path):
    """The largest plain sheet is parsed by calamine on the reading thread, the other plain
    ones on the worker, the others streamed: all of them give what the streaming parser
    gives."""
    from openpyxl import Workbook

    from addin.xlsx.reader import PackageReader

    wb = Workbook()
    big = wb.active
    big.title = "大表"
    for n in range(1, 301):
        big.append([f"第{n}行", n, n * 0.5, dt.datetime(2024, 1, 1) + dt.timedelta(days=n), n % 2 == 0])
    formulas = wb.create_sheet("公式")
    formulas.append(["和", "=1+1"])
    small = wb.create_sheet("小表")
    small.append(["甲", 1])
    small.append([None, None, "丙"])
    path = tmp_path / "三张表.xlsx"
    wb.save(path)
    values = read_values(path)
    package = PackageReader.open(path)
    try:
        streamed = {name: package.read_sheet(name, part, hidden) for name, part, hidden in package.sheets}
    finally:
        package.close()
    assert list(values) == ["大表", "公式", "小表"]
    for name in values:
        assert values[name].rows == streamed[name].rows, name
    assert values["公式"].uncached == ["B1"]
    assert len(values["大表"].rows) == 300


def test_a_failure_reading_a_small_sheet_on_the_worker_is_raised(tmp_path, monkeypatch):
    from openpyxl import Workbook

    from addin.xlsx import fastpath

    wb = Workbook()
    wb.active.append(["大"] * 50)
    wb.create_sheet("小").append(["小"])
    path = tmp_path / "两张表.xlsx"
    wb.save(path)
    real = fastpath.calamine_parse

    def broken(workbook, name):
        if name == "小":
            raise zipfile.BadZipFile("“小”的数据不完整")
        return real(workbook, name)
    monkeypatch.setattr(fastpath, "calamine_parse", broken)
    with pytest.raises(PackageRefused, match="已损坏.*数据不完整"):
        read_values(path)


def test_a_sheet_whose_data_starts_below_and_right_of_a1_reads_at_its_cells(tmp_path):
    """calamine gives the rows from the first cell holding data: the reader puts them back
    at their row and column, as the streaming parser does."""
    from addin.xlsx.reader import PackageReader

    path = tmp_path / "偏移.xlsx"
    _hand_built(path, '<row r="3"><c r="C3" t="s"><v>0</v></c><c r="D3"><v>5</v></c></row>'
                      '<row r="5"><c r="B5"><v>7</v></c></row>')
    fast = read_values(path)["S"]
    package = PackageReader.open(path)
    try:
        streamed = package.read_sheet("S", "xl/worksheets/sheet1.xml", False)
    finally:
        package.close()
    assert fast.rows == streamed.rows == [(3, {2: "工程系列", 3: 5}), (5, {1: 7})]


def test_calamine_opened_ahead_of_need_may_fail_without_failing_the_read(tmp_path, monkeypatch):
    """The reading thread opens calamine while the worker scans, before it knows it needs
    it; a failure there is not the file's: calamine is opened again when a sheet needs it."""
    from addin.xlsx import fastpath

    path = tmp_path / "先开.xlsx"
    _hand_built(path, '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>3</v></c></row>')
    expected = read_values(path)["S"].rows
    real, calls = fastpath.CalamineWorkbook, []

    class FirstOpenFails:
        @staticmethod
        def from_path(name):
            calls.append(name)
            if len(calls) == 1:
                raise RuntimeError("暂时打不开")
            return real.from_path(name)
    monkeypatch.setattr(fastpath, "CalamineWorkbook", FirstOpenFails)
    assert read_values(path)["S"].rows == expected == [(1, {0: "工程系列", 1: 3})]
    assert len(calls) == 2
