"""Defence score forms (notice 四(五): senior applicants defend; intermediate and below
are exempt and never appear here): for each expert drawn (members and reserves, who may
sit in), one document with a page per senior applicant on the roster — blind code,
series and specialty, target title, the items and points of the settings, room for the
scores and the total, the expert's signature. Blind material: codes only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..book.evaluation import Evaluation
from ..book.reader import Book
from ..errors import Refused
from ..rules.defence import defence_items
from ..rules.panel import PANEL, reserve_place
from . import meeting_record as R
from .meeting import build_roster

FORM = "答辩评分表"


def _seniors(book: Book, ev: Evaluation):
    return [e for e in build_roster(book, ev).entries if e.defense == "需答辩"]


def score_forms(book: Book, ev: Evaluation, out_dir: Path, *, now: dt.datetime) -> list[Path]:
    """One .docx per drawn expert (评委 and 候补), a page per senior applicant."""
    items = defence_items(book.settings)
    if items.finding:
        raise Refused(f"参数“答辩评分项目及分值”有误：{items.finding.message}；未生成评分表")
    experts = [e for e in (ev.day.experts if ev.day else []) if e.role == PANEL or reserve_place(e.role)]
    if not experts:
        raise Refused("“评委”表中还没有抽取结果（请先用 zhicheng draw 或“抽取评委”按钮抽取评委）；未生成评分表")
    seniors = _seniors(book, ev)
    if not seniors:
        raise Refused("上会名单中没有需答辩的申报（高级职称），无需答辩评分表；未生成")
    s = book.settings
    full = sum(i.points for i in items.value)
    drop = "去掉一个最高分和一个最低分后" if s.defence_drop_extremes else ""
    written = []
    for expert in experts:
        doc = R.official_document(f"{FORM}（{expert.code}）", f"{s.campaign_year}年度职称评审会{FORM}", now=now)
        for n, entry in enumerate(seniors):
            if n:
                R.page_break(doc)
            R.title(doc, f"{s.campaign_year}年度职称评审会", FORM)
            for label, value in (("盲评编号", entry.code), ("系列专业", f"{entry.series}　{entry.specialty}"),
                                 ("拟申报职称", entry.title), ("评委编号", expert.code)):
                R.body(doc, f"{label}：{value}", indent=False)
            blank = R.SPACE * 8                       # room to write the score
            rows = [[i, item.name, item.points, blank] for i, item in enumerate(items.value, start=1)]
            rows.append(["", "合计", full, blank])
            R.T.paragraph(doc, "表注")
            grid = R.table(doc, [R.C("序号"), R.C("评分项目", 20, True), R.C("分值"), R.C("得分")], rows)
            for row in grid.rows[1:]:
                R.T.row_height(row, 14)
            notes = [R.T.paragraph(doc, "表注", note) for note in (
                "注：1.各项得分不超过该项分值，合计为各项得分之和。",
                f"2.答辩成绩为出席评委评分{drop}的平均分，{s.defence_pass_score}分及以上为合格。",
                "3.本表由评委签名后当场交监票人，不得带离会场。")]
            R.signatures(doc, ["评委"], signs=notes, grid=grid)
        written.append(R.save(doc, Path(out_dir) / f"{FORM}-{expert.code}.docx"))
    return written
