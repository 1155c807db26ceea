"""``zhicheng new``: an empty master workbook for a campaign year.

The 参数 sheet is pre-filled from the notice (the packaged settings), 评审条件 from
the default table, 节假日 from the packaged Xinjiang days, 字典 from the packaged
lists. With ``--from`` last year's workbook lends its settings (dates moved to the
new year and marked for review), rules table, holidays and experts, but no applicants.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from fractions import Fraction
from pathlib import Path

from dateutil.relativedelta import relativedelta

from .. import data
from ..rules.settings import Settings
from . import schema
from .workbook import build_workbook, dictionary

REVIEW_MARK = "【请核对】"


def settings_cell(value: object) -> object:
    """A typed setting as it is written into the 参数 sheet."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple):
        return "、".join(value)
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    return value


def shift_settings(settings: Settings, year: int) -> tuple[Settings, set[str]]:
    """The settings moved to ``year``: dates and year numbers by the difference in years.
    Returns the keys that changed (to be marked for review)."""
    delta = year - settings.campaign_year
    if delta == 0:
        return settings, set()
    hints = typing.get_type_hints(Settings)
    changes: dict[str, object] = {"campaign_year": year}
    for f in dataclasses.fields(Settings):
        value = getattr(settings, f.name)
        if hints[f.name] in (dt.date, dt.datetime):
            changes[f.name] = value + relativedelta(years=delta)
        elif f.name.startswith("ce_") and f.name.endswith(("_year", "_from")):
            changes[f.name] = value + delta
    changes["basis_document"] = settings.basis_document
    return dataclasses.replace(settings, **changes), set(changes) | {"basis_document"}


def settings_rows(settings: Settings, marked: set[str] = frozenset()) -> list[dict]:
    rows = []
    for packaged in data.rows("settings"):
        key = packaged["key"]
        note = packaged["note"]
        if key in marked:
            note = REVIEW_MARK + (f"已按{settings.campaign_year}年顺延" if key != "basis_document" else "请改为本年度文件") + \
                   ("；" + note if note else "")
        rows.append({"label": packaged["label"], "value": settings_cell(getattr(settings, key)),
                     "clause": packaged["clause"], "note": note, "key": key})
    return rows


def default_tables(settings: Settings, marked: set[str] = frozenset()) -> dict[str, list[dict]]:
    rules = [{**r, "years": int(r["years"])} for r in data.rows("eligibility")]
    holidays = [{**r, "date": dt.date.fromisoformat(r["date"])} for r in data.rows("holidays-xinjiang")]
    return {"settings": settings_rows(settings, marked), "rules": rules, "holidays": holidays,
            "log": []}


def default_lists() -> dict[str, list[str]]:
    catalog = data.default_catalog()
    education = [name for name in catalog.education]
    return dictionary(catalog.lists, catalog.titles, education)


def build_new(year: int | None = None, previous: Path | None = None, *, now: dt.datetime, user: str = "",
              extra: dict[str, list[dict]] | None = None):
    """The openpyxl workbook of a new register (not saved)."""
    from .reader import read_book

    carried: dict[str, list[dict]] = {}
    if previous is not None:
        old = read_book(Path(previous))
        base = old.settings
        for key in ("rules", "holidays", "experts"):
            carried[key] = [r.values_by_key for r in old.table(key).rows]
    else:
        base = data.default_settings()
    year = year or base.campaign_year
    settings, marked = shift_settings(base, year)
    tables = default_tables(settings, marked)
    tables.update(carried)
    tables.update(extra or {})
    detail = f"{year}年度" + (f"，沿用“{Path(previous).name}”的参数、评审条件、节假日和评委" if previous else "")
    tables["log"] = [{"at": now.replace(microsecond=0), "user": user, "action": "新建台账", "rows": 0, "detail": detail},
                     *(extra or {}).get("log", [])]
    return build_workbook(year, settings.ce_years, tables, default_lists(), defence_item_names(settings))


def defence_item_names(settings: Settings) -> tuple[str, ...]:
    """The 答辩评分 sheet's score columns: the items of the settings (四(五))."""
    from ..rules.defence import defence_items

    items = defence_items(settings)
    return tuple(i.name for i in items.value) if items.value else ()


def new_workbook(path: Path, year: int | None = None, previous: Path | None = None, *, user: str = "") -> Path:
    """Write a new, empty register for ``year`` to ``path`` (refusing to overwrite)."""
    from .safe_write import WriteRefused, safe_save

    path = Path(path)
    if path.exists():
        raise WriteRefused(f"文件“{path.name}”已存在：新建台账不会覆盖已有文件，请换一个文件名")
    if path.suffix.lower() != ".xlsx":       # a new register holds no macros: .xlsm would not open
        raise WriteRefused(f"台账文件名应以 .xlsx 结尾，实为“{path.name}”")
    wb = build_new(year, previous, now=dt.datetime.now(), user=user)
    safe_save(path, wb.save, check_foreign=False)
    return path
