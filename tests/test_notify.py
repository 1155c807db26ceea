"""Notices out (issue 20, B): on the sample for a chosen day, every person with a due action
and the text to send, dates from the rules on the Aksu calendar, the SMS file for the
government platforms (read back by LibreOffice), the call list, and the 日志 row that
keeps the same notice from going out twice unknowingly."""

from __future__ import annotations

import csv
import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

from openpyxl import load_workbook

from addin.book import schema
from addin.rules.meeting import MEETING_DUE
from addin.book.reader import read_book
from addin.book.refresh import check
from addin.cli import main
from addin.outputs.finance import refunds
from addin.outputs.notices import CHECK_SHEET, NOTIFY_ACTION, SMS_HEADERS, SMS_SHEET
from addin.rules.notices import (DEFENCE, FEE, FEE_LATE, MATERIALS, REFUND, RESUBMIT, RESULT, SUBMIT, Facts, Held,
                                 due_notices)
from conftest import require_tools

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
SIGNATURE = "【阿克苏地区交通运输局】"


def set_settings(book: Path, **values) -> None:
    """Type values into 参数 as a clerk would (by the 键 column)."""
    wb = load_workbook(book)
    ws = wb[schema.SETTINGS_SHEET]
    head = [c.value for c in ws[1]]
    key, value = head.index("键") + 1, head.index("值") + 1
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, key).value in values:
            ws.cell(r, value).value = values[ws.cell(r, key).value]
    wb.save(book)


def corrected(book: Path) -> Path:
    """The sample with its material window corrected (the notice's 2023 is a typo)."""
    set_settings(book, material_start=dt.datetime(2024, 9, 1), material_end=dt.datetime(2024, 9, 10))
    return book


def notify(book: Path, out: Path, day: str, *extra: str, capsys=None) -> tuple[int, str]:
    code = main(["notify", str(book), "--out", str(out), "--date", day, *extra])
    return code, (capsys.readouterr().out if capsys else "")


