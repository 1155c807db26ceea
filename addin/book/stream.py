"""The one reader of workbook files: every sheet's cells that hold data, streamed.

Every command that reads a workbook file (check, refresh, import, finance, publicity,
docs, roster, demo) reads it here, so they all see the same rows. The reader

* never trusts the ``<dimension>`` element (a stale ``A1:BP10`` hides nothing): it
  reads every ``<row>`` of ``<sheetData>``;
* keeps only the rows that hold data, sparsely ({column: value}), so one value in row
  1,048,576 or column XFD costs one row, not a million (the table reader reports such
  stray rows instead of counting them);
* refuses a package whose parts would inflate beyond the bounds before inflating any
  (:func:`addin.book.package_limits.open_package`);
* gives what Excel shows: shared and inline strings (text that looks like a number stays
  text), numbers, booleans, error values as their text (``#N/A``), the cached result of
  a formula, and date-formatted numbers as datetimes in the workbook's date system
  (1900 or 1904; a fraction of a day alone is a ``datetime.time``);
* lists every formula cell that has no cached result (a file saved by a program that
  does not calculate), which it gives as empty: the caller must say so.

It parses with lxml's ``iterparse`` over the zip member stream, one row at a time.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import threading
import zipfile
import zlib
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from lxml import etree
from python_calamine import CalamineError, CalamineWorkbook
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from .. import data
from .package_limits import (HEAD_BYTES, PackageRefused, check_integrity, damaged, declares_doctype,
                             describe_damage, open_package)

MAIN_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
           "http://purl.oclc.org/ooxml/spreadsheetml/main")                  # transitional, strict
REL_OFFICE_DOCUMENT = "/officeDocument"
#: what reading a damaged package raises (zip, deflate, XML, calamine): a refusal, never a crash
DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, etree.XMLSyntaxError, CalamineError)
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_DIGITS = "0123456789"


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def column_index(letters: str) -> int:
    """0-based index of a column's letters: A -> 0, Z -> 25, AA -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


_LAST_ROW, _LAST_COLUMN = 1_048_576, 16_383          # Excel's sheet: rows 1-1,048,576, columns A-XFD
_COLUMN_LETTERS = re.compile(r"[A-Za-z]{1,3}")


def _bad_reference(ref: str, sheet: str, path: Path) -> PackageRefused:
    return PackageRefused(damaged(Path(path).name, f"“{sheet}”工作表中的单元格位置“{ref[:40]}”不是 Excel 的单元格"))


def _row_number(r: str, sheet: str, path: Path) -> int:
    """A ``<row r="...">`` number, 1 to 1,048,576; anything else is a damaged file."""
    try:
        number = int(r)
    except ValueError:
        number = 0
    if not 0 < number <= _LAST_ROW:
        raise _bad_reference(f"第{r[:20]}行", sheet, path)
    return number


def _column_of(letters: str, ref: str, sheet: str, path: Path) -> int:
    """The 0-based column of a cell reference's letters (``B`` of ``B5``), A to XFD; a
    reference of another form (``B!5``, ``5``, ``ZZZZ1``) is a damaged file."""
    if not _COLUMN_LETTERS.fullmatch(letters) or len(letters) == len(ref):
        raise _bad_reference(ref, sheet, path)
    col = column_index(letters.upper())
    if col > _LAST_COLUMN:
        raise _bad_reference(ref, sheet, path)
    return col


@dataclass
class SheetValues:
    """One worksheet as read from the file: only the rows that hold data."""

    name: str
    rows: list[tuple[int, dict[int, object]]] = field(default_factory=list)   # (row number, {0-based column: value})
    hidden: bool = False
    uncached: list[str] = field(default_factory=list)    # formula cells (A1 refs) without a cached result
    totals: frozenset[int] = frozenset()     # rows that are an Excel table's totals row (表设计 > 汇总行): not data

    def cell(self, row: int, column: int) -> object:
        """The value at a 1-based row and column (None when empty)."""
        if not hasattr(self, "_by_row"):
            self._by_row = dict(self.rows)
        return self._by_row.get(row, {}).get(column - 1)

    def first_row(self) -> tuple:
        """Row 1 as a tuple (empty when row 1 holds nothing)."""
        if not self.rows or self.rows[0][0] != 1:
            return ()
        cells = self.rows[0][1]
        return tuple(cells.get(i) for i in range(max(cells) + 1))

    def dense(self) -> list[tuple]:
        """Row 1 to the last data row as tuples (for small sheets; blank rows are ())."""
        out: list[tuple] = []
        for number, cells in self.rows:
            out.extend(() for _ in range(number - 1 - len(out)))
            width = max(cells) + 1 if cells else 0
            out.append(tuple(cells.get(i) for i in range(width)))
        return out


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type suffix, target part) of a part's .rels."""
    folder, name = posixpath.split(part)
    rels_name = posixpath.join(folder, "_rels", name + ".rels")
    if rels_name not in zf.NameToInfo:
        return {}
    out = {}
    for rel in etree.fromstring(zf.read(rels_name), _SAFE):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            continue
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        out[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], resolved)
    return out


