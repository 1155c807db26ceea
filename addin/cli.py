"""The ``zhicheng`` command line (Chinese help; thin: every answer comes from the core)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import zipfile
from pathlib import Path
from typing import Sequence

from . import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_REFUSED = 0, 1, 2


class Refused(Exception):
    """A command that cannot go ahead; the message (Chinese) is printed, exit code 2."""


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _when(text: str | None, what: str, parse) -> object:
    """A date option parsed with the rules' reader; a bad one refuses the command."""
    if not text:
        return None
    parsed = parse(text)
    if parsed.value is None:
        raise Refused(f"{what}：{parsed.finding.message if parsed.finding else '日期为空'}")
    return parsed.value


def _as_of(text: str | None) -> dt.datetime | None:
    from .rules.dates import parse_datetime
    return _when(text, "--as-of", parse_datetime)


def _date_arg(text: str | None, what: str) -> dt.date | None:
    from .rules.dates import parse_date
    return _when(text, what, parse_date)


def _progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


def _cmd_demo(args: argparse.Namespace) -> int:
    if args.rules:
        from .demo import run_demo
        run_demo(sys.stdout)
        return EXIT_OK
    from .demo import run_workbook_demo
    return run_workbook_demo(Path(args.out), sys.stdout, progress=_progress)


def _cmd_calendar(args: argparse.Namespace) -> int:
    from . import data
    from .rules.calendar import ORIGIN_LABEL, UnknownYear

    cal = data.calendar()
    if args.book:
        from .book.reader import read_book
        cal = read_book(Path(args.book)).calendar
    try:
        rows = cal.year_rows(args.year)
    except UnknownYear as exc:
        _err(str(exc))
        return EXIT_REFUSED
    weekday = "一二三四五六日"
    print(f"{args.year}年阿克苏地区放假与调休上班安排（工作日共{cal.workdays_in(args.year)}天）")
    print("日期        星期  类型  名称 —— 来源")
    for r in rows:
        kind = "放假" if r.off else "上班"
        origin = ORIGIN_LABEL.get(r.origin, r.origin)
        source = origin if r.source in origin else f"{origin}：{r.source}"
        print(f"{r.day.isoformat()}  周{weekday[r.day.weekday()]}  {kind}  {r.name} —— {source}")
    if not cal.regional_known(args.year):
        print(f"\n注意：{args.year}年新疆肉孜节、古尔邦节放假安排未录入，以上仅为全国安排；"
              "请在台账的节假日表中按自治区通知补录。")
    return EXIT_OK


def _cmd_schema(args: argparse.Namespace) -> int:
    from . import data
    from .book.schema import as_json

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
    from .book.new import new_workbook
    from .book.refresh import current_user
    from .book.safe_write import WriteRefused

    previous = _workbook(args.from_) if args.from_ else None
    try:
        path = new_workbook(Path(args.path), args.year, previous, user=current_user())
    except WriteRefused as exc:
        raise Refused(f"未新建：{exc}") from exc
    print(f"已新建台账：{path}")
    return EXIT_OK


def print_findings(findings, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"findings": [f.as_dict() for f in findings],
                          "errors": sum(f.severity.value == "error" for f in findings)}, ensure_ascii=False, indent=2))
        return
    for f in findings:
        print(f"[{f.severity.label}] {f}")


