"""The platform's data in (issue 20, A): phones, the submission history into 审核记录, dates
written as dates, equal dates in another form, exports that cannot identify an
application — from exports built here with the platform's usual headers and text dates."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import given, settings, strategies as st
from openpyxl import Workbook, load_workbook

from addin.book.importer import import_export
from addin.book.reader import read_book
from addin.cli import main
from addin.rules.contact import parse_phone, sms_segments
from conftest import make_id

#: the headers of the platform's applicant list (新疆专业技术人员管理平台 export)
PLATFORM_HEADERS = ["序号", "姓名", "证件号码", "性别", "出生日期", "手机号码", "单位名称", "申报系列", "申报专业",
                    "申报职称", "现任职称", "取得现职称时间", "最高学历", "参加工作日期", "申请书状态",
                    "第1次提交时间", "第1次审核结果", "第1次审核时间", "第1次审核意见",
                    "第2次提交时间", "第2次审核结果", "第2次审核时间", "第2次审核意见"]


def _export(path, rows, headers=PLATFORM_HEADERS, history=None):
    """An .xlsx export: every value as the platform writes it (dates as text)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "申报人员"
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    if history:
        hs = wb.create_sheet("审核记录")
        head = list(history[0])
        hs.append(head)
        for row in history:
            hs.append([row.get(h) for h in head])
    wb.save(path)
    return path


def _rows(book, key="applicants"):
    return read_book(book).table(key).rows


def _by_id(book, app_id):
    return next(r for r in _rows(book) if r.values_by_key["app_id"] == app_id)


def _cell(book, sheet, row, key):
    table = read_book(book).table({"申报人员": "applicants", "审核记录": "reviews"}[sheet])
    return load_workbook(book)[sheet][f"{table.letter(key)}{row}"]


NEWCOMER = make_id("652926", "19900315", "135")


def _newcomer(**extra):
    return {"序号": 1, "姓名": "新人丙", "证件号码": NEWCOMER, "性别": "男", "出生日期": "1990-03-15",
            "手机号码": "139 9970 1234", "单位名称": "阿克苏地区公路管理局", "申报系列": "工程系列", "申报专业": "公路",
            "申报职称": "工程师", "现任职称": "助理工程师", "取得现职称时间": "2020-07-01", "最高学历": "大学本科",
            "参加工作日期": "2016年8月1日", "申请书状态": "已接收材料",
            "第1次提交时间": "2024-08-05 10:30", "第1次审核结果": "退回", "第1次审核时间": "2024/8/6 9:00",
            "第1次审核意见": "请补充学历电子注册备案表",
            "第2次提交时间": "2024年8月7日16时", "第2次审核结果": "审核通过", "第2次审核时间": "2024-08-08 11:00",
            "第2次审核意见": "材料齐全，同意接收", **extra}


def test_a_platform_export_brings_phones_and_submissions_with_text_dates_written_as_dates(book, tmp_path, capsys):
    first = _rows(book)[0].values_by_key
    reviews_before = len(_rows(book, "reviews"))
    export = _export(tmp_path / "平台导出.xlsx", [
        _newcomer(),
        {"序号": 2, "姓名": first["name"], "证件号码": first["id_number"], "申报系列": first["series"],
         "申报职称": first["target_title"], "手机号码": "13809970001",
         "取得现职称时间": "2018-06-30 00:00:00",                     # the register's date, written another way
         "第1次提交时间": "2024-08-11 16:45", "第1次审核结果": "已退回", "第1次审核时间": "2024-08-12 18:45",
         "第2次提交时间": "2024-08-13 21:45", "第2次审核结果": "通过"},
    ])
    report = import_export(book, export, user="测试")
    assert report.added == ["2024-062 新人丙"] and report.conflicts == [] and report.problems == []
    assert report.reviews_added == ["2024-062 第1次提交", "2024-062 第2次提交"]
    assert report.unmapped == ["序号"]
    new = _by_id(book, "2024-062")
    v = new.values_by_key
    assert v["phone"] == "13999701234"                              # normalised
    for key, day in (("birth_date", dt.date(1990, 3, 15)), ("current_title_date", dt.date(2020, 7, 1)),
                     ("work_start", dt.date(2016, 8, 1))):
        cell = _cell(book, "申报人员", new.number, key)
        assert cell.is_date and cell.value.date() == day, (key, cell.value)       # a date cell, not text
    rows = [r.values_by_key for r in _rows(book, "reviews")]
    assert len(rows) == reviews_before + 2
    assert rows[-2:] == [
        {"app_id": "2024-062", "number": 1, "submitted_at": dt.datetime(2024, 8, 5, 10, 30), "result": "退回",
         "decided_at": dt.datetime(2024, 8, 6, 9, 0), "comments": "请补充学历电子注册备案表"},
        {"app_id": "2024-062", "number": 2, "submitted_at": dt.datetime(2024, 8, 7, 16, 0), "result": "通过",
         "decided_at": dt.datetime(2024, 8, 8, 11, 0), "comments": "材料齐全，同意接收"}]
    last = len(rows) + 1
    assert _cell(book, "审核记录", last, "submitted_at").is_date
    # the register's own submissions of 2024-001 are the export's: nothing added, nothing in conflict
    assert [r for r in rows if r["app_id"] == "2024-001"][0]["result"] == "退回"
    # the stage follows the imported history: accepted (状态 已接收材料 and 审核记录 agree), its fee due
    main(["refresh", str(book), "--as-of", "2024-09-05 10:00"])
    capsys.readouterr()
    computed = _by_id(book, "2024-062").values_by_key
    assert computed["review_state"] == "审核通过" and computed["submissions"] == 2 and computed["fee_due"] == 400
    # the same export again adds nothing and leaves the file as it is
    before = book.read_bytes()
    again = import_export(book, export, user="测试")
    assert not again.changed and again.conflicts == [] and again.added == [] and again.reviews_added == []
    assert book.read_bytes() == before


