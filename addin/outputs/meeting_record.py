"""The meeting's records for the file, in the attachments' official layout (GB/T 9704:
A4, margins 37/35/28/26 mm, 2号小标宋 title, 3号仿宋 body at 28 pt, page numbers
"— 1 —"; the styles and page setup are the attachments' own, from
:mod:`addin.outputs.officialdoc`):

- the draw record (评委抽取记录): when, who (the clerk named in 参数, never the computer's
  login), the source, the pool, who was left out and why (kinship recusals among them),
  the panel and the reserves in order, signed by who drew and who supervised; it is kept
  in the office (``内部留存``) and marked 内部资料 注意保密 on every page;
- the sealed record of the meeting (评审会议记录): panel and attendance, recusals, the
  votes per code with the 2/3 computation, the defence results, signed by the counting
  and supervising members. The named version stays in the office, marked 内部资料
  注意保密 on every page; the blind version for the committee carries codes only (no
  applicant's name or employer, no expert's name or employer).

Every signature block stays on the page of the last lines it signs: the last rows of
the table before it and the closing sentences are kept with it.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from docx.enum.text import WD_BREAK
from docx.shared import Pt

from ..rules.dates import format_date, format_moment
from . import officialdoc as T
from .tables import Column, body_paragraph, confidential_header, docx_grid, keep_rows_with_next

TEXT_MM = T.PAGE_MM[0] - T.MARGINS_MM["left"] - T.MARGINS_MM["right"]      # 156 mm
SPACE = T.SPACE


# --- the official document ------------------------------------------------------------------

def official_document(title: str, subject: str, *, now: dt.datetime):
    """An empty document in the attachments' layout, its properties its own."""
    doc = T.official_document()
    T.set_properties(doc, title, subject, now)
    return doc


def title(doc, *lines: str) -> None:
    """The 2号小标宋 title, one line per part (balanced by the caller, words kept whole)."""
    p = T.paragraph(doc, "公文标题", lines[0])
    for line in lines[1:]:
        p.add_run().add_break()
        p.add_run(line)


def body(doc, text: str, *, indent: bool = True, keep=()):
    """A body paragraph (phone numbers, dates and the phrases of ``keep`` never split by
    a line end, see :func:`addin.outputs.tables.body_paragraph`)."""
    p = body_paragraph(doc, text, keep=keep, width=TEXT_MM * 72 / 25.4, first_indent_chars=2 if indent else 0)
    if not indent:
        p.paragraph_format.first_line_indent = Pt(0)
    return p


#: the mark of the office's copies (the draw record lists kinship recusals; the record names people)
CONFIDENTIAL = "内部资料　注意保密"


def heading(doc, text: str):
    return T.paragraph(doc, "小标题", text)


def table(doc, columns: Sequence[Column], rows: Sequence[Sequence[object]]):
    """A ruled table in the lists' layout (see :func:`addin.outputs.tables.docx_grid`),
    with a little air below (``grid.air``, the paragraph after it)."""
    grid = docx_grid(doc, columns, [[_text(v) for v in row] for row in rows], TEXT_MM * 72 / 25.4)
    grid.air = doc.add_paragraph(style="表注")
    return grid


def C(header: str, hint: float = 12, wrap: bool = False) -> Column:
    return Column(header, hint, wrap=wrap)


def signatures(doc, roles: Sequence[str], *, signs: Sequence = (), grid=None) -> None:
    """Signature lines (role, room to sign) and the date, kept on one page with the
    paragraphs they sign (``signs``) and the last rows of ``grid``, the table before
    them: a signature never stands alone on a page."""
    paragraphs = list(signs) + [T.paragraph(doc, "落款")]
    for role in roles:
        paragraphs.append(T.paragraph(doc, "落款", f"{role}（签名）：{SPACE * 8}"))
        T.indent_chars(paragraphs[-1], 2)
    date = T.paragraph(doc, "落款", T.SIGN_DATE)
    T.indent_chars(date, T.DATE_INDENT)
    paragraphs.append(date)
    if grid is not None:
        keep_rows_with_next(grid)
        if getattr(grid, "air", None) is not None:
            paragraphs.insert(0, grid.air)
    T.keep_together(paragraphs)


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_moment(value, midnight=True)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, float):
        return f"{value:.2f}" if not value.is_integer() else str(int(value))
    return str(value)


