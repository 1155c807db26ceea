"""The meeting's panel: who may be drawn from the expert pool, the draw itself, and who
is seated on the day (facts.md section 2: national interim provisions on title
evaluation, 2019 — recusal of experts with an interest, at least 2/3 of the members
attending, no proxy or late votes).

Pure: the experts and the applicants on the roster come in as values, the random
source is passed in (the product passes :class:`secrets.SystemRandom`, the tests a
seeded :class:`random.Random`), and the answer is a value. A draw that cannot be made
raises :class:`DrawRefused` with a Chinese message naming what is short.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .base import Finding, Parsed, RuleInputError, cites, error, warning
from .catalog import clean_word
from .meeting import normalise_employer
from .settings import Settings

#: the relations a clerk may list on an expert (评委!回避关系)
RELATIONS = ("亲属", "同单位", "其他")
ALL_SPECIALTIES = "不分专业"
PANEL, RESERVE, NOT_DRAWN, EXCLUDED = "评委", "候补", "未抽中", "不参加抽取"


class DrawRefused(RuleInputError):
    """The panel cannot be drawn (too few eligible experts, bad settings, bad pool)."""


@dataclass(frozen=True)
class Expert:
    """One row of the expert pool (评委)."""

    ref: int                          # row number in the sheet
    code: str
    name: str = ""
    employer: str = ""
    specialty: str = ""
    title: str = ""
    available: bool | None = True     # 可参加: None = not filled in
    relation: str = ""                # 亲属 / 同单位 / 其他
    related: tuple[str, ...] = ()     # application ids or names the relation is with
    attended: bool | None = None      # 是否出席 (meeting day)
    role: str = ""                    # what the last draw made of them: 评委 / 候补1 / 未抽中 / 不参加抽取


@dataclass(frozen=True)
class Candidate:
    """An applicant on the meeting's roster, as recusal needs them."""

    app_id: str
    name: str
    employer: str
    code: str = ""


def _person_key(text: str) -> str:
    """Names compared for recusal: spaces and every middle-dot variant ignored."""
    return re.sub(r"[\s•・．.∙‧⋅･·]", "", clean_word(text))


@cites("评审会规则")
def recusal_reasons(expert: Expert, roster: Iterable[Candidate]) -> list[tuple[Candidate, str]]:
    """与申报人有利害关系的评审专家应当回避: every applicant on the roster this expert
    must stand down for, with the reason — the same employer (names compared without
    spaces and brackets), or a relation the clerk listed (亲属 / 同单位 / 其他) with
    the applicant's application id or name."""
    out = []
    mine = normalise_employer(expert.employer)
    related = {_person_key(r) for r in expert.related if _person_key(r)}
    for person in roster:
        if mine and normalise_employer(person.employer) == mine:
            out.append((person, "同单位"))
        elif related & {_person_key(person.app_id), _person_key(person.name)}:
            out.append((person, expert.relation or "其他"))
    return out


@cites("评审会规则")
def pool_problems(experts: Sequence[Expert], known_people: Iterable[str]) -> list[Finding]:
    """Problems of the pool that would make a draw unsafe: a code missing or twice (the
    code is how attendance, votes and scores name an expert), a relation without the
    person it is with or with a person the register does not hold (a typo there would
    silently keep an expert with an interest on the panel)."""
    findings: list[Finding] = []
    seen: dict[str, int] = {}
    known = {_person_key(p) for p in known_people}
    for e in experts:
        if not e.code:
            findings.append(error("评委编号为空").at(row=e.ref, column="code"))
        elif e.code in seen:
            findings.append(error(f"评委编号{e.code}与第{seen[e.code]}行重复").at(row=e.ref, column="code"))
        else:
            seen[e.code] = e.ref
        if e.relation and e.relation not in RELATIONS:
            findings.append(error(f"回避关系应为{'、'.join(RELATIONS)}之一，实为“{e.relation}”").at(row=e.ref, column="relation"))
        if e.relation and not e.related:
            findings.append(error(f"填写了回避关系“{e.relation}”，但未填写回避对象（申报编号或姓名）").at(
                row=e.ref, column="related"))
        if e.related and not e.relation:
            findings.append(error("填写了回避对象，但未选择回避关系（亲属、同单位、其他）").at(row=e.ref, column="relation"))
        for person in e.related:
            if _person_key(person) not in known:
                findings.append(error(f"回避对象“{person}”不在申报人员表中（请填写申报编号或与台账一致的姓名）").at(
                    row=e.ref, column="related"))
    return findings


@dataclass(frozen=True)
class Quota:
    specialty: str                  # a specialty, or ALL_SPECIALTIES
    size: int
    reserves: int