def test_an_equal_date_in_another_form_is_no_conflict_and_overwrite_writes_dates(book, tmp_path):
    first = _rows(book)[0]
    v = first.values_by_key
    forms = ["2018-06-30 00:00:00", "2018年6月30日", "2018/6/30", "20180630"]
    for n, form in enumerate(forms):
        export = _export(tmp_path / f"导出{n}.xlsx", [{"证件号码": v["id_number"], "申报系列": v["series"],
                                                    "申报职称": v["target_title"], "取得现职称时间": form}])
        report = import_export(book, export, user="测试")
        assert report.conflicts == [] and not report.changed, form
    export = _export(tmp_path / "改日期.xlsx", [{"证件号码": v["id_number"], "申报系列": v["series"],
                                              "申报职称": v["target_title"], "取得现职称时间": "2018-07-01"}])
    report = import_export(book, export, user="测试")
    assert len(report.conflicts) == 1 and "台账为“2018-06-30”，导出为“2018-07-01”" in report.conflicts[0]
    report = import_export(book, export, overwrite=True, user="测试")
    assert report.updated == 1
    cell = _cell(book, "申报人员", first.number, "current_title_date")
    assert cell.is_date and cell.value == dt.datetime(2018, 7, 1)          # --overwrite writes a date, not text


def test_a_text_that_is_not_a_date_is_listed_never_written_into_a_date_column(book, tmp_path):
    export = _export(tmp_path / "导出.xlsx", [_newcomer(**{"出生日期": "九零年三月", "参加工作日期": "2016-13-01"})])
    report = import_export(book, export, user="测试")
    assert report.added == ["2024-062 新人丙"]
    assert any("出生日期" in p and "九零年三月" in p and "未导入该格" in p for p in report.problems), report.problems
    assert any("参加工作时间" in p and "月份13不存在" in p for p in report.problems), report.problems
    new = _by_id(book, "2024-062").values_by_key
    assert new["birth_date"] is None and new["work_start"] is None


