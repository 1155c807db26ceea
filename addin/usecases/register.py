"""Use cases on the register itself: new (and the next year), import, check, refresh, the
settings and the calendar."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import Refused
from .common import assess, backup_line, finding_line, read
from .spec import FINDINGS, OK, REFUSED, Context, Outcome


def check(ctx: Context, *, as_of: dt.datetime | None = None, json: bool = False, **_) -> Outcome:
    """校验: read and judge, write nothing."""
    _, _, ev = assess(ctx, now=as_of)
    errors = len(ev.errors)
    summary = f"共{len(ev.findings)}条，其中错误{errors}条、提醒{len(ev.findings) - errors}条。"
    lines = [finding_line(f) for f in ev.findings] + ["", summary] if ev.findings else ["校验完成，没有发现问题。", "",
                                                                                       summary]
    outcome = Outcome(lines, FINDINGS if errors else OK, findings=list(ev.findings), headline=summary)
    outcome.json = {"findings": [f.as_dict() for f in ev.findings], "errors": errors}
    return outcome


def refresh_lines(ctx: Context, *, as_of: dt.datetime | None = None, last_year: Path | None = None):
    """The refresh and what it says (also run after an import)."""
    from ..book.refresh import run_refresh

    report = run_refresh(ctx.open(True), now=as_of or ctx.now, user=ctx.user, progress=ctx.progress,
                         last_year=last_year)
    ev = report.evaluation
    name = f"“{ctx.register.name}”" if ctx.register else "台账"
    lines = [f"已刷新{name}：{report.rows}行计算列、统计表和日志已更新。"]
    if last_year is not None:
        lines.append(f"统计表已按用人单位、县市、系列专业级别与上年台账“{Path(last_year).name}”对比。")
    if report.overwritten:
        lines.append(f"以下{len(report.overwritten)}处计算列被手工修改过，已按规则重新计算（原值已记入日志）：")
        lines += [f"  {line}" for line in report.overwritten]
    lines.append(backup_line(report.backup))
    lines.append(f"发现问题{len(ev.findings)}条（错误{len(ev.errors)}条），用 zhicheng check 查看明细。")
    return report, lines


def refresh(ctx: Context, *, as_of: dt.datetime | None = None, from_: Path | None = None, compare: bool = False,
            **_) -> Outcome:
    """刷新计算: the computed columns, 统计 and 日志 (exit 1 when the register holds errors after it);
    with last year's register (``from_``; 刷新并与上年对比 asks for it), 统计 sets last year's
    figures beside this year's."""
    from .runner import NeedsValue

    if compare and from_ is None:
        raise NeedsValue("请选择上年台账（--from）：统计表将与它对比", "from_")
    report, lines = refresh_lines(ctx, as_of=as_of, last_year=from_)
    return Outcome(lines, FINDINGS if report.evaluation.errors else OK)


def _years(years) -> str:
    """2019、2020、2021、2023 -> 2019—2021、2023."""
    years = sorted(years)
    if not years:
        return "无"
    spans, start = [], years[0]
    for a, b in zip(years, years[1:] + [None]):
        if b != a + 1:
            spans.append(str(start) if start == a else f"{start}—{a}")
            start = b
    return "、".join(spans)


def settings(ctx: Context, **_) -> Outcome:
    """节假日与参数: the campaign's dates, the settings' problems and the calendar's coverage."""
    from ..book import schema
    from ..rules.base import Severity
    from ..rules.dates import format_date, format_moment

    _, book, ev = assess(ctx)
    st, cal = book.settings, book.calendar
    lines = [
        f"评审年度：{st.campaign_year}年（{st.issuer}）",
        f"网上申报：{format_date(st.apply_start)}至{format_moment(st.apply_end, midnight=True)}",
        f"评委会审核：{format_date(st.review_start)}至{format_date(st.review_end)}",
        f"材料报送：{format_date(st.material_start)}至{format_date(st.material_end)}",
        f"缴费：{format_date(st.payment_start)}至{format_date(st.payment_end)}",
        f"资历计算截止：{format_date(st.seniority_cutoff)}",
        f"单位公示{st.unit_publicity_workdays}个工作日，结果公示{st.result_publicity_workdays}个工作日",
        "",
        f"已掌握的放假安排：全国 {_years(cal.known_years)}年；新疆肉孜节、古尔邦节 {_years(cal.regional_years)}年；"
        f"节假日表补录{len(book.table('holidays').rows)}行。",
    ]
    lines += [f"注意：{cal.missing_message(st.campaign_year, f)}。" for f in cal.missing_festivals(st.campaign_year)]
    problems = [f for f in ev.findings if f.sheet in (schema.SETTINGS_SHEET, schema.HOLIDAY_SHEET)]
    if problems:
        lines += ["", f"参数与节假日表中的问题{len(problems)}条："] + [finding_line(f) for f in problems]
    return Outcome(lines, FINDINGS if any(f.severity == Severity.ERROR for f in problems) else OK)


