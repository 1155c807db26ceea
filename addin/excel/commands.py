"""``zhicheng build-addin`` and ``zhicheng install-addin`` (registered by :func:`add_cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path

EXIT_OK, EXIT_REFUSED = 0, 2


def _refused(message: str):
    from ..cli import Refused

    return Refused(message)


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import BuildError, build_addin

    try:
        report = build_addin(Path(args.out))
    except BuildError as exc:
        raise _refused(f"未构建：{exc}") from exc
    print(f"已构建加载项：{report.path}（{report.size:,} 字节，{report.seconds:.1f} 秒）")
    print(f"  VBA 模块：{'、'.join(report.modules)}")
    print(f"  功能区按钮{report.buttons}个，工作表函数{report.udfs}个（UDF 模块 udfs）")
    print("在 Windows 办公电脑上安装：zhicheng install-addin（或把该文件复制到 %APPDATA%\\Microsoft\\Excel\\XLSTART）")
    return EXIT_OK


def _cmd_install(args: argparse.Namespace) -> int:
    from .build import BuildError
    from .install import InstallRefused, install

    try:
        report = install(xlam=Path(args.xlam) if args.xlam else None)
    except (InstallRefused, BuildError) as exc:
        raise _refused(str(exc)) from exc
    for line in report.lines:
        print(line)
    return EXIT_OK


def add_cli(subparsers) -> None:
    """Register ``build-addin`` and ``install-addin`` on the ``zhicheng`` parser."""
    build = subparsers.add_parser(
        "build-addin", help="构建 Excel 加载项（zhicheng.xlam）",
        description="由 vba_stubs 中的 VBA 与功能区定义、已安装的 xlwings 和 Python 工作表函数构建 Excel 加载项 "
                    "zhicheng.xlam（在任何系统上都可构建；同样的输入得到完全相同的文件）。")
    build.add_argument("--out", default="dist", help="输出文件夹（默认 ./dist）")
    build.set_defaults(handler=_cmd_build)

    inst = subparsers.add_parser(
        "install-addin", help="在 Windows 上安装加载项（复制到 XLSTART 并写入配置）",
        description="在 Windows 办公电脑上安装加载项：构建（或使用 --xlam 指定的）zhicheng.xlam，复制到 "
                    "%APPDATA%\\Microsoft\\Excel\\XLSTART，并在 %USERPROFILE%\\.zhicheng\\zhicheng.conf 中写入本机 "
                    "Python 的位置。其他系统上会说明替代做法。")
    inst.add_argument("--xlam", help="使用已构建的加载项文件（默认按本机已安装的 xlwings 现场构建）")
    inst.set_defaults(handler=_cmd_install)
