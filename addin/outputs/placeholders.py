"""Every placeholder's value for one register row (:func:`applicant_values`, see
:data:`~.templates.PLACEHOLDERS`), and why a document is held back from printing
(:func:`unprintable`).

Nothing is left silently blank: a field the register lacks prints as （未填） and carries
an :class:`Issue` naming the column; a value that cannot be used prints as
（有误，请核对） or （未能计算）, and a document that would print one, or a unit
publicity without its dates, is not written (the report names the applicant, the
attachment and the reason). Names print as typed (compared normalised). Numbers and
wording come from the settings (参数), the templates and packaged data, not from here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Mapping

from .. import data
from ..book import schema
from ..book.employers import employer_contacts
from ..book.reader import Book, RowData
from ..rules.base import RuleInputError, Severity
from ..rules.catalog import clean_word
from ..rules.dates import format_date, parse_date
from ..rules.ce import reviewing_office
from ..rules.identity import check_id, public_id
from ..rules.recommendation import (RECOMMEND_SENTENCE, current_title_phrase, objection_contact, publicising_unit,
                                    publicity_before_submission, publicity_start_warning, recommender_setting,
                                    recommending_unit)
from ..rules.workflow import Stage
from .layout import normalise_phones
from .report import Problem
from .templates import ATTACHMENTS

MISSING = "（未填）"
#: placeholders naming units: a line end may fall between their words, never inside one
#: (the person's name is never split at all)
KEPT_WORDS = ("工作单位", "公示单位", "推荐单位", "联系科室", "发文单位")
#: placeholders kept whole besides the name: titles (高级工程师)
KEPT_WHOLE = ("拟申报职称", "现职称")
INVALID = "（有误，请核对）"
UNDETERMINED = "（未能确定，请按表注填写）"
NOT_COMPUTED = "（未能计算）"


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NAME_DOTS = re.compile(r"(?<=\S)\s*[•・．.∙‧⋅･]\s*(?=\S)")


_HEADERS = {c.key: c.header for c in schema.APPLICANT_INPUTS + schema.APPLICANT_INPUTS_2 + schema.APPLICANT_COMPUTED}


def header_of(key: str) -> str:
    return _HEADERS.get(key, key)


def clean_text(value: object, *, multiline: bool = False) -> str:
    """A cell as document text: characters XML cannot hold removed, line ends unified,
    tabs as spaces; single-line fields have their line breaks turned into spaces."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, dt.date):
        return format_date(value if not isinstance(value, dt.datetime) else value.date())
    text = _XML_ILLEGAL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if not multiline:
        text = re.sub(r"\s*\n\s*", " ", text)
    else:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.replace("\u3000", " ").strip() if not multiline else text.strip()


def normalise_name(value: object) -> str:
    """A name as printed: the middle dot of Uyghur, Kazakh... names written as U+00B7
    whichever dot the clerk typed (•, ・, ．, .)."""
    return _NAME_DOTS.sub("·", clean_text(value))


@dataclass(frozen=True)
class Issue:
    """Why a placeholder's text is not simply the register's value."""

    field: str                  # the register's column header, or a setting
    message: str
    key: str | None = None      # schema key, to locate the cell


@dataclass(frozen=True)
class Value:
    """One placeholder's text, and the issues behind it if the text is not the data."""

    text: str
    issues: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def is_missing(self) -> bool:
        return any(i.message == "未填" for i in self.issues)


def _ok(text: str) -> Value:
    return Value(text)


def _missing(key: str, label: str | None = None, text: str = MISSING) -> Value:
    return Value(text, (Issue(label or header_of(key), "未填", key),))


def _invalid(key: str, message: str, label: str | None = None, text: str = INVALID) -> Value:
    return Value(text, (Issue(label or header_of(key), message, key),))


