"""The ``xlwings_udfs`` VBA module, generated from the Python UDFs at build time.

xlwings writes this module itself when a user clicks "Import Functions" in Excel
(``xlwings.udfs.generate_vba_wrapper``, Windows only, needs trust access to the VBA
project). The wrapper text depends only on each function's metadata, so the builder
writes the same text here, from the functions' signatures and their ``@xw.func``
options (read from the source with ``ast``: on Linux ``xw.func`` is a no-op and leaves
no metadata), and the add-in needs no import step.

One difference from xlwings: a Python parameter whose name is a VBA keyword (``end``,
``date``...) would not compile in VBA, so its VBA name gets a trailing underscore. The
names do not reach Python (``XLPy.CallUDF`` passes the values by position).

xlwings' reserved parameter ``caller`` is handled as ``generate_vba_wrapper`` does: it is
not an Excel argument (not in the VBA signature, not in the Insert Function help), and
the argument array carries ``Nothing`` in its place, which xlwings' ``call_udf`` replaces
with the calling cell (an xlwings Range).
"""

from __future__ import annotations

import ast
import inspect
import io
from dataclasses import dataclass
from types import ModuleType

from xlwings.utils import VBAWriter

from .vba import lang

MODULE_NAME = "xlwings_udfs"

#: the reserved identifiers of MS-VBAL 3.3.5.2, which cannot be parameter names (lower case)
VBA_RESERVED = lang.RESERVED


#: xlwings' reserved UDF parameter (the calling cell) and what the VBA wrapper passes for it
CALLER = "caller"
CALLER_PLACEHOLDER = "Nothing"


class UDFError(ValueError):
    """A UDF the wrapper generator cannot express faithfully."""


@dataclass(frozen=True)
class UDF:
    name: str
    args: tuple[str, ...]             # Python parameter names, in order
    optional: tuple[bool, ...]        # whether each has a default
    volatile: bool = False
    call_in_wizard: bool = True
    description: str = ""             # the docstring's first paragraph (Insert Function dialog)
    arg_docs: tuple[str, ...] = ()    # the ``@xw.arg(doc=...)`` of each parameter
    caller_at: int | None = None      # position of xlwings' ``caller`` in the Python signature

    @property
    def vba_args(self) -> tuple[str, ...]:
        """The Excel arguments: the VBA signature (``caller`` is not one)."""
        return tuple(vba_name(a) for a in self.args)

    @property
    def call_args(self) -> tuple[str, ...]:
        """The items of the argument array passed to Python, by position: the Excel
        arguments with ``Nothing`` where the Python signature has ``caller``."""
        items = list(self.vba_args)
        if self.caller_at is not None:
            items.insert(self.caller_at, CALLER_PLACEHOLDER)
        return tuple(items)


def vba_name(python_name: str) -> str:
    return python_name + "_" if python_name.lower() in VBA_RESERVED else python_name


def _is_xw(node: ast.AST, attr: str) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return isinstance(target, ast.Attribute) and target.attr == attr and \
        isinstance(target.value, ast.Name) and target.value.id == "xw"


def _decorated(module: ModuleType) -> dict[str, dict]:
    """Functions decorated with ``@xw.func`` in the module's source, with the options
    given to ``xw.func`` and the argument options given to ``xw.arg``."""
    tree = ast.parse(inspect.getsource(module))
    found: dict[str, dict] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        func = next((d for d in node.decorator_list if _is_xw(d, "func")), None)
        if func is None:
            continue
        options = {}
        if isinstance(func, ast.Call):
            if func.args:
                raise UDFError(f"{node.name}: positional options of @xw.func are not supported")
            options = {k.arg: ast.literal_eval(k.value) for k in func.keywords}
        docs = {}
        for d in node.decorator_list:
            if isinstance(d, ast.Call) and _is_xw(d, "arg") and any(k.arg == "vba" for k in d.keywords):
                raise UDFError(f"{node.name}: @xw.arg(vba=...) is not supported by the wrapper generator")
            if isinstance(d, ast.Call) and _is_xw(d, "arg") and d.args:
                doc = next((k.value for k in d.keywords if k.arg == "doc"), None)
                if doc is not None:
                    docs[ast.literal_eval(d.args[0])] = _constant(module, doc, node.name)
        found[node.name] = {**options, "_docs": docs}
    return found


