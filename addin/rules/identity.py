"""Resident identity numbers (GB 11643): normalise, validate, explain, mask.

Validation is python-stdnum's (``stdnum.cn.ric``); this module adds what a clerk
needs on top: the typing slips of facts.md section 5 repaired (spaces, a leading
apostrophe, full-width characters, a lower-case x) and each failure explained on its
own (length, an old 15-digit number, a number that Excel stored as a float, a birth
date that does not exist, a wrong check character, an unknown area code).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from stdnum.cn import ric

from .base import Finding, Parsed, cites, error
from .settings import Settings

_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\-]+")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?E\+?\d+$", re.IGNORECASE)
_FLOAT_HINT = "，末几位已丢失：请把单元格设为“文本”后按原件重新录入"


def normalise_id(value: object) -> str:
    """The number as text with the usual typing slips repaired (no validation)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    text = _SPACES.sub("", text).strip("'‘’\"“”")
    return text.upper()


@lru_cache(maxsize=4096)
def _area_exists(code: str) -> bool:
    """Whether the area code was ever assigned. stdnum's own check also wants the
    county to exist in the birth year, which rejects real numbers: people born before
    a county was created carry its code (IDs were first issued in 1984-1985)."""
    from stdnum import numdb

    return any("county" in props for _, props in numdb.get("cn/loc").info(code))


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str   # 男 / 女


@cites("四(一)1")
def check_id(value: object) -> Parsed[IdNumber]:
    """Validate an identity number and say precisely what is wrong with it.

    Blank gives an empty result; the caller decides whether the number is required.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Parsed()
    if isinstance(value, bool):
        return Parsed(finding=error(f"身份证号“{value}”无效"))
    if isinstance(value, float) and value >= 1e15:
        return Parsed(finding=error("身份证号被Excel存成了数字" + _FLOAT_HINT))
    text = normalise_id(value)
    if not text:
        return Parsed()
    if _SCIENTIFIC.match(text):
        return Parsed(finding=error(f"身份证号被Excel存成了数字（显示为“{text}”）" + _FLOAT_HINT))
    if isinstance(value, int) and len(text) == 18 and text.endswith("000"):
        return Parsed(finding=error("身份证号被Excel存成了数字" + _FLOAT_HINT))
    if len(text) == 15 and text.isdigit():
        return Parsed(finding=error("这是15位旧身份证号，请改填18位身份证号"))
    if len(text) != 18:
        return Parsed(finding=error(f"身份证号应为18位，实为{len(text)}位"))
    if not (text[:17].isascii() and text[:17].isdigit() and (text[17].isdigit() or text[17] == "X")):
        bad = next(c for i, c in enumerate(text) if not (c.isascii() and c.isdigit()) and not (i == 17 and c == "X"))
        return Parsed(finding=error(f"身份证号含有非法字符“{bad}”（前17位应为数字，末位为数字或X）"))
    try:
        birth = dt.date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return Parsed(finding=error(f"身份证号中的出生日期{text[6:14]}不存在"))
    if text[17] != ric.calc_check_digit(text):
        return Parsed(finding=error("身份证号校验位错误（请逐位核对号码）"))
    if not _area_exists(text[:6]):
        return Parsed(finding=error(f"身份证号前6位地区码{text[:6]}不存在"))
    sex = "男" if int(text[16]) % 2 else "女"
    return Parsed(IdNumber(text, birth, sex))


@cites("一(五)", "四(二)")
def mask_id(value: object) -> str:
    """The number for public lists: 18 characters, the 8 birth-date digits hidden."""
    text = normalise_id(value)
    if len(text) != 18:
        return "*" * 18 if text else ""
    return text[:6] + "*" * 8 + text[14:]


@cites("一(五)")
def public_id(value: object, settings: Settings) -> str:
    """在系统和各单位公示: the ID number as a public list shows it — masked
    (:func:`mask_id`) unless the settings say the campaign publishes it whole
    (参数“公示名单隐藏身份证号出生日期”)."""
    return mask_id(value) if settings.mask_public_ids else normalise_id(value)


def id_message(value: object) -> str:
    """'' for a valid number, else the Chinese explanation (for cells and UDFs)."""
    parsed = check_id(value)
    if parsed.finding:
        return parsed.finding.message
    return "身份证号为空" if parsed.value is None else ""


def id_finding(value: object, *, required: bool = True) -> Finding | None:
    parsed = check_id(value)
    if parsed.finding:
        return parsed.finding
    if required and parsed.value is None:
        return error("身份证号为空")
    return None
