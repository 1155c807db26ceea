"""Submissions to the committee and their deadlines (notice 一(一), 四(一)1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from .base import Finding, cites, error, warning
from .calendar import AksuCalendar
from .dates import format_date
from .settings import Settings

PASSED, RETURNED = "通过", "退回"
# statuses
IN_REVIEW, TO_FIX, ACCEPTED, REJECTED, GAVE_UP, NOT_SUBMITTED = (
    "审核中", "待补正", "审核通过", "不予受理", "视为放弃", "未提交")


@dataclass(frozen=True)
class Submission:
    """One row of 审核记录: the n-th submission and what came of it."""

    submitted_at: dt.datetime | None
    result: str = ""                       # 通过 / 退回 / "" (pending)
    returned_at: dt.datetime | None = None
    number: int | None = None


@dataclass(frozen=True)
class SubmissionState:
    status: str
    count: int
    deadline: dt.date | None = None        # last day to resubmit, when one is running
    findings: tuple[Finding, ...] = ()

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
    if not first_submission_in_time(subs[0].submitted_at, settings):
        return SubmissionState(GAVE_UP, len(subs), findings=(error(
            f"第一次提交时间{_when(subs[0].submitted_at)}晚于申报截止{_when(settings.apply_end)}", "一(一)"),))
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
        return SubmissionState(REJECTED, len(subs), findings=tuple(found))
    if last.result == PASSED:
        return SubmissionState(ACCEPTED, len(subs))
    if last.result == RETURNED:
        if not last.returned_at:
            return SubmissionState(TO_FIX, len(subs), findings=(warning("退回记录缺少退回时间", "四(一)1"),))
        deadline = resubmission_deadline(last.returned_at.date(), settings, calendar)
        if as_of and as_of.date() > deadline:
            return SubmissionState(REJECTED, len(subs), deadline, (error(
                f"退回后未在{format_date(deadline)}前补正提交", "四(一)1"),))
        return SubmissionState(TO_FIX, len(subs), deadline)
    return SubmissionState(IN_REVIEW, len(subs))


def _when(moment: dt.datetime) -> str:
    text = format_date(moment.date())
    return text + (f"{moment:%H:%M}" if (moment.hour, moment.minute) != (0, 0) else "")


ROUTE_CONFLICT = "同一人两种方式申报待处理（三）"


@cites("四(一)1", "一(一)", "三")
def exclusion(status: str, route_conflict: bool, settings: Settings) -> list[str]:
    """Why an application takes no part in the documents and the meeting (empty: it
    does). 不予受理 (四(一)1), 视为放弃 (一(一)) and 填报中 — the settings' inactive
    statuses — are out; so is the same person applying by both routes in one year
    (三: 只能选择一种方式申报) until the clerk withdraws one of the two. Callers may
    include them on explicit request (``zhicheng docs --all``)."""
    reasons = []
    if status in settings.inactive_statuses:
        reasons.append(f"状态为{status}")
    if route_conflict:
        reasons.append(ROUTE_CONFLICT)
    return reasons
