"""Continuing education (notice 四(一)6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Mapping

from .base import cites
from .catalog import clean_word
from .settings import Settings

MET, NOT_MET, EXEMPT, NOT_REQUIRED, UNKNOWN = "达标", "不达标", "免修", "不作硬性要求", "待核"
PUBLIC, PROFESSIONAL = "公需课", "专业课"
FROM_SYSTEM, BY_HAND = "系统获取", "手动上传"


@dataclass(frozen=True)
class YearHours:
    public: float | None = None
    professional: float | None = None

    @property
    def blank(self) -> bool:
        return self.public is None and self.professional is None

    @property
    def total(self) -> float:
        return (self.public or 0) + (self.professional or 0)


@dataclass(frozen=True)
class CeVerdict:
    status: str                         # 达标 / 不达标 / 免修 / 不作硬性要求 / 待核
    shortfalls: tuple[str, ...] = ()    # one text per year short

    def __str__(self) -> str:
        if self.status == NOT_MET:
            return f"{NOT_MET}：" + "；".join(self.shortfalls)
        if self.status == UNKNOWN:
            return f"{UNKNOWN}：继续教育学时未填写"
        return self.status


_BLANK = YearHours()


def _fmt(hours: float) -> str:
    return f"{hours:g}"


@cites("四(一)6")
def ce_status(hours: Mapping[int, YearHours], settings: Settings, *, exempt: bool = False,
              private_first_time: bool = False) -> CeVerdict:
    """申报人按规定每年须完成不少于90学时的继续教育学习（专业课不少于60学时）;
    民营企业专业技术人员初次参加职称评审对继续教育不做硬性要求; 符合免继续教育培训的上传免学审批表.

    Each year of the settings' range is checked; a blank year counts as 0 hours, and a
    row with no hours at all is 待核.
    """
    if exempt:
        return CeVerdict(EXEMPT)
    if private_first_time:
        return CeVerdict(NOT_REQUIRED)
    years = settings.ce_years
    if all(hours.get(y, _BLANK).blank for y in years):
        return CeVerdict(UNKNOWN)
    short = []
    min_total, min_pro = settings.ce_min_total, settings.ce_min_professional
    for year in years:
        h = hours.get(year, _BLANK)
        pro = h.professional or 0
        total = (h.public or 0) + pro
        if total >= min_total and pro >= min_pro:
            continue
        parts = []
        if total < min_total:
            parts.append(f"总学时{_fmt(total)}，差{_fmt(min_total - total)}")
        if pro < min_pro:
            parts.append(f"专业课{_fmt(pro)}，差{_fmt(min_pro - pro)}")
        short.append(f"{year}年" + "、".join(parts))
    return CeVerdict(NOT_MET, tuple(short)) if short else CeVerdict(MET)


@cites("四(一)6")
def certificate_sources(settings: Settings) -> list[tuple[int, str, str]]:
    """2021年之后的专业课合格证书及2022年之后的公需课合格证书需从系统获取，其余年度手动上传:
    for each year and category, whether the certificate comes from the system or is
    uploaded by hand (the two start years are settings, the wording being ambiguous)."""
    out = []
    for year in settings.ce_years:
        out.append((year, PUBLIC, FROM_SYSTEM if year >= settings.ce_system_public_from else BY_HAND))
        out.append((year, PROFESSIONAL, FROM_SYSTEM if year >= settings.ce_system_professional_from else BY_HAND))
    return out


@dataclass(frozen=True)
class ReviewerRule:
    """One row of the packaged table of who reviews an exemption (attachment 4, notes 1-2)."""

    words: tuple[str, ...]
    and_words: tuple[str, ...]
    reviewer: str
    source: str


@cites("四(一)6")
def reviewing_office(reason: str, rules: Iterable[ReviewerRule]) -> str | None:
    """The office that reviews an exemption application, from its reason (attachment 4,
    notes 1-2: still stationed with 访惠聚 → the same-level 访惠聚 office; 驻村管寺 → the
    same-level united-front department; bilingual-teaching support → its leading group's
    office; returned → the supervising unit of the original posting). None when the
    reason matches no note. ``rules``: the packaged table
    (:func:`addin.data.exemption_reviewers`), the first row whose words (and, if any,
    and-words) occur in the reason wins."""
    text = clean_word(reason)
    for rule in rules:
        if any(w in text for w in rule.words) and (not rule.and_words or any(w in text for w in rule.and_words)):
            return rule.reviewer
    return None
