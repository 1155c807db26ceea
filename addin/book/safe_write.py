"""The one way the product replaces a workbook on disk.

Every write of a workbook goes through :func:`safe_save`. It guarantees:

* **Nothing is written while the workbook is open elsewhere.** Excel and WPS leave an
  owner file ``~$name.xlsx`` (or ``~$`` + the name without its first two characters)
  beside an open workbook, LibreOffice leaves ``.~lock.name.xlsx#``; if one exists the
  write is refused, both before the work starts and again just before the replace.
* **Nothing is written over parts the writer cannot carry over.** openpyxl rewrites the
  whole file from what it understood, so pictures, shapes, text boxes, other people's
  charts, pivot tables, form controls, ActiveX and OLE objects, slicers... would be lost
  or damaged. :func:`foreign_parts` finds them (reading the zip directly, without
  openpyxl) and the write is refused with a Chinese message naming the sheet and the
  part. Charts on our own sheets (``统计``) are ours: the dashboard is rebuilt on every
  refresh. Comments, data validation, conditional formats, tables and defined names are
  kept by openpyxl and are not foreign.
* **The old version is kept.** Before a replace, the workbook is copied to ``备份``
  beside it as ``<stem>-YYYYMMDD-HHMMSS-ffffff<suffix>``; the newest ``keep_backups``
  copies of that workbook are kept, older ones are deleted after a successful write.
* **The replace is atomic.** The new version is written to a hidden temporary file in
  the same folder, flushed to disk, checked (a complete zip with ``[Content_Types].xml``;
  macros and custom ribbon still there when the original had them), then moved over the
  workbook with ``os.replace``. A crash or kill at any moment leaves either the old
  bytes or the complete new bytes under the workbook's name (a killed process may leave
  a hidden ``.~zhicheng-*`` temporary file behind; it is never used as the workbook).
* **A failed write changes nothing.** If ``save`` raises, writes garbage, or the file
  was changed by someone else meanwhile, the temporary file is removed, the original is
  untouched, and the caller gets the exception (:class:`WriteRefused` with a Chinese
  message for everything this module refuses).
"""

from __future__ import annotations

import datetime as dt
import os
import posixpath
import re
import shutil
import stat
import tempfile
import time
import warnings
import zipfile
from pathlib import Path
from typing import Callable, Iterable
from xml.etree import ElementTree as ET

from ..errors import Refused

__all__ = ["WriteRefused", "lock_file", "foreign_parts", "check_writable", "safe_save",
           "snapshot", "BACKUP_DIR_NAME", "TEMP_PREFIX"]

