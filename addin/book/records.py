"""Rows of the register as typed records.

A row arrives as ``{header: raw cell value}`` (from openpyxl, from xlwings, or from a
UDF's header and row ranges). Each cell is parsed by the rules' readers; a cell that
cannot be read becomes a finding naming its column, and the record gets a blank
there, so one bad cell never hides the others.
"""

from __future__ import annotations

import operator
import re
from functools import lru_cache
from typing import Mapping, Sequence

from .. import data
from ..rules.base import Finding, Parsed, error
from ..rules.catalog import clean_word
from ..rules.ce import YearHours
from ..rules.dates import normalise_text, parse_date, parse_year
from ..rules.eligibility import Applicant
from ..rules.settings import parse_bool, parse_number
from .schema import APPLICANT_INPUTS, APPLICANT_INPUTS_2, APPLICANT_SHEET, CE_HEADER, CE_KEY, Column

_INPUTS = APPLICANT_INPUTS + APPLICANT_INPUTS_2
_BY_HEADER = {clean_word(c.header): c for c in _INPUTS}
_BY_KEY = {c.key: c for c in _INPUTS}
_MEMO = 65536            # readings remembered per reader (a register repeats its dates and hours)


def _remembered(reader):
    """``reader`` with its results remembered by the raw value and its type (1, 1.0 and
    True read differently). The readers are pure, and a :class:`Parsed` is never changed
    in place, so a result may be shared. A value that cannot be hashed raises TypeError:
    the caller reads it with ``__wrapped__``."""
    return lru_cache(maxsize=_MEMO, typed=True)(reader)


_READERS = {"date": _remembered(parse_date), "bool": _remembered(parse_bool), "year": _remembered(parse_year),
            "number": _remembered(parse_number)}
_HOURS = _READERS["number"]


#: characters no output can hold (XML 1.0 forbids them; Word, openpyxl and LibreOffice refuse
#: or drop them): control characters other than tab and line breaks, U+FFFE/U+FFFF, a lone
#: surrogate. Excel keeps them in a cell (a vertical tab pasted with a name is saved as
#: ``_x000B_``), invisible.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def unprintable(text: str) -> list[str]:
    """The characters of ``text`` that no output can hold, named as the clerk would find
    them (U+000B 垂直制表符…), in order, each once; [] for ordinary text."""
    if text.isprintable():                 # (ordinary text has none: no search)
        return []
    found = dict.fromkeys(_UNPRINTABLE.findall(text))
    return [f"U+{ord(ch):04X}" + (f"（{_CONTROL_NAMES[ch]}）" if ch in _CONTROL_NAMES else "") for ch in found]


_CONTROL_NAMES = {"\x0b": "垂直制表符", "\x0c": "换页符", "\x00": "空字符", "\x1b": "退出符", "\x08": "退格符",
                  "\x07": "响铃符"}


def printable_text(text: str) -> str:
    """``text`` without the characters no output can hold (:func:`unprintable`): every
    reader of the register and every output takes the same text, removed the same way."""
    return text if text.isprintable() else _UNPRINTABLE.sub("", text)


def _text(raw: object) -> Parsed[str]:
    if type(raw) is str:
        return _text_of(raw)
    if raw is None:
        return Parsed()
    if isinstance(raw, float):
        if raw != raw:   # NaN: a number cell reading ``nan`` (xlsx.reader), no value
            return Parsed()
        if raw.is_integer():
            raw = int(raw)
    text = normalise_text(str(raw))
    return Parsed(text) if text else Parsed()


@lru_cache(maxsize=65536)
def _text_of(text: str) -> Parsed[str]:
    """A text cell read, remembered: a register repeats its words (employers, titles) on
    every row. The result is shared: never change a Parsed in place."""
    text = normalise_text(text)
    return Parsed(text) if text else Parsed()


def forget() -> None:
    """Drop the remembered readings (the end of a batch: memory back, the next batch
    starts afresh)."""
    for reader in _READERS.values():
        reader.cache_clear()
    _text_of.cache_clear()


def _column_for(header: object) -> Column | None:
    word = clean_word(header)
    return _BY_HEADER.get(word) or _BY_KEY.get(word)


def row_mapping(headers: Sequence[object], values: Sequence[object]) -> dict[str, object]:
    """Pair a header row with a value row (as a UDF receives them)."""
    return {str(h): v for h, v in zip(headers, values) if h not in (None, "")}


@lru_cache(maxsize=4096)
def _plan(header: str) -> tuple[str, object, object] | None:
    """How a header's cell is read, worked out once per header: ("ce", year, kind) for
    an hours column, (kind, key, reader) for a register input, None for other columns."""
    ce = CE_HEADER.match(clean_word(header))
    if ce:
        return "ce", int(ce["year"]), "public" if ce["kind"] == "公需课" else "professional"
    column = _column_for(header)
    if column is None:
        return None
    return column.kind, column.key, _READERS.get(column.kind, _text)


@lru_cache(maxsize=64)
def _row_plan(headers: tuple) -> tuple:
    """:func:`_plan` of each header of a row, in the row's order: the rows of one table
    share their headers, so the plan is worked out once per table, not once per cell."""
    return tuple(_plan(h) for h in headers)


@lru_cache(maxsize=4096)
def _key_plan(key: str) -> tuple[str, object, object] | None:
    """:func:`_plan` of a column named by its schema key (``ce_public_2024`` for hours)."""
    ce = CE_KEY.fullmatch(key)
    if ce:
        return "ce", int(ce["year"]), ce["kind"]
    column = _BY_KEY.get(key)
    return (column.kind, column.key, _READERS.get(column.kind, _text)) if column else None