@cites("评审会规则")
def panel_quotas(settings: Settings) -> Parsed[tuple[Quota, ...]]:
    """评审会评委人数 and, where the settings ask for it, the number drawn from each
    specialty (``公路:4、运输:2、交通经济:1``, adding up to the panel size); each group
    draws its own reserves. ``不分专业`` draws the whole panel from the whole pool."""
    size, reserves = settings.panel_size, settings.panel_reserves
    if size < 1:
        return Parsed(finding=error("评审会评委人数应至少为1", "评审会规则").at(column="panel_size"))
    items = [i for i in settings.panel_by_specialty if i]
    if not items or items == [ALL_SPECIALTIES]:
        return Parsed((Quota(ALL_SPECIALTIES, size, reserves),))
    quotas = []
    for item in items:
        match = re.fullmatch(r"(.+?)[:：](\d+)", item)
        if not match or int(match[2]) < 1:
            return Parsed(finding=error(f"各专业抽取评委人数应写成“公路:4、运输:2”，“{item}”无法识别",
                                        "评审会规则").at(column="panel_by_specialty"))
        quotas.append(Quota(clean_word(match[1]), int(match[2]), reserves))
    if sum(q.size for q in quotas) != size:
        return Parsed(finding=error(f"各专业抽取评委人数合计{sum(q.size for q in quotas)}人，与评审会评委人数{size}人不符",
                                    "评审会规则").at(column="panel_by_specialty"))
    return Parsed(tuple(quotas))


@dataclass
class Group:
    quota: Quota
    eligible: int
    panel: list[Expert] = field(default_factory=list)
    reserves: list[Expert] = field(default_factory=list)

    @property
    def reserve_shortfall(self) -> int:
        return self.quota.reserves - len(self.reserves)


@dataclass
class Draw:
    pool: list[Expert]
    exclusions: list[tuple[Expert, str]]            # (expert, reason)
    groups: list[Group]

    @property
    def panel(self) -> list[Expert]:
        return [e for g in self.groups for e in g.panel]

    @property
    def reserves(self) -> list[Expert]:
        return [e for g in self.groups for e in g.reserves]

    def roles(self) -> dict[str, tuple[str, str]]:
        """expert code -> (抽取结果, 抽取说明) for the pool sheet: 评委, reserves as
        ``候补1`` (whole pool) or ``公路候补1`` (per specialty), 未抽中, 不参加抽取."""
        out = {e.code: (NOT_DRAWN, "") for e in self.pool}
        for expert, reason in self.exclusions:
            out[expert.code] = (EXCLUDED, reason)
        for g in self.groups:
            spec = "" if g.quota.specialty == ALL_SPECIALTIES else g.quota.specialty
            for i, e in enumerate(g.panel, start=1):
                out[e.code] = (PANEL, f"{spec}第{i}名" if spec else f"第{i}名")
            for i, e in enumerate(g.reserves, start=1):
                out[e.code] = (f"{spec}{RESERVE}{i}", f"评委缺席时按顺序递补（{spec or '不分专业'}）")
        return out

    @property
    def warnings(self) -> list[str]:
        return [f"{_group_name(g.quota)}候补评委只有{len(g.reserves)}人（应为{g.quota.reserves}人）"
                for g in self.groups if g.reserve_shortfall > 0]


def _group_name(q: Quota) -> str:
    return "专家库" if q.specialty == ALL_SPECIALTIES else f"{q.specialty}专业"


_RELATION_TEXT = {"亲属": "有亲属关系", "同单位": "同单位", "其他": "有其他利害关系"}


def exclusion_reason(expert: Expert, roster: Sequence[Candidate]) -> str:
    """Why an expert takes no part in the draw ("" when they do)."""
    if expert.available is False:
        return "本次不能参加"
    if expert.available is None:
        return "未填写是否可参加"
    reasons = recusal_reasons(expert, roster)
    if not reasons:
        return ""
    by_relation: dict[str, list[str]] = {}
    for person, why in reasons:
        by_relation.setdefault(why, []).append(f"{person.app_id} {person.name}".strip())
    return "回避：" + "；".join(f"与申报人{'、'.join(people)}{_RELATION_TEXT.get(why, why)}"
                               for why, people in by_relation.items())


