"""Who recommends an applicant, who hears objections to the unit publicity, and when a
publicity may start (notice 二(二), 三(二), 四(二), attachments 1-2)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Mapping

from .base import Finding, RuleInputError, cites, error, warning
from .calendar import AksuCalendar
from .catalog import clean_word
from .dates import format_date
from .settings import Settings

#: the basic-unit opinion, word for word (notice 四(四)): attachment 2 must carry it
RECOMMEND_SENTENCE = "本单位已对申报材料逐一审核，申报人所提供材料真实、完整、有效，同意推荐"
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


def as_typed(value: object) -> str:
    """A name as the clerk typed it, for print: only the spaces around it removed. Names
    are compared normalised (:func:`~addin.rules.catalog.clean_word`: full-width forms,
    spaces), never printed so: “（…）” stays “（…）”."""
    return "" if value is None else str(value).strip()


def _freelance(employer_type: str, private_basis: str) -> bool:
    return clean_word(employer_type) == FREELANCE or clean_word(private_basis) == FREELANCE_BASIS


@cites("四(二)", "二(二)")
def publicising_unit(employer: str, employer_type: str, private_basis: str, settings: Settings) -> str:
    """The unit that publicises the application internally (四(二) 用人单位…在单位内部公示):
    the employer, also on the private-enterprise route; a freelancer has none, so the
    personnel agency holding the file (二(二)). Names as typed."""
    return settings.freelance_recommender if _freelance(employer_type, private_basis) else as_typed(employer)


#: the settings naming the recommender of applicants who have no employer to recommend them
FREELANCE_RECOMMENDER, PRIVATE_RECOMMENDER = "freelance_recommender", "private_recommender"


@cites("二(二)", "三(二)")
def recommender_setting(employer_type: str, route: str, private_basis: str) -> str | None:
    """Which setting names the recommending unit (二(二) 档案托管的自由职业人员: the personnel
    agency; 三(二) 民营企业专项: the public employment service), or None when the employer
    recommends."""
    if _freelance(employer_type, private_basis):
        return FREELANCE_RECOMMENDER
    if clean_word(route) == PRIVATE_ROUTE:
        return PRIVATE_RECOMMENDER
    return None


@cites("二(二)", "三(二)")
def recommending_unit(employer: str, employer_type: str, route: str, private_basis: str, settings: Settings) -> str:
    """The unit that recommends the applicant and seals attachment 2: for freelancers
    whose file the prefecture's personnel agency holds (二(二)), that agency; for the
    private-enterprise route, the public employment service that reviews and recommends
    (三(二) 经同级公共就业服务机构审核、推荐); otherwise the employer. Names from the settings,
    or the employer as typed."""
    key = recommender_setting(employer_type, route, private_basis)
    return getattr(settings, key) if key else as_typed(employer)


@cites("二(二)", "三(二)")
def generic_recommenders(settings: Settings, generic_terms: Mapping[str, str], uses: Mapping[str, int],
                         labels: Mapping[str, str] | None = None) -> list[Finding]:
    """经同级公共就业服务机构审核、推荐 (三(二)); 档案托管的人事代理机构 (二(二)): the notice names
    these bodies by kind, not by name. A setting that still holds the notice's generic
    term (``generic_terms``: key -> term, from the packaged settings) while ``uses[key]``
    applications print it as their recommending unit is a finding (at the setting,
    ``column`` = key) until the clerk fills in the body's real name."""
    out = []
    for key, term in generic_terms.items():
        value = getattr(settings, key, "")
        if uses.get(key) and clean_word(value) == clean_word(term):
            label = (labels or {}).get(key, key)
            out.append(warning(f"参数“{label}”仍为通知中的泛称“{value}”，{uses[key]}份申报的附件2以它为推荐单位："
                               "请填写该机构的全称", "三(二)" if key == PRIVATE_RECOMMENDER else "二(二)").at(column=key))
    return out


@cites("四(二)")
def objection_contact(unit: str, contacts: Mapping[str, tuple[str, str]], settings: Settings) -> Contact:
    """Where objections to the unit publicity go: the unit publicises internally (四(二)),
    so its own office and phone from 用人单位 (``contacts`` keyed by the normalised name,
    :func:`~addin.rules.catalog.clean_word`); the bureau's contact office and phone when
    the register gives the unit none (or only half of it). The unit's name as typed."""
    key = clean_word(unit)
    office, phone = contacts.get(key, ("", ""))
    if office and phone:
        return Contact(office if clean_word(office).startswith(key) else as_typed(unit) + office, phone, True)
    return Contact(settings.contact_office, settings.contact_phone, False)


@cites("四(二)")
def publicity_before_submission(publicity_end: dt.date, first_submitted: dt.datetime) -> Finding | None:
    """用人单位…在单位内部公示…经公示无异议的按程序提交: the unit publicity must be over before
    the application is first submitted to the committee. A publicity whose last day is
    the day of the first submission or later is an error."""
    if publicity_end < first_submitted.date():
        return None
    return error(f"单位公示至{format_date(publicity_end)}结束，"
                 f"而第一次提交审核在{format_date(first_submitted)}："
                 "应经公示无异议后再提交", "四(二)")


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
