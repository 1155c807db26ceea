"""Eligibility of one application: the 评审条件 table, the skill path, and the
notice's other conditions. Each check is a small function citing its clause and
returning the reasons it fails (不符合) and the inputs it still needs (待核).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from .base import Finding, cites, error
from .catalog import GRADES, Catalog, EligibilityRule, Title
from .dates import format_date
from .ce import NOT_MET, UNKNOWN, CeVerdict, YearHours, ce_status
from .seniority import full_years
from .settings import Settings

OK, FAIL, PENDING = "符合", "不符合", "待核"
PRIVATE_ROUTE, STATIONED = "民营企业专项", "疆外民营企业派驻"


@dataclass(frozen=True)
class Applicant:
    """One application as the rules see it: dates already typed, words as typed."""

    app_id: str = ""
    name: str = ""
    id_number: str = ""
    employer: str = ""
    employer_type: str = ""
    route: str = ""
    series: str = ""
    specialty: str = ""
    target_title: str = ""
    current_title: str = ""
    current_title_date: dt.date | None = None
    current_title_place: str = ""
    education: str = ""
    work_start: dt.date | None = None
    skill_level: str = ""
    skill_date: dt.date | None = None
    appraisals: tuple[str, ...] = ()
    ce_hours: Mapping[int, YearHours] = field(default_factory=dict)
    ce_exempt: bool = False
    private_first_time: bool = False
    mandarin: str = ""
    econ_exam_year: int | None = None
    econ_exam_pass: bool | None = None
    private_basis: str = ""
    stationed_since: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Reason:
    text: str
    clause: str

    def __str__(self) -> str:
        return f"{self.text}（{self.clause}）"


@dataclass(frozen=True)
class Verdict:
    failures: tuple[Reason, ...] = ()
    missing: tuple[Reason, ...] = ()
    path: str = ""            # which route to eligibility held: 评审条件 / 技能人才贯通
    ce: CeVerdict | None = field(default=None, compare=False)   # the continuing-education verdict it used

    @property
    def status(self) -> str:
        return FAIL if self.failures else PENDING if self.missing else OK

    def __str__(self) -> str:
        if self.failures:
            return f"{FAIL}：" + "；".join(map(str, self.failures))
        if self.missing:
            return f"{PENDING}：" + "、".join(dict.fromkeys(r.text for r in self.missing))
        return OK


@dataclass(frozen=True)
class Context:
    settings: Settings
    catalog: Catalog


@dataclass
class _Tally:
    failures: list[Reason] = field(default_factory=list)
    missing: list[Reason] = field(default_factory=list)
    ce: CeVerdict | None = None

    def fail(self, text: str, clause: str) -> None:
        self.failures.append(Reason(text, clause))

    def need(self, text: str, clause: str) -> None:
        self.missing.append(Reason(text, clause))


# --- the skill path (四(七)) ----------------------------------------------------------

def _skill_paths(settings: Settings) -> list[tuple[str, str, int]]:
    """(skill level held, title grade it opens, years needed) from the settings."""
    return [("高级工", "助理级", settings.skill_years_advanced_worker),
            ("技师", "中级", settings.skill_years_technician),
            ("高级技师", "副高级", settings.skill_years_senior_technician)]


@cites("四(七)")
def skill_path_grade(skill_level: str, obtained_on: dt.date, cutoff: dt.date,
                     settings: Settings, catalog: Catalog) -> str:
    """取得高级工、技师、高级技师职业资格或职业技能等级后，从事技术技能工作分别满2年、3年、4年的，
    可分别申报评审相应专业助理级、中级、副高级职称: the highest title grade the skill
    level held since ``obtained_on`` opens by ``cutoff``, or "" when none."""
    levels = catalog.lists.get("职业技能等级", [])
    if skill_level not in levels:
        return ""
    held = levels.index(skill_level)
    years = full_years(obtained_on, cutoff)
    best = ""
    for level, grade, needed in _skill_paths(settings):
        if level in levels and levels.index(level) <= held and years >= needed:
            best = grade
    return best


# --- the checks -------------------------------------------------------------------------

def _title(ctx: Context, a: Applicant, t: _Tally) -> Title | None:
    parsed = ctx.catalog.title(a.target_title)
    if parsed.value is None:
        if parsed.finding:
            t.fail(parsed.finding.message, "四(三)")
        else:
            t.need("拟申报职称", "四(三)")
        return None
    target = parsed.value
    if a.series and ctx.catalog.pick("系列", a.series).value not in (None, target.series):
        t.fail(f"拟申报的{target.name}不属于{a.series}", "四(三)")
    return target


@cites("四(三)", "四(二)")
def check_rules_table(ctx: Context, a: Applicant, target: Title) -> tuple[list[Reason], list[Reason]]:
    """职称评审条件 (the 评审条件 table): education x required current title x full years
    counted to the seniority cutoff; technical-school classes count per 四(七)."""
    t = _Tally()
    rows = ctx.catalog.rules_for(target.name)
    if not rows:
        t.fail(f"评审条件表没有{target.name}的申报条件（如可评审，请在评审条件表中补充）", "四(三)")
        return t.failures, t.missing
    edu = ctx.catalog.education_of(a.education)
    if edu.value is None:
        if edu.finding:
            t.fail(edu.finding.message, "四(一)2")
        else:
            t.need("学历", "四(一)2")
        return t.failures, t.missing
    effective = ctx.catalog.effective_education(edu.value)
    matching = [r for r in rows if effective.name in r.educations]
    if not matching:
        shown = edu.value.name + (f"（按{effective.name}）" if effective is not edu.value else "")
        allowed = "；".join(r.describe() for r in rows)
        t.fail(f"{shown}学历不能申报{target.name}（评审条件：{allowed}）", "四(三)")
        return t.failures, t.missing
    outcomes = [_check_rule_row(ctx, a, r) for r in matching]
    if any(not f and not m for f, m in outcomes):
        return [], []
    best = min(outcomes, key=lambda o: (len(o[0]), len(o[1])))
    return best


def _check_rule_row(ctx: Context, a: Applicant, rule: EligibilityRule) -> tuple[list[Reason], list[Reason]]:
    t = _Tally()
    cutoff = ctx.settings.seniority_cutoff
    if rule.required_title:
        required = ctx.catalog.titles[rule.required_title]
        current = ctx.catalog.title(a.current_title)
        if current.value is None:
            if current.finding:
                t.fail(current.finding.message, "四(一)4")
            else:
                t.fail(f"申报{rule.target_title}须已取得{required.name}", "四(三)")
            return t.failures, t.missing
        if current.value.series != required.series or current.value.rank < required.rank:
            t.fail(f"现职称{current.value.name}不满足申报{rule.target_title}须取得的{required.name}", "四(三)")
            return t.failures, t.missing
        since, label = a.current_title_date, f"取得{current.value.name}"
        if since is None:
            t.need("现职称取得时间", "四(一)4")
            return t.failures, t.missing
    else:
        if rule.years == 0:
            return [], []
        since, label = a.work_start, "参加工作"
        if since is None:
            t.need("参加工作时间", "四(二)")
            return t.failures, t.missing
    years = full_years(since, cutoff)
    if years < rule.years:
        t.fail(f"{label}至{format_date(cutoff)}满{max(years, 0)}年，不足{rule.years}年", "四(二)")
    return t.failures, t.missing


@cites("四(七)")
def check_skill_path(ctx: Context, a: Applicant, target: Title) -> tuple[bool, list[Reason], list[Reason]]:
    """具有高级工以上职业资格或职业技能等级，且近三年考核合格的高技能人才，不受学历、论文、外语、
    计算机等条件的限制: whether the skill path opens ``target`` (the appraisals are checked
    for everybody by :func:`check_appraisals`)."""
    t = _Tally()
    level = ctx.catalog.pick("职业技能等级", a.skill_level)
    if level.value is None:
        if level.finding:
            t.fail(level.finding.message, "四(七)")
        return False, t.failures, t.missing
    if a.skill_date is None:
        t.need("职业技能等级取得时间", "四(七)")
        return False, t.failures, t.missing
    grade = skill_path_grade(level.value, a.skill_date, ctx.settings.seniority_cutoff, ctx.settings, ctx.catalog)
    if grade and target.rank <= GRADES.index(grade):
        return True, [], []
    if grade:
        t.fail(f"{level.value}经技能人才贯通可申报至{grade}，不能申报{target.name}", "四(七)")
    else:
        t.fail(f"{level.value}取得年限不足，尚不能经技能人才贯通申报", "四(七)")
    return False, t.failures, t.missing


@cites("四(八)")
def econ_exam_valid(exam_year: int, national_pass: bool, campaign_year: int, settings: Settings) -> bool:
    """高级经济师须参加全国统一考试并取得成绩：成绩达到国家合格标准的，有效期为5年；
    未达到国家合格标准的，成绩仅当年有效."""
    if exam_year > campaign_year:
        return False
    if national_pass:
        return campaign_year - exam_year < settings.econ_exam_valid_years
    return exam_year == campaign_year


def check_econ_exam(ctx: Context, a: Applicant, target: Title, t: _Tally) -> None:
    if target.name not in ctx.settings.econ_exam_titles:
        return
    if a.econ_exam_year is None:
        t.need("高级经济师考试年份", "四(八)")
        return
    passed = bool(a.econ_exam_pass)
    if not econ_exam_valid(a.econ_exam_year, passed, ctx.settings.campaign_year, ctx.settings):
        kind = "达到国家合格标准" if passed else "未达国家合格标准"
        t.fail(f"{a.econ_exam_year}年高级经济师考试成绩（{kind}）已不在有效期内", "四(八)")


@cites("四(一)7")
def mandarin_ok(level: str, settings: Settings, catalog: Catalog) -> bool:
    """事业单位专业技术人员申报职称，普通话水平不得低于三级乙等."""
    levels = catalog.lists["普通话等级"]   # best first
    return levels.index(level) <= levels.index(settings.mandarin_min_level)


#: the 普通话 column: 达标 / 未达标 / 须提供 / 不要求, 待核 while the unit's type is unknown
MANDARIN_MET, MANDARIN_NOT_MET, MANDARIN_NEEDED, MANDARIN_NOT_REQUIRED, MANDARIN_PENDING = (
    "达标", "未达标", "须提供", "不要求", "待核")


@dataclass(frozen=True)
class MandarinCheck:
    """The one answer on Mandarin for an applicant: the 普通话 column, and what the
    eligibility verdict says (a failure, or what is missing)."""

    column: str
    failure: str | None = None
    missing: str | None = None

    @property
    def required(self) -> bool:
        """Whether the certificate is required (the unit is of a type that needs it)."""
        return self.column in (MANDARIN_MET, MANDARIN_NOT_MET, MANDARIN_NEEDED)


@cites("四(一)7")
def mandarin_check(employer_type: str, mandarin: str, settings: Settings, catalog: Catalog) -> MandarinCheck:
    """事业单位专业技术人员须上传普通话水平测试等级证书，等级不低于三级乙等: for a unit whose
    单位性质 (read through its drop-down list, as every rule reads it) is one of the
    settings' types, the level must be given and reach the floor; another type does not
    need it; an unknown or blank type leaves it 待核. The 普通话 column, the verdict and the
    documents required all take their answer from here."""
    kind = catalog.pick("单位性质", employer_type)
    if kind.value is None:
        if kind.finding:
            return MandarinCheck(MANDARIN_PENDING, failure=kind.finding.message)
        return MandarinCheck(MANDARIN_PENDING, missing="单位性质")
    if kind.value not in settings.mandarin_employer_types:
        return MandarinCheck(MANDARIN_NOT_REQUIRED)
    level = catalog.pick("普通话等级", mandarin)
    if level.value is None:
        if level.finding:
            return MandarinCheck(MANDARIN_NEEDED, failure=level.finding.message)
        return MandarinCheck(MANDARIN_NEEDED, missing="普通话等级（事业单位人员须提供）")
    if not mandarin_ok(level.value, settings, catalog):
        return MandarinCheck(MANDARIN_NOT_MET, failure=f"普通话{level.value}低于{settings.mandarin_min_level}")
    return MandarinCheck(MANDARIN_MET)


def check_mandarin(ctx: Context, a: Applicant, t: _Tally) -> None:
    """The eligibility verdict's part of :func:`mandarin_check`."""
    found = mandarin_check(a.employer_type, a.mandarin, ctx.settings, ctx.catalog)
    if found.failure:
        t.fail(found.failure, "四(一)7")
    elif found.missing:
        t.need(found.missing, "四(一)7")