def _workbook_part(zf: zipfile.ZipFile) -> str:
    for _, (kind, target) in _rels(zf, "").items():
        if kind == REL_OFFICE_DOCUMENT.strip("/"):
            return target
    return "xl/workbook.xml"


_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape_char(match: re.Match) -> str:
    code = int(match.group(1), 16)
    return match.group(0) if 0xD800 <= code <= 0xDFFF else chr(code)      # a lone surrogate stays as written


def unescape(text: str) -> str:
    """Text as Excel shows it: OOXML writes a character XML cannot hold (a control character
    pasted with a name, e.g. a vertical tab) as ``_x000B_``, and a literal ``_x`` as
    ``_x005F_x``; read left to right, as Excel and calamine do."""
    return _ESCAPED.sub(_unescape_char, text) if "_x" in text else text


def _text_of(element) -> str:
    """The text of a shared or inline string: its <t>, or its runs' <t> (phonetic runs
    excluded), unescaped (:func:`unescape`)."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return unescape("".join(parts))


def _shared_strings(zf: zipfile.ZipFile, part: str | None) -> list[str]:
    if not part or part not in zf.NameToInfo:
        return []
    out: list[str] = []
    with zf.open(part) as stream:
        for _, si in etree.iterparse(stream, events=("end",), tag=[f"{{{ns}}}si" for ns in MAIN_NS],
                                     resolve_entities=False, no_network=True, load_dtd=False):
            out.append(_text_of(si))
            si.clear()
    return out


_RANGE = re.compile(r"\$?[A-Za-z]{1,3}\$?(\d{1,7}):\$?[A-Za-z]{1,3}\$?(\d{1,7})")


def _totals_rows(zf: zipfile.ZipFile, sheet_part: str) -> frozenset[int]:
    """The rows of a sheet that are its tables' totals rows (``totalsRowCount``: the last
    rows of the table's range), which hold SUBTOTAL formulas, never data."""
    rows: set[int] = set()
    for kind, target in _rels(zf, sheet_part).values():
        if kind != "table" or target not in zf.NameToInfo:
            continue
        root = etree.fromstring(zf.read(target), _SAFE)
        count, ref = root.get("totalsRowCount") or "0", _RANGE.fullmatch(root.get("ref") or "")
        if count.isdigit() and int(count) > 0 and ref:
            last = int(ref.group(2))
            rows.update(range(max(int(ref.group(1)) + 1, last - int(count) + 1), last + 1))
    return frozenset(rows)


def _date_styles(zf: zipfile.ZipFile, part: str | None) -> frozenset[int]:
    """Indexes of the cell formats (cellXfs) whose number format shows a date or time."""
    if not part or part not in zf.NameToInfo:
        return frozenset()
    root = etree.fromstring(zf.read(part), _SAFE)
    custom = {}
    out = set()
    for child in root:
        name = _local(child.tag)
        if name == "numFmts":
            custom = {f.get("numFmtId"): f.get("formatCode", "") for f in child}
        elif name == "cellXfs":
            for index, xf in enumerate(child):
                fmt = xf.get("numFmtId") or "0"
                code = custom.get(fmt) or BUILTIN_FORMATS.get(int(fmt) if fmt.isdigit() else -1, "")
                if code and is_date_format(code):
                    out.add(index)
    return frozenset(out)


