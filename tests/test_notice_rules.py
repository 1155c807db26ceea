"""The notice's rules, one test per sentence, with the boundary on each side.

Names follow the clause they implement (notice section, e.g. 四(一)6 -> s4_1_6).
"""

import dataclasses
import datetime as dt

import pytest

from addin.rules.ce import YearHours, ce_status, certificate_sources
from addin.rules.eligibility import (
    Applicant, RouteEntry, assess, econ_exam_valid, mandarin_ok, missing_title_documents, route_conflicts,
    skill_path_grade,
)
from addin.rules.fees import defense, fee_due
from addin.rules.seniority import full_years
from addin.rules.workflow import (
    ACCEPTED, GAVE_UP, IN_REVIEW, PASSED, REJECTED, RETURNED, TO_FIX, Submission, assess_submissions,
    resubmission_deadline,
)
from conftest import d, make_id

T = dt.datetime
FULL_CE = {y: YearHours(30, 60) for y in range(2021, 2025)}

#: an engineer applying for senior engineer who meets every condition
SENIOR = Applicant(route="定向评价", series="工程系列", specialty="公路", employer_type="国有企业",
                   target_title="高级工程师", current_title="工程师", current_title_date=d("2019-12-31"),
                   education="大学本科", work_start=d("2010-07-01"), appraisals=("合格", "优秀", "合格"),
                   ce_hours=FULL_CE, id_number=make_id())


def with_(applicant=SENIOR, **changes):
    return dataclasses.replace(applicant, **changes)


# --- 一(一) application deadline with its clock time ------------------------------------

def test_s1_1_first_submission_at_18_00_on_30_august_is_in_time(settings):
    state = assess_submissions([Submission(T(2024, 8, 30, 18, 0))], settings)
    assert state.status == IN_REVIEW


def test_s1_1_first_submission_at_18_01_means_the_applicant_gave_up(settings):
    state = assess_submissions([Submission(T(2024, 8, 30, 18, 1))], settings)
    assert state.status == GAVE_UP and "18:00" in str(state)


def test_s1_1_nothing_submitted_by_the_deadline_means_the_applicant_gave_up(settings):
    assert assess_submissions([], settings, as_of=T(2024, 8, 30, 18, 0)).status != GAVE_UP
    assert assess_submissions([], settings, as_of=T(2024, 8, 30, 18, 1)).status == GAVE_UP


# --- 四(一)1 returns, resubmission within 2 days, at most 3 submissions --------------------------

def test_s4_1_1_resubmission_deadline_is_two_days_after_the_return(settings, cal):
    assert resubmission_deadline(d("2024-08-20"), settings, cal) == d("2024-08-22")


def test_s4_1_1_resubmitted_on_the_second_day_is_accepted(settings, cal):
    subs = [Submission(T(2024, 8, 19), RETURNED, T(2024, 8, 20, 17)), Submission(T(2024, 8, 22, 23, 59), PASSED)]
    assert assess_submissions(subs, settings, calendar=cal).status == ACCEPTED


def test_s4_1_1_resubmitted_on_the_third_day_is_not_accepted(settings, cal):
    subs = [Submission(T(2024, 8, 19), RETURNED, T(2024, 8, 20, 17)), Submission(T(2024, 8, 23, 9), PASSED)]
    state = assess_submissions(subs, settings, calendar=cal)
    assert state.status == REJECTED and "2024年8月22日" in str(state)


def test_s4_1_1_returned_and_not_resubmitted_runs_out_after_the_deadline(settings, cal):
    subs = [Submission(T(2024, 8, 19), RETURNED, T(2024, 8, 20))]
    assert assess_submissions(subs, settings, as_of=T(2024, 8, 22, 20), calendar=cal).status == TO_FIX
    assert assess_submissions(subs, settings, as_of=T(2024, 8, 23, 8), calendar=cal).status == REJECTED


def test_s4_1_1_third_submission_may_pass(settings, cal):
    subs = [Submission(T(2024, 8, 10), RETURNED, T(2024, 8, 11)), Submission(T(2024, 8, 12), RETURNED, T(2024, 8, 13)),
            Submission(T(2024, 8, 14), PASSED)]
    assert assess_submissions(subs, settings, calendar=cal).status == ACCEPTED


