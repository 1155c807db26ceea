"""The ``zhicheng`` command line (Chinese help; thin: every answer comes from the rules)."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from . import __version__


def _cmd_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo
    run_demo(sys.stdout)
    return 0


def _cmd_calendar(args: argparse.Namespace) -> int:
    from . import data
    from .rules.calendar import ORIGIN_LABEL, UnknownYear

    cal = data.calendar()
    try:
        rows = cal.year_rows(args.year)
    except UnknownYear as exc:
        print(exc, file=sys.stderr)
        return 2
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
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zhicheng", description="职称评审台账：阿克苏地区交通运输局职称评审工具（命令行版）")
    parser.add_argument("--version", action="version", version=f"zhicheng {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="命令", title="可用命令")
    demo = sub.add_parser("demo", help="用虚构的申报人演示每一条规则的计算结果",
                          description="用几名虚构的申报人逐条演示规则：日期、工作日、身份证号、职称与缴费、资历、继续教育、审核次数、申报资格。")
    demo.set_defaults(handler=_cmd_demo)
    cal = sub.add_parser("calendar", help="列出某年阿克苏的放假与调休上班日期及来源",
                         description="列出某年阿克苏地区（全国安排＋新疆地方节日＋节假日表）的放假和调休上班日期，便于与官方通知核对。")
    cal.add_argument("year", type=int, help="年份，如 2024")
    cal.set_defaults(handler=_cmd_calendar)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 1
    return args.handler(args)


if __name__ == "__main__":   # pragma: no cover
    sys.exit(main())
