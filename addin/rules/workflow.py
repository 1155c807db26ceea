"""Submissions to the committee, their deadlines and the stage of an application
(notice 一(一), 四(一)1, 四(四), 四(六), 三).

The clerk types 状态; :func:`assess_submissions` computes from 审核记录 and the dates what
the review says (审核情况); :func:`application_stage` puts the two together into the one
stage of the application that decides everything downstream: the fee due, which
attachments, the meeting, the publicity list, refunds. Where the typed 状态 and the
computed 审核情况 disagree, the stage is unsettled and nothing downstream acts on the row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from enum import Enum

from .base import Finding, cites, error, warning
from .calendar import AksuCalendar
from .dates import format_date, format_moment
from .meeting import FAILED as MEETING_FAILED, MEETING_DUE, PASSED as MEETING_PASSED
from .settings import Settings

#: results of a review (审核记录's 审核结果)
PASSED, RETURNED = "通过", "退回"
#: what the review log says (the computed 审核情况)
IN_REVIEW, TO_FIX, ACCEPTED, REJECTED, GAVE_UP, NOT_SUBMITTED, UNDECIDED = (
    "审核中", "待补正", "审核通过", "不予受理", "视为放弃", "未提交", "待核")
#: the 状态 a clerk types (字典 list 状态): 填报中, 审核中, 已退回, 已接收材料, 不予受理,
#: 视为放弃, 评审通过, 评审未通过
DRAFTING, REVIEWING, SENT_BACK, RECEIVED = "填报中", "审核中", "已退回", "已接收材料"
#: the statuses of an application whose material was accepted (四(四)): its fee is due (四(六))
ACCEPTED_STATUSES = (RECEIVED, MEETING_PASSED, MEETING_FAILED)
#: the statuses that end an application (四(一)1 不予受理, 一(一) 视为放弃)
OUT_STATUSES = (REJECTED, GAVE_UP)


@dataclass(frozen=True)
class Submission:
    """One row of 审核记录: the n-th submission and what came of it."""

    submitted_at: dt.datetime | None
    result: str = ""                       # 通过 / 退回 / "" (pending)
    returned_at: dt.datetime | None = None
    number: int | None = None
    passed_at: dt.datetime | None = None   # when it was accepted (审核结果 通过)


@dataclass(frozen=True)
class SubmissionState:
    status: str
    count: int
    deadline: dt.date | None = None        # last day to resubmit, when one is running
    findings: tuple[Finding, ...] = ()
    first_at: dt.datetime | None = None    # the first submission to the committee
    accepted_at: dt.datetime | None = None  # when the material was accepted (审核通过)

    def __str__(self) -> str:
        reasons = "；".join(f.message for f in self.findings if f.severity.value == "error")
        return f"{self.status}：{reasons}" if reasons and self.status in (REJECTED, GAVE_UP) else self.status


@cites("四(一)1")
def resubmission_deadline(returned_on: dt.date, settings: Settings,
                          calendar: AksuCalendar | None = None, days: int | None = None) -> dt.date:
    """申报人未通过审核的，应于退回后2日内根据修改意见完善材料并提交: the last day to resubmit
    (calendar days by default; working days when the settings say 工作日)."""
    days = settings.resubmit_days if days is None else days
    if settings.resubmit_day_basis == "工作日":
        if calendar is None:
            raise ValueError("working-day basis needs the calendar")
        return calendar.add_workdays(returned_on, days)
    return returned_on + dt.timedelta(days=days)


@cites("一(一)")
def first_submission_in_time(submitted_at: dt.datetime, settings: Settings) -> bool:
    """截止8月30日18:00，未将申请书提交至评审委员会进行第一次审核的，视为放弃本次申报资格."""
    return submitted_at <= settings.apply_end


@cites("一(一)", "四(一)1")
def assess_submissions(submissions: Sequence[Submission], settings: Settings, *,
                       as_of: dt.datetime | None = None,
                       calendar: AksuCalendar | None = None) -> SubmissionState:
    """提交评审委员会审核次数不超过3次，对于第3次提交后申报材料仍不符合要求，或退回后超过申报时限的不予受理.

    ``submissions`` in any order (sorted by time here); ``as_of`` is "now" for the
    questions that depend on it (a deadline that has passed without a resubmission).
    """
    subs = sorted((s for s in submissions if s.submitted_at), key=lambda s: s.submitted_at)
    found: list[Finding] = []
    if not subs:
        if as_of and as_of > settings.apply_end:
            return SubmissionState(GAVE_UP, 0, findings=(error(
                f"截至{_when(settings.apply_end)}未提交第一次审核", "一(一)"),))
        return SubmissionState(NOT_SUBMITTED, 0)
    first = subs[0].submitted_at
    if not first_submission_in_time(first, settings):
        return SubmissionState(GAVE_UP, len(subs), findings=(error(
            f"第一次提交时间{_when(first)}晚于申报截止{_when(settings.apply_end)}", "一(一)"),), first_at=first)
    limit = settings.max_submissions
    for i, sub in enumerate(subs):
        if sub.result == RETURNED and sub.returned_at and i + 1 < len(subs):
            deadline = resubmission_deadline(sub.returned_at.date(), settings, calendar)
            nxt = subs[i + 1].submitted_at
            if nxt.date() > deadline:
                found.append(error(f"第{i + 1}次退回后应于{format_date(deadline)}前补正，"
                                   f"实际{format_date(nxt.date())}才提交", "四(一)1"))
    if len(subs) > limit:
        found.append(error(f"提交审核{len(subs)}次，超过{limit}次上限", "四(一)1"))
    last = subs[-1]
    if last.result == RETURNED and len(subs) >= limit:
        found.append(error(f"第{limit}次提交后材料仍不符合要求", "四(一)1"))
    if found:
        return SubmissionState(REJECTED, len(subs), findings=tuple(found), first_at=first)
    if last.result == PASSED:
        return SubmissionState(ACCEPTED, len(subs), first_at=first, accepted_at=last.passed_at)
    if last.result == RETURNED:
        if not last.returned_at:
            return SubmissionState(TO_FIX, len(subs), findings=(warning("退回记录缺少退回时间", "四(一)1"),),
                                   first_at=first)
        deadline = resubmission_deadline(last.returned_at.date(), settings, calendar)
        if as_of and as_of.date() > deadline:
            return SubmissionState(REJECTED, len(subs), deadline, (error(
                f"退回后未在{format_date(deadline)}前补正提交", "四(一)1"),), first_at=first)
        return SubmissionState(TO_FIX, len(subs), deadline, first_at=first)
    return SubmissionState(IN_REVIEW, len(subs), first_at=first)


def _when(moment: dt.datetime) -> str:
    return format_moment(moment)


ROUTE_CONFLICT = "同一人两种方式申报待处理（三）"


class Phase(str, Enum):
    """Where an application is: what downstream may do with it."""

    DRAFT = "填报"          # not yet submitted: attachments 1-3 are prepared (四(二))
    REVIEW = "审核"         # submitted, being reviewed or corrected (四(一)1)
    ACCEPTED = "受理"       # material accepted (四(四)): the fee is due (四(六)), the meeting
    OUT = "终止"            # 不予受理 (四(一)1) or 视为放弃 (一(一)): nothing but a refund


#: the phase of each typed 状态
STATUS_PHASE = {DRAFTING: Phase.DRAFT, REVIEWING: Phase.REVIEW, SENT_BACK: Phase.REVIEW,
                RECEIVED: Phase.ACCEPTED, MEETING_PASSED: Phase.ACCEPTED, MEETING_FAILED: Phase.ACCEPTED,
                REJECTED: Phase.OUT, GAVE_UP: Phase.OUT}
#: the phase of each computed 审核情况 (待核: none, the review could not be judged)
REVIEW_PHASE = {NOT_SUBMITTED: Phase.DRAFT, IN_REVIEW: Phase.REVIEW, TO_FIX: Phase.REVIEW,
                ACCEPTED: Phase.ACCEPTED, REJECTED: Phase.OUT, GAVE_UP: Phase.OUT}
#: the 状态 that states each 审核情况
STATUS_FOR_REVIEW = {NOT_SUBMITTED: DRAFTING, IN_REVIEW: REVIEWING, TO_FIX: SENT_BACK, ACCEPTED: RECEIVED,
                     REJECTED: REJECTED, GAVE_UP: GAVE_UP}


@dataclass(frozen=True)
class Stage:
    """The one stage of an application: the typed 状态, the computed 审核情况, and what
    follows from the two. ``phase`` is None while they disagree (unsettled): then no fee
    is due, no refund is listed, no document is made and no meeting place is given
    until the clerk resolves it; ``proposal`` is the 状态 the review calls for."""

    status: str
    review: SubmissionState
    phase: Phase | None
    proposal: str | None = None
    route_conflict: bool = False
    findings: tuple[Finding, ...] = ()

    @property
    def settled(self) -> bool:
        return self.phase is not None

    @property
    def accepted(self) -> bool:
        """Material accepted and not in dispute: the fee is due (四(六)), the meeting may follow."""
        return self.phase is Phase.ACCEPTED

    @property
    def out(self) -> bool:
        """Ended (不予受理, 视为放弃), agreed by status and review: money paid is refunded."""
        return self.phase is Phase.OUT

    @property
    def conflict(self) -> Finding | None:
        """The error naming both values when typed status and review disagree."""
        return next((f for f in self.findings if f.severity.value == "error"), None) if not self.settled else None

    @property
    def held(self) -> list[str]:
        """Why the application gets no documents and no place at the meeting (empty: it
        may): ended, unsettled, or the same person by both routes (三)."""
        reasons = []
        if not self.settled:
            shown = self.status or "空白"
            reasons.append(f"状态“{shown}”与审核情况“{self.review.status}”不一致，待核")
        elif self.out:
            reasons.append(f"状态为{self.status}")
        if self.route_conflict:
            reasons.append(ROUTE_CONFLICT)
        return reasons


@cites("一(一)", "四(一)1", "四(四)", "四(六)", "三")
def application_stage(status: str, review: SubmissionState, *, route_conflict: bool = False) -> Stage:
    """一份申报只有一个阶段: 截止8月30日18:00未提交第一次审核的视为放弃（一(一)）；退回后超过时限
    或第3次提交后仍不符合要求的不予受理（四(一)1）；状态显示“已接收材料”后报送材料（四(四)）并缴费（四(六)）;
    同一人同一年度只能选择一种方式申报（三）.

    The typed 状态 and the computed 审核情况 (``review``) each name a phase (填报, 审核,
    受理, 终止). When the phases agree the application is in that phase; a difference
    within it (已退回 while the review is back 审核中, 不予受理 for 视为放弃) is a warning
    with the 状态 to type. When they disagree — or 状态 is not one of the list's — it is
    an error naming both values and the stage is unsettled (nothing downstream acts).
    A blank 状态 with nothing submitted is 填报中. When the review cannot be judged
    (待核, e.g. a year without a calendar) the typed 状态 stands. ``route_conflict``:
    the same person applies by both routes (三) — kept apart from the status: such an
    application is held back from documents and the meeting until one is withdrawn."""
    typed = STATUS_PHASE.get(status)
    computed = REVIEW_PHASE.get(review.status)
    proposal = STATUS_FOR_REVIEW.get(review.status)
    clause = next((f.clause for f in review.findings if f.clause), None) or "四(一)1"
    why = "；".join(f.message for f in review.findings if f.severity.value == "error")
    because = f"（{why}）" if why else ""
    if computed is None:
        if typed is None:
            return Stage(status, review, None, None, route_conflict, (error(
                f"状态为{_shown(status)}，不是{'、'.join(STATUS_PHASE)}之一，无法确定申报所处阶段"
                f"（审核情况为“{review.status}”）", clause),))
        return Stage(status, review, typed, None, route_conflict)
    if typed is None and not status and computed is Phase.DRAFT:
        return Stage(status, review, Phase.DRAFT, proposal, route_conflict, (warning(
            f"状态未填写，尚未提交审核，应为“{proposal}”", "一(一)"),))
    verdict = (f"按审核记录应为“{proposal}”{because}" if proposal == review.status else
               f"按审核记录审核情况为“{review.status}”{because}，状态应为“{proposal}”")
    if typed is computed:
        if status in ACCEPTED_STATUSES or status == proposal:
            return Stage(status, review, typed, None, route_conflict)
        return Stage(status, review, typed, proposal, route_conflict, (warning(
            f"状态为“{status}”，{verdict}，请更新状态", clause),))
    return Stage(status, review, None, proposal, route_conflict, (error(
        f"状态为{_shown(status)}，{verdict}：两者不一致，核实前不计评审费、不生成材料、不上会"
        "（请更正状态或审核记录）", clause),))


def _shown(status: str) -> str:
    return f"“{status}”" if status else "空白"


#: 上会情况 of an application that does not go to the meeting, before its reasons
NOT_DUE = "不上会："


@cites("四(四)", "四(六)")
def meeting_due(stage: Stage, *, eligibility: str, eligibility_pending: bool, due: float | None,
                paid: float) -> str:
    """上会情况: an application goes to the meeting when its material has been accepted
    (已接收材料, 四(四)), it is eligible (资格审查 符合) and its fee is paid in full (四(六));
    otherwise 不上会 with the reasons. One whose 状态 and 审核记录 disagree, or that has
    ended (不予受理, 视为放弃), does not go, for that reason alone."""
    reasons = []
    if not stage.settled:
        reasons.append("状态与审核记录不符，待核")
    elif stage.out:
        reasons.append(f"状态为{stage.status}")
    else:
        if not stage.accepted:
            reasons.append("未接收材料")
        if eligibility != "符合" or eligibility_pending:
            reasons.append("资格" + (eligibility if not eligibility_pending else "待核"))
        if due is None or paid < due:
            reasons.append("未缴清评审费" if due else "无应缴费用")
    return MEETING_DUE if not reasons else NOT_DUE + "、".join(reasons)


@cites("三")
def held_by_route_conflict(due_at_meeting: str) -> str:
    """同一人同一年度同一系列同一级别只能选择一种方式申报: an application of a person who
    applies by both routes does not go to the meeting until one is withdrawn; its
    上会情况 names that first, then any other reason it had."""
    before = str(due_at_meeting).removeprefix(MEETING_DUE).removeprefix(NOT_DUE)
    return NOT_DUE + "、".join([ROUTE_CONFLICT] + ([before] if before else []))


@cites("四(一)1", "一(三)")
def reminder_due(deadline: dt.date, today: dt.date, settings: Settings, *, slack: int = 0,
                 overdue: bool = False) -> bool:
    """退回后须在2日内补正: 统计's 待办 names a deadline once it is no further away than
    the resubmission window (the settings' days, plus ``slack``), and no longer once it
    has passed, unless ``overdue`` (a fee still unpaid after the payment window, 一(三))."""
    left = (deadline - today).days
    return left <= settings.resubmit_days + slack and (overdue or left >= 0)

