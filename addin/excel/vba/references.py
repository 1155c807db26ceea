"""The names a statement refers to (the reference checks of :mod:`addin.excel.vba.check`):
every procedure called and, under ``Option Explicit``, every name is declared in the
project or belongs to the VBA library / Excel's global object; ``Module.Member`` names a
member the module has and may show; a variable passed to a ByRef parameter has its type;
parentheses are balanced.

:class:`ReferenceChecker` holds the state of one module under one configuration;
:class:`~addin.excel.vba.blocks.BlockChecker` and
:class:`~addin.excel.vba.modulecheck.ModuleChecker` build on it.
"""

from __future__ import annotations

from . import lang
from .declarations import ARRAY, INTRINSIC_TYPES, ProcHeader
from .lexer import Line, Report, Tok
from .names import ModuleInfo, Proc
from .project import DOCUMENT, MODULE, Module
from .statements import matching, split_commas

#: words that have a meaning only inside one statement (Open ... For Output, Declare ...
#: Lib, Option Compare Text, For ... Step, On Error, Line Input...): not references
CONTEXTUAL = frozenset("""
    access alias append base binary compare error explicit lib line module object output property
    ptrsafe random read step text
""".split())


class ReferenceChecker:
    """The references of one module under one configuration."""

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
            if lang.is_reserved(low) or low in CONTEXTUAL:
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
            if self._resolves(low, locals_) or lang.LIBRARY_CONSTANT.fullmatch(t.text.rstrip("%&^!#@$")):
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
        return low in lang.VBA_LIBRARY or low in lang.EXCEL_GLOBALS


