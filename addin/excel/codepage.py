"""The ANSI code page of a Windows PC, and what the add-in's config sheet needs for a user
whose profile path that code page cannot hold (issue 21, B.6): xlwings' VBA reads
environment variables and opens files through the ANSI functions. ``install-addin`` passes
:func:`ansi_fallbacks` to :func:`addin.excel.build.build_addin` (``config=``).
"""

from __future__ import annotations

import os
from typing import Mapping


def ansi_safe(text: str, codepage: str) -> bool:
    """Whether ``text`` survives the ANSI code page ``codepage`` (e.g. "cp936"), as VBA's
    Environ, Open and GetAttr and xlwings' LoadLibraryA pass it to Windows."""
    try:
        return text.encode(codepage).decode(codepage) == text
    except (UnicodeError, LookupError):
        return False


#: folders xlwings may use for its temporary log file when the user's TEMP is not
#: representable in the ANSI code page: (the value for the config sheet, the variable)
TEMP_FALLBACKS = (("%PUBLIC%", "PUBLIC"), ("%ProgramData%", "ProgramData"))


def ansi_fallbacks(env: Mapping[str, str], interpreter: str, codepage: str) -> dict[str, str]:
    """Entries for the add-in's config sheet that let xlwings' VBA work for a Windows user
    whose profile path the ANSI code page cannot hold (a Uyghur user name on a Chinese
    Windows; issue 21, B.6). {} for everyone else.

    xlwings reads %USERPROFILE% and %TEMP% with VBA's ``Environ`` (ANSI): for such a user it
    cannot find its user config file (``INTERPRETER_WIN``) and its ``cmd /C ... 2> <TEMP>\\
    xlwings-<id>.log`` redirect fails, so no button works. Its config sheet is read first
    and its values are expanded with WScript.Shell (wide), so:

    - ``TEMP DIR`` (xlwings' own setting for that folder): the first of
      :data:`TEMP_FALLBACKS` whose path the code page holds (``C:\\Users\\Public``: every user
      may write there; xlwings deletes the file after each click);
    - ``INTERPRETER_WIN``: the interpreter, when the user config file cannot be read but the
      interpreter's own path can (the software folder outside the user's profile, e.g.
      ``D:\\职称评审台账``). When it cannot either, nothing is set: the add-in's guard says in
      Chinese why Excel cannot start Python here and points to 台账工具.

    ``install-addin`` passes the result to :func:`addin.excel.build.build_addin` (``config=``) on the user's PC,
    with :func:`ansi_codepage`.
    """
    out: dict[str, str] = {}
    temp = env.get("TEMP") or env.get("TMP") or ""
    if temp and not ansi_safe(temp, codepage):
        for value, var in TEMP_FALLBACKS:
            folder = env.get(var, "")
            if folder and ansi_safe(folder, codepage):
                out["TEMP DIR"] = value
                break
    profile = env.get("USERPROFILE", "")
    if profile and not ansi_safe(profile, codepage) and ansi_safe(interpreter, codepage):
        out["INTERPRETER_WIN"] = interpreter
    return out


def ansi_codepage() -> str | None:
    """This Windows' ANSI code page as a Python codec name ("cp936"), None elsewhere."""
    if os.name != "nt":
        return None
    import ctypes

    return f"cp{ctypes.windll.kernel32.GetACP()}"
