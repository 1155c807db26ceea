"""Statements inside a procedure (MS-VBAL 5.4): the blocks (If/ElseIf/Else/End If in block
and single-line forms, For [Each]/Next with the right control variable, Do/Loop,
While/Wend, Select Case/Case/End Select, With/End With), ``Exit X`` only inside an X, the
targets of GoTo / GoSub / On ... GoTo / Resume, and the procedure's local declarations
(each name an IDENTIFIER, none declared twice).
"""

from __future__ import annotations

from . import lang
from .declarations import ARRAY, ProcHeader, parse_consts, parse_variables, proc_header
from .lexer import Tok
from .references import ReferenceChecker
from .statements import is_single_line_if, single_line_if_parts, split_commas


class BlockChecker(ReferenceChecker):
    """The statements of one module's procedures, under one configuration."""

    def _name(self, text: str, line: int) -> None:
        if text.startswith("["):
            return
        problem = lang.identifier_problem(text.rstrip("%&^!#@$"))
        if problem:
            self.add(line, f"declared name: {problem}")

    def _declare_local(self, locals_: dict[str, int], name: str, n: int, proc: ProcHeader | None,
                       type_: str = "") -> None:
        self._name(name, n)
        key = name.rstrip("%&^!#@$").lower()
        if key in locals_:
            self.add(n, f"{name} declared twice in {proc.name if proc else 'this procedure'} (line {locals_[key]})")
        locals_[key] = n
        self.local_types[key] = type_

    # statements inside a procedure
    def _statement(self, stmt: list[Tok], n: int, stack: list[tuple[str, int, str]], locals_: dict[str, int],
                   jumps: list[tuple[str, int]], proc: ProcHeader) -> None:
        low = stmt[0].low
        second = stmt[1].low if len(stmt) > 1 else ""

        def opened(kind: str, extra: str = "") -> None:
            stack.append((kind, n, extra))

        def close(kind: str, what: str) -> tuple[str, int, str] | None:
            if not stack or stack[-1][0] != kind:
                inner = f" (open: {stack[-1][0]} of line {stack[-1][1]})" if stack else ""
                self.add(n, f"{what} without {kind}{inner}")
                return None
            return stack.pop()

        if low == "if":
            if is_single_line_if(stmt):
                cond, parts = single_line_if_parts(stmt)
                self._refs(cond, n, locals_, proc)
                for part in parts:
                    if part and part[0].low in ("if", "for", "do", "while", "select", "with") and \
                            not (part[0].low == "if" and is_single_line_if(part)):
                        self.add(n, f"a block {part[0].text} cannot be inside a single-line If")
                    self._statement(part, n, stack, locals_, jumps, proc)
                return
            if not stmt or stmt[-1].low != "then":
                self.add(n, "If without Then")
            opened("If")
            self._refs(stmt[1:-1], n, locals_, proc)
            return
        if low == "elseif":
            if not stack or stack[-1][0] != "If":
                self.add(n, "ElseIf without If")
            if stmt[-1].low != "then":
                self.add(n, "ElseIf without Then")
            self._refs(stmt[1:-1], n, locals_, proc)
            return
        if low == "else":
            if not stack or stack[-1][0] != "If":
                self.add(n, "Else without If")
            if len(stmt) > 1:
                self._statement(stmt[1:], n, stack, locals_, jumps, proc)
            return
        if low == "endif" or (low == "end" and second == "if"):
            close("If", "End If")
            return
        if low == "for":
            if second == "each":
                var = stmt[2] if len(stmt) > 2 else None
                in_at = next((k for k, t in enumerate(stmt) if t.low == "in"), None)
                if in_at is None:
                    self.add(n, "For Each without In")
                self._refs(stmt[2:3] + (stmt[in_at + 1:] if in_at else []), n, locals_, proc)
            else:
                var = stmt[1] if len(stmt) > 1 else None
                if not any(t.low == "to" for t in stmt):
                    self.add(n, "For without To")
                self._refs([t for t in stmt[1:] if t.low not in ("to", "step")], n, locals_, proc)
            opened("For", var.name if var else "")
            return
        if low == "next":
            names = [p[0].name for p in split_commas(stmt[1:]) if p] or [""]
            for name in names:
                top = close("For", "Next")
                if top and name and top[2] and name != top[2]:
                    self.add(n, f"Next {name} closes For {top[2]}")
            return
        if low == "do":
            opened("Do")
            self._refs([t for t in stmt[1:] if t.low not in ("while", "until")], n, locals_, proc)
            return
        if low == "loop":
            close("Do", "Loop")
            self._refs([t for t in stmt[1:] if t.low not in ("while", "until")], n, locals_, proc)
            return
        if low == "while":
            opened("While")
            self._refs(stmt[1:], n, locals_, proc)
            return
        if low == "wend":
            close("While", "Wend")
            return
        if low == "select":
            if second != "case":
                self.add(n, "Select without Case")
            opened("Select")
            self._refs(stmt[2:], n, locals_, proc)
            return
        if low == "case":
            if not stack or stack[-1][0] != "Select":
                self.add(n, "Case without Select Case")
            self._refs([t for t in stmt[1:] if t.low not in ("else", "is", "to")], n, locals_, proc)
            return
        if low == "with":
            opened("With")
            self._refs(stmt[1:], n, locals_, proc)
            return
        if low == "end" and second in ("select", "with"):
            close("Select" if second == "select" else "With", f"End {stmt[1].text}")
            return
        if low == "end" and second in ("type", "enum"):
            self.add(n, f"End {stmt[1].text} inside a procedure")
            return
        if low == "exit":
            target = {"sub": "sub", "function": "function", "property": "property", "for": "For", "do": "Do"}.get(second)
            if target is None:
                self.add(n, "Exit Sub/Function/Property/For/Do expected")
            elif target in ("sub", "function", "property"):
                if target != proc.kind:
                    self.add(n, f"Exit {stmt[1].text} inside {proc.kind.title()} {proc.name}")
            elif not any(k == target for k, _, _ in stack):
                self.add(n, f"Exit {stmt[1].text} outside a {target} loop")
            return
        if low in ("goto", "gosub"):
            if len(stmt) > 1:
                jumps.append((stmt[1].name, n))
            return
        if low == "on":
            # On Error GoTo label / 0 / -1, On Error Resume Next, On x GoTo a, b
            go = next((k for k, t in enumerate(stmt) if t.low in ("goto", "gosub")), None)
            if second == "error":
                if go is not None and len(stmt) > go + 1 and stmt[go + 1].kind == "id":
                    jumps.append((stmt[go + 1].name, n))
            elif go is not None:
                self._refs(stmt[1:go], n, locals_, proc)
                for part in split_commas(stmt[go + 1:]):
                    if part and part[0].kind == "id":
                        jumps.append((part[0].name, n))
            return
        if low == "resume":
            if len(stmt) > 1 and stmt[1].kind == "id" and stmt[1].low != "next":
                jumps.append((stmt[1].name, n))
            return
        if low in ("dim", "static"):
            if second == "const":
                self._consts(stmt[2:], n, locals_, proc)
                return
            for name, refs, type_ in parse_variables(stmt[1:]):
                self._declare_local(locals_, name, n, proc, type_)
                self._refs(refs, n, locals_, proc)
            return
        if low == "const":
            self._consts(stmt[1:], n, locals_, proc)
            return
        if low == "redim":
            for name, refs, _ in parse_variables(stmt[1:]):
                key = name.rstrip("%&^!#@$").lower()
                if key not in locals_ and self.info.member(key) is None:
                    self._declare_local(locals_, name, n, proc, ARRAY)
                self._refs(refs, n, locals_, proc)
            return
        if low in ("public", "private", "global", "friend") or proc_header(stmt):
            self.add(n, f"{stmt[0].text} declaration inside a procedure")
            return
        if low in ("option", "declare", "type", "enum", "implements", "event"):
            self.add(n, f"{stmt[0].text} inside a procedure")
            return
        if low == "end" and len(stmt) == 1:
            return                                   # the End statement
        if low == "end":
            self.add(n, f"End {stmt[1].text} not expected here")
            return
        if low in ("loop", "wend", "next"):
            return
        if low == "call":
            self._call(stmt[1:], n, locals_, proc, statement=True)
            return
        if low in ("set", "let", "lset", "rset"):
            self._refs(stmt[1:], n, locals_, proc)
            return
        if low in ("open", "close", "input", "print", "write", "get", "put", "lock", "unlock", "seek", "width",
                   "name", "erase", "raiseevent", "line", "stop", "debug", "error", "randomize", "return"):
            self._refs(stmt[1:] if low not in ("debug",) else stmt, n, locals_, proc)
            return
        self._call(stmt, n, locals_, proc, statement=True)

    def _consts(self, tokens: list[Tok], n: int, locals_: dict[str, int], proc: ProcHeader) -> None:
        for name, refs in parse_consts(tokens):
            self._declare_local(locals_, name, n, proc)
            self._refs(refs, n, locals_, proc)