def test_s4_1_1_still_non_compliant_after_the_third_submission_is_not_accepted(settings, cal):
    subs = [Submission(T(2024, 8, 10 + 2 * i), RETURNED, T(2024, 8, 11 + 2 * i)) for i in range(3)]
    state = assess_submissions(subs, settings, calendar=cal)
    assert state.status == REJECTED and "第3次提交后" in str(state)


def test_s4_1_1_a_fourth_submission_is_not_accepted(settings, cal):
    subs = [Submission(T(2024, 8, 10 + 2 * i), RETURNED, T(2024, 8, 11 + 2 * i)) for i in range(3)]
    subs.append(Submission(T(2024, 8, 16)))
    state = assess_submissions(subs, settings, calendar=cal)
    assert state.status == REJECTED and "超过3次" in str(state)


def test_s4_1_1_working_day_basis_when_the_settings_say_so(settings, cal):
    workdays = dataclasses.replace(settings, resubmit_day_basis="工作日")
    # returned Friday 13 September 2024: Saturday 14 is worked, 15-17 off, so day 2 is the 18th
    assert resubmission_deadline(d("2024-09-13"), workdays, cal) == d("2024-09-18")


# --- 四(二) seniority counted to 2024-12-31 -----------------------------------------------------

def test_s4_2_five_full_years_on_the_cutoff_day(settings):
    assert full_years(d("2019-12-31"), settings.seniority_cutoff) == 5
    assert full_years(d("2020-01-01"), settings.seniority_cutoff) == 4


def test_s4_2_senior_engineer_needs_five_years_as_engineer(ctx):
    assert str(assess(ctx, SENIOR)) == "符合"
    verdict = assess(ctx, with_(current_title_date=d("2020-01-01")))
    assert verdict.status == "不符合" and "不足5年" in str(verdict) and "四(二)" in str(verdict)


# --- 四(三) the eligibility table --------------------------------------------------------------------

@pytest.mark.parametrize("education, required, since, ok", [
    ("大学专科", "技术员", "2022-12-31", True),    # 2 years
    ("大学专科", "技术员", "2023-01-01", False),
    ("中专", "技术员", "2020-12-31", True),        # 4 years
    ("中专", "技术员", "2021-01-01", False),
])
def test_s4_3_assistant_engineer_from_a_technician(ctx, education, required, since, ok):
    a = with_(target_title="助理工程师", current_title=required, current_title_date=d(since), education=education)
    assert (assess(ctx, a).status == "符合") is ok


def test_s4_3_a_bachelor_becomes_technician_without_years(ctx):
    a = with_(target_title="技术员", current_title="", current_title_date=None, education="本科", work_start=None)
    assert assess(ctx, a).status == "符合"


def test_s4_3_a_college_graduate_needs_one_year_of_work_for_technician(ctx):
    a = with_(target_title="技术员", current_title="", current_title_date=None, education="大专")
    assert assess(ctx, with_(a, work_start=d("2023-12-31"))).status == "符合"
    assert assess(ctx, with_(a, work_start=d("2024-01-01"))).status == "不符合"
    assert str(assess(ctx, with_(a, work_start=None))) == "待核：参加工作时间"


def test_s4_3_junior_college_cannot_apply_for_senior_engineer(ctx):
    verdict = assess(ctx, with_(education="大学专科"))
    assert verdict.status == "不符合" and "大学专科学历不能申报高级工程师" in str(verdict)


def test_s4_3_the_required_title_must_be_held(ctx):
    verdict = assess(ctx, with_(current_title="助理工程师"))
    assert "现职称助理工程师不满足" in str(verdict)


def test_s4_3_a_title_not_in_the_rules_table_is_said_plainly(ctx):
    verdict = assess(ctx, with_(series="经济系列", target_title="经济师", current_title="助理经济师"))
    assert "评审条件表没有经济师的申报条件" in str(verdict)


def test_s4_3_missing_inputs_make_the_verdict_pending(ctx):
    verdict = assess(ctx, with_(education="", appraisals=()))
    assert verdict.status == "待核" and "学历" in str(verdict) and "考核" in str(verdict)


# --- 四(七) technical-school classes and the skill path ---------------------------------------------

@pytest.mark.parametrize("school_class, counts_as", [("中级工班", "中专"), ("高级工班", "大学专科"),
                                                     ("预备技师（技师）班", "大学本科")])
def test_s4_7_technical_school_classes_count_as(catalog, school_class, counts_as):
    edu = catalog.education_of(school_class).value
    assert catalog.effective_education(edu).name == counts_as


