"""Working days in Aksu: Monday-Friday, minus national holidays, minus Xinjiang's
regional festival days, plus the weekend days declared as working days (调休上班).

Three layers, each a set of dated rows (休 = day off, 班 = working day), the later
overriding the earlier for the same date:

1. the State Council's national schedule, from the ``chinesecalendar`` package;
2. Xinjiang's regional festivals (肉孜节, 古尔邦节) shipped as packaged data with
   their source (``addin/data/holidays-xinjiang.csv``);
3. the workbook's 节假日 sheet, where the bureau records what the packages lack.

The working days of every known year are computed once into a sorted list of
ordinals; each question is then answered by bisection. A year that no layer knows is
never guessed: :class:`UnknownYear` names it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Iterable

from .base import Finding, RuleInputError, cites, error
from .dates import parse_date

OFF, WORK = "休", "班"
NATIONAL, XINJIANG = "全国", "新疆"
ORIGIN_LABEL = {"national": "国务院办公厅放假安排（chinesecalendar）",
                "packaged": "新疆地方节日（内置数据）",
                "workbook": "节假日表"}


class UnknownYear(RuleInputError):
    def __init__(self, year: int):
        self.year = year
        super().__init__(f"{year}年放假安排未录入（请在节假日表中录入该年全国及新疆的放假与调休上班日期）")


@dataclass(frozen=True)
class DayRule:
    """One row of a holiday table: a date that is off (休) or a working day (班)."""

    day: dt.date
    kind: str                  # 休 or 班
    name: str = ""
    scope: str = NATIONAL      # 全国 or 新疆
    source: str = ""
    origin: str = "workbook"   # national | packaged | workbook

    @property
    def off(self) -> bool:
        return self.kind == OFF


def read_day_rules(rows: Iterable[dict], origin: str = "workbook") -> tuple[list[DayRule], list[Finding]]:
    """Typed rows from a holiday table (keys date, kind, name, scope, source).

    Bad rows become findings (with ``row`` set to the row's position, 1-based) and are
    left out; a date marked both 休 and 班 in the same table is a finding too.
    """
    rules: list[DayRule] = []
    findings: list[Finding] = []
    seen: dict[dt.date, str] = {}
    for number, row in enumerate(rows, start=1):
        if not any(v not in (None, "") for v in row.values()):
            continue
        day = parse_date(row.get("date"))
        kind = str(row.get("kind") or "").strip()
        kind = {"休息": OFF, "放假": OFF, "上班": WORK, "调休上班": WORK}.get(kind, kind)
        scope = str(row.get("scope") or NATIONAL).strip()
        problems = []
        if day.finding:
            problems.append(day.finding.message)
        elif day.value is None:
            problems.append("节假日表的日期为空")
        if kind not in (OFF, WORK):
            problems.append(f"节假日表的类型应为“休”或“班”，实为“{kind}”")
        if scope not in (NATIONAL, XINJIANG):
            problems.append(f"节假日表的范围应为“全国”或“新疆”，实为“{scope}”")
        if problems:
            findings.extend(error(p).at(row=number) for p in problems)
            continue
        if seen.get(day.value, kind) != kind:
            findings.append(error(f"{day.value}在节假日表中既标为“休”又标为“班”").at(row=number))
            continue
        seen[day.value] = kind
        rules.append(DayRule(day.value, kind, str(row.get("name") or "").strip(), scope,
                             str(row.get("source") or "").strip(), origin))
    return rules, findings


#: chinesecalendar names its holidays in English
_CHINESE_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                  "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
                  "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日"}


def national_rules() -> tuple[list[DayRule], range]:
    """The State Council schedule from ``chinesecalendar`` and the years it covers."""
    import chinese_calendar.constants as cc

    def name(value: object) -> str:
        return _CHINESE_NAMES.get(str(value), str(value))

    years = {d.year for d in cc.holidays}
    source = "国务院办公厅放假安排"
    rules = [DayRule(d, OFF, name(n), NATIONAL, source, "national") for d, n in cc.holidays.items()]
    rules += [DayRule(d, WORK, f"{name(n)}调休上班", NATIONAL, source, "national")
              for d, n in cc.workdays.items()]
    return rules, range(min(years), max(years) + 1)


@dataclass(frozen=True)
class PendingFestival:
    """A regional festival whose day is known but whose days off are not (no public source
    found): the calendar names it as missing around ``day``."""

    year: int
    name: str
    day: dt.date
    note: str = ""


#: a computation this close to a pending festival's day may miss its days off
PENDING_MARGIN = dt.timedelta(days=7)


class AksuCalendar:
    """The Aksu working-day calendar over every year some layer knows."""

    def __init__(self, national: Iterable[DayRule], national_years: Iterable[int],
                 regional: Iterable[DayRule] = (), workbook: Iterable[DayRule] = (),
                 pending: Iterable[PendingFestival] = ()):
        workbook, regional = list(workbook), list(regional)
        self.national_years = frozenset(national_years)
        self.known_years = self.national_years | {r.day.year for r in workbook if r.scope == NATIONAL}
        self.effective: dict[dt.date, DayRule] = {}
        for layer in (national, regional, workbook):      # later layers override
            for rule in layer:
                self.effective[rule.day] = rule
        #: the regional festivals every year has (those the packaged rows name)
        self.festivals = tuple(dict.fromkeys(r.name for r in regional if r.scope == XINJIANG and r.name))
        self._festival_years = {(d.year, f) for d, r in self.effective.items() if r.scope == XINJIANG
                                for f in self.festivals if f in r.name}
        #: the years whose every regional festival has its days off recorded
        self.regional_years = frozenset(y for y, _ in self._festival_years if not self.missing_festivals(y))
        self.pending = {(p.year, p.name): p for p in pending}
        self._build()

    # -- precomputation ----------------------------------------------------------
    def _build(self) -> None:
        work: list[int] = []
        blocks: list[tuple[int, int]] = []   # contiguous known spans (first, last ordinal)
        for year in sorted(self.known_years):
            first, last = dt.date(year, 1, 1).toordinal(), dt.date(year, 12, 31).toordinal()
            if blocks and blocks[-1][1] + 1 == first:
                blocks[-1] = (blocks[-1][0], last)
            else:
                blocks.append((first, last))
            for ordinal in range(first, last + 1):
                day = dt.date.fromordinal(ordinal)
                rule = self.effective.get(day)
                if (not rule.off) if rule else day.weekday() < 5:
                    work.append(ordinal)
        self._work = work
        self._work_set = frozenset(work)
        self._blocks = blocks
        self._block_starts = [b[0] for b in blocks]
        # index range in self._work of each block
        self._block_index = [(bisect_left(work, a), bisect_right(work, b)) for a, b in blocks]

    def _block(self, ordinal: int) -> int:
        i = bisect_right(self._block_starts, ordinal) - 1
        if i < 0 or ordinal > self._blocks[i][1]:
            raise UnknownYear(dt.date.fromordinal(ordinal).year)
        return i

    def _pick(self, block: int, index: int) -> dt.date:
        lo, hi = self._block_index[block]
        if index < lo:
            raise UnknownYear(dt.date.fromordinal(self._blocks[block][0]).year - 1)
        if index >= hi:
            raise UnknownYear(dt.date.fromordinal(self._blocks[block][1]).year + 1)
        return dt.date.fromordinal(self._work[index])

    # -- the operations ------------------------------------------------------------
    @cites("四(二)", "一(五)")
    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is a working day in Aksu (Mon-Fri, less national and Xinjiang
        days off, plus declared weekend working days)."""
        ordinal = day.toordinal()
        self._block(ordinal)
        return ordinal in self._work_set

    @cites("四(二)", "一(五)")
    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after (n > 0) or before (n < 0) ``day``, like Excel's
        WORKDAY; ``day`` itself is not counted, and n = 0 gives ``day``."""
        ordinal = day.toordinal()
        block = self._block(ordinal)
        if n == 0:
            return day
        if n > 0:
            return self._pick(block, bisect_right(self._work, ordinal) + n - 1)
        return self._pick(block, bisect_left(self._work, ordinal) + n)

    @cites("四(二)", "一(五)")
    def networkdays(self, start: dt.date, end: dt.date) -> int:
        """Working days from ``start`` to ``end``, both included (negative when
        ``end`` is before ``start``, like Excel's NETWORKDAYS)."""
        a, b = start.toordinal(), end.toordinal()
        if a > b:
            return -self.networkdays(end, start)
        if self._block(a) != self._block(b):
            raise UnknownYear(next(y for y in range(start.year, end.year + 1) if y not in self.known_years))
        return bisect_right(self._work, b) - bisect_left(self._work, a)

    @cites("四(二)", "一(五)")
    def publicity_end(self, start: dt.date, days: int) -> dt.date:
        """Last day of a publicity of ``days`` working days (notice 四(二): at least 5):
        day 1 is ``start`` when it is a working day, else the next working day."""
        if days < 1:
            raise RuleInputError(f"公示天数应至少为1个工作日，实为{days}")
        ordinal = start.toordinal()
        return self._pick(self._block(ordinal), bisect_left(self._work, ordinal) + days - 1)

    # -- what the calendar knows ---------------------------------------------------
    def missing_festivals(self, year: int) -> list[str]:
        """The regional festivals of ``year`` whose days off no layer records, by name."""
        return [f for f in self.festivals if (year, f) not in self._festival_years]

    def regional_known(self, year: int) -> bool:
        return not self.missing_festivals(year)

    def missing_message(self, year: int, festival: str) -> str:
        pending = self.pending.get((year, festival))
        why = f"（{pending.note}）" if pending and pending.note else ""
        return f"{year}年{festival}放假安排未录入{why}，请在“节假日”表中按自治区通知录入"

    @cites("四(二)", "一(五)")
    def gaps(self, start: dt.date, end: dt.date) -> list[str]:
        """What the calendar lacks for a computation from ``start`` to ``end``: a year
        without any schedule, or a regional festival without its days off (a pending
        festival only when the span comes near its day). Empty when everything is known."""
        if end < start:
            start, end = end, start
        out = []
        for year in range(start.year, end.year + 1):
            if year not in self.known_years:
                out.append(str(UnknownYear(year)))
                continue
            for festival in self.missing_festivals(year):
                pending = self.pending.get((year, festival))
                if pending and not (start <= pending.day + PENDING_MARGIN and pending.day - PENDING_MARGIN <= end):
                    continue
                out.append(self.missing_message(year, festival))
        return out

    def year_rows(self, year: int) -> list[DayRule]:
        """Every dated row in force for ``year`` (days off and weekend working days)."""
        if year not in self.known_years:
            raise UnknownYear(year)
        return sorted((r for d, r in self.effective.items() if d.year == year), key=lambda r: r.day)

    def workdays_in(self, year: int) -> int:
        return self.networkdays(dt.date(year, 1, 1), dt.date(year, 12, 31))