@dataclass
class Package:
    """What the sheets need from the rest of the package."""

    zf: zipfile.ZipFile
    path: Path
    sheets: list[tuple[str, str, bool]]       # (name, part, hidden), in workbook order
    strings: list[str]
    date_styles: frozenset[int]
    epoch: dt.datetime
    totals: dict[str, frozenset[int]] = field(default_factory=dict)     # sheet part -> its tables' totals rows

    @classmethod
    def open(cls, path: Path, *, intake: bool = False) -> "Package":
        """The package's workbook structure, shared strings and date formats; every part
        the sheets' reading does not check is checked here first (damage, a DOCTYPE:
        :func:`~addin.book.package_limits.check_integrity`). ``intake``: a workbook the
        tool only takes in (a smaller bound on its size)."""
        path = Path(path)
        zf = open_package(path, intake=intake)
        try:
            wb_part = _workbook_part(zf)
            if wb_part not in zf.NameToInfo:
                raise PackageRefused(f"“{path.name}”不是有效的 Excel 工作簿（缺少工作簿结构）")
            rels = _rels(zf, wb_part)
            parts = [target for kind, target in rels.values() if kind == "worksheet" and target in zf.NameToInfo]
            check_integrity(zf, path.name, skip=parts)      # the sheets are checked as they are read
            for part in parts:
                with zf.open(part) as stream:
                    if declares_doctype(stream.read(HEAD_BYTES)):
                        raise PackageRefused(damaged(path.name, f"部件 {part} 含有文档类型（DOCTYPE）或实体声明，"
                                                                f"Excel 保存的文件不会有，为安全起见不读取"))
            root = etree.fromstring(zf.read(wb_part), _SAFE)
            epoch, sheets = CALENDAR_WINDOWS_1900, []
            for child in root:
                name = _local(child.tag)
                if name == "workbookPr" and child.get("date1904") in ("1", "true"):
                    epoch = CALENDAR_MAC_1904
                elif name == "sheets":
                    for sheet in child:
                        rid = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), "")
                        kind, target = rels.get(rid, ("", ""))
                        if kind == "worksheet" and target in zf.NameToInfo:
                            sheets.append((sheet.get("name", ""), target, sheet.get("state", "visible") != "visible"))
            by_kind = {kind: target for kind, target in rels.values()}
            return cls(zf, path, sheets, _shared_strings(zf, by_kind.get("sharedStrings")),
                       _date_styles(zf, by_kind.get("styles")), epoch,
                       {part: rows for _n, part, _h in sheets if (rows := _totals_rows(zf, part))})
        except DAMAGE as exc:
            zf.close()
            raise PackageRefused(damaged(path.name, describe_damage(exc))) from None
        except BaseException:
            zf.close()
            raise

    def close(self) -> None:
        self.zf.close()

    def read_sheet(self, name: str, part: str, hidden: bool) -> SheetValues:
        """One worksheet through lxml, row by row (any sheet, whatever its size or form)."""
        try:
            return self._read_sheet(name, part, hidden)
        except DAMAGE as exc:
            raise PackageRefused(damaged(self.path.name, describe_damage(exc, part))) from None

    def _read_sheet(self, name: str, part: str, hidden: bool) -> SheetValues:
        out = SheetValues(name, hidden=hidden)
        strings, date_styles, epoch = self.strings, self.date_styles, self.epoch
        tags = {f"{{{ns}}}{local}": local for ns in MAIN_NS for local in ("v", "f", "is")}
        columns: dict[str, int] = {}
        rows = out.rows
        last_row = 0
        with self.zf.open(part) as stream:
            for _, row in etree.iterparse(stream, events=("end",), tag=[f"{{{ns}}}row" for ns in MAIN_NS],
                                          huge_tree=True, resolve_entities=False, no_network=True, load_dtd=False):
                r = row.get("r")
                number = _row_number(r, name, self.path) if r else last_row + 1
                last_row = number
                cells: dict[int, object] = {}
                col = -1
                for c in row:
                    ref = c.get("r")
                    if ref:
                        letters = ref.rstrip(_DIGITS)
                        col = columns.get(letters)
                        if col is None:
                            col = columns[letters] = _column_of(letters, ref, name, self.path)
                    else:
                        col += 1
                    if col > _LAST_COLUMN:
                        raise _bad_reference(f"{_letters(_LAST_COLUMN)}{number}右边", name, self.path)
                    if not len(c):
                        continue
                    value_el = formula = inline = None
                    for child in c:
                        kind = tags.get(child.tag)
                        if kind == "v":
                            value_el = child
                        elif kind == "f":
                            formula = child
                        elif kind == "is":
                            inline = child
                    t = c.get("t")
                    if inline is not None:
                        value: object = _text_of(inline)
                    elif value_el is None or (formula is not None and not value_el.text and t != "str"):
                        # no result cached (openpyxl writes an empty <v/>); a text result may be ""
                        if formula is not None:
                            out.uncached.append(ref or f"{_letters(col)}{number}")
                        continue
                    else:
                        text = value_el.text or ""
                        if t == "s":
                            try:
                                value = strings[int(text)]
                            except (ValueError, IndexError):
                                value = None
                        elif t is None or t == "n":
                            value = _number(text, c.get("s"), date_styles, epoch)
                        elif t == "b":
                            value = text.strip() in ("1", "true")
                        elif t == "d":
                            value = _iso(text)
                        elif t == "str" or t == "inlineStr":
                            value = unescape(text)
                        else:            # e (error), or a type Excel does not write: the text as it stands
                            value = text
                    if value is not None and value != "":
                        cells[col] = value
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                if any(not (isinstance(v, str) and not v.strip()) for v in cells.values()):
                    rows.append((number, cells))
        rows.sort(key=lambda item: item[0])
        return out

    def read_all(self) -> dict[str, SheetValues]:
        """Every sheet; a plain one (see :func:`plain_sheet`) through calamine, the others
        through :meth:`read_sheet`.

        Two threads share the work. A worker scans the sheets in order; as soon as the
        largest one is known to be safe for calamine (:func:`_bounded`: its grid cannot
        explode), calamine parses it on this thread — in Rust, without the GIL — while the
        worker checks that calamine reads it right (:func:`_faithful`) and then scans and
        reads the other sheets itself. The largest sheet is parsed here, not on the worker:
        glibc gives each thread its own heap, and what calamine frees on a worker is not
        reused by this thread (measured: +25 MB at the end of a 5,000-row refresh when
        every sheet was parsed on a worker); the small ones cost little there. A sheet that
        is not plain is streamed here. An error on the worker is raised here."""
        sizes = [self.zf.getinfo(part).file_size for _n, part, _h in self.sheets]
        largest = max(range(len(sizes)), key=sizes.__getitem__, default=-1)
        bounded, faithful = Future(), Future()            # of the largest sheet
        done = [Future() for _ in self.sheets]            # the worker's reading of the others (None: stream it)

        def fast_enough(part: str, size: int) -> memoryview | None:
            if self.epoch is not CALENDAR_WINDOWS_1900 or size > _FAST_MAX_BYTES:
                return None
            return _sheet_data(self.zf.read(part))

        def work() -> None:
            workbook = None
            part = None
            try:
                for i, (name, part, hidden) in enumerate(self.sheets):
                    body = fast_enough(part, sizes[i])
                    safe = body is not None and _bounded(body)
                    if i == largest:
                        bounded.set_result(safe)
                        faithful.set_result(safe and _faithful(body))
                    elif safe and _faithful(body):
                        body = None                        # freed before calamine inflates its own
                        if workbook is None:
                            workbook = CalamineWorkbook.from_path(str(self.path))
                        done[i].set_result(_sheet_values(_calamine_parse(workbook, name), name, hidden))
                    else:
                        done[i].set_result(None)
                    body = None
            except BaseException as exc:  # noqa: BLE001 - raised on the reading thread
                if isinstance(exc, DAMAGE):
                    exc = PackageRefused(damaged(self.path.name, describe_damage(exc, part)))
                for future in (bounded, faithful, *done):
                    if not future.done():
                        future.set_exception(exc)
            finally:
                if workbook is not None:
                    workbook.close()

        out = {}
        fast = None
        worker = threading.Thread(target=work, name="sheets", daemon=True)
        worker.start()
        try:
            if largest >= 0 and self.epoch is CALENDAR_WINDOWS_1900 and sizes[largest] <= _FAST_MAX_BYTES:
                try:                                  # opened while the worker scans, if calamine can
                    fast = CalamineWorkbook.from_path(str(self.path))
                except Exception:  # noqa: BLE001 - only needed for a plain sheet: tried again then
                    fast = None
            for i, (name, part, hidden) in enumerate(self.sheets):
                if i == largest:
                    if bounded.result():
                        try:
                            if fast is None:
                                fast = CalamineWorkbook.from_path(str(self.path))
                            parsed = _calamine_parse(fast, name)
                        except DAMAGE as exc:
                            raise PackageRefused(damaged(self.path.name, describe_damage(exc, part))) from None
                        if faithful.result():
                            out[name] = _sheet_values(parsed, name, hidden)
                            continue
                        del parsed
                elif (sheet := done[i].result()) is not None:
                    out[name] = sheet
                    continue
                out[name] = self.read_sheet(name, part, hidden)
            for name, part, _hidden in self.sheets:
                if part in self.totals:
                    out[name].totals = self.totals[part]
            return out
        finally:
            worker.join()
            if fast is not None:
                fast.close()


