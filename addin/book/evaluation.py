"""What :func:`~addin.book.evaluate.evaluate` gives: the computed values of every
register row, the findings, the to-do list and the figures of 统计, the stage of each
application, the meeting's seating and tally (:class:`Evaluation`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..rules.base import Finding, Severity
from ..rules.fees import FeeLine, account, fee_summary
from ..rules.workflow import Stage
from .panel import DefenceTally, MeetingDay


@dataclass
class Todo:
    kind: str
    app_id: str
    name: str
    due: dt.date | None
    detail: str


@dataclass
class Evaluation:
    computed: dict[int, dict[str, object]] = field(default_factory=dict)   # register row -> key -> value
    findings: list[Finding] = field(default_factory=list)
    fingerprints: dict[str, str] = field(default_factory=dict)            # app id -> digest of computed values
    todos: list[Todo] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)                        # per applicant summary for the dashboard
    meeting: dict[int, dict[str, object]] = field(default_factory=dict)   # 评审会 row -> computed values
    #: rows meeting every condition of the meeting but held back by a route conflict (三),
    #: with the reasons: off the roster unless asked for
    held_back: dict[int, list[str]] = field(default_factory=dict)
    #: the one stage of each application (rules.workflow.application_stage), by register row:
    #: fee due, documents, meeting, publicity and refunds all follow it
    stages: dict[int, Stage] = field(default_factory=dict)
    levels: tuple[str, ...] = ()                  # fee levels in the settings' order (高级, 中级, 初级)
    specialty_order: list[str] = field(default_factory=list)              # 专业 in the data's order
    hand_edits: list[tuple[int, str, object]] = field(default_factory=list)  # (row, key, value found) in computed columns
    day: MeetingDay | None = None                                          # the panel seated (评委)
    defence: DefenceTally | None = None                                    # 答辩评分 rows and results

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == Severity.ERROR]

    def fee_lines(self) -> list[FeeLine]:
        """The fee summary by level and in total: the one computation that the 统计 sheet
        and the finance office's 汇总 both print (四(六)); what ended applications paid is 退费."""
        return fee_summary(((r["level"], account(r["fee_due"], r["fee_paid"], ended=r["ended"])) for r in self.rows),
                           self.levels)
