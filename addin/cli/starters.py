"""The use cases that use the table of use cases themselves: ``build-addin`` and
``install-addin`` (the ribbon's add-in, whose allow-list is the table), ``launcher`` (the
台账工具 page, made from the table) and ``demo`` (which runs other use cases, e.g. 通知申报人).
The table declares them (``run=None``) and the command line binds them here
(:func:`bound`): the table cannot import what is made from it or runs it (tests/test_layers.py
finds import cycles).
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

from ..usecases import FINDINGS, OK, Context, Outcome, UseCase


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


#: use case name -> its run (see the module's docstring)
STARTERS = {"demo": demo, "build-addin": build_addin, "install-addin": install_addin, "launcher": launcher}


def bound(usecase: UseCase) -> UseCase:
    """``usecase`` with its run: its own, or the command line's for a use case that starts a shell."""
    if usecase.run is None and usecase.name in STARTERS:
        return replace(usecase, run=STARTERS[usecase.name])
    return usecase
