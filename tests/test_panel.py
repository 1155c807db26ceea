"""Meeting day: the expert pool and the draw, recusal, attendance and quorum (issue 10)."""

import dataclasses
import datetime as dt
import random
import secrets
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from addin.book import draw as drawing, schema
from addin.book.inplace import PackageAdapter
from addin.book.draw import REDRAW_ACTION, run_draw
from addin.book.evaluate import evaluate
from addin.book.reader import read_book
from addin.book.refresh import refresh
from addin.cli import main
from addin.rules.meeting import NO_QUORUM, PASSED, quorum_met
from addin.rules.panel import (EXCLUDED, NOT_DRAWN, PANEL, Candidate, DrawRefused, Expert, draw_panel, panel_quotas,
                               pool_problems, recusal_reasons, seating)

NOW = dt.datetime(2024, 10, 16, 9, 0)
ROSTER = [Candidate("2024-001", "艾力·买买提", "阿克苏地区公路管理局", "GL-1"),
          Candidate("2024-002", "王建国", "库车市公路养护中心", "GL-2")]


def pool(n_road=8, n_transport=4, n_econ=3, **changes):
    experts, i = [], 0
    for specialty, n in (("公路", n_road), ("运输", n_transport), ("交通经济", n_econ)):
        for _ in range(n):
            i += 1
            experts.append(Expert(i, f"P{i:02d}", f"专家{i}", f"外地单位{i}", specialty, "高级工程师"))
    return experts


def settings_with(settings, **changes):
    return dataclasses.replace(settings, **changes)


# --- recusal ---------------------------------------------------------------------------------

def test_same_employer_recuses_whatever_the_spaces_and_brackets():
    e = Expert(1, "P01", employer="阿克苏地区 公路管理局（本部）".replace("（本部）", ""))
    assert [(p.app_id, why) for p, why in recusal_reasons(e, ROSTER)] == [("2024-001", "同单位")]
    assert recusal_reasons(Expert(2, "P02", employer="新疆大学"), ROSTER) == []


def test_a_listed_relation_recuses_by_application_id_or_by_name_whatever_the_dot():
    by_id = Expert(1, "P01", employer="新疆大学", relation="亲属", related=("2024-002",))
    by_name = Expert(2, "P02", employer="新疆大学", relation="其他", related=("艾力•买买提",))
    assert [(p.app_id, why) for p, why in recusal_reasons(by_id, ROSTER)] == [("2024-002", "亲属")]
    assert [(p.app_id, why) for p, why in recusal_reasons(by_name, ROSTER)] == [("2024-001", "其他")]
    # a relation with someone not on the roster takes nobody off the panel
    assert recusal_reasons(Expert(3, "P03", relation="亲属", related=("2024-050",)), ROSTER) == []


def test_pool_problems_that_would_make_a_draw_unsafe():
    experts = [Expert(2, "P01"), Expert(3, "P01"), Expert(4, ""), Expert(5, "P05", relation="亲属"),
               Expert(6, "P06", related=("2024-001",)), Expert(7, "P07", relation="亲属", related=("张三丰",))]
    messages = [(f.row, f.message) for f in pool_problems(experts, ["2024-001", "艾力·买买提"])]
    assert any(r == 3 and "重复" in m for r, m in messages)
    assert any(r == 4 and "评委编号为空" in m for r, m in messages)
    assert any(r == 5 and "未填写回避对象" in m for r, m in messages)
    assert any(r == 6 and "未选择回避关系" in m for r, m in messages)
    assert any(r == 7 and "张三丰" in m and "不在申报人员表中" in m for r, m in messages)


# --- the draw --------------------------------------------------------------------------------

def test_the_draw_is_reproducible_under_a_fixed_seed_and_varies_without_one(settings):
    experts = pool()
    first = draw_panel(experts, ROSTER, settings, random.Random(7))
    again = draw_panel(list(reversed(experts)), ROSTER, settings, random.Random(7))   # sheet order does not matter
    assert [e.code for e in first.panel] == [e.code for e in again.panel]
    assert [e.code for e in first.reserves] == [e.code for e in again.reserves]
    panels = {tuple(e.code for e in draw_panel(experts, ROSTER, settings, random.Random(seed)).panel)
              for seed in range(30)}
    assert len(panels) > 20