def test_s4_7_advanced_class_applies_as_a_junior_college_graduate(ctx):
    a = with_(target_title="助理工程师", current_title="技术员", current_title_date=d("2022-01-01"), education="高级工班")
    assert assess(ctx, a).status == "符合"


@pytest.mark.parametrize("level, since, grade", [
    ("高级工", "2022-12-31", "助理级"), ("高级工", "2023-01-01", ""),
    ("技师", "2021-12-31", "中级"), ("技师", "2022-01-01", "助理级"),
    ("高级技师", "2020-12-31", "副高级"), ("高级技师", "2021-01-01", "中级"),
    ("中级工", "2000-01-01", ""),
])
def test_s4_7_skill_levels_held_2_3_4_years_open_assistant_intermediate_deputy_senior(settings, catalog, level, since, grade):
    assert skill_path_grade(level, d(since), settings.seniority_cutoff, settings, catalog) == grade


def test_s4_7_a_technician_without_degree_may_apply_for_engineer(ctx):
    a = with_(target_title="工程师", current_title="", current_title_date=None, education="高中",
              skill_level="技师", skill_date=d("2021-06-01"))
    verdict = assess(ctx, a)
    assert verdict.status == "符合" and verdict.path == "技能人才贯通"


def test_s4_7_the_skill_path_needs_qualified_appraisals(ctx):
    a = with_(target_title="工程师", current_title="", education="高中", skill_level="技师",
              skill_date=d("2021-06-01"), appraisals=("合格", "基本合格", "合格"))
    assert "未全部合格" in str(assess(ctx, a))


# --- 四(八) senior economist exam -------------------------------------------------------------------

@pytest.mark.parametrize("year, national, valid", [
    (2024, False, True), (2023, False, False),          # below the line: that year only
    (2020, True, True), (2019, True, False),            # at the line: 5 years
    (2025, True, False),
])
def test_s4_8_exam_score_validity(settings, year, national, valid):
    assert econ_exam_valid(year, national, 2024, settings) is valid


def test_s4_8_senior_economist_with_an_expired_score_is_not_eligible(ctx):
    econ = with_(series="经济系列", specialty="交通经济", target_title="高级经济师", current_title="经济师",
                 current_title_date=d("2015-01-01"), education="硕士研究生")
    assert str(assess(ctx, with_(econ, econ_exam_year=2022, econ_exam_pass=True))) == "符合"
    assert "四(八)" in str(assess(ctx, with_(econ, econ_exam_year=2019, econ_exam_pass=True)))
    assert "高级经济师考试年份" in str(assess(ctx, econ))


# --- 四(一)7 Mandarin for public institutions ---------------------------------------------------------

def test_s4_1_7_level_three_b_is_the_floor(settings, catalog):
    assert mandarin_ok("三级乙等", settings, catalog)
    assert mandarin_ok("二级甲等", settings, catalog)
    settings_higher = dataclasses.replace(settings, mandarin_min_level="三级甲等")
    assert not mandarin_ok("三级乙等", settings_higher, catalog)


def test_s4_1_7_public_institution_staff_without_a_certificate_are_pending(ctx):
    assert "普通话等级" in str(assess(ctx, with_(employer_type="事业单位")))
    assert str(assess(ctx, with_(employer_type="事业单位", mandarin="三级乙等"))) == "符合"
    assert str(assess(ctx, with_(employer_type="国有企业"))) == "符合"


# --- 四(一)5 appraisals ------------------------------------------------------------------------------

def test_s4_1_5_three_qualified_appraisals(ctx):
    assert str(assess(ctx, with_(appraisals=("称职", "优秀", "合格")))) == "符合"
    assert "未全部合格" in str(assess(ctx, with_(appraisals=("合格", "不合格", "合格"))))
    assert "近3年考核结果" in str(assess(ctx, with_(appraisals=("合格", "合格"))))


# --- 四(一)6 continuing education --------------------------------------------------------------------

def test_s4_1_6_ninety_hours_of_which_sixty_professional(settings):
    hours = dict(FULL_CE)
    assert str(ce_status(hours, settings)) == "达标"
    hours[2022] = YearHours(29, 60)
    assert str(ce_status(hours, settings)) == "不达标：2022年总学时89，差1"
    hours[2022] = YearHours(31, 59)
    assert str(ce_status(hours, settings)) == "不达标：2022年专业课59，差1"
    hours[2022] = YearHours(0, 90)
    assert str(ce_status(hours, settings)) == "达标"


