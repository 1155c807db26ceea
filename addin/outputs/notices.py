"""``zhicheng notify``: who to contact about what on a day, and the files to do it with.

For each application the notices due on the day (:func:`addin.rules.notices.due_notices`)
are made from its one stage and the values the evaluation computed (补正截止, the fee
due and paid, the meeting and its tally) and, for refunds, from
:func:`addin.outputs.finance.refunds`. Each notice goes:

- by text message when the applicant's 联系电话 holds a mobile number: a workbook for the
  government SMS platforms, one message a row under 手机号码 and 短信内容 (the first sheet,
  as the platforms import it), with a second sheet to check them (who, which notice,
  the clause, the characters counted with the platform's signature and the messages a
  text is billed as — one over a single message is flagged);
- by telephone otherwise: a printable call list (the official print kit, .xlsx and
  .docx) with the number to call — a fixed line, else the employer's contact phone of
  用人单位 — and the text to read.

Every run that makes files writes one 日志 row naming each notice (申报编号 and the
notice's tag); the next run leaves out what was already listed, and says when it was
(``resend`` lists it again). Nothing is made for an application whose 状态 and 审核记录
disagree (it is named), and a notice that cannot be written truthfully (a wrong setting
it quotes) is held and named.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from ..book.employers import employer_contacts
from ..book.evaluation import Evaluation
from ..book.reader import Book, cell_text
from ..rules.base import Severity
from ..rules.catalog import clean_word
from ..rules.contact import parse_phone, sms_segments
from ..rules.dates import format_date, format_moment, parse_datetime
from ..rules.meeting import MEETING_DUE
from ..rules.notices import KINDS, Facts, Held, Notice, due_notices
from ..rules.settings import validate_settings
from .tables import Column, PrintTable, neutralise, workbook_properties, write_docx, write_sheet, write_xlsx

#: the 日志 action of a run that made notices
NOTIFY_ACTION = "生成通知"
SMS_SHEET, CHECK_SHEET = "短信", "核对"
SMS_HEADERS = ("手机号码", "短信内容")
CONFIDENTIAL = "内部资料 注意保密"
_ITEMS = re.compile(r"：(.*)$", re.S)


@dataclass
class Entry:
    """One person and one notice."""

    app_id: str
    name: str
    employer: str
    notice: Notice
    mobile: str | None              # where the text goes; None: telephoned
    call: str = ""                  # the number to call (a fixed line, else the employer's)
    length: int = 0                 # characters with the signature
    segments: int = 0               # messages it is sent and billed as

    @property
    def key(self) -> tuple[str, str]:
        return self.app_id, self.notice.tag


@dataclass
class NoticePlan:
    on: dt.date
    signature: str
    entries: list[Entry] = field(default_factory=list)                   # made this time
    repeated: list[tuple[Entry, dt.datetime]] = field(default_factory=list)  # listed by an earlier run, left out
    held: dict[str, list[str]] = field(default_factory=dict)             # due, not made: why -> who
    waiting: dict[str, list[str]] = field(default_factory=dict)          # not yet announced: reason -> who
    unsettled: list[str] = field(default_factory=list)                   # 状态 and 审核记录 disagree: nothing made
    phones: list[str] = field(default_factory=list)                      # a 联系电话 that is not a phone number

    @property
    def texts(self) -> list[Entry]:
        return [e for e in self.entries if e.mobile]

    @property
    def calls(self) -> list[Entry]:
        return [e for e in self.entries if not e.mobile]

    @property
    def long(self) -> list[Entry]:
        return [e for e in self.texts if e.segments > 1]

    @property
    def problems(self) -> bool:
        return bool(self.held or self.unsettled or self.phones)


def sent_before(book: Book) -> dict[tuple[str, str], dt.datetime]:
    """What earlier runs listed (日志 rows of :data:`NOTIFY_ACTION`): (申报编号, notice tag)
    -> when it was listed (the first time)."""
    out: dict[tuple[str, str], dt.datetime] = {}
    for row in book.table("log").rows:
        v = row.values_by_key
        if cell_text(v.get("action")) != NOTIFY_ACTION:
            continue
        at = parse_datetime(v.get("at")).value
        match = _ITEMS.search(cell_text(v.get("detail")))
        if at is None or not match:
            continue
        for item in match.group(1).split("；"):
            app_id, _, tag = item.strip().partition(" ")
            if app_id and tag:
                out.setdefault((app_id, tag), at)
    return out


def wrong_settings(book: Book) -> frozenset[str]:
    """The settings found wrong: by :func:`validate_settings`, or a value the register's 参数
    could not read (the default stands in for it)."""
    table = book.table("settings")
    key_by_row = {r.number: clean_word(r.values_by_key.get("key")) for r in table.rows}
    wrong = {f.column for f in validate_settings(book.settings) if f.severity == Severity.ERROR and f.column}
    wrong |= {key_by_row[f.row] for f in book.findings
              if f.sheet == table.sheet and f.severity == Severity.ERROR and f.row in key_by_row}
    return frozenset(wrong)


def _who(app_id: str, name: str) -> str:
    return f"{app_id} {name}".strip()


def plan_notices(book: Book, ev: Evaluation, on: dt.date, *, resend: bool = False) -> NoticePlan:
    """The notices due on ``on`` for every application of ``book`` (judged as ``ev``)."""
    from ..data import setting_labels
    from .finance import refunds
    from .meeting import meeting_date

    s = book.settings
    plan = NoticePlan(on, s.sms_signature)
    wrong = wrong_settings(book)
    labels = setting_labels()
    refunded = {r.app_id: r.paid for r in refunds(book, ev)}
    contacts = employer_contacts(book)
    before = sent_before(book)
    meeting_day = meeting_date(book)
    table = book.table("applicants")
    for row in table.rows:
        v, c = row.values_by_key, ev.computed[row.number]
        stage = ev.stages.get(row.number)
        app_id, name = cell_text(v.get("app_id")), cell_text(v.get("name"))
        if stage is None:
            continue
        if not stage.settled:
            why = stage.conflict.message if stage.conflict else "状态与审核记录不一致"
            plan.unsettled.append(f"{_who(app_id, name)}（申报人员第{row.number}行）：{why}")
            continue
        facts = Facts(title=cell_text(v.get("target_title")) or "职称", stage=stage, deadline=stage.review.deadline,
                      fee_due=c.get("fee_due"), fee_paid=float(c.get("fee_paid") or 0),
                      on_meeting=c.get("meeting_due") == MEETING_DUE, defence=c.get("defense") == "需答辩",
                      result=c.get("meeting_result"), meeting_day=meeting_day, refund=refunded.get(app_id, 0.0))
        due = due_notices(facts, s, on, book.calendar, wrong, labels)
        if not due:
            continue
        if not app_id:
            plan.held.setdefault("没有申报编号，通知无法记入日志，暂不生成", []).append(f"{name}（申报人员第{row.number}行）")
            continue
        phone = parse_phone(v.get("phone"))
        if phone.finding:
            plan.phones.append(f"{_who(app_id, name)}（申报人员第{row.number}行 {table.letter('phone')}列）："
                               f"{phone.finding.message}，改为电话通知（单位电话）")
        mobile = phone.value.mobile if phone.value else None
        call = phone.value.fixed if phone.value else None
        if not mobile and not call:
            unit = contacts.get(clean_word(v.get("employer")))
            call = f"{unit[1]}（单位{unit[0]}）" if unit and unit[1] else "无（请向所在单位询问）"
        employer = cell_text(v.get("employer"))
        for made in due:
            if isinstance(made, Held):
                if made.waiting:
                    plan.waiting.setdefault(f"{made.kind}：{made.reason}", []).append(_who(app_id, name))
                else:
                    plan.held.setdefault(f"{made.kind}（{made.clause}）：{made.reason}", []).append(_who(app_id, name))
                continue
            length = len(s.sms_signature) + len(made.text)
            entry = Entry(app_id, name, employer, made, mobile, "" if mobile else (call or ""), length,
                          sms_segments(length, s.sms_single_chars, s.sms_segment_chars))
            when = before.get(entry.key)
            if when is not None:
                plan.repeated.append((entry, when))
                if not resend:
                    continue
            plan.entries.append(entry)
    plan.entries.sort(key=lambda e: (KINDS.index(e.notice.kind), e.app_id))
    return plan


def log_detail(plan: NoticePlan, folder: str = "") -> str:
    """The 日志 row of a run: the day, the counts, then every notice as “申报编号 tag”
    (what :func:`sent_before` reads back)."""
    where = f"（{folder}）" if folder else ""
    return (f"通知日期{format_date(plan.on)}，短信{len(plan.texts)}条、电话通知{len(plan.calls)}条{where}："
            + "；".join(f"{e.app_id} {e.notice.tag}" for e in plan.entries))


# --- the files ---------------------------------------------------------------------------------

def sms_workbook(plan: NoticePlan, path: Path, *, title: str, now: dt.datetime | None = None) -> Path:
    """The workbook for the SMS platform: 短信 (手机号码, 短信内容: one message a row, the
    number stored as text) and 核对 (who, which notice, clause, length, segments)."""
    wb = Workbook()
    ws = wb.active
    ws.title = SMS_SHEET
    ws.append(list(SMS_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for entry in plan.texts:
        ws.append([entry.mobile, entry.notice.text])
    for row in ws.iter_rows(min_row=2):
        row[0].number_format = "@"
        row[0].data_type = "s"
        neutralise(row[1])
    # one message a line, wide enough to be read whole; printed landscape, one page wide
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = min(250, 4 + 2.2 * max([len(e.notice.text) for e in plan.texts] + [10]))
    ws.freeze_panes = "A2"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    write_sheet(wb.create_sheet(CHECK_SHEET), check_table(plan, title))
    workbook_properties(wb, title, "通知短信", now)
    wb.save(path)
    return path


def check_table(plan: NoticePlan, title: str) -> PrintTable:
    s = plan.signature
    rows = [[i, e.app_id, e.name, e.notice.kind, e.notice.clause, e.mobile, e.length, e.segments,
             e.notice.text] for i, e in enumerate(plan.texts, start=1)]
    long = len(plan.long)
    notes = [f"通知日期：{format_date(plan.on)}。短信共{len(rows)}条；字数含短信平台自动加上的签名“{s}”"
             f"（{len(s)}字）。" + (f"其中{long}条超过一条短信的字数，将按“条数”列拆分发送和计费，请核对。" if long else
                                   "每条都在一条短信的字数之内。")]
    return PrintTable(title + "（核对）", [Column("序号", 5), Column("申报编号", 10), Column("姓名", 10), Column("通知事项", 8),
                                        Column("依据", 7), Column("手机号码", 12), Column("字数", 5, "0"),
                                        Column("条数", 5, "0"), Column("短信内容", 40, wrap=True)],
                      rows, notes=notes, confidential=CONFIDENTIAL, signatures=("制表人", "审核人"),
                      properties_title=title + "（核对）")


def call_table(plan: NoticePlan, title: str) -> PrintTable:
    rows = [[i, e.app_id, e.name, e.call, e.notice.kind, e.notice.text, ""]
            for i, e in enumerate(plan.calls, start=1)]
    notes = [f"通知日期：{format_date(plan.on)}。以下{len(rows)}项通知的申报人没有登记手机号码（或号码有误），"
             "请按“联系电话”电话通知，在“通知情况”栏记下通知时间和接听人。"]
    return PrintTable(title, [Column("序号", 5), Column("申报编号", 10), Column("姓名", 10), Column("联系电话", 13),
                              Column("通知事项", 6), Column("通知内容", 40, wrap=True), Column("通知情况", 16, wrap=True)],
                      rows, notes=notes, confidential=CONFIDENTIAL, signatures=("通知人", "核对人"),
                      properties_title=title, keep=())


def write_notices(plan: NoticePlan, book: Book, out_dir: Path, *, now: dt.datetime | None = None) -> list[Path]:
    """The SMS workbook and the call list (.xlsx, .docx), for what ``plan`` holds."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    year, day = book.settings.campaign_year, format_date(plan.on)
    files = []
    if plan.texts:
        files.append(sms_workbook(plan, out_dir / f"通知短信-{day}.xlsx", title=f"{year}年度职称评审通知短信", now=now))
    if plan.calls:
        table = call_table(plan, f"{year}年度职称评审电话通知名单")
        files.append(write_xlsx(table, out_dir / f"电话通知名单-{day}.xlsx", now=now))
        files.append(write_docx(table, out_dir / f"电话通知名单-{day}.docx", now=now))
    return files


