"""Excel functions (UDFs) of 职称评审台账: thin wrappers over :mod:`addin.rules`.

Each accepts what Excel passes (datetime, float serials, text dates, None for an
empty cell, lists for ranges) and returns a value or a Chinese message; none raises
into Excel. The answers are the same as the command line's and the refresh's, because
all three call the same rules with the same numbers:

- called from a register (a workbook with a 参数 sheet), a UDF uses that register's 参数,
  评审条件 and 节假日, read through the refresh's own reader
  (:func:`addin.excel.live.settings_values` -> :func:`addin.book.reader.book_from_values`).
  xlwings hands the calling cell to a parameter named ``caller`` (its reserved argument:
  not an Excel argument, the VBA wrapper passes ``Nothing`` in its place, see
  :mod:`addin.excel.udfwrap`); the parsed settings are kept per workbook and parsed again
  only when the values of those sheets change (:func:`register_of`);
- called without a caller (from Python, or from a workbook that is not a register), the
  packaged defaults of :mod:`addin.data`.

Excel recalculates a UDF when its arguments change, not when 参数 does: after changing
参数, Ctrl+Alt+F9 recalculates every formula.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Callable, TypeVar

import xlwings as xw

from addin import data
from addin.book.reader import book_from_values
from addin.book.records import applicant_from_row, row_mapping
from addin.errors import Refused
from addin.excel.live import settings_values
from addin.rules.base import RuleInputError
from addin.rules.calendar import AksuCalendar, read_day_rules
from addin.rules.catalog import Catalog
from addin.rules.ce import YearHours, ce_status
from addin.rules.dates import parse_date, parse_year
from addin.rules.eligibility import Context, assess, econ_exam_valid, skill_path_grade
from addin.rules.fees import defense, fee_due
from addin.rules.identity import check_id, id_message, mask_id
from addin.rules.seniority import full_years
from addin.rules.settings import Settings, parse_bool, parse_int, parse_number
from addin.rules.workflow import resubmission_deadline

__all__ = [
    "ZC_WORKDAY_END", "ZC_ADD_WORKDAYS", "ZC_NETWORKDAYS", "ZC_IS_WORKDAY", "ZC_FEE",
    "ZC_DEFENSE", "ZC_ID_CHECK", "ZC_ID_BIRTHDATE", "ZC_ID_GENDER", "ZC_MASK_ID",
    "ZC_SERVICE_YEARS", "ZC_CE_STATUS", "ZC_RESUBMIT_DEADLINE", "ZC_ECON_EXAM_VALID",
    "ZC_SKILL_TITLE", "ZC_ELIGIBILITY",
]

T = TypeVar("T")
_HOLIDAY_DOC = "可选：节假日表区域（日期、类型[休/班]、名称、范围、来源；可含表头）"


class _Problem(Exception):
    """An input the UDF cannot use; its message is shown in the cell."""


def _answer(compute: Callable[[], T]) -> T | str:
    """Run ``compute``; a bad input or a gap in the data becomes the cell's message."""
    try:
        return compute()
    except (_Problem, RuleInputError, Refused) as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - nothing may raise into Excel
        return f"计算出错：{exc}"


def _date(value: object, what: str = "日期") -> dt.date:
    parsed = parse_date(value)
    if parsed.finding:
        raise _Problem(parsed.finding.message)
    if parsed.value is None:
        raise _Problem(f"{what}为空")
    return parsed.value


def _int(value: object, what: str) -> int:
    parsed = parse_int(value)
    if parsed.finding or parsed.value is None:
        raise _Problem(f"{what}应为整数" + (f"：{parsed.finding.message}" if parsed.finding else ""))
    return parsed.value


def _rows(block: object) -> list[list[object]]:
    if block is None:
        return []
    if not isinstance(block, (list, tuple)):
        return [[block]]
    return [list(r) if isinstance(r, (list, tuple)) else [r] for r in block]


# --- the numbers: the calling register's, or the packaged defaults --------------------------------

@dataclass(frozen=True)
class Register:
    """What the rules take from a register: its settings (参数), its catalog (评审条件 over
    the packaged titles and lists) and its calendar (节假日 over national + Xinjiang)."""

    settings: Settings
    catalog: Catalog
    calendar: AksuCalendar
    workbook: str = ""               # the register's name; "" for the packaged defaults


