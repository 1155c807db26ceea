"""The review meeting's papers (notice 一(五), 四(一)3, 四(五)): the internal roster, the
blind roster for the experts, the code key kept by the personnel section, and the vote
sheet. Built from a refreshed register, so the blind codes are the register's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..book.evaluate import MEETING_DUE, Evaluation
from ..book.reader import Book, cell_text as _text
from ..rules.catalog import clean_word
from ..rules.dates import format_date, parse_date
from ..rules.meeting import recusals
from .tables import Column, PrintTable, write_docx, write_xlsx

SERIES_ORDER = ("工程系列", "经济系列")

INTERNAL, BLIND, VOTES, KEY = "评审会名单-内部", "评审会名单-盲评", "评审会投票表", "编号对照表-内部"


@dataclass
class Entry:
    code: str
    app_id: str
    name: str
    employer: str
    series: str
    specialty: str
    title: str
    level: str
    defense: str
    education: str
    years_in_title: object
    years_of_work: object
    ce: str
    eligibility: str
    recuse: list[str] = field(default_factory=list)
    defense_order: int | None = None


@dataclass
class Roster:
    name: str
    date: dt.date | None
    entries: list[Entry]
    excluded: list[tuple[str, str, str]]       # (application id, name, reason)
    keep: tuple[str, ...] = ()                 # names a title line break must not split

    @property
    def header(self) -> str:
        return f"{self.name}　{format_date(self.date) if self.date else '日期另行通知'}"




def meeting_date(book: Book) -> dt.date | None:
    for row in book.table("meeting").rows:
        day = parse_date(row.values_by_key.get("meeting_date")).value
        if day:
            return day
    return None


def build_roster(book: Book, ev: Evaluation, *, date: dt.date | None = None) -> Roster:
    """Who is due at the meeting (accepted, paid in full, eligible), grouped by series,
    specialty and target title, with defence marks and order (四(五)) and recusals."""
    s, catalog = book.settings, book.catalog
    experts = [(_text(r.values_by_key.get("code")) + " " + _text(r.values_by_key.get("name")),
                _text(r.values_by_key.get("employer"))) for r in book.table("experts").rows]
    entries, excluded = [], []
    for row in book.table("applicants").rows:
        v, c = row.values_by_key, ev.computed[row.number]
        app_id, name = _text(v.get("app_id")), _text(v.get("name"))
        if c.get("meeting_due") != MEETING_DUE or not c.get("blind_code"):
            excluded.append((app_id, name, _text(c.get("meeting_due")).removeprefix("不上会：") or "未编号"))
            continue
        title = catalog.title(v.get("target_title")).value
        entries.append(Entry(
            code=c["blind_code"], app_id=app_id, name=name, employer=_text(v.get("employer")),
            series=_text(v.get("series")) or (title.series if title else ""), specialty=_text(v.get("specialty")),
            title=title.name if title else _text(v.get("target_title")), level=title.level if title else "",
            defense=_text(c.get("defense")), education=_text(v.get("education")),
            years_in_title=c.get("years_in_title"), years_of_work=c.get("years_of_work"),
            ce=_text(c.get("ce_status")), eligibility=_text(c.get("eligibility")),
            recuse=recusals(_text(v.get("employer")), experts)))
    rank = {t: catalog.titles[t].rank for t in catalog.titles}

    def order(e: Entry):
        series = SERIES_ORDER.index(e.series) if e.series in SERIES_ORDER else len(SERIES_ORDER)
        return (series, e.specialty, -rank.get(e.title, 0), e.code)

    entries.sort(key=order)
    n = 0
    for e in entries:
        if e.defense == "需答辩":
            n += 1
            e.defense_order = n
    name = f"{s.committee_name}{s.campaign_year}年度职称评审会"
    return Roster(name, date or meeting_date(book), entries, excluded, keep=(s.committee_name, s.issuer))


def _groups(entries: list[Entry]) -> str:
    counts: dict[str, int] = {}
    for e in entries:
        key = f"{e.specialty}{e.title}"
        counts[key] = counts.get(key, 0) + 1
    return "；".join(f"{k}{v}人" for k, v in counts.items())


def internal_table(r: Roster) -> PrintTable:
    cols = [Column("序号", 6), Column("盲评编号", 10), Column("姓名", 14), Column("工作单位", 28, wrap=True), Column("系列", 10),
            Column("专业", 9), Column("拟申报职称", 13), Column("答辩", 8), Column("答辩顺序", 8),
            Column("应回避评委", 18, wrap=True)]
    rows = [[i, e.code, e.name, e.employer, e.series, e.specialty, e.title, e.defense, e.defense_order or "",
             "、".join(e.recuse)] for i, e in enumerate(r.entries, start=1)]
    return PrintTable(f"{r.name}申报人员名单（内部）", cols, rows, subtitle=f"共{len(r.entries)}人：{_groups(r.entries)}",
                      notes=["本名单含姓名和工作单位，仅供评审委员会办公室内部使用，不得提供给评审专家。"],
                      header_text=r.header, properties_title="评审会名单（内部）", keep=r.keep)


def excluded_table(r: Roster) -> PrintTable:
    return PrintTable("未列入评审会的申报", [Column("申报编号", 12), Column("姓名", 14), Column("原因", 40, wrap=True)],
                      [list(x) for x in r.excluded], header_text=r.header, keep=r.keep)


def blind_table(r: Roster) -> PrintTable:
    """For the experts: codes and qualifications only (四(一)3: no name, photo, employer, ID)."""
    cols = [Column("序号", 6), Column("盲评编号", 10), Column("系列", 10), Column("专业", 9), Column("拟申报职称", 13),
            Column("学历", 12), Column("任现职年限", 8), Column("工作年限", 8), Column("继续教育", 22, wrap=True),
            Column("资格审查", 10, wrap=True), Column("答辩", 8), Column("答辩顺序", 8)]
    rows = [[i, e.code, e.series, e.specialty, e.title, e.education, e.years_in_title, e.years_of_work, e.ce,
             e.eligibility, e.defense, e.defense_order or ""] for i, e in enumerate(r.entries, start=1)]
    return PrintTable(f"{r.name}评审名单（盲评）", cols, rows, subtitle=f"共{len(r.entries)}份：{_groups(r.entries)}",
                      header_text=r.header, properties_title="评审会名单（盲评）", keep=r.keep)


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
    cols = [Column("序号", 6), Column("盲评编号", 10), Column("申报编号", 12), Column("姓名", 14),
            Column("工作单位", 30, wrap=True)]
    rows = [[i, e.code, e.app_id, e.name, e.employer]
            for i, e in enumerate(sorted(r.entries, key=lambda e: e.code), start=1)]
    return PrintTable("盲评编号对照表（组织人事科留存）", cols, rows,
                      notes=["本表为盲评编号与申报人的对照，由组织人事科保管，评审结束前不得外传。"],
                      landscape=False, header_text=r.header, properties_title="编号对照表（内部）", keep=r.keep)


def write_roster(r: Roster, out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    internal = internal_table(r)
    written.append(write_xlsx(internal, out_dir / f"{INTERNAL}.xlsx", extra=[excluded_table(r)]))
    written.append(write_docx(internal, out_dir / f"{INTERNAL}.docx"))
    for table, stem in ((blind_table(r), BLIND), (vote_table(r), VOTES)):
        written.append(write_xlsx(table, out_dir / f"{stem}.xlsx"))
        written.append(write_docx(table, out_dir / f"{stem}.docx"))
    written.append(write_xlsx(key_table(r), out_dir / f"{KEY}.xlsx"))
    return written
