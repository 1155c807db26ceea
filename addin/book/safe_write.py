"""The one way the product replaces a workbook on disk.

Every write of a workbook goes through :func:`safe_save`. It guarantees:

* **Nothing is written while the workbook is open elsewhere.** Excel and WPS leave an
  owner file ``~$name.xlsx`` (or ``~$`` + the name without its first two characters)
  beside an open workbook, LibreOffice leaves ``.~lock.name.xlsx#``; if one exists the
  write is refused, both before the work starts and again just before the replace.
* **Nothing is written over parts the writer cannot carry over.** The in-place writer
  (:mod:`addin.xlsx`) copies every part of the clerks' sheets byte for byte (pictures,
  shapes, charts, pivot tables, slicers, comments, Excel 2010+ extensions, WPS parts,
  macros), so what it cannot keep is only what sits on the sheets it rebuilds (``统计``
  and the hidden fingerprint sheet, :data:`~addin.book.schema.REBUILT_SHEETS`; its own
  chart on 统计 excepted) and Strict OOXML packages. :func:`foreign_parts`
  (:mod:`addin.xlsx.foreign` on those sheets) finds them and the write is refused with a
  Chinese message naming the sheet and the part.
* **The old version is kept.** Before a replace, the workbook is copied to ``备份``
  beside it as ``<stem>-YYYYMMDD-HHMMSS-ffffff<suffix>``; the newest ``keep_backups``
  copies of that workbook are kept, and none older than limits.csv ``backup_max_days``
  but the newest: the others are deleted at the start of every write (backups left by
  runs that were killed count too) and again after a successful one.
* **The replace is atomic.** The new version is written to a hidden temporary file in
  the same folder, flushed to disk, checked (a complete zip with ``[Content_Types].xml``;
  macros and custom ribbon still there when the original had them), then moved over the
  workbook with ``os.replace``. A crash or kill at any moment leaves either the old
  bytes or the complete new bytes under the workbook's name (a killed process may leave
  a ``.~zhicheng-*`` temporary file behind — hidden on Windows too —; it is never used
  as the workbook and the next write removes it, see :func:`remove_stale_temps`).
* **A full disk is a refusal, not a traceback.** ``ENOSPC`` (or a quota) while writing
  the temporary file or the backup gives a Chinese message; the temporary file is removed.
* **A failed write changes nothing.** If ``save`` raises, writes garbage, or the file
  was changed by someone else meanwhile, the temporary file is removed, the original is
  untouched, and the caller gets the exception (:class:`WriteRefused` with a Chinese
  message for everything this module refuses).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import stat
import tempfile
import time
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterable

from ..errors import WriteRefused, disk_full, os_reason
from ..xlsx import foreign
from .locks import check_lock
from . import schema

__all__ = ["foreign_parts", "check_writable", "safe_save",
           "snapshot", "BACKUP_DIR_NAME", "TEMP_PREFIX"]

BACKUP_DIR_NAME = "备份"
TEMP_PREFIX = ".~zhicheng-"
OWN_SHEETS = schema.REBUILT_SHEETS     # rebuilt by every refresh: foreign parts on them are refused


# ---------------------------------------------------------------------------------------
# What the in-place writer cannot keep


def foreign_parts(path: Path, *, own_sheets: Iterable[str] = OWN_SHEETS) -> list[str]:
    """What a write of the register at ``path`` could not keep, each naming its sheet
    (:func:`addin.xlsx.foreign.foreign_parts` on the sheets every refresh rebuilds);
    [] for a writable file. Raises :class:`WriteRefused` for a file that is not a valid
    .xlsx/.xlsm package."""
    return foreign.foreign_parts(path, own_sheets=own_sheets)


# parts anywhere in the package -> label, for what is not attached to a sheet as expected
# macros and the custom ribbon: checked to be still there in every new version
_MUST_SURVIVE = re.compile(r"^(xl/vbaProject\.bin$|customUI/)", re.IGNORECASE)


# ---------------------------------------------------------------------------------------
# Checks before writing


def _no_write_bits(st: os.stat_result) -> bool:
    return not (st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def _check_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise WriteRefused(f"文件夹“{folder}”不存在，无法写入工作簿。本次未写入任何内容。")
    # On Windows the read-only attribute of a folder does not stop writing into it
    # (Explorer uses it for customised folders), so only POSIX bits are consulted there.
    readonly = not os.access(folder, os.W_OK | os.X_OK)
    if os.name != "nt" and _no_write_bits(folder.stat()):
        readonly = True
    if readonly:
        raise WriteRefused(f"工作簿所在的文件夹“{folder}”是只读的，无法写入。"
                           f"请把工作簿复制到可以修改的文件夹（如“文档”）后重试。本次未写入任何内容。")


def check_writable(path: Path, *, own_sheets: Iterable[str] = OWN_SHEETS,
                   check_foreign: bool = True) -> None:
    """Raise :class:`WriteRefused` unless the workbook can be replaced without losing
    anything: it exists, it is not open in Excel/WPS/LibreOffice, neither it nor its
    folder is read-only, and (``check_foreign``) it holds nothing the in-place writer
    would drop (:func:`foreign_parts`)."""
    path = Path(path)
    if not path.exists():
        raise WriteRefused(f"找不到工作簿“{path}”，请确认文件位置后重试。本次未写入任何内容。")
    if not path.is_file():
        raise WriteRefused(f"“{path}”不是文件，无法作为工作簿写入。本次未写入任何内容。")
    check_lock(path)
    st = path.stat()
    if not os.access(path, os.W_OK) or _no_write_bits(st):
        raise WriteRefused(f"工作簿“{path.name}”是只读文件，无法写入。请在文件属性中取消“只读”"
                           f"（或确认自己有修改权限）后重试。本次未写入任何内容。")
    _check_folder(Path(os.path.realpath(path)).parent)
    if check_foreign:
        parts = foreign_parts(path, own_sheets=own_sheets)
        if parts:
            listing = "\n".join(f"  · {p}" for p in parts)
            raise WriteRefused(
                f"工作簿“{path.name}”中有刷新时无法保留的内容：\n{listing}\n"
                f"为避免这些内容丢失，已拒绝写入，工作簿未作任何改动。"
                f"请把它们移到另一个工作簿（或删除）后重试，或把结果另存为新工作簿。",
                reasons=parts)


# ---------------------------------------------------------------------------------------
# Writing

_BACKUP_STAMP = "%Y%m%d-%H%M%S-%f"


def _backup_pattern(path: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(path.stem)}-(\d{{8}}-\d{{6}}-\d{{6}}){re.escape(path.suffix)}$")


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(path: Path | None) -> None:
    if path is None:
        return
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:   # never hide the real error behind a clean-up error
        warnings.warn(f"无法删除临时文件 {path}：{exc}", RuntimeWarning, stacklevel=3)


def _new_file_mode() -> int:
    """What a plain open() would give a new file (mkstemp makes it 0o600)."""
    if os.name == "nt":
        return stat.S_IREAD | stat.S_IWRITE
    # reading the umask means setting it; it is restored at once (not thread-safe in
    # theory, harmless here: the product saves from one thread)
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _make_backup(path: Path, backup_dir: Path) -> Path:
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteRefused(f"无法创建备份文件夹“{backup_dir}”：{os_reason(exc)}。"
                           f"为避免无备份覆盖，本次未写入任何内容。") from None
    now = dt.datetime.now()
    while True:
        backup = backup_dir / f"{path.stem}-{now.strftime(_BACKUP_STAMP)}{path.suffix}"
        if not os.path.lexists(backup):
            break
        now += dt.timedelta(microseconds=1)
    tmp: Path | None = None
    try:
        # copy under a temporary name first: a half-copied file never looks like a backup
        fd, name = tempfile.mkstemp(dir=backup_dir, prefix=TEMP_PREFIX, suffix=path.suffix)
        os.close(fd)
        tmp = Path(name)
        _set_hidden(tmp, True)
        shutil.copy2(path, tmp)
        _set_hidden(tmp, False)
        _fsync_file(tmp)
        os.replace(tmp, backup)
        tmp = None
    except OSError as exc:
        _remove_quietly(tmp)
        raise WriteRefused(f"无法在“{backup_dir}”中备份工作簿：{os_reason(exc)}。"
                           f"为避免无备份覆盖，本次未写入任何内容。") from None
    return backup


def _prune_backups(path: Path, backup_dir: Path, keep: int, max_days: float | None = None) -> None:
    """Keep the newest ``keep`` backups of ``path`` and none older than ``max_days`` (the
    newest one is always kept, whatever its age)."""
    pattern = _backup_pattern(path)
    try:
        entries = [(m.group(1), p) for p in backup_dir.iterdir()
                   if (m := pattern.match(p.name)) and p.is_file()]
    except OSError:
        return
    entries.sort(reverse=True)
    oldest = (dt.datetime.now() - dt.timedelta(days=max_days)).strftime(_BACKUP_STAMP) if max_days else ""
    for n, (stamp, old) in enumerate(entries):
        if n < keep and (n == 0 or stamp >= oldest):
            continue
        try:
            old.unlink()
        except OSError as exc:
            warnings.warn(f"无法删除旧备份 {old}：{exc}", RuntimeWarning, stacklevel=3)


def _backup_days() -> float | None:
    from .. import data

    try:
        return data.limit("backup_max_days")
    except Exception:  # noqa: BLE001 - pruning by age is a courtesy; by count it is done anyway
        return None


def _verify_output(tmp: Path, original: Path | None) -> None:
    bad = WriteRefused("生成的新工作簿不是完整的 Excel 文件，已放弃写入，原工作簿未作任何改动。"
                       "请重试；如果反复出现，请联系维护人员。")
    try:
        with zipfile.ZipFile(tmp) as zf:
            names = set(zf.namelist())
            if "[Content_Types].xml" not in names or zf.testzip() is not None:
                raise bad
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, zlib.error,
            NotImplementedError, RuntimeError):
        raise bad from None
    if original is None:
        return
    try:
        with zipfile.ZipFile(original) as zf:
            needed = {n for n in zf.namelist() if _MUST_SURVIVE.match(n)}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return   # only reachable with check_foreign=False on a non-zip original
    missing = needed - names
    if missing:
        raise WriteRefused("保存结果会丢失工作簿中的宏（VBA）或自定义功能区，已放弃写入，"
                           "原工作簿未作任何改动。这是程序问题，请联系维护人员。",
                           reasons=sorted(missing))


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


def snapshot(path: Path) -> tuple[int, int, int] | None:
    """The workbook's state (size, modification time, file id) for ``safe_save(...,
    unchanged_since=...)``: take it just before loading the workbook, so that a save by
    someone else between the load and the write is detected instead of overwritten."""
    return _signature(Path(os.path.realpath(path)))


def _replace(tmp: Path, target: Path) -> None:
    attempts = 5 if os.name == "nt" else 1   # antivirus / sync clients hold files briefly
    for attempt in range(attempts):
        try:
            os.replace(tmp, target)
            return
        except PermissionError:
            if attempt + 1 < attempts:
                time.sleep(0.2)
                continue
            raise WriteRefused(
                f"无法替换工作簿“{target.name}”：文件正被其他程序（Excel、WPS、杀毒软件或网盘同步）"
                f"占用，或没有修改权限。请关闭占用它的程序后重试。原工作簿未作任何改动。") from None


def _changed_meanwhile(path: Path) -> WriteRefused:
    return WriteRefused(f"工作簿“{path.name}”在本程序读取之后被其他程序或其他人修改了，"
                        f"为避免覆盖他们的修改，已放弃写入，工作簿保持他们保存的内容。请重新操作。")


def _mark_in_use(fd: int) -> None:
    """Hold an advisory lock on our temporary file while it is written, so that another
    run's clean-up (:func:`remove_stale_temps`) leaves it alone (POSIX; on Windows an
    open file cannot be deleted anyway)."""
    if os.name == "nt":
        return
    import fcntl
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        pass


def _in_use(path: Path) -> bool:
    if os.name == "nt":
        return False                     # deleting an open file fails there: see remove_stale_temps
    import fcntl
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


def _set_hidden(path: Path, hidden: bool) -> None:
    """Windows: a leading dot hides nothing there, so the temporary file gets the hidden
    attribute (and loses it just before it becomes the workbook)."""
    if os.name != "nt":
        return
    import ctypes
    kernel32 = ctypes.windll.kernel32            # type: ignore[attr-defined]
    attrs = kernel32.GetFileAttributesW(str(path))
    if attrs == -1 or attrs == 0xFFFFFFFF:
        return
    hidden_bit = 0x2
    kernel32.SetFileAttributesW(str(path), (attrs | hidden_bit) if hidden else (attrs & ~hidden_bit))


def remove_stale_temps(folder: Path, before: float) -> list[Path]:
    """Delete this program's own temporary files (``.~zhicheng-*``) left in ``folder``
    and its backup folder by a run that was killed: only those older than ``before``
    (a time.time()) and not in use by a running save. Returns what was removed."""
    removed = []
    for where in (Path(folder), Path(folder) / BACKUP_DIR_NAME):
        try:
            candidates = [p for p in where.iterdir() if p.name.startswith(TEMP_PREFIX)]
        except OSError:
            continue
        for candidate in candidates:
            try:
                st = candidate.lstat()
                if not stat.S_ISREG(st.st_mode) or st.st_mtime >= before or _in_use(candidate):
                    continue
                candidate.unlink()
                removed.append(candidate)
            except OSError:
                continue                 # open elsewhere (Windows) or gone meanwhile
    return removed


def safe_save(path: Path, save: Callable[[Path], None], *, keep_backups: int = 10,
              backup_dir: Path | None = None, own_sheets: Iterable[str] = OWN_SHEETS,
              check_foreign: bool = True,
              unchanged_since: tuple[int, int, int] | None = None) -> Path | None:
    """Replace the workbook at ``path`` with what ``save(tmp)`` writes to ``tmp``.

    ``save`` receives a temporary path in the workbook's folder (same suffix) and must
    write the complete new workbook there (e.g. ``wb.save(tmp)``; load .xlsm files with
    ``keep_vba=True``). A change to the workbook by anyone else while ``save`` runs is
    refused; when the workbook was loaded before calling this, pass
    ``unchanged_since=snapshot(path)`` taken before the load to cover that time too.
    Returns the backup of the previous version, or None when the
    workbook did not exist yet. Raises :class:`WriteRefused` (Chinese message) when the
    write is refused (a full disk included); any exception leaves the original untouched
    and removes the temporary file. Temporary files left by a killed earlier run (not in
    use, older than this call) are removed first; on Windows they are hidden.
    """
    if keep_backups < 1:
        raise ValueError("keep_backups must be at least 1")
    path = Path(path)
    # write through a symbolic link to the real file instead of replacing the link
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    folder = target.parent
    exists = os.path.lexists(target)

    started = time.time()
    remove_stale_temps(folder, started)
    if exists:
        check_writable(path, own_sheets=own_sheets, check_foreign=check_foreign)
        before = _signature(target)
        if unchanged_since is not None and before != tuple(unchanged_since):
            raise _changed_meanwhile(path)
        mode = stat.S_IMODE(target.stat().st_mode)
    else:
        if unchanged_since is not None:     # it existed when loaded: deleted or moved since
            raise _changed_meanwhile(path)
        _check_folder(folder)
        check_lock(path)
        before = None
        mode = _new_file_mode()

    if exists:           # backups left by runs that were killed count too: pruned before this one is made
        _prune_backups(target, backup_dir or folder / BACKUP_DIR_NAME, keep_backups - 1, _backup_days())
    backup = _make_backup(target, backup_dir or folder / BACKUP_DIR_NAME) if exists else None
    tmp: Path | None = None
    holder: int | None = None
    try:
        try:
            holder, name = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=target.suffix)
        except OSError as exc:
            raise WriteRefused(f"无法在“{folder}”中创建临时文件：{os_reason(exc)}。"
                               f"本次未写入任何内容。") from None
        tmp = Path(name)
        _mark_in_use(holder)
        _set_hidden(tmp, True)
        try:
            save(tmp)
            _fsync_file(tmp)
        except OSError as exc:
            if disk_full(exc):
                raise WriteRefused(f"磁盘空间不足，无法保存工作簿“{path.name}”（所在磁盘：{folder}）。"
                                   f"临时文件已删除，原工作簿未作任何改动。请清理磁盘空间后重试。") from None
            raise WriteRefused(f"保存工作簿“{path.name}”时出错：{os_reason(exc)}。"
                               f"临时文件已删除，原工作簿未作任何改动。") from None
        _verify_output(tmp, target if exists else None)
        os.chmod(tmp, mode)
        check_lock(path)
        if _signature(target) != before:
            raise _changed_meanwhile(path)
        os.close(holder)
        holder = None
        _set_hidden(tmp, False)          # os.replace keeps the attributes of the new file
        _replace(tmp, target)
        tmp = None
    except BaseException:
        if holder is not None:
            os.close(holder)
        _remove_quietly(tmp)
        # the original is untouched, so the copy just made is redundant: drop it rather
        # than let failed attempts rotate real history out of the backup folder (unless
        # someone else changed the workbook meanwhile: then it is the only copy left)
        if backup is not None and _signature(target) == before:
            _remove_quietly(backup)
        raise
    _fsync_dir(folder)
    if backup is not None:
        _prune_backups(target, backup.parent, keep_backups, _backup_days())
    return backup
