"""Use cases that belong to one shell: the command line's demo, schema and set-up commands,
and the ribbon's 关于. Each is in the table with the shells it is for and why."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from .. import __version__
from .spec import FINDINGS, OK, REFUSED, Context, Outcome

CONFIG_NAME = "zhicheng"         # xlwings PROJECT_NAME of the add-in (see addin.excel.build)


def _captured(write) -> list[str]:
    stream = io.StringIO()
    write(stream)
    return stream.getvalue().rstrip("\n").split("\n")


def demo(ctx: Context, *, out: Path | None = None, rules: bool = False, **_) -> Outcome:
    """The main job on the embedded sample."""
    if rules:
        from ..demo import run_demo

        return Outcome(_captured(run_demo))
    from ..demo import run_workbook_demo

    code = [OK]
    lines = _captured(lambda stream: code.__setitem__(0, run_workbook_demo(Path(out or "demo-output"), stream,
                                                                           progress=ctx.progress)))
    return Outcome(lines, code[0])


def schema(ctx: Context, *, json: bool = False, **_) -> Outcome:
    """The register's sheets and columns."""
    from .. import data
    from ..book.schema import as_json

    described = as_json(data.default_settings().ce_years)
    lines = []
    for sheet in described["sheets"]:
        lines.append(f"{sheet['sheet']}（{len(sheet['columns'])}列）")
        lines += [f"  {c['header']}{'  [计算]' if c['computed'] else ''}" for c in sheet["columns"]]
    outcome = Outcome(lines)
    outcome.json = described
    return outcome


def build_addin(ctx: Context, *, out: Path | None = None, **_) -> Outcome:
    from ..excel.build import build_addin as build

    report = build(Path(out or "dist"))       # BuildError is a refusal: exit 2
    return Outcome([f"已构建加载项：{report.path}（{report.size:,} 字节，{report.seconds:.1f} 秒）",
                    f"  VBA 模块：{'、'.join(report.modules)}",
                    f"  功能区按钮{report.buttons}个，工作表函数{report.udfs}个（UDF 模块 udfs）",
                    "在 Windows 办公电脑上安装：zhicheng install-addin（或把该文件复制到 %APPDATA%\\Microsoft\\Excel\\XLSTART）"],
                   files=[report.path])


def install_addin(ctx: Context, *, xlam: Path | None = None, **_) -> Outcome:
    from ..excel.install import install

    report = install(xlam=Path(xlam) if xlam else None)   # InstallRefused: exit 2
    return Outcome(list(report.lines), FINDINGS if report.problems else OK)


def launcher(ctx: Context, *, place: Path | None = None, port: int | None = None, no_browser: bool = False,
             shortcut: Path | None = None, **_) -> Outcome:
    if shortcut:
        from ..launcher.shortcuts import write_shortcut

        path = write_shortcut(Path(shortcut))
        return Outcome([f"已生成台账工具图标：{path}", "双击它打开台账工具；也可以把台账文件拖到它上面。"])
    from ..launcher.server import serve

    code = serve(Path(place) if place else None, port=port or 0, browser=not no_browser)
    return Outcome([], code)


def _years(years) -> str:
    from .register import _years as spans

    return spans(years)


def about(ctx: Context, **_) -> Outcome:
    """关于: versions, the interpreter, the config files looked at, the calendar's years."""
    import xlwings

    from .. import data

    home = Path(os.environ.get("USERPROFILE") or Path.home())
    candidates = [home / f".{CONFIG_NAME}" / f"{CONFIG_NAME}.conf"]
    if ctx.register is not None:
        candidates.insert(0, ctx.register.parent / f"{CONFIG_NAME}.conf")
    cal = data.calendar()
    lines = [
        f"职称评审台账 {__version__}",
        f"xlwings {xlwings.__version__}，Python {sys.version.split()[0]}",
        f"Python 程序：{sys.executable}",
        "配置文件：",
        *[f"  {path}（{'已找到' if path.exists() else '无'}）" for path in candidates],
        f"内置放假安排：全国 {_years(cal.known_years)}年；新疆肉孜节、古尔邦节 {_years(cal.regional_years)}年。",
        "",
        "规则依据：关于开展阿克苏地区工程系列公路、运输等3个专业2024年度职称评审及民营企业专项评审工作的通知。",
    ]
    return Outcome(lines)


__all__ = ["demo", "schema", "build_addin", "install_addin", "launcher", "about", "REFUSED"]
