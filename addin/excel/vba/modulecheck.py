"""One module under one configuration: its own declarations collected into the project's
names (pass 1), then its procedures' boundaries (Sub/Function/Property ... End, none inside
another), labels, module-level declarations (only declarations before the first
procedure, none after it; no name twice; nothing an object module may not declare) and
Type/Enum blocks (pass 2); the statements inside a procedure are
:class:`~addin.excel.vba.blocks.BlockChecker`'s.
"""

from __future__ import annotations

from . import lang
from .blocks import BlockChecker
from .declarations import PROC_WORDS, SCOPES, ProcHeader, parse_consts, parse_variables, proc_header
from .lexer import Line, Tok
from .names import Proc
from .project import DOCUMENT
from .statements import split_statements


class ModuleChecker(BlockChecker):
    """One module under one configuration."""

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
                    if not (reserved_ok and lang.is_reserved(stmt[0].name)):
                        self._name(stmt[0].text, line.number)
                else:
                    self._name(stmt[0].text, line.number)

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

