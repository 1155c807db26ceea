"""Running a use case, the same way on every shell.

:func:`run` takes the raw values a shell collected, converts them (:mod:`.values`),
decides where output goes, runs the use case and returns its :class:`Outcome` in the
shell's words. Three guarantees hold for every use case because they live here:

- **Whole or nothing.** Files are made in a hidden folder beside the output folder and
  moved into place only when the use case has finished; a refusal or a crash half-way
  leaves no partial set of outputs.
- **Privacy follows the register.** When the register can be read by its owner only
  (mode 0600 on Linux/macOS), everything made from it — outputs, the code key, backups —
  is created the same way (files 0600, folders 0700).
- **A refusal is an answer.** :class:`~addin.errors.Refused` (and a rule's input error)
  becomes exit code 2 with its Chinese message; nothing else is caught here: the shell
  reports a crash as exit code 3.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Iterator, Mapping

from ..errors import Refused
from ..outputs.files import OUTPUT_FOLDER
from .spec import FINDINGS, OK, REFUSED, Context, Outcome, UseCase, Variant, with_values
from .values import convert_all

STAGING_PREFIX = ".~zhicheng-"
#: operating-system errors of writing outputs that are the PC's state, not a bug: a refusal
OUTPUT_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EFBIG, errno.EIO)
#: words with which a refusal already says that nothing was written
NOTHING_WRITTEN = ("未写入", "未作任何改动", "未导入", "未新建", "未生成", "未抽取")
STALE_STAGING_HOURS = 24


class NeedsValue(Refused):
    """A use case needs a value the user did not give (e.g. the reason of a re-draw): the
    command line and the page say which field to fill; the ribbon asks for it and runs again."""

    def __init__(self, message: str, key: str, prompt: str = ""):
        super().__init__(message)
        self.key, self.prompt = key, prompt or message


def refusal_text(exc: object, writes: bool) -> str:
    """A refusal as shown: the message, and once that nothing was written when the use case
    writes and the message does not say so itself."""
    text = str(exc)
    if writes and not any(word in text for word in NOTHING_WRITTEN):
        text += ("" if text.endswith(("。", "！", "）")) else "。") + "本次未写入任何内容。"
    return text


def output_dir(register: Path | None, what: str, now: dt.datetime) -> Path:
    """A new folder beside the register for one run's files (page and ribbon)."""
    if register is None:
        raise Refused("台账尚未保存到本机文件夹：请先保存台账，生成的文件将放在台账所在文件夹。")
    return register.parent / OUTPUT_FOLDER / f"{what}-{now:%Y%m%d-%H%M%S}"


def private(register: Path | None) -> bool:
    """Whether ``register`` can be read by its owner only (POSIX permissions)."""
    if os.name != "posix" or register is None:
        return False
    try:
        return register.stat().st_mode & 0o077 == 0
    except OSError:
        return False


@contextlib.contextmanager
def umask_for(register: Path | None) -> Iterator[None]:
    if not private(register):
        yield
        return
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _mode_for_new_folder() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def _prune_stale(parent: Path) -> None:
    """Staging folders left by runs that were killed (older than a day)."""
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    limit = time.time() - STALE_STAGING_HOURS * 3600
    for entry in entries:
        if entry.name.startswith(STAGING_PREFIX) and entry.is_dir():
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime < limit:
                    shutil.rmtree(entry, ignore_errors=True)


def stage(final: Path) -> Path:
    """A hidden folder beside ``final`` where a run makes its files."""
    parent = final.parent
    parent.mkdir(parents=True, exist_ok=True)
    _prune_stale(parent)
    tmp = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{final.name}-", dir=parent))
    os.chmod(tmp, _mode_for_new_folder())          # mkdtemp makes 0700 whatever the register's privacy
    if os.name == "nt":                            # pragma: no cover - Windows only
        with contextlib.suppress(Exception):
            import ctypes
            ctypes.windll.kernel32.SetFileAttributesW(str(tmp), 0x2)      # hidden
    return Path(os.path.join(str(parent), tmp.name)) if not final.is_absolute() else tmp


def _moves(src: Path, dst: Path) -> list[tuple[Path, Path]]:
    """(what, where) to move ``src``'s content into the existing folder ``dst``: a folder
    that ``dst`` lacks goes whole, the others file by file; refused (nothing moved) when a
    file would replace a folder or the reverse."""
    out = []
    for entry in sorted(src.iterdir()):
        target = dst / entry.name
        if entry.is_dir() and target.is_dir():
            out += _moves(entry, target)
        elif entry.is_dir() and target.exists() or not entry.is_dir() and target.is_dir():
            raise Refused(f"无法写入“{target}”：已有同名的{'文件' if entry.is_dir() else '文件夹'}")
        else:
            out.append((entry, target))
    return out


