"""The statements of a logical line (MS-VBAL 5.4): split at ``:``, labels, single-line
``If``, and the comma lists and parentheses inside a statement.
"""

from __future__ import annotations

import re

from . import lang
from .lexer import Tok


#: reserved words that begin a statement (``Stop: x = 1``, ``Else: ...``): never a label
STATEMENT_STARTS = frozenset(w.lower() for w in lang.STATEMENT_KEYWORDS + lang.MARKER_KEYWORDS
                              + lang.REM_KEYWORD)


def split_statements(tokens: list[Tok]) -> list[list[Tok]]:
    """A logical line's statements (``:``-separated). A label comes out as one statement
    ``[name, ':']``; a single-line If stays one statement."""
    out: list[list[Tok]] = []
    i = 0
    if len(tokens) >= 2 and tokens[0].kind == "id" and tokens[1].text == ":" and \
            tokens[0].name not in STATEMENT_STARTS:
        out.append(tokens[:2])
        i = 2
    elif tokens and tokens[0].kind == "num" and re.fullmatch(r"\d+", tokens[0].text):
        out.append(tokens[:1] + [Tok("op", ":")])
        i = 1
        if i < len(tokens) and tokens[i].text == ":":
            i += 1
    current: list[Tok] = []
    while i < len(tokens):
        t = tokens[i]
        if not current and t.low == "if" and is_single_line_if(tokens[i:]):
            out.append(tokens[i:])
            return out
        if t.text == ":":
            if current:
                out.append(current)
            current = []
        else:
            current.append(t)
        i += 1
    if current:
        out.append(current)
    return out


def _then_at(tokens: list[Tok]) -> int | None:
    """Where the If's ``Then`` is: the first outside parentheses."""
    depth = 0
    for n, t in enumerate(tokens):
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and t.low == "then":
            return n
    return None


def is_single_line_if(tokens: list[Tok]) -> bool:
    then_at = _then_at(tokens)
    return then_at is not None and then_at + 1 < len(tokens)


def single_line_if_parts(stmt: list[Tok]) -> tuple[list[Tok], list[list[Tok]]]:
    """(condition, the statements of its Then and Else parts)."""
    then_at = _then_at(stmt)
    assert then_at is not None
    parts: list[list[Tok]] = []
    current: list[Tok] = []
    for t in stmt[then_at + 1:]:
        if t.text == ":" or t.low == "else":
            if current:
                parts.append(current)
            current = []
        else:
            current.append(t)
    if current:
        parts.append(current)
    return stmt[1:then_at], parts


def split_commas(tokens: list[Tok]) -> list[list[Tok]]:
    out, current, depth = [], [], 0
    for t in tokens:
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        if t.text == "," and depth == 0:
            out.append(current)
            current = []
        else:
            current.append(t)
    out.append(current)
    return out


def matching(tokens: list[Tok], start: int) -> int:
    """Index of the ')' matching the '(' at ``start`` (len(tokens) if none)."""
    depth = 0
    for n in range(start, len(tokens)):
        if tokens[n].text == "(":
            depth += 1
        elif tokens[n].text == ")":
            depth -= 1
            if depth == 0:
                return n
    return len(tokens)


