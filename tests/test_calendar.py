"""Working days in Aksu: national schedule + Xinjiang's festivals + the holiday sheet."""

import csv
import datetime as dt
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from addin import data
from addin.rules.calendar import UnknownYear, read_day_rules
from conftest import d

XINJIANG_CSV = Path(__file__).resolve().parents[1] / "addin" / "data" / "holidays-xinjiang.csv"


def reference_is_workday(day: dt.date) -> bool:
    """Slow, independent reference: chinesecalendar's answer, less the packaged
    Xinjiang days off (read straight from the CSV)."""
    with XINJIANG_CSV.open(encoding="utf-8") as f:
        off = {dt.date.fromisoformat(r["date"]) for r in csv.DictReader(f) if r["kind"] == "休"}
    return chinese_calendar.is_workday(day) and day not in off


def test_mid_autumn_2024_saturday_14_september_is_a_working_day(cal):
    assert cal.is_workday(d("2024-09-14"))
    assert not cal.is_workday(d("2024-09-15"))
    assert not cal.is_workday(d("2024-09-16"))
    assert not cal.is_workday(d("2024-09-17"))
    assert cal.is_workday(d("2024-09-18"))


def test_national_day_2024_sunday_29_september_and_saturday_12_october_are_working_days(cal):
    assert cal.is_workday(d("2024-09-29"))
    assert cal.is_workday(d("2024-10-12"))
    assert not any(cal.is_workday(d(f"2024-10-0{i}")) for i in range(1, 8))


def test_publicity_from_12_september_2024_ends_on_the_19th(cal):
    # 12, 13, 14 (Saturday worked), then 15-17 off, 18, 19
    assert cal.publicity_end(d("2024-09-12"), 5) == d("2024-09-19")


def test_publicity_starting_on_a_holiday_counts_from_the_next_working_day(cal):
    # 2024-10-01 is off; day 1 is 2024-10-08
    assert cal.publicity_end(d("2024-10-01"), 1) == d("2024-10-08")
    assert cal.publicity_end(d("2024-10-01"), 5) == d("2024-10-12")  # Saturday 12 October worked


@pytest.mark.parametrize("day", ["2025-03-31", "2025-06-06", "2025-06-09", "2025-06-10"])
def test_xinjiang_festival_days_off_in_2025(cal, day):
    assert chinese_calendar.is_workday(d(day))   # a working day elsewhere in China
    assert not cal.is_workday(d(day))            # but not in Aksu


def test_the_day_after_guerbang_2025_is_a_working_day_again(cal):
    assert cal.is_workday(d("2025-06-11"))
    assert cal.publicity_end(d("2025-06-05"), 5) == d("2025-06-16")


@pytest.mark.parametrize("day", ["2022-05-05", "2022-07-11", "2022-07-12", "2022-07-13", "2023-04-21",
                                 "2023-06-28", "2023-06-29", "2023-06-30"])
def test_xinjiang_festival_days_off_in_2022_and_2023(cal, day):
    assert not cal.is_workday(d(day))


def _xinjiang_days(cal, year):
    return [(r.day.isoformat(), r.name) for r in cal.year_rows(year) if r.scope == "新疆"]


def test_2024_has_its_肉孜节_and_names_古尔邦节_as_missing(cal):
    assert _xinjiang_days(cal, 2024) == [("2024-04-10", "肉孜节")]
    assert not cal.is_workday(d("2024-04-10")) and chinese_calendar.is_workday(d("2024-04-10"))
    assert cal.missing_festivals(2024) == ["古尔邦节"]
    assert not cal.regional_known(2024) and 2024 not in cal.regional_years


def test_a_2024_computation_crossing_june_finds_古尔邦节_missing_and_one_far_from_it_does_not(cal):
    [message] = cal.gaps(d("2024-06-10"), d("2024-06-21"))
    assert message.startswith("2024年古尔邦节放假安排未录入（古尔邦节为2024年6月16日")
    assert cal.gaps(d("2024-07-22"), d("2024-12-31")) == []          # the 2024 campaign itself
    assert cal.gaps(d("2024-03-01"), d("2024-05-31")) == []
    rows, _ = read_day_rules([{"date": "2024-06-17", "kind": "休", "name": "古尔邦节", "scope": "新疆",
                               "source": "自治区通知"}])
    assert data.calendar(tuple(rows)).gaps(d("2024-06-10"), d("2024-06-21")) == []   # entered in the sheet


def test_2026_has_both_festivals_from_the_regional_notice(cal):
    assert _xinjiang_days(cal, 2026) == [("2026-03-20", "肉孜节"), ("2026-03-21", "肉孜节"), ("2026-03-22", "肉孜节"),
                                         ("2026-05-27", "古尔邦节"), ("2026-05-28", "古尔邦节"), ("2026-05-29", "古尔邦节"),
                                         ("2026-05-30", "古尔邦节"), ("2026-05-31", "古尔邦节")]
    assert all("央视新闻2025年12月26日报道" in r.source for r in cal.year_rows(2026) if r.scope == "新疆")
    assert cal.missing_festivals(2026) == [] and cal.gaps(d("2026-01-01"), d("2026-12-31")) == []
    assert cal.is_workday(d("2026-05-26")) and not cal.is_workday(d("2026-05-27"))
    assert cal.publicity_end(d("2026-05-25"), 5) == d("2026-06-03")   # 25, 26, (27-31 off), 1, 2, 3 June


