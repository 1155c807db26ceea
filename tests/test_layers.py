"""The layers import downwards only: rules, the workbook layer, the outputs and the Excel
side never import the command line (it is the top shell), and the command line is the
only place that parses arguments."""

import ast
from pathlib import Path

import addin

PACKAGE = Path(addin.__file__).parent
LOWER = ("rules", "book", "outputs", "excel", "data", "launcher")   # the launcher runs the CLI as a child process


def _imports(path: Path) -> set[str]:
    """Absolute names of the addin modules that ``path`` imports (relative imports resolved)."""
    module = ".".join(("addin",) + path.relative_to(PACKAGE).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            target = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            names |= {target} | {f"{target}.{a.name}" for a in node.names}
    return {n for n in names if n == "addin" or n.startswith("addin.")}


def _lower_files():
    for layer in LOWER:
        yield from sorted((PACKAGE / layer).rglob("*.py"))


def test_the_scan_sees_relative_imports_of_the_cli():
    """The check itself can fail: a relative import of the CLI is resolved to addin.cli."""
    assert "addin.cli" in _imports(PACKAGE / "__main__.py")
    assert "addin.errors.Refused" in _imports(PACKAGE / "book" / "safe_write.py")


def test_no_lower_layer_imports_the_command_line():
    offenders = {str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.startswith("addin.cli"))
                 for p in _lower_files()}
    assert not {k: v for k, v in offenders.items() if v}


def test_argument_parsing_lives_in_the_command_line_package_only():
    users = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
             if "argparse" in p.read_text(encoding="utf-8") and p.relative_to(PACKAGE).parts[0] != "cli"]
    assert users == []


def test_one_refusal_type_for_every_layer():
    from addin.book.safe_write import WriteRefused
    from addin.errors import Refused
    from addin.excel.actions import ActionRefused
    from addin.excel.build import BuildError
    from addin.excel.install import InstallRefused

    assert all(issubclass(t, Refused) for t in (WriteRefused, ActionRefused, BuildError, InstallRefused))