@cites("四(一)5", "四(七)")
def check_appraisals(ctx: Context, a: Applicant, t: _Tally) -> None:
    """上传近3年年度考核登记表; 高技能人才须近三年考核合格: each of the last years must be
    合格 (称职) or better."""
    needed = ctx.settings.appraisal_years
    grades = list(a.appraisals[:needed]) + [""] * (needed - len(a.appraisals[:needed]))
    if any(not g for g in grades):
        t.need(f"近{needed}年考核结果", "四(一)5")
    bad = []
    for g in filter(None, grades):
        parsed = ctx.catalog.pick("考核等次", g)
        if parsed.finding:
            t.fail(parsed.finding.message, "四(一)5")
        elif not ctx.catalog.is_qualified("考核等次", parsed.value):
            bad.append(parsed.value)
    if bad:
        t.fail(f"近{needed}年考核有“{'、'.join(bad)}”，未全部合格", "四(一)5")


@cites("二(二)")
def check_private_basis(ctx: Context, a: Applicant, t: _Tally) -> None:
    """民营企业专项：营业执照在地区注册的民营企业人员，档案在地区人事代理机构托管的自由职业人员，
    疆外民营企业派驻地区连续工作1年以上的人员."""
    if a.route != PRIVATE_ROUTE:
        return
    basis = ctx.catalog.pick("民营企业申报依据", a.private_basis)
    if basis.value is None:
        (t.fail(basis.finding.message, "二(二)") if basis.finding else t.need("民营企业申报依据", "二(二)"))
        return
    if basis.value == STATIONED:
        if a.stationed_since is None:
            t.need("派驻地区起始时间", "二(二)")
            return
        years = full_years(a.stationed_since, ctx.settings.seniority_cutoff)
        if years < ctx.settings.private_stationed_min_years:
            t.fail(f"派驻地区连续工作不满{ctx.settings.private_stationed_min_years}年", "二(二)")