def _some(who: list[str], most: int = 5) -> str:
    return "、".join(who[:most]) + ("等" if len(who) > most else "")


def summary_lines(plan: NoticePlan) -> list[str]:
    """What a run says, in the command line's words."""
    lines = [f"{format_date(plan.on)}应通知{len(plan.entries)}项：短信{len(plan.texts)}条，电话通知{len(plan.calls)}项。"]
    counts = defaultdict(int)
    for e in plan.entries:
        counts[e.notice.kind] += 1
    if counts:
        lines.append("  " + "，".join(f"{kind}{counts[kind]}项" for kind in KINDS if counts[kind]) + "。")
    for e in plan.entries:
        lines.append(f"  {e.app_id} {e.name} {e.notice.kind}：" + (f"短信 {e.mobile}" if e.mobile else f"电话 {e.call}")
                     + (f"（{e.length}字，按{e.segments}条短信发送）" if e.segments > 1 else ""))
    if plan.long:
        lines.append(f"注意：{len(plan.long)}条短信超过一条短信的字数（{plan.signature}计入），将拆分为多条发送和计费，"
                     "见短信文件的“核对”表。")
    if plan.repeated:
        lines += ["", f"以下{len(plan.repeated)}项已在此前的通知中列出（见日志），"
                      + ("本次再次列入（--resend）：" if any(e in plan.entries for e, _ in plan.repeated)
                         else "本次未重复列入（确需再发时加 --resend）：")]
        lines += [f"  {e.app_id} {e.name} {e.notice.tag}：{format_moment(when, midnight=True)}已列入"
                  for e, when in plan.repeated]
    for reason, who in plan.waiting.items():
        lines += ["", f"暂不通知：{reason}，涉及{len(who)}人（{_some(who)}）。"]
    if plan.held:
        count = sum(len(who) for who in plan.held.values())
        lines += ["", f"以下{count}项通知应发但未生成："]
        lines += [f"  {reason}：{len(who)}人（{_some(who, 10)}）" for reason, who in plan.held.items()]
    if plan.unsettled:
        lines += ["", f"以下{len(plan.unsettled)}份申报的状态与审核记录不一致，核实前不生成任何通知："]
        lines += [f"  {line}" for line in plan.unsettled]
    if plan.phones:
        lines += ["", f"以下{len(plan.phones)}人的联系电话有误："] + [f"  {line}" for line in plan.phones]
    return lines
