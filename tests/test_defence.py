"""Defence scoring (四(五)) and the sealed record of the meeting (issue 10)."""

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from addin.book import schema
from addin.book.reader import read_book
from addin.book.refresh import check, refresh
from addin.cli import main
from addin.outputs.meeting_record import build_meeting_record, write_meeting_records
from addin.outputs.pdf import compact, convert_to_pdf
from addin.outputs.scoring import score_forms
from addin.rules.defence import (FAILED, PASSED, PENDING, Item, ScoreSheet, check_sheet, defence_items,
                                 defence_result)
from conftest import require_tools

NOW = dt.datetime(2024, 10, 20, 10, 0)
ITEMS = (Item("专业理论知识", 30), Item("解决实际问题能力", 40), Item("业绩成果与表达", 30))


# --- the rules at their boundaries --------------------------------------------------------------

def test_items_and_pass_mark_come_from_the_settings(settings):
    assert defence_items(settings).value == ITEMS
    assert settings.defence_pass_score == 60 and settings.defence_drop_extremes is True
    bad = dataclasses.replace(settings, defence_items=("专业理论知识30",))
    assert "无法识别" in defence_items(bad).finding.message
    above = dataclasses.replace(settings, defence_pass_score=101)
    assert "不在满分100以内" in defence_items(above).finding.message


def test_the_highest_and_lowest_are_dropped_when_the_settings_ask(settings):
    r = defence_result("GL-001", [90, 60, 75, 80, 70], 5, settings)
    assert r.dropped == (90, 60) and r.counted == (70, 75, 80) and r.score == 75.0 and r.result == PASSED
    kept = defence_result("GL-001", [90, 60, 75, 80, 70], 5, dataclasses.replace(settings, defence_drop_extremes=False))
    assert kept.dropped == () and kept.score == 75.0
    skewed = [100, 61, 61, 61, 0]
    assert defence_result("GL-001", skewed, 5, settings).score == 61.0
    assert defence_result("GL-001", skewed, 5, dataclasses.replace(settings, defence_drop_extremes=False)).score == 56.6


def test_the_pass_mark_is_reached_at_exactly_60_and_missed_just_below(settings):
    assert defence_result("GL-001", [60, 60, 60], 3, settings).result == PASSED
    below = defence_result("GL-001", [59.99, 59.99, 59.99], 3, settings)
    assert below.score == 59.99 and below.result == FAILED
    rounding = defence_result("GL-001", [59.995, 59.995, 59.995], 3, settings)     # shows and counts as 60.00
    assert rounding.score == 60.0 and rounding.result == PASSED


def test_s4_5_no_score_yet_is_pending_and_said_once_scoring_has_started(settings):
    quiet = defence_result("GL-001", [], 5, settings)
    assert quiet.result == PENDING and quiet.findings == ()
    started = defence_result("GL-001", [], 5, settings, scoring_started=True)
    assert started.result == PENDING and [f.message for f in started.findings] == ["GL-001需答辩，尚无有效的答辩评分"]


def test_s4_5_a_pass_voted_for_a_failed_defence_is_questioned(settings):
    from addin.rules.defence import vote_against_defence

    failed = defence_result("GL-001", [50, 55, 58], 3, settings)
    passed = defence_result("GL-002", [80, 80, 80], 3, settings)
    assert vote_against_defence(failed, "评审通过", settings).message == \
        "GL-001答辩成绩55.00分，未达合格分数线60分，表决结果却为评审通过，请核对"
    assert vote_against_defence(failed, "评审未通过", settings) is None
    assert vote_against_defence(passed, "评审通过", settings) is None
    assert vote_against_defence(None, "评审通过", settings) is None


def test_dropping_needs_three_sheets_and_missing_sheets_are_said(settings):
    two = defence_result("GL-001", [80, 70], 6, settings)
    assert two.result == PENDING and two.score is None and "无法去掉最高分和最低分" in two.findings[-1].message
    three = defence_result("GL-001", [80, 70, 90], 6, settings)
    assert three.score == 80.0 and "只有3份，出席评委6人" in three.findings[0].message
    assert defence_result("GL-001", [], 6, settings).result == PENDING


def test_a_sheet_counts_only_from_a_seated_member_for_a_senior_applicant_complete_and_in_range():
    full = {"专业理论知识": 25, "解决实际问题能力": 35, "业绩成果与表达": 20}
    ok = check_sheet(ScoreSheet(2, "GL-001", "P01", full), ITEMS, {"P01"}, {"GL-001"})
    assert (ok.total, ok.note) == (80, "计入")
    absent = check_sheet(ScoreSheet(3, "GL-001", "P09", full), ITEMS, {"P01"}, {"GL-001"})
    assert absent.total is None and "P09不是出席本次评审会的评委" in absent.note
    junior = check_sheet(ScoreSheet(4, "GL-010", "P01", full), ITEMS, {"P01"}, {"GL-001"})
    assert junior.total is None and "中级及以下免于答辩" in junior.note
    at_max = check_sheet(ScoreSheet(5, "GL-001", "P01", {**full, "解决实际问题能力": 40}), ITEMS, {"P01"}, {"GL-001"})
    over = check_sheet(ScoreSheet(6, "GL-001", "P01", {**full, "解决实际问题能力": 40.5}), ITEMS, {"P01"}, {"GL-001"})
    assert at_max.total == 85 and over.total is None and "超出0—40分" in over.note
    blank = check_sheet(ScoreSheet(7, "GL-001", "P01", {**full, "业绩成果与表达": None}), ITEMS, {"P01"}, {"GL-001"})
    assert blank.total is None and "“业绩成果与表达”未评分" in blank.note


