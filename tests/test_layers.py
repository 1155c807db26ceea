"""The layers import downwards only: rules, the workbook layer, the outputs and the Excel
side never import the command line (it is the top shell), and the command line is the
only place that parses arguments."""

import ast
import re
from pathlib import Path

import addin

PACKAGE = Path(addin.__file__).parent
LOWER = ("rules", "book", "outputs", "excel", "data", "launcher")   # the launcher runs the CLI as a child process


def _imports(path: Path) -> set[str]:
    """Absolute names of the addin modules that ``path`` imports (relative imports resolved)."""
    return _imports_in(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py")


def _imports_in(source: str, module: str, is_package: bool, *, from_packages: bool = True) -> set[str]:
    """The addin names imported anywhere in ``source`` (at the top, in a function, under
    an ``if``): ``ast.walk`` visits every node. ``from P import x`` gives ``P.x`` and, with
    ``from_packages``, ``P`` itself."""
    package = module if is_package else module.rsplit(".", 1)[0]
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            names |= ({target} if from_packages else set()) | {f"{target}.{a.name}" for a in node.names}
    return {n for n in names if n == "addin" or n.startswith("addin.")}


def _lower_files():
    for layer in LOWER:
        yield from sorted((PACKAGE / layer).rglob("*.py"))


def test_the_scan_sees_relative_imports_of_the_cli():
    """The check itself can fail: a relative import of the CLI is resolved to addin.cli."""
    assert "addin.cli" in _imports(PACKAGE / "__main__.py")
    assert "addin.errors.WriteRefused" in _imports(PACKAGE / "book" / "safe_write.py")


def test_no_lower_layer_imports_the_command_line():
    offenders = {str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.startswith("addin.cli"))
                 for p in _lower_files()}
    assert not {k: v for k, v in offenders.items() if v}


def test_argument_parsing_lives_in_the_command_line_package_only():
    users = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
             if "argparse" in p.read_text(encoding="utf-8") and p.relative_to(PACKAGE).parts[0] != "cli"]
    assert users == []


def test_one_refusal_type_for_every_layer():
    from addin.errors import WriteRefused
    from addin.errors import Refused
    from addin.excel.actions import ActionRefused
    from addin.excel.sources import BuildError
    from addin.excel.install import InstallRefused

    assert all(issubclass(t, Refused) for t in (WriteRefused, ActionRefused, BuildError, InstallRefused))


def _module_name(path: Path) -> str:
    parts = ("addin",) + path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the addin modules it imports, at the top or inside a function (a name
    imported from a module, ``from addin.book import schema`` or ``from .schema import
    KEY``, is resolved to the longest importable module it names: ``from . import schema``
    is an edge to the submodule, not to the package around it)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}

    def resolve(name: str) -> str:
        while name not in modules:
            name = name.rsplit(".", 1)[0]
        return name

    return {m: {resolve(n) for n in _imports_in(p.read_text(encoding="utf-8"), m, p.name == "__init__.py",
                                                from_packages=False)} - {m}
            for m, p in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_the_cycle_finder_sees_an_import_inside_a_function():
    """The check can fail: an import deferred into a function is an edge, and a cycle
    closed by such an edge is found."""
    source = "import json\n\ndef totals():\n    from .evaluate import evaluate\n    return evaluate\n"
    assert "addin.book.evaluate" in _imports_in(source, "addin.book.dashboard", False)
    assert "addin.usecases.table" in _imports_in("from .table import TABLE\n", "addin.usecases", True)
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles_in_the_package():
    """No module imports itself back through others, counting imports made inside
    functions (a deferred import hides a cycle from Python, not from the reader)."""
    assert _cycles(_import_graph()) == []


def test_the_product_never_imports_the_developers_tools():
    """addin.devtools (make templates, make golden, make workbooks) writes committed files;
    nothing the product runs imports it."""
    graph = _import_graph()
    users = sorted(m for m, targets in graph.items()
                   if not m.startswith("addin.devtools") and any(t.startswith("addin.devtools") for t in targets))
    assert users == []


def test_one_relationships_parser():
    """A part's relationships are read in one place, addin/xlsx/opc.py (issue 18.1): nowhere
    else does the code look at a relationship's target mode or target to interpret it."""
    readers = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                     if re.search(r"""get\(["'](?:TargetMode|Target)["']""", p.read_text(encoding="utf-8")))
    assert readers == ["xlsx/opc.py"]
