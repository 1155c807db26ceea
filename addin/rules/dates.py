"""One reader for every date a clerk or Excel hands us.

Accepted: ``date`` and ``datetime``, Excel serial numbers
of the 1900 date system, numbers written as ``20240912``, and text such as
``2024-09-12``, ``2024/9/12``, ``2024.9.12``, ``2024年9月12日``, ``20240912``, each
optionally followed by a clock time (``2024-08-30 18:00``, ``2024年8月30日18时30分``,
``2024年8月30日下午6点半``) and in full-width digits.
Anything else becomes a finding with a Chinese message; nothing here raises.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata

from dateutil import parser as du_parser

from .base import Parsed, error, is_excel_error

# Excel's 1900 system: serial 1 = 1900-01-01, serial 60 = the 1900-02-29 that never
# existed (kept for Lotus 1-2-3 compatibility), serial 61 = 1900-03-01.
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_EXCEL_LOTUS_BUG = 60
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31

_EXAMPLE = "（请写成 2024-09-12 或 2024年9月12日）"

_SEPARATED = re.compile(
    r"""^(?P<y>\d{4})\s*(?P<sep>[-/.年])\s*(?P<m>\d{1,2})\s*(?P=sep)?\s*(?:月\s*)?
        (?P<d>\d{1,2})(?:\s*[日号])?
        (?:(?:(?<=[日号])\s*|[\sT]+)                     # after 日 the time may follow at once
           (?P<ap>上午|下午|晚上|早上|中午|凌晨)?\s*(?P<H>\d{1,2})\s*
           (?:[:]\s*(?P<M>\d{1,2})(?:\s*[:]\s*(?P<S>\d{1,2})(?:\.\d+)?)?        # 18:30, 18:30:00
            |[时点]\s*(?:(?P<half>半)|(?P<M2>\d{1,2})\s*分?(?:\s*(?P<S2>\d{1,2})\s*秒?)?)?  # 18时30分, 18点半, 18时
           ))?$""",
    re.VERBOSE,
)
#: a clock time after these words is in the afternoon or evening (下午6时 = 18:00)
_AFTERNOON = ("下午", "晚上")
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:\s*(?P<H>\d{2}):?(?P<M>\d{2}))?$")
_BLANKS = {"", "-", "—", "/", "无"}


def normalise_text(text: str) -> str:
    """Full-width to half-width (NFKC), apostrophes and odd spaces stripped."""
    text = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
    return text.strip().lstrip("'").strip()


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 30 else text[:30] + "…"


def _build(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0,
           raw: object = None) -> Parsed[dt.datetime]:
    try:
        return Parsed(dt.datetime(y, m, d, hh, mm, ss))
    except ValueError:
        if not 1 <= m <= 12:
            return Parsed(finding=error(f"日期“{_shown(raw)}”的月份{m}不存在{_EXAMPLE}"))
        if not (0 <= hh < 24 and 0 <= mm < 60 and 0 <= ss < 60):
            return Parsed(finding=error(f"时间“{_shown(raw)}”不存在"))
        return Parsed(finding=error(f"日期“{_shown(raw)}”不存在：{y}年{m}月没有{d}日"))


def from_excel_serial(serial: float) -> Parsed[dt.datetime]:
    """An Excel serial number (1900 date system) as a datetime."""
    if isinstance(serial, float) and not math.isfinite(serial):
        return Parsed(finding=error(f"“{serial}”不是日期{_EXAMPLE}"))
    if not 1 <= serial <= _EXCEL_MAX_SERIAL + 0.99999:
        return Parsed(finding=error(f"数字{_shown(serial)}不是有效的日期序号{_EXAMPLE}"))
    if int(serial) == _EXCEL_LOTUS_BUG:
        return Parsed(finding=error("Excel 日期序号60对应的1900年2月29日并不存在"))
    days = serial if serial > _EXCEL_LOTUS_BUG else serial + 1
    moment = _EXCEL_EPOCH + dt.timedelta(days=days)
    # round to the second: serials carry binary noise
    return Parsed(moment.replace(microsecond=0) + dt.timedelta(
        seconds=round(moment.microsecond / 1e6)))


def to_excel_serial(day: dt.date) -> int:
    """The 1900-system serial of a date (the inverse of :func:`from_excel_serial`)."""
    days = (dt.datetime(day.year, day.month, day.day) - _EXCEL_EPOCH).days
    return days if days > _EXCEL_LOTUS_BUG else days - 1


def parse_datetime(value: object) -> Parsed[dt.datetime]:
    """Read a date or a date with clock time. Blank input gives an empty result."""
    if value is None:
        return Parsed()
    if isinstance(value, bool):
        return Parsed(finding=error(f"“{value}”不是日期{_EXAMPLE}"))
    if isinstance(value, dt.time) or (isinstance(value, dt.datetime) and value.date() == _EXCEL_EPOCH.date()):
        # a time-only cell: openpyxl gives a time, Excel (through xlwings) a datetime on its
        # day 0, 1899-12-30 (an OLE Automation date counts days from there): no date in it
        moment = value if isinstance(value, dt.time) else value.time()
        if moment == dt.time(0):
            # serial 0: 1899-12-30 typed into a program that stores serials, or a blank
            # formatted as a date (Excel shows it as 1900-01-00)
            return Parsed(finding=error("日期为0（即1899-12-30，Excel 显示为1900-01-00），"
                                        f"早于 Excel 能表示的最早日期1900-01-01，请填写实际日期{_EXAMPLE}"))
        return Parsed(finding=error(f"“{moment:%H:%M}”只有时间，没有日期{_EXAMPLE}"))
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        return Parsed(value)
    if isinstance(value, dt.date):
        return Parsed(dt.datetime(value.year, value.month, value.day))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return Parsed()  # NaN: a number cell reading ``nan`` (xlsx.reader), no value
        if float(value).is_integer() and 10000101 <= value <= 99991231:
            return parse_datetime(str(int(value)))  # a number typed as 20240912
        if float(value).is_integer() and 1900 <= value <= 2100:
            return Parsed(finding=error(f"“{int(value)}”只有年份，缺少月和日{_EXAMPLE}"))
        return from_excel_serial(value)
    if not isinstance(value, str):
        return Parsed(finding=error(f"“{_shown(value)}”不是日期{_EXAMPLE}"))
    text = normalise_text(value)
    if text in _BLANKS:
        return Parsed()
    if is_excel_error(text):
        return Parsed(finding=error(f"单元格显示错误值{text}，不是日期"))
    for pattern in (_SEPARATED, _COMPACT):
        match = pattern.match(text)
        if match:
            groups = match.groupdict()
            parts = {k: int(v) for k, v in groups.items() if v and v.isdigit()}
            hour = parts.get("H", 0)
            if groups.get("ap") in _AFTERNOON and hour < 12:
                hour += 12
            minute = 30 if groups.get("half") else parts.get("M", parts.get("M2", 0))
            return _build(parts["y"], parts["m"], parts["d"], hour, minute,
                          parts.get("S", parts.get("S2", 0)), raw=value)
    if re.fullmatch(r"\d{4}年?", text):
        return Parsed(finding=error(f"“{_shown(value)}”只有年份，缺少月和日{_EXAMPLE}"))
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return from_excel_serial(float(text))  # a serial that arrived as text
    if "T" in text and text[:4].isdigit():
        try:  # ISO 8601 as written by other programs, e.g. 2024-09-12T08:30:00
            return parse_datetime(du_parser.isoparse(text))
        except (ValueError, OverflowError):
            pass
    if re.fullmatch(r"\d{1,2}[-/.]\d{1,2}", text) or re.fullmatch(r"\d{1,2}月\d{1,2}日?", text):
        return Parsed(finding=error(f"日期“{_shown(value)}”缺少年份{_EXAMPLE}"))
    return Parsed(finding=error(f"无法识别的日期“{_shown(value)}”{_EXAMPLE}"))


def parse_date(value: object) -> Parsed[dt.date]:
    """Read a date; a clock time, if any, is dropped."""
    parsed = parse_datetime(value)
    if parsed.value is None:
        return Parsed(finding=parsed.finding)
    return Parsed(parsed.value.date())


def parse_year(value: object) -> Parsed[int]:
    """Read a year such as 2024, 2024.0, ``2024年`` or a date (its year)."""
    if value is None:
        return Parsed()
    if isinstance(value, bool):
        return Parsed(finding=error(f"“{value}”不是年份"))
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)):
        if float(value).is_integer() and 1900 <= value <= 2999:
            return Parsed(int(value))
    if isinstance(value, str):
        text = normalise_text(value).removesuffix("年度").removesuffix("年")
        if text in _BLANKS:
            return Parsed()
        if re.fullmatch(r"(19|2\d)\d\d(\.0+)?", text):          # 2020.0: a number a CSV wrote as text
            return Parsed(int(float(text)))
    day = parse_date(value)
    if day.value is not None:
        return Parsed(day.value.year)
    return Parsed(finding=error(f"无法识别的年份“{_shown(value)}”（请写成 2024）"))


def format_date(day: dt.date | None) -> str:
    """A date as clerks write it in documents and messages: 2024年9月19日."""
    return "" if day is None else f"{day.year}年{day.month}月{day.day}日"


def format_moment(moment: dt.datetime | dt.date | None, *, midnight: bool = False) -> str:
    """A moment as the notice writes it: 2024年8月30日18:00. A date, or a moment at 00:00,
    is the date alone unless ``midnight`` (a clock time that was read, such as a log's)."""
    if moment is None:
        return ""
    if not isinstance(moment, dt.datetime):
        return format_date(moment)
    if not midnight and moment.time() == dt.time(0):
        return format_date(moment.date())
    return f"{format_date(moment.date())}{moment:%H:%M}"
