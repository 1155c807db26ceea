"""What each ribbon button does, as functions of a :class:`Session`.

A session is a workbook behind the :class:`~addin.book.adapter.WorkbookAdapter`
interface plus a user interface: in Excel the live adapter and the Excel UI
(:mod:`addin.excel.live`), in the tests the file adapter and a recording UI. Every
action calls the same functions as the command line (``run_refresh``, ``evaluate``,
the outputs, the imports) and returns the :class:`Message` to show; it never talks to
Excel itself.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Protocol

from ..errors import Refused
from .. import __version__
from ..book import importer, schema
from ..book.adapter import WorkbookAdapter
from ..book.inplace import PackageAdapter
from ..book.evaluate import Evaluation, evaluate
from ..book.reader import Book, book_from_values
from ..book.refresh import current_user, run_refresh
from ..outputs import documents, finance, meeting
from ..outputs.files import OUTPUT_FOLDER
from ..outputs.publicity import build_publicity, withheld, write_publicity
from ..rules.base import Finding, Severity

TITLE = "职称评审台账"
MAX_LISTED = 20                  # findings listed in a message box
CONFIG_NAME = "zhicheng"         # xlwings PROJECT_NAME of the add-in (see addin.excel.build)
UNSAVED = "\n结果已写入打开的台账（尚未保存）：确认无误后请保存（Ctrl+S）。宏写入的内容不能用 Ctrl+Z 撤销。"


class ActionRefused(Refused):
    """An action that cannot go ahead; its (Chinese) message is shown as is."""


@dataclass
class Message:
    text: str
    title: str = TITLE
    critical: bool = False


class UI(Protocol):
    def progress(self, text: str) -> None: ...
    def busy(self) -> ContextManager[None]: ...
    def choose_file(self, title: str, filters: str) -> Path | None: ...
    def ask(self, prompt: str, title: str, default: str = "") -> str | None: ...


@dataclass
class Session:
    """A workbook and a user, for one button click."""

    open: Callable[[bool], WorkbookAdapter]        # open(write) -> adapter
    ui: UI
    workbook: Path | None                          # the register's file (None: never saved)
    now: dt.datetime = field(default_factory=dt.datetime.now)
    user: str = field(default_factory=current_user)
    selection: Callable[[], list[tuple[int, int]]] = lambda: []    # row spans selected in 申报人员

    def output_dir(self, what: str) -> Path:
        """A new folder beside the register for this run's files."""
        if self.workbook is None:
            raise ActionRefused("台账尚未保存到本机文件夹：请先保存台账，生成的文件将放在台账所在文件夹。")
        return self.workbook.parent / OUTPUT_FOLDER / f"{what}-{self.now:%Y%m%d-%H%M%S}"


def file_session(path: Path, ui: UI, **kwargs) -> Session:
    """A session on a workbook file (what the tests and a headless run use)."""
    path = Path(path)
    return Session(lambda write: PackageAdapter(path, write=write), ui, path, **kwargs)


# --- helpers ---------------------------------------------------------------------------------

def _read(s: Session, *, write: bool = False) -> tuple[WorkbookAdapter, Book]:
    adapter = s.open(write)
    s.ui.progress("读取工作簿…")
    return adapter, book_from_values(adapter.values())


def _evaluate(s: Session, book: Book) -> Evaluation:
    s.ui.progress(f"计算{len(book.table('applicants').rows)}份申报…")
    return evaluate(book, now=s.now, previous=None)


def finding_lines(findings: list[Finding], limit: int = MAX_LISTED) -> list[str]:
    """Findings as the command line prints them, at most ``limit`` of them."""
    lines = [f"[{f.severity.label}] {f}" for f in findings[:limit]]
    if len(findings) > limit:
        lines.append(f"……另有{len(findings) - limit}条未列出（命令行 zhicheng check 可列出全部）。")
    return lines


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


# --- the actions ---------------------------------------------------------------------------------