def check_ce(ctx: Context, a: Applicant, t: _Tally) -> None:
    verdict = t.ce = ce_status(a.ce_hours, ctx.settings, exempt=a.ce_exempt, private_first_time=a.private_first_time)
    if verdict.status == NOT_MET:
        t.fail("继续教育不达标（" + "；".join(verdict.shortfalls) + "）", "四(一)6")
    elif verdict.status == UNKNOWN:
        t.need("继续教育学时", "四(一)6")


def check_route(ctx: Context, a: Applicant, t: _Tally) -> None:
    route = ctx.catalog.pick("申报方式", a.route)
    if route.value is None:
        (t.fail(route.finding.message, "二") if route.finding else t.need("申报方式", "二"))


@cites("二", "四(三)", "四(七)", "四(八)", "四(一)5", "四(一)6", "四(一)7", "二(二)")
def assess(ctx: Context, a: Applicant) -> Verdict:
    """Whether the application meets the conditions: 符合 / 不符合：reasons / 待核：missing."""
    t = _Tally()
    check_route(ctx, a, t)
    target = _title(ctx, a, t)
    path = ""
    if target is not None:
        table_fail, table_missing = check_rules_table(ctx, a, target)
        if not table_fail and not table_missing:
            path = "评审条件"
        elif a.skill_level:
            skill_ok, skill_fail, skill_missing = check_skill_path(ctx, a, target)
            if skill_ok:
                path = "技能人才贯通"
            elif table_missing or skill_missing:      # either path may still hold
                t.missing += table_missing + skill_missing
            else:
                t.failures += table_fail + skill_fail
        else:
            t.failures += table_fail
            t.missing += table_missing
        check_econ_exam(ctx, a, target, t)
    check_appraisals(ctx, a, t)
    check_mandarin(ctx, a, t)
    check_private_basis(ctx, a, t)
    check_ce(ctx, a, t)
    return Verdict(tuple(t.failures), tuple(t.missing), path, t.ce)


