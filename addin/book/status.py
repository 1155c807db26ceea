"""Proposed 状态 changes, and writing them once the clerk has confirmed them.

状态 is the clerk's column: the tool never changes it on its own. It computes the stage
of every application (:func:`addin.book.stages.application_stages`) and the meeting's
tally, and where these call for another 状态 it *proposes* the change:
:func:`propose_status_changes` lists them (row, application, name, the 状态 now, the
状态 proposed, why, with the clause). After the clerk confirms the list, a shell calls
:func:`apply_status_changes`, which writes exactly those 状态 cells and one 日志 row
through the workbook adapter and commits — the only write the tool makes into a clerk's
column, and only on confirmation.

The write follows :mod:`addin.book.draw`: plan first (refusals write nothing), then the
cells, the log row and the commit. It refuses, writing nothing, when the register has
changed since the proposal (a row's 申报编号 or 状态 is no longer what the proposal was
made from), when a proposed 状态 is not in the register's 字典 list, or when the 状态
column cannot be found without doubt.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..rules.meeting import status_after_meeting
from . import schema
from .adapter import WorkbookAdapter
from .evaluation import Evaluation
from .reader import Book, cell_text
from .writes import log_row, refuse_ambiguous_columns, refuse_unreadable_tables
from ..errors import WriteRefused

ACTION = "更新状态"


@dataclass(frozen=True)
class StatusChange:
    """One proposed change of 状态: the row of 申报人员, the application, the 状态 found
    when proposing (``current``, "" for blank), the 状态 proposed, and why."""

    row: int
    app_id: str
    name: str
    current: str
    proposed: str
    reason: str              # in words, e.g. 审核情况：视为放弃：第一次提交时间…晚于申报截止…
    clause: str              # the clause of the notice, e.g. 一(一)

    def __str__(self) -> str:
        who = " ".join(p for p in (self.app_id, self.name) if p)
        return (f"{who}（{schema.APPLICANT_SHEET}第{self.row}行）：状态“{self.current or '空白'}”→“{self.proposed}”"
                f"（{self.reason}，{self.clause}）")


def propose_status_changes(book: Book, evaluation: Evaluation) -> list[StatusChange]:
    """The 状态 changes the tool's verdicts call for, in register order (nothing is written):

    - where the stage proposes another 状态 (:class:`addin.rules.workflow.Stage`, its
      ``proposal``): the review log says 视为放弃, 不予受理, 已接收材料, … while 状态 says
      otherwise, or a blank 状态 of an application not yet submitted (填报中);
    - where the meeting's tally has decided (评审通过 / 评审未通过, 一(五)) an application
      whose stage is accepted and whose 状态 does not say so yet.
    """
    table = book.table("applicants")
    out = []
    for row in table.rows:
        stage = evaluation.stages.get(row.number)
        if stage is None:
            continue
        v = row.values_by_key
        current = cell_text(v.get("status"))
        proposed = reason = clause = None
        if stage.proposal and stage.proposal != stage.status:
            proposed = stage.proposal
            reason = f"审核情况：{stage.review}" if stage.review.count or stage.review.findings else "尚未提交审核"
            clause = next((f.clause for f in stage.findings if f.clause), None) or "四(一)1"
        else:
            tally = evaluation.computed.get(row.number, {}).get("meeting_result")
            proposed = status_after_meeting(stage.status, tally, accepted=stage.accepted)
            reason, clause = f"评审会表决结果为{tally}", "一(五)"
        if proposed and proposed != current:
            out.append(StatusChange(row.number, cell_text(v.get("app_id")), cell_text(v.get("name")), current,
                                    proposed, reason, clause))
    return out


def apply_status_changes(adapter: WorkbookAdapter, book: Book, changes: list[StatusChange], *,
                         now: dt.datetime, user: str) -> Path | None:
    """Write the confirmed ``changes`` into 状态 and one 日志 row through ``adapter``, then
    commit; returns the commit's result (the file's backup; None for the workbook open
    in Excel, or when there is nothing to write — then nothing is written).

    ``book`` is the register as read from ``adapter`` now: every change is checked
    against it first, and if any row's 申报编号 or 状态 is no longer what the proposal
    was made from, or a proposed 状态 is not in the 字典 list, the whole write is refused
    (:class:`~addin.errors.WriteRefused`, nothing written)."""
    if not changes:
        return None
    refuse_unreadable_tables(book, "applicants")
    refuse_ambiguous_columns(book, "applicants")
    table = book.table("applicants")
    letter = table.letter("status")
    if not letter:
        raise WriteRefused(f"“{table.sheet}”工作表中找不到“状态”列，未写入任何内容")
    rows = {r.number: r for r in table.rows}
    allowed = book.choices.get("状态", set())
    stale, bad, seen = [], [], set()
    for c in changes:
        if c.row in seen:
            bad.append(f"第{c.row}行出现了两次")
            continue
        seen.add(c.row)
        row = rows.get(c.row)
        found_id = cell_text(row.values_by_key.get("app_id")) if row else ""
        found = cell_text(row.values_by_key.get("status")) if row else ""
        if row is None or found_id != c.app_id:
            stale.append(f"第{c.row}行现为“{found_id or '空行'}”，列出时为{c.app_id}")
        elif found != c.current:
            stale.append(f"{c.app_id}（第{c.row}行）的状态现为“{found or '空白'}”，列出时为“{c.current or '空白'}”")
        if allowed and c.proposed not in allowed:
            bad.append(f"“{c.proposed}”不在“字典”的状态列表中")
    if stale:
        raise WriteRefused("列出建议后台账已有变动，未写入任何内容：" + "；".join(stale) + "。请重新列出建议、确认后再写入。")
    if bad:
        raise WriteRefused("建议的状态无法写入，未写入任何内容：" + "；".join(bad))
    adapter.write_inputs(schema.APPLICANT_SHEET, {(c.row, letter): c.proposed for c in changes}, {letter: "@"},
                         table="tblApplicants")
    detail = "经确认，按审核记录和评审会表决结果更新状态：" + "；".join(
        f"{c.app_id} {c.name}（第{c.row}行）{c.current or '空白'}→{c.proposed}（{c.reason}，{c.clause}）" for c in changes)
    values, formats = log_row(ACTION, len(changes), detail, now=now, user=user)
    adapter.append_row(schema.LOG_SHEET, "tblLog", values, formats)
    return adapter.commit()
