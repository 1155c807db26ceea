"""What a use case is: its parameters, the context it runs in, what it answers.

A use case is one thing a clerk can do (校验, 生成材料, 抽取评委 ...). It is declared once,
in :mod:`addin.usecases.table`, with everything a shell needs to offer it: the Chinese
label of its button, its parameters (each with a kind, a label, and how the command line
spells it), whether it reads or writes the register, and where its files go. The three
shells are made from that declaration:

- the command line (:mod:`addin.cli`): one subcommand per use case, one argument per
  parameter, spelled as :attr:`Param.flag` says;
- the ribbon (:mod:`addin.excel.ribbon`): one button per :class:`Variant`, the parameters
  asked with Excel's dialogs (:mod:`addin.excel.actions`);
- the 台账工具 page (:mod:`addin.launcher`): one card per use case with a form control
  per parameter and a button per variant.

Each shell turns what its user gave into the parameter values (:func:`convert` — the one
place where text becomes a date, a list of numbers, a path), builds a :class:`Context`
(the register as a :class:`~addin.book.adapter.WorkbookAdapter`, the moment, the user, a
progress callback and the shell's :class:`Door`), calls :attr:`UseCase.run` and shows the
:class:`Outcome`. So the three shells give the same answers by construction.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping, Protocol, Sequence

from ..errors import Refused

#: exit codes of every use case, on every shell
OK, FINDINGS, REFUSED, INTERNAL = 0, 1, 2, 3

#: the kinds of parameter (what a value is, and so which control a shell shows)
KINDS = {
    "register": "the register (command line: the first positional argument)",
    "workbook": "another existing workbook read by the use case (platform export, finance file)",
    "path": "an existing file or folder",
    "newfile": "a file the use case creates (command line: a path; page, ribbon: made in the output folder)",
    "out": "the output folder (command line: --out; page, ribbon: a new folder beside the register)",
    "date": "a date",
    "datetime": "a date with an optional time",
    "text": "free text",
    "flag": "yes / no",
    "year": "a four-digit year",
    "kinds": "attachment numbers 1-4",
    "ids": "application numbers, comma separated",
    "words": "words from a list, comma separated",
    "confirm": "the digest of a proposal the user confirmed",
}

#: where a parameter's value comes from on the ribbon
RIBBON_SOURCES = ("ask", "options", "selection", "never", "active")


class Door(Protocol):
    """How one shell names things (the doors themselves, made from the table: :mod:`.doors`).
    Use cases write their messages in the command line's words (``zhicheng check``,
    ``--start``); :meth:`render` turns them into the page's or the ribbon's (the button
    “校验”, the field “公示开始日期”)."""

    name: str

    def render(self, text: str, usecase: "UseCase | None" = None) -> str:
        """``text`` in this shell's words."""

    def action(self, name: str) -> str:
        """How this shell names use case ``name`` in a sentence."""


@dataclass(frozen=True)
class Param:
    """One parameter of a use case."""

    key: str                       # the keyword the use case's run() reads
    kind: str                      # one of KINDS
    label: str                     # the page's field label, the ribbon's prompt (Chinese)
    help: str                      # command-line help, the page's hint (Chinese)
    flag: str | None = None        # the command line's option (e.g. "--start"); None: positional
    metavar: str = ""
    required: bool = False
    default: object = None
    advanced: bool = False         # page: under 更多选项; ribbon: not asked
    ribbon: str = "ask"            # RIBBON_SOURCES: ask (a dialog), options (one list of yes/no options),
                                   # selection (the rows selected in 申报人员), never, active (the open workbook)
    doors: frozenset[str] = frozenset({"cli", "page", "ribbon"})
    hidden: bool = False           # command line: accepted, not listed (kept for old scripts)
    cli_required: bool = False     # required on the command line only (the page and the ribbon make it)
    suggest: str | None = None     # what the page and the ribbon offer first (see addin.usecases.suggest)
    filename: str = ""             # newfile: the name the page and the ribbon give it in the output folder

    filter: str = ""               # path / workbook: what the Open dialog lists ("名称 (*.txt),*.txt")

    def __post_init__(self):
        assert self.kind in KINDS, self.kind
        assert self.ribbon in RIBBON_SOURCES, self.ribbon

    @property
    def dest(self) -> str:
        return self.key


@dataclass(frozen=True)
class Variant:
    """A button of a use case: a label and parameter values fixed by that button (e.g.
    record → 答辩评分表 with forms=yes, 评审会议记录 with forms=no)."""

    key: str                       # "" for the use case's own button
    label: str
    values: Mapping[str, object] = field(default_factory=dict)
    description: str = ""
    icon: str = ""
    doors: frozenset[str] = frozenset({"cli", "page", "ribbon"})     # the shells that show this button

    def tag(self, usecase: "UseCase") -> str:
        return usecase.name + (f".{self.key}" if self.key else "")


