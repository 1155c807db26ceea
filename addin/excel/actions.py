"""The ribbon's door to the use cases: a :class:`Session` (a workbook and a user for one
click), the parameters asked with Excel's dialogs, and the :class:`Message` to show.

A button names a use case of :data:`addin.usecases.TABLE` (and a variant of it); what it
does is that use case, run by :func:`addin.usecases.run` exactly as the command line and
the 台账工具 page run it. This module only asks for what the use case's parameters need,
the way each parameter says (``Param.ribbon``): a file from Excel's Open dialog, a date
in an input box, the rows selected in 申报人员, a list of yes/no options in one box. A
session is a workbook behind the :class:`~addin.book.adapter.WorkbookAdapter` interface
plus a user interface: in Excel the live adapter and the Excel UI (:mod:`addin.excel.live`),
in the tests the file adapter and a recording UI.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, ContextManager, Protocol

from ..book.adapter import WorkbookAdapter
from ..book.writes import current_user
from ..errors import Refused
from ..outputs.files import OUTPUT_FOLDER
from ..usecases import FINDINGS, REFUSED, ButtonDoor, Context, Outcome, Param, UseCase, Variant, run
from ..usecases.suggest import suggestion

TITLE = "职称评审台账"
MAX_LINES = 24                   # lines of an answer shown in a message box
RIBBON = ButtonDoor("ribbon")

__all__ = ["Session", "Message", "UI", "ActionRefused", "file_session", "ask_values", "answer", "OUTPUT_FOLDER",
           "MAX_LINES", "RIBBON", "run_usecase"]


class ActionRefused(Refused):
    """An action that cannot go ahead; its (Chinese) message is shown as is."""


@dataclass
class Message:
    text: str
    title: str = TITLE
    critical: bool = False


class UI(Protocol):
    def progress(self, text: str) -> None: ...
    def busy(self) -> ContextManager[None]: ...
    def choose_file(self, title: str, filters: str) -> Path | None: ...
    def save_as(self, title: str, name: str) -> Path | None: ...
    def ask(self, prompt: str, title: str, default: str = "") -> str | None: ...
    def confirm(self, prompt: str, title: str) -> bool | None: ...


@dataclass
class Session:
    """A workbook and a user, for one button click."""

    open: Callable[[bool], WorkbookAdapter]        # open(write) -> adapter
    ui: UI
    workbook: Path | None                          # the register's file (None: never saved)
    now: dt.datetime = field(default_factory=dt.datetime.now)
    user: str = field(default_factory=current_user)
    selection: Callable[[], list[tuple[int, int]]] = lambda: []    # row spans selected in 申报人员
    live: bool = False

    def context(self) -> Context:
        return Context(RIBBON, self.workbook, self.open, self.now, self.user, self.ui.progress, live=self.live)


def file_session(path: Path, ui: UI, **kwargs) -> Session:
    """A session on a workbook file (what the tests and a headless run use)."""
    from ..usecases.common import open_register_file

    path = Path(path)
    return Session(lambda write: open_register_file(path, write), ui, path, **kwargs)


class Cancelled(Exception):
    """The user closed a dialog: nothing runs."""


# --- asking for the parameters ------------------------------------------------------------------

FILTERS = {"workbook": "Excel 工作簿 (*.xlsx;*.xlsm),*.xlsx;*.xlsm", "export": "Excel 工作簿 (*.xlsx),*.xlsx,CSV 文件 (*.csv),*.csv"}


def _selected_ids(s: Session) -> list[str]:
    """The application numbers of the 申报人员 rows selected in Excel."""
    spans = s.selection()
    if not spans:
        return []
    from ..book.reader import book_from_values

    book = book_from_values(s.open(False).values())
    rows = [r for r in book.table("applicants").rows if any(a <= r.number <= b for a, b in spans)]
    return [i for i in (str(r.values_by_key.get("app_id") or "").strip() for r in rows) if i]


def _ask_one(s: Session, uc: UseCase, p: Param) -> object:
    if p.kind in ("workbook", "path"):
        filters = p.filter or FILTERS["export" if p.key == "export" else "workbook"]
        chosen = s.ui.choose_file(f"选择{p.label}", filters)
        if chosen is None and (p.required or p.kind == "path"):
            raise Cancelled
        return chosen
    if p.kind == "newfile":
        chosen = s.ui.save_as(f"{uc.label}：{p.label}", p.filename or "")
        if chosen is None:
            raise Cancelled
        return chosen
    if p.kind == "flag":
        answer_ = s.ui.confirm(f"{p.label}？\n{p.help}", uc.label)
        if answer_ is None:
            raise Cancelled
        return answer_
    default = suggestion(p.suggest, s.now.date()) or ("" if p.default is None else str(p.default))
    text = s.ui.ask(f"{p.label}（{p.help}）：", uc.label, default)
    if text is None:
        raise Cancelled
    return text


def ask_values(s: Session, uc: UseCase, variant: Variant) -> dict[str, object]:
    """What the use case needs, asked with Excel's dialogs; raises :class:`Cancelled`."""
    values: dict[str, object] = {}
    wanted = [p for p in uc.params if "ribbon" in p.doors and not p.advanced and p.key not in variant.values]
    for p in wanted:
        if p.ribbon == "ask":
            values[p.key] = _ask_one(s, uc, p)
        elif p.ribbon == "selection":
            ids = _selected_ids(s)
            if ids:
                choice = s.ui.confirm(f"只为“申报人员”表中选中的{len(ids)}行（{'、'.join(ids[:5])}"
                                      f"{'等' if len(ids) > 5 else ''}）{uc.label}？\n选“否”则为全部申报人员。", uc.label)
                if choice is None:
                    raise Cancelled
                values[p.key] = ids if choice else None
    options = [p for p in wanted if p.ribbon == "options"]
    if options:
        menu = "\n".join(f"{i}. {p.label}：{p.help}" for i, p in enumerate(options, start=1))
        text = s.ui.ask(f"需要时填写选项的编号（可填多个，如 1,3；都不需要时直接点“确定”）：\n{menu}", uc.label, "")
        if text is None:
            raise Cancelled
        from ..usecases.spec import parse_list

        picked = parse_list(text.replace("，", ","))
        bad = [n for n in picked if not n.isdigit() or not 1 <= int(n) <= len(options)]
        if bad:
            raise ActionRefused(f"选项编号应为1—{len(options)}，实为“{'、'.join(bad)}”")
        for i, p in enumerate(options, start=1):
            values[p.key] = str(i) in picked
    return values


