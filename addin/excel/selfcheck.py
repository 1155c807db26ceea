"""The Python half of the add-in's 自检 button (``ZhichengCheck.SelfCheck`` in VBA).

The VBA runs ``python -B -c "import addin.excel.selfcheck as s; s.main()"`` the way
xlwings' RunPython starts Python (``cmd.exe /C`` through WScript.Shell, hidden), and
reads ``key=value`` lines (ASCII). It compares the versions with the ones the add-in
was built with and words the Chinese result itself, so this module has to import as
little as possible and never fail. The keys are words olevba cannot mistake for Base64
(no quoted 4-, 8-, 12-letter words in the VBA that reads them).
"""

from __future__ import annotations

import platform
import struct
import sys
from typing import TextIO


def facts() -> dict[str, str]:
    out = {"python": platform.python_version(), "pointer_bits": str(struct.calcsize("P") * 8),
           "executable": sys.executable.encode("ascii", "backslashreplace").decode("ascii")}
    try:
        from .. import __version__
        out["zhicheng_version"] = __version__
        from ..buildinfo import spaced_id
        out["zhicheng_build"] = spaced_id()
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        out["zhicheng_error"] = repr(exc)
    try:
        import xlwings
        out["xlwings_version"] = xlwings.__version__
    except Exception as exc:  # noqa: BLE001
        out["xlwings_version"] = f"missing ({type(exc).__name__})"
    if sys.platform == "win32":
        try:
            import win32api  # noqa: F401 - pywin32, which xlwings needs on Windows
            out["pywin32"] = "ok"
        except Exception as exc:  # noqa: BLE001
            out["pywin32"] = f"missing ({type(exc).__name__})"
    else:
        out["pywin32"] = "not windows"
    return out


def main(out: TextIO | None = None) -> None:
    out = out or sys.stdout
    for key, value in facts().items():
        print(f"{key}={value}".encode("ascii", "replace").decode("ascii"), file=out)
