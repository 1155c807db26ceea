"""Conditional compilation (MS-VBAL 3.4): ``#Const`` and ``#If``/``#ElseIf``/``#Else``/
``#End If`` evaluated for one set of compiler constants, giving the logical lines the VBE
compiles. A malformed directive or an unbalanced ``#If`` is a finding.
"""

from __future__ import annotations

import re

from .lexer import Line, Report, Tok, tokenize


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