#: workbook -> (fingerprint of its settings sheets' values, what they parse to)
_REGISTERS: dict[str, tuple[str, Register]] = {}
_REGISTERS_KEPT = 16                 # workbooks remembered (a clerk has one or two registers open)


def _defaults() -> Register:
    return Register(data.default_settings(), data.default_catalog(), data.calendar())


def _fingerprint(values: dict[str, list[list[object]]]) -> str:
    return hashlib.sha256(repr(sorted(values.items())).encode("utf-8")).hexdigest()


def register_of(caller) -> Register:
    """The numbers for a UDF called from the cell ``caller`` (an xlwings Range, or None).

    The packaged defaults when there is no caller or its workbook has no 参数 sheet;
    otherwise the workbook's 参数, 评审条件 and 节假日 as a refresh reads them. The values of
    those three sheets are read on every call (one read per sheet); they are parsed again
    only when they differ from the last call's for that workbook."""
    if caller is None:
        return _defaults()
    try:
        book = caller.sheet.book
        values = settings_values(book)
        key = str(book.fullname)
    except Refused:
        raise
    except Exception as exc:  # noqa: BLE001 - a COM failure reading the register: the cell says so
        raise _Problem(f"读取台账的参数出错：{exc}") from exc
    if values is None:
        return _defaults()
    fingerprint = _fingerprint(values)
    known = _REGISTERS.get(key)
    if known is not None and known[0] == fingerprint:
        return known[1]
    book_data = book_from_values(values)
    register = Register(book_data.settings, book_data.catalog, book_data.calendar, str(book.name))
    _REGISTERS.pop(key, None)
    _REGISTERS[key] = (fingerprint, register)
    while len(_REGISTERS) > _REGISTERS_KEPT:
        del _REGISTERS[next(iter(_REGISTERS))]
    return register


def _calendar(holidays: object = None, register: Register | None = None) -> AksuCalendar:
    """The register's calendar (the packaged one without a register); a 节假日 range passed
    as ``holidays`` takes the place of the register's 节假日 rows (it is normally that sheet)."""
    rows = [r for r in _rows(holidays) if any(v not in (None, "") for v in r)]
    if not rows:
        return (register or _defaults()).calendar
    keys = ["date", "kind", "name", "scope", "source"]
    if any(str(v).strip() in ("日期", "date") for v in rows[0]):
        header = {"日期": "date", "类型": "kind", "名称": "name", "范围": "scope", "来源": "source"}
        keys = [header.get(str(v).strip(), str(v).strip()) for v in rows[0]]
        rows = rows[1:]
    rules, findings = read_day_rules([dict(zip(keys, r)) for r in rows])
    if findings:
        raise _Problem(f"节假日表第{findings[0].row}行：{findings[0].message}")
    return data.calendar(tuple(rules))


def _context(register: Register) -> Context:
    return Context(register.settings, register.catalog)


# --- calendar ----------------------------------------------------------------------------
# ``caller`` (last in every signature): the calling cell, handed over by xlwings, never an
# Excel argument; None when called from Python (the packaged defaults).

@xw.func
@xw.arg("start", dates=dt.date, doc="公示开始日期")
@xw.arg("days", doc="公示工作日数，默认5")
@xw.arg("holidays", ndim=2, doc=_HOLIDAY_DOC)
def ZC_WORKDAY_END(start, days=5, holidays=None, caller=None):
    """公示截止日：从开始日期起算的第N个阿克苏工作日（开始日为工作日时计为第1天）。"""
    return _answer(lambda: _calendar(holidays, register_of(caller)).publicity_end(
        _date(start, "公示开始日期"), _int(days, "公示天数")))


@xw.func
@xw.arg("date", dates=dt.date, doc="起算日期（不计入）")
@xw.arg("n", doc="工作日数，负数表示向前")
@xw.arg("holidays", ndim=2, doc=_HOLIDAY_DOC)
def ZC_ADD_WORKDAYS(date, n, holidays=None, caller=None):
    """起算日期之后（n>0）或之前（n<0）的第n个阿克苏工作日，与 WORKDAY 相同。"""
    return _answer(lambda: _calendar(holidays, register_of(caller)).add_workdays(_date(date), _int(n, "工作日数")))


