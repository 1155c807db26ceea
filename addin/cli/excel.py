"""``zhicheng build-addin`` and ``zhicheng install-addin``."""

from __future__ import annotations

import argparse
from pathlib import Path

from .base import EXIT_FINDINGS, EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from ..excel.build import build_addin

    report = build_addin(Path(args.out))       # BuildError is a refusal: printed, exit 2
    print(f"已构建加载项：{report.path}（{report.size:,} 字节，{report.seconds:.1f} 秒）")
    print(f"  VBA 模块：{'、'.join(report.modules)}")
    print(f"  功能区按钮{report.buttons}个，工作表函数{report.udfs}个（UDF 模块 udfs）")
    print("在 Windows 办公电脑上安装：zhicheng install-addin（或把该文件复制到 %APPDATA%\\Microsoft\\Excel\\XLSTART）")
    return EXIT_OK


def _cmd_install(args: argparse.Namespace) -> int:
    from ..excel.install import install

    report = install(xlam=Path(args.xlam) if args.xlam else None)   # InstallRefused: exit 2
    for line in report.lines:
        print(line)
    return EXIT_FINDINGS if report.problems else EXIT_OK


def register(sub) -> None:
    """Add ``build-addin`` and ``install-addin`` to the ``zhicheng`` parser's subparsers."""
    build = sub.add_parser(
        "build-addin", help="构建 Excel 加载项（zhicheng.xlam）",
        description="由软件包中的 VBA 与功能区定义、已安装的 xlwings 和 Python 工作表函数构建 Excel 加载项 "
                    "zhicheng.xlam（在任何系统上都可构建；同样的输入得到完全相同的文件）。")
    build.add_argument("--out", default="dist", metavar="文件夹", help="输出文件夹（默认 ./dist）")
    build.set_defaults(handler=_cmd_build)

    inst = sub.add_parser(
        "install-addin", help="在 Windows 上安装加载项（复制到 XLSTART 并写入配置，逐项检查）",
        description="在 Windows 办公电脑上安装加载项：构建（或使用 --xlam 指定的）zhicheng.xlam，复制到 "
                    "%APPDATA%\\Microsoft\\Excel\\XLSTART，并在 %USERPROFILE%\\.zhicheng\\zhicheng.conf 中写入本机 "
                    "Python 的位置；然后逐项检查 Python、xlwings DLL（不在加载项找它的位置时复制过去）、配置文件和 "
                    "XLSTART 中的副本，列出检查结果（有未通过的项目时退出代码为 1）。通常由软件文件夹中的 安装.bat 运行。"
                    "其他系统上会说明替代做法。")
    inst.add_argument("--xlam", metavar="文件", help="使用已构建的加载项文件（默认按本机已安装的 xlwings 现场构建）")
    inst.set_defaults(handler=_cmd_install)