def _year_month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def applicant_values(book: Book, row: RowData, stage: Stage | None = None) -> dict[str, Value]:
    """Every placeholder's value for one register row (see templates.PLACEHOLDERS).

    Masked ID numbers on the publicity unless the settings say otherwise (一(五)); the
    unit publicity ends after the settings' number of Aksu working days (四(二)), before
    the first submission (``stage``: the application's, with its review); the
    recommendation carries the sentence of 四(四) word for word. Objections go to the
    unit's own office (用人单位); a fallback to the bureau's is an issue naming the unit.
    A recommending body still named by the notice's generic term is an issue."""
    v = row.values_by_key
    s = book.settings
    out: dict[str, Value] = {}

    def text(key: str, *, multiline: bool = False) -> Value:
        t = clean_text(v.get(key), multiline=multiline)
        return _ok(t) if t else _missing(key)

    def date(key: str, fmt: Callable[[dt.date], str]) -> tuple[Value, dt.date | None]:
        parsed = parse_date(v.get(key))
        if parsed.finding:
            return _invalid(key, parsed.finding.message), None
        if parsed.value is None:
            return _missing(key), None
        return _ok(fmt(parsed.value)), parsed.value

    out["申报编号"] = text("app_id")
    name = normalise_name(v.get("name"))
    out["姓名"] = _ok(name) if name else _missing("name")
    parsed_id = check_id(v.get("id_number"))
    identity = parsed_id.value
    if parsed_id.finding:
        out["身份证号"] = out["公示身份证号"] = _invalid("id_number", parsed_id.finding.message)
    elif identity is None:
        out["身份证号"] = out["公示身份证号"] = _missing("id_number")
    else:
        out["身份证号"] = _ok(identity.number)
        out["公示身份证号"] = _ok(public_id(identity.number, s))
    sex = text("sex")
    out["性别"] = _ok(identity.sex) if sex.is_missing and identity else sex
    birth, _ = date("birth_date", _year_month)
    out["出生年月"] = _ok(_year_month(identity.birth_date)) if birth.is_missing and identity else birth
    out["现职称说明"] = _ok(current_title_phrase(clean_text(v.get("current_title")))) \
        if clean_text(v.get("current_title")) else _missing("current_title")
    for key, placeholder in (("ethnicity", "民族"), ("political", "政治面貌"), ("employer", "工作单位"),
                             ("route", "申报方式"), ("target_title", "拟申报职称"), ("current_title", "现职称"),
                             ("education", "学历"), ("degree", "学位"), ("ce_exempt_reason", "免修理由")):
        out[placeholder] = text(key)
    series = text("series")
    out["系列"] = series if not series.ok or series.text.endswith("系列") else _ok(series.text + "系列")
    specialty = text("specialty")
    out["专业"] = specialty if not specialty.ok else _ok(specialty.text.removesuffix("专业") or specialty.text)
    title = clean_text(v.get("target_title"))
    level = book.catalog.level_of(title) if title else None
    if level is None:
        out["申报级别"] = _missing("target_title")
    elif level.finding:
        out["申报级别"] = _invalid("target_title", level.finding.message)
    else:
        out["申报级别"] = _ok(level.value)
    # graduation: when, school, major
    grad, _ = date("graduation_date", _year_month)
    school, major = text("school"), text("major")
    major_text = major.text.removesuffix("专业") if major.ok else major.text
    out["毕业情况"] = Value(f"{grad.text}毕业于{school.text}{major_text}专业", grad.issues + school.issues + major.issues)
    out["参加工作时间"], _ = date("work_start", _year_month)
    # the exemption's reviewing office (attachment 4 notes)
    reason = out["免修理由"]
    if not reason.ok:
        out["审核单位"] = Value(UNDETERMINED, reason.issues)
    else:
        office = reviewing_office(reason.text, data.exemption_reviewers())
        out["审核单位"] = _ok(office) if office else Value(UNDETERMINED, (Issue(
            "审核单位", f"免修理由“{reason.text[:30]}”对应不到申请表注释中的审核单位，请手工填写"),))
    out["思想政治表现"] = text("political_text", multiline=True)
    out["业绩成果"] = text("achievements_text", multiline=True)
    # the unit publicity (四(二)): from its start, the settings' number of Aksu working days
    start, start_day = date("unit_publicity_start", format_date)
    if start_day is not None:
        late = publicity_start_warning(start_day, book.calendar)
        if late:
            start = Value(start.text, (Issue(header_of("unit_publicity_start"), late.message, "unit_publicity_start"),))
    out["公示开始"] = start
    if start_day is None:
        out["公示截止"] = Value(MISSING if start.is_missing else INVALID, start.issues)
    else:
        try:
            end = book.calendar.publicity_end(start_day, s.unit_publicity_workdays)
        except RuleInputError as exc:
            out["公示截止"] = Value(NOT_COMPUTED, (Issue("单位公示截止", str(exc), "unit_publicity_start"),))
        else:
            out["公示截止"] = _ok(format_date(end))
            recorded = parse_date(v.get("unit_publicity_end")).value
            if recorded and recorded != end:
                out["公示截止"] = Value(format_date(end), (Issue(
                    "单位公示截止", f"台账中为{format_date(recorded)}，按阿克苏工作日应为{format_date(end)}"
                    "（文件按后者填写；请刷新台账）", "unit_publicity_end"),))
            first = stage.review.first_at if stage is not None else None
            late = publicity_before_submission(end, first) if first else None
            if late:
                out["公示截止"] = Value(out["公示截止"].text, out["公示截止"].issues + (Issue(
                    header_of("unit_publicity_start"), late.message, "unit_publicity_start"),))
    out["公示工作日数"] = _ok(str(s.unit_publicity_workdays))
    employer, kind, basis = (clean_text(v.get(k)) for k in ("employer", "employer_type", "private_basis"))
    route = clean_text(v.get("route"))
    unit = recommending_unit(employer, kind, route, basis, s)
    out["推荐单位"] = _ok(unit) if unit else _missing("employer")
    setting = recommender_setting(kind, route, basis)
    if unit and setting and clean_word(unit) == clean_word(_generic_terms().get(setting)):
        label = data.setting_labels().get(setting, setting)
        out["推荐单位"] = Value(unit, (Issue(f"参数“{label}”", f"仍为通知中的泛称“{unit}”，请在参数表中填写该机构的全称",
                                           "route" if setting == "private_recommender" else "employer_type"),))
    publicising = publicising_unit(employer, kind, basis, s)
    out["公示单位"] = _ok(publicising) if publicising else _missing("employer")
    contact = objection_contact(publicising, employer_contacts(book), s)
    for placeholder, value, label in (("联系科室", contact.office, "联系科室"), ("联系电话", contact.phone, "联系电话"),
                                      ("监督电话", s.supervision_phone, "监督举报电话"), ("发文单位", s.issuer, "发文单位")):
        value = normalise_phones(clean_text(value))
        out[placeholder] = _ok(value) if value else Value(MISSING, (Issue(f"参数“{label}”", "未填"),))
    if publicising and not contact.own:
        out["联系科室"] = Value(out["联系科室"].text, out["联系科室"].issues + (Issue(
            "异议受理部门", f"单位“{publicising}”未在“{schema.EMPLOYER_SHEET}”表中登记联系部门和电话，"
            f"附件1的异议受理部门暂为参数中的“{clean_text(s.contact_office)}”（请在“{schema.EMPLOYER_SHEET}”表中补登后重新生成）",
            "employer"),))
    out["评审年度"] = _ok(str(s.campaign_year))
    out["推荐意见"] = _ok(RECOMMEND_SENTENCE)
    return out


