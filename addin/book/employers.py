"""用人单位 and the bodies that recommend: the objection office and phone of each unit
(:func:`employer_contacts`, 四(二)), the units that publicise without them, and settings
still holding the notice's generic term for a recommending body."""

from __future__ import annotations

from collections import Counter

from .. import data
from ..rules.base import Finding, warning
from ..rules.catalog import clean_word
from ..rules.recommendation import generic_recommenders, objection_contact, publicising_unit, recommender_setting
from . import schema
from .reader import Book, cell_text as _text
from .stages import Stages


def employer_contacts(book: Book) -> dict[str, tuple[str, str]]:
    """用人单位: {unit name normalised (clean_word): (department, phone)} (四(二)); empty for a
    register without the sheet."""
    table = book.tables.get("employers")
    if table is None:
        return {}
    out = {}
    for r in table.rows:
        name = clean_word(r.values_by_key.get("name"))
        if name:
            out[name] = tuple(_text(r.values_by_key.get(k)).replace("\n", " ") for k in ("department", "phone"))
    return out


def unregistered_units(book: Book, view: Stages) -> list[Finding]:
    """Units that publicise a live application (四(二)) but have no objection office and
    phone in 用人单位: attachment 1 would send objections to the bureau. One finding per
    unit (at 用人单位), naming its applications; the clerk registers the unit."""
    s = book.settings
    contacts = employer_contacts(book)
    table = book.table("applicants")
    units: dict[str, tuple[str, list[str]]] = {}
    for row in table.rows:
        if view.stages[row.number].out:
            continue
        v = row.values_by_key
        unit = publicising_unit(_text(v.get("employer")), _text(v.get("employer_type")), _text(v.get("private_basis")), s)
        if not unit or objection_contact(unit, contacts, s).own:
            continue
        who = f"{_text(v.get('app_id'))} {_text(v.get('name'))}".strip()
        units.setdefault(clean_word(unit), (unit, []))[1].append(who)
    sheet = book.tables.get("employers")
    out = []
    for unit, people in units.values():
        shown = "、".join(people[:3]) + (f"等{len(people)}人" if len(people) > 3 else "")
        out.append(warning(f"单位“{unit}”未在“{schema.EMPLOYER_SHEET}”表中登记联系部门和电话（{shown}）："
                           f"其附件1的异议受理部门暂为参数中的“{s.contact_office}”，请在“{schema.EMPLOYER_SHEET}”表中补登",
                           "四(二)").at(sheet=sheet.sheet if sheet is not None else schema.EMPLOYER_SHEET))
    return out


def generic_names(book: Book, view: Stages) -> list[Finding]:
    """Settings still holding the notice's generic term for a body that recommends live
    applications (:func:`addin.rules.recommendation.generic_recommenders`)."""
    generic = {r["key"]: r["value"] for r in data.rows("settings") if (r.get("generic") or "").strip() == "是"}
    uses: Counter = Counter()
    for row in book.table("applicants").rows:
        if view.stages[row.number].out:
            continue
        v = row.values_by_key
        key = recommender_setting(_text(v.get("employer_type")), _text(v.get("route")), _text(v.get("private_basis")))
        if key:
            uses[key] += 1
    return generic_recommenders(book.settings, generic, uses, data.setting_labels())
