"""The campaign's settings (参数): every number and date a rule uses.

Values come from data (the packaged ``addin/data/settings.csv`` by default, the
workbook's 参数 sheet when there is one); this module only types and checks them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Mapping

from dateutil.relativedelta import relativedelta

from .base import Finding, Parsed, RuleInputError, cites, error, warning
from .dates import normalise_text, parse_date, parse_datetime

SANE_INT = 100_000          # no count, year, day or fee in the settings is larger
_TRUE = {"是", "TRUE", "True", "true", "1", "Y", "y", "YES", "yes", "√", "✓"}
_FALSE = {"否", "FALSE", "False", "false", "0", "N", "n", "NO", "no", "×", ""}


@dataclass(frozen=True)
class Settings:
    campaign_year: int
    issuer: str
    basis_document: str
    apply_start: dt.date
    apply_end: dt.datetime
    review_start: dt.date
    review_end: dt.date
    payment_start: dt.date
    payment_end: dt.date
    material_start: dt.date
    material_end: dt.date
    seniority_cutoff: dt.date
    fee_senior: int
    fee_intermediate: int
    fee_junior: int
    defense_levels: tuple[str, ...]
    ce_first_year: int
    ce_last_year: int
    ce_min_total: int
    ce_min_professional: int
    ce_system_professional_from: int
    ce_system_public_from: int
    unit_publicity_workdays: int
    result_publicity_workdays: int
    resubmit_days: int
    resubmit_day_basis: str
    max_submissions: int
    appraisal_years: int
    skill_years_advanced_worker: int
    skill_years_technician: int
    skill_years_senior_technician: int
    econ_exam_titles: tuple[str, ...]
    econ_exam_valid_years: int
    mandarin_min_level: str
    mandarin_employer_types: tuple[str, ...]
    private_stationed_min_years: int
    committee_name: str
    blind_code_prefixes: tuple[str, ...]
    blind_code_digits: int
    quorum_ratio: Fraction
    pass_ratio: Fraction
    contact_office: str
    contact_phone: str
    supervision_phone: str
    freelance_recommender: str
    private_recommender: str
    address: str
    mask_public_ids: bool
    panel_size: int
    panel_by_specialty: tuple[str, ...]
    panel_reserves: int
    defence_items: tuple[str, ...]
    defence_pass_score: int
    defence_drop_extremes: bool
    # optional: a blank value (or a missing row, in a register made before the setting existed)
    # takes the packaged default (settings.csv), and is not a finding
    clerk_name: str = ""
    payment_place: str = ""                        # where the fee is paid (四(六)), named in the fee notice
    defence_at: dt.datetime | None = None          # the defence's day and time (四(五)): blank until announced
    defence_place: str = ""                        # where the defence is held (四(五))
    result_publicity_start: dt.date | None = None  # first day of the result publicity (一(五)): blank until then
    sms_signature: str = ""                        # the 【单位名称】 the SMS platform puts before every text
    sms_single_chars: int = 0                      # characters of one text message (UCS-2: 70)
    sms_segment_chars: int = 0                     # characters of each segment of a longer one (67)

    @property
    def fees(self) -> dict[str, int]:
        """Fee by level (notice 四(六))."""
        return {"高级": self.fee_senior, "中级": self.fee_intermediate, "初级": self.fee_junior}

    @property
    def code_prefixes(self) -> dict[str, str]:
        """Blind-code prefix by specialty (四(一)3), from ``公路:GL、运输:YS``."""
        out = {}
        for item in self.blind_code_prefixes:
            if ":" in item:
                specialty, prefix = item.split(":", 1)
                out[specialty.strip()] = prefix.strip().upper()
        return out

    @property
    def ce_years(self) -> range:
        return range(self.ce_first_year, self.ce_last_year + 1)

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def from_values(cls, values: Mapping[str, object], fallback: "Settings | None" = None,
                    labels: Mapping[str, str] | None = None) -> tuple["Settings", list[Finding]]:
        """Typed settings from ``{key: raw value}``; bad or missing values are findings
        (with ``column`` set to the key, the message naming the setting by its label in
        ``labels``) and fall back to ``fallback`` when given."""
        hints = typing.get_type_hints(cls)
        optional = {f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING}
        typed: dict[str, object] = {}
        findings: list[Finding] = []
        for key in cls.keys():
            raw = values.get(key)
            parsed = _parse_as(_unwrap(hints[key]), raw)
            if key in optional and parsed.value is None and parsed.finding is None:
                typed[key] = getattr(fallback, key) if fallback is not None else optional[key]
                continue
            if parsed.finding or parsed.value is None:
                message = parsed.finding.message if parsed.finding else "未填写"
                if fallback is None:
                    raise ValueError(f"参数 {key}：{message}")
                typed[key] = getattr(fallback, key)
                name = (labels or {}).get(key, key)
                findings.append(error(f"参数“{name}”{message}，暂按默认值{show_value(typed[key])}").at(column=key))
            else:
                typed[key] = parsed.value
        return cls(**typed), findings


def _unwrap(kind: object) -> object:
    """``X | None`` (an optional setting's type) as ``X``."""
    args = [a for a in typing.get_args(kind) if a is not type(None)]
    return args[0] if typing.get_origin(kind) in (typing.Union, types.UnionType) and len(args) == 1 else kind


def show_value(value: object) -> str:
    """A setting's value as the clerk types it (是/否, lists with 、, dates without 00:00)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, tuple):
        return "、".join(show_value(v) for v in value)
    if isinstance(value, dt.datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def parse_bool(raw: object) -> Parsed[bool]:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return Parsed()
    if isinstance(raw, bool):
        return Parsed(raw)
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return Parsed(bool(raw))
    text = normalise_text(str(raw))
    if text in _TRUE:
        return Parsed(True)
    if text in _FALSE:
        return Parsed(False) if text else Parsed()
    return Parsed(finding=error(f"应填“是”或“否”，实为“{text[:20]}”"))


def _plain(raw: object) -> object:
    """A Decimal as a float: Excel hands currency-formatted cells over as Currency, which
    pywin32 (and so xlwings) turns into ``decimal.Decimal``; it is a number like any other."""
    return float(raw) if isinstance(raw, Decimal) else raw


def parse_int(raw: object) -> Parsed[int]:
    raw = _plain(raw)
    if raw is None or isinstance(raw, bool):
        return Parsed() if raw is None else Parsed(finding=error(f"应为整数，实为“{raw}”"))
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and math.isnan(raw):
            return Parsed()
        if float(raw).is_integer():
            return Parsed(int(raw))
        return Parsed(finding=error(f"应为整数，实为{raw}"))
    text = normalise_text(str(raw))
    if not text:
        return Parsed()
    match = re.fullmatch(r"(-?\d+)(\.0+)?\s*(元|天|日|年|学时|个工作日|次)?", text)
    if match:
        return Parsed(int(match.group(1)))
    return Parsed(finding=error(f"应为整数，实为“{text[:20]}”"))


def parse_number(raw: object) -> Parsed[float]:
    """A non-negative amount such as hours or yuan: 90, 90.5, '90学时', '１２０', a currency
    cell's Decimal; a negative one, as a number or as text, is a finding saying so."""
    raw = _plain(raw)
    if raw is None or isinstance(raw, bool):
        return Parsed() if raw is None else Parsed(finding=error(f"应为数字，实为“{raw}”"))
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and not math.isfinite(raw):
            return Parsed() if math.isnan(raw) else Parsed(finding=error("应为数字"))
        shown = int(raw) if float(raw).is_integer() else raw          # -550.0 and -550 read the same
        return Parsed(float(raw)) if raw >= 0 else Parsed(finding=error(f"不能为负数：{shown}"))
    text = normalise_text(str(raw)).replace(",", "")
    if not text:
        return Parsed()
    match = re.fullmatch(r"([-+]?)(\d+(?:\.\d+)?)\s*(元|学时|小时)?", text)
    if match:
        if match.group(1) == "-" and float(match.group(2)):
            return Parsed(finding=error(f"不能为负数：{text[:20]}"))
        return Parsed(float(match.group(2)))
    return Parsed(finding=error(f"应为数字，实为“{text[:20]}”"))


def parse_ratio(raw: object) -> Parsed[Fraction]:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = Fraction(raw).limit_denominator(100)
    else:
        text = normalise_text(str(raw or "")).replace("／", "/")
        match = re.fullmatch(r"(\d+)\s*/\s*(\d+)", text) or re.fullmatch(r"(\d+)分之(\d+)", text)
        if not match:
            try:
                value = Fraction(text).limit_denominator(100) if text else None
            except ValueError:
                return Parsed(finding=error(f"比例应写成 2/3，实为“{text[:20]}”"))
            if value is None:
                return Parsed()
        else:
            a, b = int(match.group(1)), int(match.group(2))
            if "分之" in text:
                a, b = b, a
            if b == 0:
                return Parsed(finding=error("比例的分母不能为0"))
            value = Fraction(a, b)
    if not 0 < value <= 1:
        return Parsed(finding=error(f"比例应在0到1之间，实为{value}"))
    return Parsed(value)


def _parse_as(kind: object, raw: object) -> Parsed:
    if kind is dt.datetime:
        return parse_datetime(raw)
    if kind is dt.date:
        return parse_date(raw)
    if kind is int:
        parsed = parse_int(raw)
        if parsed.value is not None and not 0 <= parsed.value <= SANE_INT:
            return Parsed(finding=error(f"数值{parsed.value}超出合理范围（0—{SANE_INT}）"))
        return parsed
    if kind is bool:
        return parse_bool(raw)
    if kind is Fraction:
        return parse_ratio(raw)
    text = "" if raw is None else normalise_text(str(raw))
    if typing.get_origin(kind) is tuple:
        items = tuple(t for t in re.split(r"[、,，;；/\s]+", text) if t)
        return Parsed(items) if items else Parsed()
    return Parsed(text) if text else Parsed()


#: the dates of a campaign; each lies in the campaign year (the windows of 一(一)—一(四) and the
#: seniority cutoff of 四(二); :func:`validate_settings` checks it)
CAMPAIGN_DATES = ("apply_start", "apply_end", "review_start", "review_end", "payment_start", "payment_end",
                  "material_start", "material_end", "seniority_cutoff")
#: dates announced for one year's meeting and publicity (四(五), 一(五)): cleared for the next year
MEETING_DATES = ("defence_at", "result_publicity_start")
#: year numbers that move with the campaign (the continuing-education years, 四(一)6)
CAMPAIGN_YEARS = ("ce_first_year", "ce_last_year", "ce_system_professional_from", "ce_system_public_from")


def campaign_span(s: Settings) -> tuple[dt.date, dt.date]:
    """First and last of the campaign's dates in the campaign year (the working-day
    computations fall in it; a date outside the year is a finding of its own); the
    whole year when none is in it."""
    days = [getattr(s, k) for k in CAMPAIGN_DATES]
    days = [d.date() if isinstance(d, dt.datetime) else d for d in days]
    days = [d for d in days if d.year == s.campaign_year]
    if not days:
        return dt.date(s.campaign_year, 1, 1), dt.date(s.campaign_year, 12, 31)
    return min(days), max(days)


@dataclass(frozen=True)
class RollOver:
    """The settings for the next campaign, with what was done to each changed setting."""

    settings: Settings
    notes: dict[str, str]            # key -> what was done, for the 参数 sheet's 说明
    corrections: list[str]           # dates that were not in their campaign year, in words


@cites("一(一)", "一(二)", "一(三)", "一(四)", "四(二)", "四(一)6")
def roll_over(s: Settings, year: int, labels: Mapping[str, str] | None = None) -> RollOver:
    """Last campaign's settings moved to the campaign of ``year``.

    Each date keeps its role in the campaign, not its distance from whatever was typed:
    a window's day and month are kept and it is placed in the new campaign year (every
    window and the seniority cutoff lie in the campaign year). A date that was not in
    its own campaign year (the 2024 notice printed the material window as 2023) is
    therefore placed correctly, and listed in ``corrections``. Continuing-education
    years move by the difference in years; the basis document must be replaced by hand.
    """
    delta = year - s.campaign_year
    if delta == 0:
        return RollOver(s, {}, [])
    name = (labels or {}).get
    changes: dict[str, object] = {"campaign_year": year}
    notes = {"campaign_year": f"已改为{year}年度", "basis_document": "请改为本年度文件"}
    corrections = []
    for key in CAMPAIGN_DATES:
        old = getattr(s, key)
        new = old + relativedelta(year=year)          # 29 February becomes 28 February
        changes[key] = new
        if old.year == s.campaign_year:
            notes[key] = f"已按{year}年度顺延"
        else:
            notes[key] = f"上年为{show_value(old)}，不在{s.campaign_year}年度内（疑为笔误），已按{year}年度改正"
            corrections.append(f"参数“{name(key, key)}”：上年台账为{show_value(old)}，不在{s.campaign_year}年度内"
                               f"（疑为笔误），已按其在评审中的时段改为{show_value(new)}")
    for key in CAMPAIGN_YEARS:
        changes[key] = getattr(s, key) + delta
        notes[key] = f"已按{year}年度顺延"
    for key in MEETING_DATES:                 # announced for one meeting: not carried into the next year
        if getattr(s, key) is not None:
            changes[key] = None
            notes[key] = f"上年为{show_value(getattr(s, key))}，不沿用：本年度确定后再填写"
    return RollOver(dataclasses.replace(s, **changes), notes, corrections)


@cites("一(一)", "一(二)", "一(三)", "一(四)", "一(五)", "四(二)", "四(五)", "四(六)", "四(一)6")
def validate_settings(s: Settings) -> list[Finding]:
    """Settings that contradict each other or the campaign year, as findings.

    Each window must run forwards and lie in the campaign year (the notice's
    material window printed as 2023 is the case in point), and so must the announced
    defence (四(五)) and result publicity (一(五)); fees must be positive and rise with
    the level; continuing-education thresholds must be sane; a text message's segment
    is shorter than a single message.
    """
    out: list[Finding] = []
    year = s.campaign_year
    windows = [("申报", "apply_start", "apply_end", "一(一)"), ("审核", "review_start", "review_end", "一(二)"),
               ("缴费", "payment_start", "payment_end", "一(三)"), ("材料报送", "material_start", "material_end", "一(四)")]
    for label, a, b, clause in windows:
        start, end = getattr(s, a), getattr(s, b)
        end_day = end.date() if isinstance(end, dt.datetime) else end
        if start > end_day:
            out.append(error(f"{label}时间的开始日期{start}晚于截止日期{end_day}", clause).at(column=a))
        for key, day in ((a, start), (b, end_day)):
            if day.year != year:
                out.append(error(f"{label}时间{day}不在评审年度{year}年内（通知原文可能有笔误，请核对）", clause).at(column=key))
    if s.payment_start < s.review_start:
        out.append(warning("缴费开始早于审核开始：缴费须在“已接收材料”之后", "四(六)").at(column="payment_start"))
    if s.seniority_cutoff.year != year:
        out.append(warning(f"资历计算截止日期{s.seniority_cutoff}不在评审年度{year}年内", "四(二)").at(column="seniority_cutoff"))
    fees = [("fee_junior", s.fee_junior), ("fee_intermediate", s.fee_intermediate), ("fee_senior", s.fee_senior)]
    for key, fee in fees:
        if fee <= 0:
            out.append(error(f"评审费应为正数，实为{fee}", "四(六)").at(column=key))
    if not s.fee_junior <= s.fee_intermediate <= s.fee_senior:
        out.append(warning("评审费应按初级、中级、高级递增", "四(六)").at(column="fee_senior"))
    if not 0 < s.ce_min_professional <= s.ce_min_total:
        out.append(error("专业课学时下限应为正数且不超过总学时下限", "四(一)6").at(column="ce_min_professional"))
    if s.ce_first_year > s.ce_last_year or s.ce_last_year > year:
        out.append(error(f"继续教育年度范围{s.ce_first_year}—{s.ce_last_year}有误", "四(一)6").at(column="ce_first_year"))
    for key in ("unit_publicity_workdays", "result_publicity_workdays"):
        if getattr(s, key) < 1:
            out.append(error("公示期应至少为1个工作日", "四(二)").at(column=key))
    if s.resubmit_day_basis not in ("自然日", "工作日"):
        out.append(error("补正天数口径应为“自然日”或“工作日”", "四(一)1").at(column="resubmit_day_basis"))
    if not 2 <= s.blind_code_digits <= 6:
        out.append(error(f"盲评编号位数应为2—6，实为{s.blind_code_digits}", "四(一)3").at(column="blind_code_digits"))
    if s.max_submissions < 1 or s.resubmit_days < 1:
        out.append(error("补正天数和审核次数上限应至少为1", "四(一)1").at(column="max_submissions"))
    for key, label, clause in (("defence_at", "答辩时间", "四(五)"), ("result_publicity_start", "评审结果公示开始日期", "一(五)")):
        moment = getattr(s, key)
        day = moment.date() if isinstance(moment, dt.datetime) else moment
        if day is not None and day.year != year:
            out.append(error(f"{label}{show_value(moment)}不在评审年度{year}年内（上年的日期？请核对）", clause).at(column=key))
    if not 0 < s.sms_segment_chars < s.sms_single_chars:
        out.append(error(f"长短信每条字数（{s.sms_segment_chars}）应小于单条短信字数（{s.sms_single_chars}）且大于0")
                   .at(column="sms_segment_chars"))
    return out


#: the last day of each window of the notice (一(一)—一(四)), with how it is named
DEADLINES = (("apply_end", "申报截止", "一(一)"), ("review_end", "审核截止", "一(二)"),
             ("payment_end", "缴费截止", "一(三)"), ("material_end", "材料报送截止", "一(四)"))
_WEEKDAYS = "一二三四五六日"


@cites("一(一)", "一(二)", "一(三)", "一(四)")
def deadlines_on_rest_days(s: Settings, calendar) -> list[Finding]:
    """申报截止8月30日18:00、审核截止、缴费截止、材料报送截止: a window of the notice ends on a
    working day. A deadline that falls on a rest day in Aksu (a weekend not made a working
    day, a national or Xinjiang holiday) — typically a date rolled over from last year,
    2025-08-30 being a Saturday — is a finding with the day named, each at its setting
    (``column`` = the key). ``calendar`` is an :class:`~addin.rules.calendar.AksuCalendar`;
    a year it does not know, and a deadline outside the campaign year (a finding of
    :func:`validate_settings`), are skipped here."""
    out = []
    for key, label, clause in DEADLINES:
        moment = getattr(s, key)
        day = moment.date() if isinstance(moment, dt.datetime) else moment
        if day.year != s.campaign_year:
            continue
        try:
            working = calendar.is_workday(day)
        except RuleInputError:
            continue
        if working:
            continue
        shown = show_value(moment) if isinstance(moment, dt.datetime) else str(day)
        out.append(warning(f"{label}时间{shown}是休息日（星期{_WEEKDAYS[day.weekday()]}"
                           f"{'' if day.weekday() >= 5 else '，节假日'}），请核对并改为工作日", clause).at(column=key))
    return out