def test_without_series_and_title_an_application_is_found_by_its_number_or_its_only_id(book, tmp_path, capsys):
    rows = {r.values_by_key["app_id"]: r.values_by_key for r in _rows(book)}
    before = len(rows)
    twin = rows["2024-044"]                                   # the person applying by both routes (2024-044, 2024-045)
    headers = ["申报编号", "姓名", "证件号码", "手机号码"]
    export = _export(tmp_path / "通讯录.xlsx", [
        {"申报编号": "2024-002", "姓名": rows["2024-002"]["name"], "证件号码": rows["2024-002"]["id_number"],
         "手机号码": "13809970002"},
        {"申报编号": None, "姓名": rows["2024-005"]["name"], "证件号码": rows["2024-005"]["id_number"],
         "手机号码": "0997-2999005"},                                       # its only application
        {"申报编号": None, "姓名": twin["name"], "证件号码": twin["id_number"], "手机号码": "13999990044"},
        {"申报编号": None, "姓名": "不在台账的人", "证件号码": NEWCOMER, "手机号码": "13999990000"},
        {"申报编号": "2024-003", "姓名": "别人", "证件号码": NEWCOMER, "手机号码": "13999990003"},
    ], headers=headers)
    report = import_export(book, export, user="测试")
    assert report.added == []                                   # never an application it cannot identify
    assert len(_rows(book)) == before
    assert report.conflicts == [f"申报人员!{read_book(book).table('applicants').letter('phone')}6（联系电话）："
                                "台账为“13809970005”，导出为“0997-2999005”"]
    skipped = "\n".join(report.skipped)
    assert "导出文件第4行" in skipped and "有2份申报" in skipped and "无法确定是哪一份" in skipped
    assert "导出文件第5行" in skipped and "没有这个身份证号的申报" in skipped and "未新增" in skipped
    assert "导出文件第6行" in skipped and "是另一人的申报" in skipped
    assert main(["import", str(book), str(export)]) == 0
    out = capsys.readouterr().out
    assert "跳过 导出文件第4行" in out and "新增0行" in out


def test_a_bad_phone_is_a_finding_of_the_import_and_of_check(book, tmp_path, capsys):
    export = _export(tmp_path / "导出.xlsx", [_newcomer(**{"手机号码": "1399970123"})])
    report = import_export(book, export, user="测试")
    assert report.added == ["2024-062 新人丙"]
    assert any("手机号应为11位（实为10位）" in p and "已按原样导入" in p for p in report.problems), report.problems
    assert _by_id(book, "2024-062").values_by_key["phone"] == "1399970123"
    main(["check", str(book), "--as-of", "2024-09-05 10:00"])
    out = capsys.readouterr().out
    assert "2024-062 新人丙（申报人员第63行" in out and "联系电话“1399970123”有误" in out


def test_a_history_sheet_is_merged_by_application_and_submission_without_duplicates(book, tmp_path):
    rows = {r.values_by_key["app_id"]: r.values_by_key for r in _rows(book)}
    pending = rows["2024-049"]                     # returned on 2024-08-29, to be corrected
    reviews_before = [r.values_by_key for r in _rows(book, "reviews")]
    mine = [r for r in reviews_before if r["app_id"] == "2024-049"]
    assert len(mine) == 1 and mine[0]["result"] == "退回"
    history = [
        {"证件号码": pending["id_number"], "申报系列": pending["series"], "申报职称": pending["target_title"],
         "提交时间": f"{mine[0]['submitted_at']:%Y-%m-%d %H:%M}", "审核状态": "已退回",
         "退回时间": "2024-08-29 11:00", "退回原因": "请补充学历电子注册备案表"},
        {"证件号码": pending["id_number"], "申报系列": pending["series"], "申报职称": pending["target_title"],
         "提交时间": "2024-08-30 10:00", "审核状态": "待审核"},
        {"证件号码": rows["2024-052"]["id_number"], "申报系列": "工程系列", "申报职称": "助理工程师",
         "提交时间": "2024-08-20 09:30", "审核状态": "审核通过", "退回时间": None, "退回原因": None},
        {"证件号码": rows["2024-052"]["id_number"], "申报系列": "工程系列", "申报职称": "助理工程师",
         "提交时间": "2024-08-18 09:30", "审核状态": "退回修改", "退回时间": "2024-08-19 10:00",
         "退回原因": "现职称证书不清晰"},
    ]
    export = _export(tmp_path / "导出.xlsx", [{"姓名": pending["name"], "证件号码": pending["id_number"],
                                            "申报系列": pending["series"], "申报职称": pending["target_title"]}],
                     headers=["姓名", "证件号码", "申报系列", "申报职称"], history=history)
    report = import_export(book, export, user="测试")
    assert report.conflicts == [] and report.problems == [], (report.conflicts, report.problems)
    assert report.reviews_added == ["2024-049 第2次提交", "2024-052 第1次提交", "2024-052 第2次提交"]
    after = [r.values_by_key for r in _rows(book, "reviews")]
    assert len(after) == len(reviews_before) + 3
    ordered = sorted((r for r in after if r["app_id"] == "2024-052"), key=lambda r: r["number"])
    assert [(r["number"], r["submitted_at"], r["result"]) for r in ordered] == [
        (1, dt.datetime(2024, 8, 18, 9, 30), "退回"), (2, dt.datetime(2024, 8, 20, 9, 30), "通过")]
    assert [r for r in after if r["app_id"] == "2024-049" and r["number"] == 2][0]["result"] is None
    again = import_export(book, export, user="测试")
    assert not again.changed and len(_rows(book, "reviews")) == len(after)
    # the platform saying otherwise about a submission the register holds is a conflict, left as it is
    history[0]["退回时间"] = "2024-08-29 15:00"
    export = _export(tmp_path / "改了.xlsx", [{"姓名": pending["name"], "证件号码": pending["id_number"],
                                            "申报系列": pending["series"], "申报职称": pending["target_title"]}],
                     headers=["姓名", "证件号码", "申报系列", "申报职称"], history=history)
    report = import_export(book, export, user="测试")
    assert len(report.conflicts) == 1 and report.conflicts[0].startswith("审核记录!E")
    assert "台账为“2024-08-29 11:00”，导出为“2024-08-29 15:00”" in report.conflicts[0]