def _workbook(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise Refused(f"找不到文件：{path}")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise Refused(f"“{path.name}”不是 .xlsx/.xlsm 工作簿")
    if not zipfile.is_zipfile(path):
        raise Refused(f"“{path.name}”不是有效的 Excel 工作簿（文件已损坏，或是改了扩展名的其他文件）")
    return path


def _cmd_check(args: argparse.Namespace) -> int:
    from .book.refresh import check

    path, now = _workbook(args.path), _as_of(args.as_of)
    try:
        _, ev = check(path, now=now)
    except Exception as exc:  # noqa: BLE001 - an unreadable file is reported, not a traceback
        raise Refused(f"无法读取“{path.name}”：{exc}") from exc
    print_findings(ev.findings, as_json=args.json)
    if not args.json:
        errors = len(ev.errors)
        print(f"\n共{len(ev.findings)}条，其中错误{errors}条、提醒{len(ev.findings) - errors}条。")
    return EXIT_FINDINGS if ev.errors else EXIT_OK


def _cmd_refresh(args: argparse.Namespace) -> int:
    from .book.refresh import refresh
    from .book.safe_write import WriteRefused

    path = _workbook(args.path)
    try:
        report = refresh(path, now=_as_of(args.as_of), progress=_progress)
    except WriteRefused as exc:
        raise Refused(f"未写入：{exc}") from exc
    ev = report.evaluation
    print(f"已刷新“{path.name}”：{report.rows}行计算列、统计表和日志已更新。")
    if report.backup:
        print(f"原文件已备份为：{report.backup}")
    print(f"发现问题{len(ev.findings)}条（错误{len(ev.errors)}条），用 zhicheng check 查看明细。")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from .book.importer import import_export
    from .book.safe_write import WriteRefused

    path, export = _workbook(args.path), Path(args.export)
    if not export.exists():
        raise Refused(f"找不到文件：{export}")
    if export.suffix.lower() != ".csv":
        _workbook(args.export)
    try:
        report = import_export(path, export, overwrite=args.overwrite,
                               alias_file=Path(args.aliases) if args.aliases else None)
    except WriteRefused as exc:
        raise Refused(f"未导入：{exc}") from exc
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


def _print_files(files) -> None:
    for f in files:
        print(f"  已生成 {f}")


def _cmd_roster(args: argparse.Namespace) -> int:
    from .book.refresh import refresh
    from .book.safe_write import WriteRefused
    from .outputs.meeting import build_roster, write_roster

    path, date = _workbook(args.path), _date_arg(args.date, "--date")
    try:   # codes are assigned and stored by the refresh (stable across reruns)
        report = refresh(path, now=_as_of(args.as_of), progress=_progress)
    except WriteRefused as exc:
        raise Refused(f"未生成：{exc}") from exc
    roster = build_roster(report.book, report.evaluation, date=date)
    files = write_roster(roster, Path(args.out))
    print(f"{roster.header}：上会{len(roster.entries)}人，未列入{len(roster.excluded)}人。")
    _print_files(files)
    return EXIT_OK


def _cmd_publicity(args: argparse.Namespace) -> int:
    from .book.refresh import check
    from .outputs.publicity import build_publicity, withheld, write_publicity
    from .rules.base import RuleInputError

    path, start = _workbook(args.path), _date_arg(args.start, "--start")
    book, ev = check(path, now=_as_of(args.as_of))
    try:
        table, end = build_publicity(book, ev, start)
    except RuleInputError as exc:
        raise Refused(str(exc)) from exc
    files = write_publicity(table, Path(args.out))
    print(f"公示{len(table.rows)}人，{start}至{end}（{book.settings.result_publicity_workdays}个工作日）。")
    _print_files(files)
    held = withheld(book, ev)       # a typed 评审通过 without a passing tally: a finding, not a publication
    if held:
        print(f"\n以下{len(held)}人状态为“评审通过”，但评审会表决结果不支持，未列入公示：")
        print_findings(held, as_json=False)
    return EXIT_FINDINGS if held else EXIT_OK


def _cmd_finance(args: argparse.Namespace) -> int:
    from .book.refresh import check
    from .book.safe_write import WriteRefused
    from .outputs.finance import dues, export_finance, export_summary, import_finance

    path = _workbook(args.path)
    if args.action == "export":
        book, ev = check(path, now=_as_of(args.as_of))
        out = Path(args.file)
        if out.exists():
            raise Refused(f"“{out}”已存在，请换一个文件名（不覆盖已有文件）")
        export_finance(book, ev, out)
        print(f"已生成财务表 {out}：{export_summary(ev, dues(book, ev))}。")
        return EXIT_OK
    finance = _workbook(args.file)
    try:
        plan = import_finance(path, finance, now=_as_of(args.as_of))
    except (WriteRefused, ValueError) as exc:
        raise Refused(f"未导入：{exc}") from exc
    print(f"导入{len(plan.merged)}笔缴费。")
    print_findings(plan.findings, as_json=False)
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in plan.findings) else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhicheng", description="职称评审台账：阿克苏地区交通运输局职称评审工具（命令行版）")
    parser.add_argument("--version", action="version", version=f"zhicheng {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="可用命令")

    demo = sub.add_parser("demo", help="用内置示例台账演示：复制、刷新计算并汇总",
                          description="把内置的示例台账（虚构人员）复制到输出文件夹，刷新计算列、统计和日志，并打印汇总。")
    demo.add_argument("--out", default="demo-output", help="输出文件夹（默认 ./demo-output）")
    demo.add_argument("--rules", action="store_true", help="改为逐条演示各项规则的计算")
    demo.set_defaults(handler=_cmd_demo)

    cal = sub.add_parser("calendar", help="列出某年阿克苏的放假与调休上班日期及来源",
                         description="列出某年阿克苏地区（全国安排＋新疆地方节日＋节假日表）的放假和调休上班日期，便于与官方通知核对。")
    cal.add_argument("year", type=int, help="年份，如 2024")
    cal.add_argument("--book", help="同时使用该台账“节假日”表中补录的日期")
    cal.set_defaults(handler=_cmd_calendar)

    sch = sub.add_parser("schema", help="列出台账的工作表和列", description="列出台账各工作表的列（表头、键、是否计算列）。")
    sch.add_argument("--json", action="store_true", help="以 JSON 输出")
    sch.set_defaults(handler=_cmd_schema)

    new = sub.add_parser("new", help="新建空白台账", description="按模板新建一个空白台账（参数按通知预填）。")
    new.add_argument("path", help="新台账的文件名，如 2025年职称评审台账.xlsx")
    new.add_argument("--year", type=int, help="评审年度（默认2024；其他年度的日期顺延并标注“请核对”）")
    new.add_argument("--from", dest="from_", metavar="上年台账", help="沿用上年台账的参数、评审条件、节假日和评委（不含申报人员）")
    new.set_defaults(handler=_cmd_new)

    chk = sub.add_parser("check", help="校验台账，列出问题（不写入）",
                         description="读取台账，校验参数和每一行，按“工作表!单元格: 问题”列出；有错误时退出码为1。")
    chk.add_argument("path", help="台账文件")
    chk.add_argument("--json", action="store_true", help="以 JSON 输出")
    chk.add_argument("--as-of", help="按指定时间判断期限（默认现在），如 2024-09-05 10:00")
    chk.set_defaults(handler=_cmd_check)

    ref = sub.add_parser("refresh", help="刷新计算列、统计和日志（先备份）",
                         description="计算并写入申报人员表的灰底计算列，重建统计表，追加日志；写入前自动备份，只改计算列。")
    ref.add_argument("path", help="台账文件")
    ref.add_argument("--as-of", help="按指定时间判断期限（默认现在），如 2024-09-05 10:00")
    ref.set_defaults(handler=_cmd_refresh)

    ros = sub.add_parser("roster", help="生成评审会名单（内部、盲评）、投票表和编号对照表",
                         description="刷新台账（分配并保存盲评编号）后，生成上会人员名单：内部名单（含姓名、单位、回避评委）、"
                                     "供专家使用的盲评名单（不含姓名、身份证号、单位）、投票表和编号对照表，.xlsx 与 .docx。")
    ros.add_argument("path", help="台账文件")
    ros.add_argument("--out", required=True, help="输出文件夹")
    ros.add_argument("--date", help="评审会日期（默认取“评审会”表中的会议日期）")
    ros.add_argument("--as-of", help="按指定时间判断期限（默认现在）")
    ros.set_defaults(handler=_cmd_roster)

    pub = sub.add_parser("publicity", help="生成评审结果公示名单",
                         description="列出评审通过人员（按专业、级别），身份证号隐藏出生日期，公示期按阿克苏工作日计算。")
    pub.add_argument("path", help="台账文件")
    pub.add_argument("--out", required=True, help="输出文件夹")
    pub.add_argument("--start", required=True, help="公示开始日期，如 2024-10-21")
    pub.add_argument("--as-of", help="按指定时间判断期限（默认现在）")
    pub.set_defaults(handler=_cmd_publicity)

    fin = sub.add_parser("finance", help="财务表导出与缴费导入",
                         description="export：生成给财务审计办公室的缴费表（不含身份证号）；import：把财务录入的缴费合并到台账“缴费”表。")
    fin.add_argument("action", choices=["export", "import"], help="export 导出 / import 导入")
    fin.add_argument("path", help="台账文件")
    fin.add_argument("file", help="财务表文件（export 时为输出文件名）")
    fin.add_argument("--as-of", help="按指定时间判断期限（默认现在）")
    fin.set_defaults(handler=_cmd_finance)

    imp = sub.add_parser("import", help="导入平台导出的申报人员名单",
                         description="把新疆专业技术人员管理平台导出的名单（.xlsx 或 .csv）合并到申报人员表："
                                     "按身份证号＋系列＋拟申报职称匹配，新人新增一行，已有的人只补填空白单元格，不同之处列为冲突。")
    imp.add_argument("path", help="台账文件")
    imp.add_argument("export", help="平台导出的 .xlsx 或 .csv 文件")
    imp.add_argument("--overwrite", action="store_true", help="冲突时以导出文件为准")
    imp.add_argument("--aliases", help="补充的列名对应表（CSV：导出列名,台账列名）")
    imp.set_defaults(handler=_cmd_import)

    from .outputs.documents import add_cli as add_docs_cli
    add_docs_cli(sub)
    from .excel.commands import add_cli as add_excel_cli
    add_excel_cli(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_FINDINGS
    try:
        return args.handler(args)
    except Refused as exc:
        _err(str(exc))
        return EXIT_REFUSED


if __name__ == "__main__":   # pragma: no cover
    sys.exit(main())
