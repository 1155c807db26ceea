"""Who recommends an applicant, who hears objections to the unit publicity, and when a
publicity may start (notice 二(二), 三(二), 四(二), attachments 1-2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping

from .base import Finding, RuleInputError, cites, warning
from .calendar import AksuCalendar
from .catalog import clean_word
from .settings import Settings

FREELANCE = "自由职业"
PRIVATE_ROUTE = "民营企业专项"
#: the 民营企业申报依据 of a freelancer (二(二))
FREELANCE_BASIS = "档案在地区人事代理机构托管"
NO_TITLE_WORDS = ("无", "暂无", "没有", "未取得")


@dataclass(frozen=True)
class Contact:
    office: str
    phone: str
    own: bool            # the unit's own office (False: the bureau's, as a fallback)


def _freelance(employer_type: str, private_basis: str) -> bool:
    return clean_word(employer_type) == FREELANCE or clean_word(private_basis) == FREELANCE_BASIS


@cites("四(二)", "二(二)")
def publicising_unit(employer: str, employer_type: str, private_basis: str, settings: Settings) -> str:
    """The unit that publicises the application internally (四(二) 用人单位…在单位内部公示):
    the employer, also on the private-enterprise route; a freelancer has none, so the
    personnel agency holding the file (二(二))."""
    return settings.freelance_recommender if _freelance(employer_type, private_basis) else clean_word(employer)


@cites("二(二)", "三(二)")
def recommending_unit(employer: str, employer_type: str, route: str, private_basis: str, settings: Settings) -> str:
    """The unit that recommends the applicant and seals attachment 2: for freelancers
    whose file the prefecture's personnel agency holds (二(二)), that agency; for the
    private-enterprise route, the public employment service that reviews and recommends
    (三(二) 经同级公共就业服务机构审核、推荐); otherwise the employer. Names from the settings."""
    if _freelance(employer_type, private_basis):
        return settings.freelance_recommender
    if clean_word(route) == PRIVATE_ROUTE:
        return settings.private_recommender
    return clean_word(employer)


@cites("四(二)")
def objection_contact(unit: str, contacts: Mapping[str, tuple[str, str]], settings: Settings) -> Contact:
    """Where objections to the unit publicity go: the unit publicises internally (四(二)),
    so its own office and phone from 用人单位; the bureau's contact office and phone when
    the register gives the unit none (or only half of it)."""
    unit = clean_word(unit)
    office, phone = contacts.get(unit, ("", ""))
    if office and phone:
        return Contact(office if office.startswith(unit) else unit + office, phone, True)
    return Contact(settings.contact_office, settings.contact_phone, False)


@cites("四(二)")
def publicity_start_warning(start: dt.date, calendar: AksuCalendar) -> Finding | None:
    """A unit publicity should start on a working day (Aksu calendar): one that starts on
    a rest day loses that day from the period it shows."""
    try:
        working = calendar.is_workday(start)
    except RuleInputError:
        return None
    if working:
        return None
    return warning("公示开始日是休息日（按阿克苏工作日），公示期从下一个工作日起算，建议改为工作日开始", "四(二)")


@cites("四(二)")
def current_title_phrase(title: str) -> str:
    """How attachment 1 states the current title: 现任专业技术职务任职资格为工程师, or
    暂无专业技术职务任职资格 when the register says 无 (not “为无”)."""
    title = clean_word(title)
    if not title or title in NO_TITLE_WORDS:
        return "暂无专业技术职务任职资格"
    return f"现任专业技术职务任职资格为{title}"
