"""A compile check of the add-in's VBA, on Linux: what the VBE would refuse, found before
the add-in ships (issue 21, A.1-A.2).

Nothing here can run Excel, and no VBA parser is published on PyPI, so this is a small
checker of its own, written from [MS-VBAL] (the VBA language specification) and kept to
what it can decide for sure. It reads every module of the project (ours, the generated
ones and xlwings' module) as the VBE reads them (:mod:`addin.excel.vbasyntax`) and checks:

- physical lines: at most 1023 characters; a line continuation (`` _``) must be followed
  by a line, at most 24 per logical line, never at the end of a comment (VBA would make
  the next line part of the comment);
- conditional compilation (3.4): ``#If``/``#ElseIf``/``#Else``/``#End If`` balanced; the
  rest is checked once per Windows Excel (:data:`CONFIGURATIONS`: 64-bit and 32-bit
  VBA7, VBA6), with ``#Const`` and the compiler constants evaluated, as the VBE compiles
  only the included lines;
- every declared name (procedures, Declare, parameters, Dim/Static/ReDim/Const, module
  variables, Type and Enum names and members, labels) is an IDENTIFIER: a Latin
  identifier that is not one of MS-VBAL 3.3.5.2's reserved identifiers
  (:mod:`addin.excel.vbalang`); checked on every line, included or not;
- blocks: Sub/Function/Property ... End, If/ElseIf/Else/End If (block and single-line
  forms), For [Each]/Next (with the right control variable), Do/Loop, While/Wend,
  Select Case/Case/End Select, With/End With, Type/End Type, Enum/End Enum; ``Exit X``
  only inside an X; no procedure inside another; only declarations before the first
  procedure and none after it;
- GoTo / GoSub / On Error GoTo / Resume targets are labels of the same procedure, each
  label defined once; no name declared twice in one procedure or module;
- references: ``Module.Member`` where Module is a standard module of the project names
  a member it has, public unless called from inside; every procedure called (as a
  statement or with parentheses) is declared somewhere the caller can see it or belongs
  to the VBA library / Excel's global object (:data:`~addin.excel.vbalang.VBA_LIBRARY`,
  :data:`~addin.excel.vbalang.EXCEL_GLOBALS`); in modules with ``Option Explicit`` every
  bare name too ("Variable not defined"); a public name defined in two standard modules;
- object modules (ThisWorkbook, sheets) declare no Public Const, Declare or Type;
- ribbon callbacks: each callback attribute of the ribbon XML names a public Sub of a
  standard module with the signature Office calls it with (``onAction`` of a button:
  ``Sub X(control As IRibbonControl)``).

What it does not do: type checking (argument counts and types of calls, members of
objects other than our modules, ``Set`` for objects), expressions' operator syntax beyond
balanced parentheses, and the Mac branches of xlwings' module. README, "已验证与未验证",
says the same for the users of the check.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from . import vbalang
from .vbaproject import DOCUMENT, MODULE, Module
from .vbasyntax import (ARRAY, INTRINSIC_TYPES, PROC_WORDS, SCOPES, Finding, Line, Param, ProcHeader, Report, Tok,
                        is_single_line_if, logical_lines, matching, parse_consts, parse_variables, preprocess,
                        proc_header, single_line_if_parts, split_commas, split_statements)

#: the Windows Excels whose compiler constants the check evaluates #If with
CONFIGURATIONS: dict[str, dict[str, object]] = {
    "64-bit Office (VBA7, Win64)": {"vba6": True, "vba7": True, "win16": False, "win32": True, "win64": True,
                                    "mac": False},
    "32-bit Office 2010+ (VBA7)": {"vba6": True, "vba7": True, "win16": False, "win32": True, "win64": False,
                                   "mac": False},
    "Office 2007 or older (VBA6)": {"vba6": True, "vba7": False, "win16": False, "win32": True, "win64": False,
                                    "mac": False},
}

#: ribbon callback attribute -> (parameter types, index of a ByRef out parameter or None);
#: the signatures of "Customizing the Office Fluent Ribbon for Developers", part 3
CALLBACKS: dict[str, tuple[tuple[str, ...], int | None]] = {
    "onLoad": (("iribbonui",), None),
    "onAction": (("iribboncontrol",), None),
    "getLabel": (("iribboncontrol", ""), 1),
    "getScreentip": (("iribboncontrol", ""), 1),
    "getSupertip": (("iribboncontrol", ""), 1),
    "getEnabled": (("iribboncontrol", ""), 1),
    "getVisible": (("iribboncontrol", ""), 1),
    "getImage": (("iribboncontrol", ""), 1),
    "getKeytip": (("iribboncontrol", ""), 1),
    "getShowLabel": (("iribboncontrol", ""), 1),
    "getShowImage": (("iribboncontrol", ""), 1),
    "getSize": (("iribboncontrol", ""), 1),
    "getDescription": (("iribboncontrol", ""), 1),
}
#: onAction of a toggle button or check box passes the new state too
PRESSED_CONTROLS = {"toggleButton", "checkBox"}

#: words that have a meaning only inside one statement (Open ... For Output, Declare ...
#: Lib, Option Compare Text, For ... Step, On Error, Line Input...): not references
CONTEXTUAL = frozenset("""
    access alias append base binary compare error explicit lib line module object output property
    ptrsafe random read step text
