"""``zhicheng launcher``: the 台账工具 page (for desktops without Excel)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import EXIT_OK


def _cmd_launcher(args: argparse.Namespace) -> int:
    if args.shortcut:
        from ..launcher.shortcuts import write_shortcut

        path = write_shortcut(Path(args.shortcut))
        print(f"已生成台账工具图标：{path}")
        print("双击它打开台账工具；也可以把台账文件拖到它上面。")
        return EXIT_OK
    from ..launcher.server import serve

    return serve(Path(args.path) if args.path else None, port=args.port, browser=not args.no_browser)


def register(sub) -> None:
    la = sub.add_parser(
        "launcher", help="打开台账工具（本机网页：刷新、校验、生成材料，不需要 Excel）",
        description="在本机（127.0.0.1）打开台账工具页面：选择台账后点按钮即可刷新计算、校验、生成附件1—4、"
                    "评审会名单、公示名单、导出财务表和导入缴费，结果与命令行相同。供 WPS、LibreOffice 和信创桌面使用。")
    la.add_argument("path", nargs="?", metavar="台账", help="台账文件或其所在文件夹（可省略，在页面中选择）")
    la.add_argument("--port", type=int, default=0, metavar="端口", help="本机端口（默认自动选择空闲端口）")
    la.add_argument("--no-browser", action="store_true", help="不自动打开浏览器（只显示网址）")
    la.add_argument("--shortcut", metavar="文件夹",
                    help="不启动，改为在该文件夹中生成台账工具的图标（Windows：台账工具.bat；Linux：.desktop 文件）")
    la.set_defaults(handler=_cmd_launcher)
