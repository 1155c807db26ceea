"""VBA source read as the VBE reads it (issue 21, A.2): physical and logical lines,
tokens, conditional compilation, statements and the declarations in them. Written from
[MS-VBAL] (3.2 lines, 3.3 tokens, 3.4 conditional compilation, 5.2-5.4 declarations and
statements) for :mod:`addin.excel.vbacheck`, which holds the checks. Problems found while
reading (a line too long, a continuation in a comment, an unclosed string, an unbalanced
#If) go to the :class:`Report` as findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from . import vbalang

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


@dataclass
class Param:
    name: str
    type: str                 # lower case type name ("" when none)
    byval: bool
    byref: bool
    optional: bool


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


# --- conditional compilation (MS-VBAL 3.4) ---------------------------------------------------------

class _CCError(ValueError):
    pass


def _cc_tokens(text: str) -> list[Tok]:
    tokens, problem = tokenize(text)
    if problem:
        raise _CCError(problem)
    return tokens


def _cc_value(tokens: list[Tok], consts: dict[str, object]) -> object:
    pos = 0

    def peek() -> str:
        return tokens[pos].low if pos < len(tokens) else ""

    def take() -> Tok:
        nonlocal pos
        if pos >= len(tokens):
            raise _CCError("incomplete #If expression")
        pos += 1
        return tokens[pos - 1]

    def atom() -> object:
        t = take()
        if t.text == "(":
            value = or_expr()
            if take().text != ")":
                raise _CCError("')' expected")
            return value
        if t.low == "not":
            return not _truth(atom())
        if t.low == "-":
            return -_number(atom())
        if t.kind == "str":
            return t.text[1:-1].replace('""', '"')
        if t.kind == "num":
            return float(re.sub(r"[%&^!#@]$", "", t.text)) if not t.text.startswith("&") else int(t.text[2:].rstrip("&"), 16)
        if t.kind == "id":
            if t.low in ("true", "false"):
                return t.low == "true"
            return consts.get(t.name)          # an undefined constant is Empty
        raise _CCError(f"unexpected {t.text!r} in #If expression")

    def comparison() -> object:
        left = atom()
        while peek() in ("=", "<>", "<", ">", "<=", ">="):
            op = take().text
            right = atom()
            left = _compare(left, op, right)
        return left

    def and_expr() -> object:
        left = comparison()
        while peek() == "and":
            take()
            right = comparison()
            left = _truth(left) and _truth(right)
        return left

    def or_expr() -> object:
        left = and_expr()
        while peek() in ("or", "xor"):
            op = take().low
            right = and_expr()
            left = (_truth(left) or _truth(right)) if op == "or" else (_truth(left) != _truth(right))
        return left

    value = or_expr()
    if pos != len(tokens):
        raise _CCError(f"unexpected {tokens[pos].text!r} in #If expression")
    return value


def _number(v: object) -> float:
    if v is None:
        return 0.0
    if isinstance(v, bool):
        return -1.0 if v else 0.0
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v))
    except ValueError as exc:
        raise _CCError(f"type mismatch: {v!r}") from exc


def _truth(v: object) -> bool:
    return _number(v) != 0


def _compare(a: object, op: str, b: object) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        x, y = ("" if a is None else str(a)), ("" if b is None else str(b))
    else:
        x, y = _number(a), _number(b)
    return {"=": x == y, "<>": x != y, "<": x < y, ">": x > y, "<=": x <= y, ">=": x >= y}[op]


def preprocess(module: str, lines: list[Line], consts: dict[str, object], report: Report) -> list[Line]:
    """The included logical lines for one set of compiler constants."""
    consts = dict(consts)
    out: list[Line] = []
    # stack of [including?, any branch taken?, parent including?]
    stack: list[list[bool]] = []
    including = True
    for line in lines:
        if not line.directive:
            if including:
                out.append(line)
            continue
        text = re.sub(r"'.*$", "", line.text[1:]).strip() if '"' not in line.text else _strip_cc_comment(line.text[1:])
        word = text.split(None, 1)[0].lower() if text else ""
        rest = text[len(word):].strip()
        try:
            if word == "const":
                m = re.fullmatch(r"([A-Za-z]\w*)[%&^!#@$]?\s*=\s*(.+)", rest)
                if not m:
                    raise _CCError("#Const name = expression expected")
                if including:
                    consts[m.group(1).lower()] = _cc_value(_cc_tokens(m.group(2)), consts)
            elif word == "if":
                cond = _then(rest)
                value = _truth(_cc_value(_cc_tokens(cond), consts)) if including else False
                stack.append([including and value, value, including])
                including = including and value
            elif word == "elseif":
                if not stack:
                    raise _CCError("#ElseIf without #If")
                top = stack[-1]
                value = _truth(_cc_value(_cc_tokens(_then(rest)), consts)) if top[2] else False
                top[0] = top[2] and not top[1] and value
                top[1] = top[1] or value
                including = top[0]
            elif word == "else":
                if not stack:
                    raise _CCError("#Else without #If")
                top = stack[-1]
                top[0] = top[2] and not top[1]
                top[1] = True
                including = top[0]
            elif word in ("endif", "end") and (word == "endif" or rest.lower() == "if"):
                if not stack:
                    raise _CCError("#End If without #If")
                including = stack.pop()[2]
            else:
                raise _CCError(f"unknown directive #{word}")
        except _CCError as exc:
            report.add(module, line.number, str(exc))
    if stack:
        report.add(module, lines[-1].number if lines else 1, "#If without #End If")
    return out


def _strip_cc_comment(text: str) -> str:
    in_string = False
    for i, ch in enumerate(text):
        if ch == '"':
            in_string = not in_string
        elif ch == "'" and not in_string:
            return text[:i].strip()
    return text.strip()


def _then(rest: str) -> str:
    m = re.fullmatch(r"(.+?)\s+then", rest, re.I | re.S)
    if not m:
        raise _CCError("#If ... Then expected")
    return m.group(1)


# --- statements -------------------------------------------------------------------------------

#: reserved words that begin a statement (``Stop: x = 1``, ``Else: ...``): never a label
STATEMENT_STARTS = frozenset(w.lower() for w in vbalang.STATEMENT_KEYWORDS + vbalang.MARKER_KEYWORDS
                              + vbalang.REM_KEYWORD)


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


def is_single_line_if(tokens: list[Tok]) -> bool:
    depth = 0
    for n, t in enumerate(tokens):
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and t.low == "then":
            return n + 1 < len(tokens)
    return False


def single_line_if_parts(stmt: list[Tok]) -> tuple[list[Tok], list[list[Tok]]]:
    """(condition, the statements of its Then and Else parts)."""
    depth, then_at = 0, None
    for n, t in enumerate(stmt):
        if t.text == "(":
            depth += 1
        elif t.text == ")":
            depth -= 1
        elif depth == 0 and t.low == "then":
            then_at = n
            break
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


# --- declarations -------------------------------------------------------------------------------

SCOPES = ("public", "private", "friend", "global", "dim", "static")
PROC_WORDS = ("sub", "function", "property")


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
