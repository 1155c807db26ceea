"""The master workbook: template and sample, new, check, refresh (issue: workbook)."""

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.book import schema
from addin.book.dump import dump
from addin.book.reader import book_from_values, read_book
from addin.book.refresh import refresh
from addin.book.sample import SAMPLE, TEMPLATE
from addin.devtools.workbooks import write_all
from addin.cli import main

AS_OF = "2024-09-05 10:00"
NOW = dt.datetime(2024, 9, 5, 10, 0)


@pytest.fixture
def sample(book) -> Path:
    return book


def test_committed_workbooks_are_not_stale(tmp_path):
    fresh = write_all(tmp_path)
    for committed, regenerated in zip((TEMPLATE, SAMPLE), fresh):
        assert dump(committed) == dump(regenerated), f"{committed.name} 已过期：请运行 make workbooks"


def test_the_sample_covers_every_rule_path():
    book = read_book(SAMPLE)
    rows = [r.values_by_key for r in book.table("applicants").rows]
    assert 55 <= len(rows) <= 70
    assert {r["route"] for r in rows} == {"定向评价", "民营企业专项"}
    assert {r["specialty"] for r in rows} == {"公路", "运输", "交通经济"}
    assert {book.catalog.level_of(r["target_title"]).value for r in rows} == {"初级", "中级", "高级"}
    ethnicities = {r["ethnicity"] for r in rows}
    assert {"汉族", "维吾尔族"} <= ethnicities and len(ethnicities) >= 4
    assert any("·" in r["name"] for r in rows)
    assert book.settings.material_start == dt.date(2023, 9, 1)       # kept as the notice prints it