def save(doc, path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    T.finish_document(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


# --- the draw record ----------------------------------------------------------------------------

DRAW_RECORD = "评委抽取记录"


def draw_record(report, *, now: dt.datetime | None = None):
    """评委抽取记录 of a :class:`~addin.book.draw.DrawReport` (office copy: names; marked
    内部资料 注意保密 on every page, as it lists the recusals and why)."""
    from ..book.draw import SOURCE_LABEL, group_label
    from ..rules.panel import ALL_SPECIALTIES

    d, s = report.draw, report.settings
    doc = official_document(f"{report.committee}{DRAW_RECORD}", f"第{report.number}次抽取", now=now or report.at)
    confidential_header(doc, CONFIDENTIAL)
    title(doc, f"{s.campaign_year}年度职称评审会", DRAW_RECORD)
    body(doc, f"评审委员会：{s.committee_name}", indent=False, keep=(s.committee_name,))
    body(doc, f"抽取时间：{_text(report.at)}", indent=False)
    body(doc, f"抽取方式：{SOURCE_LABEL.split('（')[0]}（操作系统安全随机数）", indent=False)
    body(doc, f"抽取次数：第{report.number}次" + (f"（重新抽取，原因：{report.reason}）" if report.reason else ""),
         indent=False)
    operator = (s.clerk_name or "").strip()
    body(doc, f"操作人：{operator}" if operator else f"操作人：{T.SPACE * 8}（参数“经办人”未填，请手写）", indent=False,
         keep=(operator,))
    quotas = "；".join(f"{group_label(g.quota.specialty)}{g.quota.size}人" for g in d.groups)
    per = "各专业" if d.groups and d.groups[0].quota.specialty != ALL_SPECIALTIES else ""
    due = report.due if report.due is not None else len(report.roster)
    held = len(report.roster) - due
    body(doc, f"本次评审会上会申报{due}份" + (f"（另有{held}份暂未列入上会名单，其利害关系一并回避）" if held > 0 else "")
              + f"。抽取评委{len(d.panel)}人（{quotas}），"
              f"{per}候补评委各{d.groups[0].quota.reserves if d.groups else 0}人，评委缺席时由同组候补评委按抽取顺序递补。"
              f"专家库共{len(d.pool)}人，参加抽取{len(d.pool) - len(d.exclusions)}人，"
              f"未参加抽取{len(d.exclusions)}人（与上会申报人有利害关系须回避的，以及本次不能参加的）。")
    for w in d.warnings:
        body(doc, f"注意：{w}。")
    heading(doc, "一、抽取结果")
    rows = []
    for g in d.groups:
        for i, e in enumerate(g.panel, start=1):
            rows.append([len(rows) + 1, group_label(g.quota.specialty), "评委", e.code, e.name, e.employer, e.title])
        for i, e in enumerate(g.reserves, start=1):
            rows.append([len(rows) + 1, group_label(g.quota.specialty), f"候补{i}", e.code, e.name, e.employer, e.title])
    grid = table(doc, [C("序号"), C("专业"), C("身份"), C("编号"), C("姓名"), C("工作单位", 16, True), C("职称")], rows)
    heading(doc, "二、未参加抽取的专家")
    if d.exclusions:
        grid = table(doc, [C("编号"), C("姓名"), C("工作单位", 10, True), C("原因", 30, True)],
                     [[e.code, e.name, e.employer, why] for e, why in d.exclusions])
        signed = []
    else:
        grid, signed = None, [body(doc, "无。")]
    signed.append(body(doc, "本记录一式两份，一份存档，一份随评审会议记录封存。抽取结果在评审会召开前保密。"))
    signatures(doc, ["抽取人", "监督人"], signs=signed, grid=grid)
    return doc


def draw_record_name(number: int) -> str:
    """Where the draw record goes in the output folder: the office's copies (内部留存),
    since it names the experts and the recusals."""
    from .meeting import KEPT_IN_OFFICE

    return f"{KEPT_IN_OFFICE}/{DRAW_RECORD}-第{number}次.docx"


# --- the sealed record of the meeting --------------------------------------------------------

MEETING_RECORD = "评审会议记录"


@dataclass
class VoteLine:
    code: str
    name: str
    specialty: str
    title: str
    yes: int | None
    no: int | None
    abstain: int | None
    result: str
    defence: object = None             # DefenceResult for senior applicants


@dataclass
class MeetingRecord:
    name: str                          # e.g. 2024年度职称评审会
    committee: str
    date: dt.date | None
    members: int
    seated: list                       # Expert, in the order seated
    absent: list
    panel: list                        # every drawn expert (members, reserves) with attendance
    recused: list                      # (Expert, reason)
    pass_ratio: object
    quorum_ratio: object
    pass_mark: int                     # defence pass mark (settings)
    votes: list[VoteLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def needed(self) -> int:
        """Yes votes needed: the pass ratio of those attending, rounded up."""
        return math.ceil(self.pass_ratio * len(self.seated))


def build_meeting_record(book, ev) -> MeetingRecord:
    """The record of a meeting held: refused without a drawn panel or below the quorum."""
    from ..errors import Refused
    from ..rules.meeting import PASSED, quorum_met
    from ..rules.panel import EXCLUDED, PANEL, reserve_place
    from .meeting import build_roster, meeting_date

    day = ev.day
    if day is None or day.seating is None:
        raise Refused("“评委”表中没有抽取结果：会议记录按抽取的评委和出席情况编制，请先抽取评委（zhicheng draw）；未生成")
    seat, s = day.seating, book.settings
    if not quorum_met(seat.members, len(seat.seated), s):
        raise Refused(f"抽取评委{seat.members}人，出席（含递补）{len(seat.seated)}人，不足{s.quorum_ratio}，"
                      "表决无效、不能形成评审结果；请核对“评委”表的出席情况。未生成会议记录")
    by_code = {e.code: e for e in day.experts}
    roster = build_roster(book, ev)
    rows = {str(r.values_by_key.get("blind_code") or "").strip(): r for r in book.table("meeting").rows}
    record = MeetingRecord(
        name=f"{s.campaign_year}年度职称评审会", committee=s.committee_name, date=meeting_date(book),
        members=seat.members, seated=[by_code[c] for c in seat.seated], absent=[by_code[c] for c in seat.absent],
        panel=[e for e in day.experts if e.role == PANEL or reserve_place(e.role)],
        recused=[(e, _note(book, e)) for e in day.experts if e.role == EXCLUDED and _note(book, e).startswith("回避")],
        pass_ratio=s.pass_ratio, quorum_ratio=s.quorum_ratio, pass_mark=s.defence_pass_score)
    results = {}
    for row in book.table("meeting").rows:
        results[str(row.values_by_key.get("blind_code") or "").strip()] = ev.meeting.get(row.number, {})
    for entry in roster.entries:
        row = rows.get(entry.code)
        v = row.values_by_key if row else {}
        result = results.get(entry.code, {}).get("result") or "未表决"
        record.votes.append(VoteLine(entry.code, entry.name, entry.specialty, entry.title, _int(v.get("yes")),
                                     _int(v.get("no")), _int(v.get("abstain")), result,
                                     ev.defence.results.get(entry.code) if ev.defence else None))
        if result not in (PASSED, "评审未通过"):
            record.problems.append(f"{entry.code}：{result}")
        if entry.defense == "需答辩" and (record.votes[-1].defence is None or record.votes[-1].defence.score is None):
            record.problems.append(f"{entry.code}：答辩成绩待录入")
    # a row showing an Excel error value is not printed (issue 19.9), and never silently:
    # its votes, if any, are named here for the clerk to put right before the record is sealed
    # (the problems are printed in the committee's copy too: codes and cells only, no name, no value)
    from ..book.reader import error_rows

    held = error_rows(book)
    listed = {v.code for v in record.votes}
    voted = {code for code, row in rows.items() if code and any(row.values_by_key.get(k) not in (None, "")
                                                                for k in ("yes", "no", "abstain"))}
    codes = {r.number: str(ev.computed.get(r.number, {}).get("blind_code") or "").strip()
             for r in book.table("applicants").rows if r.number in held}
    record.problems += [f"{codes[n]}：{held[n]}，未列入会议记录（改正后重新生成）" for n in sorted(held) if codes.get(n)]
    record.problems += [f"{code}：评审会表决了该编号，但申报人员表中没有可列入的申报，未列入会议记录"
                        for code in sorted(voted - listed - set(codes.values()))]
    return record


def _note(book, expert) -> str:
    row = next((r for r in book.table("experts").rows if r.number == expert.ref), None)
    return str(row.values_by_key.get("draw_note") or "") if row else ""


def _int(value) -> int | None:
    from ..rules.settings import parse_int
    return parse_int(value).value


def meeting_record_doc(record: MeetingRecord, *, blind: bool, now: dt.datetime):
    """The sealed record; ``blind``: for the committee, codes only (no applicant's or
    expert's name or employer)."""
    from ..rules.panel import reserve_place
    what = "（评委会存档）" if blind else "（内部存档）"
    doc = official_document(f"{record.name}{MEETING_RECORD}{what}", record.committee, now=now)
    if not blind:
        confidential_header(doc, CONFIDENTIAL)
    title(doc, record.name, MEETING_RECORD)
    seated, members = len(record.seated), record.members
    substitutes = [e for e in record.seated if e.role != "评委"]
    body(doc, f"评审委员会：{record.committee}", indent=False)
    body(doc, f"会议日期：{format_date(record.date) if record.date else '（未填）'}", indent=False)
    body(doc, f"抽取评委{members}人，出席{seated}人（其中候补递补{len(substitutes)}人），出席人数占"
              f"{seated}/{members}，不少于{record.quorum_ratio}，达到法定人数。表决采取无记名投票，赞成票数达到出席评委"
              f"人数的{record.pass_ratio}（{seated}×{record.pass_ratio}，即{record.needed}票）及以上为通过；"
              "未出席的评委不得委托他人投票或补充投票。")
    heading(doc, "一、评委出席情况")
    rows = []
    for e in record.panel:
        reserve = reserve_place(e.role)
        role = f"候补{reserve[1]}" if reserve else "评委"
        if not reserve:
            attended = "出席" if e in record.seated else "缺席"
        else:
            attended = "递补出席" if e in record.seated else ("出席未递补" if e.attended else "未出席")
        line = [len(rows) + 1, e.code, e.specialty, role, attended]
        rows.append(line if blind else line[:2] + [e.name, e.employer] + line[2:])
    if blind:
        table(doc, [C("序号"), C("评委编号"), C("专业"), C("抽取身份"), C("出席情况")], rows)
    else:
        table(doc, [C("序号"), C("编号"), C("姓名"), C("工作单位", 16, True), C("专业"), C("身份"), C("出席情况")], rows)
    heading(doc, "二、回避情况")
    if not record.recused:
        body(doc, "无。")
    elif blind:
        body(doc, "与上会申报人有利害关系、依规回避未参加抽取的专家：" + "、".join(e.code for e, _ in record.recused)
             + f"（共{len(record.recused)}人）。")
    else:
        table(doc, [C("编号"), C("姓名"), C("工作单位", 10, True), C("回避原因", 30, True)],
              [[e.code, e.name, e.employer, why.removeprefix("回避：")] for e, why in record.recused])
    heading(doc, "三、表决结果")
    vote_rows = []
    for v in record.votes:
        share = f"{v.yes}/{seated}" if v.yes is not None else ""
        shown = v.result.removeprefix("评审") if v.result in ("评审通过", "评审未通过") else "待核"   # named below
        line = [v.code, f"{v.specialty}{v.title}", v.yes, v.no, v.abstain, share, shown]
        vote_rows.append(line if blind else line[:1] + [v.name, v.title] + line[2:])
    if blind:
        table(doc, [C("盲评编号"), C("专业及拟申报职称"), C("赞成"), C("反对"), C("弃权"), C("赞成/出席"), C("结果")],
              vote_rows)
    else:
        table(doc, [C("盲评编号"), C("姓名"), C("拟申报职称"), C("赞成"), C("反对"), C("弃权"), C("赞成/出席"),
                    C("结果")], vote_rows)
    passed = sum(1 for v in record.votes if v.result == "评审通过")
    body(doc, f"共表决{len(record.votes)}份，通过{passed}份，未通过{sum(1 for v in record.votes if v.result == '评审未通过')}份"
              + (f"，另有{len(record.problems)}处待核（{'；'.join(record.problems)}）" if record.problems else "") + "。")
    heading(doc, "四、答辩成绩（高级职称）")
    seniors = [v for v in record.votes if v.defence is not None]
    grid = None
    if seniors:
        rows = []
        for v in seniors:
            d = v.defence
            dropped = "、".join(f"{x:g}" for x in d.dropped) or "—"
            rows.append([v.code, len(d.totals), dropped, f"{d.score:.2f}" if d.score is not None else "待录入",
                         d.result.removeprefix("答辩") if d.score is not None else ""])
        grid = table(doc, [C("盲评编号"), C("有效评分（份）"), C("去掉的最高分、最低分"), C("答辩成绩"), C("结论")], rows)
        note = body(doc, f"答辩成绩为出席评委有效评分的平均分"
                         + ("（去掉一个最高分和一个最低分）" if any(v.defence.dropped for v in seniors) else "")
                         + f"，保留两位小数，合格分数线为{record.pass_mark}分。中级及以下免于答辩，不列入本表。")
    else:
        note = body(doc, "本次无需答辩的申报。")
    closing = body(doc, "本记录经计票人、监票人核对签字后，与投票表、答辩评分表一并密封存档。")
    signatures(doc, ["计票人", "监票人", "主任委员"], signs=[note, closing], grid=grid)
    return doc


def write_meeting_records(record: MeetingRecord, office_dir: Path, committee_dir: Path, *,
                          now: dt.datetime) -> list[Path]:
    """The named record for the office, the blind one for the committee."""
    return [save(meeting_record_doc(record, blind=False, now=now), Path(office_dir) / f"{MEETING_RECORD}-内部.docx"),
            save(meeting_record_doc(record, blind=True, now=now), Path(committee_dir) / f"{MEETING_RECORD}.docx")]