@lru_cache(maxsize=1)
def _generic_terms() -> dict[str, str]:
    """The settings whose packaged value is the notice's generic term for a body (settings.csv,
    column generic): key -> term."""
    return {r["key"]: r["value"] for r in data.rows("settings") if (r.get("generic") or "").strip() == "是"}


#: texts a document never prints in place of a value: the document is held back instead
UNPRINTABLE = (INVALID, NOT_COMPUTED)
#: the placeholders of the unit publicity's period (attachment 1: “…起至…止”)
PUBLICITY_PERIOD = ("公示开始", "公示截止")


def unprintable(values: Mapping[str, Value], used: Iterable[str], kind: int, app_id: str, name: str,
                row: RowData, book: Book) -> list[Problem]:
    """Why one document is held back from printing (empty: it may be printed): a value
    it uses that cannot be used (（有误，请核对）, （未能计算）), or a unit publicity period
    without its dates (no “（未填）起至（未填）止”). One error per field, naming the
    applicant, the attachment and the reason."""
    used = set(used)
    table = book.table("applicants")
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for placeholder in values:
        value = values[placeholder]
        if placeholder not in used:
            continue
        blank_period = placeholder in PUBLICITY_PERIOD and value.text in (MISSING, INVALID, NOT_COMPUTED)
        if value.text not in UNPRINTABLE and not blank_period:
            continue
        for issue in value.issues or (Issue(placeholder, "无法确定"),):
            if (issue.field, issue.message) in seen:
                continue
            seen.add((issue.field, issue.message))
            reason = "未填" if issue.message == "未填" else issue.message
            out.append(Problem(f"{reason}：{ATTACHMENTS[kind].label}暂不生成（改正后重新生成）", Severity.ERROR, kind,
                               app_id, name, issue.field, row.number,
                               table.letter(issue.key) if issue.key else None))
    return out


def value_problems(values: Mapping[str, Value], used: Iterable[str], kind: int, app_id: str, name: str,
                  row: RowData, book: Book) -> list[Problem]:
    """The warnings behind the values one document uses (a field shown as （未填）, a
    generic recommender...), one per field and message, in the placeholders' order."""
    table = book.table("applicants")
    order = {p: i for i, p in enumerate(values)}
    seen: set[tuple[str, str]] = set()
    out = []
    for placeholder in sorted((p for p in used if p in values), key=order.__getitem__):
        for issue in values[placeholder].issues:
            if (issue.field, issue.message) in seen:
                continue
            seen.add((issue.field, issue.message))
            out.append(Problem(issue.message, Severity.WARNING, kind, app_id, name, issue.field, row.number,
                               table.letter(issue.key) if issue.key else None))
    return out
