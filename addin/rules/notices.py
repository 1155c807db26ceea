"""What to tell an applicant, and when (``zhicheng notify``): the notices of the campaign,
each with its clause, its dates from the rules and the plain text of a text message.

An application's notices follow its one stage (:func:`addin.rules.workflow.application_stage`)
and the values the evaluation computed from it (the resubmission deadline, the fee due
and paid, the meeting and its tally); nothing here re-derives a stage, a deadline or a
fee. A notice is due on a day (``on``) when the rule says something must be done by the
applicant (or their employer) and the time for it has not passed:

- not yet submitted (一(一)): the first submission's deadline;
- materials returned (四(一)1): resubmit by the 补正截止, with the submissions left;
- the fee (四(六)): due once 已接收材料, paid in the payment window at the place of the
  settings (扫码或银行); after the window, a reminder that it is overdue;
- the paper materials (四(四)): delivered by the employer in the material window;
- the defence (四(五)): time and place, for senior applicants on the meeting;
- the result (一(五)): passed with the publicity period (Aksu working days), or not passed;
- the refund (四(六)): what an application that has ended paid is refunded.

A notice whose facts are not known yet (the defence not announced, the publicity not
begun) is *waiting*; one that is due but cannot be written truthfully (a setting it
quotes is wrong, a place missing) is *held*, with the reason: never a text with a
placeholder or a wrong date. Texts are plain Chinese, name dates as 9月3日 and the
clause, and carry no links (facts §7).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Callable

from .base import RuleInputError, cites
from .calendar import AksuCalendar
from .meeting import FAILED as MEETING_FAILED, PASSED as MEETING_PASSED
from .settings import Settings
from .workflow import GAVE_UP, TO_FIX, Stage

_AHEAD = {dt.date: dt.date.max, dt.datetime: dt.datetime.max}

SUBMIT, RESUBMIT, FEE, FEE_LATE, MATERIALS, DEFENCE, RESULT, REFUND = (
    "提交审核", "补正提交", "缴费", "缴费逾期", "报送材料", "答辩", "评审结果", "退费")
#: the kinds in the order of the year (the lists follow it)
KINDS = (SUBMIT, RESUBMIT, FEE, FEE_LATE, MATERIALS, DEFENCE, RESULT, REFUND)
#: the paper originals the employer delivers once 已接收材料 (四(四))
PAPER = "评审表（一式两份）、公示、公示结果、推荐报告、个人承诺书原件"
#: where results are publicised (一(五): 新疆专业技术人员管理平台), named without its address (no links)
PLATFORM = "职称平台“会议公示”栏"


@dataclass(frozen=True)
class Notice:
    """One notice to one applicant: ``tag`` names it in 日志 (the same tag is the same
    notice: not sent twice unknowingly), ``text`` is the message without the signature."""

    kind: str
    tag: str
    clause: str
    text: str


@dataclass(frozen=True)
class Held:
    """A notice that is due (``waiting``: not yet) but not written, and why."""

    kind: str
    clause: str
    reason: str
    waiting: bool = False


@dataclass(frozen=True)
class Facts:
    """What one application's notices are made from: its stage and the values the
    evaluation computed for it."""

    title: str                                  # 拟申报职称, as the register names it
    stage: Stage
    deadline: dt.date | None = None             # 补正截止
    fee_due: float | None = None                # 应缴费用 (once accepted)
    fee_paid: float = 0.0
    on_meeting: bool = False                    # 上会情况 = 上会
    defence: bool = False                       # 需答辩 (四(五))
    result: str | None = None                   # the tally: 评审通过 / 评审未通过
    meeting_day: dt.date | None = None          # the meeting's date (评审会), when known
    refund: float = 0.0                         # paid by an application that has ended


def md(day: dt.date) -> str:
    """A date as a text message names it: 9月3日."""
    return f"{day.month}月{day.day}日"


def span(first: dt.date, last: dt.date) -> str:
    """A window as a text message names it: 9月1日至10日, 8月26日至9月3日."""
    if (first.year, first.month) == (last.year, last.month):
        return f"{md(first)}至{last.day}日"
    return f"{md(first)}至{md(last)}"


def yuan(amount: float) -> str:
    return f"{amount:g}元"


def _due(value: float | None) -> float:
    return float(value or 0)


@cites("一(一)")
def submit_notice(f: Facts, s: Settings, on: dt.date) -> Notice | None:
    """截止8月30日18:00，未将申请书提交至评审委员会进行第一次审核的，视为放弃本次申报资格: an
    application not yet submitted is told the deadline of its first submission."""
    review = f.stage.review
    if not f.stage.settled or review.count or review.status in (GAVE_UP,) or on > s.apply_end.date():
        return None
    when = md(s.apply_end.date()) + (f"{s.apply_end:%H:%M}" if s.apply_end.time() != dt.time(0) else "")
    return Notice(SUBMIT, SUBMIT, "一(一)",
                  f"您的{f.title}申报尚未提交审核，请于{when}前提交，逾期视为放弃（通知一(一)）。")


@cites("四(一)1")
def resubmit_notice(f: Facts, s: Settings, on: dt.date) -> Notice | None:
    """申报人未通过审核的，应于退回后2日内根据修改意见完善材料并提交，提交评审委员会审核次数不超过3次，
    退回后超过申报时限的不予受理: while a returned application's 补正截止 has not passed, the
    applicant is told to resubmit by that day, with the submissions left."""
    review = f.stage.review
    if review.status != TO_FIX or not f.stage.settled or f.deadline is None or on > f.deadline:
        return None
    left = s.max_submissions - review.count
    return Notice(RESUBMIT, f"{RESUBMIT}（第{review.count}次退回）", "四(一)1",
                  f"您的{f.title}申报已退回，请按审核意见修改，最迟{md(f.deadline)}重新提交"
                  f"（还可提交{left}次，逾期不予受理，通知四(一)1）。")


@cites("四(六)", "一(三)")
def fee_notice(f: Facts, s: Settings, on: dt.date) -> Notice | None:
    """专业技术人员申报材料显示“已接收材料”后，需到地区综合办公区地区交通运输局财务审计办公室通过扫码或
    银行缴费支付的方式进行缴费（高级550元，中级400元，初级200元）；缴费时间9月1日—9月10日: an accepted
    application that still owes is told the amount, the window and the place; after the
    window, that it is overdue."""
    if not f.stage.accepted or not f.fee_due:
        return None
    owed = _due(f.fee_due) - f.fee_paid
    if owed <= 0:
        return None
    paid = f"应缴{yuan(_due(f.fee_due))}、已缴{yuan(f.fee_paid)}，" if f.fee_paid else ""
    if on > s.payment_end:
        return Notice(FEE_LATE, FEE_LATE, "四(六)",
                      f"您的{f.title}评审费尚欠{yuan(owed)}，缴费已于{md(s.payment_end)}截止，请尽快联系{s.contact_office}"
                      f"（{paid}通知四(六)）。")
    return Notice(FEE, FEE, "四(六)",
                  f"您的{f.title}申报材料已接收，请于{span(s.payment_start, s.payment_end)}到{s.payment_place}"
                  f"扫码或银行{'补' if f.fee_paid else ''}缴评审费{yuan(owed)}（{paid}通知四(六)）。")


@cites("四(四)", "一(四)")
def materials_notice(f: Facts, s: Settings, on: dt.date) -> Notice | None:
    """申请书状态显示为“已接收材料”的，需由用人单位将《专业技术职务任职资格评审表》（一式两份）、公示、
    公示结果、推荐报告、个人承诺书等材料原件报地区交通运输局组织人事科（材料报送时间9月1日—9月10日）:
    an accepted application is told what its employer delivers, where and when."""
    if not f.stage.accepted or on > s.material_end:
        return None
    return Notice(MATERIALS, MATERIALS, "四(四)",
                  f"您的{f.title}申报材料已接收，请单位于{span(s.material_start, s.material_end)}将{PAPER}"
                  f"报{s.contact_office}（通知四(四)）。")


@cites("四(五)")
def defence_notice(f: Facts, s: Settings, on: dt.date) -> Notice | Held | None:
    """申报高级职称评审的专业技术人员参加专业水平答辩，申报中级及以下职称评审的，免于答辩: a senior
    applicant on the meeting is told the defence's day, time and place once announced."""
    if not (f.defence and f.on_meeting and f.stage.accepted):
        return None
    if s.defence_at is None:
        return Held(DEFENCE, "四(五)", "答辩时间尚未确定（参数“答辩时间”未填写）", waiting=True)
    if on > s.defence_at.date():
        return None
    if not s.defence_place:
        return Held(DEFENCE, "四(五)", "参数“答辩地点”未填写")
    when = md(s.defence_at.date()) + (f"{s.defence_at:%H:%M}" if s.defence_at.time() != dt.time(0) else "")
    return Notice(DEFENCE, f"{DEFENCE}（{md(s.defence_at.date())}）", "四(五)",
                  f"请于{when}到{s.defence_place}参加{f.title}专业水平答辩，携带身份证（通知四(五)）。")


