"""Meeting-day commands: draw (the panel from the expert pool), record (the defence score
forms before the meeting, the sealed record after it)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from .base import EXIT_FINDINGS, EXIT_OK, as_of, as_of_option, print_files, progress, register_argument, workbook



def _cmd_draw(args: argparse.Namespace) -> int:
    from ..book.inplace import PackageAdapter
    from ..book.draw import run_draw
    from ..book.refresh import current_user
    from ..outputs.meeting_record import draw_record, draw_record_name, save

    path, out = workbook(args.path), Path(args.out)
    report = run_draw(PackageAdapter(path), now=as_of(args.as_of) or dt.datetime.now(), user=current_user(),
                      reason=args.redraw)
    record = save(draw_record(report), out / draw_record_name(report.number))
    d = report.draw
    print(f"第{report.number}次抽取：专家库{len(d.pool)}人，排除{len(d.exclusions)}人；"
          f"评委{'、'.join(e.code for e in d.panel)}；候补{'、'.join(e.code for e in d.reserves) or '无'}。")
    for e, why in d.exclusions:
        print(f"  排除 {e.code} {e.name}：{why}")
    for w in report.warnings:
        print(f"注意：{w}")
    print("抽取结果已写入“评委”表和日志" + (f"，原文件已备份为：{report.backup}" if report.backup else "") + "。")
    print_files([record])
    return EXIT_FINDINGS if report.warnings else EXIT_OK


def register(sub) -> None:
    """Add these commands to the ``zhicheng`` parser's subparsers."""
    drw = sub.add_parser(
        "draw", help="从专家库随机抽取本次评审会的评委和候补评委",
        description="按参数中的评委人数（可按专业分配）和候补人数，从“评委”表中可参加的专家里随机抽取（操作系统安全随机数）；"
                    "与上会申报人同单位、或“回避关系”列写明有亲属、同单位、其他利害关系的专家不参加抽取。结果写入“评委”表的"
                    "抽取结果列和日志（先备份），并生成评委抽取记录（.docx，打印后由抽取人、监督人签字）。可抽取的专家不足时"
                    "不抽取、不写入（退出码2）；候补不足时照常抽取并提醒（退出码1）。")
    register_argument(drw)
    drw.add_argument("--out", required=True, metavar="文件夹", help="抽取记录的输出文件夹")
    drw.add_argument("--redraw", metavar="原因", help="已经抽取过时重新抽取，并写明原因（记入日志和抽取记录）")
    as_of_option(drw)
    drw.set_defaults(handler=_cmd_draw, writes=True)

    rec = sub.add_parser(
        "record", help="生成答辩评分表（会前）或评审会议记录（会后，内部版与评委会版）",
        description="先刷新台账（计票、答辩成绩写入“评审会”“答辩评分”表），再生成评审会议记录：评委出席、回避、"
                    "各盲评编号的表决结果（出席评委三分之二的计算）、答辩成绩，以及计票人、监票人签字栏。"
                    "“内部留存”文件夹中的一份含姓名和单位，“送评委”文件夹中的一份只有编号。"
                    "加 --forms 改为生成答辩评分表：每位抽取的评委（含候补）一份，每位需答辩（高级）的申报一页。"
                    "没有抽取评委或出席不足三分之二时不生成（退出码2）；有未表决或答辩成绩未录入的编号时照常生成并列出（退出码1）。")
    register_argument(rec)
    rec.add_argument("--out", required=True, metavar="文件夹", help="输出文件夹（其中分“内部留存”“送评委”两个文件夹）")
    rec.add_argument("--forms", action="store_true", help="生成答辩评分表（会前打印发给评委）")
    as_of_option(rec)
    rec.set_defaults(handler=_cmd_record, writes=True)


def _cmd_record(args: argparse.Namespace) -> int:
    from ..book.refresh import refresh
    from ..outputs.meeting import KEPT_IN_OFFICE, TO_COMMITTEE
    from ..outputs.meeting_record import build_meeting_record, write_meeting_records
    from ..outputs.scoring import score_forms

    path, out = workbook(args.path), Path(args.out)
    now = as_of(args.as_of) or dt.datetime.now()
    report = refresh(path, now=now, progress=progress)      # the tally is the register's own
    office, committee = out / KEPT_IN_OFFICE, out / TO_COMMITTEE
    if args.forms:
        files = score_forms(report.book, report.evaluation, committee, now=now)
        print(f"已为{len(files)}位抽取的评委（含候补）生成答辩评分表（每位需答辩的申报一页）。")
        print_files(files)
        return EXIT_OK
    record = build_meeting_record(report.book, report.evaluation)
    files = write_meeting_records(record, office, committee, now=now)
    print(f"{record.name}：抽取评委{record.members}人，出席{len(record.seated)}人；表决{len(record.votes)}份，"
          f"同意票须达{record.needed}票。")
    for problem in record.problems:
        print(f"  待核 {problem}")
    print_files(files)
    return EXIT_FINDINGS if record.problems else EXIT_OK