BACKUP_DIR_NAME = "备份"
TEMP_PREFIX = ".~zhicheng-"
OWN_SHEETS = ("统计",)


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
    return (f"工作簿正在被 Excel 或 WPS 打开（发现锁文件 {lock.name}），请关闭后重试。"
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
_NUMERIC_CELL = re.compile(rb'<c r="([A-Z]+\d+)"([^>]*?)>\s*<v>([^<]*)</v>')
_EXCEL_LAST_SERIAL = 2958465           # 9999-12-31: larger numbers in a date cell cannot be read as dates

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
_PART_LABELS = (
    ("xl/pivotTables/", PIVOT), ("xl/pivotCache/", PIVOT),
    ("xl/slicers/", SLICER), ("xl/slicerCaches/", SLICER),
    ("xl/timelines/", TIMELINE), ("xl/timelineCaches/", TIMELINE),
    ("xl/ctrlProps/", FORM_CONTROL), ("xl/activeX/", ACTIVEX), ("xl/embeddings/", OLE),
    ("xl/charts/chartEx", CHART_EX), ("xl/threadedComments/", THREADED),
    ("xl/richData/", CELL_IMAGE), ("xl/model/", DATA_MODEL),
    ("xl/connections.xml", CONNECTION), ("xl/queryTables/", CONNECTION),
    ("xl/webextensions/", WEB_EXTENSION),
)

# parts openpyxl keeps only when the writer loads with keep_vba=True: never lost silently
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


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _resolve(source_part: str, target: str) -> str:
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
        root = self.xml(_rels_path(part))
        out = []
        if root is None:
            return out
        for rel in root:
            if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
                continue
            rtype = (rel.get("Type") or "").rstrip("/").rsplit("/", 1)[-1]
            out.append((rel.get("Id") or "", rtype, _resolve(part, rel.get("Target") or "")))
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


def _date_styles(pkg: _Package) -> set[int]:
    """Indexes of the cell formats (styles.xml cellXfs) that show a number as a date."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    root = pkg.xml("xl/styles.xml")
    if root is None:
        return set()
    custom = {}
    for el in root.iter():
        if _local(el.tag) == "numFmt":
            custom[el.get("numFmtId")] = el.get("formatCode") or ""
    out = set()
    xfs = next((el for el in root if _local(el.tag) == "cellXfs"), None)
    for index, xf in enumerate(xfs if xfs is not None else []):
        fmt_id = xf.get("numFmtId") or "0"
        code = custom.get(fmt_id) or BUILTIN_FORMATS.get(int(fmt_id) if fmt_id.isdigit() else -1, "")
        if code and is_date_format(code):
            out.add(index)
    return out


def _dates_out_of_range(pkg: _Package, part: str, date_styles: set[int]) -> list[tuple[str, str]]:
    """(cell, number) of date-formatted cells holding a number beyond 9999-12-31 (such as
    20240912 typed as a number): openpyxl turns them into #VALUE! when saving."""
    if not date_styles or part not in pkg.names:
        return []
    out = []
    for match in _NUMERIC_CELL.finditer(pkg.zf.read(part)):
        attrs = match.group(2)
        style = re.search(rb'\bs="(\d+)"', attrs)
        kind = re.search(rb'\bt="(\w+)"', attrs)
        if not style or int(style.group(1)) not in date_styles or (kind and kind.group(1) != b"n"):
            continue
        try:
            number = float(match.group(3))
        except ValueError:
            continue
        if number > _EXCEL_LAST_SERIAL:
            out.append((match.group(1).decode(), match.group(3).decode()))
    return out


def foreign_parts(path: Path, *, own_sheets: Iterable[str] = OWN_SHEETS) -> list[str]:
    """Chinese descriptions of every part of the workbook that an openpyxl rewrite would
    drop or damage, naming the sheet (``“申报人员”工作表中有图片``); [] for a clean file.

    Raises :class:`WriteRefused` when the file is not a valid .xlsx/.xlsm package.
    """
    path = Path(path)
    own = {own_sheets} if isinstance(own_sheets, str) else set(own_sheets)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise _not_excel(path) from None
    except OSError as exc:
        raise WriteRefused(f"无法读取“{path.name}”：{exc.strerror or exc}。"
                           f"本次未写入任何内容。") from None
    with zf:
        pkg = _Package(zf)
        wb_part = _workbook_part(pkg)
        wb_root = pkg.xml(wb_part) if wb_part else None
        if wb_root is None or "[Content_Types].xml" not in pkg.names:
            raise _not_excel(path, "缺少工作簿结构")
        targets = {rid: (rtype, target) for rid, rtype, target in pkg.rels(wb_part)}
        date_styles = _date_styles(pkg)

        messages: list[str] = []
        labels_seen: set[str] = set()

        def add(message: str, label: str) -> None:
            labels_seen.add(label)
            if message not in messages:
                messages.append(message)

        # by local names, so that Strict OOXML files are read too
        sheets = [s for child in wb_root if _local(child.tag) == "sheets"
                  for s in child if _local(s.tag) == "sheet"]
        for sheet in sheets:
            name = sheet.get("name", "")
            rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
            rtype, target = targets.get(rid, ("", ""))
            if rtype == "chartsheet":
                add(f"“{name}”是图表工作表（整张工作表是一个图表）", CHART)
                continue
            if rtype in ("dialogsheet", "macrosheet", "xlMacrosheet", "xlIntlMacrosheet"):
                add(f"“{name}”是 Excel 4.0 宏表或对话框表", "macrosheet")
                continue
            for label in _sheet_labels(pkg, target, own=name in own):
                add(f"“{name}”工作表中有{label}", label)
            for cell, number in _dates_out_of_range(pkg, target, date_styles):
                add(f"“{name}”工作表{cell}单元格是日期格式，却填了数字{number}（超出日期范围，保存会变成#VALUE!），"
                    f"请改写成 2024-09-12 这样的日期", "date")

        for prefix, label in _PART_LABELS:
            if label in labels_seen:
                continue
            if any(n.startswith(prefix) for n in pkg.names):
                add(f"工作簿中有{label}", label)
        return messages


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
    anything: it exists, it is not open in Excel/WPS, neither it nor its folder is
    read-only, and (``check_foreign``) it holds nothing openpyxl would drop."""
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
                f"工作簿“{path.name}”中有本程序无法原样保留的内容：\n{listing}\n"
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
        raise WriteRefused(f"无法创建备份文件夹“{backup_dir}”：{exc.strerror or exc}。"
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
        shutil.copy2(path, tmp)
        _fsync_file(tmp)
        os.replace(tmp, backup)
        tmp = None
    except OSError as exc:
        _remove_quietly(tmp)
        raise WriteRefused(f"无法在“{backup_dir}”中备份工作簿：{exc.strerror or exc}。"
                           f"为避免无备份覆盖，本次未写入任何内容。") from None
    return backup


def _prune_backups(path: Path, backup_dir: Path, keep: int) -> None:
    pattern = _backup_pattern(path)
    try:
        entries = [(m.group(1), p) for p in backup_dir.iterdir()
                   if (m := pattern.match(p.name)) and p.is_file()]
    except OSError:
        return
    entries.sort(reverse=True)
    for _stamp, old in entries[keep:]:
        try:
            old.unlink()
        except OSError as exc:
            warnings.warn(f"无法删除旧备份 {old}：{exc}", RuntimeWarning, stacklevel=3)


def _verify_output(tmp: Path, original: Path | None) -> None:
    bad = WriteRefused("生成的新工作簿不是完整的 Excel 文件，已放弃写入，原工作簿未作任何改动。"
                       "请重试；如果反复出现，请联系维护人员。")
    try:
        with zipfile.ZipFile(tmp) as zf:
            names = set(zf.namelist())
            if "[Content_Types].xml" not in names or zf.testzip() is not None:
                raise bad
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
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
    write is refused; any exception leaves the original untouched.
    """
    if keep_backups < 1:
        raise ValueError("keep_backups must be at least 1")
    path = Path(path)
    # write through a symbolic link to the real file instead of replacing the link
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    folder = target.parent
    exists = os.path.lexists(target)

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

    backup = _make_backup(target, backup_dir or folder / BACKUP_DIR_NAME) if exists else None
    tmp: Path | None = None
    try:
        try:
            fd, name = tempfile.mkstemp(dir=folder, prefix=TEMP_PREFIX, suffix=target.suffix)
        except OSError as exc:
            raise WriteRefused(f"无法在“{folder}”中创建临时文件：{exc.strerror or exc}。"
                               f"本次未写入任何内容。") from None
        os.close(fd)
        tmp = Path(name)
        save(tmp)
        _fsync_file(tmp)
        _verify_output(tmp, target if exists else None)
        os.chmod(tmp, mode)
        _check_lock(path)
        if _signature(target) != before:
            raise _changed_meanwhile(path)
        _replace(tmp, target)
        tmp = None
    except BaseException:
        _remove_quietly(tmp)
        # the original is untouched, so the copy just made is redundant: drop it rather
        # than let failed attempts rotate real history out of the backup folder (unless
        # someone else changed the workbook meanwhile: then it is the only copy left)
        if backup is not None and _signature(target) == before:
            _remove_quietly(backup)
        raise
    _fsync_dir(folder)
    if backup is not None:
        _prune_backups(target, backup.parent, keep_backups)
    return backup
