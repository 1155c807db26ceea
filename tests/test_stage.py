"""One stage per application decides money, documents and the meeting (issue 17, A.1-5);
what an employer signs is the employer's (B.6-8); findings name people (issue 16, B.7).

Every register is built in the test from a few applicants, their 审核记录 and 缴费, and
read back from the file the test wrote.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from addin import data
from addin.book import schema
from addin.book.dashboard import dashboard_blocks
from addin.book.draw import plan_draw
from addin.book.evaluate import evaluate
from addin.book.inplace import PackageAdapter
from addin.book.new import new_register, settings_rows
from addin.book.reader import book_from_values, read_book
from addin.book.refresh import check, refresh
from addin.errors import WriteRefused
from addin.book.sample import SAMPLE, sample_tables
from addin.book.status import apply_status_changes, propose_status_changes
from addin.cli import main
from addin.outputs.documents import generate_documents, select_rows
from addin.outputs.finance import DUE_SHEET, REFUND_SHEET, SUMMARY_SHEET, dues, export_finance, refunds
from addin.outputs.meeting import build_roster
from addin.outputs.packages import FOLDER
from addin.rules.panel import PANEL
from addin.rules.workflow import Phase, SubmissionState, application_stage
from conftest import make_id

T = dt.datetime
D = dt.date
AFTER_PAYMENT = T(2024, 9, 20, 10, 0)          # the fee window (9-01..9-10) is over
HOURS = {schema.ce_key(kind, year): value for year in range(2021, 2025)
         for kind, value in (("public", 30), ("professional", 60))}


def person(n: int, name: str, **changes) -> dict:
    """An engineer applying for 工程师 who meets every condition (fee 400 yuan, 中级)."""
    row = dict(app_id=f"2024-{n:03d}", name=name, sex="男", ethnicity="汉族", political="群众",
               id_number=make_id("652901", "19900101", f"{n:03d}"[-3:]), birth_date=D(1990, 1, 1),
               employer="阿克苏地区公路管理局", employer_type="国有企业", route="定向评价", series="工程系列",
               specialty="公路", target_title="工程师", current_title="助理工程师", current_title_date=D(2018, 7, 1),
               current_title_place="疆内", education="大学本科", degree="学士", school="新疆大学", major="土木工程",
               graduation_date=D(2012, 7, 1), work_start=D(2012, 8, 1), appraisal_1="合格", appraisal_2="优秀",
               appraisal_3="合格", documents="学历证明、职称证书、考核表、继续教育证书、单位公示、公示结果、推荐报告、个人承诺书",
               status="已接收材料", unit_publicity_start=D(2024, 7, 29), political_text="遵守职业道德，爱岗敬业。",
               achievements_text="参与公路养护工程，负责技术方案。", **HOURS)
    row.update(changes)
    return row


def passed(app_id: str, at: T = T(2024, 8, 10, 10, 0)) -> list[dict]:
    return [{"app_id": app_id, "number": 1, "submitted_at": at, "result": "通过", "decided_at": at + dt.timedelta(days=1)}]


def paid(app_id: str, amount: float = 400, receipt: str | None = None) -> dict:
    return {"app_id": app_id, "amount": amount, "paid_on": D(2024, 9, 3), "method": "扫码",
            "receipt": receipt or f"NO-{app_id}", "clerk": "财务"}


EMPLOYERS = [{"name": "阿克苏地区公路管理局", "department": "办公室", "phone": "0997-2123011"}]


def register(path: Path, applicants: list[dict], reviews: list[dict] = (), payments: list[dict] = (), *,
             settings=None, **tables) -> Path:
    """A 2024 register holding these rows, written to ``path``."""
    extra = {"applicants": list(applicants), "reviews": list(reviews), "payments": list(payments),
             "employers": tables.pop("employers", EMPLOYERS), **tables}
    if settings is not None:
        extra["settings"] = settings_rows(settings)
    wb, _ = new_register(2024, now=T(2024, 7, 17, 9, 0), user="测试", extra=extra)
    wb.save(path)
    return path


def row_of(book, app_id: str):
    return next(r for r in book.table("applicants").rows if r.values_by_key["app_id"] == app_id)


def at_row(ev, number: int) -> list:
    return [f for f in ev.findings if f.sheet == schema.APPLICANT_SHEET and f.row == number]


# --- the rule ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("status, review, phase, proposal, severity", [
    ("已接收材料", "审核通过", Phase.ACCEPTED, None, None),
    ("评审通过", "审核通过", Phase.ACCEPTED, None, None),
    ("填报中", "未提交", Phase.DRAFT, None, None),
    ("", "未提交", Phase.DRAFT, "填报中", "warning"),
    ("已退回", "审核中", Phase.REVIEW, "审核中", "warning"),
    ("不予受理", "视为放弃", Phase.OUT, "视为放弃", "warning"),
    ("已接收材料", "视为放弃", None, "视为放弃", "error"),        # A.2: a late first submission
    ("不予受理", "审核通过", None, "已接收材料", "error"),        # A.1: the log accepted it
    ("填报中", "视为放弃", None, "视为放弃", "error"),
    ("已接收", "审核通过", None, "已接收材料", "error"),           # not a word of the list
    ("已接收材料", "待核", Phase.ACCEPTED, None, None),            # the review could not be judged
])
def test_the_stage_is_the_typed_status_and_the_review_together(status, review, phase, proposal, severity):
    stage = application_stage(status, SubmissionState(review, 1))
    assert stage.phase is phase and stage.proposal == proposal
    assert [f.severity.value for f in stage.findings] == ([severity] if severity else [])
    if severity == "error":
        message = stage.findings[0].message
        assert f"“{status}”" in message and f"“{proposal}”" in message           # both values named
        assert not stage.settled and stage.held and not stage.accepted and not stage.out


# --- A.1 a rejected application is not billed ------------------------------------------------------------

@pytest.fixture
def rejected(tmp_path):
    late = [{"app_id": "2024-001", "number": 1, "submitted_at": T(2024, 8, 10, 10), "result": "退回",
             "decided_at": T(2024, 8, 11, 10)},
            {"app_id": "2024-001", "number": 2, "submitted_at": T(2024, 8, 16, 10), "result": "通过",   # 3 days late
             "decided_at": T(2024, 8, 17, 10)}]
    return register(tmp_path / "台账.xlsx",
                    [person(1, "张一", status="不予受理"), person(2, "王二", status="不予受理"), person(3, "李三")],
                    late + passed("2024-002") + passed("2024-003"), [paid("2024-003")])


def test_a_rejected_row_with_a_pass_in_the_log_is_not_billed_listed_or_on_the_meeting(rejected, tmp_path, capsys):
    book, ev = check(rejected, now=AFTER_PAYMENT)
    one, two, three = (row_of(book, a).number for a in ("2024-001", "2024-002", "2024-003"))
    # 2024-001: 不予受理 by the log too (resubmitted late), although its last result is 通过
    assert ev.stages[one].out and ev.computed[one]["fee_due"] is None and ev.computed[one]["fee_balance"] is None
    assert not [f for f in at_row(ev, one) if "缴费" in f.message]
    # 2024-002: 不予受理 typed, the log accepted it: an error naming the person and both values
    assert not ev.stages[two].settled and ev.computed[two]["fee_due"] is None
    (conflict,) = [f for f in at_row(ev, two) if f.severity.value == "error"]
    assert conflict.column == book.table("applicants").letter("status")
    assert str(conflict).startswith("2024-002 王二（申报人员第3行 ") and "“不予受理”" in str(conflict)
    assert "审核通过" in conflict.message and "已接收材料" in conflict.message
    # only 2024-003 is billed, listed to finance and on the meeting
    assert [d.app_id for d in dues(book, ev)] == ["2024-003"] and refunds(book, ev) == []
    roster = build_roster(book, ev)
    assert [e.app_id for e in roster.entries] == ["2024-003"]
    assert {ev.computed[n]["blind_code"] is None for n in (one, two)} == {True}
    export_finance(book, ev, tmp_path / "财务.xlsx")
    listed = [c.value for row in load_workbook(tmp_path / "财务.xlsx")[DUE_SHEET].iter_rows() for c in row]
    assert "2024-003" in listed and "2024-001" not in listed and "2024-002" not in listed
    assert main(["check", str(rejected), "--as-of", "2024-09-20 10:00"]) == 1
    assert "2024-002 王二（申报人员第3行" in capsys.readouterr().out


# --- A.2 a late first submission ---------------------------------------------------------------------

@pytest.fixture
def late(tmp_path):
    reviews = [{"app_id": "2024-004", "number": 1, "submitted_at": "2024年8月30日19时00分", "result": "通过",
                "decided_at": "2024年9月2日10时"}] + passed("2024-003")
    return register(tmp_path / "台账.xlsx", [person(3, "李三"), person(4, "赵四")], reviews,
                    [paid("2024-003"), paid("2024-004")])


def test_a_late_first_submission_is_not_on_the_meeting_nor_billed_until_resolved(late, tmp_path):
    book, ev = check(late, now=AFTER_PAYMENT)
    four = row_of(book, "2024-004").number
    stage = ev.stages[four]
    assert stage.review.status == "视为放弃" and stage.review.first_at == T(2024, 8, 30, 19, 0)   # 19时00分 read
    assert not stage.settled and stage.proposal == "视为放弃"
    values = ev.computed[four]
    assert values["fee_due"] is None and values["blind_code"] is None and values["meeting_due"] != "上会"
    errors = [str(f) for f in at_row(ev, four) if f.severity.value == "error"]
    assert len(errors) == 1 and errors[0].startswith("2024-004 赵四（申报人员第3行")
    assert "“已接收材料”" in errors[0] and "“视为放弃”" in errors[0] and "2024年8月30日19:00" in errors[0]
    assert [e.app_id for e in build_roster(book, ev).entries] == ["2024-003"]
    assert [d.app_id for d in dues(book, ev)] == ["2024-003"] and refunds(book, ev) == []   # unsettled: neither
    report = generate_documents(book, tmp_path / "docs", kinds=[3], now=AFTER_PAYMENT)
    assert [d.app_id for d in report.documents] == ["2024-003"]
    assert any("2024-004" in n and "视为放弃" in n for n in report.notes)


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def _cells(path: Path, sheet: str) -> dict:
    ws = load_workbook(path)[sheet]
    return {(c.row, c.column_letter): c.value for row in ws.iter_rows() for c in row if c.value is not None}


def test_the_clerk_confirms_the_proposed_status_and_the_refund_is_listed(late, tmp_path):
    adapter = PackageAdapter(late)
    book = book_from_values(adapter.values())
    ev = evaluate(book, now=AFTER_PAYMENT)
    changes = propose_status_changes(book, ev)
    assert [(c.app_id, c.name, c.current, c.proposed, c.clause) for c in changes] == [
        ("2024-004", "赵四", "已接收材料", "视为放弃", "一(一)")]
    assert "第一次提交时间2024年8月30日19:00晚于申报截止" in changes[0].reason
    assert str(changes[0]).startswith("2024-004 赵四（申报人员第3行）：状态“已接收材料”→“视为放弃”")
    before, cells_before = _parts(late), _cells(late, schema.APPLICANT_SHEET)
    backup = apply_status_changes(adapter, book, changes, now=T(2024, 9, 21, 9, 0), user="组织人事科")
    assert backup is not None and backup.exists()
    # exactly the 状态 cell and one 日志 row: every other part byte for byte, every other cell as it was
    after = _parts(late)
    changed = {name for name in before if before[name] != after.get(name)}
    sheets = {ws: f"xl/worksheets/sheet{i}.xml" for i, ws in enumerate(load_workbook(late).sheetnames, start=1)}
    log_table = next(n for n in before if n.startswith("xl/tables/") and b'displayName="tblLog"' in before[n])
    assert {sheets[schema.APPLICANT_SHEET], sheets[schema.LOG_SHEET], log_table} <= changed
    assert changed <= {sheets[schema.APPLICANT_SHEET], sheets[schema.LOG_SHEET], log_table, "xl/styles.xml"}
    assert set(after) == set(before)
    cells_after = _cells(late, schema.APPLICANT_SHEET)
    letter = book.table("applicants").letter("status")
    assert cells_after.pop((3, letter)) == "视为放弃" and cells_before.pop((3, letter)) == "已接收材料"
    assert cells_after == cells_before
    log = read_book(late).table("log").rows[-1].values_by_key
    assert log["action"] == "更新状态" and log["user"] == "组织人事科" and log["rows"] == 1
    assert "2024-004 赵四（第3行）已接收材料→视为放弃" in log["detail"]
    # now the stage is settled: out, and what she paid is refunded in finance and 统计
    book, ev = check(late, now=AFTER_PAYMENT)
    four = row_of(book, "2024-004").number
    assert ev.stages[four].out and not [f for f in at_row(ev, four) if f.severity.value == "error"]
    assert [(r.app_id, r.paid, r.status) for r in refunds(book, ev)] == [("2024-004", 400.0, "视为放弃")]
    assert any(f.row == four and "应予退费" in f.message and f.severity.value == "warning" for f in ev.findings)
    total = ev.fee_lines()[-1]
    assert (total.refund, total.count_refund, total.over, total.count_due) == (400, 1, 0, 1)
    export_finance(book, ev, tmp_path / "财务.xlsx")
    wb = load_workbook(tmp_path / "财务.xlsx")
    refund_rows = [[c.value for c in row] for row in wb[REFUND_SHEET].iter_rows()]
    assert any("2024-004" in r and "赵四" in r and 400 in r for r in refund_rows)
    summary = [["".join(str(c.value).split()) if isinstance(c.value, str) else c.value for c in row]
               for row in wb[SUMMARY_SHEET].iter_rows()]            # headers may be broken over lines
    header = next(r for r in summary if "退费金额（元）" in r)
    assert next(r for r in summary if r[0] == "合计")[header.index("退费金额（元）")] == 400
    blocks = {title: (head, rows) for title, head, rows in dashboard_blocks(ev)}
    head, rows = blocks["评审费（元）"]
    assert rows[-1][head.index("退费")] == 400
    assert any(r[0] == "退费" and r[1] == "2024-004" for r in blocks["待办"][1])
    refresh(late, now=AFTER_PAYMENT, user="测试")
    dashboard = [c.value for row in load_workbook(late)[schema.DASHBOARD_SHEET].iter_rows() for c in row]
    assert "退费" in dashboard and "2024-004" in dashboard


def test_a_payment_imported_for_an_ended_or_unsettled_application_is_flagged(late):
    from addin.outputs.finance import plan_import

    entry = {"app_id": "2024-004", "amount": 400, "paid_on": D(2024, 9, 5), "method": "扫码", "receipt": "NO-X",
             "clerk": "财务"}
    book, ev = check(late, now=AFTER_PAYMENT)
    plan = plan_import(book, ev, [(3, entry)])
    assert [f.message for f in plan.findings] == ["该申报的状态与审核记录不符（待核），暂不计应缴"]
    wb = load_workbook(late)
    ws = wb[schema.APPLICANT_SHEET]
    ws.cell(row=3, column=[c.value for c in ws[1]].index("状态") + 1).value = "视为放弃"
    wb.save(late)
    book, ev = check(late, now=AFTER_PAYMENT)
    plan = plan_import(book, ev, [(3, entry)])
    assert [f.message for f in plan.findings] == ["该申报已视为放弃，不应缴费：此笔缴费应予退还"]
    assert len(plan.merged) == 1                    # the money was received: it is booked, and refunded


def test_a_status_write_is_refused_when_the_register_changed_since_the_proposal(late):
    adapter = PackageAdapter(late)
    book = book_from_values(adapter.values())
    changes = propose_status_changes(book, evaluate(book, now=AFTER_PAYMENT))
    wb = load_workbook(late)                        # the clerk edits 状态 meanwhile
    ws = wb[schema.APPLICANT_SHEET]
    column = [c.value for c in ws[1]].index("状态") + 1
    ws.cell(row=3, column=column).value = "不予受理"
    wb.save(late)
    before = late.read_bytes()
    adapter = PackageAdapter(late)
    with pytest.raises(WriteRefused, match="列出建议后台账已有变动.*状态现为“不予受理”，列出时为“已接收材料”"):
        apply_status_changes(adapter, book_from_values(adapter.values()), changes, now=AFTER_PAYMENT, user="测试")
    assert late.read_bytes() == before
    assert not (late.parent / "备份").exists()


# --- A.3 attachments while 填报中 ----------------------------------------------------------------------

def test_attachments_1_to_3_are_made_while_the_application_is_being_filled_in(tmp_path):
    returns = [{"app_id": "2024-006", "number": i, "submitted_at": T(2024, 8, 1 + 3 * i, 10), "result": "退回",
                "decided_at": T(2024, 8, 2 + 3 * i, 10)} for i in (1, 2, 3)]
    path = register(tmp_path / "台账.xlsx", [person(5, "孙五", status="填报中", unit_publicity_start=D(2024, 8, 19)),
                                            person(6, "周六", status="不予受理"), person(3, "李三")],
                    returns + passed("2024-003"), [paid("2024-003")])
    book = read_book(path)
    now = T(2024, 8, 25, 10, 0)                     # before the deadline: 填报中 is what it should be
    rows, _ = select_rows(book, ids="2024-005", now=now)
    assert [r.values_by_key["app_id"] for r in rows] == ["2024-005"]            # docs no longer refuses her
    report = generate_documents(book, tmp_path / "docs", now=now)
    made = {(d.app_id, d.kind) for d in report.documents}
    assert made == {(a, k) for a in ("2024-005", "2024-003") for k in (1, 2, 3)}
    assert any("不予受理1人" in n for n in report.notes)
    text = "\n".join(p.text for p in Document(str(next(d.docx for d in report.documents
                                                       if d.app_id == "2024-005" and d.kind == 1))).paragraphs)
    assert "2024年8月19日起至2024年8月23日止" in text


# --- A.4 the unit publicity ends before the first submission ----------------------------------------------

def test_a_unit_publicity_ending_after_the_first_submission_is_a_finding_in_check_and_in_the_docs(tmp_path, capsys):
    path = register(tmp_path / "台账.xlsx", [person(2, "王二", unit_publicity_start=D(2024, 8, 19)), person(3, "李三")],
                    passed("2024-002", T(2024, 8, 8, 10)) + passed("2024-003"), [paid("2024-002"), paid("2024-003")])
    book, ev = check(path, now=AFTER_PAYMENT)
    late = [f for f in ev.findings if "公示" in f.message and f.row]
    assert [(f.who, f.severity.value, f.clause) for f in late] == [("2024-002 王二", "error", "四(二)")]
    assert late[0].column == book.table("applicants").letter("unit_publicity_start")
    assert "单位公示至2024年8月23日结束，而第一次提交审核在2024年8月8日" in late[0].message
    assert main(["check", str(path), "--as-of", "2024-09-20 10:00"]) == 1
    assert "2024-002 王二（申报人员第2行" in capsys.readouterr().out
    report = generate_documents(book, tmp_path / "docs", kinds=[1], now=AFTER_PAYMENT)
    problems = [p for p in report.problems if "应经公示无异议后再提交" in p.message]
    assert [(p.app_id, p.kind) for p in problems] == [("2024-002", 1)] and report.exit_code == 1
    assert "2024-002 王二" in report.summary()


# --- A.5 next year starts clean -----------------------------------------------------------------------

def test_next_year_carries_the_pool_and_nothing_of_last_years_meeting(tmp_path, capsys):
    old = read_book(SAMPLE)
    pool = old.table("experts").rows
    assert any(r.values_by_key.get("attending") for r in pool) and any(r.values_by_key.get("draw_result") for r in pool)
    named = [r.values_by_key for r in pool if r.values_by_key.get("related")]
    assert named                                    # the sample's recusals name 2024 applicants
    path = tmp_path / "2025.xlsx"
    assert main(["new", str(path), "--year", "2025", "--from", str(SAMPLE)]) == 0
    capsys.readouterr()
    new = read_book(path)
    experts = [r.values_by_key for r in new.table("experts").rows]
    assert [e["code"] for e in experts] == [r.values_by_key["code"] for r in pool]
    assert [e["name"] for e in experts] == [r.values_by_key["name"] for r in pool]
    for key in ("attending", "draw_result", "draw_note", "related", "relation"):
        assert not any(e.get(key) for e in experts), key
    assert [r.values_by_key["action"] for r in new.table("log").rows] == ["新建台账"]
    assert "回避对象中上年申报人2项已删除" in new.table("log").rows[0].values_by_key["detail"]
    notes = {r.values_by_key["key"]: r.values_by_key["note"] for r in new.table("settings").rows}
    assert "2025-08-30 18:00是休息日（星期六）" in notes["apply_end"]
    assert main(["check", str(path), "--as-of", "2025-07-20 10:00"]) == 0      # a warning, not an error
    out = capsys.readouterr().out
    assert "[提醒] 参数!B" in out and "申报截止时间2025-08-30 18:00是休息日（星期六），请核对并改为工作日" in out


def test_a_deadline_on_a_rest_day_is_a_finding_naming_the_day(settings, cal):
    from addin.rules.settings import deadlines_on_rest_days

    assert deadlines_on_rest_days(settings, cal) == []                        # the 2024 notice's days are working days
    moved = dataclasses.replace(settings, payment_end=D(2024, 10, 1), review_end=D(2024, 9, 29),   # 国庆; 调休上班
                                material_end=D(2023, 9, 10))                  # not in the year: validate_settings says so
    (finding,) = deadlines_on_rest_days(moved, cal)
    assert (finding.column, finding.clause, finding.severity.value) == ("payment_end", "一(三)", "warning")
    assert finding.message == "缴费截止时间2024-10-01是休息日（星期二，节假日），请核对并改为工作日"


def test_the_first_draw_of_the_next_year_is_the_first_and_is_not_refused(tmp_path):
    """A 2025 register rolled over from the sample, with the sample's applicants as 2025's."""
    rolled = new_register(2025, SAMPLE, now=T(2025, 7, 17, 9, 0), user="测试")[1].settings
    tables = sample_tables(rolled)
    for key in ("reviews", "payments"):             # last year's dates, moved into 2025's windows
        for row in tables[key]:
            for field, value in row.items():
                if isinstance(value, (dt.date, dt.datetime)):
                    row[field] = value.replace(year=2025)
    wb, _ = new_register(2025, SAMPLE, now=T(2025, 7, 17, 9, 0), user="测试",
                         extra={k: tables[k] for k in ("applicants", "reviews", "payments")})
    wb.save(tmp_path / "2025.xlsx")
    book = read_book(tmp_path / "2025.xlsx")
    import random

    report = plan_draw(book, now=T(2025, 10, 10, 10, 0), user="组织人事科", rng=random.Random(1))
    assert report.number == 1 and report.reason == "" and report.roster
    # last year's attendance seats nobody this year
    ev = evaluate(book, now=T(2025, 10, 10, 10, 0))
    assert ev.day.seated == set()


# --- B.6 objections go to the unit, or the fallback is reported --------------------------------------------

def test_units_missing_from_用人单位_are_reported_by_unit_and_the_sheet_is_left_to_the_clerk(tmp_path):
    path = register(tmp_path / "台账.xlsx",
                    [person(2, "王二", employer="库车顺通物流有限公司"), person(3, "李三"),
                     person(7, "吴七", employer="库车顺通物流有限公司")],
                    passed("2024-002") + passed("2024-003") + passed("2024-007"))
    book, ev = check(path, now=AFTER_PAYMENT)
    (unit,) = [f for f in ev.findings if f.sheet == schema.EMPLOYER_SHEET]
    assert "库车顺通物流有限公司" in unit.message and "2024-002 王二" in unit.message and "2024-007 吴七" in unit.message
    assert "地区交通运输局组织人事科" in unit.message
    refresh(path, now=AFTER_PAYMENT, user="测试")    # 用人单位 is the clerk's sheet: refresh adds nothing to it
    assert [r.values_by_key["name"] for r in read_book(path).table("employers").rows] == ["阿克苏地区公路管理局"]
    report = generate_documents(read_book(path), tmp_path / "docs", kinds=[1], now=AFTER_PAYMENT)
    fallback = [p for p in report.problems if p.field == "异议受理部门"]
    assert sorted(p.app_id for p in fallback) == ["2024-002", "2024-007"]
    assert report.exit_code == 1
    summary = report.summary()
    assert "没有发现问题" not in summary
    line = next(line for line in summary.splitlines() if "库车顺通物流有限公司" in line)
    assert "2024-002" in line and "2024-007" in line and "共2人" in line


# --- B.7 generic terms are not names ---------------------------------------------------------------------

def test_a_recommending_body_named_by_the_notices_generic_term_is_a_finding_until_named(tmp_path):
    private = dict(route="民营企业专项", employer_type="民营企业", private_basis="营业执照在地区注册",
                   employer="库车顺通物流有限公司")
    path = register(tmp_path / "台账.xlsx", [person(2, "王二", **private), person(3, "李三")],
                    passed("2024-002") + passed("2024-003"),
                    employers=EMPLOYERS + [{"name": "库车顺通物流有限公司", "department": "综合部", "phone": "0997-2123099"}])
    book, ev = check(path, now=AFTER_PAYMENT)
    generic = [f for f in ev.findings if "泛称" in f.message]
    assert len(generic) == 1 and generic[0].sheet == schema.SETTINGS_SHEET and generic[0].row
    assert "民营企业专项推荐单位" in generic[0].message and "阿克苏地区公共就业服务机构" in generic[0].message
    report = generate_documents(book, tmp_path / "docs", kinds=[2], now=AFTER_PAYMENT)
    assert [(p.app_id, p.kind) for p in report.problems if "泛称" in p.message] == [("2024-002", 2)]
    named = dataclasses.replace(data.default_settings(), private_recommender="库车市公共就业和人才服务中心")
    path = register(tmp_path / "台账2.xlsx", [person(2, "王二", **private)], passed("2024-002"), settings=named,
                    employers=EMPLOYERS + [{"name": "库车顺通物流有限公司", "department": "综合部", "phone": "0997-2123099"}])
    book, ev = check(path, now=AFTER_PAYMENT)
    assert not [f for f in ev.findings if "泛称" in f.message]
    report = generate_documents(book, tmp_path / "docs2", kinds=[2], now=AFTER_PAYMENT)
    assert report.ok
    assert "库车市公共就业和人才服务中心" in "\n".join(p.text for p in Document(str(report.documents[0].docx)).paragraphs)


# --- B.8 names as typed -------------------------------------------------------------------------------

def test_names_are_compared_normalised_and_printed_as_typed(tmp_path):
    typed = "阿克苏地区交通建设投资有限公司（阿克苏地区路桥养护有限公司）"
    ascii_ = "阿克苏地区交通建设投资有限公司(阿克苏地区路桥养护有限公司)"
    path = register(tmp_path / "台账.xlsx",
                    [person(2, "王二", employer=typed), person(3, "李三", employer=f" {typed} ")],
                    passed("2024-002") + passed("2024-003"),
                    employers=[{"name": ascii_, "department": "办公室", "phone": "0997-2123012"}])
    report = generate_documents(read_book(path), tmp_path / "docs", kinds=[1, 2, 3], by_employer=True,
                                now=AFTER_PAYMENT)
    assert report.ok, report.summary()
    for doc in report.documents:
        text = "\n".join(p.text.replace("\n", "") for p in Document(str(doc.docx)).paragraphs)   # kept-word line breaks
        assert ascii_ not in text
        if doc.kind == 1:
            assert f"{typed}办公室" in text                      # matched in 用人单位 although typed with ( )
        if doc.kind == 2:
            assert typed in text
    (package,) = report.packages                                 # one unit, however it was typed
    assert package.unit == typed and package.folder.name == typed and package.folder.parent.name == FOLDER
    cover = Document(str(package.cover))
    assert any(f"{typed}职称评审材料报送清单" in p.text.replace("\n", "") for p in cover.paragraphs)


# --- issue 16, B.7 ----------------------------------------------------------------------------------------

def test_reminders_are_not_repeated_for_an_application_that_has_ended(tmp_path):
    returns = [{"app_id": "2024-006", "number": i, "submitted_at": T(2024, 8, 1 + 3 * i, 10), "result": "退回",
                "decided_at": T(2024, 8, 2 + 3 * i, 10)} for i in (1, 2, 3)]
    short = {schema.ce_key("public", 2023): 10, schema.ce_key("professional", 2023): 20}
    path = register(tmp_path / "台账.xlsx", [person(6, "周六", status="不予受理", documents="学历证明", **short),
                                            person(8, "郑八", documents="学历证明", **short)],
                    returns + passed("2024-008"))
    book, ev = check(path, now=AFTER_PAYMENT)
    ended, live = row_of(book, "2024-006").number, row_of(book, "2024-008").number
    assert ev.stages[ended].out
    assert at_row(ev, ended) == []                                # nothing to remind of
    assert [f for f in at_row(ev, live) if f.severity.value == "warning"]          # the same facts, live: reminded
    assert not [t for t in ev.todos if t.app_id == "2024-006"]
    assert ev.computed[ended]["problems"] is None
    assert ev.computed[ended]["review_state"].startswith("不予受理：第3次提交后材料仍不符合要求")


def test_attendance_is_asked_for_from_the_meeting_day_on(tmp_path):
    experts = [{"code": f"P{i:02d}", "name": f"专家{i}", "employer": f"外单位{i}", "specialty": "公路",
                "title": "高级工程师", "available": "是", "draw_result": PANEL if i <= 3 else "未抽中"} for i in range(1, 6)]
    path = register(tmp_path / "台账.xlsx", [person(3, "李三")], passed("2024-003"), [paid("2024-003")],
                    experts=experts, meeting=[{"meeting_date": D(2024, 10, 18)}])
    book = read_book(path)
    before = evaluate(book, now=T(2024, 10, 15, 10, 0))
    assert not [f for f in before.findings if "未填写是否出席" in f.message]
    on_the_day = evaluate(book, now=T(2024, 10, 18, 9, 0))
    assert len([f for f in on_the_day.findings if "未填写是否出席" in f.message]) == 3


def test_a_deadline_typed_with_a_chinese_clock_time_is_read(tmp_path):
    rows = settings_rows(data.default_settings())
    for row in rows:
        if row["key"] == "apply_end":
            row["value"] = "2024年8月30日18时30分"
    extra = {"applicants": [person(3, "李三")], "reviews": passed("2024-003", T(2024, 8, 30, 18, 20)),
             "payments": [paid("2024-003")], "employers": EMPLOYERS, "settings": rows}
    wb, _ = new_register(2024, now=T(2024, 7, 17), user="测试", extra=extra)
    wb.save(tmp_path / "台账.xlsx")
    book, ev = check(tmp_path / "台账.xlsx", now=AFTER_PAYMENT)
    assert book.settings.apply_end == T(2024, 8, 30, 18, 30)
    assert not [f for f in ev.findings if f.sheet == schema.SETTINGS_SHEET]
    assert ev.stages[row_of(book, "2024-003").number].accepted               # 18:20 is before 18:30


def test_findings_on_the_register_and_its_logs_name_the_person(tmp_path, capsys):
    path = register(tmp_path / "台账.xlsx", [person(3, "李三", id_number="652901199001011230")],
                    passed("2024-003"), [paid("2024-003", amount=-5)])
    assert main(["check", str(path), "--as-of", "2024-09-20 10:00"]) == 1
    out = capsys.readouterr().out
    assert "2024-003 李三（申报人员第2行 F列）：身份证号" in out
    assert "2024-003 李三（缴费第2行 B列）：" in out
