"""Apply every rule to a :class:`~addin.book.reader.Book`: the computed columns of the
register, the findings of every sheet, and the figures of the dashboard.

Pure with respect to files: this reads a Book and returns values; the writers (file
or live Excel) put them in place. One bad row never stops the others.
"""

from __future__ import annotations

import contextlib
import functools
import datetime as dt
import gc
import hashlib
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Mapping

from .. import data
from ..rules.base import Finding, Parsed, RuleInputError, Severity, error, warning
from ..rules.catalog import clean_word
from ..rules.contact import parse_phone
from ..rules.dates import format_date, normalise_text, parse_date, parse_datetime
from ..rules.documents import missing_documents, split_documents
from ..rules.eligibility import Context, RouteEntry, assess, mandarin_ok, route_conflicts
from ..rules.fees import FeeLine, account, defense, fee_due, fee_summary
from ..rules.identity import check_id as _check_id
from ..rules.seniority import full_years
from ..rules.meeting import PASSED as VOTE_PASSED, VoteResult, status_against_tally, vote_result
from ..rules.recommendation import (generic_recommenders, objection_contact, publicising_unit,
                                    publicity_before_submission, recommender_setting)
from ..rules.settings import campaign_span, deadlines_on_rest_days, parse_int, parse_number, validate_settings
from ..rules.workflow import (OUT_STATUSES, PASSED, RETURNED, ROUTE_CONFLICT, Stage, Submission, SubmissionState,
                              UNDECIDED, application_stage, assess_submissions)
from . import schema
from ..rules.defence import FAILED as DEFENCE_FAILED
from .panel import DefenceTally, MeetingDay, defence_tally, meeting_day
from .reader import Book, RowData, TableData, cell_text as _text
from .codes import checked_codes
from .records import applicant_from_keys, forget

MEETING_DUE = "上会"


@dataclass
class Todo:
    kind: str
    app_id: str
    name: str
    due: dt.date | None
    detail: str


@dataclass
class Evaluation:
    computed: dict[int, dict[str, object]] = field(default_factory=dict)   # register row -> key -> value
    findings: list[Finding] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)            # app id -> digest of computed values
    todos: list[Todo] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)                        # per applicant summary for the dashboard
    meeting: dict[int, dict[str, object]] = field(default_factory=dict)   # 评审会 row -> computed values
    #: rows meeting every condition of the meeting but held back by a route conflict (三),
    #: with the reasons: off the roster unless asked for
    held_back: dict[int, list[str]] = field(default_factory=dict)
    #: the one stage of each application (rules.workflow.application_stage), by register row:
    #: fee due, documents, meeting, publicity and refunds all follow it
    stages: dict[int, Stage] = field(default_factory=dict)
    levels: tuple[str, ...] = ()                  # fee levels in the settings' order (高级, 中级, 初级)
    specialty_order: list[str] = field(default_factory=list)              # 专业 in the data's order
    hand_edits: list[tuple[int, str, object]] = field(default_factory=list)  # (row, key, value found) in computed columns
    day: MeetingDay | None = None                                          # the panel seated (评委)
    defence: DefenceTally | None = None                                    # 答辩评分 rows and results

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    def fee_lines(self) -> list[FeeLine]:
        """The fee summary by level and in total: the one computation that the 统计 sheet
        and the finance office's 汇总 both print (四(六)); what ended applications paid is 退费."""
        return fee_summary(((r["level"], account(r["fee_due"], r["fee_paid"], ended=r["ended"])) for r in self.rows),
                           self.levels)




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