@cites("评审会规则")
def draw_panel(experts: Sequence[Expert], roster: Sequence[Candidate], settings: Settings,
               rng: random.Random) -> Draw:
    """从评审专家库中随机抽取评审专家组成评审会，与申报人有利害关系的专家应当回避:
    the panel of the size the settings give (per specialty where they ask for it) and,
    in each group, the reserves in the order drawn. Experts who cannot take part, or
    who must recuse for any applicant on the roster, are left out with the reason.
    Too few eligible experts for the panel refuses the draw, naming the specialty;
    fewer reserves than asked is a warning of the draw. Eligible experts are ordered by
    code before drawing, so the same random source gives the same draw whatever the
    order of the sheet."""
    quotas = panel_quotas(settings)
    if quotas.finding:
        raise DrawRefused(quotas.finding.message)
    exclusions, eligible = [], []
    for e in experts:
        reason = exclusion_reason(e, roster)
        if reason:
            exclusions.append((e, reason))
        else:
            eligible.append(e)
    eligible.sort(key=lambda e: e.code)
    groups, short = [], []
    for q in quotas.value:
        members = [e for e in eligible if q.specialty == ALL_SPECIALTIES or clean_word(e.specialty) == q.specialty]
        if len(members) < q.size:
            out = sum(1 for e, _ in exclusions
                      if q.specialty == ALL_SPECIALTIES or clean_word(e.specialty) == q.specialty)
            short.append(f"{_group_name(q)}需抽取评委{q.size}人，可抽取的只有{len(members)}人"
                         + (f"（另有{out}人因回避或不能参加被排除）" if out else ""))
            continue
        picked = rng.sample(members, min(len(members), q.size + q.reserves))
        groups.append(Group(q, len(members), picked[:q.size], picked[q.size:]))
    if short:
        raise DrawRefused("可抽取的评委不足，未抽取：" + "；".join(short) + "。请在“评委”表中补充专家或调整参数后再抽取。")
    return Draw(list(experts), exclusions, groups)


# --- meeting day: who is seated -------------------------------------------------------------

@dataclass(frozen=True)
class Seating:
    members: int                      # the panel drawn
    seated: tuple[str, ...]           # codes that count: attending members, then reserves in order
    absent: tuple[str, ...]           # panel members not attending
    findings: tuple[Finding, ...] = ()


_RESERVE_ROLE = re.compile(rf"^(?P<spec>.*?){RESERVE}(?P<n>\d+)$")


def reserve_place(role: str) -> tuple[str, int] | None:
    """``公路候补2`` -> ("公路", 2); ``候补1`` -> ("", 1); None for any other role."""
    match = _RESERVE_ROLE.match(clean_word(role))
    return (match["spec"], int(match["n"])) if match else None


@cites("评审会规则")
def seating(experts: Sequence[Expert], *, held: bool = True) -> Seating:
    """评审会议须有三分之二以上评审专家出席；未出席会议的评审专家不得委托他人投票或者补充
    投票; 评委缺席时由候补评委按抽取顺序递补: the members are the panel drawn; those
    seated are the panel members marked as attending, plus, for each absent member, the
    next attending reserve of the same group (the specialty, when the draw was by
    specialty) in the order drawn. A reserve attending without a seat to fill, or an
    expert not drawn marked as attending, is seated nowhere (a finding): they cannot vote
    or score. ``held``: whether the meeting has taken place; before it, a blank 是否出席
    is what it should be, not a finding."""
    findings: list[Finding] = []
    panel = [e for e in experts if clean_word(e.role) == PANEL]
    reserves = sorted(((reserve_place(e.role), e) for e in experts if reserve_place(e.role)),
                      key=lambda x: (x[0][0], x[0][1]))
    by_group = any(place[0] for place, _ in reserves)
    seated = [e.code for e in panel if e.attended]
    absent = [e for e in panel if not e.attended]
    for e in panel:
        if e.attended is None and held:
            findings.append(warning(f"评委{e.code}未填写是否出席，按未出席计", "评审会规则").at(row=e.ref, column="attending"))
    free: dict[str, int] = {}
    for e in absent:
        key = clean_word(e.specialty) if by_group else ""
        free[key] = free.get(key, 0) + 1
    for (spec, n), e in reserves:
        if not e.attended:
            continue
        if free.get(spec, 0) > 0:
            free[spec] -= 1
            seated.append(e.code)
        else:
            findings.append(warning(f"候补评委{e.code}（{e.role}）出席，但没有需要递补的缺席评委，不计入出席、不能投票和评分",
                                    "评审会规则").at(row=e.ref, column="attending"))
    for e in experts:
        if e.attended and clean_word(e.role) not in (PANEL,) and not reserve_place(e.role):
            findings.append(warning(f"{e.code}不是本次抽取的评委或候补评委，标为出席不计入", "评审会规则").at(
                row=e.ref, column="attending"))
    return Seating(len(panel), tuple(seated), tuple(e.code for e in absent), tuple(findings))