# --- the fast path ----------------------------------------------------------------------------
#
# calamine (Rust) reads a sheet about ten times faster than any Python loop over its XML, and
# gives the same values for what it can read: strings, numbers, booleans, cached results,
# dates. It cannot say which formula has no cached result, it gives error cells as "", and it
# builds a dense grid from the first to the last cell (one value in row 1,048,576 costs
# gigabytes; one in XFD20000 asks for 10 GB and aborts the process, which no Python code can
# catch). So it reads only a sheet shown plain by a scan of its bytes, in two parts. Bounded
# (what keeps calamine safe): every cell written ``<c r="A1"`` (its reference first, in double
# quotes after one space: a reference written any other way — ``<c s="5" r="XFD20000">``,
# ``r='A1'``, ``r = "A1"``, a line break before it, a namespace prefix — is not looked for by
# the scan, so such a sheet is not bounded and goes to the streaming parser, which reads
# references whatever their form), no column beyond ZZ, every row with its reference first,
# ascending, without a gap wider than max_blank_gap, no cell below the last row, and the real
# extent (row 1 to the last row, by the widest column) at most calamine_max_cells. Faithful (what
# calamine would get wrong): no formula, no error or ISO-date cell. Every other sheet goes
# through read_sheet above.

_FAST_MAX_BYTES = 256 * 2**20              # larger sheet XML is streamed, never held whole
# each found in one pass over the bytes (a regex with a literal start runs at memory speed; one
# alternation of them all would not)
_PREFIXED = re.compile(rb':(?:c|row)[\s>/]')     # a cell or row with a namespace prefix
_WIDE = re.compile(rb'<c r="([A-Z]{2})\d')
_NOT_FAITHFUL = tuple(re.compile(p) for p in (rb'<f[ >/]', rb't="[ed]"'))
_ROWS = re.compile(rb'<row(?:\s+r="(\d+)")?')


