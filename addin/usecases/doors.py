"""The doors: how each shell names things, made from the table of use cases — the command
line's (:data:`CLI`: commands and options, as the use cases write them) and the page's
and the ribbon's (:class:`ButtonDoor`: buttons and fields). A :class:`~.spec.Context`
carries its shell's door; the use cases only call :meth:`render` and :meth:`action`.
"""

from __future__ import annotations

import re

from .spec import UseCase
from .table import TABLE, by_command, by_name


class CliDoor:
    """The command line: use cases write their messages in its words (``zhicheng check``,
    ``--start``), so :meth:`render` gives them as they are."""

    name = "cli"

    def render(self, text: str, usecase: "UseCase | None" = None) -> str:
        return text

    def action(self, name: str) -> str:
        """How this shell names use case ``name`` in a sentence."""
        return "zhicheng " + " ".join(by_name(name).command)


class ButtonDoor(CliDoor):
    """The page and the ribbon: commands are buttons, options are fields."""

    COMMAND = re.compile(r" ?(?:命令行\s*)?zhicheng ([a-z][a-z-]*(?: (?:export|import))?)"
                         r"((?: (?:--?[a-z][\w-]*|[^\s，。；：、）（“”]*[./\\][^\s，。；：、）（“”]*))*) ?")
    OPTION = re.compile(r" ?(?<![\w-])--([a-z][a-z-]*)(?: 原因)? ?")

    def __init__(self, name: str):
        self.name = name

    def action(self, name: str) -> str:
        return f"“{by_name(name).label}”"

    def render(self, text: str, usecase: "UseCase | None" = None) -> str:
        def command(m: re.Match) -> str:
            uc = by_command(m.group(1))
            return f"“{uc.label}”" if uc else m.group(0)

        def option(m: re.Match) -> str:
            flag = "--" + m.group(1)
            for uc in ([usecase] if usecase else []) + list(TABLE):
                p = next((p for p in uc.params if p.flag == flag), None)
                if p is not None:
                    return f"“{p.label}”"
            return m.group(0)

        return self.OPTION.sub(option, self.COMMAND.sub(command, text))


CLI = CliDoor()
