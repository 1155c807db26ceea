"""``zhicheng demo``: a worked example of every rule on a few fictitious applicants.

Everything printed is computed by the rules core at run time; the applicants and
their ID numbers are invented (check characters computed, not copied from anyone).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Callable, TextIO

from stdnum.cn import ric

from . import data
from .rules.ce import YearHours, ce_status, certificate_sources
from .rules.dates import format_date, parse_date
from .rules.eligibility import Applicant, Context, RouteEntry, assess, route_conflicts, skill_path_grade
from .rules.fees import defense, fee_due
from .rules.identity import check_id, id_message, mask_id
from .rules.seniority import full_years
from .rules.workflow import RETURNED, PASSED, Submission, assess_submissions, resubmission_deadline


def fictitious_id(area: str, birth: str, sequence: str) -> str:
    """A checksum-valid, invented ID number: area code + birth date + sequence."""
    body = area + birth + sequence
    return body + ric.calc_check_digit(body + "0")


def _hours(*pairs: tuple[float, float]) -> dict[int, YearHours]:
    return {2021 + i: YearHours(pub, pro) for i, (pub, pro) in enumerate(pairs)}


def demo_applicants() -> list[Applicant]:
    base = Applicant(route="定向评价", series="工程系列", specialty="公路", employer_type="国有企业",
                     appraisals=("合格", "优秀", "合格"), ce_hours=_hours(*[(30, 60)] * 4))
    r = dataclasses.replace
    return [
        r(base, app_id="D001", name="林舟远", id_number=fictitious_id("652901", "19850314", "351"),
          employer="示例路桥建设有限公司", target_title="高级工程师", current_title="工程师",
          current_title_date=dt.date(2019, 6, 30), education="大学本科", work_start=dt.date(2008, 7, 1)),
        r(base, app_id="D002", name="阿依古丽·示例", id_number=fictitious_id("652922", "19920808", "262"),
          employer="示例公路管理局", employer_type="事业单位", mandarin="", target_title="工程师",
          current_title="助理工程师", current_title_date=dt.date(2021, 9, 1), education="大学本科",
          work_start=dt.date(2015, 7, 1)),
        r(base, app_id="D003", name="艾力·演示", id_number=fictitious_id("652926", "19900101", "173"),
          employer="示例运输有限公司", specialty="运输", education="高级工班", skill_level="技师",
          skill_date=dt.date(2021, 3, 1), target_title="工程师", work_start=dt.date(2010, 9, 1)),
        r(base, app_id="D004", name="周示范", id_number=fictitious_id("652928", "19800502", "044"),
          employer="示例交通投资集团", series="经济系列", specialty="交通经济", target_title="高级经济师",
          current_title="经济师", current_title_date=dt.date(2015, 1, 1), education="硕士研究生",
          econ_exam_year=2019, econ_exam_pass=True),
        r(base, app_id="D005", name="马样例", id_number=fictitious_id("652901", "19950620", "115"),
          employer="示例物流有限公司", employer_type="民营企业", route="民营企业专项",
          private_basis="疆外民营企业派驻", stationed_since=dt.date(2024, 3, 1), target_title="助理工程师",
          education="大学本科", work_start=dt.date(2018, 7, 1), private_first_time=True,
          ce_hours={}),
        r(base, app_id="D006", name="林舟远", id_number=fictitious_id("652901", "19850314", "351"),
          employer="示例路桥建设有限公司", employer_type="民营企业", route="民营企业专项",
          private_basis="营业执照在地区注册",
          target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2019, 6, 30),
          education="大学本科", ce_hours=_hours((30, 60), (20, 60), (30, 40), (30, 60))),
    ]


def run_demo(out: TextIO) -> None:
    settings, catalog = data.default_settings(), data.default_catalog()
    ctx = Context(settings, catalog)
    cal = data.calendar()

    def say(text: str = "") -> None:
        print(text, file=out)

    def head(text: str) -> None:
        say()
        say(f"【{text}】")

    say(f"职称评审台账 · 规则演示（{settings.campaign_year}年度，{settings.issuer}）")
    say("以下申报人均为虚构，身份证号为按校验规则生成的假号码。")

    head("一、日期读取：同一个日期的各种写法")
    for raw in ("2024-09-12", "2024/9/12", "2024.9.12", "2024年9月12日", "20240912", "２０２４年９月１２日", 45547,
                "2024-02-30", "9月12日"):
        parsed = parse_date(raw)
        say(f"  {raw!s:<16} → {parsed.value if parsed.value else parsed.finding.message}")

    head("二、阿克苏工作日（全国安排＋新疆地方节日＋调休上班）")
    start = dt.date(2024, 9, 12)
    end = cal.publicity_end(start, settings.unit_publicity_workdays)
    say(f"  单位公示（四(二)，不少于{settings.unit_publicity_workdays}个工作日）：{format_date(start)}起 → "
        f"{format_date(end)}止（9月14日周六调休上班，15—17日中秋放假）")
    say(f"  2024年9月29日（周日）是否工作日：{'是' if cal.is_workday(dt.date(2024, 9, 29)) else '否'}（国庆调休上班）")
    bayram = dt.date(2025, 6, 5)
    say(f"  2025年6月5日起公示5个工作日 → {format_date(cal.publicity_end(bayram, 5))}（6月6日至10日古尔邦节放假）")
    say(f"  2024年9月工作日天数：{cal.networkdays(dt.date(2024, 9, 1), dt.date(2024, 9, 30))}天；"
        f"2024-10-08的前3个工作日：{cal.add_workdays(dt.date(2024, 10, 8), -3)}")
    try:
        cal.publicity_end(dt.date(2027, 3, 1), 5)
    except Exception as exc:  # the calendar names the missing year
        say(f"  2027年3月1日起公示：{exc}")

    head("三、身份证号")
    good = fictitious_id("652901", "19900101", "123")
    samples = [good, good[:-1] + ("0" if good[-1] != "0" else "1"), good.replace("X", "x"), "'" + good,
               float(good[:15] + "000"), good[:15], good[:6] + "19901301" + good[14:], good[:17]]
    for raw in samples:
        msg = id_message(raw) or f"有效：{check_id(raw).value.birth_date}出生，{check_id(raw).value.sex}"
        say(f"  {str(raw):<22} → {msg}")
    say(f"  公示用：{mask_id(good)}")

    head("四、职称级别、评审费（四(六)）与答辩（四(五)）")
    for title in catalog.titles:
        say(f"  {title:<8}{catalog.level_of(title).value}  评审费{fee_due(title, catalog, settings).value}元  "
            f"{defense(title, catalog, settings).value}")

    head(f"五、资历（四(二)：计算至{format_date(settings.seniority_cutoff)}）")
    for since in (dt.date(2019, 12, 31), dt.date(2020, 1, 1)):
        say(f"  {format_date(since)}取得 → 满{full_years(since, settings.seniority_cutoff)}年")
    say(f"  技师自2021年3月1日 → 技能贯通可申报：{skill_path_grade('技师', dt.date(2021, 3, 1), settings.seniority_cutoff, settings, catalog) or '无'}（四(七)）")

    head(f"六、继续教育（四(一)6：每年≥{settings.ce_min_total}学时，其中专业课≥{settings.ce_min_professional}）")
    for label, kwargs, hours in (
            ("学时齐全", {}, _hours(*[(30, 60)] * 4)),
            ("两年不足", {}, _hours((30, 60), (20, 60), (30, 40), (30, 60))),
            ("访惠聚驻村免修", {"exempt": True}, {}),
            ("民营企业首次申报", {"private_first_time": True}, {})):
        say(f"  {label}：{ce_status(hours, settings, **kwargs)}")
    sources = "、".join(f"{y}{kind}{src}" for y, kind, src in certificate_sources(settings))
    say(f"  证书来源：{sources}")

    head("七、提交审核（一(一)、四(一)1）")
    returned = dt.datetime(2024, 8, 20, 11, 0)
    say(f"  8月20日退回 → 最迟{format_date(resubmission_deadline(returned.date(), settings, cal))}补正提交")
    t = dt.datetime
    cases = {
        "按时补正后通过": [Submission(t(2024, 8, 19), RETURNED, returned), Submission(t(2024, 8, 22), PASSED)],
        "逾期补正": [Submission(t(2024, 8, 19), RETURNED, returned), Submission(t(2024, 8, 24), "")],
        "第4次提交": [Submission(t(2024, 8, 10 + 2 * i), RETURNED, t(2024, 8, 11 + 2 * i)) for i in range(3)]
                    + [Submission(t(2024, 8, 16), "")],
        "8月30日18:30才首次提交": [Submission(t(2024, 8, 30, 18, 30), "")],
    }
    for label, subs in cases.items():
        say(f"  {label}：{assess_submissions(subs, settings, calendar=cal)}")

    head("八、申报资格（评审条件表、技能贯通、经济师考试、普通话、考核、民营依据、继续教育）")
    applicants = demo_applicants()
    for a in applicants:
        verdict = assess(ctx, a)
        how = f"（经{verdict.path}）" if verdict.status == "符合" else ""
        say(f"  {a.app_id} {a.name}（{a.employer_type}，{a.education}，申报{a.target_title}）：{verdict}{how}")
        say(f"       评审费{fee_due(a.target_title, catalog, settings).value}元，{defense(a.target_title, catalog, settings).value}，"
            f"继续教育{ce_status(a.ce_hours, settings, exempt=a.ce_exempt, private_first_time=a.private_first_time)}，"
            f"公示身份证号{mask_id(a.id_number)}")

    head("九、同一年度只能选择一种申报方式（三）")
    entries = [RouteEntry(a.app_id, a.id_number, a.series, catalog.level_of(a.target_title).value, a.route,
                          settings.campaign_year) for a in applicants]
    for ref, finding in route_conflicts(entries):
        say(f"  {ref}：{finding.message}")
    say()



DEMO_AS_OF = dt.datetime(2024, 9, 5, 10, 0)   # a day inside the 2024 campaign, so deadlines mean something
DEMO_BOOK = "职称评审台账-示例-2024.xlsx"


def run_workbook_demo(out_dir, out: TextIO, *, progress=None) -> int:
    """The main job on the embedded sample: copy it, refresh it, summarise."""
    import shutil
    from collections import Counter
    from pathlib import Path

    from .book.dashboard import dashboard_blocks
    from .book.refresh import refresh
    from .book.sample import SAMPLE, build_sample

    def say(text: str = "") -> None:
        print(text, file=out)

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / DEMO_BOOK
    if target.exists():
        target.unlink()          # the demo's own output from an earlier run
    if SAMPLE.exists():
        shutil.copyfile(SAMPLE, target)
    else:                        # installed without the repository: build the same sample
        build_sample().save(target)
    say(f"职称评审台账 · 演示（示例台账中的人员均为虚构；按 {DEMO_AS_OF:%Y-%m-%d %H:%M} 计算期限）")
    report = refresh(target, now=DEMO_AS_OF, user="演示", progress=progress)
    ev = report.evaluation
    verdicts = Counter(str(v.get("eligibility") or "").split("：")[0] for v in ev.computed.values())
    say(f"\n申报{report.rows}份：" + "，".join(f"{k}{n}份" for k, n in sorted(verdicts.items())))
    for title, header, rows in dashboard_blocks(ev):
        if title == "按状态":
            say("状态：" + "，".join(f"{r[0]}{r[1]}" for r in rows))
        if title == "评审费（元）":
            total = rows[-1]
            say(f"评审费：应缴{total[1]}人{total[2]:,.0f}元，已缴{total[3]:,.0f}元，未缴{total[4]:,.0f}元，"
                f"多缴{total[5]:,.0f}元，退费{total[6]:,.0f}元")
    say(f"待办{len(ev.todos)}项；问题{len(ev.findings)}条（错误{len(ev.errors)}条），例如：")
    for f in ev.errors[:6]:
        say(f"  {f}")
    say(f"\n已生成：{target.resolve()}")
    say("  （灰底列为计算结果；“统计”表含图表，按用人单位、县市、系列专业级别的统计和待办；“日志”表记录了本次刷新）")
    _demo_outputs(report, out_dir, say)
    _demo_notices(target, out_dir, say)
    from .book.reader import read_book
    say("\n" + demo_documents(read_book(target), out_dir / "附件", progress, now=DEMO_AS_OF))   # re-read: codes stored
    say(f"\n全部输出（台账、评审会、公示、财务、通知、附件）均在 {out_dir.resolve()}")
    shown = f'"{target}"' if " " in str(target) else str(target)
    say(f"查看全部问题（按演示的时间判断期限）：zhicheng check {shown} --as-of \"{DEMO_AS_OF:%Y-%m-%d %H:%M}\"")
    return 0


def _demo_notices(target, out_dir, say) -> None:
    """The notices due on the demo's day (通知申报人), made as the command line makes them:
    the SMS file, the call list and the 日志 row."""
    import shutil

    from .usecases import CLI, by_name, run
    from .usecases.common import file_context

    folder = out_dir / "通知"
    if folder.exists():
        shutil.rmtree(folder)    # the demo's own output from an earlier run
    outcome = run(by_name("notify"), {"register": str(target), "out": str(folder), "date": DEMO_AS_OF.date()},
                  file_context(target, CLI, now=DEMO_AS_OF, user="演示"))
    made = [line for line in outcome.lines if line.startswith(f"{DEMO_AS_OF.year}年")]
    say(f"通知申报人：{made[0].rstrip('。') if made else '没有需要生成的通知'}（短信文件和电话通知名单在“通知”文件夹，已记入日志）")


def _demo_meeting_day(book, ev, out_dir, say) -> list:
    """The sample's meeting day: its draw (already in the register), the score forms and
    the sealed record, named and blind."""
    from .outputs.meeting import KEPT_IN_OFFICE, TO_COMMITTEE
    from .outputs.meeting_record import build_meeting_record, write_meeting_records
    from .outputs.scoring import score_forms

    forms = score_forms(book, ev, out_dir / TO_COMMITTEE, now=DEMO_AS_OF)
    record = build_meeting_record(book, ev)
    files = forms + write_meeting_records(record, out_dir / KEPT_IN_OFFICE, out_dir / TO_COMMITTEE, now=DEMO_AS_OF)
    say(f"评审会当天：抽取评委{record.members}人，出席{len(record.seated)}人（含递补），答辩评分表{len(forms)}份，"
        f"会议记录（内部版、评委会版）已生成")
    return files


def _demo_outputs(report, out_dir, say) -> list:
    """Every output the product has, from the refreshed sample."""
    from .outputs.finance import dues, export_finance
    from .outputs.meeting import KEPT_IN_OFFICE, TO_COMMITTEE, build_roster, write_roster
    from .outputs.publicity import build_publicity, withheld, write_publicity

    book, ev = report.book, report.evaluation
    files = []
    roster = build_roster(book, ev)
    files += write_roster(roster, out_dir / "评审会")
    say(f"评审会：{roster.header}，上会{len(roster.entries)}人（盲评编号已写入台账），未列入{len(roster.excluded)}人；"
        f"送评委的材料在“{TO_COMMITTEE}”，编号对照表在“{KEPT_IN_OFFICE}”")
    files += _demo_meeting_day(book, ev, out_dir / "评审会", say)
    start = book.calendar.add_workdays(roster.date or DEMO_AS_OF.date(), 1)
    table, end = build_publicity(book, ev, start)
    files += write_publicity(table, out_dir / "公示")
    held = withheld(book, ev)
    say(f"结果公示：{len(table.rows)}人，{format_date(start)}至{format_date(end)}" +
        (f"（另有{len(held)}人状态为评审通过但无表决通过结果，未公示，已列为问题）" if held else ""))
    finance = out_dir / "财务" / "职称评审费缴费表.xlsx"
    finance.parent.mkdir(parents=True, exist_ok=True)
    if finance.exists():
        finance.unlink()         # the demo's own output from an earlier run
    files.append(export_finance(book, ev, finance))
    owing = [d for d in dues(book, ev) if d.owed]
    say(f"财务：缴费表已导出（不含身份证号），未缴清{len(owing)}人")
    return files


def demo_documents(book, out_dir: Path, progress: Callable[[str], None] | None = None, *,
                   now: dt.datetime | None = None) -> str:
    """The documents part of ``zhicheng demo``: every attachment for every applicant of
    the book (their stages judged at ``now``, the demo's moment), with PDFs when
    LibreOffice is installed; returns a short summary."""
    from .outputs.documents import generate_documents
    from .outputs.pdf import find_soffice
    from .outputs.progress import StepProgress

    with_pdf = find_soffice() is not None
    report = generate_documents(book, Path(out_dir), pdf=with_pdf, by_employer=True, now=now,
                                progress=StepProgress(progress) if progress else None)
    lines = report.summary_lines(limit=3)
    if not with_pdf:
        lines.append("（未安装 LibreOffice，未生成 PDF）")
    return "\n".join(lines)
