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
"""

from __future__ import annotations

import ast
import inspect
import io
from dataclasses import dataclass
from types import ModuleType

from xlwings.utils import VBAWriter

MODULE_NAME = "xlwings_udfs"

#: VBA reserved words and built-in statement names that cannot be parameter names
VBA_RESERVED = frozenset(w.lower() for w in """
    AddressOf Alias And Any Append As Attribute Base Binary Boolean ByRef Byte ByVal Call Case CBool CByte
    CCur CDate CDbl CDec CDecl CInt CLng CLngLng CLngPtr Close Compare Const CSng CStr Currency CVar
    CVErr Date Debug Decimal Declare DefBool DefByte DefCur DefDate DefDbl DefDec DefInt DefLng DefLngLng
    DefLngPtr DefObj DefSng DefStr DefVar Dim Do DoEvents Double Each Else ElseIf Empty End EndIf Enum Eqv
    Erase Error Event Exit Explicit False For Friend Function Get Global GoSub GoTo If Imp Implements In
    Input InputB Integer Is LBound Len LenB Let Lib Like Line Lock Long LongLong LongPtr Loop LSet Me Mid
    MidB Mod Name New Next Not Nothing Null Object On Open Option Optional Or Output ParamArray Preserve
    Print Private Property PtrSafe Public Put RaiseEvent Random Read ReDim Rem Resume Return RSet Seek
    Select Set Shared Single Spc Static Step Stop String Sub Tab Then To True Type TypeOf UBound Unlock Until
    Variant VB_Base VB_Name Wend While Width With WithEvents Write Xor
""".split())


class UDFError(ValueError):
    """A UDF the wrapper generator cannot express faithfully."""


@dataclass(frozen=True)
class UDF:
    name: str
    args: tuple[str, ...]             # Python parameter names, in order
    optional: tuple[bool, ...]        # whether each has a default
    volatile: bool = False
    call_in_wizard: bool = True

    @property
    def vba_args(self) -> tuple[str, ...]:
        return tuple(vba_name(a) for a in self.args)


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
        for d in node.decorator_list:
            if isinstance(d, ast.Call) and _is_xw(d, "arg") and any(k.arg == "vba" for k in d.keywords):
                raise UDFError(f"{node.name}: @xw.arg(vba=...) is not supported by the wrapper generator")
        found[node.name] = options
    return found


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
        options = decorated[name]
        unknown = set(options) - {"volatile", "call_in_wizard", "category"}
        if unknown:
            raise UDFError(f"{name}: @xw.func options not supported: {sorted(unknown)}")
        func = getattr(module, name)
        args, optional = [], []
        for p in inspect.signature(func).parameters.values():
            if p.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
                raise UDFError(f"{name}: parameter {p.name} ({p.kind.description}) is not supported")
            if p.name == "caller":
                raise UDFError(f"{name}: the 'caller' parameter is not supported")
            args.append(p.name)
            optional.append(p.default is not inspect.Parameter.empty)
        out.append(UDF(name, tuple(args), tuple(optional), bool(options.get("volatile", False)),
                       bool(options.get("call_in_wizard", True))))
    return out


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
        args_vba = "Array(" + ", ".join(udf.vba_args) + ")"
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