def _up_to(number: int) -> str:
    """A regular expression for the decimal numbers from 1 to ``number`` written without
    leading zeros (5001: 1-999, 1000-4999, 5000, 5001); one that matches nothing for 0."""
    text = str(number)
    if number < 1:
        return "(?!)"
    options = [rf"[1-9]\d{{0,{len(text) - 2}}}"] if len(text) > 1 else []       # fewer digits
    for i, digit in enumerate(text):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            options.append(re.escape(text[:i]) + f"[{low}-{int(digit) - 1}]" + rf"\d{{{len(text) - i - 1}}}")
    options.append(text)
    return "(?:" + "|".join(options) + ")"


def _cells_beyond(last_row: int) -> re.Pattern[bytes]:
    """A cell not written ``<c r="A1"`` with a column up to ZZ and a row up to ``last_row``:
    one pass over the bytes finds a reference written another way, a column beyond ZZ and
    a cell below the last row (or a cell when there is no row)."""
    return re.compile(rb'<c(?=[\s>/])(?! r="[A-Z]{1,2}' + _up_to(last_row).encode() + rb'")')


def _sheet_data(xml: bytes) -> memoryview | None:
    """The ``<sheetData>`` of a sheet's XML (a view, not a copy); empty when there are no
    cells; None when the cells cannot be found without a namespace prefix (not for the
    fast path)."""
    start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    if start < 0:
        return None if b":sheetData" in xml else memoryview(b"")
    return memoryview(xml)[start:end if end > start else len(xml)]


