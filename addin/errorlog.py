"""The error log of an internal error: one helper for the command line and the ribbon.

When something fails that is not a refusal (exit code 3 on the command line, the error
box of a ribbon button), the details go to a log file the clerk can send to the
maintainer. The log

* holds no personal data: the traceback's frames (file, line, function and the source
  line: the program's own text) are kept, but what carries data is masked — ID numbers
  and mobile numbers keep only a few digits, and a run of Chinese characters (a name, an
  employer, a file named after a person) is replaced by its length (``〔3字〕``) in the
  command's arguments and in what an exception's text quotes or gives as a path (the
  program's own words in it stay readable);
* lives in the user's own folder: ``~/.zhicheng`` (made 0700), or, when that cannot be
  written, a folder of the user's own in the system's temporary folder
  (``zhicheng-<user id>``, made 0700); a folder or file that another user owns, a
  symbolic link, or a folder others may write into is never used;
* is created 0600 (only its owner can read it) and made so again if an older version
  left it readable by others;
* is rotated: beyond ``error_log_max_kb`` (addin/data/limits.csv) it is renamed
  ``….log.1`` (the older ones shift up to ``error_log_keep``) before the next entry.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Mapping, Sequence

CLI_LOG = "zhicheng-errors.log"
RIBBON_LOG = "ribbon-errors.log"

_ID = re.compile(r"(?<![0-9])([0-9]{6})[0-9]{8,11}([0-9Xx])(?![0-9])")          # 15- and 18-digit ID numbers
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{8}(?![0-9])")
_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff·・•]+")


def mask(text: str) -> str:
    """``text`` without personal data: ID numbers keep their first six digits and the
    last, mobile numbers their first three, a run of Chinese characters only its length."""
    text = _ID.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 7) + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "*" * 8, text)
    return _CHINESE.sub(lambda m: f"〔{len(m.group(0))}字〕", text)


#: where an exception's text carries data: in quotes (the program quotes every value it
#: names, Python's repr quotes strings) and in paths (output files are named after people)
_DATA = re.compile(r"“[^”]*”|‘[^’]*’|「[^」]*」|《[^》]*》|\"[^\"]*\"|'[^']*'|(?:[A-Za-z]:)?[\\/][^\s'\"“”，。；]*")


def mask_message(text: str) -> str:
    """An exception's text with the data it carries masked (:func:`mask` of what is quoted
    and of paths, ID and mobile numbers anywhere); the program's own words stay readable."""
    text = _ID.sub(lambda m: m.group(1) + "*" * (len(m.group(0)) - 7) + m.group(2), text)
    text = _MOBILE.sub(lambda m: m.group(1) + "*" * 8, text)
    return _DATA.sub(lambda m: mask(m.group(0)), text)


def describe(exc: BaseException) -> str:
    """The traceback of ``exc`` (and of the exceptions it came from) with every message
    masked (:func:`mask`) and the frames as they are (they hold the program's own text)."""
    out: list[str] = []
    seen: set[int] = set()
    chain: list[tuple[traceback.TracebackException, str]] = []
    current: traceback.TracebackException | None = traceback.TracebackException(
        type(exc), exc, exc.__traceback__, compact=True)
    link = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append((current, link))
        if current.__cause__ is not None:
            current, link = current.__cause__, "\nThe above exception was the direct cause of the following exception:\n\n"
        elif current.__context__ is not None and not current.__suppress_context__:
            current, link = current.__context__, ("\nDuring handling of the above exception, another exception "
                                                 "occurred:\n\n")
        else:
            current = None
    for te, link in reversed(chain):
        if te.stack:
            out.append("Traceback (most recent call last):\n")
            out.extend(te.stack.format())
        out.append(mask_message("".join(te.format_exception_only())))
        out.append(link)
    return "".join(out)


def _limit(key: str, default: float) -> float:
    try:
        from . import data

        return data.limit(key)
    except Exception:  # noqa: BLE001 - the log must work even when the packaged data does not
        return default


def _own(st: os.stat_result) -> bool:
    return os.name != "posix" or st.st_uid == os.geteuid()


def _private_folder(folder: Path, *, shared_parent: bool) -> bool:
    """Whether ``folder`` can hold the log: made 0700 when missing; a real folder (not a
    link) of this user's; in a shared parent (the temporary folder) no one else may write
    into it, at home its permissions are narrowed to the owner's."""
    try:
        if shared_parent:
            os.mkdir(folder, 0o700)
        else:
            folder.mkdir(0o700, parents=True)
    except FileExistsError:
        pass
    except OSError:
        return False
    try:
        st = os.lstat(folder)
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode) or not _own(st):
        return False
    if os.name == "posix" and st.st_mode & 0o077:
        if shared_parent and st.st_mode & 0o022:
            return False                        # someone else could have put a file or a link there
        try:
            os.chmod(folder, 0o700)
        except OSError:
            return False
    return True


def folders() -> list[Path]:
    """Where the log may go, in order: ``~/.zhicheng``, then the user's own folder in the
    system's temporary folder."""
    user = str(os.geteuid()) if hasattr(os, "geteuid") else re.sub(r"[^\w.-]", "_", os.environ.get("USERNAME", "user"))
    return [Path.home() / ".zhicheng", Path(tempfile.gettempdir()) / f"zhicheng-{user}"]


def log_folder() -> Path | None:
    """The first of :func:`folders` that is the user's own and writable; None when none is."""
    for i, folder in enumerate(folders()):
        if _private_folder(folder, shared_parent=i > 0):
            return folder
    return None


def _rotate(path: Path, keep: int) -> None:
    """``name.log`` -> ``name.log.1`` -> … -> ``name.log.<keep>`` (the oldest dropped)."""
    for n in range(keep, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        newer = path if n == 1 else path.with_name(f"{path.name}.{n - 1}")
        try:
            if n == keep and os.path.lexists(older):
                os.unlink(older)
            if os.path.lexists(newer):
                os.replace(newer, older)
        except OSError:
            return


def _open_own(path: Path) -> int | None:
    """An append descriptor of ``path``, created 0600, when it is a regular file of this
    user's (never through a link); None otherwise."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not _own(st) or st.st_nlink > 1:
            os.close(fd)
            return None
        if os.name == "posix" and st.st_mode & 0o077:
            os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        return None
    return fd


def write(name: str, heading: str, exc: BaseException, *, context: Mapping[str, str] | None = None) -> Path | None:
    """Append one entry to the log ``name`` in :func:`log_folder` — ``heading`` (the
    program's own words), each ``context`` label with its value masked, the masked
    traceback of ``exc`` — rotated first when it has grown beyond the limit; returns the
    log's path, or None when no folder of the user's own can hold it."""
    folder = log_folder()
    if folder is None:
        return None
    path = folder / name
    try:
        if path.stat().st_size >= _limit("error_log_max_kb", 512) * 1024:
            _rotate(path, max(1, int(_limit("error_log_keep", 3))))
    except OSError:
        pass
    fd = _open_own(path)
    if fd is None:
        return None
    from . import __version__

    entry = (f"--- {dt.datetime.now():%Y-%m-%d %H:%M:%S} zhicheng {__version__}, Python {sys.version.split()[0]} "
             f"{heading}\n" + "".join(f"{label}：{mask(value)}\n" for label, value in (context or {}).items())
             + describe(exc) + "\n")
    try:
        os.write(fd, entry.encode("utf-8"))
    except OSError:
        return None
    finally:
        os.close(fd)
    return path


def command_line(argv: Sequence[str]) -> str:
    """The command as typed (masked when written: its paths may name a person)."""
    return "zhicheng " + " ".join(argv)
