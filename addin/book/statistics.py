"""The figures the bureau reports upward (统计): by employer, by county (县市, from the
employer list 用人单位), and by series, specialty and level — applications, accepted, on
the meeting, passed, pass rate — and, given last year's register, the change from last
year.

Every figure follows the one stage of each application (``Evaluation.stages``) and the
values the evaluation computed: *accepted* is the stage 受理 (已接收材料 agreed by 状态 and
审核记录); *on the meeting* is 上会情况 = 上会, or a tally of the meeting; *passed* is a tally that publishes (评审会
表决通过, :func:`addin.rules.meeting.published`) of an application still accepted — the
publicity list's own test. The pass rate is passed / on the meeting, shown once the
meeting has a tally (before it, “—”).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..rules.catalog import clean_word, order_key
from ..rules.meeting import MEETING_DUE, published
from .evaluation import Evaluation
from .reader import Book, cell_text

UNREGISTERED, BLANK = "未登记", "未填"
FIGURES = ["申报", "受理", "上会", "通过", "通过率"]
YEAR_ON_YEAR = ["上年申报", "上年通过", "上年通过率", "申报增减", "通过增减"]
NO_RATE = "—"


@dataclass(frozen=True)
class Counted:
    """One application as 统计 counts it."""

    employer: str
    county: str
    series: str
    specialty: str
    level: str
    accepted: bool
    on_meeting: bool
    passed: bool
    voted: bool                  # the meeting has a tally for it


def counties(book: Book) -> dict[str, str]:
    """用人单位: {unit name normalised: 县市} (a unit without one: 未登记)."""
    table = book.tables.get("employers")
    out = {}
    for r in table.rows if table is not None else ():
        name = clean_word(r.values_by_key.get("name"))
        if name:
            out[name] = cell_text(r.values_by_key.get("county")) or UNREGISTERED
    return out


def counted(book: Book, ev: Evaluation) -> list[Counted]:
    """Every application of ``book`` (judged as ``ev``) as 统计 counts it."""
    where = counties(book)
    out = []
    for row in book.table("applicants").rows:
        v, c, stage = row.values_by_key, ev.computed.get(row.number, {}), ev.stages.get(row.number)
        accepted = bool(stage is not None and stage.accepted)
        employer = cell_text(v.get("employer")).replace("\n", " ")
        tally = c.get("meeting_result")
        out.append(Counted(employer or BLANK, where.get(clean_word(employer), UNREGISTERED) if employer else BLANK,
                           cell_text(v.get("series")) or BLANK, cell_text(v.get("specialty")) or BLANK,
                           book.catalog.level_of(v.get("target_title")).value or BLANK, accepted,
                           c.get("meeting_due") == MEETING_DUE or bool(tally), accepted and published(tally),
                           bool(tally)))
    return out


@dataclass
class Figures:
    applications: int = 0
    accepted: int = 0
    on_meeting: int = 0
    passed: int = 0
    voted: int = 0

    def add(self, a: Counted) -> None:
        self.applications += 1
        self.accepted += a.accepted
        self.on_meeting += a.on_meeting
        self.passed += a.passed
        self.voted += a.voted

    def rate(self, held: bool) -> float | str:
        """通过率 = 通过 / 上会 (a fraction, shown as a percentage), once the meeting has a
        tally (``held``); “—” before it, or with nobody on the meeting."""
        if not held or not self.on_meeting:
            return NO_RATE
        return self.passed / self.on_meeting


def _groups(rows: list[Counted], key) -> dict[str, Figures]:
    out: dict[str, Figures] = defaultdict(Figures)
    for a in rows:
        out[key(a)].add(a)
    return out


def _change(now: int, before: int) -> int:
    return now - before


def _block(title: str, first: str, now: dict[str, Figures], before: dict[str, Figures] | None, order,
           held_now: bool, held_before: bool) -> tuple[str, list[str], list[list[object]]]:
    names = sorted(set(now) | set(before or {}), key=order)
    header = [first] + FIGURES + (YEAR_ON_YEAR if before is not None else [])
    rows = []
    total, total_before = Figures(), Figures()
    for name in names:
        f = now.get(name, Figures())
        row = [name, f.applications, f.accepted, f.on_meeting, f.passed, f.rate(held_now)]
        for field in ("applications", "accepted", "on_meeting", "passed", "voted"):
            setattr(total, field, getattr(total, field) + getattr(f, field))
        if before is not None:
            b = before.get(name, Figures())
            for field in ("applications", "accepted", "on_meeting", "passed", "voted"):
                setattr(total_before, field, getattr(total_before, field) + getattr(b, field))
            row += [b.applications, b.passed, b.rate(held_before), _change(f.applications, b.applications),
                    _change(f.passed, b.passed)]
        rows.append(row)
    last = ["合计", total.applications, total.accepted, total.on_meeting, total.passed, total.rate(held_now)]
    if before is not None:
        last += [total_before.applications, total_before.passed, total_before.rate(held_before),
                 _change(total.applications, total_before.applications), _change(total.passed, total_before.passed)]
    return title, header, rows + [last]


@dataclass(frozen=True)
class LastYear:
    """Last year's register, counted as its year closed."""

    year: int
    rows: list[Counted]
    name: str