@xw.func
@xw.arg("start", dates=dt.date, doc="开始日期（含）")
@xw.arg("end", dates=dt.date, doc="结束日期（含）")
@xw.arg("holidays", ndim=2, doc=_HOLIDAY_DOC)
def ZC_NETWORKDAYS(start, end, holidays=None, caller=None):
    """两个日期之间（含首尾）的阿克苏工作日天数。"""
    return _answer(lambda: _calendar(holidays, register_of(caller)).networkdays(
        _date(start, "开始日期"), _date(end, "结束日期")))


@xw.func
@xw.arg("date", dates=dt.date, doc="日期")
@xw.arg("holidays", ndim=2, doc=_HOLIDAY_DOC)
def ZC_IS_WORKDAY(date, holidays=None, caller=None):
    """该日期在阿克苏是否为工作日（TRUE/FALSE）。"""
    return _answer(lambda: _calendar(holidays, register_of(caller)).is_workday(_date(date)))


# --- fees and defence -----------------------------------------------------------------------

def _parsed(parsed, blank: str):
    if parsed.finding:
        raise _Problem(parsed.finding.message)
    if parsed.value is None:
        raise _Problem(blank)
    return parsed.value


@xw.func
@xw.arg("title_or_level", doc="拟申报职称（如 高级工程师）或级别（高级/中级/初级）")
def ZC_FEE(title_or_level, caller=None):
    """评审费（元）：高级550、中级400、初级200（金额取自台账的参数表）。"""
    def compute():
        register = register_of(caller)
        return _parsed(fee_due(title_or_level, register.catalog, register.settings), "职称为空")
    return _answer(compute)


@xw.func
@xw.arg("title", doc="拟申报职称或级别")
def ZC_DEFENSE(title, caller=None):
    """需答辩 / 免答辩：申报高级职称须参加专业水平答辩，中级及以下免于答辩。"""
    def compute():
        register = register_of(caller)
        return _parsed(defense(title, register.catalog, register.settings), "职称为空")
    return _answer(compute)


# --- identity numbers -------------------------------------------------------------------------

@xw.func
@xw.arg("id", doc="身份证号")
def ZC_ID_CHECK(id):  # noqa: A002 - the public name of the argument
    """身份证号校验：正确时返回空，否则返回具体问题。"""
    return _answer(lambda: id_message(id))


@xw.func
@xw.arg("id", doc="身份证号")
def ZC_ID_BIRTHDATE(id):  # noqa: A002
    """身份证号中的出生日期。"""
    return _answer(lambda: _parsed(check_id(id), "身份证号为空").birth_date)


@xw.func
@xw.arg("id", doc="身份证号")
def ZC_ID_GENDER(id):  # noqa: A002
    """身份证号对应的性别：男 / 女。"""
    return _answer(lambda: _parsed(check_id(id), "身份证号为空").sex)


@xw.func
@xw.arg("id", doc="身份证号")
def ZC_MASK_ID(id):  # noqa: A002
    """公示用的身份证号：隐藏出生日期8位。"""
    return _answer(lambda: mask_id(id))


# --- seniority, continuing education, deadlines -------------------------------------------------

@xw.func
@xw.arg("start", dates=dt.date, doc="起算日期（如参加工作、取得现职称的日期）")
@xw.arg("cutoff", dates=dt.date, doc="截止日期，默认取参数中的资历计算截止日期")
def ZC_SERVICE_YEARS(start, cutoff=None, caller=None):
    """两个日期之间的整年数（资历计算至截止日期）。"""
    def compute():
        begin = _date(start, "起算日期")
        end = _date(cutoff) if cutoff not in (None, "") else register_of(caller).settings.seniority_cutoff
        if begin > end:
            raise _Problem("起算日期晚于截止日期")
        return full_years(begin, end)
    return _answer(compute)


def _hours(values: object, what: str) -> list[float | None]:
    out = []
    for row in _rows(values):
        for v in row:
            parsed = parse_number(v)
            if parsed.finding:
                raise _Problem(f"{what}：{parsed.finding.message}")
            out.append(parsed.value)
    return out


