"""Reference lists the rules look things up in: titles and their levels, education
and its equivalents, the ordered lists (Mandarin levels, appraisal grades, skill
levels) and the eligibility table. All come from data; this module gives them types
and the lookups that tolerate how clerks write them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Iterable, Mapping, Sequence

from .base import Finding, Parsed, cites, error
from .dates import normalise_text

GRADES = ("员级", "助理级", "中级", "副高级", "正高级")
NO_TITLE = ("无", "暂无", "无职称")     # what clerks write for "holds no title yet"


def clean_word(value: object) -> str:
    """Text as typed, normalised for comparison (full-width, spaces, brackets)."""
    if value is None:
        return ""
    return _clean(value if isinstance(value, str) else str(value))


@lru_cache(maxsize=8192)
def _clean(text: str) -> str:
    return re.sub(r"\s+", "", normalise_text(text))


@dataclass(frozen=True)
class Title:
    series: str
    name: str
    grade: str   # 员级 助理级 中级 副高级 正高级
    level: str   # 初级 中级 高级 (fee and defence level, notice 四(五)(六))

    @property
    def rank(self) -> int:
        return GRADES.index(self.grade)


@dataclass(frozen=True)
class Education:
    name: str
    rank: int
    counts_as: str   # the education a technical-school class counts as (四(七)), or ""


@dataclass(frozen=True)
class EligibilityRule:
    """One row of the 评审条件 table."""

    target_title: str
    educations: tuple[str, ...]    # highest first
    required_title: str    # "" = no title required
    years: int
    source: str
    row: int | None = None

    def describe(self) -> str:
        need = f"取得{self.required_title}后" if self.required_title else ""
        return f"{'、'.join(self.educations)}学历{need}满{self.years}年"


@dataclass
class Catalog:
    titles: dict[str, Title]
    title_aliases: dict[str, str]
    education: dict[str, Education]
    education_aliases: dict[str, str]
    lists: dict[str, list[str]]
    qualified: dict[str, set[str]]
    rules: list[EligibilityRule] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sets = {name: frozenset(values) for name, values in self.lists.items()}
        self._by_target: dict[str, list[EligibilityRule]] | None = None
        self._memo: dict[str, dict[str, Parsed]] = {}
        # flat memos of the hot lookups, read first with one subscript (a hit is the rule)
        self._title_memo = self._memo.setdefault("title", {})
        self._level_memo = self._memo.setdefault("level", {})
        self._education_memo = self._memo.setdefault("education", {})

    def _remember(self, kind: str, value: object, compute, *args) -> Parsed:
        """Lookups are pure: remember them by the word as typed (registers repeat a few words)
        and for a blank (None); other values are not remembered (1 == 1.0 == True)."""
        if value is not None and not isinstance(value, str):
            return compute(*args, value)
        memo = self._memo.get(kind)
        if memo is None:
            memo = self._memo[kind] = {}
        found = memo.get(value)
        if found is None:
            found = memo[value] = compute(*args, value)
        return found

    def rules_for(self, target_title: str) -> list[EligibilityRule]:
        """The rows of the eligibility table for one target title."""
        if self._by_target is None:
            self._by_target = {}
            for rule in self.rules:
                self._by_target.setdefault(rule.target_title, []).append(rule)
        return self._by_target.get(target_title, [])

    # -- titles --------------------------------------------------------------------
    def title(self, value: object) -> Parsed[Title]:
        try:
            return self._title_memo[value]
        except (KeyError, TypeError):
            return self._remember("title", value, self._title)

    def _title(self, value: object) -> Parsed[Title]:
        word = clean_word(value)
        if not word or word in NO_TITLE:
            return Parsed()
        name = self.title_aliases.get(word, word)
        if name in self.titles:
            return Parsed(self.titles[name])
        return Parsed(finding=error(f"职称“{word}”不在职称表中（可填：{'、'.join(self.titles)}）"))

    @cites("四(六)", "四(五)")
    def level_of(self, value: object) -> Parsed[str]:
        """初级 / 中级 / 高级 from a title or from a level word (副高级, 正高 → 高级)."""
        try:
            return self._level_memo[value]
        except (KeyError, TypeError):
            return self._remember("level", value, self._level_of)

    def _level_of(self, value: object) -> Parsed[str]:
        word = clean_word(value)
        if not word:
            return Parsed()
        if word in ("初级", "中级", "高级"):
            return Parsed(word)
        if word in ("员级", "助理级"):
            return Parsed("初级")
        if word in ("副高级", "正高级", "副高", "正高"):
            return Parsed("高级")
        title = self.title(word)
        return Parsed(title.value.level) if title.value else Parsed(finding=title.finding)

    # -- education -----------------------------------------------------------------
    def education_of(self, value: object) -> Parsed[Education]:
        try:
            return self._education_memo[value]
        except (KeyError, TypeError):
            return self._remember("education", value, self._education_of)

    def _education_of(self, value: object) -> Parsed[Education]:
        word = clean_word(value).replace("（", "(").replace("）", ")")
        if not word:
            return Parsed()
        name = self.education_aliases.get(word, word)
        if name in self.education:
            return Parsed(self.education[name])
        return Parsed(finding=error(f"学历“{word}”无法识别（可填：{'、'.join(self.education)}）"))

    @cites("四(七)")
    def effective_education(self, edu: Education) -> Education:
        """Technical-school classes count as 中专 / 大专 / 本科 (notice 四(七))."""
        return self.education[edu.counts_as] if edu.counts_as else edu

    # -- ordered lists -------------------------------------------------------------
    def pick(self, list_name: str, value: object) -> Parsed[str]:
        try:
            return self._memo[list_name][value]
        except (KeyError, TypeError):
            return self._remember(list_name, value, self._pick, list_name)

    def _pick(self, list_name: str, value: object) -> Parsed[str]:
        word = clean_word(value)
        if not word:
            return Parsed()
        if word in self._sets.get(list_name, ()):
            return Parsed(word)
        options = self.lists.get(list_name, [])
        return Parsed(finding=error(f"{list_name}“{word}”无法识别（可填：{'、'.join(options)}）"))

    def order(self, list_name: str, value: str) -> int:
        return self.lists[list_name].index(value)

    def sort_key(self, list_name: str, order: Sequence[str] | None = None) -> Callable[[str], tuple[int, str]]:
        """A sort key that puts values in the list's own order (e.g. 专业: 公路, 运输,
        交通经济 as the notice lists them), values outside it after, by text."""
        return order_key(self.lists.get(list_name, []) if order is None else order)

    def is_qualified(self, list_name: str, value: str) -> bool:
        return value in self.qualified.get(list_name, set())


def order_key(order: Sequence[str]) -> Callable[[str], tuple[int, str]]:
    """Sort by position in ``order`` (data: a list of 字典 or lists.csv); values not in
    it come last, by text, so nothing is dropped and the order never depends on code."""
    position = {v: i for i, v in enumerate(order)}
    return lambda value: (position.get(value, len(position)), value or "")


def build_catalog(titles: Iterable[Mapping], education: Iterable[Mapping], lists: Iterable[Mapping],
                  rules: Iterable[Mapping]) -> tuple[Catalog, list[Finding]]:
    """A catalog from table rows (packaged CSVs or the workbook's sheets)."""
    cat_titles: dict[str, Title] = {}
    title_aliases: dict[str, str] = {}
    for row in titles:
        t = Title(clean_word(row["series"]), clean_word(row["title"]), clean_word(row["grade"]), clean_word(row["level"]))
        cat_titles[t.name] = t
        for alias in filter(None, str(row.get("aliases") or "").split("|")):
            title_aliases[clean_word(alias)] = t.name
    edu: dict[str, Education] = {}
    edu_aliases: dict[str, str] = {}
    for row in education:
        e = Education(clean_word(row["name"]).replace("（", "(").replace("）", ")"), int(row["rank"]),
                      clean_word(row.get("counts_as")))
        edu[e.name] = e
        for alias in filter(None, str(row.get("aliases") or "").split("|")):
            edu_aliases[clean_word(alias).replace("（", "(").replace("）", ")")] = e.name
    cat_lists: dict[str, list[str]] = {}
    qualified: dict[str, set[str]] = {}
    for row in lists:
        name, value = clean_word(row["list"]), clean_word(row["value"])
        cat_lists.setdefault(name, []).append(value)
        if clean_word(row.get("qualified")) == "是":
            qualified.setdefault(name, set()).add(value)
    catalog = Catalog(cat_titles, title_aliases, edu, edu_aliases, cat_lists, qualified)
    findings: list[Finding] = []
    for number, row in enumerate(rules, start=1):
        rule, problems = _read_rule(catalog, row, number)
        findings += problems
        if rule:
            catalog.rules.append(rule)
    return catalog, findings


def _read_rule(cat: Catalog, row: Mapping, number: int) -> tuple[EligibilityRule | None, list[Finding]]:
    problems: list[Finding] = []
    target = cat.title(row.get("target_title"))
    required = cat.title(row.get("required_title"))
    years = row.get("years")
    try:
        years_n = int(float(str(years).strip() or "0"))
    except ValueError:
        years_n = -1
    if years_n < 0:
        problems.append(error(f"评审条件的年限应为非负整数，实为“{years}”"))
    if target.value is None:
        problems.append(target.finding or error("评审条件的拟申报职称为空"))
    if required.finding:
        problems.append(required.finding)
    educations: set[str] = set()
    for part in filter(None, re.split(r"[、,，/]+", clean_word(row.get("education")))):
        at_least = part.endswith("及以上")
        edu = cat.education_of(part.removesuffix("及以上"))
        if edu.value is None:
            problems.append(edu.finding or error("评审条件的学历为空"))
            continue
        if at_least:
            educations |= {e.name for e in cat.education.values()
                           if not e.counts_as and e.rank >= edu.value.rank}
        else:
            educations.add(edu.value.name)
    if not educations and not problems:
        problems.append(error("评审条件的学历为空"))
    if problems:
        return None, [p.at(row=number) for p in problems]
    ordered = tuple(sorted(educations, key=lambda name: -cat.education[name].rank))
    return EligibilityRule(target.value.name, ordered,
                           required.value.name if required.value else "", years_n,
                           clean_word(row.get("source")), number), []