def test_an_unknown_review_result_is_listed_and_that_submission_left_out(book, tmp_path):
    export = _export(tmp_path / "导出.xlsx", [_newcomer(**{"第2次审核结果": "打回重填"})])
    report = import_export(book, export, user="测试")
    assert report.reviews_added == ["2024-062 第1次提交"]
    assert any("审核结果“打回重填”无法识别" in p and "第2次提交" in p for p in report.problems), report.problems


# --- the phone rule -----------------------------------------------------------------------------

MOBILES = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
FIXED = st.tuples(st.sampled_from(["0997", "0991", "010", "021"]), st.from_regex(r"[2-9][0-9]{6}", fullmatch=True))


@given(MOBILES, st.sampled_from(["{}", "+86 {}", "86{}", "{0}-{1}-{2}", "{0} {1} {2}", "１{}"]))
def test_a_mobile_number_however_typed_is_read_as_the_eleven_digits(mobile, form):
    if form == "１{}":
        text = "".join(chr(ord(c) + 0xFEE0) for c in mobile)     # full-width digits of an input method
    elif "{0}" in form:
        text = form.format(mobile[:3], mobile[3:7], mobile[7:])
    else:
        text = form.format(mobile)
    parsed = parse_phone(text)
    assert parsed.finding is None and parsed.value.mobile == mobile and parsed.value.numbers == (mobile,)


@given(FIXED, st.sampled_from(["{0}-{1}", "{0}—{1}", "({0}){1}", "（{0}）{1}", "{0}{1}"]), MOBILES)
def test_a_fixed_line_with_its_area_code_and_a_mobile_beside_it(fixed, form, mobile):
    area, local = fixed
    parsed = parse_phone(form.format(area, local) + "、" + mobile)
    assert parsed.finding is None
    assert parsed.value.numbers == (f"{area}-{local}", mobile) and parsed.value.mobile == mobile
    assert parse_phone(parsed.value.text).value == parsed.value          # the written form reads back the same


@settings(max_examples=300)
@given(st.one_of(st.text(), st.text(alphabet=string.digits + "-+ ()/、", max_size=30), st.integers(), st.floats(),
                 st.none(), st.booleans()))
def test_anything_in_a_phone_cell_is_a_phone_a_blank_or_a_finding_never_an_exception(raw):
    parsed = parse_phone(raw)
    if parsed.value is not None:
        assert parsed.finding is None and parsed.value.numbers
        assert all(n[0] in "01" for n in parsed.value.numbers)
    if parsed.finding is not None:
        assert parsed.value is None and "联系电话" in parsed.finding.message


def test_phone_slips_get_their_own_messages():
    assert "11位（实为10位）" in parse_phone("1391234567").finding.message
    assert "13—19开头" in parse_phone("12912345678").finding.message
    assert "丢了开头的0" in parse_phone(9972123456).finding.message
    assert parse_phone(13912345678.0).value.mobile == "13912345678"           # Excel stored it as a number
    assert parse_phone("0997-2514195 15509072020").value.numbers == ("0997-2514195", "15509072020")   # as the notice
    assert parse_phone("无").value is None and parse_phone("无").finding is None


def test_sms_segments_count_one_message_up_to_seventy_then_segments_of_sixty_seven():
    assert [sms_segments(n, 70, 67) for n in (0, 1, 70, 71, 134, 135)] == [0, 1, 1, 2, 2, 3]