@xw.func
@xw.arg("public_hours", ndim=1, doc="各年度公需课学时（每年一格，按年度顺序）")
@xw.arg("professional_hours", ndim=1, doc="各年度专业课学时（每年一格，按年度顺序）")
@xw.arg("exempt", doc="是否免修（是/否）")
@xw.arg("private_first_time", doc="是否民营企业首次申报（是/否）")
def ZC_CE_STATUS(public_hours, professional_hours, exempt=False, private_first_time=False, caller=None):
    """继续教育：达标 / 不达标：<年度与差额> / 免修 / 不作硬性要求。"""
    def compute():
        settings = register_of(caller).settings
        years = list(settings.ce_years)
        pub, pro = _hours(public_hours, "公需课学时"), _hours(professional_hours, "专业课学时")
        if len(pub) > len(years) or len(pro) > len(years):
            raise _Problem(f"学时区域应为{len(years)}格（{years[0]}—{years[-1]}年）")
        pub += [None] * (len(years) - len(pub))
        pro += [None] * (len(years) - len(pro))
        hours = {y: YearHours(a, b) for y, a, b in zip(years, pub, pro)}
        return str(ce_status(hours, settings, exempt=bool(parse_bool(exempt).value),
                             private_first_time=bool(parse_bool(private_first_time).value)))
    return _answer(compute)


@xw.func
@xw.arg("returned_on", dates=dt.date, doc="退回日期")
@xw.arg("days", doc="补正天数，默认取参数（2日）")
def ZC_RESUBMIT_DEADLINE(returned_on, days=None, caller=None):
    """退回后补正提交的最后一天。"""
    def compute():
        n = None if days in (None, "") else _int(days, "补正天数")
        if n is not None and not 1 <= n <= 365:
            raise _Problem("补正天数应在1到365之间")
        register = register_of(caller)
        return resubmission_deadline(_date(returned_on, "退回日期"), register.settings, register.calendar, n)
    return _answer(compute)


@xw.func
@xw.arg("exam_year", doc="高级经济师考试年份")
@xw.arg("national_pass", doc="成绩是否达到国家合格标准（是/否）")
@xw.arg("campaign_year", doc="评审年度，默认取参数")
def ZC_ECON_EXAM_VALID(exam_year, national_pass, campaign_year=None, caller=None):
    """高级经济师考试成绩在评审年度是否有效（TRUE/FALSE）。"""
    def compute():
        settings = register_of(caller).settings
        year = _parsed(parse_year(exam_year), "考试年份为空")
        campaign = settings.campaign_year if campaign_year in (None, "") else _parsed(
            parse_year(campaign_year), "评审年度为空")
        passed = parse_bool(national_pass)
        if passed.finding:
            raise _Problem(f"是否达到国家合格标准：{passed.finding.message}")
        return econ_exam_valid(year, bool(passed.value), campaign, settings)
    return _answer(compute)


@xw.func
@xw.arg("skill_level", doc="职业技能等级（高级工/技师/高级技师）")
@xw.arg("obtained_on", dates=dt.date, doc="取得技能等级的日期")
@xw.arg("cutoff", dates=dt.date, doc="截止日期，默认取参数中的资历计算截止日期")
def ZC_SKILL_TITLE(skill_level, obtained_on, cutoff=None, caller=None):
    """技能人才贯通可申报的职称层级：助理级 / 中级 / 副高级 / 空。"""
    def compute():
        ctx = _context(register_of(caller))
        level = ctx.catalog.pick("职业技能等级", skill_level)
        if level.finding:
            raise _Problem(level.finding.message)
        if level.value is None:
            return ""
        end = _date(cutoff) if cutoff not in (None, "") else ctx.settings.seniority_cutoff
        return skill_path_grade(level.value, _date(obtained_on, "取得日期"), end, ctx.settings, ctx.catalog)
    return _answer(compute)


@xw.func
@xw.arg("headers", ndim=1, doc="申报人员表的表头行")
@xw.arg("row", ndim=1, doc="申报人员表中的一行")
def ZC_ELIGIBILITY(headers, row, caller=None):
    """申报资格：符合 / 不符合：<原因> / 待核：<缺少的信息>（按表头读取这一行）。"""
    def compute():
        heads, values = _rows(headers), _rows(row)
        flat_h = [v for r in heads for v in r]
        flat_v = [v for r in values for v in r]
        if len(flat_h) != len(flat_v):
            raise _Problem(f"表头{len(flat_h)}列与数据行{len(flat_v)}列不一致")
        applicant, findings = applicant_from_row(row_mapping(flat_h, flat_v))
        if findings:
            return "待核：" + "；".join(f"{f.column}{f.message}" for f in findings)
        return str(assess(_context(register_of(caller)), applicant))
    return _answer(compute)