# --- the tally in the register --------------------------------------------------------------------

def test_refresh_writes_the_defence_totals_and_results_beside_the_vote(book):
    report = refresh(book, now=NOW, user="测试")
    ev = report.evaluation
    wb = load_workbook(book)
    meeting, defence = read_book(book).table("meeting"), read_book(book).table("defence")
    ws = wb[schema.MEETING_SHEET]
    scores = {ws[f"{meeting.letter('blind_code')}{r}"].value: (ws[f"{meeting.letter('defence_score')}{r}"].value,
                                                              ws[f"{meeting.letter('defence_result')}{r}"].value)
              for r in range(2, ws.max_row + 1)}
    seniors = {code for code, r in ev.defence.results.items()}
    assert seniors and all(scores[c][1] in (PASSED, FAILED) for c in seniors if c in scores)
    assert {v[1] for c, v in scores.items() if c not in seniors} == {"免答辩"}
    assert any(v[1] == FAILED for v in scores.values())
    ds = wb[schema.DEFENCE_SHEET]
    notes = [ds[f"{defence.letter('counted')}{r}"].value for r in range(2, ds.max_row + 1)]
    assert notes.count("计入") >= len(seniors) * 5
    assert any("不是出席本次评审会的评委" in n for n in notes) and any("超出0—30分" in n for n in notes)
    assert any("答辩成绩" in f.message and "表决结果却为评审通过" in f.message for f in ev.findings)
    # the average is recomputable from the sheet: drop high and low of the counted totals
    code = sorted(seniors)[0]
    totals = sorted(ds[f"{defence.letter('total')}{r}"].value for r in range(2, ds.max_row + 1)
                    if ds[f"{defence.letter('blind_code')}{r}"].value == code
                    and ds[f"{defence.letter('counted')}{r}"].value == "计入")
    assert ev.defence.results[code].score == round(sum(totals[1:-1]) / (len(totals) - 2), 2)


# --- the forms and the sealed record --------------------------------------------------------------

def _docx_text(path: Path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells]
    with zipfile.ZipFile(path) as z:
        parts += [z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")]
    return "\n".join(parts)


def _secrets(bk) -> set[str]:
    rows = [r.values_by_key for r in bk.table("applicants").rows]
    out = {str(r["name"]) for r in rows if r.get("name")} | {str(r["employer"]) for r in rows if r.get("employer")}
    out |= {str(r.values_by_key["name"]) for r in bk.table("experts").rows}
    out |= {str(r.values_by_key["employer"]) for r in bk.table("experts").rows}
    return {s for s in out if len(s) >= 2}


def test_score_forms_are_blind_and_only_for_senior_applicants(book, tmp_path):
    report = refresh(book, now=NOW, user="测试")
    files = score_forms(report.book, report.evaluation, tmp_path, now=NOW)
    drawn = [e for e in report.evaluation.day.experts if e.role == "评委" or "候补" in e.role]
    assert len(files) == len(drawn) == 13
    seniors = sorted(report.evaluation.defence.results)
    text = _docx_text(files[0])
    codes_on_form = set(re.findall(r"盲评编号：([A-Z]+-\d+)", "\n".join(p.text for p in Document(files[0]).paragraphs)))
    assert codes_on_form == set(seniors)
    assert "专业理论知识" in text and "合计" in text and "评委（签名）" in text
    leaked = sorted(s for s in _secrets(report.book) if s in text)
    assert not leaked, leaked[:3]


def test_the_blind_record_carries_codes_only_and_the_named_one_the_names(book, tmp_path):
    report = refresh(book, now=NOW, user="测试")
    record = build_meeting_record(report.book, report.evaluation)
    assert (record.members, len(record.seated), record.needed) == (7, 6, 4)
    named, blind = write_meeting_records(record, tmp_path / "内部留存", tmp_path / "送评委", now=NOW)
    blind_text, named_text = _docx_text(blind), _docx_text(named)
    leaked = sorted(s for s in _secrets(report.book) if s in blind_text)
    assert not leaked, leaked[:3]
    assert all(v.code in blind_text for v in record.votes)
    assert all(v.name in named_text for v in record.votes) and all(e.name in named_text for e in record.seated)
    for text in (blind_text, named_text):
        assert "6/7" in text and "6×2/3，即4票" in text and "计票人（签名）" in text and "监票人（签名）" in text
    # the sample's ballot counted over the attendance, and its typed statuses without a ballot
    assert sorted({p.split("：")[1] for p in record.problems}) == ["未表决", "票数有误"]


def test_no_record_without_a_quorum(book, tmp_path, capsys):
    wb = load_workbook(book)
    ws = wb[schema.EXPERT_SHEET]
    table = read_book(book).table("experts")
    panel = [row for row in range(2, ws.max_row + 1) if ws[f"{table.letter('draw_result')}{row}"].value == "评委"]
    for row in range(2, ws.max_row + 1):
        ws[f"{table.letter('attending')}{row}"] = "是" if row in panel[:4] else "否"     # 4 of 7 < 2/3
    wb.save(book)
    bk, ev = check(book, now=NOW)
    if len(ev.day.seated) * 3 >= 2 * 7:
        pytest.fail(f"the test needs fewer than 2/3 seated, got {ev.day.seated}")
    assert main(["record", str(book), "--out", str(tmp_path / "r"), "--as-of", "2024-10-20"]) == 2
    assert "不足2/3" in capsys.readouterr().err and not (tmp_path / "r").exists()


def test_cli_record_and_forms(book, tmp_path, capsys):
    assert main(["record", str(book), "--out", str(tmp_path / "r"), "--as-of", "2024-10-20"]) == 1   # a ballot over the attendance
    out = capsys.readouterr().out
    assert re.search(r"待核 [A-Z]+-\d+：票数有误", out) and re.search(r"待核 [A-Z]+-\d+：未表决", out)
    assert (tmp_path / "r" / "内部留存" / "评审会议记录-内部.docx").exists()
    assert (tmp_path / "r" / "送评委" / "评审会议记录.docx").exists()
    assert main(["record", str(book), "--out", str(tmp_path / "r"), "--forms", "--as-of", "2024-10-20"]) == 0
    assert len(list((tmp_path / "r" / "送评委").glob("答辩评分表-*.docx"))) == 13


# --- rendered by LibreOffice and read back ------------------------------------------------------------

def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info)[1])


