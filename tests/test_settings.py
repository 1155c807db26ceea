"""Settings are data: packaged defaults from the notice, typed, validated."""

import dataclasses
import datetime as dt
from fractions import Fraction

import pytest

from addin import data
from addin.rules.settings import Settings, parse_ratio, validate_settings


def test_packaged_defaults_follow_the_notice():
    """The shipped defaults (addin/data/settings.csv) are this year's notice; the rule tests
    use the frozen 2024 fixture (tests/fixtures/settings-2024.csv) instead."""
    settings = data.default_settings()
    assert settings.apply_end == dt.datetime(2024, 8, 30, 18, 0)
    assert settings.fees == {"高级": 550, "中级": 400, "初级": 200}
    assert (settings.ce_min_total, settings.ce_min_professional) == (90, 60)
    assert list(settings.ce_years) == [2021, 2022, 2023, 2024]
    assert settings.seniority_cutoff == dt.date(2024, 12, 31)
    assert settings.quorum_ratio == settings.pass_ratio == Fraction(2, 3)
    assert validate_settings(settings) == []


def test_every_settings_key_is_in_the_packaged_table():
    keys = [r["key"] for r in data.rows("settings")]
    assert sorted(keys) == sorted(Settings.keys())
    assert all(r["label"] and r["clause"] for r in data.rows("settings"))


@pytest.mark.clause("一(四)")
def test_the_material_window_printed_as_2023_is_flagged(settings):
    as_printed = dataclasses.replace(settings, material_start=dt.date(2023, 9, 1), material_end=dt.date(2023, 9, 10))
    findings = validate_settings(as_printed)
    assert [f.column for f in findings] == ["material_start", "material_end"]
    assert all("不在评审年度2024年内" in f.message and f.clause == "一(四)" for f in findings)


@pytest.mark.clause("一(三)", "四(六)")
def test_windows_running_backwards_and_bad_fees_are_flagged(settings):
    bad = dataclasses.replace(settings, payment_end=dt.date(2024, 8, 31), fee_junior=0)
    messages = " ".join(f.message for f in validate_settings(bad))
    assert "缴费时间的开始日期" in messages and "评审费应为正数" in messages


def test_bad_values_fall_back_with_a_finding_per_key(settings):
    values = {r["key"]: r["value"] for r in data.rows("settings")}
    values.update(fee_senior="五百五", apply_end="8月30日", quorum_ratio="3/2")
    typed, findings = Settings.from_values(values, fallback=settings)
    assert typed.fee_senior == 550 and typed.apply_end == settings.apply_end
    assert sorted(f.column for f in findings) == ["apply_end", "fee_senior", "quorum_ratio"]


def test_ratios_as_clerks_write_them():
    assert parse_ratio("2/3").value == Fraction(2, 3)
    assert parse_ratio("三分之二").finding is not None
    assert parse_ratio("3分之2").value == Fraction(2, 3)
    assert parse_ratio(0.6667).value == Fraction(2, 3)


def test_the_frozen_settings_of_the_rule_tests_are_the_2024_notice(settings):
    """The ``settings`` fixture is the 2024 notice as the rule tests were written against it
    (tests/fixtures/settings-2024.csv): a new year's notice changes the shipped defaults and
    adds tests, it does not rewrite the 2024 ones."""
    assert settings.campaign_year == 2024 and settings.apply_end == dt.datetime(2024, 8, 30, 18, 0)
    assert settings.fees == {"高级": 550, "中级": 400, "初级": 200}