def _payments(book: Book, known: set[str], accepted: Mapping[str, dt.datetime]) -> tuple[dict[str, float], list[Finding]]:
    """缴费: amounts by application id, and the problems of each payment (四(六), 一(三))."""
    table = book.table("payments")
    s = book.settings
    paid: dict[str, float] = defaultdict(float)
    findings: list[Finding] = []
    methods = set(book.catalog.lists.get("缴费方式", []))
    payment_max = data.limit("payment_max")
    receipts: dict[str, list[int]] = defaultdict(list)     # a receipt is booked once (finance import refuses a second)
    for row in table.rows:
        receipt = _text(row.values_by_key.get("receipt"))
        if receipt:
            receipts[receipt].append(row.number)
    for row in table.rows:
        v = row.values_by_key
        app_id = _text(v.get("app_id"))
        amount = parse_number(v.get("amount"))
        rows_of_receipt = receipts.get(_text(v.get("receipt")), [])
        if len(rows_of_receipt) > 1:
            count = len(rows_of_receipt) - 1              # the other rows; five of them named
            rest = [n for n in rows_of_receipt[:6] if n != row.number][:5]
            others = "、".join(f"第{n}行" for n in rest) + (f"等{count}行" if count > 5 else "")
            findings.append(table.locate(error(f"票据号{_text(v.get('receipt'))}重复（另见{others}）：同一张票据只能记账一次",
                                               "四(六)"), row.number, "receipt"))
        day = parse_date(v.get("paid_on"))
        here = []
        if not app_id:
            here.append((error("缴费记录缺少申报编号"), "app_id"))
        elif app_id not in known:
            here.append((error(f"申报编号“{app_id}”不在申报人员表中"), "app_id"))
        if amount.value is not None and amount.value > payment_max:
            amount = Parsed(finding=error(f"缴费金额{amount.value:g}元不合理（超过{payment_max:g}元），未计入，请核对"))
        if amount.finding:
            here.append((amount.finding, "amount"))
        elif not amount.value:
            here.append((error("缴费金额为空或为0"), "amount"))
        if day.finding:
            here.append((day.finding, "paid_on"))
        elif day.value is None:
            here.append((warning("缴费日期为空"), "paid_on"))
        else:
            if not s.payment_start <= day.value <= s.payment_end:
                here.append((warning(f"缴费日期{day.value}不在缴费时间{s.payment_start}至{s.payment_end}内", "一(三)"), "paid_on"))
            if app_id in accepted and day.value < accepted[app_id].date():
                here.append((warning(f"缴费日期{day.value}早于“已接收材料”（{accepted[app_id].date()}）", "四(六)"), "paid_on"))
        method = _text(v.get("method"))
        if method and method not in methods:
            here.append((warning(f"缴费方式应为{'或'.join(methods)}，实为“{method}”", "四(六)"), "method"))
        findings += [table.locate(f, row.number, key) for f, key in here]
        if app_id in known and amount.value:
            paid[app_id] += amount.value
    return paid, findings


def _digest(values: dict[str, object]) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        try:
            out[key] = _cell_digest(value)
        except TypeError:              # a value that cannot be hashed (not from a cell)
            out[key] = _cell_digest.__wrapped__(value)
    return out


@functools.lru_cache(maxsize=65536, typed=True)
def _cell_digest(value: object) -> str:
    """The digest of one cell's value; a register repeats its computed values (正确, 达标,
    550), so each is hashed once per batch."""
    return hashlib.sha1(repr(_cell_repr(value)).encode()).hexdigest()[:8]


def _cell_repr(value: object) -> object:
    """What a cell reads back as after a save (dates come back as datetimes, ints as ints)."""
    if value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def encode_fingerprint(values: dict[str, object]) -> str:
    return ";".join(f"{k}={h}" for k, h in sorted(_digest(values).items()))


def decode_fingerprint(text: object) -> dict[str, str]:
    out = {}
    for part in str(text or "").split(";"):
        if "=" in part:
            k, h = part.split("=", 1)
            out[k] = h
    return out


# An identity number is checked twice per row (the row, and the route conflicts across rows);
# the check is pure and its result never changed in place, so it is remembered (bounded).
check_id = functools.lru_cache(maxsize=65536, typed=True)(_check_id)
# A register repeats its list of documents handed in: each list is read once.
_documents = functools.lru_cache(maxsize=4096)(lambda text: frozenset(split_documents(text)))


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


def employer_contacts(book: Book) -> dict[str, tuple[str, str]]:
    """用人单位: {unit name normalised (clean_word): (department, phone)} (四(二)); empty for a
    register without the sheet."""
    table = book.tables.get("employers")
    if table is None:
        return {}
    out = {}
    for r in table.rows:
        name = clean_word(r.values_by_key.get("name"))
        if name:
            out[name] = tuple(_text(r.values_by_key.get(k)).replace("\n", " ") for k in ("department", "phone"))
    return out


