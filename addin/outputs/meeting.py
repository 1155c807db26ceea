"""The review meeting's papers (notice 一(五), 四(一)3, 四(五)).

Two folders, so that what goes to the experts cannot carry the key with it:

- ``送评委/`` (to the committee): the blind roster and the vote sheet. They carry only
  what the committee votes on — blind code, series, specialty, target title and the
  defence marker (四(一)3: no name, photo, employer, nor any detail that only one
  applicant on the roster has, such as an education, a year count or an exemption).
- ``内部留存/`` (kept in the office): the internal roster (names, employers, recusals,
  who is not on the roster and why) and the code key, marked 内部资料 注意保密 on every
  printed page and on every sheet.

Built from a refreshed register, so the blind codes are the register's own
(:func:`addin.rules.meeting.assign_blind_codes`). Who is on the roster is decided by
:func:`build_roster` from the evaluation's ``上会情况``, which follows the stage of each
application (accepted, 状态 and 审核记录 agreeing, paid in full, eligible); the same
person by both routes (三) only with ``include_held_back``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..book.evaluate import MEETING_DUE, Evaluation
from ..book.reader import Book, cell_text as _text, error_rows, is_excel_error
from ..rules.dates import format_date, parse_date
from ..rules.meeting import recusals
from .tables import Column, PrintTable, write_docx, write_xlsx

INTERNAL, BLIND, VOTES, KEY = "评审会名单-内部", "评审会名单-盲评", "评审会投票表", "编号对照表-内部"
TO_COMMITTEE, KEPT_IN_OFFICE = "送评委", "内部留存"
CONFIDENTIAL = "内部资料　注意保密"


@dataclass
class Entry:
    """One application on the roster: what the papers print, nothing more (no education,
    years or verdicts, which could single someone out in blind material)."""

    code: str
    app_id: str
    name: str
    employer: str
    series: str
    specialty: str
    title: str
    level: str
    defense: str
    recuse: list[str] = field(default_factory=list)
    defense_order: int | None = None
    defence_score: str = ""                  # e.g. 83.50, from 答辩评分 (四(五))


@dataclass
class Roster:
    name: str
    date: dt.date | None
    entries: list[Entry]
    excluded: list[tuple[str, str, str]]       # (application id, name, reason)
    specialty_order: list[str] = field(default_factory=list)
    keep: tuple[str, ...] = ()                 # names a title line break must not split
    defence_note: str = ""                     # how the defence scores were reached, once there are any

    @property
    def header(self) -> str:
        return f"{self.name}　{format_date(self.date) if self.date else '日期另行通知'}"




def meeting_date(book: Book) -> dt.date | None:
    for row in book.table("meeting").rows:
        day = parse_date(row.values_by_key.get("meeting_date")).value
        if day:
            return day
    return None


def build_roster(book: Book, ev: Evaluation, *, date: dt.date | None = None,
                 include_held_back: bool = False) -> Roster:
    """Who is on the meeting's roster: the applications due (``上会情况`` = 上会: the
    stage accepted with 状态 and 审核记录 agreeing, paid in full, eligible, no route
    conflict), grouped by series, specialty (both in the data's order: 公路, 运输, 交通经济)
    and target title, with defence marks and order (四(五)) and recusals.
    ``include_held_back`` adds those held back only by a route conflict (三) — an
    explicit request (``zhicheng roster --all``); an application whose stage is ended or
    unsettled is never on it. An application whose series or specialty is
    not one of the lists' is left off with a reason: blind material prints list words
    only, never free text that could single someone out."""
    s, catalog = book.settings, book.catalog
    experts = [(_text(r.values_by_key.get("code")) + " " + _text(r.values_by_key.get("name")),
                _text(r.values_by_key.get("employer"))) for r in book.table("experts").rows]
    series_order, specialty_order = book.order("系列"), book.order("专业")
    entries, excluded = [], []
    held = error_rows(book)                   # a row showing an Excel error value is never printed (issue 19.9)
    for row in book.table("applicants").rows:
        v, c = row.values_by_key, ev.computed[row.number]
        app_id, name = _text(v.get("app_id")), _text(v.get("name"))
        due = c.get("meeting_due") == MEETING_DUE or (include_held_back and row.number in ev.held_back)
        if not due or not c.get("blind_code") or row.number in held:
            excluded.append((app_id, name, _text(c.get("meeting_due")).removeprefix("不上会：") or "未编号")
                            if row.number not in held else
                            ("" if is_excel_error(v.get("app_id")) else app_id, "" if is_excel_error(v.get("name")) else name,
                             held[row.number]))
            continue
        title = catalog.title(v.get("target_title")).value
        series = _text(v.get("series")) or (title.series if title else "")
        specialty = _text(v.get("specialty"))
        wrong = [f"{label}“{word}”不在字典中" for label, word, order in
                 (("系列", series, series_order), ("专业", specialty, specialty_order)) if word not in order]
        if wrong or title is None:
            excluded.append((app_id, name, "、".join(wrong or ["拟申报职称无法识别"]) + "，请更正后再生成"))
            continue
        entries.append(Entry(
            code=c["blind_code"], app_id=app_id, name=name, employer=_text(v.get("employer")),
            series=series, specialty=specialty, title=title.name, level=title.level,
            defense=_text(c.get("defense")), recuse=recusals(_text(v.get("employer")), experts)))
    rank = {t: catalog.titles[t].rank for t in catalog.titles}
    series_key, specialty_key = book.sort_key("系列"), book.sort_key("专业")
    entries.sort(key=lambda e: (series_key(e.series), specialty_key(e.specialty), -rank.get(e.title, 0), e.code))
    results = ev.defence.results if ev.defence else {}
    for e in entries:
        d = results.get(e.code)
        if d is not None and d.score is not None:
            e.defence_score = f"{d.score:.2f}"
    n = 0
    for e in entries:
        if e.defense == "需答辩":
            n += 1
            e.defense_order = n
    name = f"{s.committee_name}{s.campaign_year}年度职称评审会"
    note = ""
    if any(e.defence_score for e in entries):
        drop = "去掉一个最高分和一个最低分后" if s.defence_drop_extremes else ""
        note = f"答辩成绩为出席评委有效评分{drop}的平均分，{s.defence_pass_score}分及以上为答辩合格（四(五)）。"
    return Roster(name, date or meeting_date(book), entries, excluded, specialty_order,
                  keep=(s.committee_name, s.issuer), defence_note=note)


def held_back_lines(book: Book, ev: Evaluation) -> list[str]:
    """One line per application that meets every condition of the meeting but is held
    back (the same person by both routes: 三), with the register's finding for the
    route conflict (which names the other row)."""
    table = book.table("applicants")
    conflicts = {f.row: f.message for f in ev.findings if f.sheet == table.sheet and f.clause == "三"}
    out = []
    for row in table.rows:
        if row.number in ev.held_back:
            v = row.values_by_key
            why = "、".join(ev.held_back[row.number])
            detail = f"：{conflicts[row.number]}" if row.number in conflicts else ""
            out.append(f"{_text(v.get('app_id'))} {_text(v.get('name'))}（{table.sheet}第{row.number}行）{why}{detail}")
    return out


def _groups(entries: list[Entry]) -> str:
    counts: dict[str, int] = {}
    for e in entries:
        key = f"{e.specialty}{e.title}"
        counts[key] = counts.get(key, 0) + 1
    return "；".join(f"{k}{v}人" for k, v in counts.items())


def internal_table(r: Roster) -> PrintTable:
    cols = [Column("序号", 6), Column("盲评编号", 10), Column("姓名", 14), Column("工作单位", 28, wrap=True), Column("系列", 10),
            Column("专业", 9), Column("拟申报职称", 13), Column("答辩", 8), Column("答辩顺序", 8),
            Column("答辩成绩", 10), Column("应回避评委", 18, wrap=True)]
    rows = [[i, e.code, e.name, e.employer, e.series, e.specialty, e.title, e.defense, e.defense_order or "",
             e.defence_score, "、".join(e.recuse)] for i, e in enumerate(r.entries, start=1)]
    return PrintTable(f"{r.name}申报人员名单（内部）", cols, rows, subtitle=f"共{len(r.entries)}人：{_groups(r.entries)}",
                      notes=["本名单含姓名和工作单位，仅供评审委员会办公室内部使用，不得提供给评审专家。"]
                      + ([r.defence_note] if r.defence_note else []),
                      header_text=r.header, properties_title="评审会名单（内部）", keep=r.keep,
                      confidential=CONFIDENTIAL)


def excluded_table(r: Roster) -> PrintTable:
    return PrintTable("未列入评审会的申报", [Column("申报编号", 12), Column("姓名", 14), Column("原因", 40, wrap=True)],
                      [list(x) for x in r.excluded], header_text=r.header, keep=r.keep, confidential=CONFIDENTIAL)


def blind_table(r: Roster) -> PrintTable:
    """For the experts (四(一)3): only what the committee votes on — code, series,
    specialty, target title, defence marker and order. Nothing else about a person
    (education, years, continuing education, eligibility...) is printed: such a value
    held by one applicant alone would identify them."""
    cols = [Column("序号", 6), Column("盲评编号", 10), Column("系列", 10), Column("专业", 9), Column("拟申报职称", 13),
            Column("答辩", 8), Column("答辩顺序", 8)]
    rows = [[i, e.code, e.series, e.specialty, e.title, e.defense, e.defense_order or ""]
            for i, e in enumerate(r.entries, start=1)]
    # no counts by specialty and title ("运输正高级工程师1人"): with the public attachment 1 they
    # would point at one person, and they add nothing the rows do not show
    return PrintTable(f"{r.name}评审名单（盲评）", cols, rows, subtitle=f"共{len(r.entries)}份",
                      header_text=r.header, properties_title="评审会名单（盲评）", landscape=False, keep=r.keep)


def vote_table(r: Roster) -> PrintTable:
    cols = [Column("序号", 6), Column("盲评编号", 10), Column("专业", 9), Column("拟申报职称", 13),
            Column("同意", 8), Column("不同意", 8), Column("弃权", 8)]
    rows = [[i, e.code, e.specialty, e.title, "", "", ""] for i, e in enumerate(r.entries, start=1)]
    return PrintTable(f"{r.name}投票表", cols, rows,
                      notes=["无记名投票：请在每一行“同意”“不同意”“弃权”中选择一项划“√”，多选或不选视为弃权。",
                             "同意票数达到出席评委人数三分之二以上的为评审通过；未出席的评委不得委托他人投票或补充投票。"],
                      signatures=("监票人", "计票人"), landscape=False, header_text=r.header,
                      properties_title="评审会投票表", keep=r.keep)


def key_table(r: Roster) -> PrintTable:
    """The only link between codes and people: by specialty in the data's order, then code."""
    cols = [Column("序号", 6), Column("盲评编号", 10), Column("申报编号", 12), Column("姓名", 14), Column("专业", 9),
            Column("工作单位", 30, wrap=True)]
    specialty = {v: i for i, v in enumerate(r.specialty_order)}
    ordered = sorted(r.entries, key=lambda e: (specialty.get(e.specialty, len(specialty)), e.code))
    rows = [[i, e.code, e.app_id, e.name, e.specialty, e.employer] for i, e in enumerate(ordered, start=1)]
    return PrintTable("盲评编号对照表（组织人事科留存）", cols, rows,
                      notes=[f"{CONFIDENTIAL}：本表为盲评编号与申报人的唯一对照，由组织人事科保管，不得随评审材料送评委，"
                             "评审结束前不得外传。"],
                      landscape=False, header_text=r.header, properties_title="编号对照表（内部）", keep=r.keep,
                      confidential=CONFIDENTIAL)


def write_roster(r: Roster, out_dir: Path) -> list[Path]:
    """The papers in two folders: ``送评委`` (blind roster, vote sheet) and ``内部留存``
    (internal roster with those not listed, code key)."""
    committee, office = Path(out_dir) / TO_COMMITTEE, Path(out_dir) / KEPT_IN_OFFICE
    committee.mkdir(parents=True, exist_ok=True)
    office.mkdir(parents=True, exist_ok=True)
    written = []
    for table, stem in ((blind_table(r), BLIND), (vote_table(r), VOTES)):
        written.append(write_xlsx(table, committee / f"{stem}.xlsx"))
        written.append(write_docx(table, committee / f"{stem}.docx"))
    internal = internal_table(r)
    written.append(write_xlsx(internal, office / f"{INTERNAL}.xlsx", extra=[excluded_table(r)]))
    written.append(write_docx(internal, office / f"{INTERNAL}.docx"))
    written.append(write_xlsx(key_table(r), office / f"{KEY}.xlsx"))
    return written