def _bounded(body: memoryview) -> bool:
    """Whether calamine's dense grid of this ``<sheetData>`` stays small (see above): its
    real extent, from row 1 to the last cell, whatever rows the cells claim to be in."""
    if _PREFIXED.search(body):
        return False
    gap = data.limit("max_blank_gap")
    previous = 0
    for found in _ROWS.findall(body):
        if not found:
            return False                           # a row without its reference first
        number = int(found)
        if number <= previous or number - previous - 1 > gap:
            return False
        previous = number
    if _cells_beyond(previous).search(body):
        return False
    if not previous:
        return True
    most = data.limit("calamine_max_cells")
    if previous * 702 <= most:                     # even as wide as ZZ (702 columns)
        return True
    width = 26
    if _WIDE.search(body):                         # two-letter columns: the widest one counts
        width = max(column_index(c.decode()) + 1 for c in set(_WIDE.findall(body)))
    return previous * width <= most


def _faithful(body: memoryview) -> bool:
    """Whether calamine gives what the streaming parser would for this ``<sheetData>``."""
    return not any(pattern.search(body) for pattern in _NOT_FAITHFUL)


def plain_sheet(xml: bytes) -> bool:
    """Whether calamine may read this sheet XML (see above): a conservative scan."""
    body = _sheet_data(xml)
    return body is not None and _bounded(body) and _faithful(body)


def _calamine_parse(workbook, name: str):
    """calamine's parse of one sheet (Rust, without the GIL)."""
    return workbook.get_sheet_by_name(name)


def _calamine_sheet(workbook, name: str, hidden: bool) -> SheetValues:
    """A plain sheet through calamine, in the conventions of read_sheet."""
    return _sheet_values(_calamine_parse(workbook, name), name, hidden)


def _sheet_values(sheet, name: str, hidden: bool) -> SheetValues:
    """calamine's parse as :class:`SheetValues`: only cells with a value, dates as
    datetimes (numbers stay floats, as Excel itself gives them)."""
    out = SheetValues(name, hidden=hidden)
    if not sheet.height:
        return out
    first_row, first_col = sheet.start
    date, datetime = dt.date, dt.datetime
    for number, row in enumerate(sheet.to_python(), start=first_row + 1):
        cells = {j: (datetime(v.year, v.month, v.day) if type(v) is date else v)
                 for j, v in enumerate(row, start=first_col) if v != ""}
        for v in cells.values():
            if not isinstance(v, str) or v.strip():
                out.rows.append((number, cells))
                break
    return out


def _letters(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


def _number(text: str, style: str | None, date_styles: frozenset[int], epoch: dt.datetime) -> object:
    try:
        number: float | int = float(text)
    except ValueError:
        return text or None
    if style is not None and date_styles and style.isdigit() and int(style) in date_styles:
        try:
            return from_excel(number, epoch)
        except (ValueError, OverflowError):
            return number          # beyond Excel's dates: the rules report the number
    if number.is_integer() and "." not in text and "E" not in text and "e" not in text:
        return int(text)
    return number


def _iso(text: str) -> object:
    try:
        return dt.datetime.fromisoformat(text.strip().rstrip("Z"))
    except ValueError:
        return text


def read_values(path: Path, *, intake: bool = False) -> dict[str, SheetValues]:
    """Every worksheet of a workbook file, in workbook order (hidden ones included).
    ``intake``: a workbook the tool only takes in (the finance office's file, the
    platform's export), refused beyond limits.csv ``intake_max_mb``."""
    package = Package.open(Path(path), intake=intake)
    try:
        return package.read_all()
    except DAMAGE as exc:
        raise PackageRefused(damaged(Path(path).name, describe_damage(exc))) from None
    finally:
        package.close()


def iter_numbered(rows) -> Iterator[tuple[int, object]]:
    """(row number, cells) of a sheet given as :class:`SheetValues` or as a list of rows
    from row 1 (as xlwings or openpyxl give them); cells are a mapping or a sequence."""
    if isinstance(rows, SheetValues):
        return iter(rows.rows)
    return enumerate(rows, start=1)


def iter_cells(cells) -> Iterator[tuple[int, object]]:
    """(0-based column, value) of a row given as a mapping or a sequence."""
    if cells is None:
        return iter(())
    if isinstance(cells, dict):
        return iter(cells.items())
    return enumerate(cells)