def _unregistered_units(book: Book, view: Stages) -> list[Finding]:
    """Units that publicise a live application (四(二)) but have no objection office and
    phone in 用人单位: attachment 1 would send objections to the bureau. One finding per
    unit (at 用人单位), naming its applications; the clerk registers the unit."""
    s = book.settings
    contacts = employer_contacts(book)
    table = book.table("applicants")
    units: dict[str, tuple[str, list[str]]] = {}
    for row in table.rows:
        if view.stages[row.number].out:
            continue
        v = row.values_by_key
        unit = publicising_unit(_text(v.get("employer")), _text(v.get("employer_type")), _text(v.get("private_basis")), s)
        if not unit or objection_contact(unit, contacts, s).own:
            continue
        who = f"{_text(v.get('app_id'))} {_text(v.get('name'))}".strip()
        units.setdefault(clean_word(unit), (unit, []))[1].append(who)
    sheet = book.tables.get("employers")
    out = []
    for unit, people in units.values():
        shown = "、".join(people[:3]) + (f"等{len(people)}人" if len(people) > 3 else "")
        out.append(warning(f"单位“{unit}”未在“{schema.EMPLOYER_SHEET}”表中登记联系部门和电话（{shown}）："
                           f"其附件1的异议受理部门暂为参数中的“{s.contact_office}”，请在“{schema.EMPLOYER_SHEET}”表中补登",
                           "四(二)").at(sheet=sheet.sheet if sheet is not None else schema.EMPLOYER_SHEET))
    return out


def _generic_names(book: Book, view: Stages) -> list[Finding]:
    """Settings still holding the notice's generic term for a body that recommends live
    applications (:func:`addin.rules.recommendation.generic_recommenders`)."""
    generic = {r["key"]: r["value"] for r in data.rows("settings") if (r.get("generic") or "").strip() == "是"}
    uses: Counter = Counter()
    for row in book.table("applicants").rows:
        if view.stages[row.number].out:
            continue
        v = row.values_by_key
        key = recommender_setting(_text(v.get("employer_type")), _text(v.get("route")), _text(v.get("private_basis")))
        if key:
            uses[key] += 1
    return generic_recommenders(book.settings, generic, uses, data.setting_labels())


def _people(book: Book) -> dict[tuple[str, int], str]:
    """(sheet, row) -> "申报编号 姓名" for the rows of 申报人员, 审核记录 and 缴费 that
    concern an application: findings there name the person (issue 16, B.7)."""
    applicants = book.table("applicants")
    names: dict[str, str] = {}
    out: dict[tuple[str, int], str] = {}
    for row in applicants.rows:
        app_id, name = _text(row.values_by_key.get("app_id")), _text(row.values_by_key.get("name"))
        who = f"{app_id} {name}".strip()
        if who:
            out[applicants.sheet, row.number] = who
        if app_id:
            names.setdefault(app_id, who)
    for key in ("reviews", "payments"):
        table = book.tables.get(key)
        for row in table.rows if table is not None else ():
            who = names.get(_text(row.values_by_key.get("app_id")))
            if who:
                out[table.sheet, row.number] = who
    return out