def calendar(ctx: Context, *, year: int | None = None, **_) -> Outcome:
    """放假安排: a year's days off and weekend working days in Aksu, with their sources."""
    from .. import data
    from ..rules.calendar import ORIGIN_LABEL, UnknownYear

    cal = data.calendar()
    if ctx.opener is not None:
        book = read(ctx, ctx.open(False))
        cal = book.calendar
        year = year or book.settings.campaign_year
    year = year or ctx.now.year
    try:
        rows = cal.year_rows(year)
    except UnknownYear as exc:
        return Outcome([str(exc)], REFUSED)
    weekday = "一二三四五六日"
    lines = [f"{year}年阿克苏地区放假与调休上班安排（工作日共{cal.workdays_in(year)}天）",
             "日期        星期  类型  名称 —— 来源"]
    for r in rows:
        kind = "放假" if r.off else "上班"
        origin = ORIGIN_LABEL.get(r.origin, r.origin)
        source = origin if r.source in origin else f"{origin}：{r.source}"
        lines.append(f"{r.day.isoformat()}  周{weekday[r.day.weekday()]}  {kind}  {r.name} —— {source}")
    missing = cal.missing_festivals(year)
    if missing:
        lines.append("")
        lines += [f"注意：{cal.missing_message(year, festival)}；以上未含该节日的放假。" for festival in missing]
    return Outcome(lines)


def new(ctx: Context, *, path: Path, year: int | None = None, from_: Path | None = None, **_) -> Outcome:
    """新建台账 / 下一年度（沿用上年）."""
    from ..book.new import new_workbook

    previous = from_
    roll = new_workbook(Path(path), year, previous, user=ctx.user)
    lines = [f"已新建台账：{path}"]
    if previous:
        lines.append(f"沿用了上年台账“{Path(previous).name}”的参数、评审条件、节假日、专家库和用人单位联系方式（不含申报人员）。")
    if roll.notes:
        lines.append(f"参数已按{roll.settings.campaign_year}年度顺延（“参数”表的说明列标有【请核对】），请对照本年度通知核对；"
                     "依据文件请改为本年度文件。")
    lines += [f"  已改正 {line}" for line in roll.corrections]
    outcome = Outcome(lines, files=[Path(path)])
    outcome.out = Path(path).parent
    return outcome


def import_platform(ctx: Context, *, export: Path, overwrite: bool = False, aliases: Path | None = None,
                    as_of: dt.datetime | None = None, **_) -> Outcome:
    """导入平台导出: merge the platform's list into 申报人员, then refresh."""
    from ..book.importer import import_into

    ctx.progress("导入平台导出的名单…")
    report = import_into(ctx.open(True), Path(export), overwrite=overwrite, alias_file=Path(aliases) if aliases else None,
                         user=ctx.user, now=as_of or ctx.now)
    lines = [f"新增{len(report.added)}行，补填空白{report.filled}格，覆盖{report.updated}格，冲突{len(report.conflicts)}处"
             + (f"；审核记录新增{len(report.reviews_added)}次提交" if report.reviews_added else "") + "。"]
    lines += [f"  新增 {line}" for line in report.added]
    lines += [f"  审核记录新增 {line}" for line in report.reviews_added]
    lines += [f"  冲突 {line}" for line in report.conflicts]
    lines += [f"  跳过 {line}" for line in report.skipped]
    lines += [f"  注意 {line}" for line in report.problems]
    if report.unmapped:
        lines.append("未识别的列（未导入）：" + "、".join(report.unmapped))
    if report.conflicts and not overwrite:
        lines.append("冲突处保留了台账原值；确认以导出文件为准时加 --overwrite。")
    if not report.changed:
        return Outcome(lines)
    lines.append(backup_line(report.backup))
    lines += ["", "接着刷新计算列："]
    _, more = refresh_lines(ctx, as_of=as_of)
    return Outcome(lines + more)              # the import is done; what the register holds is check's answer


def status(ctx: Context, *, confirm: str | None = None, as_of: dt.datetime | None = None, **_) -> Outcome:
    """核对状态: the 状态 changes the verdicts call for, listed; written into 状态 (the clerk's
    column) with a log row only when the clerk confirms exactly that list (its 确认码)."""
    from ..book.status import apply_status_changes, propose_status_changes
    from .spec import digest

    adapter, book, ev = assess(ctx, now=as_of, write=bool(confirm))
    changes = propose_status_changes(book, ev)
    listed = [f"  {c}" for c in changes]
    code = digest([str(c) for c in changes])
    if not changes:
        return Outcome(["没有需要更新的状态：状态与审核记录、评审会表决结果一致。"])
    if not confirm:
        how = {"cli": f"核对无误后运行 zhicheng status {ctx.register} --confirm {code} 写入。",
               "page": "核对无误后点“确认写入状态”写入（确认码已填好）。"}.get(ctx.door.name)   # the ribbon asks itself
        outcome = Outcome([f"建议更新{len(changes)}处状态（尚未写入，须经确认）："] + listed +
                          ["", f"确认码：{code}"] + ([how] if how else []), FINDINGS)
        outcome.proposal = code
        return outcome
    if confirm.strip().lower() != code:
        raise Refused(f"确认码“{confirm}”与现在的建议（{code}）不符：列出建议后台账已有变动。请重新列出、核对后再确认；未写入任何内容。")
    backup = apply_status_changes(adapter, book, changes, now=as_of or ctx.now, user=ctx.user)
    lines = [f"已按确认写入{len(changes)}处状态，并记入日志："] + listed + [backup_line(backup), "", "接着刷新计算列："]
    _, more = refresh_lines(ctx, as_of=as_of)
    return Outcome(lines + more)


__all__ = ["status", "check", "refresh", "settings", "calendar", "new", "import_platform", "refresh_lines", "Refused"]