def test_s4_1_6_exempt_and_private_first_time(settings):
    assert str(ce_status({}, settings, exempt=True)) == "免修"
    assert str(ce_status({}, settings, private_first_time=True)) == "不作硬性要求"
    assert str(ce_status({}, settings)).startswith("待核")


def test_s4_1_6_certificates_from_the_system_or_by_hand(settings):
    sources = {(y, kind): src for y, kind, src in certificate_sources(settings)}
    assert sources[(2021, "专业课")] == "系统获取" and sources[(2021, "公需课")] == "手动上传"
    assert sources[(2022, "公需课")] == "系统获取"
    strict = dataclasses.replace(settings, ce_system_professional_from=2022, ce_system_public_from=2023)
    sources = {(y, kind): src for y, kind, src in certificate_sources(strict)}
    assert sources[(2021, "专业课")] == "手动上传" and sources[(2022, "公需课")] == "手动上传"


# --- 二(二) private route ------------------------------------------------------------------------------

def test_s2_2_stationed_from_outside_xinjiang_for_one_continuous_year(ctx):
    a = with_(route="民营企业专项", employer_type="民营企业", private_basis="疆外民营企业派驻")
    assert str(assess(ctx, with_(a, stationed_since=d("2023-12-31")))) == "符合"
    assert "派驻地区连续工作不满1年" in str(assess(ctx, with_(a, stationed_since=d("2024-01-01"))))
    assert "民营企业申报依据" in str(assess(ctx, with_(a, private_basis="")))


# --- 三 one route per person, series and level ---------------------------------------------------------

def test_s3_the_same_person_in_both_routes_is_flagged_on_both_rows():
    entries = [RouteEntry(12, "A", "工程系列", "高级", "定向评价", 2024),
               RouteEntry(40, "A", "工程系列", "高级", "民营企业专项", 2024),
               RouteEntry(41, "A", "工程系列", "中级", "民营企业专项", 2024),
               RouteEntry(50, "B", "工程系列", "高级", "定向评价", 2024)]
    flagged = route_conflicts(entries)
    assert sorted(ref for ref, _ in flagged) == [12, 40]
    assert all(f.clause == "三" for _, f in flagged)


# --- 四(一)4 documents for a title from inside or outside Xinjiang --------------------------------------

def test_s4_1_4_one_document_inside_xinjiang_all_three_outside(catalog):
    assert missing_title_documents("疆内", ["职称证书"], catalog) == []
    assert missing_title_documents("疆内", [], catalog) != []
    assert missing_title_documents("疆外", ["职称证书"], catalog) == ["任职资格文件", "专业技术职务任职资格评审表"]


# --- 四(五) defence and 四(六) fees -----------------------------------------------------------------

@pytest.mark.parametrize("title, fee, defence", [
    ("高级工程师", 550, "需答辩"), ("正高级工程师", 550, "需答辩"), ("高级经济师", 550, "需答辩"),
    ("工程师", 400, "免答辩"), ("经济师", 400, "免答辩"),
    ("助理工程师", 200, "免答辩"), ("技术员", 200, "免答辩"), ("助理经济师", 200, "免答辩"),
    ("高级", 550, "需答辩"), ("中级", 400, "免答辩"), ("初级", 200, "免答辩"), ("高工", 550, "需答辩"),
])
def test_s4_5_s4_6_fee_and_defence_by_level(settings, catalog, title, fee, defence):
    assert fee_due(title, catalog, settings).value == fee
    assert defense(title, catalog, settings).value == defence


def test_s4_6_fees_come_from_the_settings(settings, catalog):
    changed = dataclasses.replace(settings, fee_senior=600)
    assert fee_due("高级工程师", catalog, changed).value == 600
    assert "不在职称表中" in fee_due("总工", catalog, settings).finding.message


# --- 一(三), 四(六) what the clerk is told about the money ------------------------------------------

def _notes(due, paid, *, today=dt.date(2024, 9, 5), ended=False, settled=True, accepted=True, settings):
    from addin.rules.fees import fee_notes

    return [(n.column, n.finding.message, n.finding.clause, n.refund)
            for n in fee_notes(due, paid, status="不予受理" if ended else "已接收材料", ended=ended, settled=settled,
                               accepted=accepted, today=today, settings=settings)]


