"""One date reader for everything Excel and clerks hand us (issue: rules 1)."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from addin.rules.dates import format_moment, from_excel_serial, parse_date, parse_datetime, parse_year, to_excel_serial

SEPT_12 = dt.date(2024, 9, 12)


@pytest.mark.parametrize("raw", [
    SEPT_12, dt.datetime(2024, 9, 12, 15, 30), "2024-09-12", "2024/9/12", "2024.9.12", "2024年9月12日",
    "20240912", "２０２４年９月１２日", "２０２４－０９－１２", " 2024-9-12 ", "'2024/09/12", 45547, 45547.0,
    45547.75, 20240912, "45547", "2024-09-12T08:30:00", "2024年9月12号",
])
def test_every_accepted_spelling_of_12_september_2024(raw):
    parsed = parse_date(raw)
    assert parsed.finding is None
    assert parsed.value == SEPT_12


def test_clock_time_is_kept_for_the_application_deadline():
    assert parse_datetime("2024-08-30 18:00").value == dt.datetime(2024, 8, 30, 18, 0)
    assert parse_datetime("2024年8月30日 18:00").value == dt.datetime(2024, 8, 30, 18, 0)
    assert parse_datetime(45534.75).value == dt.datetime(2024, 8, 30, 18, 0)


@pytest.mark.parametrize("raw, expected", [
    ("2024年8月30日18时30分", (18, 30, 0)), ("2024年8月30日 18时30分", (18, 30, 0)), ("2024年8月30日18:30", (18, 30, 0)),
    ("2024年8月30日18点30分", (18, 30, 0)), ("2024年8月30日18时", (18, 0, 0)), ("2024年8月30日18点半", (18, 30, 0)),
    ("2024年8月30日下午6时30分", (18, 30, 0)), ("2024年8月30日晚上7点", (19, 0, 0)), ("2024年8月30日上午9时5分", (9, 5, 0)),
    ("2024年8月30日18时30分15秒", (18, 30, 15)), ("２０２４年８月３０日１８时３０分", (18, 30, 0)),
    ("2024年8月30号18:30", (18, 30, 0)), ("2024.8.30 18:30", (18, 30, 0)),
])
def test_a_date_with_a_chinese_clock_time_is_read_where_a_time_is_expected(raw, expected):
    """Issue 16, B.7: clerks type the deadline as the notice writes it, 2024年8月30日18时30分."""
    parsed = parse_datetime(raw)
    assert parsed.finding is None, parsed.finding
    assert parsed.value == dt.datetime(2024, 8, 30, *expected)
    assert parse_date(raw).value == dt.date(2024, 8, 30)


@pytest.mark.parametrize("raw, fragment", [
    ("2024年8月30日25时", "不存在"), ("2024年8月30日18时61分", "不存在"), ("2024-08-3018:30", "无法识别"),
    ("2024年8月30日下午", "无法识别"),
])
def test_a_clock_time_that_cannot_be_is_a_finding(raw, fragment):
    parsed = parse_datetime(raw)
    assert parsed.value is None and fragment in parsed.finding.message


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)))
def test_any_moment_written_the_chinese_way_reads_back(moment):
    text = f"{moment.year}年{moment.month}月{moment.day}日{moment.hour}时{moment.minute}分"
    assert parse_datetime(text).value == moment


@pytest.mark.parametrize("raw, fragment", [
    ("2024-02-30", "2月没有30日"),
    ("2023-02-29", "2月没有29日"),
    ("2024-13-01", "月份13不存在"),
    ("9月12日", "缺少年份"),
    ("9/12", "缺少年份"),
    ("2024", "只有年份"),
    (2024, "只有年份"),
    ("明天", "无法识别"),
    ("#N/A", "错误值"),
    (60, "1900年2月29日"),
    (-5, "不是有效的日期序号"),
    (True, "不是日期"),
    (float("inf"), "不是日期"),
    ([2024, 9, 12], "不是日期"),
])
def test_anything_else_is_a_chinese_finding_not_an_exception(raw, fragment):
    parsed = parse_date(raw)
    assert parsed.value is None
    assert fragment in parsed.finding.message


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "无", float("nan")])
def test_blank_cells_are_empty_not_errors(raw):
    parsed = parse_date(raw)
    assert parsed.blank


def test_excel_1900_system_around_the_lotus_leap_day():
    assert from_excel_serial(1).value.date() == dt.date(1900, 1, 1)
    assert from_excel_serial(59).value.date() == dt.date(1900, 2, 28)
    assert from_excel_serial(61).value.date() == dt.date(1900, 3, 1)
    assert from_excel_serial(60).finding is not None


def test_years():
    assert parse_year(2019).value == 2019
    assert parse_year("2019年").value == 2019
    assert parse_year(2019.0).value == 2019
    assert parse_year("2019-05-01").value == 2019
    assert parse_year("去年").finding is not None


days = st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2199, 12, 31))


@given(days)
def test_serial_round_trip(day):
    assert from_excel_serial(to_excel_serial(day)).value.date() == day


@given(days, st.sampled_from(["{y}-{m:02d}-{d:02d}", "{y}/{m}/{d}", "{y}.{m}.{d}", "{y}年{m}月{d}日",
                              "{y}{m:02d}{d:02d}", "{y}-{m}-{d} 08:00"]),
       st.booleans())
def test_text_round_trip_in_every_format(day, pattern, full_width):
    text = pattern.format(y=day.year, m=day.month, d=day.day)
    if full_width:
        text = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-/."})
    assert parse_date(text).value == day


@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                 st.booleans(), st.none(), st.binary(max_size=10), st.lists(st.integers(), max_size=3)))
def test_never_raises(raw):
    parsed = parse_datetime(raw)
    assert parsed.value is None or isinstance(parsed.value, dt.datetime)
    assert parsed.value is None or parsed.finding is None


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(
    lambda m: m.replace(second=0, microsecond=0)), st.booleans())
def test_a_moment_written_the_notice_s_way_reads_back_as_itself(moment, midnight):
    """format_moment is the one way a date with its time is written (2024年8月30日18:00),
    and what it writes the parser reads back; 00:00 is dropped unless asked for."""
    text = format_moment(moment, midnight=midnight)
    assert parse_datetime(text).value == moment
    assert text.endswith(f"{moment:%H:%M}") == (midnight or moment.time() != dt.time(0))
    assert " " not in text and format_moment(moment.date()) == f"{moment.year}年{moment.month}月{moment.day}日"