@contextlib.contextmanager
def batch():
    """Pause Python's cyclic garbage collector while a batch builds many small objects
    that all stay alive until it ends (the verdicts of every row): otherwise the
    collector walks the growing heap again and again (measured: 1.85x on 100,000
    verdicts, tests/benchmarks/bench_verdicts.py). Nothing of the batch forms cycles
    that would need collecting meanwhile; the collector is restored as it was. What
    the batch remembered of repeated values is dropped at its end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        check_id.cache_clear()
        _documents.cache_clear()
        _cell_digest.cache_clear()
        forget()
        if was_enabled:
            gc.enable()


def evaluate(book: Book, *, now: dt.datetime, previous: dict[str, str] | None = None,
             rng: random.Random | None = None, fingerprints: bool = True) -> Evaluation:
    """Every rule on every row (see :func:`_evaluate`), as one :func:`batch`."""
    with batch():
        return _evaluate(book, now=now, previous=previous, rng=rng, fingerprints=fingerprints)


def _evaluate(book: Book, *, now: dt.datetime, previous: dict[str, str] | None = None,
              rng: random.Random | None = None, fingerprints: bool = True) -> Evaluation:
    """Every rule on every row. ``previous`` maps application ids to the fingerprint
    written by the last refresh, to notice hand edits in computed columns;
    ``fingerprints=False`` skips computing the new ones (a check writes none).
    ``rng`` draws new blind codes (default: the system's secure source; only the
    fictitious sample passes a seeded one)."""
    s, catalog, cal = book.settings, book.catalog, book.calendar
    ev = Evaluation(levels=tuple(s.fees), specialty_order=book.order("专业"))
    ctx = Context(s, catalog)
    table = book.table("applicants")
    computed_keys = [c.key for c in schema.APPLICANT_COMPUTED]
    settings_table = book.table("settings")
    key_rows = {_text(r.values_by_key.get("key")): r.number for r in settings_table.rows}
    for f in validate_settings(s):
        ev.findings.append(f.at(sheet=settings_table.sheet, row=key_rows.get(f.column or "", 1),
                                column=settings_table.letter("value")))
    for message in cal.gaps(*campaign_span(s)):      # a year or a festival the calendar lacks
        ev.findings.append(warning(message, "四(二)").at(sheet=settings_table.sheet, row=key_rows.get("campaign_year", 1),
                                                        column=settings_table.letter("value")))
        ev.todos.append(Todo("放假安排未录入", "", "", None, message))
    ev.findings += book.findings

    def at_setting(f: Finding) -> Finding:             # a rule's finding (column = the key) at its 参数 row
        return Finding(f.message, f.severity, f.clause, settings_table.sheet, key_rows.get(f.column or ""),
                       settings_table.letter("value"))

    if key_rows:           # (no 参数 rows: one finding says so, the defaults are not judged again)
        ev.findings += [at_setting(f) for f in deadlines_on_rest_days(s, cal)]   # a window ending on a rest day

    ids = Counter(_text(r.values_by_key.get("app_id")) for r in table.rows)
    known = {k for k in ids if k}
    view = application_stages(book, now=now)
    ev.stages = view.stages
    ev.findings += view.findings
    accepted = {}
    for row in table.rows:
        stage = view.stages[row.number]
        app_id = _text(row.values_by_key.get("app_id"))
        if app_id and stage.accepted and stage.review.accepted_at:
            accepted[app_id] = stage.review.accepted_at
    paid, found = _payments(book, known, accepted)
    ev.findings += found
    for row in table.rows:
        row_findings, values = _evaluate_row(book, ctx, table, row, ids, view.stages[row.number], paid, now)
        ev.computed[row.number] = values
        ev.findings += row_findings
        app_id = _text(row.values_by_key.get("app_id"))
        if app_id and previous and app_id in previous:
            old = decode_fingerprint(previous[app_id])
            current = _digest({k: row.values_by_key.get(k) for k in computed_keys if k in old and k != "blind_code"})
            for key, digest in current.items():
                if old.get(key) != digest:
                    col = next(c for c in schema.APPLICANT_COMPUTED if c.key == key)
                    ev.hand_edits.append((row.number, key, row.values_by_key.get(key)))
                    ev.findings.append(table.locate(warning(
                        f"计算列“{col.header}”被手工修改（现为“{_shown(row.values_by_key.get(key))}”，"
                        f"按规则应为“{_shown(values.get(key))}”），刷新时按规则重新计算并覆盖"), row.number, key))
        ev.rows.append(_summary(row, values, book, view.stages[row.number]))
        _todos(ev, row, values, s, now, view.stages[row.number])
    if key_rows:           # the register as a whole: bodies still named generically, units without contacts
        ev.findings += [at_setting(f) for f in _generic_names(book, view)]
    ev.findings += _unregistered_units(book, view)
    conflicts = view.route_conflicts
    for ref, finding in conflicts.items():
        ev.findings.append(table.locate(finding, ref, "route"))
        ev.computed[ref]["problems"] = _join(ev.computed[ref]["problems"], finding.message)
    for ref in conflicts:           # the same person by both routes takes no part until one is withdrawn (三)
        values = ev.computed[ref]
        if values["meeting_due"] == MEETING_DUE:
            ev.held_back[ref] = [ROUTE_CONFLICT]
        before = str(values["meeting_due"]).removeprefix(MEETING_DUE).removeprefix("不上会：")
        values["meeting_due"] = "不上会：" + "、".join([ROUTE_CONFLICT] + ([before] if before else []))
    _blind_codes(book, table, ev, rng, previous)
    _meeting(book, table, ev, now)
    people = _people(book)
    ev.findings = [f.about(people.get((f.sheet, f.row))) if f.row else f for f in ev.findings]
    for row in table.rows if fingerprints else ():
        app_id = _text(row.values_by_key.get("app_id"))
        if app_id:
            ev.fingerprints[app_id] = encode_fingerprint(ev.computed[row.number])
    return ev


def _blind_codes(book: Book, table: TableData, ev: Evaluation, rng: random.Random | None,
                 previous: dict[str, str] | None = None) -> None:
    """Codes for the applications due at the meeting (and those only held back, so that
    ``zhicheng roster --all`` can list them), drawn at random and stable across
    refreshes (四(一)3)."""
    rows = [(r.number, _text(r.values_by_key.get("specialty")), _text(r.values_by_key.get("blind_code")) or None,
             ev.computed[r.number]["meeting_due"] == MEETING_DUE or r.number in ev.held_back,
             _text(r.values_by_key.get("app_id"))) for r in table.rows]
    # hand edits of codes against the last refresh's fingerprints (issue 19.5: addin.book.codes)
    draw, check = checked_codes(rows, {k: decode_fingerprint(v) for k, v in (previous or {}).items()},
                                book.settings.code_prefixes, book.settings.blind_code_digits, _cell_digest, rng)
    ev.hand_edits += [(number, "blind_code", found) for number, found in check.replaced]
    codes = draw.codes
    for number, finding in check.findings + list(draw.findings):
        ev.findings.append(table.locate(finding, number, "blind_code"))
    seen: dict[str, int] = {}
    for number, *_ in rows:
        code = codes.get(number)
        ev.computed[number]["blind_code"] = code
        if code and code in seen:
            ev.findings.append(table.locate(error(f"盲评编号{code}与第{seen[code]}行重复", "四(一)3"), number, "blind_code"))
        elif code:
            seen[code] = number


def meeting_held(book: Book, now: dt.datetime) -> bool:
    """Whether the meeting has taken place by ``now``: its date in 评审会 has come, or
    votes are entered there. Before it, nobody has attended or not."""
    for row in book.table("meeting").rows:
        v = row.values_by_key
        day = parse_date(v.get("meeting_date")).value
        if (day and day <= now.date()) or any(_text(v.get(k)) for k in ("yes", "no", "abstain")):
            return True
    return False


def _meeting(book: Book, table: TableData, ev: Evaluation, now: dt.datetime) -> None:
    """Vote tallies of 评审会 -> the result per code and per application (评审会规则);
    with a drawn panel in 评委, the members and those attending come from the draw and
    the attendance (see book.panel); the defence scores of 答辩评分 (四(五))."""
    sheet = book.table("meeting")
    by_code = {v["blind_code"]: n for n, v in ev.computed.items() if v.get("blind_code")}
    from .draw import candidates

    ev.day = day = meeting_day(book, candidates(book, ev), held=meeting_held(book, now))
    ev.findings += day.findings
    senior = {code for code, n in by_code.items()       # on the roster and defending (四(五))
              if ev.computed[n].get("defense") == "需答辩" and ev.computed[n].get("meeting_due") == MEETING_DUE}
    ev.defence = tally = defence_tally(book, senior, day.seated)
    ev.findings += tally.findings
    results: dict[str, str] = {}
    for row in sheet.rows:
        v = row.values_by_key
        code = _text(v.get("blind_code"))
        counts = {}
        bad = False
        for key in ("members", "attending", "yes", "no", "abstain"):
            parsed = parse_int(v.get(key))
            if parsed.finding:
                ev.findings.append(sheet.locate(parsed.finding, row.number, key))
                bad = True
            counts[key] = parsed.value
        if not code:
            ev.findings.append(sheet.locate(error("评审会记录缺少盲评编号"), row.number, "blind_code"))
            continue
        if code not in by_code:
            ev.findings.append(sheet.locate(error(f"盲评编号{code}不在申报人员表中"), row.number, "blind_code"))
        if day.seating is not None and not bad:
            for key, value, what in (("members", day.seating.members, "抽取的评委人数"),
                                     ("attending", len(day.seating.seated), "出席（含递补）的评委人数")):
                if counts[key] is not None and counts[key] != value:
                    ev.findings.append(sheet.locate(error(f"填写的{counts[key]}与“评委”表中{what}{value}不一致，表决暂不计算",
                                                          "评审会规则"), row.number, key))
                    bad = True
                counts[key] = value
        vote = vote_result(counts["members"], counts["attending"], counts["yes"], counts["no"], counts["abstain"],
                           book.settings) if not bad else VoteResult("")
        ev.findings += [sheet.locate(f, row.number, "yes") for f in vote.findings]
        defence = tally.results.get(code)
        if defence and defence.result == DEFENCE_FAILED and vote.result == VOTE_PASSED:
            ev.findings.append(sheet.locate(warning(f"{code}答辩成绩{defence.score:.2f}分，未达合格分数线"
                                                    f"{book.settings.defence_pass_score}分，表决结果却为评审通过，请核对",
                                                    "四(五)"), row.number, "defence_score"))
        ev.meeting[row.number] = {"result": vote.result or "票数有误",
                                  "defence_score": defence.score if defence else None,
                                  "defence_result": defence.result if defence else ("免答辩" if code in by_code else None)}
        if code in results:
            ev.findings.append(sheet.locate(error(f"盲评编号{code}有多条评审记录"), row.number, "blind_code"))
        results[code] = vote.result
    for code, number in by_code.items():
        ev.computed[number]["meeting_result"] = results.get(code) or None
    for row in table.rows:          # the tally decides; a status that disagrees is a finding (一(五))
        finding = status_against_tally(_text(row.values_by_key.get("status")), ev.computed[row.number]["meeting_result"])
        if finding:
            ev.findings.append(table.locate(finding, row.number, "status"))


def _shown(value: object) -> str:
    """A cell's value in a message: dates as dates, long text cut."""
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    text = _text(value) or "空白"
    return text if len(text) <= 40 else text[:40] + "…"