def move_into(src: Path, dst: Path) -> None:
    """Move what ``src`` holds into ``dst`` (created when missing), whole or not at all: the
    files it replaces are first set aside under hidden names beside them, then the new
    ones moved in; when a step fails (a file open in Word/WPS on Windows cannot be
    replaced), what was moved in is taken out again and what was set aside is put back,
    and the error is raised. ``src`` is removed."""
    if not dst.exists():
        os.replace(src, dst)
        return
    if not dst.is_dir():
        raise Refused(f"输出位置“{dst}”是一个文件，请指定文件夹")
    moves = _moves(src, dst)
    aside: list[tuple[Path, Path]] = []
    placed: list[Path] = []
    try:
        for n, (_entry, target) in enumerate(moves):
            if os.path.lexists(target):
                hidden = target.with_name(f"{STAGING_PREFIX}old-{os.getpid()}-{n}-{target.name}")
                os.replace(target, hidden)
                aside.append((target, hidden))
        for entry, target in moves:
            os.replace(entry, target)
            placed.append(target)
    except BaseException:
        for target in reversed(placed):
            with contextlib.suppress(OSError):
                if target.is_dir():
                    shutil.rmtree(target)
                else:
                    target.unlink()
        for target, hidden in reversed(aside):
            with contextlib.suppress(OSError):
                os.replace(hidden, target)
        raise
    for _target, hidden in aside:
        with contextlib.suppress(OSError):
            hidden.unlink()
    shutil.rmtree(src, ignore_errors=True)


def _rewrite(outcome: Outcome, tmp: Path, final: Path) -> None:
    a, b = str(tmp), str(final)
    outcome.lines = [line.replace(a, b) for line in outcome.lines]
    outcome.files = [Path(str(f).replace(a, b)) for f in outcome.files]
    if outcome.out is not None:
        outcome.out = Path(str(outcome.out).replace(a, b))


def _has_files(folder: Path) -> bool:
    return any(p.is_file() for p in folder.rglob("*"))


def run(usecase: UseCase, raw: Mapping[str, object], ctx: Context, variant: str | None = None) -> Outcome:
    """Run ``usecase`` with the values a shell collected; ``variant`` names the button (the
    page and the ribbon), whose fixed values then apply; the command line names none."""
    chosen = usecase.variant(variant) if variant is not None else Variant("", usecase.label)
    try:
        values = convert_all(usecase, with_values(usecase, chosen, raw, ctx.register), ctx.door,
                             register_given=ctx.opener is not None)
        if values.get("register") is not None and ctx.opener is None:      # a register file named by the user
            from .common import open_register_file

            path = Path(values["register"])
            ctx.register, ctx.opener = path, (lambda write: open_register_file(path, write))
        outcome = _run(usecase, values, ctx)
    except NeedsValue as exc:
        outcome = Outcome([refusal_text(exc, usecase.writes)], REFUSED)
        outcome.json = {"needs": exc.key, "prompt": exc.prompt}
    except Refused as exc:
        outcome = Outcome([refusal_text(exc, usecase.writes)], REFUSED)
    except OSError as exc:
        if exc.errno not in OUTPUT_ERRORS:
            raise
        from ..book.safe_write import os_reason

        where = f"“{exc.filename}”" if exc.filename else "输出文件"
        hint = "（文件可能正被 Word、WPS 或其他程序打开，请关闭后重试）" if exc.errno in (errno.EACCES, errno.EPERM) else ""
        outcome = Outcome([f"无法写入{where}：{os_reason(exc)}{hint}。已生成的部分已删除，没有留下不完整的文件"
                           + ("；台账没有改动。" if not usecase.writes else "。")], REFUSED)
    except Exception as exc:
        from ..rules.base import RuleInputError

        if not isinstance(exc, RuleInputError):
            raise
        outcome = Outcome([refusal_text(exc, usecase.writes)], REFUSED)
    outcome.lines = [ctx.door.render(line, usecase) for line in outcome.lines]
    return outcome


def _run(usecase: UseCase, values: dict[str, object], ctx: Context) -> Outcome:
    for p in usecase.params:                    # the page and the ribbon: files go beside the register
        if ctx.register is None and usecase.register == "optional":
            break                               # (a use case that may run without one makes no files then)
        if values.get(p.key) is None and p.kind == "out" and usecase.output:
            values[p.key] = output_dir(ctx.register, usecase.output, ctx.now)
        elif values.get(p.key) is None and p.kind == "newfile" and p.filename:
            values[p.key] = output_dir(ctx.register, usecase.output or "输出", ctx.now) / p.filename
    out_key = next((p.key for p in usecase.params if p.kind in ("out", "newfile") and values.get(p.key)), None)
    with umask_for(ctx.register):
        if out_key is None:
            return usecase.run(ctx, **values)
        target = Path(values[out_key])
        final = target if usecase.param(out_key).kind == "out" else target.parent
        if usecase.param(out_key).kind == "newfile" and target.exists():
            raise Refused(f"“{target}”已存在，请换一个文件名（不覆盖已有文件）")
        tmp = stage(final)
        ctx.destination = final
        try:
            staged = dict(values)
            staged[out_key] = tmp if usecase.param(out_key).kind == "out" else tmp / target.name
            outcome = usecase.run(ctx, **staged)
            if outcome.code in (OK, FINDINGS) and _has_files(tmp):
                move_into(tmp, final)
                _rewrite(outcome, tmp, final)
                if outcome.out is None:
                    outcome.out = final
        except OSError as exc:                     # said with the place the file was to have, not the staging folder
            for attr in ("filename", "filename2"):
                if getattr(exc, attr, None):
                    setattr(exc, attr, str(getattr(exc, attr)).replace(str(tmp), str(final)))
            raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return outcome
