"""Commands on the register itself: new, import, check, refresh; and the ones that need
no register: calendar, schema, demo."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import Refused
from .base import (AS_OF_HELP, EXIT_FINDINGS, EXIT_OK, EXIT_REFUSED, as_of, as_of_option, err, print_findings,
                   progress, register_argument, workbook, year)

__all__ = ["register", "AS_OF_HELP"]


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.rules:
        from ..demo import run_demo
        run_demo(sys.stdout)
        return EXIT_OK
    from ..demo import run_workbook_demo
    return run_workbook_demo(Path(args.out), sys.stdout, progress=progress)


def _cmd_calendar(args: argparse.Namespace) -> int:
    from .. import data
    from ..rules.calendar import ORIGIN_LABEL, UnknownYear

    cal = data.calendar()
    if args.book:
        from ..book.reader import read_book
        cal = read_book(workbook(args.book)).calendar
    try:
        rows = cal.year_rows(args.year)
    except UnknownYear as exc:
        err(str(exc))
        return EXIT_REFUSED
    weekday = "一二三四五六日"
    print(f"{args.year}年阿克苏地区放假与调休上班安排（工作日共{cal.workdays_in(args.year)}天）")
    print("日期        星期  类型  名称 —— 来源")
    for r in rows:
        kind = "放假" if r.off else "上班"
        origin = ORIGIN_LABEL.get(r.origin, r.origin)
        source = origin if r.source in origin else f"{origin}：{r.source}"
        print(f"{r.day.isoformat()}  周{weekday[r.day.weekday()]}  {kind}  {r.name} —— {source}")
    missing = cal.missing_festivals(args.year)
    if missing:
        print()
        for festival in missing:
            print(f"注意：{cal.missing_message(args.year, festival)}；以上未含该节日的放假。")
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from .. import data
    from ..book.schema import as_json

    years = data.default_settings().ce_years
    text = json.dumps(as_json(years), ensure_ascii=False, indent=2)
    if args.json:
        print(text)
    else:
        for sheet in as_json(years)["sheets"]:
            print(f"{sheet['sheet']}（{len(sheet['columns'])}列）")
            for c in sheet["columns"]:
                print(f"  {c['header']}{'  [计算]' if c['computed'] else ''}")
    return EXIT_OK


def _cmd_new(args: argparse.Namespace) -> int:
    from ..book.new import new_workbook
    from ..book.refresh import current_user

    previous = workbook(args.from_) if args.from_ else None
    path = Path(args.path)
    roll = new_workbook(path, args.year, previous, user=current_user())
    print(f"已新建台账：{path}")
    if roll.notes:
        print(f"参数已按{roll.settings.campaign_year}年度顺延（“参数”表的说明列标有【请核对】），请对照本年度通知核对；"
              "依据文件请改为本年度文件。")
    for line in roll.corrections:
        print(f"  已改正 {line}")
    return EXIT_OK


def _cmd_check(args: argparse.Namespace) -> int:
    from ..book.refresh import check

    path, now = workbook(args.path), as_of(args.as_of)
    _, ev = check(path, now=now)
    print_findings(ev.findings, as_json=args.json)
    if not args.json:
        errors = len(ev.errors)
        print(f"\n共{len(ev.findings)}条，其中错误{errors}条、提醒{len(ev.findings) - errors}条。")
    return EXIT_FINDINGS if ev.errors else EXIT_OK


def _cmd_refresh(args: argparse.Namespace) -> int:
    from ..book.refresh import refresh

    path = workbook(args.path)
    report = refresh(path, now=as_of(args.as_of), progress=progress)
    ev = report.evaluation
    print(f"已刷新“{path.name}”：{report.rows}行计算列、统计表和日志已更新。")
    if report.overwritten:
        print(f"以下{len(report.overwritten)}处计算列被手工修改过，已按规则重新计算（原值已记入日志）：")
        for line in report.overwritten:
            print(f"  {line}")
    if report.backup:
        print(f"原文件已备份为：{report.backup}")
    print(f"发现问题{len(ev.findings)}条（错误{len(ev.errors)}条），用 zhicheng check 查看明细。")
    return EXIT_FINDINGS if ev.errors else EXIT_OK       # as its --help says: done, with errors found


def _cmd_import(args: argparse.Namespace) -> int:
    from ..book.importer import import_export

    path, export = workbook(args.path), Path(args.export)
    if not export.exists():
        raise Refused(f"找不到文件：{export}")
    if export.suffix.lower() != ".csv":
        workbook(args.export)
    report = import_export(path, export, overwrite=args.overwrite,
                           alias_file=Path(args.aliases) if args.aliases else None)
    print(f"新增{len(report.added)}行，补填空白{report.filled}格，覆盖{report.updated}格，冲突{len(report.conflicts)}处。")
    for line in report.added:
        print(f"  新增 {line}")
    for line in report.conflicts:
        print(f"  冲突 {line}")
    for line in report.skipped:
        print(f"  跳过 {line}")
    if report.unmapped:
        print("未识别的列（未导入）：" + "、".join(report.unmapped))
    if report.conflicts and not args.overwrite:
        print("冲突处保留了台账原值；确认以导出文件为准时加 --overwrite。")
    if report.added or report.filled or report.updated:
        print(f"请运行 zhicheng refresh {path} 更新计算列。")
    return EXIT_OK


def register(sub) -> None:
    """Add these commands to the ``zhicheng`` parser's subparsers."""
    demo = sub.add_parser("demo", help="用内置示例台账演示：复制、刷新计算并汇总",
                          description="把内置的示例台账（虚构人员）复制到输出文件夹，刷新计算列、统计和日志，并打印汇总。")
    demo.add_argument("--out", default="demo-output", metavar="文件夹", help="输出文件夹（默认 ./demo-output）")
    demo.add_argument("--rules", action="store_true", help="改为逐条演示各项规则的计算")
    demo.set_defaults(handler=_cmd_demo)

    cal = sub.add_parser("calendar", help="列出某年阿克苏的放假与调休上班日期及来源",
                         description="列出某年阿克苏地区（全国安排＋新疆地方节日＋节假日表）的放假和调休上班日期，便于与官方通知核对。")
    cal.add_argument("year", type=year, metavar="年份", help="年份，如 2024")
    cal.add_argument("--book", metavar="台账", help="同时使用该台账“节假日”表中补录的日期")
    cal.set_defaults(handler=_cmd_calendar)

    sch = sub.add_parser("schema", help="列出台账的工作表和列", description="列出台账各工作表的列（表头、键、是否计算列）。")
    sch.add_argument("--json", action="store_true", help="以 JSON 输出")
    sch.set_defaults(handler=_cmd_schema)

    new = sub.add_parser("new", help="新建空白台账", description="按模板新建一个空白台账（参数按通知预填）。")
    new.add_argument("path", metavar="文件名", help="新台账的文件名，如 2025年职称评审台账.xlsx")
    new.add_argument("--year", type=year, metavar="年度", help="评审年度（默认2024）；各日期按其在评审中的时段放到该年度，并标注“请核对”")
    new.add_argument("--from", dest="from_", metavar="上年台账", help="沿用上年台账的参数、评审条件、节假日、评委和用人单位联系方式（不含申报人员）")
    new.set_defaults(handler=_cmd_new)

    chk = sub.add_parser("check", help="校验台账，列出问题（不写入）",
                         description="读取台账，校验参数和每一行，按“工作表!单元格: 问题”列出；有错误时退出码为1。")
    register_argument(chk)
    chk.add_argument("--json", action="store_true", help="以 JSON 输出")
    as_of_option(chk)
    chk.set_defaults(handler=_cmd_check)

    ref = sub.add_parser("refresh", help="刷新计算列、统计和日志（先备份）",
                         description="计算并写入申报人员表的灰底计算列，重建统计表，追加日志；写入前自动备份，只改计算列。")
    register_argument(ref)
    as_of_option(ref)
    ref.set_defaults(handler=_cmd_refresh, writes=True)

    imp = sub.add_parser("import", help="导入平台导出的申报人员名单",
                         description="把新疆专业技术人员管理平台导出的名单（.xlsx 或 .csv）合并到申报人员表："
                                     "按身份证号＋系列＋拟申报职称匹配，新人新增一行，已有的人只补填空白单元格，不同之处列为冲突。")
    register_argument(imp)
    imp.add_argument("export", metavar="导出文件", help="平台导出的 .xlsx 或 .csv 文件")
    imp.add_argument("--overwrite", action="store_true", help="冲突时以导出文件为准")
    imp.add_argument("--aliases", metavar="对应表", help="补充的列名对应表（CSV：导出列名,台账列名）")
    imp.set_defaults(handler=_cmd_import, writes=True)
