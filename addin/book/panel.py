"""The expert pool, the seating on the day and the defence scores, read from a
:class:`~addin.book.reader.Book` (评委, 评审会, 答辩评分) and put through the rules of
:mod:`addin.rules.panel` and :mod:`addin.rules.defence`. Used by the evaluation (the
tally) and by the draw."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Mapping

from ..rules.base import Finding, error
from ..rules.catalog import clean_word
from ..rules.meeting import MEETING_DUE
from ..rules.defence import DefenceResult, Item, ScoreSheet, check_sheet, defence_items, defence_result
from ..rules.panel import PANEL, Candidate, Expert, Seating, recusal_reasons, seating
from ..rules.settings import parse_bool, parse_number
from .reader import Book, TableData, cell_text as _text


def split_names(text: str) -> tuple[str, ...]:
    """The entries of a 回避对象 cell: application ids or names separated by 、,，;； or lines."""
    return tuple(t for t in (x.strip() for x in re.split(r"[、,，;；\n]+", text)) if t)


def locate(table: TableData, finding: Finding) -> Finding:
    """A rule's finding, whose ``column`` is a schema key, at its cell of ``table``."""
    return replace(finding, sheet=table.sheet, column=table.letter(finding.column) if finding.column else None)


def candidates(book: Book, computed: Mapping[int, Mapping[str, object]],
               held_back: Mapping[int, object]) -> list[Candidate]:
    """The applicants due at the meeting (上会情况 = 上会 in the evaluation's ``computed``
    values), and those only ``held_back`` (who may still be put on the roster with
    ``--all``): the panel must be free of any interest in any of them."""
    out = []
    for row in book.table("applicants").rows:
        if computed[row.number].get("meeting_due") == MEETING_DUE or row.number in held_back:
            v = row.values_by_key
            out.append(Candidate(_text(v.get("app_id")), _text(v.get("name")), _text(v.get("employer")),
                                 _text(computed[row.number].get("blind_code"))))
    return out


def read_pool(book: Book) -> tuple[list[Expert], list[Finding]]:
    """评委 rows as experts; unreadable 是/否 cells are findings (and count as blank)."""
    table = book.table("experts")
    experts, findings = [], []
    for row in table.rows:
        v = row.values_by_key
        flags = {}
        for key in ("available", "attending"):
            parsed = parse_bool(v.get(key))
            if parsed.finding:
                findings.append(table.locate(parsed.finding, row.number, key))
            flags[key] = parsed.value
        experts.append(Expert(
            ref=row.number, code=clean_word(v.get("code")).upper(), name=_text(v.get("name")),
            employer=_text(v.get("employer")), specialty=clean_word(v.get("specialty")), title=_text(v.get("title")),
            available=flags["available"], relation=clean_word(v.get("relation")), related=split_names(_text(v.get("related"))),
            attended=flags["attending"], role=clean_word(v.get("draw_result"))))
    return experts, findings


def drawn(experts: list[Expert]) -> bool:
    """Whether the pool holds a draw (someone is 评委)."""
    return any(e.role == PANEL for e in experts)


@dataclass
class MeetingDay:
    """What the tally needs about the panel: who counts, and the findings met."""

    experts: list[Expert]
    seating: Seating | None                      # None: no draw in the register (numbers typed in 评审会)
    seated: set[str]                             # codes that may vote and score
    findings: list[Finding] = field(default_factory=list)


def meeting_day(book: Book, roster: list[Candidate], *, held: bool = True) -> MeetingDay:
    """Seating from the pool's draw and attendance; a seated expert who must recuse for
    someone now on the roster (the roster grew after the draw) is an error. ``held``:
    the meeting has taken place (before it, a blank 是否出席 is no finding)."""
    table = book.table("experts")
    experts, findings = read_pool(book)
    if not drawn(experts):
        return MeetingDay(experts, None, {e.code for e in experts if e.attended}, findings)
    seat = seating(experts, held=held)
    findings += [locate(table, f) for f in seat.findings]
    by_code = {e.code: e for e in experts}
    for code in seat.seated:
        for person, why in recusal_reasons(by_code[code], roster):
            findings.append(table.locate(error(f"出席评委{code}与上会申报人{person.app_id}（{person.name}）{why}，应当回避"
                                               "（抽取后上会名单有变化？请重新抽取或调整）", "评审会规则"),
                                         by_code[code].ref, "code"))
    return MeetingDay(experts, seat, set(seat.seated), findings)


# --- defence scores (四(五)) ---------------------------------------------------------------

@dataclass
class DefenceTally:
    items: tuple[Item, ...]
    rows: dict[int, dict[str, object]] = field(default_factory=dict)     # 答辩评分 row -> computed
    results: dict[str, DefenceResult] = field(default_factory=dict)      # blind code -> result
    findings: list[Finding] = field(default_factory=list)


def defence_tally(book: Book, senior_codes: set[str], seated: set[str]) -> DefenceTally:
    """Every score sheet of 答辩评分 checked and the results of the senior applicants."""
    items = defence_items(book.settings)
    if items.finding:
        settings = book.table("settings")
        return DefenceTally((), findings=[items.finding.at(sheet=settings.sheet)])
    table = book.table("defence")
    tally = DefenceTally(items.value)
    if not table.present:
        return tally
    for item in items.value:
        if table.rows and table.letter(item.name) is None:
            tally.findings.append(error(f"缺少评分项目列“{item.name}”（与参数“答辩评分项目及分值”一致）", "四(五)").at(
                sheet=table.sheet, row=1))
    totals: dict[str, list[float]] = {}
    seen: dict[tuple[str, str], int] = {}
    for row in table.rows:
        code = clean_word(row.values_by_key.get("blind_code")).upper()
        expert = clean_word(row.values_by_key.get("expert_code")).upper()
        scores, bad = {}, []
        for item in items.value:
            parsed = parse_number(row.values.get(item.name))
            if parsed.finding:
                bad.append(item.name)
            scores[item.name] = parsed.value
        check = check_sheet(ScoreSheet(row.number, code, expert, scores, tuple(bad)), items.value, seated, senior_codes)
        note = check.note
        if check.total is not None and (code, expert) in seen:
            note = f"不计入：与第{seen[code, expert]}行重复（同一评委对同一答辩人只能有一张评分表）"
            tally.findings.append(table.locate(error(f"{code}、评委{expert}的评分重复", "四(五)"), row.number, "expert_code"))
        elif check.total is not None:
            seen[code, expert] = row.number
            totals.setdefault(code, []).append(check.total)
        tally.findings += [table.locate(f, row.number, "blind_code") for f in check.findings]
        tally.rows[row.number] = {"total": check.total, "counted": note}
    for code in sorted(senior_codes):
        result = defence_result(code, totals.get(code, []), len(seated), book.settings, scoring_started=bool(table.rows))
        tally.results[code] = result
        tally.findings += [f.at(sheet=table.sheet) for f in result.findings]
    return tally