# --- across applications ---------------------------------------------------------------

@dataclass(frozen=True)
class RouteEntry:
    ref: object            # whatever locates the row for the caller (e.g. the row number)
    id_number: str
    series: str
    level: str
    route: str
    year: int


@cites("三")
def route_conflicts(entries: Iterable[RouteEntry]) -> list[tuple[object, Finding]]:
    """申报人在同一年度申报同一系列（专业）、同一级别职称，只能选择一种方式申报: the same ID
    number with the same series and level in both routes in one year is a finding on
    every row concerned."""
    groups: dict[tuple, list[RouteEntry]] = {}
    for e in entries:
        if e.id_number and e.series and e.level and e.route:
            groups.setdefault((e.id_number, e.series, e.level, e.year), []).append(e)
    out = []
    for (_, series, level, year), group in groups.items():
        routes = {e.route for e in group}
        if len(routes) > 1:
            for e in group:
                others = [f"第{o.ref}行" if isinstance(o.ref, int) else str(o.ref) for o in group if o is not e]
                out.append((e.ref, error(f"同一人{year}年以{'、'.join(sorted(routes))}两种方式申报{series}{level}职称"
                                         f"（另见：{'、'.join(others)}）", "三")))
    return out


@cites("四(一)4")
def title_documents(place: str, catalog: Catalog) -> tuple[tuple[str, ...], str]:
    """在新疆取得职称的，上传“任职资格文件”或“职称证书”或“评审表”；在外地取得职称的，三者均须上传:
    the documents and whether ONE of them (任一) or ALL (全部) are needed."""
    docs = tuple(catalog.lists.get("任职资格佐证材料", []))
    return docs, ("全部" if place == "疆外" else "任一")


@cites("四(一)4")
def missing_title_documents(place: str, provided: Iterable[str], catalog: Catalog) -> list[str]:
    """The documents still missing for a current title obtained in or outside Xinjiang."""
    docs, mode = title_documents(place, catalog)
    have = set(provided) & set(docs)
    if mode == "任一":
        return [] if have else ["、".join(docs) + "（任一）"]
    return [d for d in docs if d not in have]
