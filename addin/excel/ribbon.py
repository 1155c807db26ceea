"""The ribbon's entry point: ``dispatch(tag)``.

Every button of the 职称评审 tab calls the one VBA callback ``ZhichengRibbon.OnAction``
(vba_stubs/ZhichengRibbon.bas), which runs::

    RunPython "import addin.excel.ribbon as r; r.dispatch('<the button's tag>')"

The tag is checked here against :data:`ACTIONS`, the allow-list of what a button may
do; anything else is refused. The action runs with screen updating and automatic
calculation off (restored afterwards, even on error), progress in the status bar, and
its result or error in a message box — never a Python traceback.
"""

from __future__ import annotations

import datetime as dt
import re
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..errors import Refused
from ..rules.base import RuleInputError
from . import actions
from .actions import Message, Session

TAG = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


@dataclass(frozen=True)
class Action:
    label: str                                    # as on the button (customUI.xml)
    run: Callable[[Session], Message]


#: tag -> action: the allow-list (a test checks it against the ribbon XML)
ACTIONS: dict[str, Action] = {
    "refresh": Action("刷新计算", actions.refresh),
    "check": Action("校验", actions.check),
    "settings": Action("节假日与参数", actions.settings),
    "docs.all": Action("生成材料（全部）", actions.documents_all),
    "docs.selected": Action("生成材料（选中行）", actions.documents_selected),
    "roster": Action("评审会名单", actions.roster),
    "draw": Action("抽取评委", actions.draw),
    "publicity": Action("公示名单", actions.publicity),
    "finance.export": Action("导出财务表", actions.finance_export),
    "finance.import": Action("导入缴费", actions.finance_import),
    "import.platform": Action("导入平台数据", actions.import_platform),
    "about": Action("关于", actions.about),
}

#: errors whose message is meant for the user as is (Chinese, no traceback)
REFUSALS = (Refused, RuleInputError)     # ActionRefused, WriteRefused, the live adapter's refusals


def error_log() -> Path:
    return Path.home() / ".zhicheng" / "ribbon-errors.log"


def _log(tag: str, exc: BaseException) -> Path | None:
    path = error_log()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as f:
            f.write(f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} {tag}\n")
            f.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        return path
    except OSError:
        return None


def run_action(tag: str, session: Session) -> Message:
    """Run the action of ``tag`` in ``session`` and return what to show."""
    action = ACTIONS.get(tag) if isinstance(tag, str) and TAG.match(tag) else None
    if action is None:
        return Message(f"未知的按钮“{tag}”：加载项与已安装的 Python 程序版本不一致？请重新运行 zhicheng install-addin。",
                       critical=True)
    try:
        with session.ui.busy():
            return action.run(session)
    except REFUSALS as exc:
        return Message(f"“{action.label}”未完成：{exc}", critical=True)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a message box, not a traceback
        where = _log(tag, exc)
        return Message(f"“{action.label}”出错：{type(exc).__name__}: {exc}"
                       + (f"\n\n详细信息已记录在：{where}" if where else ""), critical=True)


def live_session(book, ui=None) -> Session:
    """A session on the workbook open in Excel (``book``: an ``xlwings.Book``)."""
    from .live import ExcelUI, LiveAdapter, selected_rows

    adapter = LiveAdapter(book)
    full = str(book.fullname)
    saved = ("\\" in full or "/" in full) and "://" not in full       # unsaved: "工作簿1"; cloud: a URL
    return Session(adapter.for_writing, ui or ExcelUI(book.app), Path(full) if saved else None,
                   selection=lambda: selected_rows(book))


def dispatch(tag: str, book=None) -> Message:
    """The RunPython target of every button; ``book`` defaults to the calling workbook."""
    from .live import ExcelUI

    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    ui = ExcelUI(book.app)
    message = run_action(tag, live_session(book, ui))
    ui.alert(message.text, title=message.title, critical=message.critical)
    return message
