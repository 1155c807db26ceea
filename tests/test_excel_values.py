"""Values as real Excel hands them over through xlwings (issue 11, item 3), each read
through the live adapter and compared with what the file adapter reads from the same
register: formula cells with their results, time-only cells, currency cells; and the
states of Excel that must become a Chinese message, never a VBA error box: a protected
sheet or workbook, a used range stretched to the sheet's last row. Where each behaviour
of Excel is documented is noted in tests/fake_xlwings.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from addin.book import schema
from addin.book.evaluate import evaluate
from addin.book.reader import book_from_values, read_book
from addin.book.refresh import check
from addin.excel import ribbon
from addin.excel.live import LiveAdapter
from fake_xlwings import Formula, book_from_file
from test_excel_live import NOW, _cache_value



def live_findings(fake) -> list[str]:
    ev = evaluate(book_from_values(LiveAdapter(fake).values()), now=NOW, previous=None)
    return [str(f) for f in ev.findings]


def file_findings(path) -> list[str]:
    _, ev = check(path, now=NOW)
    return [str(f) for f in ev.findings]


def _cell(path, key: str, table: str = "applicants", index: int = 0) -> tuple[str, int, str]:
    t = read_book(path).table(table)
    return t.sheet, t.rows[index].number, t.letter(key)


def _set(path, sheet: str, ref: str, value, number_format: str | None = None) -> None:
    wb = load_workbook(path)
    wb[sheet][ref] = value
    if number_format:
        wb[sheet][ref].number_format = number_format
    wb.save(path)


def _read(fake, sheet: str, row: int, letter: str):
    return LiveAdapter(fake).values()[sheet][row - 1][column_index_from_string(letter) - 1]


def test_a_formula_cell_arrives_with_its_result_and_reads_as_in_the_file(book):
    sheet, row, letter = _cell(book, "current_title_date")
    _set(book, sheet, f"{letter}{row}", "=DATE(2019,5,1)")
    _cache_value(book, sheet, f"{letter}{row}", "43586")                  # as Excel saves it
    fake = book_from_file(book)
    stored = fake.sheets[sheet]._values[(row, column_index_from_string(letter))]
    assert isinstance(stored, Formula) and stored == "=DATE(2019,5,1)"
    assert _read(fake, sheet, row, letter) == dt.datetime(2019, 5, 1)        # the result, not None
    assert live_findings(fake) == file_findings(book)


def test_a_time_only_cell_is_a_finding_not_the_date_1899_12_30(book):
    sheet, row, letter = _cell(book, "current_title_date")
    _set(book, sheet, f"{letter}{row}", dt.time(9, 30), "h:mm")
    fake = book_from_file(book)
    assert _read(fake, sheet, row, letter) == dt.datetime(1899, 12, 30, 9, 30)   # what xlwings gives
    expected = f"（{sheet}第{row}行 {letter}列）：现职称取得时间：“09:30”只有时间，没有日期"    # named: 2024-0xx 姓名（…）
    live = live_findings(fake)
    assert any(expected in f for f in live), live
    assert live == file_findings(book)                                           # openpyxl gives a time


@pytest.mark.parametrize("amount, finding", [(-550, "不能为负数"), (550, None)])
def test_a_currency_cell_arrives_as_decimal_and_reads_as_a_number(book, amount, finding):
    sheet, row, letter = _cell(book, "amount", table="payments")
    _set(book, sheet, f"{letter}{row}", amount, '"¥"#,##0.00')
    fake = book_from_file(book)
    value = _read(fake, sheet, row, letter)
    assert isinstance(value, Decimal) and value == Decimal(amount)
    live = live_findings(fake)
    at_cell = [f for f in live if f"（{sheet}第{row}行 {letter}列）：" in f]
    if finding:
        assert len(at_cell) == 1 and finding in at_cell[0] and "应为数字" not in at_cell[0]
    else:
        assert not at_cell
    assert live == file_findings(book)


def test_a_protected_sheet_refuses_the_refresh_before_anything_is_written(book):
    fake = book_from_file(book)
    fake.sheets[schema.APPLICANT_SHEET].api.ProtectContents = True
    message = ribbon.dispatch("refresh", book=fake)
    assert message.critical and message.text.startswith("“刷新计算”未完成：工作表“申报人员”受保护，不能写入（没有写入任何内容）")
    assert "撤消工作表保护" in message.text
    assert all(not s.writes for s in fake.sheets)
    assert fake.app.alerts[-1]["prompt"] == message.text and fake.app.screen_updating is True
    # reading is not writing: 校验 still works on the protected register
    assert "共" in ribbon.dispatch("check", book=fake).text


def test_a_protected_workbook_structure_refuses_when_a_sheet_must_be_added(book):
    fake = book_from_file(book)
    fake.sheets._items = [s for s in fake.sheets if s.name != schema.DASHBOARD_SHEET]
    fake.api.ProtectStructure = True
    message = ribbon.dispatch("refresh", book=fake)
    assert message.critical and "工作簿结构受保护" in message.text
    assert all(not s.writes for s in fake.sheets)


def test_a_used_range_stretched_to_the_last_row_reads_only_the_data(book):
    fake = book_from_file(book)
    sheet = fake.sheets[schema.APPLICANT_SHEET]
    sheet._formats[(1_048_576, 3)] = "@"                   # a whole column formatted as text
    assert sheet.used_range.last_cell.row == 1_048_576
    rows = LiveAdapter(fake).values()[schema.APPLICANT_SHEET]
    assert len(rows) == load_workbook(book)[schema.APPLICANT_SHEET].max_row
    assert live_findings(fake) == file_findings(book)


def test_data_far_below_the_register_is_a_chinese_refusal(book):
    fake = book_from_file(book)
    fake.sheets[schema.APPLICANT_SHEET]._values[(1_048_000, 2)] = "x"
    message = ribbon.dispatch("refresh", book=fake)
    assert message.critical and "“申报人员”工作表有内容直到第1,048,000行" in message.text
    assert "超出加载项在 Excel 中能读取的范围" in message.text and "台账工具" in message.text
    assert all(not s.writes for s in fake.sheets)


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-10**9, max_value=10**9, places=4, allow_nan=False, allow_infinity=False))
def test_a_currency_decimal_reads_exactly_as_the_same_float(value):
    from addin.rules.settings import parse_int, parse_number

    for parse in (parse_number, parse_int):
        as_decimal, as_float = parse(value), parse(float(value))
        assert as_decimal.value == as_float.value
        assert (as_decimal.finding and as_decimal.finding.message) == (as_float.finding and as_float.finding.message)
    if value < 0 and float(value) != 0:
        assert "不能为负数" in parse_number(value).finding.message


def test_a_used_range_stretched_far_to_the_right_is_a_chinese_refusal_too(book):
    fake = book_from_file(book)
    fake.sheets[schema.APPLICANT_SHEET]._formats[(200, 16_384)] = "@"       # formatted to column XFD, row 200
    message = ribbon.dispatch("refresh", book=fake)
    assert message.critical and "第16,384列" in message.text and "包括只设置了格式的" in message.text
    assert all(not s.writes for s in fake.sheets)