def _join(text: object, message: str) -> str:
    return f"{text}；{message}" if text else message


def _evaluate_row(book: Book, ctx: Context, table: TableData, row: RowData, ids: Counter, stage: Stage, paid,
                  now: dt.datetime):
    s, catalog, cal = book.settings, book.catalog, book.calendar
    findings: list[Finding] = []
    v = row.values_by_key
    applicant, parse_findings = applicant_from_keys(v, table.header_of, sheet=table.sheet, row_number=row.number)
    for f in parse_findings:
        header = f.column or ""
        findings.append(Finding(f"{header}：{f.message}", f.severity, f.clause, table.sheet, row.number,
                                table.letter(header)))
    out: dict[str, object] = {}
    app_id = applicant.app_id

    def note(finding: Finding, key: str | None = None) -> None:
        findings.append(table.locate(finding, row.number, key))

    findings += _check_choices(book, table, row)
    if not app_id:
        note(error("申报编号为空"), "app_id")
    elif ids[app_id] > 1:
        note(error(f"申报编号“{app_id}”重复"), "app_id")
    # identity
    parsed_id = check_id(v.get("id_number"))
    if parsed_id.finding:
        out["id_check"] = parsed_id.finding.message
        note(parsed_id.finding, "id_number")
    elif parsed_id.value is None:
        out["id_check"] = "未填写"
        if table.letter("id_number"):          # a missing column is one finding, not one per row
            note(error("身份证号为空"), "id_number")
    else:
        out["id_check"] = "正确"
        birth = parse_date(v.get("birth_date")).value
        if birth and birth != parsed_id.value.birth_date:
            note(warning(f"出生日期{birth}与身份证号中的{parsed_id.value.birth_date}不一致"), "birth_date")
        sex = _text(v.get("sex"))
        if sex and sex != parsed_id.value.sex:
            note(warning(f"性别“{sex}”与身份证号不一致"), "sex")
    phone = parse_phone(v.get("phone"))          # where notices go (zhicheng notify)
    if phone.finding:
        note(warning(phone.finding.message), "phone")
    # seniority (四(二))
    cutoff = s.seniority_cutoff
    out["years_in_title"] = full_years(applicant.current_title_date, cutoff) if applicant.current_title_date else None
    out["years_of_work"] = full_years(applicant.work_start, cutoff) if applicant.work_start else None
    # eligibility and continuing education
    verdict = assess(ctx, applicant)
    out["eligibility"] = ("待核：" + "；".join(f.message for f in findings if f.severity == Severity.ERROR)
                          if parse_findings else str(verdict))
    if verdict.status == "不符合":
        note(warning(f"资格审查{verdict}"), "eligibility")
    out["ce_status"] = str(verdict.ce)            # assess computed it once for this applicant
    out["mandarin_check"] = _mandarin(applicant, s, catalog)
    # submissions (一(一), 四(一)1) and the stage of the application they and 状态 make
    state = stage.review
    out["submissions"] = state.count or None
    out["review_state"] = str(state)
    out["resubmit_deadline"] = state.deadline
    if stage.settled:               # an unsettled stage's error already gives the review's reasons
        for f in state.findings:
            note(Finding(f.message, Severity.WARNING, f.clause), "status")
    for f in stage.findings:
        note(f, "status")
    # fee (四(六)): due once the material is accepted; refunded when the application has ended
    status = clean_word(v.get("status"))
    due = fee_due(applicant.target_title, catalog, s).value if stage.accepted else None
    got = paid.get(app_id, 0.0)
    out["fee_due"] = due
    out["fee_paid"] = got or None
    balance = account(due, got, ended=stage.out)
    out["fee_balance"] = balance.owed if due is not None else None      # 欠费: never negative
    refund = None
    if got and stage.out:
        refund = table.locate(warning(f"状态为{status}，已缴{got:g}元应予退费", "四(六)"), row.number, "fee_paid")
        findings.append(refund)
    elif got and not stage.settled:
        note(warning(f"已缴{got:g}元：状态待核，暂不计应缴、不计退费", "四(六)"), "fee_paid")
    elif got and not stage.accepted:
        note(warning(f"尚未“已接收材料”已有缴费记录{got:g}元（计为多缴）", "四(六)"), "fee_paid")
    if due is not None and balance.over:
        note(warning(f"多缴{balance.over:g}元", "四(六)"), "fee_balance")
    elif due is not None and got and balance.owed:
        note(warning(f"只缴了{got:g}元，还差{balance.owed:g}元", "四(六)"), "fee_balance")
    elif due is not None and not got and now.date() > s.payment_end:
        note(warning(f"缴费时间已过仍未缴费{due}元", "一(三)"), "fee_balance")
    out["defense"] = defense(applicant.target_title, catalog, s).value or None
    # unit publicity (四(二))
    start = parse_date(v.get("unit_publicity_start")).value
    out["unit_publicity_end"] = None
    if start:
        try:
            out["unit_publicity_end"] = cal.publicity_end(start, s.unit_publicity_workdays)
        except RuleInputError as exc:
            note(error(str(exc), "四(二)"), "unit_publicity_start")
        else:
            for message in cal.gaps(start, out["unit_publicity_end"]):
                note(warning(f"单位公示截止日可能有误：{message}", "四(二)"), "unit_publicity_start")
            if state.first_at and not stage.out:          # 经公示无异议的按程序提交 (四(二))
                late = publicity_before_submission(out["unit_publicity_end"], state.first_at)
                if late:
                    note(late, "unit_publicity_start")
    out["missing_documents"] = "、".join(missing_documents(applicant, _provided(v.get("documents")), s, catalog)) or None
    if stage.out:                   # ended: its reminders are not repeated, only errors and the refund stay
        findings = [f for f in findings if f.severity == Severity.ERROR or f is refund]
    out["problems"] = "；".join(dict.fromkeys(f.message for f in findings if f.severity != Severity.INFO)) or None
    reasons = []
    if not stage.settled:
        reasons.append("状态与审核记录不符，待核")
    elif stage.out:
        reasons.append(f"状态为{status}")
    else:
        if not stage.accepted:
            reasons.append("未接收材料")
        if verdict.status != "符合" or parse_findings:
            reasons.append("资格" + (verdict.status if not parse_findings else "待核"))
        if due is None or got < due:
            reasons.append("未缴清评审费" if due else "无应缴费用")
    out["meeting_due"] = MEETING_DUE if not reasons else "不上会：" + "、".join(reasons)
    out["blind_code"] = v.get("blind_code")
    out["meeting_result"] = None
    return findings, out