""".split())

@dataclass
class Proc:
    module: str
    kind: str                 # sub, function, property, declare
    name: str                 # as written, without type suffix
    public: bool
    line: int
    params: list["Param"] = field(default_factory=list)


# --- the project's names ---------------------------------------------------------------------------

@dataclass
class ModuleInfo:
    name: str
    kind: str
    explicit: bool = False
    procs: dict[str, list[Proc]] = field(default_factory=dict)       # lower name -> procs (Property Get/Let/Set)
    variables: dict[str, bool] = field(default_factory=dict)         # lower name -> public
    var_types: dict[str, str] = field(default_factory=dict)          # lower name -> lower type
    constants: dict[str, bool] = field(default_factory=dict)
    types: dict[str, bool] = field(default_factory=dict)
    enum_members: dict[str, bool] = field(default_factory=dict)

    def member(self, low: str) -> bool | None:
        """Whether the module has member ``low``: True public, False private, None absent."""
        if low in self.procs:
            return any(p.public for p in self.procs[low])
        for table in (self.variables, self.constants, self.enum_members, self.types):
            if low in table:
                return table[low]
        return None


# --- the checker --------------------------------------------------------------------------------

class _ModuleChecker:
    """One module under one configuration."""

    def __init__(self, module: Module, lines: list[Line], project: dict[str, ModuleInfo], report: Report,
                 check_refs: bool) -> None:
        self.module = module
        self.lines = lines
        self.project = project
        self.info = project[module.name.lower()]
        self.report = report
        self.check_refs = check_refs
        self.local_types: dict[str, str] = {}

    def add(self, line: int, message: str) -> None:
        self.report.add(self.module.name, line, message)

    # pass 1: the module's own declarations (collected into ModuleInfo)
    def collect(self) -> None:
        info = self.info
        in_proc = False
        block: str | None = None          # type / enum at module level
        for line in self.lines:
            for stmt in split_statements(line.tokens):
                if not stmt:
                    continue
                low = stmt[0].low
                if block:
                    if low == "end" and len(stmt) > 1 and stmt[1].low == block:
                        block = None
                    elif block == "enum" and stmt[0].kind == "id":
                        info.enum_members[stmt[0].name] = True
                    continue
                if in_proc:
                    if low == "end" and len(stmt) > 1 and stmt[1].low in PROC_WORDS:
                        in_proc = False
                    continue
                if low == "option" and len(stmt) > 1 and stmt[1].low == "explicit":
                    info.explicit = True
                    continue
                header = proc_header(stmt)
                if header:
                    proc = Proc(self.module.name, header.kind, header.name.rstrip("%&^!#@$"), header.public,
                                line.number, [p for p, _ in header.params])
                    info.procs.setdefault(proc.name.lower(), []).append(proc)
                    in_proc = header.kind != "declare"
                    continue
                scope = low if low in SCOPES else None
                rest = stmt[1:] if scope else stmt
                public = scope in ("public", "global")
                if scope and rest and rest[0].low == "const" or low == "const":
                    for name, _ in parse_consts(rest[1:] if scope else stmt[1:]):
                        info.constants[name.rstrip("%&^!#@$").lower()] = public
                elif rest and rest[0].low in ("type", "enum"):
                    block = rest[0].low
                    if len(rest) > 1:
                        info.types[rest[1].name] = public or (scope is None and block == "enum")
                elif scope:
                    for name, _, type_ in parse_variables(rest):
                        info.variables[name.rstrip("%&^!#@$").lower()] = public
                        info.var_types[name.rstrip("%&^!#@$").lower()] = type_

    # pass 2: blocks, labels, references
    def check(self) -> None:
        stack: list[tuple[str, int, str]] = []       # (kind, line, extra: For variable)
        proc: ProcHeader | None = None
        proc_line = 0
        locals_: dict[str, int] = {}
        labels: dict[str, int] = {}
        jumps: list[tuple[str, int]] = []
        seen_proc = False
        block: str | None = None
        module_names: dict[str, int] = {}

        def close_proc(line_no: int) -> None:
            for target, at in jumps:
                if target not in labels:
                    self.add(at, f"GoTo/Resume target {target!r} is not a label of this procedure")
            for kind, at, _ in stack:
                self.add(at, f"{kind} without its end in {proc.name if proc else '?'}")

        for line in self.lines:
            statements = split_statements(line.tokens)
            for stmt in statements:
                if not stmt:
                    continue
                low = stmt[0].low
                n = line.number
                # module-level Type / Enum blocks
                if block:
                    if low == "end" and len(stmt) > 1 and stmt[1].low == block:
                        block = None
                    elif low in ("end",) or proc_header(stmt):
                        self.add(n, f"{block.title()} without End {block.title()}")
                        block = None
                    continue
                if len(stmt) == 2 and stmt[1].text == ":" and (stmt[0].kind == "id" or stmt[0].kind == "num"):
                    if proc is None:
                        self.add(n, f"label {stmt[0].text} outside a procedure")
                    elif stmt[0].name in labels:
                        self.add(n, f"label {stmt[0].text} defined twice in {proc.name}")
                    else:
                        labels[stmt[0].name] = n
                    continue
                header = proc_header(stmt)
                if header and header.kind != "declare":
                    if proc is not None:
                        self.add(n, f"{header.kind.title()} {header.name} inside {proc.name} (missing End?)")
                        close_proc(n)
                    if header.kind == "sub" and header.has_as:
                        self.add(n, f"Sub {header.name} cannot have an As type")
                    proc, proc_line, seen_proc = header, n, True
                    stack, locals_, labels, jumps = [], {}, {}, []
                    self.local_types = {}
                    for p, default in header.params:
                        self._declare_local(locals_, p.name, n, proc, p.type or "variant")
                        self._refs(default, n, locals_, proc)
                    continue
                if low == "end" and len(stmt) > 1 and stmt[1].low in PROC_WORDS:
                    if proc is None:
                        self.add(n, f"End {stmt[1].text} without {stmt[1].text}")
                    else:
                        if stmt[1].low != proc.kind:
                            self.add(n, f"End {stmt[1].text} closes {proc.kind.title()} {proc.name}")
                        close_proc(n)
                    proc = None
                    continue
                if proc is None:
                    self._module_statement(stmt, n, seen_proc, module_names)
                    if stmt[0].low in ("type", "enum") or (len(stmt) > 1 and stmt[0].low in SCOPES
                                                          and stmt[1].low in ("type", "enum")):
                        block = stmt[0].low if stmt[0].low in ("type", "enum") else stmt[1].low
                        self._type_block(line, block)
                    continue
                self._statement(stmt, n, stack, locals_, jumps, proc)
        if proc is not None:
            self.add(proc_line, f"{proc.kind.title()} {proc.name} without End {proc.kind.title()}")
            close_proc(proc_line)
        if block:
            self.add(self.lines[-1].number if self.lines else 1, f"{block.title()} without End {block.title()}")

    def _type_block(self, start: Line, kind: str) -> None:
        """Names of a Type/Enum block, checked as IDENTIFIERs (members of a Type may be
        reserved when they have an As clause, MS-VBAL 5.2.3.3)."""
        inside = False
        for line in self.lines:
            if line is start:
                inside = True
                stmt = split_statements(line.tokens)[0]
                name = stmt[1] if stmt[0].low in ("type", "enum") else (stmt[2] if len(stmt) > 2 else None)
                if name is not None:
                    self._name(name.text, line.number)
                continue
            if not inside:
                continue
            for stmt in split_statements(line.tokens):
                if stmt[0].low == "end":
                    return
                if kind == "type":
                    reserved_ok = len(stmt) > 1 and any(t.low == "as" for t in stmt)
                    if not (reserved_ok and vbalang.is_reserved(stmt[0].name)):
                        self._name(stmt[0].text, line.number)
                else:
                    self._name(stmt[0].text, line.number)

    def _name(self, text: str, line: int) -> None:
        if text.startswith("["):
            return
        problem = vbalang.identifier_problem(text.rstrip("%&^!#@$"))
        if problem:
            self.add(line, f"declared name: {problem}")

    def _module_statement(self, stmt: list[Tok], n: int, seen_proc: bool, names: dict[str, int]) -> None:
        low = stmt[0].low
        if low in ("attribute",):
            return
        if seen_proc:
            self.add(n, "only comments may appear after End Sub, End Function or End Property")
            return
        if low in ("option", "implements") or low.startswith("def"):
            return
        scope = low if low in SCOPES else None
        rest = stmt[1:] if scope else stmt
        if not rest:
            self.add(n, "declaration expected")
            return
        head = rest[0].low
        if self.module.kind == DOCUMENT and scope in ("public", "global") and head in ("const", "declare", "type"):
            self.add(n, f"Public {rest[0].text} is not allowed in an object module (ThisWorkbook, sheets)")
        if head == "const":
            for name, refs in parse_consts(rest[1:]):
                self._module_name(names, name, n)
                self._refs(refs, n, {}, None)
        elif head == "declare":
            header = proc_header(stmt)
            if header:
                self._module_name(names, header.name, n)
                for p, _ in header.params:
                    self._name(p.name, n)
        elif head in ("type", "enum", "event"):
            return
        elif scope:
            for name, refs, _ in parse_variables(rest):
                self._module_name(names, name, n)
                self._refs(refs, n, {}, None)
        else:
            self.add(n, f"statement outside a procedure: {' '.join(t.text for t in stmt)[:60]}")

    def _module_name(self, names: dict[str, int], name: str, n: int) -> None:
        self._name(name, n)
        key = name.rstrip("%&^!#@$").lower()
        if key in names:
            self.add(n, f"{name} declared twice in this module (line {names[key]})")
        elif key in self.info.procs and any(p.kind != "declare" for p in self.info.procs[key]):
            self.add(n, f"{name} is also the name of a procedure of this module")
        names[key] = n

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

    def _call(self, stmt: list[Tok], n: int, locals_: dict[str, int], proc: ProcHeader | None,
              statement: bool) -> None:
        """A statement that is an assignment or a call; its first name is a callee when no
        '=' follows it at the top level."""
        self._refs(stmt, n, locals_, proc, head_is_call=statement)

    def _refs(self, tokens: list[Tok], n: int, locals_: dict[str, int], proc: ProcHeader | None,
              head_is_call: bool = False) -> None:
        """Check the names an expression (or call statement) refers to."""
        depth = 0
        for k, t in enumerate(tokens):
            if t.text == "(":
                depth += 1
            elif t.text == ")":
                depth -= 1
                if depth < 0:
                    self.add(n, "')' without '('")
                    return
        if depth > 0:
            self.add(n, "'(' without ')'")
            return
        if not self.check_refs:
            return
        skip_next = False
        for k, t in enumerate(tokens):
            if skip_next:
                skip_next = False
                continue
            if t.kind != "id":
                continue
            prev = tokens[k - 1] if k else None
            nxt = tokens[k + 1] if k + 1 < len(tokens) else None
            if prev is not None and (prev.text in (".", "!") or prev.low in ("as", "new")):
                continue                                        # a member, or a type name
            if nxt is not None and nxt.text == ":=":
                continue                                        # a named argument
            low = t.name
            if vbalang.is_reserved(low) or low in CONTEXTUAL:
                continue
            qualified = nxt is not None and nxt.text == "." and k + 2 < len(tokens) and tokens[k + 2].kind == "id"
            target = self.project.get(low)
            if qualified and target is not None and low not in locals_ and self.info.member(low) is None:
                self._qualified(target, tokens[k + 2], n)
                if target.kind == MODULE:
                    self._arguments(target.procs.get(tokens[k + 2].name), tokens, k + 2, n, locals_,
                                    head_is_call and k == 0)
                continue
            if low not in locals_:
                self._arguments(self._procedure(low), tokens, k, n, locals_, head_is_call and k == 0)
            if self._resolves(low, locals_) or vbalang.LIBRARY_CONSTANT.fullmatch(t.text.rstrip("%&^!#@$")):
                continue
            assigned = k == 0 and nxt is not None and nxt.text == "="
            called = (nxt is not None and nxt.text == "(") or (k == 0 and head_is_call and not assigned)
            if self.module.kind == DOCUMENT:
                continue                                        # the host object's members (Me.Name...)
            if called or qualified or self.info.explicit:
                what = "procedure" if called else "name"
                self.add(n, f"{what} {t.text} is not defined in any module of the project (nor in the VBA "
                            "library or Excel's global object)")

    def _procedure(self, low: str) -> list[Proc] | None:
        """The procedures an unqualified name calls: this module's, else a public one of a
        standard module."""
        if low in self.info.procs:
            return self.info.procs[low]
        for info in self.project.values():
            if info.kind == MODULE and low in info.procs and any(p.public for p in info.procs[low]):
                return info.procs[low]
        return None

    def _var_type(self, low: str, locals_: dict[str, int]) -> str:
        if low in locals_:
            return self.local_types.get(low, "")
        if low in self.info.var_types:
            return self.info.var_types[low]
        return ""

    def _arguments(self, procs: list[Proc] | None, tokens: list[Tok], k: int, n: int, locals_: dict[str, int],
                   statement_call: bool) -> None:
        """ByRef argument type mismatch: a variable passed to a ByRef parameter of another
        declared type is refused by the VBE ("ByRef argument type mismatch")."""
        if not procs or len(procs) != 1 or procs[0].kind == "property":
            return
        proc = procs[0]
        if k + 1 < len(tokens) and tokens[k + 1].text == "(":
            args = tokens[k + 2:matching(tokens, k + 1)]
        elif statement_call:
            args = tokens[k + 1:]
        else:
            return
        if not args:
            return
        for position, arg in enumerate(split_commas(args)):
            param = None
            if len(arg) >= 3 and arg[1].text == ":=":
                param = next((p for p in proc.params if p.name.lower() == arg[0].name), None)
                arg = arg[2:]
            elif position < len(proc.params):
                param = proc.params[position]
            if param is None or param.byval or len(arg) != 1 or arg[0].kind != "id":
                continue
            wanted = param.type or "variant"
            if wanted in ("variant", ARRAY):
                continue
            got = self._var_type(arg[0].name, locals_)
            if not got or got == ARRAY or got == wanted:
                continue
            if got in INTRINSIC_TYPES or got == "object":
                self.add(n, f"ByRef argument type mismatch: {arg[0].text} ({got}) passed to {proc.name}'s "
                            f"ByRef parameter {param.name} As {wanted}")

    def _qualified(self, target: ModuleInfo, member: Tok, n: int) -> None:
        if target.kind != MODULE:
            return                                             # ThisWorkbook.X: the host's members too
        visible = target.member(member.name)
        if visible is None:
            self.add(n, f"{target.name}.{member.text}: module {target.name} has no member {member.text}")
        elif not visible and target.name != self.module.name:
            self.add(n, f"{target.name}.{member.text} is Private in {target.name}")

    def _resolves(self, low: str, locals_: dict[str, int]) -> bool:
        if low in locals_ or self.info.member(low) is not None or low in self.info.types:
            return True
        for info in self.project.values():
            if info.kind == MODULE and info.member(low):
                return True
        if low in self.project:                                 # a module name
            return True
        return low in vbalang.VBA_LIBRARY or low in vbalang.EXCEL_GLOBALS


def check_project(modules: Sequence[Module], ribbon_xml: str | bytes | None = None) -> list[Finding]:
    """Everything :mod:`addin.excel.vbacheck` checks, for the modules of one project."""
    report = Report()
    parsed = {m.name: logical_lines(m.name, m.source, report) for m in modules}
    # names on every line, included or not
    for m in modules:
        _check_declared_names(m, parsed[m.name], report)
    for config, consts in CONFIGURATIONS.items():
        included = {m.name: preprocess(m.name, parsed[m.name], {k.lower(): v for k, v in consts.items()}, report)
                    for m in modules}
        project = {m.name.lower(): ModuleInfo(m.name, m.kind) for m in modules}
        checkers = [_ModuleChecker(m, included[m.name], project, report, check_refs=True) for m in modules]
        for c in checkers:
            c.collect()
        _check_publics(project, report)
        for c in checkers:
            c.check()
        if ribbon_xml is not None:
            _check_ribbon(ribbon_xml, project, report)
    return report.sorted([m.name for m in modules])


def _check_declared_names(module: Module, lines: list[Line], report: Report) -> None:
    """Every name a line declares, on every line (also in excluded #If branches)."""
    type_block = False
    for line in lines:
        for stmt in split_statements(line.tokens):
            if not stmt:
                continue
            low = stmt[0].low
            names: list[str] = []
            if type_block:
                if low == "end":
                    type_block = False
                elif not (vbalang.is_reserved(stmt[0].name) and any(t.low == "as" for t in stmt)):
                    names.append(stmt[0].text)
            elif len(stmt) == 2 and stmt[1].text == ":" and stmt[0].kind == "id":
                names.append(stmt[0].text)
            else:
                header = proc_header(stmt)
                if header:
                    names.append(header.name)
                    names += [p.name for p, _ in header.params]
                else:
                    scope = low in SCOPES
                    rest = stmt[1:] if scope else stmt
                    head = rest[0].low if rest else ""
                    if head == "const":
                        names += [name for name, _ in parse_consts(rest[1:])]
                    elif head == "type":
                        type_block = True
                        names += [rest[1].text] if len(rest) > 1 else []
                    elif head == "enum":
                        names += [rest[1].text] if len(rest) > 1 else []
                    elif scope or low == "redim":
                        names += [name for name, _, _ in parse_variables(stmt[1:])]
            for name in names:
                if name.startswith("["):
                    continue
                problem = vbalang.identifier_problem(name.rstrip("%&^!#@$"))
                if problem:
                    report.add(module.name, line.number, f"declared name: {problem}")


def _check_publics(project: dict[str, ModuleInfo], report: Report) -> None:
    """A public name of two standard modules makes every unqualified use ambiguous."""
    owners: dict[str, list[ModuleInfo]] = {}
    for info in project.values():
        if info.kind != MODULE:
            continue
        publics = {name for name, procs in info.procs.items() if any(p.public for p in procs)}
        publics |= {n for table in (info.variables, info.constants) for n, pub in table.items() if pub}
        for name in publics:
            owners.setdefault(name, []).append(info)
    for name, infos in owners.items():
        if len(infos) > 1:
            first = infos[0]
            line = next((p.line for p in first.procs.get(name, [])), 1)
            report.add(first.name, line, f"{name} is public in {' and '.join(i.name for i in infos)}: "
                                         "an unqualified use is ambiguous")


def _check_ribbon(xml: str | bytes, project: dict[str, ModuleInfo], report: Report) -> None:
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        report.add("customUI.xml", 1, f"not well-formed XML: {exc}")
        return
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        for attr, value in el.attrib.items():
            if attr not in CALLBACKS:
                continue
            types, out_param = CALLBACKS[attr]
            if attr == "onAction" and tag in PRESSED_CONTROLS:
                types, out_param = ("iribboncontrol", "boolean"), None
            where = f"customUI.xml <{tag} id={el.get('id')!r}> {attr}"
            module_name, _, proc_name = value.rpartition(".")
            candidates = [project[module_name.lower()]] if module_name.lower() in project else \
                ([] if module_name else [i for i in project.values() if i.kind == MODULE])
            procs = [p for info in candidates for p in info.procs.get(proc_name.lower(), [])]
            if not procs:
                report.add(module_name or "customUI.xml", 1, f"{where}={value!r}: no such procedure")
                continue
            proc = procs[0]
            problems = []
            if proc.kind != "sub":
                problems.append("must be a Sub")
            if not proc.public:
                problems.append("must be Public")
            if project[proc.module.lower()].kind != MODULE:
                problems.append("must be in a standard module")
            if len(proc.params) != len(types):
                problems.append(f"takes {len(types)} parameter(s), not {len(proc.params)}")
            else:
                for n, (param, expected) in enumerate(zip(proc.params, types)):
                    if expected and param.type != expected:
                        problems.append(f"parameter {n + 1} must be As {expected}, not {param.type or 'Variant'}")
                    if out_param == n and param.byval:
                        problems.append(f"parameter {n + 1} must be ByRef (Office reads the value back)")
            if problems:
                report.add(proc.module, proc.line, f"{where}={value!r}: " + "; ".join(problems))


def format_findings(findings: Iterable[Finding]) -> str:
    return "\n".join(str(f) for f in findings)
