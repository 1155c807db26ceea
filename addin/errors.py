"""The one refusal type: a request the tool will not carry out, with nothing written.

Any layer may raise :class:`Refused` (rules, the workbook layer, the outputs, the add-in
builder); ``str(exc)`` is a complete Chinese sentence saying why and what to do. The
shells turn it into what their user sees: the command line prints it and exits 2, the
ribbon shows it in a message box. Subclasses only name where the refusal came from
(:class:`WriteRefused`, ...), so a shell catches one type.

The Chinese words for what the operating system refused (:func:`os_reason`) and the
errors of writing that stop a whole run (:func:`disk_state`) are here too: every layer
that writes a file says them the same way.
"""

from __future__ import annotations

import errno
from typing import Iterable

__all__ = ["Refused", "WriteRefused", "os_reason", "disk_state", "disk_full", "DISK_STATE"]


class Refused(Exception):
    """Raised when a command cannot go ahead; ``reasons`` lists the individual reasons
    (e.g. each part of a workbook that could not be kept)."""

    def __init__(self, message: str, reasons: Iterable[str] = ()):
        super().__init__(message)
        self.message = message
        self.reasons = list(reasons)

    def __str__(self) -> str:
        return self.message


class WriteRefused(Refused):
    """Raised when a write is refused; ``str(exc)`` is a clear Chinese message saying why
    and what to do. ``reasons`` lists the individual reasons (e.g. the foreign parts)."""


def os_reason(exc: OSError) -> str:
    """A Chinese reason for an operating-system error (never the English strerror)."""
    reasons = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有权限",
               errno.EPERM: "没有权限", errno.EROFS: "磁盘或文件夹是只读的", errno.EIO: "磁盘读写出错",
               errno.ENOENT: "文件或文件夹不存在", errno.EBUSY: "文件正被其他程序占用",
               errno.EFBIG: "文件超过了磁盘或系统允许的大小",
               errno.ENAMETOOLONG: "文件路径太长", errno.EMFILE: "打开的文件太多"}
    return reasons.get(exc.errno, f"系统错误（错误码 {exc.errno}）" if exc.errno else "系统错误")


def disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


#: errors of writing a file that are the disk's state, not the file's: full, over quota,
#: read-only, a size the system will not write, an I/O error
DISK_STATE = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO)


def disk_state(exc: BaseException) -> bool:
    """Whether an error of writing an output is the disk's state (:data:`DISK_STATE`): the
    run must stop as a whole (the use-case runner makes it a Chinese refusal and removes
    what was made), never be listed as one file's problem beside the files that were made."""
    return isinstance(exc, OSError) and exc.errno in DISK_STATE
