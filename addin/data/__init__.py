"""Packaged defaults: the notice's settings, reference lists, the default eligibility
table and Xinjiang's regional holidays. This is the only place that reads them; the
rules receive them as values.

Each table is a small UTF-8 CSV beside this file, meant to be read and edited by a
developer (see the README: "How to change a rule's numbers").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from functools import lru_cache
from importlib import resources

from ..rules.calendar import AksuCalendar, DayRule, PendingFestival, national_rules, read_day_rules
from ..rules.catalog import Catalog, build_catalog
from ..rules.ce import ReviewerRule
from ..rules.settings import Settings


def rows(name: str) -> list[dict[str, str]]:
    """The rows of a packaged CSV table, e.g. ``rows("settings")``."""
    text = resources.files(__package__).joinpath(f"{name}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


class PackagedDataError(RuntimeError):
    """A packaged table is broken: a defect of the release, not of the user's data."""


@lru_cache(maxsize=None)
def limits() -> dict[str, float]:
    """The reader's bounds (limits.csv): package sizes, header search, cell length, absurd numbers."""
    try:
        return {r["key"]: float(r["value"]) for r in rows("limits")}
    except (KeyError, ValueError) as exc:
        raise PackagedDataError(f"limits.csv: {exc}") from exc


def limit(key: str) -> float:
    """One bound of limits.csv, e.g. ``limit("cell_max_chars")``."""
    return limits()[key]


@lru_cache(maxsize=None)
def default_settings() -> Settings:
    values = {r["key"]: r["value"] for r in rows("settings")}
    try:
        settings, _ = Settings.from_values(values)   # no fallback: any problem raises
    except ValueError as exc:
        raise PackagedDataError(str(exc)) from exc
    return settings


@lru_cache(maxsize=None)
def setting_labels() -> dict[str, str]:
    """The Chinese name of each setting (the 参数 sheet's 参数 column), by key."""
    return {r["key"]: r["label"] for r in rows("settings")}


@lru_cache(maxsize=None)
def conversion() -> dict[str, int]:
    """Limits of the LibreOffice conversion (``conversion.csv``): batch size, retries,
    time allowed per call and per file."""
    try:
        return {r["key"]: int(r["value"]) for r in rows("conversion")}
    except (KeyError, ValueError) as exc:
        raise PackagedDataError(f"conversion.csv: {exc}") from exc


@lru_cache(maxsize=None)
def default_catalog() -> Catalog:
    catalog, findings = build_catalog(rows("titles"), rows("education"), rows("lists"), rows("eligibility"))
    if findings:
        raise PackagedDataError("; ".join(str(f) for f in findings))
    return catalog


@lru_cache(maxsize=None)
def xinjiang_rules() -> tuple[DayRule, ...]:
    rules, findings = read_day_rules(rows("holidays-xinjiang"), origin="packaged")
    if findings:
        raise PackagedDataError("; ".join(str(f) for f in findings))
    return tuple(rules)


@lru_cache(maxsize=None)
def pending_festivals() -> tuple[PendingFestival, ...]:
    """Regional festivals whose days off are not known (``holidays-xinjiang-missing.csv``)."""
    try:
        return tuple(PendingFestival(int(r["year"]), r["name"], dt.date.fromisoformat(r["day"]), r["note"])
                     for r in rows("holidays-xinjiang-missing"))
    except (KeyError, ValueError) as exc:
        raise PackagedDataError(f"holidays-xinjiang-missing.csv: {exc}") from exc


@lru_cache(maxsize=None)
def _national() -> tuple[tuple[DayRule, ...], range]:
    rules, years = national_rules()
    return tuple(rules), years


@lru_cache(maxsize=32)
def calendar(workbook_rules: tuple[DayRule, ...] = ()) -> AksuCalendar:
    """The Aksu calendar: national + packaged Xinjiang days + the workbook's rows.

    Built once per distinct holiday table and kept (the precomputation is the slow
    part, the questions are cheap).
    """
    national, years = _national()
    return AksuCalendar(national, years, xinjiang_rules(), workbook_rules, pending_festivals())


@lru_cache(maxsize=1)
def exemption_reviewers() -> tuple[ReviewerRule, ...]:
    """Who reviews a continuing-education exemption (attachment 4, notes 1-2), as packaged
    data: the first row whose words (and, if any, and-words) occur in the reason wins."""
    source = resources.files(__name__).joinpath("templates").joinpath("exemption-reviewers.csv")
    text = source.read_text(encoding="utf-8")
    split = lambda cell: tuple(w for w in re.split(r"[、,，;；\s]+", cell or "") if w)  # noqa: E731
    return tuple(ReviewerRule(split(r["words"]), split(r["and_words"]), r["reviewer"].strip(), r["source"].strip())
                 for r in csv.DictReader(io.StringIO(text)))