@cites("一(五)")
def result_notice(f: Facts, s: Settings, on: dt.date, calendar: AksuCalendar) -> Notice | Held | None:
    """评审会结束后，对通过评审人员进行系统内公示，并由各用人单位同步在本单位进行公示；专业技术人员可
    登录新疆专业技术人员管理平台“会议公示”栏内查看评审结果: once the publicity begins, an
    applicant the meeting passed is told the publicity period (its working days on the Aksu
    calendar); one it did not pass, the result."""
    if f.result not in (MEETING_PASSED, MEETING_FAILED) or not f.stage.accepted:
        return None
    if f.meeting_day is not None and on < f.meeting_day:      # a tally entered ahead of the day tells nothing yet
        return None
    if s.result_publicity_start is None:
        return Held(RESULT, "一(五)", "评审结果尚未公示（参数“评审结果公示开始日期”未填写）", waiting=True)
    start = s.result_publicity_start
    try:
        end = calendar.publicity_end(start, s.result_publicity_workdays)
    except RuleInputError as exc:
        return Held(RESULT, "一(五)", f"公示截止日无法计算：{exc}")
    if on > end:
        return None
    if f.result == MEETING_PASSED:
        text = f"您申报的{f.title}已通过评审，{span(start, end)}公示，可在{PLATFORM}查看（通知一(五)）。"
    else:
        text = f"您申报的{f.title}未通过{s.campaign_year}年度评审，如有疑问请致电{s.contact_phone}（通知一(五)）。"
    return Notice(RESULT, RESULT, "一(五)", text)


