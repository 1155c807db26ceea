"""Which build of the software is installed: the version and a build identifier.

Two releases may carry the same version number (a fix rebuilt without raising it); the
identifier tells them apart. It is a hash of the installed package files, the same from
the source folder, an editable install and the installed wheel, and different as soon as
one of those files differs:

- every file the wheel ships: ``*.py`` of the packages ``addin``, ``udfs`` and
  ``vba_stubs``, and their package data (:data:`PACKAGE_DATA`, as in pyproject.toml);
- each by its path relative to the package and its bytes (line ends as stored).

``python -m addin.buildinfo`` prints ``<version> <identifier>``; :func:`describe` is the
Chinese form shown by ``install-addin`` (and for the 自检 button).
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import import_module
from pathlib import Path

from . import __version__

PACKAGES = ("addin", "udfs", "vba_stubs")
#: package -> the data files it ships besides its modules (pyproject.toml [tool.setuptools.package-data])
PACKAGE_DATA = {
    "addin": ("data/*.csv", "data/templates/*", "launcher/*.js", "launcher/*.css", "launcher/windows/*.bat"),
    "vba_stubs": ("*.bas", "*.cls", "*.xml", "README.md"),
}
ID_LENGTH = 12


def package_files(package: str) -> list[tuple[str, Path]]:
    """(path relative to the package, file) of every file the wheel ships for ``package``."""
    root = Path(import_module(package).__file__).resolve().parent
    found = {p for p in root.rglob("*.py") if "__pycache__" not in p.parts}
    for pattern in PACKAGE_DATA.get(package, ()):
        found |= {p for p in root.glob(pattern) if p.is_file()}
    return sorted((p.relative_to(root).as_posix(), p) for p in found)


@lru_cache(maxsize=None)
def build_id() -> str:
    """The identifier of the installed build (hex, :data:`ID_LENGTH` characters)."""
    digest = hashlib.sha256()
    for package in PACKAGES:
        for relative, path in package_files(package):
            content = path.read_bytes()
            digest.update(f"{package}/{relative}\0{len(content)}\0".encode("utf-8"))
            digest.update(content)
    return digest.hexdigest()[:ID_LENGTH]


def spaced_id() -> str:
    """The identifier in groups of four (``3f3e-6fa6-b2eb``): how the add-in stores and the
    自检 compares it (a run of hex digits in VBA is what scanners flag as an encoded string)."""
    plain = build_id()
    return "-".join(plain[i:i + 4] for i in range(0, len(plain), 4))


def describe() -> str:
    """``0.1.0（构建 3f2a9c1b7d4e）``."""
    return f"{__version__}（构建 {build_id()}）"


if __name__ == "__main__":  # pragma: no cover
    print(__version__, build_id())