def _constant(module: ModuleType, node: ast.AST, where: str) -> str:
    """A literal, or the name of a module-level string constant (``doc=_HOLIDAY_DOC``)."""
    if isinstance(node, ast.Name) and isinstance(getattr(module, node.id, None), str):
        return getattr(module, node.id)
    try:
        value = ast.literal_eval(node)
    except ValueError as exc:
        raise UDFError(f"{where}: doc must be a string literal or a module constant") from exc
    if not isinstance(value, str):
        raise UDFError(f"{where}: doc must be a string")
    return value


def udfs_of(module: ModuleType) -> list[UDF]:
    """The module's UDFs, in the order of its ``__all__``; every ``@xw.func`` must be listed."""
    decorated = _decorated(module)
    exported = list(getattr(module, "__all__", []))
    if set(decorated) != set(exported):
        raise UDFError(f"{module.__name__}: __all__ and the @xw.func functions differ: "
                       f"only in __all__ {sorted(set(exported) - set(decorated))}, "
                       f"only decorated {sorted(set(decorated) - set(exported))}")
    out = []
    for name in exported:
        options = dict(decorated[name])
        docs = options.pop("_docs")
        unknown = set(options) - {"volatile", "call_in_wizard", "category"}
        if unknown:
            raise UDFError(f"{name}: @xw.func options not supported: {sorted(unknown)}")
        func = getattr(module, name)
        args, optional, caller_at = [], [], None
        for position, p in enumerate(inspect.signature(func).parameters.values()):
            if p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
                raise UDFError(f"{name}: parameter {p.name} ({p.kind.description}) is not supported")
            if p.name == CALLER:
                if CALLER in docs:
                    raise UDFError(f"{name}: 'caller' is not an Excel argument and takes no @xw.arg")
                caller_at = position
                continue
            args.append(p.name)
            optional.append(p.default is not inspect.Parameter.empty)
        out.append(UDF(name, tuple(args), tuple(optional), bool(options.get("volatile", False)),
                       bool(options.get("call_in_wizard", True)),
                       description=_first_paragraph(inspect.getdoc(func) or ""),
                       arg_docs=tuple(docs.get(a, "") for a in args), caller_at=caller_at))
    return out


def _first_paragraph(doc: str) -> str:
    return " ".join(doc.split("\n\n", 1)[0].split())


def wrapper_source(module_name: str, udfs: list[UDF]) -> str:
    """The module text, as xlwings' ``import_udfs`` writes it for an add-in (.xlam:
    ``ActiveWorkbook``), with LF line ends (the builder stores CRLF)."""
    f = io.StringIO()
    vba = VBAWriter(f)
    vba.writeln(f'Attribute VB_Name = "{MODULE_NAME}"')
    vba.writeln("'Generated by zhicheng build-addin from the Python UDFs in module "
                f"{module_name} - do not edit, rebuild instead.")
    vba.writeln('#Const App = "Microsoft Excel" \'Adjust when using outside of Excel')
    vba.writeln("")
    for udf in udfs:
        params = ", ".join(("Optional " if opt else "") + a for a, opt in zip(udf.vba_args, udf.optional))
        args_vba = "Array(" + ", ".join(udf.call_args) + ")"
        with vba.block(f"Function {udf.name}({params})"):
            if not udf.call_in_wizard:
                vba.writeln('If (Not Application.CommandBars("Standard").Controls(1).Enabled) Then Exit Function')
            if udf.volatile:
                vba.writeln("Application.Volatile")
            with vba.block('#If App = "Microsoft Excel" Then'):
                vba.writeln("If TypeOf Application.Caller Is Range Then On Error GoTo failed")
                vba.writeln(f'{udf.name} = XLPy.CallUDF("{module_name}", "{udf.name}", {args_vba}, '
                            "ActiveWorkbook, Application.Caller)")
                vba.writeln("Exit Function")
            with vba.block("#Else"):
                vba.writeln(f'{udf.name} = XLPy.CallUDF("{module_name}", "{udf.name}", {args_vba})')
                vba.writeln("Exit Function")
            vba.writeln("#End If")
            vba.write_label("failed")
            vba.writeln(f"{udf.name} = Err.Description")
        vba.writeln("End Function")
        vba.writeln("")
    return f.getvalue()


