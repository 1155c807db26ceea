"""Whether a workbook is open elsewhere: Excel and WPS leave an owner file ``~$name.xlsx``
(or ``~$`` + the name without its first two characters) beside an open workbook,
LibreOffice leaves ``.~lock.name.xlsx#``. While one exists, a write is refused
(:func:`check_lock`), before the work starts and again just before the replace.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import WriteRefused


def _lock_names(name: str) -> list[str]:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    names = ["~$" + name]
    # Excel replaces the first two characters for longer names; how it counts
    # characters of Chinese names is not documented, so the short form is always
    # checked too (a false alarm only asks the user to close a workbook).
    if len(stem) > 2:
        names.append("~$" + name[2:])
    names.append(".~lock." + name + "#")   # LibreOffice
    return names


def lock_file(path: Path) -> Path | None:
    """The owner file Excel, WPS or LibreOffice keeps beside an open workbook, if any."""
    path = Path(path)
    folders = [path.parent]
    if path.is_symlink():
        real = Path(os.path.realpath(path))
        folders.append(real.parent)
        names = [(path.name, folders[0]), (real.name, real.parent)]
    else:
        names = [(path.name, folders[0])]
    for name, folder in names:
        for candidate in _lock_names(name):
            lock = folder / candidate
            if os.path.lexists(lock):
                return lock
    return None


def _lock_message(lock: Path) -> str:
    program = "LibreOffice" if lock.name.startswith(".~lock.") else "Excel 或 WPS"
    return (f"工作簿正在被 {program} 打开（发现锁文件 {lock.name}），请关闭后重试。"
            f"如果确认已经关闭仍出现此提示，可能是上次异常退出留下的锁文件，"
            f"确认无人打开该工作簿后可删除“{lock}”。本次未写入任何内容。")


def check_lock(path: Path) -> None:
    """Refuse the write (:class:`WriteRefused`) while the workbook is open elsewhere."""
    lock = lock_file(path)
    if lock is not None:
        raise WriteRefused(_lock_message(lock))
