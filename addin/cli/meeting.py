"""Meeting-day commands: draw (the panel from the expert pool)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from .base import EXIT_FINDINGS, EXIT_OK, as_of, print_files, workbook
from .book import AS_OF_HELP


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
    drw.add_argument("path", metavar="台账", help="台账文件")
    drw.add_argument("--out", required=True, metavar="文件夹", help="抽取记录的输出文件夹")
    drw.add_argument("--redraw", metavar="原因", help="已经抽取过时重新抽取，并写明原因（记入日志和抽取记录）")
    drw.add_argument("--as-of", metavar="时间", help=AS_OF_HELP)
    drw.set_defaults(handler=_cmd_draw, writes=True)
