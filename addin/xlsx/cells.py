"""Cell values as the writer writes them: each of its own type — text an inline string
(never a formula: text that looks like one is flagged by :func:`looks_like_formula` and
gets the quote-prefix format), numbers ``<v>``, dates serial numbers in the workbook's
date system, booleans ``t="b"``, None an empty cell keeping its format; control
characters XML cannot hold removed, text capped at Excel's 32,767 characters
(:func:`clean_text`). :func:`cell_element` is the ``<c>`` element as bytes, remembered
per value (a register repeats its computed values); :func:`sheet_xml` a whole new sheet.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Iterable

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, to_excel

from .opc import DOC_REL_NS


#: text a spreadsheet would take for a formula when typed (OWASP CSV-injection list)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


#: Excel's limit for the characters of one cell
CELL_TEXT_LIMIT = 32767


def looks_like_formula(value: object) -> bool:
    """Text a spreadsheet would run if it were typed into a cell (it is stored as text
    with the quote-prefix format, so it shows exactly as typed and nothing runs)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def excel_number(value: float | int) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def clean_text(text: str) -> str:
    """Text as a cell can hold it: no XML-illegal control characters, at most Excel's
    32,767 characters."""
    if not text.isprintable():           # (text without any control character needs no search)
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > CELL_TEXT_LIMIT:
        text = text[: CELL_TEXT_LIMIT - 1] + "…"
    return text


def sheet_xml(ns: str, body: Iterable[bytes]) -> bytes:
    """A worksheet part from already serialised child elements."""
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="' + ns.encode() +
            b'" xmlns:r="' + DOC_REL_NS.encode() + b'">')
    return b"".join([head, *body, b"</worksheet>"])          # one copy of the body, not three


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;"))


def _cell_bytes(ns: str, prefix: bytes, ref: str, value: object, style: int, date1904: bool) -> bytes:
    """One ``<c>`` element as bytes (the namespace declared by the sheet's root)."""
    return cell_element(prefix, ref.encode(), b' s="%d"' % style if style else b"", value, date1904)


def cell_element(p: bytes, ref: bytes, style_attr: bytes, value: object, date1904: bool) -> bytes:
    """One ``<c>`` element: ``p`` the sheet's namespace prefix (b"" or b"x:"), ``ref`` the
    cell's reference, ``style_attr`` its `` s="7"`` (empty for format 0). Built as bytes,
    the part after the reference remembered per value: a refresh writes 100,000 cells,
    most of them one of a few verdicts, numbers or blanks."""
    head = b"<" + p + b'c r="' + ref + b'"' + style_attr
    if value is None:
        return head + b"/>"
    kind = value.__class__                # with the value, the key of the memo: 1, 1.0 and True differ
    if kind in _SAME_WHEN_EQUAL and (kind is not str or len(value) <= _MEMO_TEXT) or \
            kind is dt.datetime and value.tzinfo is None:
        return head + _cell_rest(p, kind, value, date1904)
    return head + _cell_rest.__wrapped__(p, kind, value, date1904)


#: the classes whose equal values are written alike (so their cells can share a memo)
_SAME_WHEN_EQUAL = (str, int, float, dt.date)


#: longer texts (remarks, digests) seldom repeat: they are not kept in the memo
_MEMO_TEXT = 64


@functools.lru_cache(maxsize=4096)
def _cell_rest(p: bytes, _kind: type, value: object, date1904: bool) -> bytes:
    """A ``<c>`` element after its reference and style: its type and value."""
    if value == "":
        return b"/>"
    if isinstance(value, bool):
        kind, number = b' t="b"', (b"1" if value else b"0")
    elif isinstance(value, (int, float)) and not (isinstance(value, float) and not math.isfinite(value)):
        kind, number = b"", excel_number(value).encode()
    elif isinstance(value, (dt.datetime, dt.date)):
        serial = to_excel(value, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
        kind, number = b"", excel_number(serial).encode()
    else:
        text = clean_text(str(value))
        if not text:
            return b"/>"
        space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
        return b"".join((b' t="inlineStr"><', p, b"is><", p, b"t", space, b">", _escape(text).encode("utf-8"),
                         b"</", p, b"t></", p, b"is></", p, b"c>"))
    return b"".join((kind, b"><", p, b"v>", number, b"</", p, b"v></", p, b"c>"))


def cell_xml(ns: str, ref: str, value: object, style: int, date1904: bool) -> bytes:
    """One ``<c>`` element (default namespace), typed like :meth:`SheetEdit.set` writes it."""
    return _cell_bytes(ns, b"", ref, value, style, date1904)


def escape_attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;"))