@lru_cache(maxsize=64)
def _keys_plan(keys: tuple) -> tuple[tuple, tuple, object]:
    """For rows by key with these keys (one table's rows share them): the keys that are
    read, their plans, and a getter of their values (one C call per row)."""
    chosen = [(k, plan) for k in keys if (plan := _key_plan(k)) is not None]
    names = tuple(k for k, _ in chosen)
    getter = (operator.itemgetter(*names) if len(names) > 1 else
              (lambda d, k=names[0]: (d[k],)) if names else (lambda d: ()))
    return names, tuple(plan for _, plan in chosen), getter


def applicant_from_row(row: Mapping[str, object], *, sheet: str = APPLICANT_SHEET,
                       row_number: int | None = None) -> tuple[Applicant, list[Finding]]:
    """A typed :class:`Applicant` and the findings for cells that could not be read,
    from a row by header (as a UDF or an import gives it)."""
    plans = _row_plan(tuple(row))         # dict keys: always hashable
    return _applicant(row, plans, row.values(), None, sheet, row_number)


def applicant_from_keys(values: Mapping[str, object], headers: Mapping[str, str], *, sheet: str = APPLICANT_SHEET,
                        row_number: int | None = None) -> tuple[Applicant, list[Finding]]:
    """The same from a row by schema key (as the register's reader gives it); ``headers``
    names each key's column in the findings (the key itself when it has none)."""
    keys, plans, getter = _keys_plan(tuple(values))
    return _applicant(keys, plans, getter(values), headers, sheet, row_number)


def _read(reader, raw: object) -> Parsed:
    """A remembered reading (:func:`_remembered`), or a fresh one of a value that cannot be hashed."""
    try:
        return reader(raw)
    except TypeError:
        wrapped = getattr(reader, "__wrapped__", None)
        if wrapped is None:
            raise
        return wrapped(raw)


def _located(finding: Finding, header: str, labels: Mapping[str, str] | None, sheet: str,
             row_number: int | None) -> Finding:
    column = labels.get(header, header) if labels is not None else header
    return finding.at(sheet=sheet, row=row_number, column=str(column))


def _applicant(names, plans, raws, labels: Mapping[str, str] | None, sheet: str,
               row_number: int | None) -> tuple[Applicant, list[Finding]]:
    """The applicant of aligned column names, plans and raw values; a finding names its
    column by ``labels`` (when given) or by its name."""
    fields: dict[str, object] = {}
    findings: list[Finding] = []
    hours: dict[int, dict[str, float | None]] = {}
    hours_max = data.limit("ce_hours_max")
    for header, plan, raw in zip(names, plans, raws):
        if plan is None:
            continue
        kind, key, reader = plan
        if raw is None:                    # blank: nothing to read (fields.get gives None)
            if kind == "ce":
                hours.setdefault(key, {})[reader] = None
            continue
        if kind == "text" and raw.__class__ is str:       # the common cell: a word, read once per register
            parsed = _text_of(raw)
        elif kind == "ce":
            parsed = _read(_HOURS, raw)
            if parsed.value is not None and parsed.value > hours_max:
                parsed = Parsed(finding=error(f"学时{parsed.value:g}不合理（一年超过{hours_max:g}学时），请核对"))
            hours.setdefault(key, {})[reader] = parsed.value
            if parsed.finding:
                findings.append(_located(parsed.finding, header, labels, sheet, row_number))
            continue
        elif isinstance(raw, bool) and kind in ("text", "id"):
            # TRUE typed into a text column (Excel turns the word into a logical value)
            parsed = Parsed(finding=error(f"应填文字，实为逻辑值{str(raw).upper()}"))
        elif kind == "id":
            parsed = Parsed(raw)          # id numbers stay as typed: the identity rule explains them
        else:
            parsed = _read(reader, raw)
        fields[key] = parsed.value
        if parsed.finding:
            findings.append(_located(parsed.finding, header, labels, sheet, row_number))
    appraisals = tuple(str(fields.get(k) or "") for k in ("appraisal_1", "appraisal_2", "appraisal_3"))
    applicant = Applicant(
        app_id=str(fields.get("app_id") or ""),
        name=str(fields.get("name") or ""),
        id_number=fields.get("id_number") if fields.get("id_number") is not None else "",
        employer=str(fields.get("employer") or ""),
        employer_type=str(fields.get("employer_type") or ""),
        route=str(fields.get("route") or ""),
        series=str(fields.get("series") or ""),
        specialty=str(fields.get("specialty") or ""),
        target_title=str(fields.get("target_title") or ""),
        current_title=str(fields.get("current_title") or ""),
        current_title_date=fields.get("current_title_date"),
        current_title_place=str(fields.get("current_title_place") or ""),
        education=str(fields.get("education") or ""),
        work_start=fields.get("work_start"),
        skill_level=str(fields.get("skill_level") or ""),
        skill_date=fields.get("skill_date"),
        appraisals=appraisals if any(appraisals) else (),
        ce_hours={y: YearHours(h.get("public"), h.get("professional")) for y, h in hours.items()},
        ce_exempt=bool(fields.get("ce_exempt")),
        private_first_time=bool(fields.get("private_first_time")),
        mandarin=str(fields.get("mandarin") or ""),
        econ_exam_year=fields.get("econ_exam_year"),
        econ_exam_pass=fields.get("econ_exam_pass"),
        private_basis=str(fields.get("private_basis") or ""),
        stationed_since=fields.get("stationed_since"),
    )
    return applicant, findings