_EXCEL_ERRORS = ("#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!", "#SPILL!", "#CALC!")


def _choice_plan(book: Book) -> list[tuple[str, str, set[str] | None, dict[tuple, Finding | None]]]:
    """The register's input columns that hold words, once per book: (key, header, the
    options of its drop-down list or None, a memo of what was found of each value, by
    its type and value)."""
    plan = getattr(book, "_choice_plan", None)
    if plan is None:
        plan = []
        for column in schema.APPLICANT_INPUTS + schema.APPLICANT_INPUTS_2:
            if column.kind in ("date", "datetime", "bool", "year", "number", "id"):
                continue
            options = book.choices.get(column.choices, set()) if column.choices and column.kind == "text" else None
            plan.append((column.key, column.header, options or None, {}))
        book._choice_plan = plan
    return plan


def _provided(raw: object) -> frozenset[str]:
    """The documents listed in a row's 已交材料 cell (:func:`split_documents`), remembered."""
    try:
        return _documents(raw)
    except TypeError:
        return frozenset(split_documents(raw))


def _check_choices(book: Book, table: TableData, row: RowData) -> list[Finding]:
    """Input cells holding an Excel error value, or a word that is not in its drop-down list."""
    out = []
    values = row.values_by_key
    for key, header, options, known in _choice_plan(book):
        raw = values.get(key)
        if raw is None:
            continue
        try:                    # a register repeats its words: each is judged once per column
            finding = known[type(raw), raw]
        except KeyError:
            finding = known[type(raw), raw] = _choice_finding(header, options, raw)
        except TypeError:       # a value that cannot be hashed
            finding = _choice_finding(header, options, raw)
        if finding is not None:
            out.append(table.locate(finding, row.number, key))
    return out


