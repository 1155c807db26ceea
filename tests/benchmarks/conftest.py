"""Benchmarks are collected only on request.

The files are named ``bench_*.py`` so pytest's default ``python_files`` never picks
them up: ``python -m pytest -q`` (testpaths = ["tests"]) collects none of them. This
hook collects them only when tests/benchmarks, or a path inside it, is named on the
command line, e.g. ``python -m pytest -q -s tests/benchmarks -p no:cacheprovider``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def _requested(config: pytest.Config) -> bool:
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return False          # the run uses testpaths (or the current directory)
    for arg in config.args:
        path = Path(arg.split("::", 1)[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if not (file_path.name.startswith("bench_") and file_path.suffix == ".py"):
        return None
    if parent.session.isinitpath(file_path):
        return None           # named explicitly: pytest's python plugin collects it already
    if _requested(parent.config):
        return pytest.Module.from_parent(parent, path=file_path)
    return None
