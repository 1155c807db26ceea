"""The one reader of workbook files: every sheet's cells that hold data, streamed.

Every command that reads a workbook file (check, refresh, import, finance, publicity,
docs, roster, demo) reads it here (:func:`read_values`), so they all see the same rows.
The reader

* never trusts the ``<dimension>`` element (a stale ``A1:BP10`` hides nothing): it
  reads every ``<row>`` of ``<sheetData>``;
* keeps only the rows that hold data, sparsely ({column: value}), so one value in row
  1,048,576 or column XFD costs one row, not a million (the table reader reports such
  stray rows instead of counting them);
* refuses a package whose parts would inflate beyond the bounds before inflating any
  (:func:`~.limits.open_package`);
* gives what Excel shows: shared and inline strings (text that looks like a number stays
  text), numbers, booleans, error values as their text (``#N/A``), the cached result of
  a formula, and date-formatted numbers as datetimes in the workbook's date system
  (1900 or 1904; a fraction of a day alone is a ``datetime.time``);
* lists every formula cell that has no cached result (a file saved by a program that
  does not calculate), which it gives as empty: the caller must say so.

It parses with lxml's ``iterparse`` over the zip member stream, one row at a time; a
sheet a byte scan shows plain is read by calamine instead (:mod:`.fastpath`).
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import zipfile
import zlib
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from . import fastpath
from .limits import (HEAD_BYTES, PackageRefused, check_integrity, damaged, declares_doctype, describe_damage,
                     open_package)
from .opc import Relationship, local, main_part, relationships, rels_path
from .sheetvalues import SheetValues, column_index

MAIN_NS = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
           "http://purl.oclc.org/ooxml/spreadsheetml/main")                  # transitional, strict


#: what reading a damaged package raises (zip, deflate, XML, calamine): a refusal, never a crash
DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, etree.XMLSyntaxError, fastpath.CalamineError)


_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


_DIGITS = "0123456789"


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
        name = local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if local(t.tag) == "t")
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
    for rel in _relationships(zf, sheet_part):
        kind, target = rel.kind, rel.target
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
        name = local(child.tag)
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
class PackageReader:
    """A workbook package open for reading: what the sheets need from the rest of the
    package (sheets, shared strings, date formats, the date system, tables' totals rows)."""

    zf: zipfile.ZipFile
    path: Path
    sheets: list[tuple[str, str, bool]]       # (name, part, hidden), in workbook order
    strings: list[str]
    date_styles: frozenset[int]
    epoch: dt.datetime
    totals: dict[str, frozenset[int]] = field(default_factory=dict)     # sheet part -> its tables' totals rows

    @classmethod
    def open(cls, path: Path, *, intake: bool = False) -> "PackageReader":
        """The package's workbook structure, shared strings and date formats; every part
        the sheets' reading does not check is checked here first (damage, a DOCTYPE:
        :func:`~.limits.check_integrity`). ``intake``: a workbook the
        tool only takes in (a smaller bound on its size)."""
        path = Path(path)
        zf = open_package(path, intake=intake)
        try:
            wb_part = main_part(_relationships(zf, "")) or "xl/workbook.xml"
            if wb_part not in zf.NameToInfo:
                raise PackageRefused(f"“{path.name}”不是有效的 Excel 工作簿（缺少工作簿结构）")
            rels = {r.id: (r.kind, r.target) for r in _relationships(zf, wb_part)}
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
                name = local(child.tag)
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
        """Every sheet; a plain one (see :func:`~.fastpath.plain_sheet`) through calamine, the others
        through :meth:`read_sheet`.

        Two threads share the work. A worker scans the sheets in order; as soon as the
        largest one is known to be safe for calamine (:func:`~.fastpath.bounded`: its grid cannot
        explode), calamine parses it on this thread — in Rust, without the GIL — while the
        worker checks that calamine reads it right (:func:`~.fastpath.faithful`) and then scans and
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
            if self.epoch is not CALENDAR_WINDOWS_1900 or size > fastpath.MAX_BYTES:
                return None
            return fastpath.sheet_data(self.zf.read(part))

        def work() -> None:
            workbook = None
            part = None
            try:
                for i, (name, part, hidden) in enumerate(self.sheets):
                    body = fast_enough(part, sizes[i])
                    safe = body is not None and fastpath.bounded(body)
                    if i == largest:
                        bounded.set_result(safe)
                        faithful.set_result(safe and fastpath.faithful(body))
                    elif safe and fastpath.faithful(body):
                        body = None                        # freed before calamine inflates its own
                        if workbook is None:
                            workbook = fastpath.open_calamine(self.path)
                        done[i].set_result(fastpath.sheet_values(fastpath.calamine_parse(workbook, name), name, hidden))
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
            if largest >= 0 and self.epoch is CALENDAR_WINDOWS_1900 and sizes[largest] <= fastpath.MAX_BYTES:
                try:                                  # opened while the worker scans, if calamine can
                    fast = fastpath.open_calamine(self.path)
                except Exception:  # noqa: BLE001 - only needed for a plain sheet: tried again then
                    fast = None
            for i, (name, part, hidden) in enumerate(self.sheets):
                if i == largest:
                    if bounded.result():
                        try:
                            if fast is None:
                                fast = fastpath.open_calamine(self.path)
                            parsed = fastpath.calamine_parse(fast, name)
                        except DAMAGE as exc:
                            raise PackageRefused(damaged(self.path.name, describe_damage(exc, part))) from None
                        if faithful.result():
                            out[name] = fastpath.sheet_values(parsed, name, hidden)
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
    package = PackageReader.open(Path(path), intake=intake)
    try:
        return package.read_all()
    except DAMAGE as exc:
        raise PackageRefused(damaged(Path(path).name, describe_damage(exc))) from None
    finally:
        package.close()


def _letters(index: int) -> str:
    return get_column_letter(index + 1)


def _relationships(zf: zipfile.ZipFile, part: str) -> list[Relationship]:
    """A part's relationships (:func:`~.opc.relationships`); none when it has no .rels part."""
    name = rels_path(part)
    return relationships(zf.read(name), part) if name in zf.NameToInfo else []
