"""Commands that produce documents from the register: docs, roster, publicity, finance."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from ..errors import Refused
from .base import (EXIT_FINDINGS, EXIT_OK, as_of, as_of_option, date_arg, print_files, print_findings, progress,
                   register_argument, warn_unread, workbook)


def parse_kinds(text: str) -> list[int]:
    """``--kind 1,3`` (also ``附件1、附件3``) as attachment numbers."""
    from ..outputs.templates import ATTACHMENTS

    kinds = []
    for part in re.split(r"[,，、\s]+", text or ""):
        if not part:
            continue
        part = part.removeprefix("附件")
        if not part.isdigit() or int(part) not in ATTACHMENTS:
            raise Refused(f"--kind 应为1—4中的数字，用逗号分隔（如 1,3），实为“{text}”")
        kinds.append(int(part))
    if not kinds:
        raise Refused("--kind 至少要有一个附件编号（1—4）")
    return kinds


def _cmd_docs(args: argparse.Namespace) -> int:
    from ..book.reader import read_book
    from ..outputs.documents import (TerminalProgress, generate_documents, select_rows, templates_folder_for,
                                     value_list)

    path = workbook(args.path)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise Refused(f"输出位置“{out}”是一个文件，请指定文件夹")
    kinds = parse_kinds(args.kind)
    if args.templates:
        templates = Path(args.templates)
        if not templates.is_dir():
            raise Refused(f"找不到模板文件夹：{templates}")
    else:
        templates = templates_folder_for(path)
    book = read_book(path)
    warn_unread(book)
    statuses = value_list(args.status) or []
    known = book.choices.get("状态", set())
    unknown = [s for s in statuses if known and s not in known]
    if unknown:
        raise Refused(f"--status：“{'、'.join(unknown)}”不是台账中的状态（可填：{'、'.join(sorted(known))}）")
    rows, _ = select_rows(book, args.ids, args.status, include_held_back=args.all)
    if not rows:
        raise Refused("没有符合条件的申报人员（请检查 --ids 和 --status；填报中、不予受理、视为放弃和同一人两种方式申报的"
                      "默认不生成，确需生成时加 --all），未生成任何文件")
    bar = TerminalProgress()
    try:
        report = generate_documents(book, out, kinds=kinds, ids=args.ids, status=args.status, pdf=args.pdf,
                                    progress=bar, templates=templates, duplex=args.duplex,
                                    by_employer=args.by_employer, include_held_back=args.all)
    finally:
        bar.close()
    for line in report.summary_lines(limit=None):
        print(line)
    if report.report_file:
        print(f"以上情况已保存到：{report.report_file}")
    return report.exit_code


def _cmd_roster(args: argparse.Namespace) -> int:
    from ..book.refresh import refresh
    from ..outputs.meeting import KEPT_IN_OFFICE, TO_COMMITTEE, build_roster, held_back_lines, write_roster

    path, date = workbook(args.path), date_arg(args.date, "--date")
    # codes are assigned and stored by the refresh (stable across reruns)
    report = refresh(path, now=as_of(args.as_of), progress=progress)
    roster = build_roster(report.book, report.evaluation, date=date, include_held_back=args.all)
    files = write_roster(roster, Path(args.out))
    print(f"{roster.header}：上会{len(roster.entries)}人，未列入{len(roster.excluded)}人。")
    print_files(files)
    print(f"只把“{TO_COMMITTEE}”文件夹交给评委；“{KEPT_IN_OFFICE}”（内部名单、编号对照表）由组织人事科保管。")
    held = held_back_lines(report.book, report.evaluation)
    if held and not args.all:
        print(f"\n以下{len(held)}份申报符合上会条件，但因状态或同一人两种方式申报（三）未列入"
              "（处理后重新生成；确需列入时加 --all）：")
        for line in held:
            print(f"  {line}")
    return EXIT_OK


def _cmd_publicity(args: argparse.Namespace) -> int:
    from ..book.refresh import check
    from ..outputs.publicity import build_publicity, withheld, write_publicity
    from ..rules.base import RuleInputError

    path, start = workbook(args.path), date_arg(args.start, "--start")
    book, ev = check(path, now=as_of(args.as_of))
    warn_unread(book)
    try:
        table, end = build_publicity(book, ev, start)
    except RuleInputError as exc:
        raise Refused(str(exc)) from exc
    files = write_publicity(table, Path(args.out))
    print(f"公示{len(table.rows)}人，{start}至{end}（{book.settings.result_publicity_workdays}个工作日）。")
    for message in book.calendar.gaps(start, end):
        print(f"注意：公示截止日可能有误：{message}")
    print_files(files)
    held = withheld(book, ev)       # a typed 评审通过 without a passing tally: a finding, not a publication
    if held:
        print(f"\n以下{len(held)}人状态为“评审通过”，但评审会表决结果不支持，未列入公示：")
        print_findings(held, as_json=False)
    return EXIT_FINDINGS if held else EXIT_OK


def _cmd_finance_export(args: argparse.Namespace) -> int:
    from ..book.refresh import check
    from ..outputs.finance import dues, export_finance, export_summary

    path = workbook(args.path)
    book, ev = check(path, now=as_of(args.as_of))
    warn_unread(book)
    out = Path(args.file)
    if out.exists():
        raise Refused(f"“{out}”已存在，请换一个文件名（不覆盖已有文件）")
    export_finance(book, ev, out)
    print(f"已生成财务表 {out}：{export_summary(ev, dues(book, ev))}。")
    return EXIT_OK


def _cmd_finance_import(args: argparse.Namespace) -> int:
    from ..outputs.finance import import_finance

    path, finance = workbook(args.path), workbook(args.file)
    try:
        plan = import_finance(path, finance, now=as_of(args.as_of))
    except ValueError as exc:
        raise Refused(f"未导入：{exc}") from exc
    print(f"导入{len(plan.merged)}笔缴费。")
    print_findings(plan.findings, as_json=False)
    return EXIT_FINDINGS if any(f.severity.value == "error" for f in plan.findings) else EXIT_OK


def register(sub) -> None:
    """Add these commands to the ``zhicheng`` parser's subparsers."""
    docs = sub.add_parser(
        "docs", help="生成通知附件1—4（推荐单位公示、单位推荐意见、个人承诺书、免除继续教育学习申请表）",
        description="按台账为每位申报人员生成通知附件1—4的 Word 文件（每人每个附件一份，另有每个附件一份合并打印文件），"
                    "可同时转换为 PDF。附件4只为标“免修继续教育”的人员生成。台账中缺少的内容在文件中显示为“（未填）”，"
                    "并在结束时逐人列出。模板取台账旁的 templates 文件夹，没有时使用内置模板。不会修改台账。")
    register_argument(docs, "台账文件（.xlsx/.xlsm）")
    docs.add_argument("--out", required=True, metavar="文件夹", help="输出文件夹（不存在时自动创建）")
    docs.add_argument("--kind", default="1,2,3,4", metavar="附件编号",
                      help="要生成的附件编号，用逗号分隔，如 1,3（默认 1,2,3,4）")
    docs.add_argument("--ids", metavar="申报编号", help="只为这些申报编号生成，用逗号分隔，如 2024-001,2024-005")
    docs.add_argument("--status", metavar="状态", help="只为该状态的人员生成，如 已接收材料（多个用逗号分隔）")
    docs.add_argument("--templates", metavar="文件夹", help="模板文件夹（默认：台账旁的 templates 文件夹）")
    docs.add_argument("--pdf", action="store_true", help="同时用 LibreOffice 转换为 PDF，并核对每份 PDF 的内容")
    docs.add_argument("--duplex", action="store_true",
                      help="双面打印：合并打印文件中每人（每份材料）从奇数页开始，需要时留出空白背面")
    docs.add_argument("--by-employer", dest="by_employer", action="store_true",
                      help="另按用人单位分文件夹（“按单位”）：本单位人员的附件1—3、一份合并打印文件和报送清单"
                           "（报送对象、截止日期取自参数）")
    docs.add_argument("--all", action="store_true",
                      help="同时为填报中、不予受理、视为放弃和同一人两种方式申报（三）尚未处理的人员生成（默认不生成）")
    docs.set_defaults(handler=_cmd_docs)

    ros = sub.add_parser("roster", help="生成评审会名单（内部、盲评）、投票表和编号对照表",
                         description="刷新台账（分配并保存盲评编号）后，生成上会人员名单：内部名单（含姓名、单位、回避评委）、"
                                     "供专家使用的盲评名单（不含姓名、身份证号、单位）、投票表和编号对照表，.xlsx 与 .docx。")
    register_argument(ros)
    ros.add_argument("--out", required=True, metavar="文件夹", help="输出文件夹")
    ros.add_argument("--date", metavar="日期", help="评审会日期（默认取“评审会”表中的会议日期）")
    as_of_option(ros)
    ros.add_argument("--all", action="store_true",
                     help="同时列入符合上会条件、但状态为填报中/不予受理/视为放弃或同一人两种方式申报（三）尚未处理的申报")
    ros.set_defaults(handler=_cmd_roster, writes=True)

    pub = sub.add_parser("publicity", help="生成评审结果公示名单",
                         description="列出评审通过人员（按专业、级别），身份证号隐藏出生日期，公示期按阿克苏工作日计算。")
    register_argument(pub)
    pub.add_argument("--out", required=True, metavar="文件夹", help="输出文件夹")
    pub.add_argument("--start", required=True, metavar="日期", help="公示开始日期，如 2024-10-21")
    as_of_option(pub)
    pub.set_defaults(handler=_cmd_publicity)

    fin = sub.add_parser("finance", help="财务表导出与缴费导入",
                         description="export：生成给财务审计办公室的缴费表（不含身份证号）；"
                                     "import：把财务录入的缴费合并到台账“缴费”表。")
    actions = fin.add_subparsers(dest="action", metavar="操作", title="操作", required=True)
    exp = actions.add_parser("export", help="导出给财务的缴费表（不含身份证号）",
                             description="生成给财务审计办公室的缴费表：应缴人员、评审费、已缴与未缴金额，缴费方式为下拉选择；"
                                         "不含身份证号。不覆盖已有文件，不修改台账。")
    register_argument(exp)
    exp.add_argument("file", metavar="缴费表", help="要生成的缴费表文件名（.xlsx，不能是已有文件）")
    as_of_option(exp)
    exp.set_defaults(handler=_cmd_finance_export)
    imp = actions.add_parser("import", help="把财务录入的缴费合并进台账“缴费”表",
                             description="读取财务填好的缴费表，把新的缴费记录合并到台账“缴费”表（按收据号识别，重复导入不会重复记账；"
                                         "同一收据号金额不同则拒绝）。写入前自动备份。")
    register_argument(imp)
    imp.add_argument("file", metavar="缴费表", help="财务填好的缴费表（.xlsx）")
    as_of_option(imp)
    imp.set_defaults(handler=_cmd_finance_import, writes=True)
