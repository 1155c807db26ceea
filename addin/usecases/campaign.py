"""Use cases of the campaign as a whole: the notices to applicants (通知申报人)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .common import assess, backup_line, files_lines, unread_lines
from .spec import FINDINGS, OK, Context, Outcome


def notify(ctx: Context, *, out: Path, date: dt.date | None = None, resend: bool = False, **_) -> Outcome:
    """通知申报人: the notices due on ``date`` (default today), as a file for the SMS platform
    and a call list; one 日志 row lists them, so that the next run leaves them out."""
    from ..book import schema
    from ..book.writes import log_row
    from ..outputs.notices import NOTIFY_ACTION, log_detail, plan_notices, summary_lines, write_notices

    on = date or ctx.now.date()
    moment = ctx.now if on == ctx.now.date() else dt.datetime.combine(on, dt.time.min)   # judged as that day begins
    adapter, book, ev = assess(ctx, now=moment, write=True)
    lines = unread_lines(book)
    ctx.progress("整理应通知的事项…")
    plan = plan_notices(book, ev, on, resend=resend)
    lines += summary_lines(plan)
    code = FINDINGS if plan.problems else OK
    if not plan.entries:
        lines.insert(len(lines) - len(summary_lines(plan)), "没有需要生成的通知（未生成文件，未写入日志）。")
        return Outcome(lines, code)
    files = write_notices(plan, book, Path(out), now=ctx.now)
    folder = (ctx.destination or Path(out)).name
    values, formats = log_row(NOTIFY_ACTION, len({e.app_id for e in plan.entries}), log_detail(plan, folder),
                              now=ctx.now, user=ctx.user)
    adapter.append_row(schema.LOG_SHEET, "tblLog", values, formats)
    backup = adapter.commit()
    lines += ["", "已生成（短信文件上传政务短信平台；电话通知名单打印后逐一电话通知）："] + files_lines(files)
    lines.append(f"本次通知已记入“日志”（下次不再重复列入）。{backup_line(backup)}")
    return Outcome(lines, code, files=files, out=Path(out))