def test_s4_6_paid_in_full_says_nothing_too_little_or_too_much_is_named(settings):
    assert _notes(550, 550, settings=settings) == []
    assert _notes(550, 400, settings=settings) == [("fee_balance", "只缴了400元，还差150元", "四(六)", False)]
    assert _notes(400, 550, settings=settings) == [("fee_balance", "多缴150元", "四(六)", False)]


def test_s4_6_money_of_an_ended_application_is_refunded_and_before_acceptance_is_overpaid(settings):
    assert _notes(None, 550, ended=True, settings=settings)[0][1:] == ("状态为不予受理，已缴550元应予退费", "四(六)", True)
    assert _notes(None, 550, accepted=False, settings=settings)[0][1] == "尚未“已接收材料”已有缴费记录550元（计为多缴）"
    assert _notes(None, 550, settled=False, settings=settings)[0][1] == "已缴550元：状态待核，暂不计应缴、不计退费"


def test_s1_3_nothing_paid_is_named_only_after_the_payment_window_closes(settings):
    assert settings.payment_end == dt.date(2024, 9, 10)
    assert _notes(550, 0, today=dt.date(2024, 9, 10), settings=settings) == []
    assert _notes(550, 0, today=dt.date(2024, 9, 11), settings=settings) == [
        ("fee_balance", "缴费时间已过仍未缴费550元", "一(三)", False)]


def _payment(amount, day, method="扫码", *, accepted_on=dt.date(2024, 9, 2), settings):
    from addin.rules.dates import parse_date
    from addin.rules.fees import payment_problems
    from addin.rules.settings import parse_number

    return [(p.column, p.finding.severity.name, p.finding.message, p.finding.clause)
            for p in payment_problems(parse_number(amount), parse_date(day), method, settings=settings,
                                      methods=["扫码", "银行"], accepted_on=accepted_on, payment_max=100000)]


def test_s1_3_s4_6_one_payment_is_judged_once_for_the_register_and_the_finance_file(settings):
    """Issue 18: the rows of 缴费 and the finance office's file were checked by two copies
    that had drifted (the import took an amount the register would not count)."""
    assert _payment(550, dt.date(2024, 9, 5), settings=settings) == []
    assert _payment(550, dt.date(2024, 9, 11), settings=settings) == [
        ("paid_on", "WARNING", "缴费日期2024-09-11不在缴费时间2024-09-01至2024-09-10内", "一(三)")]
    assert _payment(550, dt.date(2024, 9, 3), accepted_on=dt.date(2024, 9, 4), settings=settings) == [
        ("paid_on", "WARNING", "缴费日期2024-09-03早于“已接收材料”（2024-09-04）", "四(六)")]
    assert _payment(550, dt.date(2024, 9, 5), "现金", settings=settings) == [
        ("method", "WARNING", "缴费方式应为扫码或银行，实为“现金”", "四(六)")]
    assert _payment(5500000, dt.date(2024, 9, 5), settings=settings)[0][:2] == ("amount", "ERROR")
    assert [p[:2] for p in _payment(0, None, settings=settings)] == [("amount", "ERROR"), ("paid_on", "WARNING")]
    assert _payment(-550, dt.date(2024, 9, 5), settings=settings)[0][:2] == ("amount", "ERROR")


def test_s1_3_an_unpaid_fee_stays_on_the_to_do_list_after_the_window_closes(settings):
    from addin.rules.workflow import reminder_due

    end = settings.payment_end
    assert not reminder_due(end, end - dt.timedelta(days=settings.resubmit_days + 1), settings, overdue=True)
    assert reminder_due(end, end - dt.timedelta(days=settings.resubmit_days), settings, overdue=True)
    assert reminder_due(end, end + dt.timedelta(days=30), settings, overdue=True)


def test_s4_1_1_a_resubmission_deadline_is_on_the_to_do_list_within_the_two_days_only(settings):
    from addin.rules.workflow import reminder_due

    deadline = d("2024-08-22")
    assert settings.resubmit_days == 2
    assert [reminder_due(deadline, deadline - dt.timedelta(days=n), settings) for n in (3, 2, 0, -1)] == [
        False, True, True, False]


# --- 四(四), 三 who goes to the meeting ---------------------------------------------------------------

def _stage(status, review, *, route_conflict=False):
    from addin.rules.workflow import SubmissionState, application_stage

    return application_stage(status, SubmissionState(review, 1), route_conflict=route_conflict)