# --- the Insert Function dialog -------------------------------------------------------------

HELP_MODULE = "ZhichengHelp"
HELP_CATEGORY = "职称评审"
MACRO_OPTIONS_LIMIT = 255             # Excel's limit for a description and for each argument's
_CHUNK = 120                          # characters per literal piece (VBA lines stay short; the build moves Chinese literals to the text sheet)


class HelpError(UDFError):
    """A UDF without the Chinese help Excel's Insert Function dialog would show."""


def check_help(udfs: list[UDF]) -> None:
    for udf in udfs:
        texts = [("description", udf.description)] + list(zip(udf.args, udf.arg_docs))
        for what, text in texts:
            if not text:
                raise HelpError(f"{udf.name}: no help text for {what} (docstring / @xw.arg(doc=...))")
            if len(text) > MACRO_OPTIONS_LIMIT:
                raise HelpError(f"{udf.name}: help text for {what} is longer than {MACRO_OPTIONS_LIMIT} characters")


def _assign(var: str, text: str) -> list[str]:
    """``var = "..."`` in pieces of at most ``_CHUNK`` characters (the build encodes the
    Chinese literals, see :mod:`addin.excel.vba.literals`)."""
    pieces = [text[i:i + _CHUNK] for i in range(0, len(text), _CHUNK)] or [""]
    lines = [f"{var} = {_literal(pieces[0])}"]
    lines += [f"{var} = {var} & {_literal(p)}" for p in pieces[1:]]
    return lines


def _literal(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def help_source(module_name: str, udfs: list[UDF], version: str, build: str = "") -> str:
    """The ``ZhichengHelp`` module: ``RegisterFunctionHelp`` gives every UDF and argument
    its Chinese description with ``Application.MacroOptions`` (as xlwings' "Import
    Functions" does: the macro named ``'<add-in>'!NAME``, the docstring as description,
    each ``@xw.arg`` doc as an argument description), run by ``Workbook_Open``. Failures
    (an Excel without ``ArgumentDescriptions``) are counted, never shown as a VBA error."""
    check_help(udfs)
    f = io.StringIO()
    vba = VBAWriter(f)
    vba.writeln(f'Attribute VB_Name = "{HELP_MODULE}"')
    vba.writeln("Option Explicit")
    vba.writeln(f"' Generated by zhicheng build-addin from the docstrings of the UDFs in module {module_name}"
                " - do not edit, rebuild instead.")
    vba.writeln("")
    vba.writeln(f'Public Const ZHICHENG_VERSION As String = "{version}"')
    vba.writeln(f'Public Const ZHICHENG_BUILD As String = "{build}"')
    vba.writeln(f"Public Const HELP_FUNCTIONS As Long = {len(udfs)}")
    vba.writeln("Public HelpRegistered As Long")
    vba.writeln("")
    with vba.block("Public Sub RegisterFunctionHelp()"):
        vba.writeln("Dim d As String, c As String, a() As Variant")
        vba.writeln("Dim wasSaved As Boolean")
        vba.writeln("HelpRegistered = 0")
        vba.writeln("wasSaved = ThisWorkbook.Saved")
        for line in _assign("c", HELP_CATEGORY):
            vba.writeln(line)
        vba.writeln("On Error Resume Next")
        for udf in udfs:
            vba.writeln(f"' {udf.name}")
            for line in _assign("d", udf.description):
                vba.writeln(line)
            if udf.args:
                vba.writeln(f"ReDim a(0 To {len(udf.args) - 1})")
                for i, doc in enumerate(udf.arg_docs):
                    for line in _assign(f"a({i})", doc):
                        vba.writeln(line)
            vba.writeln("Err.Clear")
            macro = f"\"'\" & ThisWorkbook.Name & \"'!{udf.name}\""
            if udf.args:
                vba.writeln(f"Application.MacroOptions Macro:={macro}, Description:=d, Category:=c, "
                            "ArgumentDescriptions:=a")
            else:
                vba.writeln(f"Application.MacroOptions Macro:={macro}, Description:=d, Category:=c")
            vba.writeln("If Err.Number = 0 Then HelpRegistered = HelpRegistered + 1")
        vba.writeln("On Error GoTo 0")
        vba.writeln("ThisWorkbook.Saved = wasSaved")
    vba.writeln("End Sub")
    return f.getvalue()
