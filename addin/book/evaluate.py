"""Apply every rule to a :class:`~addin.book.reader.Book`: the computed columns of the
register, the findings of every sheet, and the figures of the dashboard
(:class:`~addin.book.evaluation.Evaluation`).

Pure with respect to files: this reads a Book and returns values; the writers (file
or live Excel) put them in place. One bad row never stops the others. The parts it
puts together: the stage of each application (:mod:`.stages`), the payments
(:mod:`.payments`), the units and recommending bodies (:mod:`.employers`), the
fingerprints of what it computes (:mod:`.fingerprint`), and the meeting's codes and
tally (:mod:`.tally`); each row's verdicts are here (:func:`_evaluate_row`).
"""

from __future__ import annotations

import contextlib
import functools
import datetime as dt
import gc
import random
from collections import Counter

from ..rules.base import Finding, RuleInputError, Severity, error, is_excel_error, warning
from ..rules.catalog import clean_word
from ..rules.contact import parse_phone
from ..rules.dates import format_date, parse_date
from ..rules.documents import missing_documents, split_documents
from ..rules.eligibility import Context, assess, mandarin_check
from ..rules.fees import account, defense, fee_due, fee_notes
from ..rules.seniority import full_years
from ..rules.meeting import MEETING_DUE
from ..rules.recommendation import publicity_before_submission
from ..rules.settings import campaign_span, deadlines_on_rest_days, validate_settings
from ..rules.workflow import ROUTE_CONFLICT, Stage, held_by_route_conflict, meeting_due, reminder_due
from . import schema
from .reader import Book, RowData, TableData, cell_text as _text
from .records import applicant_from_keys, forget
from .evaluation import Evaluation, Todo
from .fingerprint import cell_digest, decode_fingerprint, digests, encode_fingerprint
from .stages import application_stages, check_id
from .payments import read_payments
from .employers import generic_names, unregistered_units
from .tally import blind_codes, meeting_results


# A register repeats its list of documents handed in: each list is read once.
_documents = functools.lru_cache(maxsize=4096)(lambda text: frozenset(split_documents(text)))


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
        cell_digest.cache_clear()
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
    paid, found = read_payments(book, known, accepted)
    ev.findings += found
    for row in table.rows:
        row_findings, values = _evaluate_row(book, ctx, table, row, ids, view.stages[row.number], paid, now)
        ev.computed[row.number] = values
        ev.findings += row_findings
        app_id = _text(row.values_by_key.get("app_id"))
        if app_id and previous and app_id in previous:
            old = decode_fingerprint(previous[app_id])
            current = digests({k: row.values_by_key.get(k) for k in computed_keys if k in old and k != "blind_code"})
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
        ev.findings += [at_setting(f) for f in generic_names(book, view)]
    ev.findings += unregistered_units(book, view)
    conflicts = view.route_conflicts
    for ref, finding in conflicts.items():
        ev.findings.append(table.locate(finding, ref, "route"))
        ev.computed[ref]["problems"] = _join(ev.computed[ref]["problems"], finding.message)
    for ref in conflicts:           # the same person by both routes takes no part until one is withdrawn (三)
        values = ev.computed[ref]
        if values["meeting_due"] == MEETING_DUE:
            ev.held_back[ref] = [ROUTE_CONFLICT]
        values["meeting_due"] = held_by_route_conflict(values["meeting_due"])
    blind_codes(book, table, ev, rng, previous)
    meeting_results(book, table, ev, now)
    people = _people(book)
    ev.findings = [f.about(people.get((f.sheet, f.row))) if f.row else f for f in ev.findings]
    for row in table.rows if fingerprints else ():
        app_id = _text(row.values_by_key.get("app_id"))
        if app_id:
            ev.fingerprints[app_id] = encode_fingerprint(ev.computed[row.number])
    return ev


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
    out["mandarin_check"] = mandarin_check(applicant.employer_type, applicant.mandarin, s, catalog).column
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
    for fee in fee_notes(due, got, status=status, ended=stage.out, settled=stage.settled, accepted=stage.accepted,
                         today=now.date(), settings=s):
        findings.append(table.locate(fee.finding, row.number, fee.column))
        if fee.refund:
            refund = findings[-1]
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
    out["meeting_due"] = meeting_due(stage, eligibility=verdict.status, eligibility_pending=bool(parse_findings),
                                     due=due, paid=got)
    out["blind_code"] = v.get("blind_code")
    out["meeting_result"] = None
    return findings, out


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
    if is_excel_error(text):
        return error(f"{header}：单元格显示错误值{text}")
    if options and clean_word(text) not in options:
        shown = text if len(text) <= 20 else text[:20] + "…"
        return warning(f"{header}“{shown}”不在下拉列表中")
    return None


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
    if deadline and reminder_due(deadline, today, s):
        ev.todos.append(Todo("待补正", app_id, name, deadline, f"退回后须在{format_date(deadline)}前补正提交"))
    balance = values.get("fee_balance")
    if values.get("fee_due") and balance and balance > 0 and reminder_due(s.payment_end, today, s, overdue=True):
        ev.todos.append(Todo("未缴费", app_id, name, s.payment_end, f"尚欠{balance:g}元，缴费截止{format_date(s.payment_end)}"))
    end = values.get("unit_publicity_end")
    if end and reminder_due(end, today, s, slack=1):
        ev.todos.append(Todo("公示将结束", app_id, name, end, f"单位公示{format_date(end)}结束，请收取公示结果"))
    if str(values.get("eligibility") or "").startswith("待核"):
        ev.todos.append(Todo("待核", app_id, name, None, str(values["eligibility"])))