def test_records_and_forms_render_whole_in_libreoffice(book, tmp_path):
    require_tools("soffice", "pdftotext")
    from addin.book.inplace import PackageAdapter
    from addin.book.draw import run_draw
    from addin.outputs.meeting_record import draw_record, save
    import random

    draw = run_draw(PackageAdapter(book), now=NOW, user="测试", rng=random.Random(1), reason="渲染测试")
    draw_doc = save(draw_record(draw), tmp_path / "抽取记录.docx")
    # the re-draw changed the panel: restore the sample's for the record
    shutil.copyfile(draw.backup, book)
    report = refresh(book, now=NOW, user="测试")
    record = build_meeting_record(report.book, report.evaluation)
    named, blind = write_meeting_records(record, tmp_path, tmp_path / "committee", now=NOW)
    form = score_forms(report.book, report.evaluation, tmp_path / "forms", now=NOW)[0]
    pdfs = convert_to_pdf([draw_doc, named, blind, form], tmp_path / "pdf")
    assert all(pdfs.values()), pdfs
    seniors = len(report.evaluation.defence.results)
    assert _pages(pdfs[form]) == seniors                       # one page per senior applicant
    for source, pdf in pdfs.items():
        # -raw: the content stream's order, which keeps a wrapped cell's lines together
        text = compact(subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                                      check=True).stdout.decode("utf-8"))
        doc = Document(source)
        paragraphs = [p.text for p in doc.paragraphs if p.text.strip()]
        cells = [c.text for t in doc.tables for r in t.rows for c in r.cells if c.text.strip()]
        missing = [t for t in paragraphs + cells if compact(t) not in text]
        assert not missing, (source.name, missing[:3])
    assert _pages(pdfs[named]) <= 7 and _pages(pdfs[blind]) <= 5


def test_defence_results_are_on_the_internal_roster_and_never_for_intermediate_and_below(book):
    from addin.outputs.meeting import build_roster, internal_table

    report = refresh(book, now=NOW, user="测试")
    roster = build_roster(report.book, report.evaluation)
    table = internal_table(roster)
    col = [c.header for c in table.columns].index("答辩成绩")
    scored = {row[1]: row[col] for row in table.rows if row[col]}
    results = report.evaluation.defence.results
    assert {code: f"{results[code].score:.2f}" for code in scored} == scored
    assert any(float(v) >= 60 for v in scored.values()) and any(float(v) < 60 for v in scored.values())
    assert "60分及以上为答辩合格" in " ".join(table.notes)
    assert all(e.defense == "需答辩" for e in roster.entries if e.code in scored)
    assert all(not e.defence_score for e in roster.entries if e.defense != "需答辩")
    assert set(report.evaluation.defence.results) == {e.code for e in roster.entries if e.defense == "需答辩"}
