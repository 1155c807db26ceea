"""The declarations in a statement (MS-VBAL 5.2-5.3): procedure headers (Sub, Function,
Property, Declare) with their parameters, variable lists (Dim, Static, ReDim, module
variables), constants, and the declared type of a name.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexer import Tok
from .statements import matching, split_commas

SCOPES = ("public", "private", "friend", "global", "dim", "static")
PROC_WORDS = ("sub", "function", "property")


@dataclass
class Param:
    name: str
    type: str                 # lower case type name ("" when none)
    byval: bool
    byref: bool
    optional: bool


def parse_params(tokens: list[Tok]) -> list[tuple[Param, list[Tok]]]:
    """The parameters of a parameter list (without its parentheses), each with the tokens
    of its default value."""
    out = []
    if not tokens:
        return out
    for part in split_commas(tokens):
        byval = byref = optional = False
        i = 0
        while i < len(part) and part[i].low in ("optional", "byval", "byref", "paramarray"):
            byval |= part[i].low == "byval"
            byref |= part[i].low == "byref"
            optional |= part[i].low == "optional"
            i += 1
        if i >= len(part):
            out.append((Param("", "", byval, byref, optional), []))
            continue
        name = part[i].text
        i += 1
        array = False
        if i + 1 < len(part) and part[i].text == "(" and part[i + 1].text == ")":
            i += 2
            array = True
        type_tokens: list[Tok] = []
        if i < len(part) and part[i].low == "as":
            i += 1
            while i < len(part) and part[i].text != "=":
                type_tokens.append(part[i])
                i += 1
        type_ = ARRAY if array else (declared_type(name, type_tokens) if type_tokens or name[-1:] in SUFFIX_TYPES
                                     else "")
        default = part[i + 1:] if i < len(part) and part[i].text == "=" else []
        out.append((Param(name, type_, byval, byref, optional), default))
    return out


#: the declared type of a TYPED-NAME (MS-VBAL 3.3.5.3)
SUFFIX_TYPES = {"$": "string", "%": "integer", "&": "long", "^": "longlong", "!": "single", "#": "double",
                "@": "currency"}
INTRINSIC_TYPES = frozenset("""
    boolean byte currency date decimal double integer long longlong longptr single string variant
""".split())
ARRAY = "()"                          # the type of an array variable: not compared


def declared_type(name: str, as_tokens: list[Tok]) -> str:
    """The lower-case type of a declaration: its As clause (last part of a dotted name,
    without New), its type suffix, or variant."""
    words = [t.text for t in as_tokens if t.low != "new"]
    if words:
        return "".join(words).lower().split(".")[-1].split("*")[0]
    return SUFFIX_TYPES.get(name[-1:], "variant")


def parse_variables(tokens: list[Tok]) -> list[tuple[str, list[Tok], str]]:
    """Names declared by a Dim/Static/Private/Public variable list or a ReDim, with the
    tokens of their bounds (references) and their type."""
    out = []
    for part in split_commas(tokens):
        i = 0
        while i < len(part) and part[i].low in ("withevents", "preserve", "shared"):
            i += 1
        if i >= len(part):
            continue
        name = part[i].text
        refs: list[Tok] = []
        j = i + 1
        array = False
        if j < len(part) and part[j].text == "(":
            end = matching(part, j)
            refs = part[j + 1:end]
            j = end + 1
            array = True
        as_tokens = part[j + 1:] if j < len(part) and part[j].low == "as" else []
        out.append((name, refs, ARRAY if array else declared_type(name, as_tokens)))
    return out


def parse_consts(tokens: list[Tok]) -> list[tuple[str, list[Tok]]]:
    out = []
    for part in split_commas(tokens):
        if not part:
            continue
        eq = next((n for n, t in enumerate(part) if t.text == "="), len(part))
        out.append((part[0].text, part[eq + 1:]))
    return out


@dataclass
class ProcHeader:
    kind: str                  # sub / function / property / declare
    name: str
    public: bool
    params: list[tuple[Param, list[Tok]]]
    has_as: bool


def proc_header(stmt: list[Tok]) -> ProcHeader | None:
    """The header of a Sub/Function/Property or a Declare, or None."""
    i = 0
    public = True
    while i < len(stmt) and stmt[i].low in ("public", "private", "friend", "global", "static"):
        if stmt[i].low == "private":
            public = False
        i += 1
    if i >= len(stmt):
        return None
    kind = stmt[i].low
    if kind == "declare":
        i += 1
        if i < len(stmt) and stmt[i].low == "ptrsafe":
            i += 1
        if i >= len(stmt) or stmt[i].low not in ("sub", "function"):
            return None
        i += 1
        name = stmt[i].text if i < len(stmt) else ""
        open_at = next((n for n in range(i, len(stmt)) if stmt[n].text == "("), None)
        params = parse_params(stmt[open_at + 1:matching(stmt, open_at)]) if open_at is not None else []
        return ProcHeader("declare", name, public, params, False)
    if kind not in PROC_WORDS:
        return None
    i += 1
    if kind == "property":
        if i >= len(stmt) or stmt[i].low not in ("get", "let", "set"):
            return None
        i += 1
    if i >= len(stmt):
        return ProcHeader(kind, "", public, [], False)
    name = stmt[i].text
    i += 1
    params = []
    if i < len(stmt) and stmt[i].text == "(":
        end = matching(stmt, i)
        params = parse_params(stmt[i + 1:end])
        i = end + 1
    has_as = i < len(stmt) and stmt[i].low == "as"
    return ProcHeader(kind, name, public, params, has_as)