def test_schema_json_lists_sheets_and_computed_columns(capsys):
    assert main(["schema", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    sheets = {s["sheet"]: s for s in data["sheets"]}
    assert set(sheets) >= {"参数", "申报人员", "审核记录", "缴费", "评委", "评审会", "节假日", "评审条件", "日志"}
    applicants = {c["header"]: c for c in sheets["申报人员"]["columns"]}
    assert applicants["身份证号"]["computed"] is False and applicants["资格审查"]["computed"] is True
    assert all({"header", "key", "computed"} <= set(c) for s in data["sheets"] for c in s["columns"])


def test_check_lists_findings_with_cells_and_exits_1_on_errors(capsys):
    assert main(["check", str(SAMPLE), "--as-of", AS_OF]) == 1
    out = capsys.readouterr().out
    assert "参数!B11: 材料报送时间2023-09-01不在评审年度2024年内" in out
    assert "（申报人员第42行 F列）：身份证号校验位错误" in out          # named: 2024-041 姓名（…）
    assert "（申报人员第43行 F列）：身份证号被Excel存成了数字" in out
    assert "两种方式申报" in out


def test_check_json(capsys):
    assert main(["check", str(SAMPLE), "--json", "--as-of", AS_OF]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] >= 5
    assert any(f["sheet"] == "参数" and f["clause"] == "一(四)" for f in data["findings"])


def test_a_new_template_checks_clean(tmp_path, capsys):
    path = tmp_path / "2024.xlsx"
    assert main(["new", str(path)]) == 0
    assert main(["check", str(path)]) == 0
    assert main(["new", str(path)]) == 2          # never overwrites
    assert "已存在" in capsys.readouterr().err


def test_next_year_moves_dates_and_carries_rules_holidays_and_experts(tmp_path, sample):
    path = tmp_path / "2025.xlsx"
    assert main(["new", str(path), "--year", "2025", "--from", str(sample)]) == 0
    book = read_book(path)
    s = book.settings
    assert s.campaign_year == 2025 and s.apply_end == dt.datetime(2025, 8, 30, 18, 0)
    assert list(s.ce_years) == [2022, 2023, 2024, 2025]
    notes = {r.values_by_key["key"]: r.values_by_key["note"] for r in book.table("settings").rows}
    assert notes["apply_end"].startswith("【请核对】") and notes["basis_document"].startswith("【请核对】")
    assert book.table("applicants").rows == []
    assert len(book.table("experts").rows) == len(read_book(sample).table("experts").rows) > 0
    assert len(book.table("holidays").rows) == len(read_book(sample).table("holidays").rows)
    wb = load_workbook(path)
    headers = [c.value for c in wb["申报人员"][1]]
    assert "2025年专业课学时" in headers and "2021年专业课学时" not in headers


def test_roll_over_places_each_date_by_its_role_and_the_new_register_checks_clean(tmp_path, sample, capsys):
    """The sample keeps the notice's misprint (material window 2023-09-01..10 in the 2024
    campaign): the 2025 register gets 2025-09-01..10, says so, and check passes at B11/B12."""
    path = tmp_path / "2025.xlsx"
    assert main(["new", str(path), "--year", "2025", "--from", str(sample)]) == 0
    out = capsys.readouterr().out
    assert "已改正 参数“材料报送开始日期”：上年台账为2023-09-01，不在2024年度内" in out and "改为2025-09-01" in out
    assert "已改正 参数“材料报送截止日期”" in out and "申报开始时间" not in out     # only what was wrong
    s = read_book(path).settings
    assert (s.material_start, s.material_end) == (dt.date(2025, 9, 1), dt.date(2025, 9, 10))
    assert (s.apply_start, s.seniority_cutoff) == (dt.date(2025, 7, 22), dt.date(2025, 12, 31))
    notes = {r.values_by_key["key"]: r.values_by_key["note"] for r in read_book(path).table("settings").rows}
    assert notes["material_start"].startswith("【请核对】上年为2023-09-01，不在2024年度内（疑为笔误），已按2025年度改正")
    assert notes["apply_start"] == "【请核对】已按2025年度顺延"
    assert main(["check", str(path), "--json"]) == 0
    findings = json.loads(capsys.readouterr().out)["findings"]
    # B11/B12 are right now; what is left is the rolled deadline that lands on a Saturday (issue 17, A.5)
    assert [(f["severity"], f["message"]) for f in findings if f["sheet"] == "参数"] == [
        ("warning", "申报截止时间2025-08-30 18:00是休息日（星期六），请核对并改为工作日")]


def test_roll_over_of_29_february_and_of_a_date_typed_a_year_late():
    import dataclasses

    from addin import data
    from addin.rules.settings import roll_over

    s = dataclasses.replace(roll_over(data.default_settings(), 2028).settings, seniority_cutoff=dt.date(2028, 2, 29),
                            apply_start=dt.date(2029, 7, 22))
    roll = roll_over(s, 2029, data.setting_labels())
    assert roll.settings.seniority_cutoff == dt.date(2029, 2, 28)
    assert roll.settings.apply_start == dt.date(2029, 7, 22)              # not 2030
    assert [c.split("：")[0] for c in roll.corrections] == ["参数“申报开始时间”"]
    assert roll_over(s, 2028, data.setting_labels()).notes == {}          # same year: a copy


def _cells(path: Path) -> dict:
    """Every cell with its value and style, per sheet."""
    wb = load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                out[(ws.title, c.coordinate)] = (c.value, c.number_format, c.fill.fgColor.rgb, c.font.b, c.font.name)
    meta = {"names": sorted((n, d.attr_text) for n, d in wb.defined_names.items()),
            "validations": {ws.title: sorted((str(dv.sqref), dv.formula1, dv.prompt) for dv in ws.data_validations.dataValidation)
                            for ws in wb.worksheets},
            "tables": {ws.title: sorted(t.displayName for t in ws.tables.values()) for ws in wb.worksheets},
            "freeze": {ws.title: ws.freeze_panes for ws in wb.worksheets},
            "widths": {ws.title: {k: v.width for k, v in ws.column_dimensions.items()} for ws in wb.worksheets}}
    return out, meta


def test_refresh_changes_only_computed_columns_dashboard_and_log(sample):
    before, meta_before = _cells(sample)
    refresh(sample, now=NOW, user="测试")
    after, meta_after = _cells(sample)
    book = read_book(sample)
    computed = {spec.name: {book.table(spec.key).letter(c.key) for c in spec.computed}
                for spec in schema.sheets(book.ce_years) if spec.table}
    changed_sheets = {schema.DASHBOARD_SHEET, schema.LOG_SHEET, schema.FINGERPRINT_SHEET}
    for (sheet, coord), cell in before.items():
        if sheet in changed_sheets:
            continue
        letter = "".join(ch for ch in coord if ch.isalpha())
        if letter in computed.get(sheet, ()):
            continue
        assert after.get((sheet, coord)) == cell, f"{sheet}!{coord} changed"
    for (sheet, coord), cell in after.items():
        letter = "".join(ch for ch in coord if ch.isalpha())
        if (sheet, coord) not in before and sheet not in changed_sheets and letter not in computed.get(sheet, ()):
            assert cell[0] is None, f"{sheet}!{coord} appeared"
    for key in ("names", "tables", "freeze", "widths"):
        strip = lambda d: {k: v for k, v in d.items() if k not in changed_sheets} if isinstance(d, dict) else d
        assert strip(meta_after[key]) == strip(meta_before[key]), key
    assert {k: v for k, v in meta_after["validations"].items() if k not in changed_sheets} == \
           {k: v for k, v in meta_before["validations"].items() if k not in changed_sheets}
    # the log keeps its old rows and gains one
    log_before = [v for (s, c), v in before.items() if s == schema.LOG_SHEET and v[0] is not None]
    log_after = [v for (s, c), v in after.items() if s == schema.LOG_SHEET and v[0] is not None]
    assert len(log_after) == len(log_before) + 5 and "刷新计算" in [v[0] for v in log_after]


def test_refresh_writes_the_verdicts(sample):
    report = refresh(sample, now=NOW, user="测试")
    wb = load_workbook(sample)
    ws = wb[schema.APPLICANT_SHEET]
    table = read_book(sample).table("applicants")
    col = {c.key: table.letter(c.key) for c in schema.APPLICANT_COMPUTED}
    assert ws[f"{col['id_check']}42"].value == "身份证号校验位错误（请逐位核对号码）"
    assert ws[f"{col['id_check']}2"].value == "正确"
    assert ws[f"{col['eligibility']}2"].value == "符合"
    assert ws[f"{col['fee_due']}2"].value == 550
    assert ws[f"{col['defense']}2"].value == "需答辩"
    # started Friday 27 September: 27, Sunday 29 (worked), 30, then the National Day break, 8 and 9 October
    assert ws[f"{col['unit_publicity_end']}{len(table.rows) + 1}"].value == dt.datetime(2024, 10, 9)
    assert ws[f"{col['unit_publicity_end']}{len(table.rows)}"].value == dt.datetime(2024, 9, 19)
    assert ws[f"{col['problems']}43"].value.startswith("身份证号被Excel存成了数字")
    assert "统计" in wb.sheetnames and wb["统计"]._charts
    assert wb[schema.FINGERPRINT_SHEET].sheet_state == "hidden"
    assert report.backup and report.backup.exists()


def test_a_hand_edit_in_a_computed_column_is_reported_and_overwritten(sample):
    refresh(sample, now=NOW, user="测试")
    table = read_book(sample).table("applicants")
    letter = table.letter("eligibility")
    wb = load_workbook(sample)
    wb[schema.APPLICANT_SHEET][f"{letter}5"] = "符合"     # a clerk "fixes" a verdict by hand
    wb.save(sample)
    report = refresh(sample, now=NOW, user="测试")
    assert any(f.row == 5 and "被手工修改" in f.message for f in report.evaluation.findings)
    assert load_workbook(sample)[schema.APPLICANT_SHEET][f"{letter}5"].value.startswith("不符合")


def test_refresh_refuses_while_the_workbook_is_open(sample, capsys):
    lock = sample.with_name("~$" + sample.name)
    lock.write_bytes(b"owner")
    original = sample.read_bytes()
    assert main(["refresh", str(sample)]) == 2
    err = capsys.readouterr().err
    assert "未写入" in err and "~$" in err
    assert sample.read_bytes() == original


def test_missing_sheets_and_columns_are_findings_not_crashes():
    book = book_from_values({"申报人员": [["申报编号", "姓名"], ["A1", "张三"]]})
    messages = [str(f) for f in book.findings]
    assert any("缺少工作表“参数”" in m for m in messages)
    assert any("缺少列“身份证号”" in m for m in messages)


def test_a_workbook_that_is_not_a_register_is_refused_not_crashed(tmp_path, capsys):
    from openpyxl import Workbook

    path = tmp_path / "别的表.xlsx"
    wb = Workbook()
    wb.active.title = "申报人员"
    wb.active.append(["申报编号", "姓名"])
    wb.active.append(["A1", "某人"])
    wb.save(path)
    original = path.read_bytes()
    assert main(["refresh", str(path)]) == 2
    assert "缺少“日志”工作表" in capsys.readouterr().err
    assert path.read_bytes() == original
    assert main(["check", str(path)]) == 1           # findings, not a crash


@pytest.mark.parametrize("year, warned", [(2026, False), (2027, True)])
def test_a_campaign_year_without_a_schedule_warns_in_check_and_on_the_dashboard(tmp_path, capsys, year, warned):
    from addin.book.dashboard import dashboard_blocks
    from addin.book.refresh import check

    path = tmp_path / f"{year}.xlsx"
    assert main(["new", str(path), "--year", str(year)]) == 0
    capsys.readouterr()
    assert main(["check", str(path)]) == 0                      # a warning, not an error
    out = capsys.readouterr().out
    message = f"{year}年放假安排未录入"
    assert (f"[提醒] 参数!B2: {message}" in out) is warned
    _, ev = check(path)
    todos = dict(((b[0], tuple(map(tuple, b[2]))) for b in dashboard_blocks(ev)))["待办"]
    assert any(row[0] == "放假安排未录入" and message in row[4] for row in todos) is warned


def test_check_flags_a_receipt_number_used_twice_in_缴费(sample, capsys):
    wb = load_workbook(sample)
    ws = wb["缴费"]
    header = [c.value for c in ws[1]]
    col = header.index("票据号")
    filled = [row for row in ws.iter_rows(min_row=2) if row[col].value]
    first, second = filled[0], filled[1]
    second[col].value = f" {first[col].value} "                  # same number, stray spaces
    wb.save(sample)
    assert main(["check", str(sample), "--as-of", AS_OF]) == 1
    out = capsys.readouterr().out
    letter = first[col].column_letter
    receipt = str(first[col].value).strip()
    assert f"（缴费第{first[col].row}行 {letter}列）：票据号{receipt}重复（另见第{second[col].row}行）" in out
    assert f"（缴费第{second[col].row}行 {letter}列）：票据号{receipt}重复（另见第{first[col].row}行）" in out


def test_a_receipt_number_on_eight_rows_names_five_others_and_counts_the_rest(sample, capsys):
    wb = load_workbook(sample)
    ws = wb["缴费"]
    col = [c.value for c in ws[1]].index("票据号")
    filled = [row for row in ws.iter_rows(min_row=2) if row[col].value][:8]
    receipt = str(filled[0][col].value).strip()
    for row in filled[1:]:
        row[col].value = receipt
    wb.save(sample)
    assert main(["check", str(sample), "--as-of", AS_OF]) == 1
    out = capsys.readouterr().out
    rows = [r[col].row for r in filled]
    letter = filled[0][col].column_letter
    middle = rows[3]
    others = [n for n in rows if n != middle][:5]
    assert (f"（缴费第{middle}行 {letter}列）：票据号{receipt}重复（另见" + "、".join(f"第{n}行" for n in others) +
            "等7行）") in out


def test_a_unit_publicity_near_2024_古尔邦节_is_flagged_and_one_in_september_is_not(sample, capsys):
    wb = load_workbook(sample)
    ws = wb["申报人员"]
    col = [c.value for c in ws[1]].index("单位公示开始") + 1
    ws.cell(row=2, column=col).value = dt.date(2024, 6, 12)
    ws.cell(row=3, column=col).value = dt.date(2024, 9, 2)
    letter = ws.cell(row=2, column=col).column_letter
    wb.save(sample)
    main(["check", str(sample), "--as-of", AS_OF])
    out = capsys.readouterr().out
    assert f"（申报人员第2行 {letter}列）：单位公示截止日可能有误：2024年古尔邦节放假安排未录入" in out
    assert f"（申报人员第3行 {letter}列）：单位公示截止日可能有误" not in out
