"""Safe file names and careful file writes for every output (documents, rosters, lists).

A name built from register data (application id, applicant's name, a title) must be a
plain file name on Windows, macOS and Linux alike: no path separators, none of the
characters Windows refuses (``/ \\ : * ? " < > |``), no control or invisible
formatting characters, no trailing dot or space, not a reserved device name (CON,
NUL, COM1...), and short enough in bytes for every file system.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

FORBIDDEN = '/\\:*?"<>|'
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
             *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10)),
             *(f"COM{c}" for c in "¹²³"), *(f"LPT{c}" for c in "¹²³")}
_SPACES = re.compile(r"\s+")
_REPEATS = re.compile(r"_{2,}")
#: the folder beside the register where the ribbon buttons and the 台账工具 put their files
OUTPUT_FOLDER = "职称评审输出"
MAX_BYTES = 150          # UTF-8 bytes of a whole name: 255 is the usual limit, leave room for suffixes


def _clean_char(ch: str) -> str:
    if ch in FORBIDDEN:
        return "_"
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return " " if ch in "\t\n\r\x0b\x0c" else "_" if category != "Cf" else ""
    return ch


def _clean_part(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFC", str(value))
    text = "".join(_clean_char(ch) for ch in text)
    text = _SPACES.sub(" ", text)
    text = _REPEATS.sub("_", text)
    return text.strip(" ._")


def _truncate(text: str, max_bytes: int) -> str:
    encoded = text.encode("utf-8")
    if len(encoded) <= max_bytes:
        return text
    return encoded[:max_bytes].decode("utf-8", errors="ignore")


def safe_filename(*parts: object, suffix: str = "", sep: str = "-", max_bytes: int = MAX_BYTES,
                  fallback: str = "未命名") -> str:
    """A file name from pieces of data, e.g. ``safe_filename("2024-001", "张三", suffix=".docx")``.

    Each piece is cleaned (forbidden and control characters become ``_``, whitespace
    collapses, leading and trailing dots, spaces and underscores go), empty pieces are
    dropped, the rest are joined with ``sep``; the result, suffix included, fits in
    ``max_bytes`` UTF-8 bytes and is never empty (``fallback``).
    """
    suffix = _clean_part(suffix)
    suffix = f".{suffix}" if suffix else ""
    sep = "".join(_clean_char(c) for c in sep) or "-"
    stem = sep.join(p for p in (_clean_part(part) for part in parts) if p)
    stem = _truncate(stem, max(max_bytes - len(suffix.encode("utf-8")), 8)).rstrip(" ._") or _clean_part(fallback)
    if stem.split(".")[0].strip().upper() in _RESERVED:
        stem = "_" + stem
    return stem + suffix


def unique_path(folder: Path, name: str, taken: set[str]) -> Path:
    """``folder / name``, with ``(2)``, ``(3)``... before the suffix when the name (compared
    case-insensitively, as Windows does) is already in ``taken``; records the name."""
    stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem}({n}){dot}{suffix}"
    taken.add(candidate.casefold())
    return folder / candidate


def write_bytes_atomic(path: Path, data: bytes) -> None:
    """Write a file through a temporary file in the same folder, so an interrupted run
    never leaves half a document; raises ``PermissionError`` when the target is locked
    (open in Word on Windows)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
