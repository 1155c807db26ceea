"""Use cases of the review meeting: the draw of the panel, the defence score forms, the
roster, the sealed meeting record."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..book.codes import refuse_doubtful_codes
from .common import backup_line, files_lines, read
from .runner import NeedsValue
from .spec import FINDINGS, OK, Context, Outcome


def draw(ctx: Context, *, out: Path, redraw: str | None = None, as_of: dt.datetime | None = None, **_) -> Outcome:
    """抽取评委: the panel and reserves from the expert pool (the OS's secure random source)."""
    from ..book.draw import ReasonNeeded, apply_draw, plan_draw, secure_random
    from ..outputs.meeting_record import draw_record, draw_record_name, save

    adapter = ctx.open(True)
    book = read(ctx, adapter)
    ctx.progress("抽取评委…")
    try:
        report = plan_draw(book, now=as_of or ctx.now, user=ctx.user, rng=secure_random(), reason=redraw)
    except ReasonNeeded as exc:
        raise NeedsValue(str(exc), "redraw", "本次评审会已经抽取过评委。重新抽取会记入日志和抽取记录，请写明原因：") from exc
    apply_draw(adapter, book, report)
    record = save(draw_record(report), Path(out) / draw_record_name(report.number))
    d = report.draw
    lines = [f"第{report.number}次抽取：专家库{len(d.pool)}人，排除{len(d.exclusions)}人；"
             f"评委{'、'.join(e.code for e in d.panel)}；候补{'、'.join(e.code for e in d.reserves) or '无'}。"]
    lines += [f"  排除 {e.code} {e.name}：{why}" for e, why in d.exclusions]
    lines += [f"注意：{w}" for w in report.warnings]
    lines.append("抽取结果已写入“评委”表和日志。" + backup_line(report.backup))
    lines.append("抽取记录（请打印，由抽取人、监督人签字）：")
    lines += files_lines([record])
    return Outcome(lines, FINDINGS if report.warnings else OK, files=[record], out=Path(out))


def _refreshed(ctx: Context, as_of: dt.datetime | None):
    from ..book.refresh import run_refresh

    return run_refresh(ctx.open(True), now=as_of or ctx.now, user=ctx.user, progress=ctx.progress)


def roster(ctx: Context, *, out: Path, date: dt.date | None = None, as_of: dt.datetime | None = None,
           all: bool = False, **_) -> Outcome:  # noqa: A002 - the option's name
    """评审会名单: refresh first (it assigns and stores the blind codes), then the rosters."""
    from ..book.evaluate import MEETING_DUE
    from ..book.reader import error_row_lines
    from ..outputs.meeting import KEPT_IN_OFFICE, TO_COMMITTEE, build_roster, held_back_lines, write_roster

    report = _refreshed(ctx, as_of)
    refuse_doubtful_codes(report.book, report.evaluation, "评审会名单")      # issue 19.5
    ctx.progress("生成评审会名单…")
    result = build_roster(report.book, report.evaluation, date=date, include_held_back=all)
    files = write_roster(result, Path(out))
    lines = [f"{result.header}：上会{len(result.entries)}人，未列入{len(result.excluded)}人（台账已先刷新）。"]
    lines += files_lines(files)
    lines.append(f"只把“{TO_COMMITTEE}”文件夹交给评委；“{KEPT_IN_OFFICE}”（内部名单、编号对照表）由组织人事科保管。")
    held = held_back_lines(report.book, report.evaluation)
    if held and not all:
        lines += ["", f"以下{len(held)}份申报符合上会条件，但同一人两种方式申报（三）尚未处理，未列入"
                      "（处理后重新生成；确需列入时选 --all）："]
        lines += [f"  {line}" for line in held]
    errors = error_row_lines(report.book, [r.number for r in report.book.table("applicants").rows
                                           if report.evaluation.computed[r.number].get("meeting_due") == MEETING_DUE
                                           or all and r.number in report.evaluation.held_back], "评审会名单")
    if errors:                                # an Excel error value is never printed (issue 19.9)
        lines += ["", f"以下{len(errors)}份申报的单元格显示错误值，未列入评审会名单："] + [f"  {line}" for line in errors]
    return Outcome(lines, FINDINGS if errors else OK, files=files, out=Path(out))


def record(ctx: Context, *, out: Path, forms: bool = False, as_of: dt.datetime | None = None, **_) -> Outcome:
    """答辩评分表 (before the meeting) or 评审会议记录 (after it): refresh first (the tally
    is the register's own)."""
    from ..outputs.meeting import KEPT_IN_OFFICE, TO_COMMITTEE
    from ..outputs.meeting_record import build_meeting_record, write_meeting_records
    from ..outputs.scoring import score_forms

    now = as_of or ctx.now
    report = _refreshed(ctx, as_of)
    refuse_doubtful_codes(report.book, report.evaluation, "答辩评分表" if forms else "评审会议记录")
    office, committee = Path(out) / KEPT_IN_OFFICE, Path(out) / TO_COMMITTEE
    if forms:
        files = score_forms(report.book, report.evaluation, committee, now=now)
        lines = [f"已为{len(files)}位抽取的评委（含候补）生成答辩评分表（每位需答辩的申报一页）。"] + files_lines(files)
        return Outcome(lines, OK, files=files, out=Path(out))
    result = build_meeting_record(report.book, report.evaluation)
    files = write_meeting_records(result, office, committee, now=now)
    lines = [f"{result.name}：抽取评委{result.members}人，出席{len(result.seated)}人；表决{len(result.votes)}份，"
             f"赞成票须达{result.needed}票。"]
    lines += [f"  待核 {problem}" for problem in result.problems]
    lines += files_lines(files)
    return Outcome(lines, FINDINGS if result.problems else OK, files=files, out=Path(out))