def statistics_blocks(book: Book, ev: Evaluation, last: LastYear | None = None
                      ) -> list[tuple[str, list[str], list[list[object]]]]:
    """The blocks 统计 adds: by employer, by county, by series / specialty / level (with
    last year's figures and the change when ``last`` is given), each with a 合计 row."""
    rows = counted(book, ev)
    before = last.rows if last is not None else None
    held_now = any(a.voted for a in rows)
    held_before = any(a.voted for a in before or [])
    specialty = order_key(book.order("专业"))
    series = order_key(book.order("系列"))
    levels = order_key(list(book.settings.fees))
    county_order = order_key(book.order("县市"))
    versus = f"（与{last.year}年度对比）" if last is not None else ""

    def by(key):
        return _groups(rows, key), (_groups(before, key) if before is not None else None)

    def line(a: Counted) -> str:
        return f"{a.series} {a.specialty} {a.level}"

    def line_order(name: str):
        parts = name.split(" ")
        parts += [""] * (3 - len(parts))
        return series(parts[0]), specialty(parts[1]), levels(parts[2])

    employers_now, employers_before = by(lambda a: a.employer)
    units = sorted(set(employers_now) | set(employers_before or {}),
                   key=lambda n: (-(employers_now.get(n) or Figures()).applications, n))
    rank = {name: i for i, name in enumerate(units)}
    return [
        _block("按用人单位" + versus, "用人单位", employers_now, employers_before, lambda n: rank[n], held_now,
               held_before),
        _block("按县市" + versus, "县市", *by(lambda a: a.county), county_order, held_now, held_before),
        _block("按系列、专业、级别" + versus, "系列 专业 级别", *by(line), line_order, held_now, held_before),
    ]


def last_year(path: Path, this_year: int) -> LastYear:
    """Last year's register at ``path``, read and judged as its year closed (31 December):
    refused when it is not a register of an earlier year."""
    from ..errors import Refused
    from . import schema
    from .evaluate import evaluate
    from .reader import read_book

    book = read_book(Path(path))
    stranger = schema.not_a_register(book.sheet_names, Path(path).name)
    if stranger:
        raise Refused(stranger)
    year = book.settings.campaign_year
    if year >= this_year:
        raise Refused(f"“{Path(path).name}”是{year}年度的台账，不早于本台账的{this_year}年度：请选择上一年度的台账。")
    ev = evaluate(book, now=dt.datetime(year, 12, 31, 23, 59), fingerprints=False)
    return LastYear(year, counted(book, ev), Path(path).name)
