"""``zhicheng new``: an empty master workbook for a campaign year.

The 参数 sheet is pre-filled from the notice (the packaged settings), 评审条件 from
the default table, 节假日 from the packaged Xinjiang days, 字典 from the packaged
lists. With ``--from`` last year's workbook lends its settings (dates moved to the
new year and marked for review; a deadline landing on a rest day says so), rules table,
holidays, employers' contacts and the expert pool — but no applicants and nothing of
last year's meeting (attendance, draw, recusals naming last year's applicants).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from .. import data
from ..rules.settings import RollOver, Settings, deadlines_on_rest_days, roll_over
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


def shift_settings(settings: Settings, year: int) -> RollOver:
    """The settings moved to ``year`` by each date's role in the campaign (see
    :func:`~addin.rules.settings.roll_over`), with a note per changed setting; a deadline
    that lands on a rest day says so in its note (and is a finding of ``check``)."""
    roll = roll_over(settings, year, data.setting_labels())
    if not roll.notes:
        return roll
    notes = dict(roll.notes)
    for finding in deadlines_on_rest_days(roll.settings, data.calendar()):
        key = finding.column or ""
        notes[key] = (notes[key] + "；" if notes.get(key) else "") + finding.message
    return dataclasses.replace(roll, notes=notes)


#: what of 评委 belongs to one year's meeting and is not carried into the next
MEETING_COLUMNS = ("attending", "draw_result", "draw_note")


def carry_experts(rows: list[dict], applicants: list[dict]) -> tuple[list[dict], int]:
    """Last year's expert pool for the next campaign: every expert and their details,
    without anything of last year's meeting — attendance (是否出席), the draw (抽取结果,
    抽取说明) — and without recusals naming last year's applications (回避对象 by
    application id or name; the relation goes when nothing is left of it). Returns the
    rows and how many recusal entries were dropped."""
    from .panel import split_names

    known = {str(a.get(k) or "").strip() for a in applicants for k in ("app_id", "name")} - {""}
    out, dropped = [], 0
    for row in rows:
        row = {k: v for k, v in row.items() if k not in MEETING_COLUMNS}
        related = split_names(str(row.get("related") or ""))
        kept = [r for r in related if r not in known]
        dropped += len(related) - len(kept)
        if len(kept) != len(related):
            row["related"] = "、".join(kept) or None
            if not kept:
                row["relation"] = None
        out.append(row)
    return out, dropped


def settings_rows(settings: Settings, marked: Mapping[str, str] = MappingProxyType({})) -> list[dict]:
    """The rows of the 参数 sheet; ``marked`` maps a key to what was done to it (shown
    after 【请核对】 in 说明)."""
    rows = []
    for packaged in data.rows("settings"):
        key = packaged["key"]
        note = packaged["note"]
        if key in marked:
            note = REVIEW_MARK + marked[key] + ("；" + note if note else "")
        rows.append({"label": packaged["label"], "value": settings_cell(getattr(settings, key)),
                     "clause": packaged["clause"], "note": note, "key": key})
    return rows


def default_tables(settings: Settings, marked: Mapping[str, str] = MappingProxyType({})) -> dict[str, list[dict]]:
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
    return new_register(year, previous, now=now, user=user, extra=extra)[0]


def new_register(year: int | None = None, previous: Path | None = None, *, now: dt.datetime, user: str = "",
                 extra: dict[str, list[dict]] | None = None):
    """The openpyxl workbook of a new register (not saved) and how the settings were rolled over."""
    from .reader import read_book

    carried: dict[str, list[dict]] = {}
    dropped = 0
    if previous is not None:
        old = read_book(Path(previous))
        base = old.settings
        for key in ("rules", "holidays", "experts", "employers"):
            carried[key] = [r.values_by_key for r in old.table(key).rows]
        carried["experts"], dropped = carry_experts(carried["experts"],
                                                    [r.values_by_key for r in old.table("applicants").rows])
    else:
        base = data.default_settings()
    year = year or base.campaign_year
    roll = shift_settings(base, year)
    settings = roll.settings
    tables = default_tables(settings, roll.notes)
    tables.update(carried)
    tables.update(extra or {})
    detail = f"{year}年度" + (f"，沿用“{Path(previous).name}”的参数、评审条件、节假日、评委和用人单位联系方式"
                              "（评委的出席、抽取结果和抽取说明不沿用" +
                              (f"，回避对象中上年申报人{dropped}项已删除" if dropped else "") + "）" if previous else "")
    tables["log"] = [{"at": now.replace(microsecond=0), "user": user, "action": "新建台账", "rows": 0, "detail": detail},
                     *(extra or {}).get("log", [])]
    return build_workbook(year, settings.ce_years, tables, default_lists(), defence_item_names(settings)), roll


def defence_item_names(settings: Settings) -> tuple[str, ...]:
    """The 答辩评分 sheet's score columns: the items of the settings (四(五))."""
    from ..rules.defence import defence_items

    items = defence_items(settings)
    return tuple(i.name for i in items.value) if items.value else ()


def new_workbook(path: Path, year: int | None = None, previous: Path | None = None, *, user: str = "") -> RollOver:
    """Write a new, empty register for ``year`` to ``path`` (refusing to overwrite); returns
    how the settings were rolled over (what was corrected)."""
    from ..errors import WriteRefused
    from .safe_write import safe_save

    path = Path(path)
    if path.exists():
        raise WriteRefused(f"文件“{path.name}”已存在：新建台账不会覆盖已有文件，请换一个文件名")
    if path.suffix.lower() != ".xlsx":       # a new register holds no macros: .xlsm would not open
        raise WriteRefused(f"台账文件名应以 .xlsx 结尾，实为“{path.name}”")
    wb, roll = new_register(year, previous, now=dt.datetime.now(), user=user)
    safe_save(path, wb.save, check_foreign=False)
    return roll