def sms_rows(out: Path) -> list[tuple[str, str]]:
    files = list(out.glob("通知短信-*.xlsx"))
    if not files:
        return []
    ws = load_workbook(files[0])[SMS_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == SMS_HEADERS
    return [tuple(r) for r in rows[1:]]


def listed(out: Path) -> dict[tuple[str, str], str]:
    """(申报编号, 通知事项) -> text, from the SMS check sheet and the call list."""
    found = {}
    for path in out.glob("通知短信-*.xlsx"):
        ws = load_workbook(path)[CHECK_SHEET]
        rows = list(ws.iter_rows(values_only=True))
        head = next(i for i, r in enumerate(rows) if r[0] == "序号")
        for r in rows[head + 1:]:
            if isinstance(r[0], int):
                found[(r[1], r[3])] = r[8].replace("\n", "")
    for path in out.glob("电话通知名单-*.xlsx"):
        rows = list(load_workbook(path).active.iter_rows(values_only=True))
        head = next(i for i, r in enumerate(rows) if r[0] == "序号")
        for r in rows[head + 1:]:
            if isinstance(r[0], int):
                found[(r[1], r[4])] = r[5].replace("\n", "")
    return found


def expected_on(book: Path, day: dt.date) -> set[tuple[str, str]]:
    """Every due action the register shows on ``day``, read from its computed columns, its
    stages and finance's refunds (not from the notices)."""
    bk, ev = check(book, now=dt.datetime.combine(day, dt.time.min))
    s = bk.settings
    out = set()
    for row in bk.table("applicants").rows:
        v, c, stage = row.values_by_key, ev.computed[row.number], ev.stages[row.number]
        app = v["app_id"]
        if not stage.settled:
            continue
        if stage.review.status == "未提交" and day <= s.apply_end.date():
            out.add((app, SUBMIT))
        if c["review_state"] == "待补正" and c["resubmit_deadline"] and c["resubmit_deadline"] >= day:
            out.add((app, RESUBMIT))
        if c["fee_due"] and (c["fee_balance"] or 0) > 0:
            out.add((app, FEE if day <= s.payment_end else FEE_LATE))
        if c["fee_due"] is not None and day <= s.material_end:
            out.add((app, MATERIALS))
        if c["meeting_due"] == MEETING_DUE and c["defense"] == "需答辩" and day <= s.defence_at.date():
            out.add((app, DEFENCE))
        if c["meeting_result"] and day >= dt.date(2024, 10, 18) and stage.accepted:
            out.add((app, RESULT))
    out |= {(r.app_id, REFUND) for r in refunds(bk, ev)}
    return out


# --- the day's notices ---------------------------------------------------------------------------

def test_on_a_chosen_day_every_person_with_a_due_action_gets_the_text_with_dates_from_the_rules(book, tmp_path,
                                                                                               capsys):
    corrected(book)
    code, said = notify(book, tmp_path / "通知", "2024-08-30", capsys=capsys)
    found = listed(tmp_path / "通知")
    expected = expected_on(book, dt.date(2024, 8, 30))
    assert set(found) == expected
    assert {k for _, k in expected} == {SUBMIT, RESUBMIT, FEE, MATERIALS, DEFENCE, REFUND}   # every kind of the day
    texts = dict(found)
    # 2024-049 was returned on 29 August at 11:00: two days to resubmit (四(一)1), one of three submissions used
    assert texts[("2024-049", RESUBMIT)] == ("您的工程师申报已退回，请按审核意见修改，最迟8月31日重新提交"
                                            "（还可提交2次，逾期不予受理，通知四(一)1）。")
    assert texts[("2024-052", SUBMIT)].startswith("您的助理工程师申报尚未提交审核，请于8月30日18:00前提交，逾期视为放弃")
    assert "补缴评审费150元（应缴550元、已缴400元，通知四(六)）" in texts[("2024-054", FEE)]      # partly paid
    assert "请于9月1日至10日到地区综合办公区地区交通运输局财务审计办公室扫码或银行缴评审费400元" in texts[("2024-053", FEE)]
    assert "请单位于9月1日至10日将评审表（一式两份）、公示、公示结果、推荐报告、个人承诺书原件报地区交通运输局组织人事科" in \
        texts[("2024-001", MATERIALS)]
    assert texts[("2024-006", DEFENCE)] == ("请于10月18日10:00到地区综合办公区4号楼5楼会议室参加正高级工程师专业水平答辩，"
                                           "携带身份证（通知四(五)）。")
    assert texts[("2024-051", REFUND)] == ("您的工程师申报已视为放弃，已缴评审费400元将全额退还，"
                                          "请到地区综合办公区地区交通运输局财务审计办公室办理（通知四(六)）。")
    # who has no mobile is telephoned: a fixed line, else the unit's phone; a bad number is named
    calls = {r[1]: r[3] for r in list(load_workbook(next((tmp_path / "通知").glob("电话通知名单-*.xlsx"))).active
                                     .iter_rows(values_only=True)) if isinstance(r[0], int)}
    assert calls["2024-057"] == "0997-2500057" and calls["2024-037"].endswith("（单位办公室）")
    assert "2024-037 帕提古丽·阿迪力（申报人员第38行" in said and "联系电话“1380997123”有误" in said
    assert code == 1                                              # a bad phone is a finding
    sms = sms_rows(tmp_path / "通知")
    assert len(sms) == sum(1 for (app, _k) in found if app not in calls)
    assert all(re.fullmatch(r"1[3-9]\d{9}", phone) for phone, _ in sms)


def test_texts_are_plain_chinese_with_their_clause_and_the_platform_signature_counted(book, tmp_path):
    corrected(book)
    for day in ("2024-08-30", "2024-09-12", "2024-10-22"):
        notify(book, tmp_path / day, day, "--resend")
        for (app, kind), text in listed(tmp_path / day).items():
            assert re.search(r"（.*通知[一二三四]\([一二三四五六七八九]\)\d?）。$", text), text     # its clause
            assert not re.search(r"[{}<>]|None|（未填）|××|http|www|\.com|\d{4}-\d{2}-\d{2}|\n", text), text
            assert re.search(r"\d{1,2}月\d{1,2}日|退还|致电", text), text                          # a date as 9月3日
    wb = load_workbook(next((tmp_path / "2024-08-30").glob("通知短信-*.xlsx")))
    rows = list(wb[CHECK_SHEET].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "序号")
    assert rows[head][6:8] == ("字数", "条数")
    for r in rows[head + 1:]:
        if isinstance(r[0], int):
            assert r[6] == len(SIGNATURE) + len(r[8].replace("\n", ""))
            assert r[7] == (1 if r[6] <= 70 else -(-r[6] // 67))
    assert any(r[7] == 2 for r in rows[head + 1:] if isinstance(r[0], int))        # a long one is flagged
    note = " ".join(str(r[0]) for r in rows[:head] if r[0])
    assert SIGNATURE in note and "将按“条数”列拆分发送和计费" in note


def test_deadlines_are_counted_on_the_aksu_calendar(book, tmp_path):
    """A return on Friday 13 September 2024 with two working days to resubmit: Saturday the
    14th is a working day (调休), 15-17 are the Mid-Autumn holiday, so the 18th."""
    corrected(book)
    set_settings(book, resubmit_day_basis="工作日")
    wb = load_workbook(book)
    ws = wb[schema.APPLICANT_SHEET]
    table = read_book(book).table("applicants")
    row = next(r.number for r in table.rows if r.values_by_key["app_id"] == "2024-052")
    ws[f"{table.letter('status')}{row}"] = "已退回"
    reviews = wb[schema.REVIEW_SHEET]
    reviews.append(["2024-052", 1, dt.datetime(2024, 8, 20, 10, 0), "退回", dt.datetime(2024, 9, 13, 10, 0), "请补充"])
    wb.save(book)
    notify(book, tmp_path / "通知", "2024-09-14")
    text = listed(tmp_path / "通知")[("2024-052", RESUBMIT)]
    assert "最迟9月18日重新提交（还可提交2次" in text


def test_results_follow_the_meeting_and_the_publicity_period(book, tmp_path, capsys):
    corrected(book)
    notify(book, tmp_path / "前", "2024-10-17", capsys=capsys)
    assert not [k for k in listed(tmp_path / "前") if k[1] == RESULT]       # a tally before its day tells nothing
    code, said = notify(book, tmp_path / "后", "2024-10-22", capsys=capsys)
    results = {app: text for (app, kind), text in listed(tmp_path / "后").items() if kind == RESULT}
    bk, ev = check(book, now=dt.datetime(2024, 10, 22))
    tallies = {r.values_by_key["app_id"]: ev.computed[r.number]["meeting_result"] for r in bk.table("applicants").rows
               if ev.computed[r.number]["meeting_result"] and ev.stages[r.number].accepted}
    assert set(results) == set(tallies)
    for app, tally in tallies.items():
        if tally == "评审通过":     # 21 October + 5 working days = 25 October (一(五))
            assert "已通过评审，10月21日至25日公示，可在职称平台“会议公示”栏查看（通知一(五)）" in results[app]
        else:
            assert "未通过2024年度评审，如有疑问请致电0997-2514195" in results[app]
    assert "状态与审核记录不一致，核实前不生成任何通知" in said and "2024-049" in said


def test_the_same_notice_is_not_listed_twice_unknowingly(book, tmp_path, capsys):
    corrected(book)
    code, first = notify(book, tmp_path / "一", "2024-08-30", capsys=capsys)
    made = listed(tmp_path / "一")
    log = [r.values_by_key for r in read_book(book).table("log").rows if r.values_by_key["action"] == NOTIFY_ACTION]
    assert len(log) == 1 and log[0]["rows"] == len({app for app, _ in made})
    assert all(f"{app} " in log[0]["detail"] for app, _ in made) and "通知日期2024年8月30日" in log[0]["detail"]
    at = log[0]["at"]
    code, second = notify(book, tmp_path / "二", "2024-08-30", capsys=capsys)
    assert not (tmp_path / "二").exists()                              # nothing new: no file, no log row
    assert "没有需要生成的通知（未生成文件，未写入日志）" in second
    assert "本次未重复列入（确需再发时加 --resend）" in second
    assert f"2024-049 阿斯哈尔·努尔兰 补正提交（第1次退回）：{at.year}年{at.month}月{at.day}日{at:%H:%M}已列入" in second
    assert len([r for r in read_book(book).table("log").rows if r.values_by_key["action"] == NOTIFY_ACTION]) == 1
    # --resend lists them again, and logs that run too
    code, third = notify(book, tmp_path / "三", "2024-08-30", "--resend", capsys=capsys)
    assert listed(tmp_path / "三") == made and "本次再次列入（--resend）" in third
    assert len([r for r in read_book(book).table("log").rows if r.values_by_key["action"] == NOTIFY_ACTION]) == 2


def test_a_notice_quoting_a_wrong_setting_is_held_and_named(book, tmp_path, capsys):
    """The sample keeps the notice's material window as printed (2023): no material notice
    with a wrong date goes out; each is named, and the run says so (exit 1)."""
    code, said = notify(book, tmp_path / "通知", "2024-09-05", capsys=capsys)
    assert code == 1
    assert not [k for k in listed(tmp_path / "通知") if k[1] == MATERIALS]
    assert re.search(r"报送材料（四\(四\)）：参数“材料报送开始日期”、“材料报送截止日期”有误（见校验）.*：5\d人", said)


def test_nothing_is_sent_about_an_application_whose_status_and_review_disagree(book, tmp_path, capsys):
    corrected(book)
    code, said = notify(book, tmp_path / "通知", "2024-09-05", capsys=capsys)
    assert not [k for k in listed(tmp_path / "通知") if k[0] in ("2024-049", "2024-052")]
    assert re.search(r"2024-049 .*（申报人员第50行）：状态为“已退回”，按审核记录应为“不予受理”", said)
    assert code == 1


def test_a_refusal_leaves_no_file_and_no_log_row(book, tmp_path, capsys):
    corrected(book)
    (book.parent / f"~${book.name}").write_text("")                     # the register is open in Excel
    before = book.read_bytes()
    code, said = notify(book, tmp_path / "通知", "2024-08-30", capsys=capsys)
    assert code == 2 and book.read_bytes() == before and not (tmp_path / "通知").exists()


def test_the_sms_file_opens_in_libreoffice_with_one_text_per_row(book, tmp_path):
    require_tools("soffice")
    corrected(book)
    notify(book, tmp_path / "通知", "2024-08-30")
    sms = next((tmp_path / "通知").glob("通知短信-*.xlsx"))
    expected = sms_rows(tmp_path / "通知")
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--convert-to",
                    CSV_FILTER, "--outdir", str(tmp_path / "csv"), str(sms)], check=True, capture_output=True,
                   timeout=180)
    path = next((tmp_path / "csv").glob(f"*-{SMS_SHEET}.csv"))
    with path.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == list(SMS_HEADERS)
    assert [tuple(r) for r in rows[1:]] == expected and len(expected) >= 10
    assert all(len(r) == 2 and re.fullmatch(r"1[3-9]\d{9}", r[0]) and r[1].endswith("。") for r in rows[1:])


# --- the rule, on its own --------------------------------------------------------------------------

def test_a_defence_not_yet_announced_waits_and_one_without_its_place_is_held(settings, cal):
    import dataclasses

    from addin.rules.workflow import ACCEPTED, RECEIVED, Phase, Stage, SubmissionState

    stage = Stage(RECEIVED, SubmissionState(ACCEPTED, 1), Phase.ACCEPTED)
    facts = Facts("高级工程师", stage, fee_due=550, fee_paid=550, on_meeting=True, defence=True)
    on = dt.date(2024, 9, 20)
    waiting = [n for n in due_notices(facts, settings, on, cal) if n.kind == DEFENCE]
    assert waiting == [Held(DEFENCE, "四(五)", "答辩时间尚未确定（参数“答辩时间”未填写）", waiting=True)]
    timed = dataclasses.replace(settings, defence_at=dt.datetime(2024, 10, 18, 9, 30))
    held = [n for n in due_notices(facts, timed, on, cal) if n.kind == DEFENCE]
    assert held == [Held(DEFENCE, "四(五)", "参数“答辩地点”未填写")]
    placed = dataclasses.replace(timed, defence_place="报告厅")
    made = [n for n in due_notices(facts, placed, on, cal) if n.kind == DEFENCE]
    assert made[0].text == "请于10月18日09:30到报告厅参加高级工程师专业水平答辩，携带身份证（通知四(五)）。"
    assert not [n for n in due_notices(facts, placed, dt.date(2024, 10, 19), cal) if n.kind == DEFENCE]


def test_the_ribbon_asks_for_the_day_and_gives_the_command_line_s_answer(book, tmp_path, capsys):
    """The ribbon's 通知申报人: the day asked in an input box (today offered), the options in
    one box; the same notices and files as the command line."""
    import contextlib

    from addin.excel import ribbon
    from addin.excel.actions import file_session

    class UI:
        def __init__(self, answers):
            self.answers, self.prompts = list(answers), []

        def progress(self, text):
            pass

        def busy(self):
            return contextlib.nullcontext()

        def choose_file(self, title, filters):
            return None

        def save_as(self, title, name):
            return None

        def ask(self, prompt, title, default=""):
            self.prompts.append((prompt, default))
            return self.answers.pop(0)

        def confirm(self, prompt, title):
            return False

    corrected(book)
    twin = tmp_path / "twin" / book.name
    twin.parent.mkdir()
    shutil.copyfile(book, twin)
    now = dt.datetime(2024, 8, 30, 9, 0)
    ui = UI(["2024-08-30", ""])
    message = ribbon.run_action("notify", file_session(book, ui, now=now))
    assert ui.prompts[0][1] == "2024-08-30" and "通知日期" in ui.prompts[0][0]     # today offered
    assert "包括已通知过的" in ui.prompts[1][0]
    assert message.text.startswith("2024年8月30日应通知")
    made = next((book.parent / "职称评审输出").glob("通知-*"))
    code, said = notify(twin, tmp_path / "命令行", "2024-08-30", capsys=capsys)
    assert listed(made) == listed(tmp_path / "命令行") and said.splitlines()[0] == message.text.splitlines()[0]


def test_next_year_starts_without_this_year_s_defence_and_publicity_dates(book, tmp_path):
    """The defence time and the result publicity's start are announced for one meeting: the
    next year's register leaves them blank (and says so); the SMS settings and the place
    where fees are paid are carried."""
    following = tmp_path / "2025年台账.xlsx"
    assert main(["new", str(following), "--from", str(book), "--year", "2025"]) == 0
    s = read_book(following).settings
    assert s.defence_at is None and s.result_publicity_start is None
    assert s.defence_place == "地区综合办公区4号楼5楼会议室" and s.sms_signature == SIGNATURE
    notes = {r.values_by_key["key"]: r.values_by_key["note"] for r in read_book(following).table("settings").rows}
    assert notes["defence_at"].startswith("【请核对】上年为2024-10-18 10:00，不沿用")
    counties = {r.values_by_key["name"]: r.values_by_key["county"] for r in read_book(following).table("employers").rows}
    assert counties["温宿县公路管理站"] == "温宿县"


def test_a_register_made_before_these_settings_existed_takes_the_packaged_ones(book, tmp_path, capsys):
    """Rows of 参数 added with the notices (payment place, SMS signature and lengths, defence,
    publicity) may be missing from an older register: the packaged values stand in, and
    check does not call them errors."""
    wb = load_workbook(book)
    ws = wb[schema.SETTINGS_SHEET]
    for r in range(ws.max_row, 1, -1):
        if ws.cell(r, 5).value in ("payment_place", "sms_signature", "sms_single_chars", "sms_segment_chars",
                                   "defence_at", "defence_place", "result_publicity_start"):
            ws.delete_rows(r)
    wb.save(book)
    s = read_book(book).settings
    assert (s.payment_place, s.sms_signature, s.sms_single_chars, s.sms_segment_chars) == (
        "地区综合办公区地区交通运输局财务审计办公室", SIGNATURE, 70, 67)
    main(["check", str(book), "--as-of", "2024-09-05 10:00"])
    assert "缺少参数" not in capsys.readouterr().out


def test_a_second_return_is_a_new_notice(book, tmp_path, capsys):
    corrected(book)
    notify(book, tmp_path / "一", "2024-08-30", capsys=capsys)
    assert ("2024-049", RESUBMIT) in listed(tmp_path / "一")
    wb = load_workbook(book)
    wb[schema.REVIEW_SHEET].append(["2024-049", 2, dt.datetime(2024, 8, 31, 10, 0), "退回", dt.datetime(2024, 9, 1, 10, 0),
                                    "请补充考核表"])
    wb.save(book)
    code, said = notify(book, tmp_path / "二", "2024-09-02", capsys=capsys)
    text = listed(tmp_path / "二")[("2024-049", RESUBMIT)]
    assert "最迟9月3日重新提交（还可提交1次" in text
    assert "补正提交（第2次退回）" in read_book(book).table("log").rows[-1].values_by_key["detail"]
