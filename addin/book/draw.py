"""``zhicheng draw`` (and the ribbon's 抽取评委): draw the meeting's panel from the
expert pool and record it.

read -> evaluate (who is on the roster) -> check the pool -> draw (rules.panel, from the
random source given: :class:`secrets.SystemRandom` in the product) -> write 评委's
抽取结果/抽取说明 and one 日志 row -> commit (for a file: the safe save with backup).
A draw is never repeated silently: when the register already holds one, a re-draw
needs a reason, and both are in the log. Nothing is written when the draw is refused.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from ..rules.settings import Settings
from ..rules.panel import ALL_SPECIALTIES, Candidate, Draw, DrawRefused, Expert, draw_panel, pool_problems
from . import schema
from .adapter import WorkbookAdapter
from ..rules.meeting import MEETING_DUE
from .evaluate import evaluate
from .panel import candidates, locate, read_pool
from .reader import Book, book_from_values, cell_text as _text, error_row_lines, error_rows
from .writes import log_row, refuse_ambiguous_columns, write_sheet_cells

DRAW_ACTION, REDRAW_ACTION = "抽取评委", "重新抽取评委"
SOURCE_LABEL = "计算机随机抽取（操作系统安全随机数 secrets.SystemRandom）"


class ReasonNeeded(DrawRefused):
    """The register holds a draw already: a re-draw needs its reason (the ribbon asks for it)."""


def secure_random() -> random.Random:
    """The product's random source: the operating system's (not reproducible, not seeded)."""
    return secrets.SystemRandom()


@dataclass
class DrawReport:
    draw: Draw
    number: int                      # 第n次抽取
    reason: str                      # why a re-draw ("" for the first)
    at: dt.datetime
    user: str
    roster: list[Candidate]
    settings: Settings
    committee: str
    backup: Path | None = None
    due: int | None = None           # of ``roster``, those due at the meeting (the rest are only held back)

    @property
    def warnings(self) -> list[str]:
        return self.draw.warnings


def previous_draws(book: Book) -> list[dict]:
    """日志 rows of earlier draws, oldest first."""
    return [r.values_by_key for r in book.table("log").rows
            if _text(r.values_by_key.get("action")) in (DRAW_ACTION, REDRAW_ACTION)]


def group_label(specialty: str) -> str:
    return "全部专业" if specialty == ALL_SPECIALTIES else specialty


def _codes(experts: list[Expert]) -> str:
    return "、".join(e.code for e in experts) or "无"


def log_detail(report: DrawReport) -> str:
    """The draw as one 日志 line: number, source, pool, exclusions with reasons, panel, reserves."""
    d = report.draw
    parts = [f"第{report.number}次抽取" + (f"（重新抽取，原因：{report.reason}）" if report.reason else ""),
             SOURCE_LABEL,
             f"专家库{len(d.pool)}人，参加抽取{len(d.pool) - len(d.exclusions)}人，排除{len(d.exclusions)}人"
             + ("：" + "；".join(f"{e.code} {why}" for e, why in d.exclusions) if d.exclusions else ""),
             "评委：" + "；".join(f"{group_label(g.quota.specialty)} {_codes(g.panel)}" for g in d.groups),
             "候补（按顺序）：" + "；".join(f"{group_label(g.quota.specialty)} {_codes(g.reserves)}" for g in d.groups)]
    parts += d.warnings
    return "。".join(parts)


def plan_draw(book: Book, *, now: dt.datetime, user: str, rng: random.Random, reason: str | None = None) -> DrawReport:
    """The draw for this register, or :class:`DrawRefused` (nothing to write)."""
    refuse_ambiguous_columns(book, "experts", "log")
    table = book.table("experts")
    missing = [c.header for c in schema.EXPERT_COLUMNS if table.letter(c.key) is None]
    if not table.present or missing:
        raise DrawRefused(f"“{table.sheet}”工作表缺少列" + "、".join(f"“{m}”" for m in missing) +
                          "（专家库须有可参加、回避关系、回避对象、抽取结果等列，可用 zhicheng new 新建台账后复制专家），未抽取")
    ev = evaluate(book, now=now, previous=None)
    roster = candidates(book, ev.computed, ev.held_back)
    if not roster:
        raise DrawRefused("上会名单为空（没有材料已接收、已缴费且资格符合的申报），无需抽取评委；未抽取")
    pool, findings = read_pool(book)
    if not pool:
        raise DrawRefused(f"“{table.sheet}”表中没有专家，未抽取")
    people = [_text(r.values_by_key.get(k)) for r in book.table("applicants").rows for k in ("app_id", "name")]
    findings += [locate(table, f) for f in pool_problems(pool, people)]
    if findings:
        raise DrawRefused("专家库有问题，未抽取（修改后再抽取）：\n" + "\n".join(str(f) for f in findings))
    # recusal compares employers and names: a cell showing an Excel error value (a broken
    # VLOOKUP) could let an expert with an interest through, so the draw waits for it (issue 19.9)
    due_rows = {r.number for r in book.table("applicants").rows
                if _text(r.values_by_key.get("app_id")) in {c.app_id for c in roster}}
    broken = error_row_lines(book, sorted(set(error_rows(book)) & due_rows), "评委抽取") + \
        error_row_lines(book, sorted(error_rows(book, "experts")), "评委抽取", key="experts")
    if broken:
        raise DrawRefused("以下单元格显示 Excel 错误值，回避无法判断，未抽取（改正后再抽取）：\n" + "\n".join(broken))
    earlier = previous_draws(book)
    drawn_before = earlier or any(e.role for e in pool)
    reason = (reason or "").strip()
    if drawn_before and not reason:
        last = earlier[-1] if earlier else None
        when = f"已于{last['at']:%Y-%m-%d %H:%M}由{_text(last.get('user')) or '未知'}抽取过评委" if last and isinstance(
            last.get("at"), dt.datetime) else "“评委”表中已有抽取结果"
        raise ReasonNeeded(f"{when}。重新抽取会在日志中留下记录，须说明原因（--redraw）；未抽取")
    if not drawn_before:
        reason = ""
    draw = draw_panel(pool, roster, book.settings, rng)
    s = book.settings
    due = sum(1 for row in book.table("applicants").rows if ev.computed[row.number].get("meeting_due") == MEETING_DUE)
    return DrawReport(draw, len(earlier) + 1, reason, now.replace(microsecond=0), user, roster, s,
                      f"{s.committee_name}{s.campaign_year}年度职称评审会", due=due)


def apply_draw(adapter: WorkbookAdapter, book: Book, report: DrawReport) -> Path | None:
    """Write the draw into 评委 (抽取结果, 抽取说明) and 日志, then commit."""
    roles = report.draw.roles()
    rows = {e.ref: {"draw_result": roles[e.code][0], "draw_note": roles[e.code][1] or None} for e in report.draw.pool}
    write_sheet_cells(adapter, book, "experts", rows)
    values, formats = log_row(REDRAW_ACTION if report.reason else DRAW_ACTION, len(report.draw.pool),
                              log_detail(report), now=report.at, user=report.user)
    adapter.append_row(schema.LOG_SHEET, "tblLog", values, formats)
    report.backup = adapter.commit()
    return report.backup


def run_draw(adapter: WorkbookAdapter, *, now: dt.datetime, user: str, rng: random.Random | None = None,
             reason: str | None = None) -> DrawReport:
    """The draw on any workbook adapter (file or the workbook open in Excel)."""
    book = book_from_values(adapter.values())
    report = plan_draw(book, now=now, user=user, rng=rng or secure_random(), reason=reason)
    apply_draw(adapter, book, report)
    return report
