"""VBA source read as the VBE reads it, first step (MS-VBAL 3.2 lines, 3.3 tokens): physical
lines joined into logical lines at their continuations, and the tokens of each. Problems
found while reading (a line too long, a continuation in a comment, an unclosed string) go to
the :class:`Report` as :class:`Finding` values; the checks of :mod:`addin.excel.vba.check`
add theirs to the same report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

MAX_LINE = 1023                     # VBA's limit for one physical line
MAX_CONTINUATIONS = 24              # "Too many line continuations"


_TOKEN = re.compile(r"""
    (?P<ws>[ \t]+)
  | (?P<comment>'.*)
  | (?P<str>"(?:[^"]|"")*"?)
  | (?P<date>\#[0-9/\-:.,\ ]+(?:\ ?[AaPp][Mm])?\#)
  | (?P<num>&[Hh][0-9A-Fa-f]+&?|&[Oo][0-7]+&?|(?:\d+\.?\d*|\.\d+)(?:[EeDd][+-]?\d+)?[%&^!\#@]?)
  | (?P<id>[A-Za-z][A-Za-z0-9_]*[%&^!\#@$]?)
  | (?P<foreign>\[[^\]]+\])
  | (?P<op>:=|<=|>=|<>|[=<>+\-*/\\^&(),.;:!\#])
""", re.X)


@dataclass(frozen=True)
class Finding:
    """One thing the VBE would refuse: module, physical line (1-based), message."""

    module: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.module}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Tok:
    kind: str                 # id, str, num, date, op, foreign
    text: str

    @property
    def low(self) -> str:
        return self.text.lower()

    @property
    def name(self) -> str:
        """An identifier without its type suffix, lower case."""
        return self.text.rstrip("%&^!#@$").lower()


@dataclass
class Line:
    number: int               # the first physical line
    text: str                 # the logical line, continuations joined
    tokens: list[Tok]
    directive: bool = False   # a #If / #Const ... line


class Report:
    def __init__(self) -> None:
        self.findings: dict[tuple[str, int, str], None] = {}

    def add(self, module: str, line: int, message: str) -> None:
        self.findings.setdefault((module, line, message), None)

    def sorted(self, order: Sequence[str]) -> list[Finding]:
        rank = {m: i for i, m in enumerate(order)}
        return [Finding(*k) for k in sorted(self.findings, key=lambda k: (rank.get(k[0], 99), k[1], k[2]))]


# --- lines and tokens -------------------------------------------------------------------------

def tokenize(text: str) -> tuple[list[Tok], str | None]:
    """Tokens of a logical line without its comment, and a problem (or None)."""
    out: list[Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            return out, f"unexpected character {text[pos]!r}"
        kind = m.lastgroup
        value = m.group()
        pos = m.end()
        if kind in ("ws",):
            continue
        if kind == "comment":
            break
        if kind == "str" and not re.fullmatch(r'"(?:[^"]|"")*"', value):
            return out, "string literal not closed"
        out.append(Tok(kind, value))
    return out, None


def logical_lines(module: str, source: str, report: Report) -> list[Line]:
    """Physical lines joined at continuations, with the checks of physical lines."""
    physical = source.replace("\r\n", "\n").split("\n")
    if physical and physical[-1] == "":
        physical.pop()
    lines: list[Line] = []
    i = 0
    while i < len(physical):
        start = i
        parts = []
        continuations = 0
        while True:
            raw = physical[i]
            if len(raw) > MAX_LINE:
                report.add(module, i + 1, f"line longer than {MAX_LINE} characters ({len(raw)})")
            body, continued, in_comment = _continuation(raw)
            if continued and in_comment:
                report.add(module, i + 1, "a comment ends in ' _': VBA joins the next line to the comment")
            if not continued:
                parts.append(raw)
                break
            parts.append(body)
            continuations += 1
            i += 1
            if i >= len(physical):
                report.add(module, i, "line continuation on the last line of the module")
                break
            if not physical[i].strip():
                report.add(module, i + 1, "line continuation followed by an empty line")
        if continuations > MAX_CONTINUATIONS:
            report.add(module, start + 1, f"more than {MAX_CONTINUATIONS} line continuations in one statement")
        text = " ".join(p.strip() if n else p.rstrip() for n, p in enumerate(parts))
        stripped = text.strip()
        directive = stripped.startswith("#")
        tokens, problem = ([], None) if directive else tokenize(text)
        if problem:
            report.add(module, start + 1, problem)
        lines.append(Line(start + 1, stripped, tokens, directive))
        i += 1
    return lines


def _continuation(raw: str) -> tuple[str, bool, bool]:
    """(the line without its continuation, whether it continues, whether the continuation
    is inside a comment)."""
    stripped = raw.rstrip(" \t")
    if not (stripped.endswith(" _") or stripped.endswith("\t_")) and stripped != "_":
        return raw, False, False
    body = stripped[:-1]
    in_string = False
    for ch_index, ch in enumerate(body):
        if ch == '"':
            in_string = not in_string
        elif ch == "'" and not in_string:
            return body, True, True
    if re.match(r"\s*rem\b", body, re.I):
        return body, True, True
    return body, True, False


