"""The one way the product replaces a workbook on disk.

Every write of a workbook goes through :func:`safe_save`. It guarantees:

* **Nothing is written while the workbook is open elsewhere.** Excel and WPS leave an
  owner file ``~$name.xlsx`` (or ``~$`` + the name without its first two characters)
  beside an open workbook, LibreOffice leaves ``.~lock.name.xlsx#``; if one exists the
  write is refused, both before the work starts and again just before the replace.
* **Nothing is written over parts the writer cannot carry over.** The in-place writer
  (:mod:`addin.book.xlsxpatch`) copies every part of the clerks' sheets byte for byte
  (pictures, shapes, charts, pivot tables, slicers, comments, Excel 2010+ extensions,
  WPS parts, macros), so what it cannot keep is only what sits on the sheets it rebuilds
  (``统计`` and the hidden fingerprint sheet; its own chart on 统计 excepted) and Strict
  OOXML packages. :func:`foreign_parts` finds them (reading the zip directly) and the
  write is refused with a Chinese message naming the sheet and the part.
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
import errno
import os
import posixpath
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
from xml.etree import ElementTree as ET

from ..errors import Refused

__all__ = ["WriteRefused", "lock_file", "foreign_parts", "check_writable", "safe_save",
           "snapshot", "BACKUP_DIR_NAME", "TEMP_PREFIX"]

BACKUP_DIR_NAME = "备份"
TEMP_PREFIX = ".~zhicheng-"
OWN_SHEETS = ("统计", "_计算记录")     # rebuilt by every refresh


class WriteRefused(Refused):
    """Raised when a write is refused; ``str(exc)`` is a clear Chinese message saying why
    and what to do. ``reasons`` lists the individual reasons (e.g. the foreign parts)."""


# ---------------------------------------------------------------------------------------
# Owner (lock) files


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


# ---------------------------------------------------------------------------------------
# Parts openpyxl cannot carry over

_NS = {
    "main": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "xdr": "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}

# labels (what the user is told is there)
IMAGE = "图片"
SHAPE = "形状或文本框"
CHART = "图表"
CHART_EX = "新式图表（如瀑布图、旭日图、地图）"
SMARTART = "SmartArt 图形"
INK = "墨迹或手写内容"
OTHER_DRAWING = "无法识别的绘图对象"
FORM_CONTROL = "表单控件（按钮、复选框、下拉框等）"
ACTIVEX = "ActiveX 控件"
OLE = "嵌入的对象（OLE，如 Word 文档、PDF）"
PIVOT = "数据透视表"
SLICER = "切片器"
TIMELINE = "日程表（数据透视表时间筛选器）"
BACKGROUND = "工作表背景图片"
HEADER_IMAGE = "页眉页脚中的图片"
THREADED = "新式批注（可回复的批注）"
CELL_IMAGE = "嵌入单元格的图片"
DATA_MODEL = "数据模型（Power Pivot）"
CONNECTION = "外部数据连接或查询（Power Query）"
WEB_EXTENSION = "Office 加载项内容"
EXT_VALIDATION = "引用其他工作表的下拉列表（扩展数据验证）"
EXT_FORMATTING = "新式条件格式（扩展条件格式）"
SPARKLINES = "迷你图"
_EXTENSIONS = ((re.compile(rb"<(?:\w+:)?dataValidations\b"), EXT_VALIDATION),
               (re.compile(rb"<(?:\w+:)?conditionalFormattings\b"), EXT_FORMATTING),
               (re.compile(rb"<(?:\w+:)?sparklineGroups\b"), SPARKLINES))

_GRAPHIC_URIS = {
    "http://schemas.openxmlformats.org/drawingml/2006/chart": CHART,
    "http://schemas.microsoft.com/office/drawing/2014/chartex": CHART_EX,
    "http://schemas.openxmlformats.org/drawingml/2006/diagram": SMARTART,
    "http://schemas.microsoft.com/office/drawing/2010/slicer": SLICER,
    "http://schemas.microsoft.com/office/drawing/2011/slicer": SLICER,
    "http://schemas.microsoft.com/office/drawing/2012/timeslicer": TIMELINE,
}

# relationship types from a worksheet (last path segment) -> label
_SHEET_REL_LABELS = {
    "ctrlProp": FORM_CONTROL,
    "control": ACTIVEX,
    "oleObject": OLE,
    "package": OLE,
    "pivotTable": PIVOT,
    "slicer": SLICER,
    "timeline": TIMELINE,
    "threadedComment": THREADED,
}

# parts anywhere in the package -> label, for what is not attached to a sheet as expected
# macros and the custom ribbon: checked to be still there in every new version
_MUST_SURVIVE = re.compile(r"^(xl/vbaProject\.bin$|customUI/)", re.IGNORECASE)

_VML_OBJECT = re.compile(rb"ObjectType\s*=\s*[\"']?(\w+)", re.IGNORECASE)
_VML_IMAGE = re.compile(rb"<v:imagedata\b", re.IGNORECASE)


def _not_excel(path: Path, detail: str = "") -> WriteRefused:
    extra = f"（{detail}）" if detail else ""
    return WriteRefused(f"“{Path(path).name}”不是有效的 Excel 文件（.xlsx/.xlsm）{extra}，"
                        f"无法安全写入，本次未写入任何内容。请确认文件未损坏，"
                        f"旧版 .xls 文件请先在 Excel 中另存为 .xlsx。")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def rels_path(part: str) -> str:
    """The relationships part of a package part (``xl/_rels/workbook.xml.rels``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    """A relationship's target as a part name, from the part that holds it."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


class _Package:
    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.names = set(zf.namelist())

    def xml(self, part: str) -> ET.Element | None:
        if part not in self.names:
            return None
        try:
            return ET.fromstring(self.zf.read(part))
        except ET.ParseError:
            return None

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type's last segment, resolved target) of a part's internal relationships."""
        root = self.xml(rels_path(part))
        out = []
        if root is None:
            return out
        for rel in root:
            if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            rtype = (rel.get("Type") or "").rstrip("/").rsplit("/", 1)[-1]
            out.append((rel.get("Id") or "", rtype, resolve(part, rel.get("Target") or "")))
        return out


def _workbook_part(pkg: _Package) -> str | None:
    for _id, rtype, target in pkg.rels(""):
        if rtype == "officeDocument":
            return target
    return "xl/workbook.xml" if "xl/workbook.xml" in pkg.names else None


def _drawing_labels(pkg: _Package, part: str) -> list[str]:
    """What a DrawingML part holds: images, shapes, charts..."""
    root = pkg.xml(part)
    if root is None:
        return [OTHER_DRAWING] if part in pkg.names else []
    found: list[str] = []

    def visit(elem: ET.Element) -> None:
        name = _local(elem.tag)
        if name == "AlternateContent":
            # Excel reads the first Choice; the Fallback is a picture of the same thing
            branches = [c for c in elem if _local(c.tag) == "Choice"] or \
                       [c for c in elem if _local(c.tag) == "Fallback"]
            for child in branches[:1]:
                for grandchild in child:
                    visit(grandchild)
            return
        if name == "pic":
            found.append(IMAGE)
            return
        if name in ("sp", "cxnSp"):
            found.append(SHAPE)
            return
        if name == "grpSp":
            found.append(SHAPE)
            for child in elem:
                visit(child)
            return
        if name == "contentPart":
            found.append(INK)
            return
        if name == "graphicFrame":
            data = elem.find(".//a:graphicData", _NS)
            uri = data.get("uri", "") if data is not None else ""
            found.append(_GRAPHIC_URIS.get(uri, OTHER_DRAWING))
            return
        for child in elem:
            visit(child)

    visit(root)
    return found


def _vml_labels(pkg: _Package, part: str) -> list[str]:
    """Legacy VML: comments (ObjectType Note) are fine; anything else is not."""
    if part not in pkg.names:
        return []
    data = pkg.zf.read(part)
    found = []
    for kind in _VML_OBJECT.findall(data):
        kind = kind.decode("ascii", "replace").lower()
        if kind == "note":
            continue
        found.append(OLE if kind == "pict" else FORM_CONTROL)
    if _VML_IMAGE.search(data):
        found.append(IMAGE)
    return found


def _referenced_ids(sheet_xml: bytes, element: str) -> set[str]:
    pattern = rb"<(?:\w+:)?" + element.encode() + rb"\b[^>]*?\bid\s*=\s*[\"']([^\"']+)"
    return {m.decode("utf-8", "replace") for m in re.findall(pattern, sheet_xml)}


def _sheet_labels(pkg: _Package, part: str, own: bool) -> list[str]:
    found: list[str] = []
    rels = pkg.rels(part)
    sheet_xml: bytes | None = None

    def sheet_bytes() -> bytes:
        nonlocal sheet_xml
        if sheet_xml is None:
            sheet_xml = pkg.zf.read(part) if part in pkg.names else b""
        return sheet_xml

    for rid, rtype, target in rels:
        if rtype == "drawing":
            labels = _drawing_labels(pkg, target)
            if own:
                labels = [x for x in labels if x != CHART]
            found.extend(labels)
        elif rtype == "vmlDrawing":
            labels = _vml_labels(pkg, target)
            if IMAGE in labels and rid in _referenced_ids(sheet_bytes(), "legacyDrawingHF"):
                labels = [HEADER_IMAGE if x == IMAGE else x for x in labels]
            found.extend(labels)
        elif rtype == "image":
            # an image straight from the sheet is its background (OLE previews are
            # referenced from objectPr and reported as OLE already)
            if rid in _referenced_ids(sheet_bytes(), "picture"):
                found.append(BACKGROUND)
        elif rtype in _SHEET_REL_LABELS:
            found.append(_SHEET_REL_LABELS[rtype])
    data = sheet_bytes()
    ext = data.find(b"<extLst")
    if ext >= 0:        # Excel 2010+ extensions that openpyxl drops (e.g. x14:dataValidations)
        found += [label for pattern, label in _EXTENSIONS if pattern.search(data, ext)]
    return found


STRICT = "“严格 Open XML”格式（Strict）的工作簿"


def foreign_parts(path: Path, *, own_sheets: Iterable[str] = OWN_SHEETS) -> list[str]:
    """Chinese descriptions of what the in-place writer (:mod:`addin.book.xlsxpatch`)
    cannot write safely, each naming the sheet; [] for a writable file. The writer keeps
    every part of the clerks' sheets (and every workbook-level part) byte for byte, so
    only the sheets it rebuilds (统计 and the hidden fingerprint sheet) must hold nothing
    but what it writes there (its own chart), and the package must be a Transitional one.

    Raises :class:`WriteRefused` when the file is not a valid .xlsx/.xlsm package.
    """
    path = Path(path)
    own = {own_sheets} if isinstance(own_sheets, str) else set(own_sheets)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _not_excel(path) from None
    except OSError as exc:
        raise WriteRefused(f"无法读取“{path.name}”：{os_reason(exc)}。本次未写入任何内容。") from None
    with zf:
        pkg = _Package(zf)
        wb_part = _workbook_part(pkg)
        wb_root = pkg.xml(wb_part) if wb_part else None
        if wb_root is None or "[Content_Types].xml" not in pkg.names:
            raise _not_excel(path, "缺少工作簿结构")
        messages: list[str] = []
        if wb_root.tag.startswith("{http://purl.oclc.org/ooxml/"):
            messages.append(f"工作簿是{STRICT}，请在 Excel 中另存为“Excel 工作簿（*.xlsx）”后再刷新")
        targets = {rid: (rtype, target) for rid, rtype, target in pkg.rels(wb_part)}
        for sheet in (s for child in wb_root if _local(child.tag) == "sheets"
                      for s in child if _local(s.tag) == "sheet"):
            name = sheet.get("name", "")
            if name not in own:
                continue
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
            rtype, target = targets.get(rid, ("", ""))
            if rtype != "worksheet":
                messages.append(f"“{name}”不是普通工作表（刷新时由本程序重建），请改名后再刷新")
                continue
            labels = list(dict.fromkeys(_sheet_labels(pkg, target, own=True)))
            if labels:
                messages.append(f"“{name}”工作表由本程序在每次刷新时重建，其中的" + "、".join(labels) +
                                "会丢失；请把它们移到其他工作表")
        return messages


def os_reason(exc: OSError) -> str:
    """A Chinese reason for an operating-system error (never the English strerror)."""
    reasons = {errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有权限",
               errno.EPERM: "没有权限", errno.EROFS: "磁盘或文件夹是只读的", errno.EIO: "磁盘读写出错",
               errno.ENOENT: "文件或文件夹不存在", errno.EBUSY: "文件正被其他程序占用",
               errno.EFBIG: "文件超过了磁盘或系统允许的大小",
               errno.ENAMETOOLONG: "文件路径太长", errno.EMFILE: "打开的文件太多"}
    return reasons.get(exc.errno, f"系统错误（错误码 {exc.errno}）" if exc.errno else "系统错误")


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


#: errors of writing a file that are the disk's state, not the file's: full, over quota,
#: read-only, a size the system will not write, an I/O error
DISK_STATE = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EIO)


def disk_state(exc: BaseException) -> bool:
    """Whether an error of writing an output is the disk's state (:data:`DISK_STATE`): the
    run must stop as a whole (the use-case runner makes it a Chinese refusal and removes
    what was made), never be listed as one file's problem beside the files that were made."""
    return isinstance(exc, OSError) and exc.errno in DISK_STATE


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


def _check_lock(path: Path) -> None:
    lock = lock_file(path)
    if lock is not None:
        raise WriteRefused(_lock_message(lock))


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
    _check_lock(path)
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
        _check_lock(path)
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
            if _disk_full(exc):
                raise WriteRefused(f"磁盘空间不足，无法保存工作簿“{path.name}”（所在磁盘：{folder}）。"
                                   f"临时文件已删除，原工作簿未作任何改动。请清理磁盘空间后重试。") from None
            raise WriteRefused(f"保存工作簿“{path.name}”时出错：{os_reason(exc)}。"
                               f"临时文件已删除，原工作簿未作任何改动。") from None
        _verify_output(tmp, target if exists else None)
        os.chmod(tmp, mode)
        _check_lock(path)
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