def _choice_finding(header: str, options: set[str] | None, raw: object) -> Finding | None:
    """What :func:`_check_choices` says of one value of a column (None: nothing)."""
    text = _text(raw)
    if not text:
        return None
    if text.upper() in _EXCEL_ERRORS:
        return error(f"{header}：单元格显示错误值{text}")
    if options and clean_word(text) not in options:
        shown = text if len(text) <= 20 else text[:20] + "…"
        return warning(f"{header}“{shown}”不在下拉列表中")
    return None


def _mandarin(a, s, catalog) -> str:
    """普通话 column: 达标 / 未达标 / 须提供 / 不要求 (notice 四(一)7)."""
    if a.employer_type not in s.mandarin_employer_types:
        return "不要求"
    level = catalog.pick("普通话等级", a.mandarin).value
    if not level:
        return "须提供"
    return "达标" if mandarin_ok(level, s, catalog) else "未达标"


def _summary(row: RowData, values: dict, book: Book, stage: Stage) -> dict:
    v = row.values_by_key
    level = book.catalog.level_of(v.get("target_title")).value or "未知"
    return {"app_id": _text(v.get("app_id")), "name": _text(v.get("name")), "status": _text(v.get("status")) or "未填",
            "specialty": _text(v.get("specialty")) or "未填", "level": level,
            "eligibility": str(values.get("eligibility") or "").split("：")[0],
            "fee_due": values.get("fee_due") or 0, "fee_paid": values.get("fee_paid") or 0,
            "ended": stage.out, "settled": stage.settled}


