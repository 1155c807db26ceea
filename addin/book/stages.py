"""The one stage of every application (:func:`application_stages`): its typed 状态, what
审核记录 says judged at a moment (一(一), 四(一)1), and whether the same person applies by
both routes (三) — read from the register and put through
:func:`addin.rules.workflow.application_stage`."""

from __future__ import annotations

import functools
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from ..rules.base import Finding, RuleInputError, error, warning
from ..rules.catalog import clean_word
from ..rules.dates import normalise_text, parse_datetime
from ..rules.eligibility import RouteEntry, route_conflicts
from ..rules.identity import check_id as _check_id
from ..rules.workflow import (OUT_STATUSES, PASSED, RETURNED, Stage, Submission, SubmissionState, UNDECIDED,
                              application_stage, assess_submissions)
from .reader import Book, cell_text as _text


def _submissions(book: Book, known: set[str]) -> tuple[dict[str, list[Submission]], list[Finding]]:
    """审核记录 by application id, and the problems of its rows."""
    table = book.table("reviews")
    out: dict[str, list[Submission]] = defaultdict(list)
    findings: list[Finding] = []
    for row in table.rows:
        v = row.values_by_key
        app_id = _text(v.get("app_id"))
        if not app_id:
            findings.append(table.locate(error("审核记录缺少申报编号"), row.number, "app_id"))
            continue
        if app_id not in known:
            findings.append(table.locate(error(f"申报编号“{app_id}”不在申报人员表中"), row.number, "app_id"))
            continue
        submitted = parse_datetime(v.get("submitted_at"))
        decided = parse_datetime(v.get("decided_at"))
        result = _text(v.get("result"))
        for key, parsed in (("submitted_at", submitted), ("decided_at", decided)):
            if parsed.finding:
                findings.append(table.locate(parsed.finding, row.number, key))
        if submitted.value is None:
            if not submitted.finding:
                findings.append(table.locate(error("审核记录缺少提交时间"), row.number, "submitted_at"))
            continue
        if result not in ("", PASSED, RETURNED):
            findings.append(table.locate(error(f"审核结果应为“通过”或“退回”，实为“{result}”"), row.number, "result"))
            result = ""
        if result and decided.value is None and not decided.finding:
            findings.append(table.locate(warning("已有审核结果但缺少处理时间"), row.number, "decided_at"))
        if decided.value and decided.value < submitted.value:
            findings.append(table.locate(error("处理时间早于提交时间"), row.number, "decided_at"))
        out[app_id].append(Submission(submitted.value, result, decided.value if result == RETURNED else None,
                                      passed_at=decided.value if result == PASSED else None))
    return out, findings


# An identity number is checked twice per row (the row, and the route conflicts across rows);
# the check is pure and its result never changed in place, so it is remembered (bounded).
check_id = functools.lru_cache(maxsize=65536, typed=True)(_check_id)


def route_conflict_rows(book: Book) -> dict[int, Finding]:
    """Register rows of one person applying for the same series and level by both routes
    in the campaign year (三), with the finding for each. An application whose 状态 has
    ended it (不予受理, 视为放弃: the one withdrawn) conflicts with nothing."""
    s, catalog = book.settings, book.catalog
    entries = []
    for row in book.table("applicants").rows:
        v = row.values_by_key
        if clean_word(v.get("status")) in OUT_STATUSES:
            continue
        parsed = check_id(v.get("id_number"))
        level = catalog.level_of(v.get("target_title")).value
        if parsed.value and level:
            entries.append(RouteEntry(row.number, parsed.value.number, normalise_text(_text(v.get("series"))), level,
                                      normalise_text(_text(v.get("route"))), s.campaign_year))
    return dict(route_conflicts(entries))


@dataclass
class Stages:
    """The stage of every application of a register (see :func:`application_stages`)."""

    stages: dict[int, Stage]                       # register row -> its stage
    route_conflicts: dict[int, Finding]            # register row -> the finding (三)
    findings: list[Finding]                        # problems of 审核记录's own rows
    submissions: dict[str, list[Submission]]       # application id -> its submissions


def application_stages(book: Book, *, now: dt.datetime) -> Stages:
    """The one stage of every application (:func:`addin.rules.workflow.application_stage`):
    its typed 状态, what 审核记录 says judged at ``now`` (一(一), 四(一)1), and whether the
    same person applies by both routes (三). Every consumer — the fee due and findings of
    :func:`evaluate`, the documents' selection, the roster, finance, publicity, 统计, the
    proposed 状态 changes — takes the stage from here, never from 状态 or 审核记录 alone."""
    s, cal = book.settings, book.calendar
    table = book.table("applicants")
    known = {_text(r.values_by_key.get("app_id")) for r in table.rows} - {""}
    subs, findings = _submissions(book, known)
    conflicts = route_conflict_rows(book)
    stages = {}
    for row in table.rows:
        app_id = _text(row.values_by_key.get("app_id"))
        mine = subs.get(app_id, []) if app_id else []
        try:
            state = assess_submissions(mine, s, as_of=now, calendar=cal)
        except RuleInputError as exc:      # e.g. a working-day deadline in a year without a calendar
            state = SubmissionState(UNDECIDED, len(mine), findings=(error(str(exc), "四(一)1"),))
        stages[row.number] = application_stage(clean_word(row.values_by_key.get("status")), state,
                                               route_conflict=row.number in conflicts)
    return Stages(stages, conflicts, findings, subs)