def test_the_panel_follows_the_settings_per_specialty_with_reserves_in_order(settings):
    d = draw_panel(pool(), ROSTER, settings, random.Random(1))
    assert settings.panel_size == 7 and settings.panel_reserves == 2
    assert [(g.quota.specialty, len(g.panel), len(g.reserves)) for g in d.groups] == \
        [("公路", 4, 2), ("运输", 2, 2), ("交通经济", 1, 2)]
    assert all(e.specialty == g.quota.specialty for g in d.groups for e in g.panel + g.reserves)
    roles = d.roles()
    assert [roles[e.code][0] for e in d.groups[0].reserves] == ["公路候补1", "公路候补2"]
    assert sorted(r for r, _ in roles.values()).count(PANEL) == 7
    whole = draw_panel(pool(), ROSTER, settings_with(settings, panel_by_specialty=("不分专业",), panel_size=5),
                       random.Random(1))
    assert len(whole.panel) == 5 and [roles_ for roles_, _ in whole.roles().values()].count("候补1") == 1


def test_experts_who_must_recuse_or_cannot_come_take_no_part(settings):
    experts = pool()
    experts[0] = dataclasses.replace(experts[0], employer="阿克苏地区公路管理局")
    experts[1] = dataclasses.replace(experts[1], relation="亲属", related=("王建国",))
    experts[2] = dataclasses.replace(experts[2], available=False)
    experts[3] = dataclasses.replace(experts[3], available=None)
    for seed in range(20):
        d = draw_panel(experts, ROSTER, settings, random.Random(seed))
        drawn = {e.code for e in d.panel + d.reserves}
        assert not drawn & {"P01", "P02", "P03", "P04"}
    reasons = dict((e.code, why) for e, why in d.exclusions)
    assert reasons["P01"] == "回避：与申报人2024-001 艾力·买买提同单位"
    assert reasons["P02"] == "回避：与申报人2024-002 王建国有亲属关系"
    assert reasons["P03"] == "本次不能参加" and reasons["P04"] == "未填写是否可参加"


def test_a_draw_where_recusal_leaves_too_few_experts_is_refused_naming_the_specialty(settings):
    experts = pool(n_transport=3)
    experts[8] = dataclasses.replace(experts[8], employer="库车市公路养护中心")     # 运输 left with 2 of 3
    d = draw_panel(experts, ROSTER, settings, random.Random(1))                   # 2 are enough for the panel
    assert len(d.groups[1].panel) == 2 and d.groups[1].reserves == []
    assert d.warnings == ["运输专业候补评委只有0人（应为2人）"]
    experts[9] = dataclasses.replace(experts[9], relation="同单位", related=("2024-001",))
    with pytest.raises(DrawRefused, match=r"运输专业需抽取评委2人，可抽取的只有1人（另有2人因回避或不能参加被排除）"):
        draw_panel(experts, ROSTER, settings, random.Random(1))


def test_quotas_must_add_up_to_the_panel_size(settings):
    assert panel_quotas(settings_with(settings, panel_by_specialty=("公路:4", "运输:2"))).finding
    assert "无法识别" in panel_quotas(settings_with(settings, panel_by_specialty=("公路四人",))).finding.message
    assert panel_quotas(settings_with(settings, panel_by_specialty=("公路：5", "运输:2"))).value[0].size == 5


def test_the_product_draws_from_the_system_secure_source(book, monkeypatch):
    assert isinstance(drawing.secure_random(), secrets.SystemRandom)
    used = []

    def spy():
        rng = secrets.SystemRandom()
        used.append(rng)
        return rng

    monkeypatch.setattr(drawing, "secure_random", spy)
    report = run_draw(PackageAdapter(book), now=NOW, user="测试", reason="测试重新抽取")
    assert used and len(report.draw.panel) == 7


# --- the draw in the register ----------------------------------------------------------------

def _pool_rows(path: Path) -> dict[str, dict]:
    return {r.values_by_key["code"]: r.values_by_key for r in read_book(path).table("experts").rows}


def test_draw_writes_the_pool_sheet_and_the_log_and_a_signed_record(book, tmp_path, capsys):
    report = run_draw(PackageAdapter(book), now=NOW, user="测试", rng=random.Random(3), reason="示例台账已有抽取，重新抽取")
    assert report.number == 2 and report.backup is not None
    rows = _pool_rows(book)
    roles = {code: r["draw_result"] for code, r in rows.items()}
    assert [c for c, r in roles.items() if r == PANEL] == sorted(e.code for e in report.draw.panel)
    assert {c for c, r in roles.items() if r == EXCLUDED} == {e.code for e, _ in report.draw.exclusions}
    assert "同单位" in rows["P01"]["draw_note"]
    log = read_book(book).table("log").rows[-1].values_by_key
    assert log["action"] == REDRAW_ACTION and "原因：示例台账已有抽取，重新抽取" in log["detail"]
    assert "专家库23人" in log["detail"] and "P01 回避" in log["detail"] and "候补（按顺序）" in log["detail"]
    # input cells untouched: every non-computed cell of every sheet reads as before
    from addin.book.sample import SAMPLE
    before, after = load_workbook(SAMPLE), load_workbook(book)
    computed = {schema.EXPERT_SHEET: {c.header for c in schema.EXPERT_COLUMNS if c.computed}}
    for ws in before.worksheets:
        if ws.title in (schema.LOG_SHEET, schema.DASHBOARD_SHEET):
            continue
        headers = [c.value for c in ws[1]]
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if headers[c.column - 1] not in computed.get(ws.title, set()):
                    assert after[ws.title][c.coordinate].value == c.value, (ws.title, c.coordinate)


