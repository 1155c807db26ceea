"""Use cases that belong to one shell: the command line's schema and the ribbon's 关于.
Each is in the table with the shells it is for and why. (The demo, which runs other use
cases, and the set-up commands that start a shell — build-addin, install-addin, launcher —
are run by the command line: :mod:`addin.cli.starters`.)"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from .. import __version__
from .spec import REFUSED, Context, Outcome

CONFIG_NAME = "zhicheng"         # xlwings PROJECT_NAME of the add-in (see addin.excel.build)


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


__all__ = ["schema", "about", "REFUSED"]
