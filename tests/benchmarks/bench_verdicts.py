"""Every verdict for 100,000 synthetic applicants, in memory.

Per applicant: ``assess``, ``ce_status``, ``fee_due``, ``defense``, ``check_id``,
``mask_id`` and a ``publicity_end`` from a random start; then ``route_conflicts`` over
all the applications. The applicants are random but plausible (values from
addin/data/*.csv, shaped like ``addin.demo.demo_applicants()``), with a share of the
slips clerks make (aliases, blanks, wrong check characters, old 15-digit numbers,
insufficient hours, the same person in both routes).

Printed: the total, microseconds per applicant, a per-rule breakdown, two baselines
measured in the same run (constructing the 100,000 records; a plain loop reading
every field) and peak memory. Target: under 3 s on a 2-core machine (the batch as evaluate runs it: the cyclic collector paused, ce_status once per applicant). Nothing about
speed is asserted; only that repeated passes give the same answers and that the
planted route conflicts are found.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import platform
import random
import resource
import time
import tracemalloc
from collections import Counter

from stdnum.cn import ric

from addin import data
from addin.book.evaluate import batch
from addin.rules.ce import YearHours, ce_status
from addin.rules.eligibility import PRIVATE_ROUTE, STATIONED, Applicant, Context, RouteEntry, assess, route_conflicts
from addin.rules.fees import defense, fee_due
from addin.rules.identity import check_id, mask_id

APPLICANTS = 100_000
SEED = 20240822
TARGET_SECONDS = 3.0
DUPLICATE_SHARE = 0.01      # people who also apply by the other route
TRACED = 10_000             # applicants traced by tracemalloc

# -- synthetic applicants ---------------------------------------------------------------

AREAS = ("652901", "652922", "652923", "652924", "652925", "652926", "652927", "652928", "652929")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林"
GIVEN = "建国明华伟芳娜静强军磊洋艳勇杰涛超霞平刚"
UYGHUR = ("艾力", "阿依古丽", "买买提", "热依拉", "努尔", "古丽娜")
EMPLOYERS = ("示例路桥建设有限公司", "示例公路管理局", "示例运输有限公司", "示例交通投资集团", "示例物流有限公司")
# (series, specialty, [(target, current title it needs or "", aliases of the target)])
LADDERS = {
    "工程系列": (("公路", "运输"), ["技术员", "助理工程师", "工程师", "高级工程师", "正高级工程师"]),
    "经济系列": (("交通经济",), ["助理经济师", "经济师", "高级经济师", "正高级经济师"]),
}
TITLE_ALIASES = {"助理工程师": "助工", "高级工程师": "高工", "正高级工程师": "正高级工"}
EDUCATIONS = ("博士研究生", "硕士研究生", "第二学士学位", "大学本科", "大学本科", "大学本科", "大学专科",
              "大学专科", "中专", "高中及以下", "预备技师(技师)班", "高级工班", "中级工班",
              "本科", "大专", "硕士", "本科学历")   # aliases included on purpose
QUALIFIED = ("优秀", "合格", "合格", "合格", "称职")
UNQUALIFIED = ("基本合格", "不合格", "未参加考核", "不定等次")


def _day(rng: random.Random, first: int, last: int) -> dt.date:
    start = dt.date(first, 1, 1).toordinal()
    return dt.date.fromordinal(rng.randint(start, dt.date(last, 12, 31).toordinal()))


def _id_number(rng: random.Random, birth: dt.date) -> str:
    body = rng.choice(AREAS) + birth.strftime("%Y%m%d") + f"{rng.randint(0, 999):03d}"
    good = body + ric.calc_check_digit(body + "0")
    roll = rng.random()
    if roll < 0.96:
        return good
    if roll < 0.975:                                   # wrong check character
        return body + ("0" if good[-1] != "0" else "1")
    if roll < 0.985:                                   # old 15-digit number
        return good[:6] + good[8:17]
    if roll < 0.99:                                    # lower-case x, stray spaces
        return " " + good.lower() + " "
    return ""                                          # not filled in yet


def _ce_hours(rng: random.Random, settings) -> dict[int, YearHours]:
    roll = rng.random()
    if roll < 0.05:
        return {}
    hours = {}
    for year in settings.ce_years:
        if roll < 0.75:
            hours[year] = YearHours(rng.choice((30, 32, 40)), rng.choice((60, 64, 72)))
        elif rng.random() < 0.15:
            continue                                   # a blank year counts as 0 hours
        else:
            hours[year] = YearHours(rng.choice((0, 20, 30)), rng.choice((40, 50, 60, 60)))
    return hours


def make_fields(count: int = APPLICANTS, seed: int = SEED) -> list[dict]:
    """Keyword arguments for ``count`` applicants (generation is not what is measured)."""
    rng = random.Random(seed)
    settings = data.default_settings()
    out: list[dict] = []
    for i in range(count):
        if out and rng.random() < DUPLICATE_SHARE:
            # The same person, series and level again, by the other route.
            twin = dict(out[rng.randrange(len(out))])
            twin["app_id"] = f"B{i:06d}"
            twin["route"] = "定向评价" if twin["route"] == PRIVATE_ROUTE else PRIVATE_ROUTE
            twin["employer_type"] = "民营企业" if twin["route"] == PRIVATE_ROUTE else "国有企业"
            twin["private_basis"] = "营业执照在地区注册" if twin["route"] == PRIVATE_ROUTE else ""
            twin["stationed_since"] = None
            twin["twin"] = True
            out.append(twin)
            continue
        series = "工程系列" if rng.random() < 0.8 else "经济系列"
        specialties, ladder = LADDERS[series]
        step = rng.choices(range(len(ladder)), weights=(2, 4, 4, 3, 1)[:len(ladder)])[0]
        target = ladder[step]
        current = ladder[step - 1] if step and rng.random() < 0.9 else ""
        if rng.random() < 0.01:
            target = "高级工程帅"                      # a typo the catalog must report
        elif target in TITLE_ALIASES and rng.random() < 0.2:
            target = TITLE_ALIASES[target]
        private = rng.random() < 0.2
        employer_type = "民营企业" if private else rng.choice(("事业单位", "国有企业", "国有企业", "机关", "其他"))
        birth = _day(rng, 1965, 2000)
        work_start = _day(rng, max(birth.year + 18, 1985), 2023)
        skilled = rng.random() < 0.1
        econ = target == "高级经济师"
        basis = rng.choice(("营业执照在地区注册", "档案在地区人事代理机构托管", STATIONED)) if private else ""
        out.append(dict(
            app_id=f"B{i:06d}",
            name=(rng.choice(UYGHUR) + "·示例") if rng.random() < 0.3 else rng.choice(SURNAMES) + rng.choice(GIVEN),
            id_number=_id_number(rng, birth),
            employer=rng.choice(EMPLOYERS),
            employer_type=employer_type,
            route=PRIVATE_ROUTE if private else "定向评价",
            series=series,
            specialty=rng.choice(specialties),
            target_title=target,
            current_title=current,
            current_title_date=_day(rng, max(work_start.year, 2000), 2023) if current else None,
            current_title_place=rng.choice(("疆内", "疆内", "疆外")) if current else "",
            education=rng.choice(EDUCATIONS),
            work_start=work_start if rng.random() < 0.97 else None,
            skill_level=rng.choice(("高级工", "技师", "高级技师")) if skilled else "",
            skill_date=_day(rng, 2012, 2023) if skilled else None,
            appraisals=tuple(rng.choice(QUALIFIED if rng.random() < 0.97 else UNQUALIFIED)
                             for _ in range(rng.choice((3, 3, 3, 3, 2)))),
            ce_hours=_ce_hours(rng, settings),
            ce_exempt=rng.random() < 0.02,
            private_first_time=private and rng.random() < 0.3,
            mandarin=(rng.choice(("一级乙等", "二级甲等", "二级乙等", "三级甲等", "三级乙等", ""))
                      if employer_type == "事业单位" else ""),
            econ_exam_year=rng.randint(2017, 2024) if econ and rng.random() < 0.9 else None,
            econ_exam_pass=rng.random() < 0.7 if econ else None,
            private_basis=basis,
            stationed_since=_day(rng, 2020, 2024) if basis == STATIONED else None,
            twin=False,
        ))
    return out


def publicity_starts(count: int = APPLICANTS, seed: int = SEED) -> list[dt.date]:
    rng = random.Random(seed + 1)
    return [_day(rng, 2024, 2025) for _ in range(count)]


# -- the measured work ------------------------------------------------------------------

def all_verdicts(ctx: Context, cal, applicants: list[Applicant], starts: list[dt.date]):
    """Every verdict for every applicant, then the route conflicts across them."""
    settings, catalog = ctx.settings, ctx.catalog
    days = settings.unit_publicity_workdays
    year = settings.campaign_year
    rows = []
    entries = []
    with batch():                 # as evaluate does: the cyclic collector paused for the batch
        for a, start in zip(applicants, starts):
            verdict = assess(ctx, a)
            rows.append((verdict,
                         verdict.ce,  # ce_status once per applicant: assess computed it
                         fee_due(a.target_title, catalog, settings),
                         defense(a.target_title, catalog, settings),
                         check_id(a.id_number),
                         mask_id(a.id_number),
                         cal.publicity_end(start, days)))
            entries.append(RouteEntry(a.app_id, a.id_number, a.series, catalog.level_of(a.target_title).value,
                                      a.route, year))
        return rows, route_conflicts(entries)


def breakdown(ctx: Context, cal, applicants: list[Applicant],
              starts: list[dt.date]) -> tuple[dict[str, float], list]:
    """Seconds for one pass of each rule alone over all applicants, and the verdicts
    of the ``assess`` pass."""
    settings, catalog = ctx.settings, ctx.catalog
    days = settings.unit_publicity_workdays
    year = settings.campaign_year
    passes = {
        "assess": lambda: [assess(ctx, a) for a in applicants],
        "ce_status": lambda: [ce_status(a.ce_hours, settings, exempt=a.ce_exempt,
                                        private_first_time=a.private_first_time) for a in applicants],
        "fee_due": lambda: [fee_due(a.target_title, catalog, settings) for a in applicants],
        "defense": lambda: [defense(a.target_title, catalog, settings) for a in applicants],
        "check_id": lambda: [check_id(a.id_number) for a in applicants],
        "mask_id": lambda: [mask_id(a.id_number) for a in applicants],
        "publicity_end": lambda: [cal.publicity_end(s, days) for s in starts],
        "RouteEntry (level_of)": lambda: [RouteEntry(a.app_id, a.id_number, a.series,
                                                     catalog.level_of(a.target_title).value, a.route, year)
                                          for a in applicants],
    }
    out, verdicts = {}, []
    for name, fn in passes.items():
        gc.collect()          # start each pass from the same heap state
        t0 = time.perf_counter()
        result = fn()
        out[name] = time.perf_counter() - t0
        if name == "assess":
            verdicts = result
        if name.startswith("RouteEntry"):
            t0 = time.perf_counter()
            route_conflicts(result)
            out["route_conflicts"] = time.perf_counter() - t0
    return out, verdicts


def touch_every_field(applicants: list[Applicant]) -> int:
    """Baseline: a plain loop reading every field of every record."""
    names = [f.name for f in dataclasses.fields(Applicant)]
    n = 0
    for a in applicants:
        for name in names:
            if getattr(a, name):
                n += 1
    return n


def test_all_verdicts_for_100k_applicants():
    settings, catalog = data.default_settings(), data.default_catalog()
    ctx = Context(settings, catalog)
    cal = data.calendar()

    t0 = time.perf_counter()
    fields = make_fields()
    starts = publicity_starts()
    generate = time.perf_counter() - t0
    twins = {f["app_id"] for f in fields if f.pop("twin")}

    # Baseline 1: constructing the records from ready-made field values.
    t0 = time.perf_counter()
    applicants = [Applicant(**f) for f in fields]
    construct = time.perf_counter() - t0
    # Baseline 2: reading every field of every record.
    t0 = time.perf_counter()
    touch_every_field(applicants)
    touch = time.perf_counter() - t0

    # Warm-up on a slice (lazy caches, regexes), then the measured pass.
    all_verdicts(ctx, cal, applicants[:1000], starts[:1000])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    rows, conflicts = all_verdicts(ctx, cal, applicants, starts)
    total = time.perf_counter() - t0
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    parts, parts_verdicts = breakdown(ctx, cal, applicants, starts)

    # Python-level allocations (tracemalloc slows the work about 4x, so it traces a
    # slice of TRACED applicants in a pass of its own, not timed): the records, then
    # the peak while computing and keeping all their verdicts.
    tracemalloc.start()
    records = [Applicant(**f) for f in fields[:TRACED]]
    records_bytes = tracemalloc.get_traced_memory()[0]
    tracemalloc.reset_peak()
    traced_rows, _ = all_verdicts(ctx, cal, records, starts[:TRACED])
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert [r[0] for r in traced_rows] == [r[0] for r in rows[:TRACED]]

    per = total / APPLICANTS * 1e6
    print()
    print(f"verdicts for {APPLICANTS:,} synthetic applicants "
          f"(Python {platform.python_version()}, {os.cpu_count()} CPUs, single thread)")
    for label, seconds, note in (
            ("generating the field values (not the measured work)", generate, ""),
            (f"baseline: constructing {APPLICANTS:,} Applicant records", construct, ""),
            ("baseline: plain loop reading every field", touch, ""),
            ("ALL VERDICTS (one pass, incl. route_conflicts)", total, f"= {per:.1f} us per applicant")):
        print(f"  {label:<54}{seconds:8.3f} s   {note}".rstrip())
    print(f"  ratio to baselines: {total / construct:.1f}x constructing, {total / touch:.1f}x reading every field")
    print(f"  target < {TARGET_SECONDS:g} s: {'met' if total < TARGET_SECONDS else 'NOT met'}")
    print("  breakdown (each rule alone, one pass over all applicants):")
    for name, s in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<24}{s:8.3f} s {s / APPLICANTS * 1e6:8.2f} us/applicant {s / sum(parts.values()):6.1%}")
    print(f"    {'sum':<24}{sum(parts.values()):8.3f} s")
    print(f"  memory: process max RSS {rss_after / 2**10:.0f} MiB after the pass "
          f"({rss_before / 2**10:.0f} MiB before it, i.e. +{(rss_after - rss_before) / 2**10:.0f} MiB)")
    print(f"          tracemalloc on {TRACED:,} applicants: records {records_bytes / 2**20:.1f} MiB, peak while "
          f"computing {(peak - records_bytes) / 2**20:.1f} MiB more ({(kept - records_bytes) / TRACED:,.0f} "
          f"bytes of results kept per applicant)")
    statuses = Counter(r[0].status for r in rows)
    ce = Counter(r[1].status for r in rows)
    ids = sum(1 for r in rows if r[4].finding)
    print(f"  outcomes: assess {dict(statuses)}; continuing education {dict(ce)}; "
          f"ID findings {ids:,}; route conflicts {len(conflicts):,} rows")

    # Correctness only: the traced pass agreed with the timed one (above); the
    # per-rule passes give the same verdicts; every planted "same person, other
    # route" row is among the conflicts.
    assert [r[0] for r in rows] == parts_verdicts
    flagged = {ref for ref, _ in conflicts}
    planted = {f["app_id"] for f in fields
               if f["app_id"] in twins and f["id_number"] and catalog.level_of(f["target_title"]).value}
    assert planted and planted <= flagged