def _todos(ev: Evaluation, row: RowData, values: dict, s, now: dt.datetime, stage: Stage) -> None:
    today = now.date()
    app_id, name = _text(row.values_by_key.get("app_id")), _text(row.values_by_key.get("name"))
    if not stage.settled:
        ev.todos.append(Todo("状态待核", app_id, name, None, stage.conflict.message if stage.conflict else "状态待核"))
    if stage.out:                   # ended: nothing to remind of but the money to give back
        if values.get("fee_paid"):
            ev.todos.append(Todo("退费", app_id, name, None, f"状态为{stage.status}，已缴{values['fee_paid']:g}元应予退费"))
        return
    deadline = values.get("resubmit_deadline")
    if deadline and 0 <= (deadline - today).days <= s.resubmit_days:
        ev.todos.append(Todo("待补正", app_id, name, deadline, f"退回后须在{format_date(deadline)}前补正提交"))
    balance = values.get("fee_balance")
    if values.get("fee_due") and balance and balance > 0 and (s.payment_end - today).days <= s.resubmit_days:
        ev.todos.append(Todo("未缴费", app_id, name, s.payment_end, f"尚欠{balance:g}元，缴费截止{format_date(s.payment_end)}"))
    end = values.get("unit_publicity_end")
    if end and 0 <= (end - today).days <= s.resubmit_days + 1:
        ev.todos.append(Todo("公示将结束", app_id, name, end, f"单位公示{format_date(end)}结束，请收取公示结果"))
    if str(values.get("eligibility") or "").startswith("待核"):
        ev.todos.append(Todo("待核", app_id, name, None, str(values["eligibility"])))