def test_cli_draw_refuses_a_silent_redraw_and_writes_nothing(book, tmp_path, capsys):
    original = book.read_bytes()
    assert main(["draw", str(book), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "已于2024-10-15 10:00由组织人事科抽取过评委" in err and "--redraw" in err
    assert book.read_bytes() == original and not (tmp_path / "r").exists()
    assert main(["draw", str(book), "--out", str(tmp_path / "r"), "--redraw", "两位评委临时出差"]) == 0
    out = capsys.readouterr().out
    assert "第2次抽取" in out and (tmp_path / "r" / "内部留存" / "评委抽取记录-第2次.docx").exists()
    text = "\n".join(p.text for p in Document(tmp_path / "r" / "内部留存" / "评委抽取记录-第2次.docx").paragraphs)
    assert "重新抽取，原因：两位评委临时出差" in text and "抽取人（签名）" in text and "监督人（签名）" in text


def test_cli_draw_refuses_when_too_few_experts_are_eligible(book, tmp_path, capsys):
    wb = load_workbook(book)
    ws = wb[schema.EXPERT_SHEET]
    table = read_book(book).table("experts")
    spec, avail, result = table.letter("specialty"), table.letter("available"), table.letter("draw_result")
    for row in range(2, ws.max_row + 1):
        ws[f"{result}{row}"] = None
        if ws[f"{spec}{row}"].value == "交通经济":
            ws[f"{avail}{row}"] = "否"
    wb.save(book)
    wb = load_workbook(book)
    log = wb[schema.LOG_SHEET]
    log.delete_rows(3, log.max_row)             # as if never drawn
    wb.save(book)
    original = book.read_bytes()
    assert main(["draw", str(book), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "交通经济专业需抽取评委1人，可抽取的只有0人（另有5人因回避或不能参加被排除）" in err
    assert book.read_bytes() == original and not (tmp_path / "r").exists()


# --- attendance and quorum -------------------------------------------------------------------

def seat(panel_attending: list[bool | None], reserves: list[tuple[str, bool]] = ()):
    experts = [Expert(i + 2, f"P{i + 1:02d}", specialty="公路", role=PANEL, attended=a)
               for i, a in enumerate(panel_attending)]
    experts += [Expert(20 + i, f"R{i + 1}", specialty="公路", role=role, attended=a) for i, (role, a) in enumerate(reserves)]
    return seating(experts)


def test_exactly_two_thirds_attending_is_a_quorum_one_fewer_is_not(settings):
    at_boundary = seat([True] * 6 + [False] * 3)
    one_fewer = seat([True] * 5 + [False] * 4)
    assert (at_boundary.members, len(at_boundary.seated)) == (9, 6) and quorum_met(9, 6, settings)
    assert len(one_fewer.seated) == 5 and not quorum_met(9, 5, settings)


def test_reserves_fill_absent_seats_in_order_and_no_one_else_counts():
    s = seat([True, True, False, None], [("公路候补1", False), ("公路候补2", True), ("公路候补3", True)])
    assert s.seated == ("P01", "P02", "R2", "R3")          # two seats free, 候补1 absent: 候补2 and 候补3
    s = seat([True, True, False], [("公路候补1", True), ("公路候补2", True)])
    assert s.seated == ("P01", "P02", "R1")
    assert any("R2" in f.message and "不能投票" in f.message for f in s.findings)
    other = seating([Expert(2, "P01", role=PANEL, attended=True), Expert(3, "P09", role=NOT_DRAWN, attended=True)])
    assert other.seated == ("P01",) and "P09不是本次抽取的评委" in other.findings[0].message


def _set_attendance(path: Path, attending: dict[str, str]) -> None:
    wb = load_workbook(path)
    ws = wb[schema.EXPERT_SHEET]
    table = read_book(path).table("experts")
    code, att = table.letter("code"), table.letter("attending")
    for row in range(2, ws.max_row + 1):
        if ws[f"{code}{row}"].value in attending:
            ws[f"{att}{row}"] = attending[ws[f"{code}{row}"].value]
    wb.save(path)


def test_the_tally_refuses_a_result_below_the_quorum_of_the_drawn_panel(book):
    rows = _pool_rows(book)
    panel = sorted(c for c, r in rows.items() if r["draw_result"] == PANEL)
    reserves = [c for c, r in rows.items() if r["draw_result"] != PANEL and r.get("attending") == "是"]
    assert len(panel) == 7 and len(reserves) == 1
    # two 公路 members absent, the 公路 reserve sits in: 6 of 7; a third absent: 5 of 7 (>= 2/3): results
    road = [c for c in panel if rows[c]["specialty"] == "公路"]
    _set_attendance(book, {**{c: "是" for c in panel}, **{c: "否" for c in road[:3]}})
    ev = evaluate(read_book(book), now=NOW)
    assert len(ev.day.seated) == 5 and ev.day.seating.members == 7 and reserves[0] in ev.day.seated
    results = [m["result"] for m in ev.meeting.values()]
    assert PASSED in results and NO_QUORUM not in results
    # the reserve does not come either: 4 of 7 < 2/3: no result at all
    _set_attendance(book, {reserves[0]: "否"})
    ev = evaluate(read_book(book), now=NOW)
    assert len(ev.day.seated) == 4
    assert {m["result"] for m in ev.meeting.values()} == {NO_QUORUM}
    assert any("不足评委总数7人的2/3" in f.message for f in ev.findings)


def test_typed_counts_that_disagree_with_the_attendance_are_findings(book):
    wb = load_workbook(book)
    ws = wb[schema.MEETING_SHEET]
    letter = read_book(book).table("meeting").letter("attending")
    ws[f"{letter}2"] = 9
    wb.save(book)
    ev = evaluate(read_book(book), now=NOW)
    assert ev.meeting[2]["result"] == "票数有误"
    assert any(f.row == 2 and f.column == letter and "出席（含递补）的评委人数6" in f.message for f in ev.findings)


def test_a_seated_expert_with_an_interest_in_someone_now_on_the_roster_is_an_error(book):
    rows = _pool_rows(book)
    seated = next(c for c, r in rows.items() if r["draw_result"] == PANEL and r.get("attending") == "是")
    roster_person = read_book(book).table("applicants").rows[0].values_by_key["app_id"]
    wb = load_workbook(book)
    ws = wb[schema.EXPERT_SHEET]
    table = read_book(book).table("experts")
    for row in range(2, ws.max_row + 1):
        if ws[f"{table.letter('code')}{row}"].value == seated:
            ws[f"{table.letter('relation')}{row}"] = "亲属"
            ws[f"{table.letter('related')}{row}"] = roster_person
    wb.save(book)
    ev = evaluate(read_book(book), now=NOW)
    assert any(f"出席评委{seated}与上会申报人{roster_person}" in f.message and "应当回避" in f.message for f in ev.findings)


def test_refresh_keeps_the_draw_and_writes_the_tally(book):
    before = _pool_rows(book)
    refresh(book, now=NOW, user="测试")
    assert _pool_rows(book) == before
    ws = load_workbook(book)[schema.MEETING_SHEET]
    letter = read_book(book).table("meeting").letter("result")
    assert {ws[f"{letter}{r}"].value for r in range(2, ws.max_row + 1)} >= {PASSED, "评审未通过", "票数有误"}


# --- the ribbon button runs the same core ------------------------------------------------------

def test_ribbon_draw_asks_for_a_reason_before_a_redraw_and_records_it(tmp_path):
    from addin.excel.actions import file_session
    from addin.excel.ribbon import run_action
    from tests.test_excel_live import RecordingUI, copy_of_sample

    path = copy_of_sample(tmp_path / "科室")
    original = path.read_bytes()
    cancelled = run_action("draw", file_session(path, RecordingUI(answers=[None]), now=NOW, user="测试"))
    assert "已取消" in cancelled.text and path.read_bytes() == original
    ui = RecordingUI(answers=["评委名单泄露，重新抽取"])
    message = run_action("draw", file_session(path, ui, now=NOW, user="测试"))
    assert not message.critical and "第2次抽取" in message.text and "请打印" in message.text
    assert "重新抽取" in ui.asked[0][0]
    log = read_book(path).table("log").rows[-1].values_by_key
    assert log["action"] == REDRAW_ACTION and "评委名单泄露" in log["detail"]
    assert list((path.parent / "职称评审输出").glob("评审会-*/内部留存/评委抽取记录-第2次.docx"))