@dataclass
class Outcome:
    """What a use case answers: the lines to show (in the command line's words; each shell
    renders them), the exit code, the output folder and files it made."""

    lines: list[str] = field(default_factory=list)
    code: int = OK
    out: Path | None = None
    files: list[Path] = field(default_factory=list)
    findings: list = field(default_factory=list)       # the findings listed, as values (check --json)
    json: object = None                                 # what --json prints, when the use case has it
    headline: str | None = None                         # the one line a message box or the page shows first
    proposal: str | None = None                         # a digest the user confirms to apply what was listed

    def say(self, *lines: str) -> "Outcome":
        self.lines.extend(lines)
        return self

    def worst(self, code: int) -> "Outcome":
        self.code = max(self.code, code)
        return self


Progress = Callable[[str], None]


@dataclass
class Context:
    """Where a use case runs: the register (through :meth:`open`), the moment, the user,
    progress, the shell's door and, on the ribbon, the selected rows."""

    door: Door
    register: Path | None                                # the register's file (None: an unsaved workbook)
    opener: Callable[[bool], object] | None = None      # write -> WorkbookAdapter
    now: dt.datetime = field(default_factory=dt.datetime.now)
    user: str = ""
    progress: Progress = lambda _text: None
    live: bool = False                                   # the workbook open in Excel (no file is written)
    destination: Path | None = None                      # where the staged output folder goes when whole

    def open(self, write: bool = False):
        """The register as a workbook adapter (refuses anything that is not a register)."""
        if self.opener is None:
            raise Refused("请先选择台账（职称评审台账 .xlsx 文件）。")
        return self.opener(write)


def parse_list(text: object) -> list[str]:
    """"1,3" / "2024-001，2024-005" / "附件1、附件3" as items."""
    return [p for p in re.split(r"[,，、;；\s]+", str(text or "").strip()) if p]


def digest(items: Sequence[str]) -> str:
    """A short digest of what a proposal lists (the user confirms exactly that)."""
    import hashlib

    return hashlib.sha256("\n".join(items).encode("utf-8")).hexdigest()[:12]


#: a variant's value that stands for the register the user has chosen (the page's selection,
#: the workbook open in Excel): e.g. 下一年度 takes last year's register from it
THE_REGISTER = "@register"


def with_values(usecase: "UseCase", variant: Variant, values: Mapping[str, object],
                register: Path | None = None) -> dict[str, object]:
    """The parameter values of a run: the defaults, what the user gave, the variant's fixed ones."""
    out = {p.key: p.default for p in usecase.params}
    out.update({k: v for k, v in values.items() if v is not None})
    for key, value in variant.values.items():
        if value == THE_REGISTER:
            if register is None:
                raise Refused(f"“{variant.label}”要用已选择的台账：请先选择台账。")
            value = str(register)
        out[key] = value
    return out


@dataclass(frozen=True)
class UseCase:
    """One thing a clerk can do, declared once for every shell."""

    name: str                                  # identifier: ribbon tag, page action
    command: tuple[str, ...]                   # command-line words, e.g. ("finance", "export")
    label: str                                 # the button (Chinese)
    summary: str                               # one line: command-line help, page tip
    description: str                           # command-line description, ribbon supertip
    #: run(ctx, **values) -> Outcome; None for a use case run elsewhere: 自检 in VBA, and
    #: those that use this table themselves (demo, build-addin, install-addin, launcher),
    #: which the command line binds (addin.cli.starters)
    run: Callable[..., Outcome] | None
    params: tuple[Param, ...] = ()
    register: str = "read"                     # none | read | write | optional
    output: str | None = None                  # output folder name (page, ribbon): "附件", "评审会" ...
    group: str = ""                            # the page's section and the ribbon's group
    icon: str = "HappyFace"                    # the ribbon's imageMso
    variants: tuple[Variant, ...] = ()
    doors: frozenset[str] = frozenset({"cli", "page", "ribbon"})
    why_not: str = ""                          # for a use case missing from a shell: why
    large: bool = False                        # the ribbon's large button

    def __post_init__(self):
        assert self.register in ("none", "read", "write", "optional")
        assert (self.doors == frozenset({"cli", "page", "ribbon"})) or self.why_not, self.name

    @property
    def buttons(self) -> tuple[Variant, ...]:
        return self.variants or (Variant("", self.label, {}, self.description, self.icon),)

    def buttons_for(self, door: str) -> tuple[Variant, ...]:
        """The buttons ``door`` shows (none when the use case is not for that shell)."""
        return tuple(b for b in self.buttons if door in b.doors) if door in self.doors else ()

    @property
    def writes(self) -> bool:
        return self.register == "write"

    def param(self, key: str) -> Param:
        return next(p for p in self.params if p.key == key)

    def variant(self, key: str) -> Variant:
        return next(v for v in self.buttons if v.key == key)

    def with_doors(self, *doors: str) -> "UseCase":
        return replace(self, doors=frozenset(doors))
