"""Telephone numbers of applicants (联系电话) and the length of a text message.

A phone cell holds one number or a few (``13912345678/0997-2123456``): a mainland mobile
number (11 digits starting 13-19, facts §7) or a fixed line with its area code
(``0997-2123456``: 0, then 2-3 more digits, then a 7- or 8-digit local number). The
usual slips are accepted and normalised: full-width digits, spaces, the long dashes of a
Chinese input method (``0997—2514195``), a country prefix (+86, 0086, 86), a number
stored by Excel as a float (``13912345678.0``), brackets around the area code. Anything
else is a finding naming the number; nothing here raises.

A text message carries :attr:`~addin.rules.settings.Settings.sms_single_chars` characters
(70 for Chinese, UCS-2); a longer one goes out as concatenated segments of
:attr:`~addin.rules.settings.Settings.sms_segment_chars` (67) each and is billed per
segment; the platform's signature (【单位名称】) counts toward the length.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .base import Parsed, error
from .dates import normalise_text

MOBILE = re.compile(r"1[3-9]\d{9}")
#: what separates two numbers in one cell
_SPLIT = re.compile(r"[/、,，;；]+|\s{2,}|(?<=\d)\s+(?=(?:\+?86)?1[3-9]\d{9}\b)|(?<=\d)\s+(?=0\d{2,3}-)")
_COUNTRY = re.compile(r"(?:\+86|0086|\(\+?86\))[\s-]*(?=1[3-9])")
_DASHES = re.compile(r"[‐‑‒–—―－﹣一]")
_EXAMPLE = "（手机号11位，如13912345678；固定电话带区号，如0997-2123456）"


@dataclass(frozen=True)
class Phone:
    """The numbers of a 联系电话 cell, normalised (``13912345678``, ``0997-2123456``)."""

    numbers: tuple[str, ...]

    @property
    def mobile(self) -> str | None:
        """The first mobile number (where a text message can go), or None."""
        return next((n for n in self.numbers if MOBILE.fullmatch(n)), None)

    @property
    def fixed(self) -> str | None:
        return next((n for n in self.numbers if not MOBILE.fullmatch(n)), None)

    @property
    def text(self) -> str:
        """How the cell is written back: the numbers joined by 、."""
        return "、".join(self.numbers)

    def __str__(self) -> str:
        return self.text


def _one(text: str) -> str | None:
    """One number normalised, or None when it is not a phone number."""
    compact = re.sub(r"\s", "", text).replace("（", "(").replace("）", ")")
    mobile = compact.replace("-", "")
    for prefix in ("+86", "0086", "86"):
        if mobile.startswith(prefix) and MOBILE.fullmatch(mobile[len(prefix):]):
            mobile = mobile[len(prefix):]
            break
    if MOBILE.fullmatch(mobile):
        return mobile
    area = re.fullmatch(r"\(?(0\d{2,3})\)?-?([2-9]\d{6,7})", compact)
    return f"{area.group(1)}-{area.group(2)}" if area else None


def parse_phone(raw: object) -> Parsed[Phone]:
    """A 联系电话 cell: blank, one or more numbers (:class:`Phone`), or a finding naming
    the part that is not a mobile or fixed-line number."""
    if raw is None or isinstance(raw, bool):
        return Parsed() if raw is None else Parsed(finding=error(f"联系电话“{raw}”不是电话号码{_EXAMPLE}"))
    if isinstance(raw, (int, float)):
        if isinstance(raw, float) and (math.isnan(raw) or not raw.is_integer()):
            return Parsed() if math.isnan(raw) else Parsed(finding=error(f"联系电话“{raw}”不是电话号码{_EXAMPLE}"))
        raw = str(int(raw))
        if len(raw) < 11 and raw.startswith("9"):          # 0997... typed as a number lost its 0
            return Parsed(finding=error(f"联系电话“{raw}”像是丢了开头的0的固定电话（单元格存成了数字），"
                                        "请按文本填写，如0997-2123456"))
    text = _COUNTRY.sub("", _DASHES.sub("-", normalise_text(str(raw))))
    if not text or text in ("-", "无"):
        return Parsed()
    parts = [p.strip() for p in _SPLIT.split(text) if p and p.strip()]
    numbers = []
    for part in parts:
        number = _one(part)
        if number is None:
            shown = part if len(part) <= 20 else part[:20] + "…"
            if re.fullmatch(r"1\d+", re.sub(r"\D", "", part)) and not re.search(r"[-()（）]", part):
                count = len(re.sub(r"\D", "", part))
                why = f"手机号应为11位（实为{count}位）" if count != 11 else "手机号应以13—19开头"
                return Parsed(finding=error(f"联系电话“{shown}”有误：{why}{_EXAMPLE}"))
            return Parsed(finding=error(f"联系电话“{shown}”不是手机号或固定电话{_EXAMPLE}"))
        if number not in numbers:
            numbers.append(number)
    return Parsed(Phone(tuple(numbers))) if numbers else Parsed()


def sms_segments(length: int, single: int, segment: int) -> int:
    """How many messages a text of ``length`` characters (signature included) is sent and
    billed as: one up to ``single`` characters, else concatenated segments of ``segment``."""
    if length <= 0:
        return 0
    if length <= single:
        return 1
    return math.ceil(length / segment)
