"""Which application of the register an export row is (``zhicheng import``), and the
report the import gives.

An export row is matched (:meth:`Applications.resolve`) by 申报编号 when the export
carries it; else by ID number + series + target title; an export without series and
title finds the one application of that ID number — and an application the export cannot
identify (no series or title, several of that person) is never added, but listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..rules.catalog import clean_word
from ..rules.identity import normalise_id
from .platform_export import text


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)            # application ids of new rows
    filled: int = 0                                            # empty register cells filled
    updated: int = 0                                           # differing cells replaced (overwrite)
    conflicts: list[str] = field(default_factory=list)         # differences left as they were
    skipped: list[str] = field(default_factory=list)           # export rows that could not be used
    unmapped: list[str] = field(default_factory=list)          # export headers not understood
    backup: Path | None = None                                 # the file's backup (nothing written, or live: None)
    reviews_added: list[str] = field(default_factory=list)     # submissions added to 审核记录 (“2024-003 第2次提交”)
    problems: list[str] = field(default_factory=list)          # values not imported (not a date, a bad phone…)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.filled or self.updated or self.reviews_added)


def match_key(values: dict) -> tuple:
    """(ID number, series, target title) of an application's values, normalised."""
    return (normalise_id(values.get("id_number")), clean_word(values.get("series")), clean_word(values.get("target_title")))


class Applications:
    """The register's applications (and those this import adds) by 申报编号, by ID number +
    series + title, and by ID number alone."""

    def __init__(self, rows):
        self.by_app_id: dict[str, int] = {}
        self.by_key: dict[tuple, int] = {}
        self.by_person: dict[str, list[int]] = defaultdict(list)
        self.app_id_of: dict[int, str] = {}
        self.id_of: dict[int, str] = {}
        for r in rows:
            self.add(r.number, r.values_by_key)

    def add(self, number: int, values: dict) -> None:
        app_id = clean_word(values.get("app_id"))
        if app_id:
            self.by_app_id.setdefault(app_id, number)
            self.app_id_of[number] = text(values.get("app_id"))
        key = match_key(values)
        if key[0]:
            self.by_person[key[0]].append(number)
            self.id_of[number] = key[0]
            if key[1] and key[2]:
                self.by_key.setdefault(key, number)

    def resolve(self, values: dict) -> tuple[int | None, str | None]:
        """(register row, None) for the application ``values`` names; (None, None) for a new
        application it fully identifies (ID number, series and title); (None, why) when it
        names none that can be told apart."""
        person = normalise_id(values.get("id_number"))
        app_id = clean_word(values.get("app_id"))
        if app_id and app_id in self.by_app_id:
            number = self.by_app_id[app_id]
            theirs = self.id_of.get(number)
            if person and theirs and theirs != person:
                return None, (f"申报编号“{text(values.get('app_id'))}”在台账中是另一人的申报（身份证号不同），"
                              "未导入：请核对申报编号")
            return number, None
        key = match_key(values)
        if key[0] and key[1] and key[2]:
            return self.by_key.get(key), None
        if not person:
            return None, "缺少身份证号" + ("" if app_id else "和申报编号")
        mine = self.by_person.get(person, [])
        if len(mine) == 1:
            return mine[0], None
        missing = "、".join(h for h, k in (("系列", "series"), ("拟申报职称", "target_title")) if not values.get(k))
        if not mine:
            return None, (f"缺少{missing}，台账中也没有这个身份证号的申报：无法确定是哪一项申报，未新增"
                          "（请在导出文件中带上系列和拟申报职称，或申报编号）")
        return None, (f"缺少{missing}，台账中这个身份证号有{len(mine)}份申报：无法确定是哪一份，未导入"
                      "（请在导出文件中带上系列和拟申报职称，或申报编号）")
