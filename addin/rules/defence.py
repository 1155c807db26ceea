"""Defence scoring (notice 四(五): senior applicants attend a professional defence;
intermediate and below are exempt).

Each seated panel member scores each senior applicant on the items of the settings
(``defence_items``: item and points); an applicant's defence score is the average of
the valid score sheets, after dropping the highest and the lowest total when the
settings ask for it; it passes at the settings' pass mark. Pure: score sheets come in
as values, the answer is a value with its findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Mapping, Sequence

from .base import Finding, Parsed, cites, error, warning
from .catalog import clean_word
from .meeting import PASSED as VOTE_PASSED
from .settings import Settings

PASSED, FAILED, PENDING = "答辩合格", "答辩不合格", "待录入"


@dataclass(frozen=True)
class Item:
    name: str
    points: int


@cites("四(五)")
def defence_items(settings: Settings) -> Parsed[tuple[Item, ...]]:
    """答辩评分项目及分值 (``专业理论知识:30、解决实际问题能力:40、…``): each item with the
    most points a member may give it; the full mark is their sum, and the pass mark
    must lie within it."""
    items = []
    for text in settings.defence_items:
        match = re.fullmatch(r"(.+?)[:：](\d+)", text)
        if not match or int(match[2]) < 1:
            return Parsed(finding=error(f"答辩评分项目应写成“专业理论知识:30、解决实际问题能力:40”，“{text}”无法识别",
                                        "四(五)").at(column="defence_items"))
        items.append(Item(clean_word(match[1]), int(match[2])))
    if not items:
        return Parsed(finding=error("答辩评分项目未填写", "四(五)").at(column="defence_items"))
    if len({i.name for i in items}) != len(items):
        return Parsed(finding=error("答辩评分项目有重名", "四(五)").at(column="defence_items"))
    full = sum(i.points for i in items)
    if not 0 < settings.defence_pass_score <= full:
        return Parsed(finding=error(f"答辩合格分数线{settings.defence_pass_score}不在满分{full}以内", "四(五)").at(
            column="defence_pass_score"))
    return Parsed(tuple(items))


@dataclass(frozen=True)
class ScoreSheet:
    """One member's score sheet for one applicant, as entered in 答辩评分."""

    ref: int                                   # row number
    code: str                                  # the applicant's blind code
    expert: str                                # the member's code
    scores: Mapping[str, float | None]         # item name -> points given (None: blank)
    bad: tuple[str, ...] = ()                  # items whose cell could not be read


@dataclass(frozen=True)
class SheetCheck:
    total: float | None                        # None: not counted
    note: str                                  # 计入 / why not
    findings: tuple[Finding, ...] = ()


@cites("四(五)")
def check_sheet(sheet: ScoreSheet, items: Sequence[Item], seated: set[str], senior: set[str]) -> SheetCheck:
    """A score sheet counts when it is for an applicant who defends (intermediate and
    below do not: 四(五)), by a member seated at the meeting (an absent expert cannot
    score: 未出席会议的评审专家不得补充评分), with every item filled in and within its
    points; otherwise it is left out with the reason."""
    problems: list[Finding] = []
    if sheet.code not in senior:
        problems.append(error(f"{sheet.code}不是需答辩的申报（中级及以下免于答辩），评分不计入", "四(五)"))
    if sheet.expert not in seated:
        problems.append(error(f"评委{sheet.expert or '（未填）'}不是出席本次评审会的评委，评分不计入", "评审会规则"))
    total = 0.0
    for item in items:
        value = sheet.scores.get(item.name)
        if item.name in sheet.bad:
            continue
        if value is None:
            problems.append(error(f"“{item.name}”未评分，本表不计入", "四(五)"))
        elif not 0 <= value <= item.points:
            problems.append(error(f"“{item.name}”评分{value:g}超出0—{item.points}分，本表不计入", "四(五)"))
        else:
            total += value
    if sheet.bad:
        problems.append(error("、".join(f"“{b}”" for b in sheet.bad) + "不是数字，本表不计入", "四(五)"))
    if problems:
        return SheetCheck(None, "不计入：" + "；".join(p.message.removesuffix("，本表不计入").removesuffix("，评分不计入")
                                                  for p in problems), tuple(problems))
    return SheetCheck(round(total, 2), "计入")


@dataclass(frozen=True)
class DefenceResult:
    code: str
    totals: tuple[float, ...]                  # the counted sheets' totals
    dropped: tuple[float, ...] = ()            # the highest and lowest left out
    score: float | None = None                 # average, 2 decimals
    result: str = PENDING
    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def counted(self) -> tuple[float, ...]:
        rest = list(self.totals)
        for d in self.dropped:
            rest.remove(d)
        return tuple(rest)


def _round(value: Fraction) -> float:
    """Half up to 2 decimals, as a clerk rounds (not banker's rounding)."""
    return float((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@cites("四(五)")
def defence_result(code: str, totals: Sequence[float], expected: int, settings: Settings, *,
                   scoring_started: bool = False) -> DefenceResult:
    """申报高级职称的须参加答辩: the defence score is the average of the counted score
    sheets — after dropping one highest and one lowest total when the settings ask for
    it (at least three sheets are then needed) — rounded half up to 2 decimals; it
    passes when that score reaches the pass mark. Fewer sheets than members seated is a
    warning (a score missing); none is pending, and a warning once scoring has started
    (``scoring_started``: some sheet is entered)."""
    totals = tuple(sorted(totals))
    findings: list[Finding] = []
    if not totals:
        missing = (warning(f"{code}需答辩，尚无有效的答辩评分", "四(五)"),) if scoring_started else ()
        return DefenceResult(code, (), result=PENDING, findings=missing)
    if len(totals) < expected:
        findings.append(warning(f"{code}答辩评分只有{len(totals)}份，出席评委{expected}人", "四(五)"))
    dropped: tuple[float, ...] = ()
    kept = list(totals)
    if settings.defence_drop_extremes:
        if len(totals) < 3:
            findings.append(error(f"{code}只有{len(totals)}份有效评分，无法去掉最高分和最低分，答辩成绩暂不计算", "四(五)"))
            return DefenceResult(code, totals, result=PENDING, findings=tuple(findings))
        dropped = (totals[-1], totals[0])
        kept = list(totals[1:-1])
    mean = sum(Fraction(str(t)) for t in kept) / len(kept)
    score = _round(mean)
    result = PASSED if score >= settings.defence_pass_score else FAILED     # as printed: 59.995 shows and passes as 60.00
    return DefenceResult(code, totals, dropped, score, result, tuple(findings))


@cites("四(五)")
def vote_against_defence(defence: DefenceResult | None, vote: str, settings: Settings) -> Finding | None:
    """答辩成绩作为评审的重要依据: a vote of 评审通过 for a senior applicant whose defence
    score is below the pass mark is a warning for the clerk (the committee decides, the
    tool asks to check)."""
    if defence is not None and defence.result == FAILED and vote == VOTE_PASSED:
        return warning(f"{defence.code}答辩成绩{defence.score:.2f}分，未达合格分数线{settings.defence_pass_score}分，"
                       f"表决结果却为评审通过，请核对", "四(五)")
    return None