# --- running and answering ----------------------------------------------------------------------

def answer(uc: UseCase, variant: Variant, outcome: Outcome) -> Message:
    """The outcome in a message box: at most :data:`MAX_LINES` lines, the rest counted."""
    lines = list(outcome.lines)
    if outcome.headline:
        lines = [outcome.headline, ""] + [line for line in lines if line != outcome.headline]
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > MAX_LINES:
        more = len(lines) - MAX_LINES
        where = f"\n完整内容见：{outcome.out}" if outcome.out else "（台账工具或命令行可看到全部）"
        lines = lines[:MAX_LINES] + [f"……另有{more}行未列出{where}"]
    title = f"{TITLE} · {variant.label}"
    if outcome.code == REFUSED:
        return Message(f"“{variant.label}”未完成：" + "\n".join(lines), title, critical=True)
    # findings are the answer of a use case that only judges (校验); one that made its files
    # or wrote the register did its job, and says what it found
    judged = outcome.code == FINDINGS and not uc.output and not uc.writes
    return Message("\n".join(lines) or "完成。", title, critical=judged)


def run_usecase(uc: UseCase, variant_key: str, s: Session) -> Message:
    """Ask, run, answer; a value the use case finds missing (NeedsValue) is asked and the run repeated."""
    variant = uc.variant(variant_key)
    try:
        values = ask_values(s, uc, variant)
    except Cancelled:
        return Message(f"已取消，未{variant.label}。", f"{TITLE} · {variant.label}")
    chosen: str | None = variant_key
    for _attempt in range(3):
        outcome = run(uc, values, s.context(), chosen)
        if outcome.proposal and any(p.kind == "text" and p.key == "confirm" for p in uc.params) \
                and not values.get("confirm"):
            # a list the clerk confirms before anything is written (核对状态): shown, then asked
            shown = answer(uc, variant, outcome).text
            if not s.ui.confirm(shown + "\n\n把以上建议写入台账？（选“否”则不写入）", variant.label):
                return Message(f"未写入（台账没有改动）。\n\n{shown}", f"{TITLE} · {variant.label}")
            values["confirm"] = outcome.proposal
            chosen = None                      # the button's own values listed; the confirmation writes
            continue
        needs = outcome.json.get("needs") if outcome.code == REFUSED and isinstance(outcome.json, dict) else None
        if not needs or values.get(needs):
            return answer(uc, variant, outcome)
        param = uc.param(needs)
        try:
            if param.kind in ("workbook", "path", "newfile"):
                given = _ask_one(s, uc, param)
            else:
                given = s.ui.ask(outcome.json.get("prompt") or param.label, variant.label, "")
        except Cancelled:
            given = None
        if given is None or not str(given).strip():
            return Message(f"已取消，未{variant.label}（台账没有改动）。", f"{TITLE} · {variant.label}")
        values[needs] = given
    return answer(uc, variant, outcome)