def test_a_year_without_any_schedule_is_a_gap(cal):
    assert cal.gaps(d("2026-12-01"), d("2027-01-31")) == ["2027年放假安排未录入（请在节假日表中录入该年全国及新疆的放假与调休上班日期）"]


def test_a_year_without_data_names_the_year(cal):
    with pytest.raises(UnknownYear, match="2027年放假安排未录入"):
        cal.is_workday(d("2027-03-01"))
    with pytest.raises(UnknownYear, match="2027年放假安排未录入"):
        cal.publicity_end(d("2026-12-28"), 10)   # runs past the end of the known years
    with pytest.raises(UnknownYear, match="2003年放假安排未录入"):
        cal.add_workdays(d("2004-01-05"), -5)


def test_the_holiday_sheet_adds_a_year_and_overrides_days():
    rows, findings = read_day_rules([
        {"date": "2027-01-01", "kind": "休", "name": "元旦", "scope": "全国", "source": "国务院通知"},
        {"date": "2024-06-17", "kind": "休", "name": "古尔邦节", "scope": "新疆", "source": "自治区通知"},
        {"date": "2024-09-14", "kind": "休", "name": "测试", "scope": "全国", "source": "测试"},
    ])
    assert findings == []
    cal = data.calendar(tuple(rows))
    assert not cal.is_workday(d("2027-01-01"))
    assert cal.is_workday(d("2027-01-04"))
    assert not cal.is_workday(d("2024-06-17"))
    assert not cal.is_workday(d("2024-09-14"))       # the sheet wins over the package
    assert cal.regional_known(2024)
    assert not data.calendar().regional_known(2024)


def test_bad_holiday_rows_are_findings_with_their_row():
    rows, findings = read_day_rules([
        {"date": "2024-13-01", "kind": "休", "name": "x", "scope": "全国", "source": ""},
        {"date": "2024-10-01", "kind": "放", "name": "x", "scope": "全国", "source": ""},
        {"date": "2024-10-02", "kind": "休", "name": "x", "scope": "南疆", "source": ""},
        {"date": "2024-10-03", "kind": "休", "name": "x", "scope": "全国", "source": ""},
        {"date": "2024-10-03", "kind": "班", "name": "x", "scope": "全国", "source": ""},
    ])
    assert len(rows) == 1
    assert [f.row for f in findings] == [1, 2, 3, 5]
    assert "既标为" in findings[-1].message


def test_networkdays_of_september_2024(cal):
    assert cal.networkdays(d("2024-09-01"), d("2024-09-30")) == 21
    assert cal.networkdays(d("2024-09-30"), d("2024-09-01")) == -21


def test_add_workdays_like_workday(cal):
    assert cal.add_workdays(d("2024-09-13"), 1) == d("2024-09-14")
    assert cal.add_workdays(d("2024-09-14"), 1) == d("2024-09-18")
    assert cal.add_workdays(d("2024-09-18"), -1) == d("2024-09-14")
    assert cal.add_workdays(d("2024-09-15"), 0) == d("2024-09-15")


known_days = st.dates(min_value=dt.date(2005, 1, 1), max_value=dt.date(2025, 12, 31))


@hsettings(max_examples=300, deadline=None)
@given(known_days, st.integers(min_value=1, max_value=40))
def test_publicity_end_equals_a_day_by_day_count_and_is_a_working_day(cal, start, n):
    end = cal.publicity_end(start, n)
    assert cal.is_workday(end)
    day, counted = start, 0
    while True:
        if reference_is_workday(day):
            counted += 1
            if counted == n:
                break
        day += dt.timedelta(days=1)
    assert end == day


@hsettings(max_examples=300, deadline=None)
@given(known_days, st.integers(min_value=-40, max_value=40))
def test_add_workdays_and_networkdays_agree(cal, start, n):
    end = cal.add_workdays(start, n)
    if n > 0:
        assert cal.is_workday(end)
        assert cal.networkdays(start + dt.timedelta(days=1), end) == n
    elif n < 0:
        assert cal.is_workday(end)
        assert cal.networkdays(end, start - dt.timedelta(days=1)) == -n
    else:
        assert end == start


@hsettings(max_examples=200, deadline=None)
@given(known_days, st.integers(min_value=0, max_value=60))
def test_networkdays_equals_a_day_by_day_count(cal, start, span):
    end = start + dt.timedelta(days=span)
    expected = sum(reference_is_workday(start + dt.timedelta(days=i)) for i in range(span + 1))
    assert cal.networkdays(start, end) == expected