def refresh(s: Session) -> Message:
    """刷新计算: the command line's refresh, on this workbook."""
    report = run_refresh(s.open(True), now=s.now, user=s.user, progress=s.ui.progress)
    ev = report.evaluation
    text = (f"已刷新：{report.rows}行计算列、统计表和日志已更新。\n"
            f"发现问题{len(ev.findings)}条（错误{len(ev.errors)}条），点“校验”可查看明细。")
    text += f"\n原文件已备份为：{report.backup}" if report.backup else UNSAVED
    return Message(text)


def check_findings(s: Session) -> list[Finding]:
    _, book = _read(s)
    return _evaluate(s, book).findings


def check(s: Session) -> Message:
    """校验: the command line's check (nothing is written)."""
    findings = check_findings(s)
    errors = sum(1 for f in findings if f.severity == Severity.ERROR)
    summary = f"共{len(findings)}条，其中错误{errors}条、提醒{len(findings) - errors}条。"
    if not findings:
        return Message("校验完成，没有发现问题。")
    return Message("\n".join([summary, ""] + finding_lines(findings)), critical=bool(errors))


def settings(s: Session) -> Message:
    """节假日与参数: the campaign's dates, the settings' problems and the calendar coverage."""
    from ..rules.dates import format_date

    _, book = _read(s)
    st, cal = book.settings, book.calendar
    lines = [
        f"评审年度：{st.campaign_year}年（{st.issuer}）",
        f"网上申报：{format_date(st.apply_start)}至{format_date(st.apply_end.date())}{st.apply_end:%H:%M}",
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
    problems = [f for f in _evaluate(s, book).findings if f.sheet in (schema.SETTINGS_SHEET, schema.HOLIDAY_SHEET)]
    if problems:
        lines += ["", f"参数与节假日表中的问题{len(problems)}条："] + finding_lines(problems)
    return Message("\n".join(lines), critical=any(f.severity == Severity.ERROR for f in problems))


def _config_files(s: Session) -> list[str]:
    home = Path(os.environ.get("USERPROFILE") or Path.home())
    candidates = [home / f".{CONFIG_NAME}" / f"{CONFIG_NAME}.conf"]
    if s.workbook is not None:
        candidates.insert(0, s.workbook.parent / f"{CONFIG_NAME}.conf")
    out = []
    for path in candidates:
        if path.exists():
            out.append(f"{path}（已找到）")
        else:
            out.append(f"{path}（无）")
    return out


def about(s: Session) -> Message:
    """关于: versions, the interpreter, the config files looked at, the calendar's years."""
    import xlwings

    from .. import data

    cal = data.calendar()
    lines = [
        f"职称评审台账 {__version__}",
        f"xlwings {xlwings.__version__}，Python {sys.version.split()[0]}",
        f"Python 程序：{sys.executable}",
        "配置文件：",
        *[f"  {line}" for line in _config_files(s)],
        f"内置放假安排：全国 {_years(cal.known_years)}年；新疆肉孜节、古尔邦节 {_years(cal.regional_years)}年。",
        "",
        "规则依据：关于开展阿克苏地区工程系列公路、运输等3个专业2024年度职称评审及民营企业专项评审工作的通知。",
    ]
    return Message("\n".join(lines))


def _documents(s: Session, selected: bool) -> Message:
    """生成材料: as ``zhicheng docs`` (Word only), with the templates staff keep beside
    the register, for every applicant or the rows selected in 申报人员."""
    _, book = _read(s)
    ids = None
    if selected:
        spans = s.selection()
        table = book.table("applicants")
        chosen = [r for r in table.rows if any(a <= r.number <= b for a, b in spans)]
        ids = [str(r.values_by_key.get("app_id") or "").strip() for r in chosen]
        ids = [i for i in ids if i]
        if not ids:
            return Message("请先在“申报人员”表中选中要生成材料的行（可多选），再点“生成材料（选中行）”。")
    out = s.output_dir("材料")
    result = documents.generate_documents(book, out, ids=ids, pdf=False, progress=s.ui.progress,
                                          templates=documents.templates_folder_for(s.workbook))
    who = f"{len(ids)}名选中的申报人" if ids else "全部申报人"
    lines = [f"已为{who}生成材料（{len(result)}个文件），保存在：\n{out}"]
    if result.problems:
        lines += ["", f"需要核对{len(result.problems)}处（文档中显示为“（未填）”等）："]
        lines += [str(p) for p in result.problems[:MAX_LISTED]]
        if len(result.problems) > MAX_LISTED:
            lines.append(f"……另有{len(result.problems) - MAX_LISTED}处未列出。")
    if result.report_file:
        lines.append(f"完整情况见：{result.report_file}")
    return Message("\n".join(lines))


def documents_all(s: Session) -> Message:
    return _documents(s, selected=False)


def documents_selected(s: Session) -> Message:
    return _documents(s, selected=True)


def roster(s: Session) -> Message:
    """评审会名单: as ``zhicheng roster`` (a refresh first: it assigns and stores the codes)."""
    report = run_refresh(s.open(True), now=s.now, user=s.user, progress=s.ui.progress)
    s.ui.progress("生成评审会名单…")
    result = meeting.build_roster(report.book, report.evaluation)
    out = s.output_dir("评审会名单")
    files = meeting.write_roster(result, out)
    held = meeting.held_back_lines(report.book, report.evaluation)
    note = ("\n\n符合上会条件但因状态或同一人两种方式申报（三）未列入的：\n" + "\n".join(held)) if held else ""
    return Message(f"{result.header}：上会{len(result.entries)}人，未列入{len(result.excluded)}人（台账已先刷新）。\n"
                   f"已生成{len(files)}个文件，保存在：\n{out}\n"
                   f"只把“{meeting.TO_COMMITTEE}”文件夹交给评委；“{meeting.KEPT_IN_OFFICE}”（内部名单、编号对照表）"
                   f"由组织人事科保管。{note}")


def draw(s: Session) -> Message:
    """抽取评委: as ``zhicheng draw`` (secure random source), on this workbook; when the
    register already holds a draw, a re-draw asks for its reason (logged)."""
    from ..book.draw import plan_draw, apply_draw, secure_random
    from ..outputs.meeting_record import draw_record, draw_record_name, save
    from ..rules.panel import DrawRefused

    adapter, book = _read(s, write=True)
    reason = None
    if _drawn_before(book):
        reason = s.ui.ask("本次评审会已经抽取过评委。重新抽取会记入日志和抽取记录，请写明原因：", "重新抽取评委")
        if not reason or not reason.strip():
            return Message("已取消，未重新抽取（原抽取结果不变）。")
    s.ui.progress("抽取评委…")
    try:
        report = plan_draw(book, now=s.now, user=s.user, rng=secure_random(), reason=reason)
    except DrawRefused as exc:
        raise ActionRefused(str(exc)) from exc
    apply_draw(adapter, book, report)
    record = save(draw_record(report), s.output_dir("评委抽取") / draw_record_name(report.number))
    d = report.draw
    lines = [f"第{report.number}次抽取：专家库{len(d.pool)}人，排除{len(d.exclusions)}人（回避或不能参加）。",
             "评委：" + "、".join(f"{e.code} {e.name}" for e in d.panel),
             "候补：" + ("、".join(f"{e.code} {e.name}" for e in d.reserves) or "无"),
             *[f"注意：{w}" for w in report.warnings],
             "", "抽取结果已写入“评委”表和日志。" + (f"\n原文件已备份为：{report.backup}" if report.backup else UNSAVED),
             f"抽取记录（请打印签字）：\n{record}"]
    return Message("\n".join(lines), critical=bool(report.warnings))


def _drawn_before(book: Book) -> bool:
    from ..book.draw import previous_draws

    return bool(previous_draws(book)) or any(r.values_by_key.get("draw_result") for r in book.table("experts").rows)


def next_workday(book: Book, day: dt.date) -> dt.date:
    """``day`` when it is an Aksu working day, else the next one."""
    return day if book.calendar.is_workday(day) else book.calendar.add_workdays(day, 1)


def publicity(s: Session) -> Message:
    """公示名单: as ``zhicheng publicity`` with the start date asked for."""
    from ..rules.dates import format_date, parse_date

    _, book = _read(s)
    default = next_workday(book, s.now.date())
    answer = s.ui.ask("评审结果公示的开始日期（如 2024-10-21）：", "公示名单", default.isoformat())
    if answer is None:
        return Message("已取消，未生成公示名单。")
    parsed = parse_date(answer)
    if parsed.value is None:
        raise ActionRefused(f"公示开始日期：{parsed.finding.message if parsed.finding else '日期为空'}")
    start = parsed.value
    ev = _evaluate(s, book)
    table, end = build_publicity(book, ev, start)
    files = write_publicity(table, s.output_dir("公示名单"))
    held = withheld(book, ev)
    note = ("\n\n状态为“评审通过”但表决结果不支持、未列入公示的：\n" + "\n".join(str(f) for f in held)) if held else ""
    return Message(f"公示{len(table.rows)}人，{format_date(start)}至{format_date(end)}"
                   f"（{book.settings.result_publicity_workdays}个工作日）。\n"
                   f"已生成{len(files)}个文件，保存在：\n{Path(files[0]).parent if files else ''}{note}")


def finance_export(s: Session) -> Message:
    """导出财务表: as ``zhicheng finance export``."""
    _, book = _read(s)
    ev = _evaluate(s, book)
    folder = s.output_dir("财务")
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"财务缴费表-{s.now:%Y%m%d-%H%M}.xlsx"
    finance.export_finance(book, ev, out)
    return Message(f"已生成财务表：{finance.export_summary(ev, finance.dues(book, ev))}。\n{out}")


def finance_import(s: Session) -> Message:
    """导入缴费: as ``zhicheng finance import``, applied through the adapter (so it works
    on the open workbook): the entries are validated (``plan_import``), the merged ones
    appended to 缴费 with a log row (``apply_import``, as the command line does)."""
    path = s.ui.choose_file("选择财务录入的缴费表", "Excel 工作簿 (*.xlsx),*.xlsx")
    if path is None:
        return Message("已取消，未导入。")
    try:
        rows = finance.read_entries(Path(path))
    except ValueError as exc:
        raise ActionRefused(str(exc)) from exc
    adapter, book = _read(s, write=True)
    plan = finance.plan_import(book, _evaluate(s, book), rows)
    if plan.merged:
        s.ui.progress(f"写入{len(plan.merged)}笔缴费…")
    backup = finance.apply_import(adapter, plan, now=s.now, user=s.user, source_name=Path(path).name)
    lines = [f"导入{len(plan.merged)}笔缴费。"]
    if plan.findings:
        lines += ["", f"问题{len(plan.findings)}条："] + finding_lines(plan.findings)
    if plan.merged:
        lines += ["", "请点“刷新计算”更新已缴费用和欠费。" + ("" if backup else UNSAVED)]
    return Message("\n".join(lines), critical=any(f.severity == Severity.ERROR for f in plan.findings))


def import_platform(s: Session) -> Message:
    """导入平台数据: as ``zhicheng import`` (without --overwrite), on this workbook: new
    rows added, empty input cells filled, differences listed as conflicts."""
    path = s.ui.choose_file("选择平台导出的名单", "Excel 工作簿 (*.xlsx),*.xlsx,CSV 文件 (*.csv),*.csv")
    if path is None:
        return Message("已取消，未导入。")
    s.ui.progress("导入平台数据…")
    report = importer.import_into(s.open(True), Path(path), now=s.now, user=s.user)
    lines = [f"新增{len(report.added)}行，补填空白{report.filled}格，冲突{len(report.conflicts)}处。"]
    for label, items in (("新增", report.added), ("冲突", report.conflicts), ("跳过", report.skipped)):
        lines += [f"{label} {item}" for item in items[:MAX_LISTED]]
        if len(items) > MAX_LISTED:
            lines.append(f"……另有{len(items) - MAX_LISTED}条{label}未列出（命令行 zhicheng import 可列出全部）。")
    if report.unmapped:
        lines.append("未识别的列（未导入）：" + "、".join(report.unmapped))
    if report.conflicts:
        lines.append("冲突处保留了台账原值。")
    if report.added or report.filled:
        lines += ["", "请点“刷新计算”更新计算列。" + (f"\n原文件已备份为：{report.backup}" if report.backup else UNSAVED)]
    return Message("\n".join(lines))