def test_s4_4_accepted_eligible_and_paid_goes_to_the_meeting_each_lack_is_named():
    from addin.rules.workflow import meeting_due

    accepted = _stage("已接收材料", ACCEPTED)
    assert meeting_due(accepted, eligibility="符合", eligibility_pending=False, due=550, paid=550) == "上会"
    assert meeting_due(accepted, eligibility="不符合", eligibility_pending=False, due=550, paid=100) == \
        "不上会：资格不符合、未缴清评审费"
    in_review = _stage("审核中", IN_REVIEW)
    assert meeting_due(in_review, eligibility="符合", eligibility_pending=True, due=None, paid=0) == \
        "不上会：未接收材料、资格待核、无应缴费用"


def test_s4_4_an_unsettled_or_ended_application_does_not_go_for_that_reason_alone():
    from addin.rules.workflow import meeting_due

    assert meeting_due(_stage("已接收材料", IN_REVIEW), eligibility="符合", eligibility_pending=False, due=550,
                       paid=550) == "不上会：状态与审核记录不符，待核"
    assert meeting_due(_stage("不予受理", REJECTED), eligibility="符合", eligibility_pending=False, due=None,
                       paid=550) == "不上会：状态为不予受理"


def test_s3_both_routes_keep_the_person_off_the_meeting_until_one_is_withdrawn():
    from addin.rules.workflow import ROUTE_CONFLICT, held_by_route_conflict

    assert held_by_route_conflict("上会") == f"不上会：{ROUTE_CONFLICT}"
    assert held_by_route_conflict("不上会：未接收材料") == f"不上会：{ROUTE_CONFLICT}、未接收材料"


# --- 一(五) the public lists mask the birth date ------------------------------------------------------

def test_s1_5_public_lists_mask_the_birth_date_unless_the_settings_say_otherwise(settings):
    from addin.rules.identity import public_id

    number = make_id(birth="19870412")
    assert public_id(number, settings) == number[:6] + "*" * 8 + number[14:]
    assert public_id(number.lower(), dataclasses.replace(settings, mask_public_ids=False)) == number


# --- 二 the two routes, 四(一)2 and 四(一)8 the documents -------------------------------------------

def test_s2_an_application_names_one_of_the_two_routes(ctx):
    assert str(assess(ctx, SENIOR)) == "符合"
    assert "申报方式" in str(assess(ctx, with_(route="")))
    assert str(assess(ctx, with_(route="随便"))).startswith("不符合")


def test_s4_1_2_education_proof_is_needed_when_an_education_is_given(settings, catalog):
    from addin.rules.documents import missing_documents

    assert "学历证明" in missing_documents(SENIOR, set(), settings, catalog)
    assert "学历证明" not in missing_documents(SENIOR, {"学历证明"}, settings, catalog)


def test_s4_1_8_the_other_attachments_are_needed_from_everyone(settings, catalog):
    from addin.rules.documents import OTHER_ATTACHMENTS, missing_documents

    assert set(OTHER_ATTACHMENTS) <= set(missing_documents(SENIOR, set(), settings, catalog))
    assert not set(OTHER_ATTACHMENTS) & set(missing_documents(SENIOR, set(OTHER_ATTACHMENTS), settings, catalog))


def test_s1_2_a_review_window_running_backwards_is_flagged(settings):
    from addin.rules.settings import validate_settings

    assert validate_settings(settings) == [] or all(f.column not in ("review_start", "review_end")
                                                    for f in validate_settings(settings))
    backwards = dataclasses.replace(settings, review_end=dt.date(2024, 7, 31))
    found = [f for f in validate_settings(backwards) if f.clause == "一(二)"]
    assert found and any("审核时间" in f.message for f in found)



def test_s1_5_the_tally_decides_the_status_of_an_accepted_application_only():
    from addin.rules.meeting import status_after_meeting

    assert status_after_meeting("已接收材料", "评审通过", accepted=True) == "评审通过"
    assert status_after_meeting("已接收材料", "评审未通过", accepted=True) == "评审未通过"
    assert status_after_meeting("评审通过", "评审通过", accepted=True) is None            # already says so
    assert status_after_meeting("已接收材料", "未达法定人数", accepted=True) is None       # nothing decided
    assert status_after_meeting("已接收材料", None, accepted=True) is None
    assert status_after_meeting("视为放弃", "评审通过", accepted=False) is None            # out: the tally is void
