"""The subcommands, made from the table of use cases (:data:`addin.usecases.TABLE`).

Each use case for the command line becomes a subcommand named by its ``command`` words
(two words: a parent command with its own subcommands, e.g. ``finance export``), each
parameter an argument: positional when ``Param.flag`` is None, an option otherwise, a
switch for a ``flag`` parameter. Nothing here decides anything: the handler hands the
arguments, as typed, to :func:`addin.usecases.run` and prints the :class:`Outcome`.

The 台账工具 page runs these same commands in a child process with ``ZHICHENG_DOOR=page``:
the use case then writes its messages in the page's words (buttons and fields instead of
commands and options).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..usecases import CLI, PARENTS, REFUSED, ButtonDoor, Door, UseCase, for_door, run
from .base import Parser, err
from .starters import bound

#: the environment variable with which the page asks for its own words
DOOR_VARIABLE = "ZHICHENG_DOOR"


def door() -> Door:
    return ButtonDoor("page") if os.environ.get(DOOR_VARIABLE) == "page" else CLI


def _progress():
    from ..outputs.progress import TerminalProgress

    return TerminalProgress()


def _handler(usecase: UseCase):
    def handle(args: argparse.Namespace) -> int:
        from ..usecases.common import file_context

        raw = {p.key: getattr(args, p.key, None) for p in usecase.params if "cli" in p.doors}
        bar = _progress()
        ctx = file_context(None, door(), progress=bar)
        try:
            outcome = run(bound(usecase), raw, ctx)
        finally:
            bar.close()
        if outcome.code == REFUSED:
            for line in outcome.lines:
                err(line)
            return outcome.code
        if getattr(args, "json", False) and outcome.json is not None:
            print(json.dumps(outcome.json, ensure_ascii=False, indent=2))
        else:
            for line in outcome.lines:
                print(line)
        sys.stdout.flush()
        return outcome.code
    return handle


def _add(parser: argparse.ArgumentParser, usecase: UseCase) -> None:
    for p in usecase.params:
        if "cli" not in p.doors:
            continue
        shown = argparse.SUPPRESS if p.hidden else p.help
        if p.flag is None:
            nargs = None if (p.required or p.cli_required) else "?"
            parser.add_argument(p.key, metavar=p.metavar or p.label, help=shown, nargs=nargs)
        elif p.kind == "flag":
            parser.add_argument(p.flag, dest=p.key, action="store_true", help=shown)
        else:
            parser.add_argument(p.flag, dest=p.key, metavar=p.metavar or p.label, help=shown,
                                required=p.required or p.cli_required)
    parser.set_defaults(handler=_handler(usecase), writes=usecase.writes)


def register(sub) -> None:
    """Every use case of the command line, as a subcommand of ``sub``."""
    parents: dict[str, argparse._SubParsersAction] = {}
    for usecase in for_door("cli"):
        first, *rest = usecase.command
        if not rest:
            _add(sub.add_parser(first, help=usecase.summary, description=usecase.description), usecase)
            continue
        if first not in parents:
            summary, description = PARENTS[first]
            parent = sub.add_parser(first, help=summary, description=description)
            parents[first] = parent.add_subparsers(dest="action", metavar="操作", title="操作", required=True,
                                                   parser_class=Parser)
        _add(parents[first].add_parser(rest[0], help=usecase.summary, description=usecase.description), usecase)