@cites("四(六)")
def refund_notice(f: Facts, s: Settings, on: dt.date) -> Notice | None:
    """评审费在申报材料显示“已接收材料”后缴纳；不予受理（四(一)1）、视为放弃（一(一)）的申报已终止:
    what such an application paid is refunded, and the applicant is told where."""
    if not f.stage.out or f.refund <= 0:
        return None
    return Notice(REFUND, REFUND, "四(六)",
                  f"您的{f.title}申报已{f.stage.status}，已缴评审费{yuan(f.refund)}将全额退还，请到{s.payment_place}"
                  f"办理（通知四(六)）。")


#: each notice with the settings its text quotes: a notice quoting a setting that is wrong is held
NOTICE_RULES: tuple[tuple[str, Callable, tuple[str, ...]], ...] = (
    (SUBMIT, submit_notice, ("apply_end",)),
    (RESUBMIT, resubmit_notice, ("max_submissions", "resubmit_days", "resubmit_day_basis")),
    (FEE, fee_notice, ("payment_start", "payment_end", "payment_place", "fee_senior", "fee_intermediate",
                       "fee_junior", "contact_office")),
    (MATERIALS, materials_notice, ("material_start", "material_end", "contact_office")),
    (DEFENCE, defence_notice, ("defence_at", "defence_place")),
    (RESULT, result_notice, ("result_publicity_start", "result_publicity_workdays", "campaign_year", "contact_phone")),
    (REFUND, refund_notice, ("payment_place",)),
)


def due_notices(f: Facts, s: Settings, on: dt.date, calendar: AksuCalendar,
                wrong: frozenset[str] = frozenset(), labels: dict[str, str] | None = None) -> list[Notice | Held]:
    """Every notice due to one application on ``on``. ``wrong`` names the settings found
    wrong (validate_settings, or a value the register could not read): a due notice
    quoting one is :class:`Held` with the setting named, not written."""
    out: list[Notice | Held] = []
    for kind, rule, keys in NOTICE_RULES:
        bad = [k for k in keys if k in wrong]
        # a wrong date cannot say whether the notice is still due: judged as if it lay ahead
        probe = dataclasses.replace(s, **{k: _AHEAD[type(getattr(s, k))] for k in bad
                                          if type(getattr(s, k)) in _AHEAD}) if bad else s
        made = rule(f, probe, on, calendar) if rule is result_notice else rule(f, probe, on)
        if made is None:
            continue
        if bad and not (isinstance(made, Held) and made.waiting):
            names = "、".join(f"“{(labels or {}).get(k, k)}”" for k in bad)
            made = Held(made.kind, made.clause, f"参数{names}有误（见校验），为免发出错误的日期或金额，暂不生成")
        out.append(made)
    return out
