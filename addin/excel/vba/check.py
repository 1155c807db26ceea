"""A compile check of the add-in's VBA, on Linux: what the VBE would refuse, found before
the add-in ships (issue 21, A.1-A.2).

Nothing here can run Excel, and no VBA parser is published on PyPI, so this is a small
checker of its own, written from [MS-VBAL] (the VBA language specification) and kept to
what it can decide for sure. It reads every module of the project (ours, the generated
ones and xlwings' module) as the VBE reads them (lines and tokens:
:mod:`~addin.excel.vba.lexer`; #If: :mod:`~addin.excel.vba.conditional`; statements and
declarations: :mod:`~addin.excel.vba.statements`, :mod:`~addin.excel.vba.declarations`)
and checks (one module at a time: :mod:`~addin.excel.vba.modulecheck`,
:mod:`~addin.excel.vba.blocks`, :mod:`~addin.excel.vba.references`; the ribbon:
:mod:`~addin.excel.vba.callbacks`):

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
  (:mod:`addin.excel.vba.lang`); checked on every line, included or not;
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
  to the VBA library / Excel's global object (:data:`~addin.excel.vba.lang.VBA_LIBRARY`,
  :data:`~addin.excel.vba.lang.EXCEL_GLOBALS`); in modules with ``Option Explicit`` every
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

from typing import Iterable, Sequence

from . import lang
from .callbacks import check_callbacks
from .conditional import preprocess
from .declarations import SCOPES, parse_consts, parse_variables, proc_header
from .lexer import Finding, Line, Report, logical_lines
from .modulecheck import ModuleChecker
from .names import ModuleInfo
from .project import MODULE, Module
from .statements import split_statements

#: the Windows Excels whose compiler constants the check evaluates #If with
CONFIGURATIONS: dict[str, dict[str, object]] = {
    "64-bit Office (VBA7, Win64)": {"vba6": True, "vba7": True, "win16": False, "win32": True, "win64": True,
                                    "mac": False},
    "32-bit Office 2010+ (VBA7)": {"vba6": True, "vba7": True, "win16": False, "win32": True, "win64": False,
                                   "mac": False},
    "Office 2007 or older (VBA6)": {"vba6": True, "vba7": False, "win16": False, "win32": True, "win64": False,
                                    "mac": False},
}


def check_project(modules: Sequence[Module], ribbon_xml: str | bytes | None = None) -> list[Finding]:
    """Everything :mod:`addin.excel.vba.check` checks, for the modules of one project."""
    report = Report()
    parsed = {m.name: logical_lines(m.name, m.source, report) for m in modules}
    # names on every line, included or not
    for m in modules:
        _check_declared_names(m, parsed[m.name], report)
    for config, consts in CONFIGURATIONS.items():
        included = {m.name: preprocess(m.name, parsed[m.name], {k.lower(): v for k, v in consts.items()}, report)
                    for m in modules}
        project = {m.name.lower(): ModuleInfo(m.name, m.kind) for m in modules}
        checkers = [ModuleChecker(m, included[m.name], project, report, check_refs=True) for m in modules]
        for c in checkers:
            c.collect()
        _check_publics(project, report)
        for c in checkers:
            c.check()
        if ribbon_xml is not None:
            check_callbacks(ribbon_xml, project, report)
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
                elif not (lang.is_reserved(stmt[0].name) and any(t.low == "as" for t in stmt)):
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
                problem = lang.identifier_problem(name.rstrip("%&^!#@$"))
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


def format_findings(findings: Iterable[Finding]) -> str:
    return "\n".join(str(f) for f in findings)
