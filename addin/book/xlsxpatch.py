"""Edit an .xlsx/.xlsm package in place: only the parts the product owns are rewritten.

Everything here is domain-free (no sheet names, no rules). A :class:`Package` opens the
zip, lets the caller

* set cell values in existing or new rows of a worksheet (:meth:`Package.sheet` ->
  :class:`SheetEdit`): the sheet's XML is copied byte for byte except the ``<row>``
  elements that receive a value; in those rows only the written ``<c>`` elements change
  (cells stay in column order, rows in ascending order, no cell twice);
* replace a whole worksheet part (:meth:`Package.replace_sheet`) or add one
  (:meth:`Package.add_sheet`), with its own drawing and chart parts if any;
* add cell formats to ``styles.xml`` (:class:`Styles`, only when a needed format is not
  there yet) and move an Excel table's range (:meth:`Package.set_table_ref`);

and writes the new package (:meth:`Package.save`) copying every other zip member raw:
same compressed bytes, same compression method, same CRC.

Values are written as values of their own type: text is an inline string (never a
formula: a text starting with ``=`` stays text and gets the quote-prefix format, as
Excel gives text typed with a leading apostrophe), numbers are numbers, dates are
serial numbers in the workbook's date system, booleans are booleans, None empties the
cell (keeping its format).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import math
import posixpath
import queue
import re
import struct
import threading
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping
from xml.etree import ElementTree as ET

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, to_excel

from .safe_write import WriteRefused, rels_path, resolve

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
REL_TYPE = DOC_REL_NS + "/"
SHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
DRAWING_CT = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_CT = "application/vnd.openxmlformats-drawingml.chart+xml"

#: text a spreadsheet would take for a formula when typed (OWASP CSV-injection list)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: Excel's limit for the characters of one cell
CELL_TEXT_LIMIT = 32767

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)


class PatchRefused(WriteRefused):
    """The package cannot be edited safely; ``str(exc)`` is a Chinese message naming why."""


def looks_like_formula(value: object) -> bool:
    """Text a spreadsheet would run if it were typed into a cell (it is stored as text
    with the quote-prefix format, so it shows exactly as typed and nothing runs)."""
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def relative(source_part: str, target_part: str) -> str:
    return posixpath.relpath(target_part, posixpath.dirname(source_part) or ".")


def parse_xml(data: bytes, part: str) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise PatchRefused(f"工作簿中的“{part}”部件不是完整的 XML（{exc.msg}），无法安全写入") from None


def serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------------------------------
# cell values


def excel_number(value: float | int) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def clean_text(text: str) -> str:
    """Text as a cell can hold it: no XML-illegal control characters, at most Excel's
    32,767 characters."""
    if not text.isprintable():           # (text without any control character needs no search)
        text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > CELL_TEXT_LIMIT:
        text = text[: CELL_TEXT_LIMIT - 1] + "…"
    return text


# ---------------------------------------------------------------------------------------
# styles


@dataclass(frozen=True)
class CellStyle:
    """What a written cell's format must have; None keeps the cell's own setting.

    ``font``, ``fill``, ``border`` and ``alignment`` are openpyxl style objects (one
    definition of the product's look serves openpyxl-written books and this writer)."""

    number_format: str | None = None
    fill: object | None = None
    font: object | None = None
    border: object | None = None
    alignment: object | None = None
    quote_prefix: bool = False


DATE_FORMAT, DATETIME_FORMAT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"


def value_kind(value: object) -> str | None:
    """What in a value asks for a format of its own: ``"formula"`` (text a spreadsheet
    would run), ``"datetime"`` (a time of day), ``"date"``; None for every other value."""
    if value.__class__ in _KINDLESS:                     # (the most common values, found at once)
        return None
    if isinstance(value, str):
        return "formula" if value.startswith(FORMULA_PREFIXES) else None
    if isinstance(value, dt.datetime):
        return "datetime" if value.time() != dt.time(0) else "date"
    if isinstance(value, dt.date):
        return "date"
    return None


_KINDLESS = frozenset({type(None), int, float, bool})


def styled(style: CellStyle, value: object) -> CellStyle:
    """The format a value needs on top of ``style``: the quote prefix for text that looks
    like a formula, a date format for a date written where the format shows no date."""
    return styled_for(style, value_kind(value))


def styled_for(style: CellStyle, kind: str | None) -> CellStyle:
    """:func:`styled` for a value of the given :func:`value_kind`."""
    changes = {}
    if kind == "formula" and not style.quote_prefix:
        changes["quote_prefix"] = True
    if kind in ("date", "datetime") and not (style.number_format and is_date_format(style.number_format)):
        changes["number_format"] = DATETIME_FORMAT if kind == "datetime" else DATE_FORMAT
    return dataclasses.replace(style, **changes) if changes else style


def _openpyxl_tree(obj: object, ns: str) -> etree._Element:
    """An openpyxl style object's XML (``<fill>``, ``<font>``...) in the stylesheet's namespace."""
    tree = obj.to_tree()
    text = ET.tostring(tree, encoding="unicode")
    wrapper = etree.fromstring(f'<w xmlns="{ns}">{text}</w>'.encode(), _PARSER)
    return wrapper[0]


def _same(a: etree._Element, b: etree._Element) -> bool:
    return etree.tostring(a, method="c14n") == etree.tostring(b, method="c14n")


class Styles:
    """``xl/styles.xml``: cell formats derived from existing ones, added only when new."""

    def __init__(self, pkg: "Package", part: str):
        self.pkg, self.part = pkg, part
        self.root = parse_xml(pkg.read(part), part)
        self.ns = etree.QName(self.root).namespace or MAIN_NS
        self.changed = False
        self._memo: dict[tuple[int, CellStyle], int] = {}
        self._by_id: dict[tuple[int, int], tuple[int, CellStyle]] = {}
        self._codes: dict[str, int] = {code: i for i, code in BUILTIN_FORMATS.items()}
        for el in self._list("numFmts"):
            if el.get("formatCode") is not None and el.get("numFmtId", "").isdigit():
                self._codes.setdefault(el.get("formatCode"), int(el.get("numFmtId")))

    def _list(self, name: str, create: bool = False) -> etree._Element | list:
        found = self.root.find(f"{{{self.ns}}}{name}")
        if found is None and create:
            order = ("numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
                     "tableStyles", "colors", "extLst")
            found = etree.Element(f"{{{self.ns}}}{name}")
            later = [c for c in self.root if _local(c.tag) in order[order.index(name) + 1:]]
            if later:
                later[0].addprevious(found)
            else:
                self.root.append(found)
            found.set("count", "0")
        return found if found is not None else []

    def _add(self, name: str, element: etree._Element) -> int:
        holder = self._list(name, create=True)
        for i, existing in enumerate(holder):
            if _same(existing, element):
                return i
        holder.append(element)
        holder.set("count", str(len(holder)))
        self.changed = True
        return len(holder) - 1

    def _number_format_id(self, code: str) -> int:
        if code in self._codes:
            return self._codes[code]
        holder = self._list("numFmts", create=True)
        new_id = max([163, *(int(e.get("numFmtId")) for e in holder if e.get("numFmtId", "").isdigit())]) + 1
        el = etree.SubElement(holder, f"{{{self.ns}}}numFmt")
        el.set("numFmtId", str(new_id))
        el.set("formatCode", code)
        holder.set("count", str(len(holder)))
        self._codes[code] = new_id
        self.changed = True
        return new_id

    def xf(self, base: int, style: CellStyle) -> int:
        """The index of the cell format ``base`` changed as ``style`` asks (``base`` itself
        when it already is so)."""
        fast = (base, id(style))
        if fast in self._by_id:
            return self._by_id[fast][0]
        key = (base, style)
        if key in self._memo:
            self._by_id[fast] = (self._memo[key], style)      # the style is kept alive with its id
            return self._memo[key]
        xfs = self._list("cellXfs", create=True)
        if len(xfs) == 0:
            blank = etree.SubElement(xfs, f"{{{self.ns}}}xf")
            for attr in ("numFmtId", "fontId", "fillId", "borderId", "xfId"):
                blank.set(attr, "0")
            xfs.set("count", "1")
            self.changed = True
        source = xfs[base] if 0 <= base < len(xfs) else xfs[0]
        xf = copy.deepcopy(source)
        if style.number_format is not None:
            xf.set("numFmtId", str(self._number_format_id(style.number_format)))
            xf.set("applyNumberFormat", "1")
        for attr, name, obj in (("fontId", "fonts", style.font), ("fillId", "fills", style.fill),
                                ("borderId", "borders", style.border)):
            if obj is not None:
                xf.set(attr, str(self._add(name, _openpyxl_tree(obj, self.ns))))
                xf.set("apply" + attr[:-2].capitalize(), "1")
        if style.alignment is not None:
            for old in xf.findall(f"{{{self.ns}}}alignment"):
                xf.remove(old)
            xf.insert(0, _openpyxl_tree(style.alignment, self.ns))
            xf.set("applyAlignment", "1")
        if style.quote_prefix:
            xf.set("quotePrefix", "1")
        elif xf.get("quotePrefix") in ("1", "true"):
            del xf.attrib["quotePrefix"]
        if _same(xf, source):
            index = xfs.index(source)
        else:
            index = next((i for i, e in enumerate(xfs) if _same(e, xf)), None)
            if index is None:
                xfs.append(xf)
                xfs.set("count", str(len(xfs)))
                self.changed = True
                index = len(xfs) - 1
        self._memo[key] = index
        self._by_id[fast] = (index, style)
        return index

    def flush(self) -> None:
        if self.changed:
            self.pkg.write(self.part, serialize(self.root))


# ---------------------------------------------------------------------------------------
# worksheets


_CHUNK = 1 << 18                 # bytes read at a time when streaming a sheet
_BATCH = 1 << 20                 # bytes handed on at a time to be deflated (see _Output, _Background)
_HEAD_LIMIT = 64 << 20           # the part before <sheetData> (columns, views) is never this big
_ROW_NUMBER = re.compile(rb'\sr\s*=\s*["\'](\d+)["\']')
_CELL_REF = re.compile(rb'\br\s*=\s*"([A-Za-z]+\d+)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_STYLE = re.compile(rb'\ss\s*=\s*"(\d+)"')


class _Output:
    """The pieces of a part being written, handed on about ``_BATCH`` bytes at a time:
    a sheet is written in tens of thousands of pieces, and each call into the zip stream
    costs a CRC and a deflate call of its own (and a hand-over between threads)."""

    __slots__ = ("write", "pieces", "size")

    def __init__(self, write):
        self.write, self.pieces, self.size = write, [], 0

    def add(self, piece: bytes) -> None:
        self.pieces.append(piece)
        self.size += len(piece)
        if self.size >= _BATCH:
            self.flush()

    def flush(self) -> None:
        if self.pieces:
            self.write(b"".join(self.pieces))
            self.pieces, self.size = [], 0


class CellWriter:
    """``<c>`` elements as bytes for the sheets of one package, each format worked out
    once per (format the cell had, style asked for, kind of value): a refresh writes
    100,000 cells in a few formats."""

    def __init__(self, styles: Styles, date1904: bool, prefix: bytes = b""):
        self.styles, self.date1904, self.prefix = styles, date1904, prefix
        # (base, id(style), value kind) -> (b' s="7"', the style, kept alive so its id stays its own)
        self._attrs: dict[tuple[int, int, str | None], tuple[bytes, CellStyle]] = {}

    def cell(self, ref: bytes, value: object, style: CellStyle = CellStyle(), base: int = 0) -> bytes:
        """The ``<c>`` element for ``value`` at ``ref``: format ``base`` changed as
        ``style`` asks and as the value needs (:func:`styled`), the value of its own type."""
        kind = value_kind(value)
        key = (base, id(style), kind)
        found = self._attrs.get(key)
        if found is None:
            index = self.styles.xf(base, styled_for(style, kind))
            found = self._attrs[key] = (b' s="%d"' % index if index else b"", style)
        return _cell(self.prefix, ref, found[0], value, self.date1904)


class _Background:
    """``write`` called on a thread of its own, so that deflating a part (zlib lets go of
    the interpreter while it works) overlaps the patching of the rows that follow; at
    most ``depth`` pieces wait. An error of ``write`` is raised in the caller, at its
    next write or at the end of the ``with`` block."""

    def __init__(self, write, depth: int = 2):
        self._write = write
        self._queue: queue.Queue = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsxpatch-write", daemon=True)

    def __enter__(self) -> "_Background":
        self._thread.start()
        return self

    def __call__(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:               # after an error the rest is only drained
                try:
                    self._write(data)
                except BaseException as exc:      # handed to the caller
                    self._error = exc

    def __exit__(self, kind, _exc, _tb) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and kind is None:
            raise self._error


@dataclass
class _RenderContext:
    """What patching a row needs to know about its sheet."""

    root_start: bytes
    root_end: bytes
    col_styles: dict[int, int]
    prefix: bytes
    cells: CellWriter


@dataclass
class SheetEdit:
    """The cells to write into one worksheet part, applied by :meth:`render`."""

    pkg: "Package"
    part: str
    name: str
    # row -> column -> value; the style of a cell is its column's (a refresh queues 100,000
    # cells in a few dozen columns), unless it was written in another one (``_odd``)
    writes: dict[int, dict[int, object]] = field(default_factory=dict)
    _styles: dict[int, CellStyle] = field(default_factory=dict, init=False, repr=False)        # column -> style
    _odd: dict[tuple[int, int], CellStyle] = field(default_factory=dict, init=False, repr=False)  # (row, col) -> style

    def set(self, row: int, column: str | int, value: object, style: CellStyle = CellStyle()) -> None:
        col = column if isinstance(column, int) else column_index_from_string(column)
        self._set_style(row, col, style, self._column_style(col, style))
        self.writes.setdefault(row, {})[col] = value

    def set_rows(self, rows: Iterable[tuple[int, Iterable[tuple[str | int, object]]]],
                 styles: Mapping[str | int, CellStyle], default: CellStyle = CellStyle()) -> set[int]:
        """:meth:`set` for many cells, given as (row, [(column, value), ...]), each in the
        format ``styles`` gives its column (``default`` for a column not there); returns
        the rows written to."""
        columns: dict[str | int, tuple[int, CellStyle, bool]] = {}    # column -> (index, style, odd), resolved once
        writes, odd_cells = self.writes, self._odd
        written = set()
        for row, cells in rows:
            row_writes = writes.get(row)
            if row_writes is None:
                row_writes = writes[row] = {}
            for column, value in cells:
                found = columns.get(column)
                if found is None:
                    col = column if isinstance(column, int) else column_index_from_string(column)
                    style = styles.get(column, default)
                    found = columns[column] = (col, style, self._column_style(col, style))
                col, style, odd = found
                if odd or odd_cells:
                    self._set_style(row, col, style, odd)
                row_writes[col] = value
            written.add(row)
        return written

    def _column_style(self, col: int, style: CellStyle) -> bool:
        """Make ``style`` the column's if it has none yet; True when the column has another."""
        known = self._styles.setdefault(col, style)
        return known is not style and known != style

    def _set_style(self, row: int, col: int, style: CellStyle, odd: bool) -> None:
        if odd:
            self._odd[(row, col)] = style
        elif self._odd:
            self._odd.pop((row, col), None)

    def style(self, row: int, col: int) -> CellStyle:
        """The style a queued cell is written in."""
        if self._odd:
            return self._odd.get((row, col)) or self._styles[col]
        return self._styles[col]

    # -- reading what is there (for appending below the last row) ----------------------

    def last_row(self) -> int:
        """The last row holding a value (0 when none)."""
        data = self.pkg.read(self.part)
        last = 0
        for number, chunk in _rows(data, _prefix(data)):
            if re.search(rb"<(?:\w+:)?(?:v|t|f)\b[^>]*>[^<]", chunk):
                last = max(last, number)
        return last

    # -- writing ----------------------------------------------------------------------

    def render(self, styles: Styles, date1904: bool, write) -> None:
        """Stream the new part to ``write`` (a callable taking bytes): the old part is
        read in chunks and copied through, rows that receive values are patched on the
        way, so memory stays bounded by the largest row, not the sheet."""
        source = self.pkg.open_part(self.part)
        out = _Output(write)
        try:
            self._render(source, styles, date1904, out)
            out.flush()
        finally:
            source.close()

    def _render(self, source, styles: Styles, date1904: bool, out: _Output) -> None:
        buf = b""
        pos = 0

        def more() -> bool:
            nonlocal buf, pos
            chunk = source.read(_CHUNK)
            if not chunk:
                return False
            buf, pos = buf[pos:] + chunk, 0
            return True

        prefix = None
        while prefix is None:
            match = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet\b[^>]*>", buf)
            if match:
                prefix = match.group(1) or b""
            elif not more() or len(buf) > _HEAD_LIMIT:
                raise PatchRefused(f"“{self.name}”工作表的 XML 结构无法识别，无法安全写入")
        root_start = match.group(0)
        root_end = b"</" + prefix + b"worksheet>"
        _root_namespace(root_start, prefix, self.name)          # refuses a root without its namespace
        open_tag = re.compile(rb"<" + re.escape(prefix) + rb"sheetData\b[^>]*?(/?)>")
        while (head := open_tag.search(buf)) is None:
            if not more():
                raise PatchRefused(f"“{self.name}”工作表没有数据区（sheetData），无法安全写入")
        col_styles = _column_styles(buf[:head.start()], root_start, root_end, prefix)
        out.add(_extend_dimension(buf[:head.start()], prefix, self._bounds()))
        ctx = _RenderContext(root_start, root_end, col_styles, prefix, CellWriter(styles, date1904, prefix))
        pending = sorted(self.writes, reverse=True)        # the next row to write is pending[-1]
        close_tag = b"</" + prefix + b"sheetData>"
        if head.group(1):                       # <sheetData/>: rows only from us
            out.add(head.group(0)[:-2] + b">")
            while pending:
                number = pending.pop()
                out.add(self._patch_row(_empty_row(prefix, number), number, ctx))
            out.add(close_tag)
            pos = head.end()
        else:
            out.add(head.group(0))
            pos = copied = head.end()           # buf[copied:pos]: rows passed on unchanged, not added yet
            row_open, row_close = b"<" + prefix + b"row", b"</" + prefix + b"row"
            number = 0
            while True:
                start, end = _find_row(buf, pos, row_open, row_close)
                stop = buf.find(close_tag, pos, start if end >= 0 else len(buf))
                if end >= 0 and stop < 0:
                    found = _ROW_NUMBER.search(buf, start, buf.index(b">", start) + 1)
                    number = int(found.group(1)) if found else number + 1
                    if pending and pending[-1] <= number or not found:
                        out.add(buf[copied:start])
                        while pending and pending[-1] < number:
                            out.add(self._patch_row(_empty_row(prefix, pending[-1]), pending.pop(), ctx))
                        if pending and pending[-1] == number:
                            out.add(self._patch_row(buf[start:end], pending.pop(), ctx))
                        elif found:
                            out.add(buf[start:end])
                        else:
                            out.add(_with_row_number(buf[start:end], prefix, number))
                        copied = end
                    pos = end
                elif stop >= 0:
                    out.add(buf[copied:stop])
                    while pending:
                        number = pending.pop()
                        out.add(self._patch_row(_empty_row(prefix, number), number, ctx))
                    pos = stop
                    break
                else:
                    out.add(buf[copied:pos])
                    if not more():
                        raise PatchRefused(f"“{self.name}”工作表的数据区不完整，无法安全写入")
                    copied = pos          # more() moved what is left to the start of buf
        out.add(buf[pos:])
        while chunk := source.read(_CHUNK):
            out.add(chunk)

    def _bounds(self) -> tuple[int, int, int, int] | None:
        if not self.writes:
            return None
        rows = list(self.writes)
        cols = [c for cells in self.writes.values() for c in cells]
        return min(rows), min(cols), max(rows), max(cols)

    def _patch_row(self, chunk: bytes, number: int, ctx: _RenderContext) -> bytes:
        """The row with the written cells replaced or inserted, byte for byte the same
        elsewhere (other cells, the row's own attributes unless its hints must change)."""
        prefix = ctx.prefix
        tag_end = chunk.index(b">") + 1
        start_tag = chunk[:tag_end]
        if start_tag.endswith(b"/>"):
            start_tag, inner, end_tag = start_tag[:-2].rstrip() + b">", b"", b"</" + prefix + b"row>"
        else:
            close = chunk.rindex(b"</")
            inner, end_tag = chunk[tag_end:close], chunk[close:]
        if _ROW_NUMBER.search(start_tag) is None:
            start_tag = _with_row_number(start_tag, prefix, number)
        writes = self.writes[number]
        columns = sorted(writes)
        row = b"%d" % number
        spans = _find_cells(inner, prefix, row, columns)
        if spans is None:
            spans = _all_cells(inner, prefix)
            if any(not explicit for *_x, explicit in spans) and any(c not in {s[0] for s in spans} for c in writes):
                spans = self._name_cells(inner, spans, number, prefix)      # inserting would shift them
                inner = b"".join(spans.pop())
        row_style = None
        if b"customFormat" in start_tag and re.search(rb'\bcustomFormat\s*=\s*"(?:1|true)"', start_tag):
            found = re.search(rb'\ss\s*=\s*"(\d+)"', start_tag)
            row_style = int(found.group(1)) if found else 0
        by_col = {c: (start, end) for c, start, end, _e in spans}
        replaced: dict[int, bytes] = {}
        inserted: list[tuple[int, bytes]] = []
        for col in columns:
            value, style = writes[col], self.style(number, col)
            span = by_col.get(col)
            if span is not None:
                start, end = span
                if inner.find(b"f", start, end) >= 0 and _FORMULA.search(inner, start, end):   # (few cells hold an f)
                    old = inner[start:end]
                    self._check_formula(parse_xml(ctx.root_start + old + ctx.root_end, self.part)[0], number, col)
                found = _STYLE.search(inner, start, inner.index(b">", start))
                base = int(found.group(1)) if found else 0
            else:
                base = row_style if row_style is not None else ctx.col_styles.get(col, 0)
            cell = ctx.cells.cell(_letters(col) + row, value, style, base)
            if span is None:
                inserted.append((col, cell))
            elif end - start != len(cell) or not inner.startswith(cell, start):
                replaced[col] = cell              # (a cell already as it should be is left alone)
        if not inserted:                              # the common case: splice in place
            out, pos = [start_tag], 0
            for col, start, end, _explicit in spans:      # (in the order of the row)
                if col in replaced:
                    out += [inner[pos:start], replaced[col]]
                    pos = end
            out += [inner[pos:], end_tag]
            return b"".join(out)
        out, pos = [], 0
        for col, start, end, _explicit in spans:
            while inserted and inserted[0][0] < col:
                out.append(inserted.pop(0)[1])
            out.append(inner[pos:start])
            out.append(replaced.get(col, inner[start:end]))
            pos = end
        out.append(inner[pos:])
        out.extend(cell for _c, cell in inserted)
        start_tag = _fix_spans(start_tag, [c for c in writes if c not in by_col])
        return start_tag + b"".join(out) + end_tag

    @staticmethod
    def _name_cells(inner: bytes, spans: list[list], number: int, prefix: bytes) -> list:
        """Give every cell of a row its reference (``r``) so that inserting a cell cannot
        move the others; returns the new spans and, last, the new row content pieces."""
        pieces, new_spans, pos, shift = [], [], 0, 0
        tag = b"<" + prefix + b"c"
        for col, start, end, explicit in spans:
            piece = inner[start:end]
            if not explicit:
                piece = tag + f' r="{get_column_letter(col)}{number}"'.encode() + piece[len(tag):]
            pieces.append(inner[pos:start])
            new_start = sum(len(x) for x in pieces)
            pieces.append(piece)
            new_spans.append([col, new_start, new_start + len(piece), True])
            pos = end
        pieces.append(inner[pos:])
        new_spans.append(pieces)
        return new_spans

    def _check_formula(self, el: etree._Element, number: int, col: int) -> None:
        """Refuse to overwrite a formula other cells depend on (a plain one is replaced)."""
        where = f"“{self.name}”工作表{get_column_letter(col)}{number}单元格"
        for child in el:
            if _local(child.tag) != "f":
                continue
            kind = child.get("t", "normal")
            ref = child.get("ref")
            if kind == "shared" and ref:
                raise PatchRefused(f"{where}是一组共享公式的起点（{ref}），覆盖它会破坏其他单元格的公式；"
                                   f"请先清除该单元格的公式")
            if kind == "array" and ref and ":" in ref and ref.split(":")[0] != ref.split(":")[1]:
                raise PatchRefused(f"{where}属于数组公式（{ref}），无法单独覆盖；请先清除该数组公式")
            if kind == "dataTable":
                raise PatchRefused(f"{where}属于模拟运算表，无法覆盖；请先删除它")

def _prefix(data: bytes) -> bytes:
    match = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet\b", data)
    return match.group(1) or b"" if match else b""


def _root_namespace(root_start: bytes, prefix: bytes, name: str) -> str:
    attr = b"xmlns" + (b":" + prefix[:-1] if prefix else b"")
    match = re.search(re.escape(attr) + rb'\s*=\s*["\']([^"\']+)["\']', root_start)
    if match is None:
        raise PatchRefused(f"“{name}”工作表的 XML 命名空间无法识别，无法安全写入")
    return match.group(1).decode()


def _rows(data: bytes, prefix: bytes) -> Iterable[tuple[int, bytes]]:
    head = re.search(rb"<" + re.escape(prefix) + rb"sheetData\b[^>]*?(/?)>", data)
    if head is None or head.group(1):
        return
    end = data.find(b"</" + prefix + b"sheetData>", head.end())
    for number, start, stop, _explicit in _row_spans(data, prefix, head.end(), end if end >= 0 else None):
        yield number, data[start:stop]


def _row_spans(data: bytes, prefix: bytes, start: int = 0, end: int | None = None
               ) -> Iterable[tuple[int, int, int, bool]]:
    """(row number, start, end, has r=) of each ``<row>`` element in ``data[start:end]``."""
    pattern = _row_pattern(prefix)
    number = 0
    for match in pattern.finditer(data, start, len(data) if end is None else end):
        found = _ROW_NUMBER.search(data, match.start(), data.index(b">", match.start()) + 1)
        explicit = found is not None
        number = int(found.group(1)) if explicit else number + 1
        yield number, match.start(), match.end(), explicit


@functools.lru_cache(maxsize=None)
def _row_pattern(prefix: bytes) -> re.Pattern[bytes]:
    p = re.escape(prefix)
    return re.compile(rb"<" + p + rb"row\b[^>]*?(?:/>|>.*?</" + p + rb"row\s*>)", re.S)


_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_SPACE = frozenset(b" \t\n\r\f\v")


def _find_row(buf: bytes, pos: int, open_tag: bytes, close_tag: bytes) -> tuple[int, int]:
    """(start, end) of the first ``<row>`` element in ``buf[pos:]``, found as
    :func:`_row_pattern` finds it (``open_tag`` is ``<row`` and ``close_tag`` ``</row``
    with the sheet's prefix) but with plain searches, which are many times faster on a
    row of a few kilobytes; (start, -1) when that row does not end in ``buf`` yet, and
    (-1, -1) when no row starts there."""
    size = len(buf)
    start = buf.find(open_tag, pos)
    while start >= 0:
        after = start + len(open_tag)
        if after >= size:
            return start, -1
        if buf[after] not in _WORD:                      # <row ...>, not <rowBreaks>
            break
        start = buf.find(open_tag, after)
    if start < 0:
        return -1, -1
    tag_end = buf.find(b">", after)
    if tag_end < 0:
        return start, -1
    if buf[tag_end - 1] == 0x2F:                         # <row .../>
        return start, tag_end + 1
    at = tag_end + 1
    while (at := buf.find(close_tag, at)) >= 0:
        end = at + len(close_tag)
        while end < size and buf[end] in _SPACE:
            end += 1
        if end >= size:
            return start, -1
        if buf[end] == 0x3E:                             # </row>
            return start, end + 1
        at += 1
    return start, -1


def _empty_row(prefix: bytes, number: int) -> bytes:
    return b"<" + prefix + b'row r="' + str(number).encode() + b'"/>'


def _with_row_number(chunk: bytes, prefix: bytes, number: int) -> bytes:
    tag = b"<" + prefix + b"row"
    return chunk.replace(tag, tag + b' r="' + str(number).encode() + b'"', 1)


_COLUMNS: dict[bytes, int] = {}
_LETTERS: dict[int, bytes] = {}


def _letters(col: int) -> bytes:
    """A column's letters as bytes (28 -> b"AB"), worked out once per column."""
    letters = _LETTERS.get(col)
    if letters is None:
        letters = _LETTERS[col] = get_column_letter(col).encode()
    return letters


def _column_of(ref: str | bytes) -> int:
    letters = re.match(rb"[A-Za-z]+", ref if isinstance(ref, bytes) else ref.encode()).group(0)
    if letters not in _COLUMNS:
        _COLUMNS[letters] = column_index_from_string(letters.decode().upper())
    return _COLUMNS[letters]


def _all_cells(inner: bytes, prefix: bytes) -> list[list]:
    """(column, start, end, has r=) of every ``<c>`` of a row's content."""
    p = re.escape(prefix)
    spans, col = [], 0
    for match in re.finditer(rb"<" + p + rb"c\b[^>]*?(?:/>|>.*?</" + p + rb"c\s*>)", inner, re.S):
        ref = _CELL_REF.search(inner, match.start(), inner.index(b">", match.start()) + 1)
        col = _column_of(ref.group(1)) if ref else col + 1
        spans.append([col, match.start(), match.end(), ref is not None])
    return spans


@functools.lru_cache(maxsize=None)
def _cell_end(prefix: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"</" + re.escape(prefix) + rb"c\s*>")


def _find_cells(inner: bytes, prefix: bytes, row: bytes, columns: list[int]) -> list[list] | None:
    """The spans of the cells to write (``columns`` ascending, ``row`` the row number as
    bytes) when each is found by its reference (the usual case: computed cells already
    exist); None to fall back to reading the whole row."""
    out = []
    open_tag = b"<" + prefix + b"c"
    end_tag = b"</" + prefix + b"c"
    cell_end = _cell_end(prefix)
    suffix = row + b'"'
    hint = 0
    ordered = True
    for col in columns:
        key = _ref_key(col) + suffix                # ' r="AX12"'
        at = inner.find(key, hint)
        if at < 0:
            at = inner.find(key, 0, hint)        # cells out of order: still found
            ordered = False
            if at < 0:
                return None
        start = at - len(open_tag)
        if start < 0 or not inner.startswith(open_tag, start):   # r is not the cell's first attribute
            start = inner.rfind(b"<", 0, at)
            head = inner[start:at]
            rest = head[len(open_tag):]
            if not head.startswith(open_tag) or b">" in head or (rest and rest[:1] not in b" \t\r\n"):
                return None                               # not a cell's start tag: read the row instead
        tag_close = inner.index(b">", at)
        if inner[tag_close - 1] == 0x2F:                  # <c .../>
            end = tag_close + 1
        else:
            end = inner.find(end_tag, tag_close)
            if end >= 0 and inner[end + len(end_tag):end + len(end_tag) + 1] == b">":
                end += len(end_tag) + 1                   # </c>
            else:
                match = cell_end.search(inner, tag_close)     # </c > or none
                if match is None:
                    return None
                end = match.end()
        out.append([col, start, end, True])
        hint = end
    return out if ordered else sorted(out, key=lambda item: item[1])


_REF_KEYS: dict[int, bytes] = {}


def _ref_key(col: int) -> bytes:
    """b' r="AX': how a cell's reference in column ``col`` starts (before its row)."""
    key = _REF_KEYS.get(col)
    if key is None:
        key = _REF_KEYS[col] = b' r="' + _letters(col)
    return key


def _fix_spans(start_tag: bytes, columns: list[int]) -> bytes:
    """A row's ``spans`` hint that no longer covers an inserted cell is dropped (it is
    optional; better none than a wrong one)."""
    match = re.search(rb'\sspans\s*=\s*"(\d+):(\d+)"', start_tag)
    if match is None:
        return start_tag
    low, high = int(match.group(1)), int(match.group(2))
    if all(low <= c <= high for c in columns):
        return start_tag
    return start_tag[:match.start()] + start_tag[match.end():]


def _column_styles(data: bytes, root_start: bytes, root_end: bytes, prefix: bytes) -> dict[int, int]:
    """Column index -> the style of its ``<col>`` (what Excel gives a new cell there)."""
    match = re.search(rb"<" + re.escape(prefix) + rb"cols\b.*?</" + re.escape(prefix) + rb"cols>", data, re.S)
    if match is None:
        return {}
    out: dict[int, int] = {}
    for col in parse_xml(root_start + match.group(0) + root_end, "cols")[0]:
        try:
            low, high, style = int(col.get("min")), int(col.get("max")), int(col.get("style", "0"))
        except (TypeError, ValueError):
            continue
        if style and high - low < 16384:
            for i in range(low, high + 1):
                out[i] = style
    return out


def _extend_dimension(data: bytes, prefix: bytes, bounds: tuple[int, int, int, int] | None) -> bytes:
    """Widen ``<dimension ref>`` to cover the written cells (it is a hint readers may use)."""
    if bounds is None:
        return data
    match = re.search(rb"<" + re.escape(prefix) + rb'dimension\b[^>]*?\bref\s*=\s*"([^"]*)"', data[:65536])
    if match is None:
        return data
    try:
        r1, c1, r2, c2 = _parse_range(match.group(1).decode())
    except ValueError:
        return data
    low_r, low_c, high_r, high_c = bounds
    new = (min(r1, low_r), min(c1, low_c), max(r2, high_r), max(c2, high_c))
    if new == (r1, c1, r2, c2):
        return data
    ref = f"{get_column_letter(new[1])}{new[0]}:{get_column_letter(new[3])}{new[2]}".encode()
    return data[:match.start(1)] + ref + data[match.end(1):]


def _parse_range(ref: str) -> tuple[int, int, int, int]:
    parts = ref.replace("$", "").split(":")
    first, last = parts[0], parts[-1]
    m1 = re.fullmatch(r"([A-Za-z]+)(\d+)", first)
    m2 = re.fullmatch(r"([A-Za-z]+)(\d+)", last)
    if not m1 or not m2:
        raise ValueError(ref)
    return (int(m1.group(2)), column_index_from_string(m1.group(1).upper()),
            int(m2.group(2)), column_index_from_string(m2.group(1).upper()))


# ---------------------------------------------------------------------------------------
# the package


@dataclass
class SheetInfo:
    name: str
    part: str
    rid: str
    state: str


class Package:
    """An open .xlsx/.xlsm package and the edits to apply to it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
            raise PatchRefused(f"“{self.path.name}”不是有效的 Excel 文件（.xlsx/.xlsm），无法安全写入") from None
        self.infos = {i.filename: i for i in self.zf.infolist()}
        self._changed: dict[str, bytes] = {}
        self._removed: set[str] = set()
        self._edits: dict[str, SheetEdit] = {}
        if "[Content_Types].xml" not in self.infos:
            raise PatchRefused(f"“{self.path.name}”缺少 [Content_Types].xml，不是有效的 Excel 文件，无法安全写入")
        self.workbook_part = next((t for _i, rtype, t in self.rels("") if rtype.endswith("/officeDocument")),
                                  "xl/workbook.xml")
        if not self.exists(self.workbook_part):
            raise PatchRefused(f"“{self.path.name}”缺少工作簿结构（{self.workbook_part}），无法安全写入")
        self.workbook = parse_xml(self.read(self.workbook_part), self.workbook_part)
        self.ns = etree.QName(self.workbook).namespace or MAIN_NS
        self.strict = self.ns == STRICT_MAIN_NS
        pr = self.workbook.find(f"{{{self.ns}}}workbookPr")
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        self._workbook_changed = False
        self._styles: Styles | None = None

    def close(self) -> None:
        self.zf.close()

    # -- parts ------------------------------------------------------------------------

    def exists(self, part: str) -> bool:
        return part in self._changed or (part in self.infos and part not in self._removed)

    def read(self, part: str) -> bytes:
        if part in self._changed:
            return self._changed[part]
        if part in self._removed or part not in self.infos:
            raise PatchRefused(f"工作簿中缺少“{part}”部件，无法安全写入")
        try:
            return self.zf.read(part)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
            raise self._damaged(exc, part) from None

    def _damaged(self, exc: BaseException, part: str) -> PatchRefused:
        """A part that cannot be inflated (the reader refuses such a file before a write
        starts; this is the writer's own guard): the one refusal of a damaged file."""
        from .package_limits import damaged, describe_damage

        return PatchRefused(damaged(self.path.name, describe_damage(exc, part)))

    def write(self, part: str, data: bytes) -> None:
        self._changed[part] = data
        self._removed.discard(part)

    def remove(self, part: str) -> None:
        self._changed.pop(part, None)
        self._removed.add(part)

    def unique_part(self, pattern: str) -> str:
        """A part name like ``pattern`` (with ``{}`` for a number) that does not exist yet."""
        n = 1
        while self.exists(pattern.format(n)):
            n += 1
        return pattern.format(n)

    # -- relationships and content types ---------------------------------------------

    def rels(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type, resolved target) of a part's internal relationships."""
        name = rels_path(part) if part else "_rels/.rels"
        if not self.exists(name):
            return []
        root = parse_xml(self.read(name), name)
        return [(r.get("Id", ""), r.get("Type", ""), resolve(part, r.get("Target", "")))
                for r in root if _local(r.tag) == "Relationship" and r.get("TargetMode") != "External"]

    def add_rel(self, part: str, rtype: str, target: str) -> str:
        name = rels_path(part)
        if self.exists(name):
            root = parse_xml(self.read(name), name)
        else:
            root = etree.Element(f"{{{PKG_REL_NS}}}Relationships", nsmap={None: PKG_REL_NS})
        ids = {r.get("Id") for r in root}
        n = len(ids) + 1
        while f"rId{n}" in ids:
            n += 1
        rel = etree.SubElement(root, f"{{{PKG_REL_NS}}}Relationship")
        rel.set("Id", f"rId{n}")
        rel.set("Type", rtype)
        rel.set("Target", relative(part, target))
        self.write(name, serialize(root))
        return f"rId{n}"

    def remove_rels_to(self, part: str, target: str) -> None:
        name = rels_path(part)
        if not self.exists(name):
            return
        root = parse_xml(self.read(name), name)
        gone = [r for r in root if resolve(part, r.get("Target", "")) == target and r.get("TargetMode") != "External"]
        for r in gone:
            root.remove(r)
        if gone:
            self.write(name, serialize(root))

    def set_override(self, part: str, content_type: str | None) -> None:
        """Declare (or, with None, undeclare) a part's content type."""
        root = parse_xml(self.read("[Content_Types].xml"), "[Content_Types].xml")
        name = "/" + part
        changed = False
        for el in list(root):
            if _local(el.tag) == "Override" and el.get("PartName", "").lower() == name.lower():
                if content_type is not None and el.get("ContentType") == content_type:
                    return
                root.remove(el)
                changed = True
        if content_type is not None:
            el = etree.SubElement(root, f"{{{CT_NS}}}Override")
            el.set("PartName", name)
            el.set("ContentType", content_type)
            changed = True
        if changed:
            self.write("[Content_Types].xml", serialize(root))

    # -- sheets -----------------------------------------------------------------------

    def sheets(self) -> list[SheetInfo]:
        targets = {rid: target for rid, _type, target in self.rels(self.workbook_part)}
        holder = self.workbook.find(f"{{{self.ns}}}sheets")
        out = []
        for el in holder if holder is not None else []:
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            out.append(SheetInfo(el.get("name", ""), targets.get(rid, ""), rid, el.get("state", "visible")))
        return out

    def sheet_info(self, name: str) -> SheetInfo | None:
        return next((s for s in self.sheets() if s.name == name), None)

    def sheet(self, name: str) -> SheetEdit:
        """The cell edits of a worksheet (created on first use)."""
        info = self.sheet_info(name)
        if info is None or not self.exists(info.part):
            raise PatchRefused(f"工作簿缺少“{name}”工作表，无法写入")
        if info.part not in self._edits:
            self._edits[info.part] = SheetEdit(self, info.part, name)
        return self._edits[info.part]

    def replace_sheet(self, name: str, xml: bytes) -> str:
        """Replace a worksheet part with new XML; returns the part name."""
        info = self.sheet_info(name)
        if info is None:
            raise PatchRefused(f"工作簿缺少“{name}”工作表，无法写入")
        self._edits.pop(info.part, None)
        self.write(info.part, xml)
        return info.part

    def add_sheet(self, name: str, xml: bytes, *, hidden: bool = False, before: str | None = None) -> str:
        """Add a worksheet at the end of the tab order; returns its part name."""
        part = self.unique_part("xl/worksheets/sheet{}.xml")
        self.write(part, xml)
        self.set_override(part, SHEET_CT)
        rid = self.add_rel(self.workbook_part, REL_TYPE + "worksheet", part)
        holder = self.workbook.find(f"{{{self.ns}}}sheets")
        ids = [int(e.get("sheetId", "0")) for e in holder if (e.get("sheetId") or "").isdigit()]
        el = etree.SubElement(holder, f"{{{self.ns}}}sheet")
        el.set("name", name)
        el.set("sheetId", str(max(ids, default=0) + 1))
        if hidden:
            el.set("state", "hidden")
        el.set(f"{{{DOC_REL_NS}}}id", rid)
        self._workbook_changed = True
        return part

    def defined_name(self, name: str, sheet: str, value: str | None) -> None:
        """Set (or remove, with None) a sheet-local defined name such as _xlnm.Print_Area."""
        index = next((i for i, s in enumerate(self.sheets()) if s.name == sheet), None)
        if index is None:
            return
        holder = self.workbook.find(f"{{{self.ns}}}definedNames")
        existing = [] if holder is None else [e for e in holder if e.get("name") == name
                                              and e.get("localSheetId") == str(index)]
        if value is None:
            for e in existing:
                holder.remove(e)
                self._workbook_changed = True
            return
        if existing and existing[0].text == value:
            return
        if holder is None:
            holder = etree.Element(f"{{{self.ns}}}definedNames")
            anchor = self.workbook.find(f"{{{self.ns}}}sheets")
            anchor.addnext(holder)
        el = existing[0] if existing else etree.SubElement(holder, f"{{{self.ns}}}definedName")
        el.set("name", name)
        el.set("localSheetId", str(index))
        el.text = value
        self._workbook_changed = True

    @property
    def styles(self) -> Styles:
        if self._styles is None:
            part = next((t for _i, rtype, t in self.rels(self.workbook_part) if rtype.endswith("/styles")), None)
            if part is None or not self.exists(part):
                part = part or "xl/styles.xml"
                self.write(part, f'<styleSheet xmlns="{self.ns}"/>'.encode())
                self.set_override(part, "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml")
                if not any(t == part for _i, _r, t in self.rels(self.workbook_part)):
                    self.add_rel(self.workbook_part, REL_TYPE + "styles", part)
            self._styles = Styles(self, part)
        return self._styles

    # -- tables -----------------------------------------------------------------------

    def table_part(self, sheet: str, table: str) -> str | None:
        info = self.sheet_info(sheet)
        if info is None:
            return None
        for _rid, rtype, target in self.rels(info.part):
            if rtype.endswith("/table") and self.exists(target):
                head = self.read(target)[:4096]
                names = re.findall(rb'\b(?:displayName|name)\s*=\s*"([^"]*)"', head)
                if table.encode() in names:
                    return target
        return None

    def table_ref(self, sheet: str, table: str) -> tuple[int, int, int, int] | None:
        part = self.table_part(sheet, table)
        if part is None:
            return None
        match = re.search(rb'<(?:\w+:)?table\b[^>]*?\bref\s*=\s*"([^"]+)"', self.read(part))
        return _parse_range(match.group(1).decode()) if match else None

    def set_table_ref(self, sheet: str, table: str, last_row: int) -> None:
        """Move an Excel table's last row (and its filter's) to ``last_row``."""
        part = self.table_part(sheet, table)
        bounds = self.table_ref(sheet, table)
        if part is None or bounds is None:
            return
        r1, c1, r2, c2 = bounds
        if last_row == r2 or last_row <= r1:
            return
        new = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{last_row}".encode()
        data = self.read(part)
        data = re.sub(rb'(<(?:\w+:)?(?:table|autoFilter)\b[^>]*?\bref\s*=\s*")[^"]+(")',
                      lambda m: m.group(1) + new + m.group(2), data)
        self.write(part, data)

    # -- saving -----------------------------------------------------------------------

    def _drop_calc_chain(self) -> None:
        """Excel's list of formula cells may name a cell this writer overwrote: without
        it Excel rebuilds the list on load; with a stale one it would report damage."""
        for _rid, rtype, target in self.rels(self.workbook_part):
            if rtype.endswith("/calcChain"):
                self.remove(target)
                self.remove_rels_to(self.workbook_part, target)
                self.set_override(target, None)

    #: workbook.xml's children that follow calcPr (ECMA-376 CT_Workbook's sequence)
    _AFTER_CALC_PR = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                      "fileRecoveryPr", "webPublishObjects", "extLst")

    def _recalculate_on_load(self) -> None:
        """Mark the workbook for a full recalculation when it is next opened
        (``<calcPr fullCalcOnLoad="1">``, as openpyxl does): the formulas of the clerks'
        own sheets over the cells written here (``=COUNTIF(申报人员!BA:BA,"符合")``) hold
        results cached before the write. Every other calcPr attribute is kept."""
        calc = self.workbook.find(f"{{{self.ns}}}calcPr")
        if calc is None:
            calc = etree.Element(f"{{{self.ns}}}calcPr")
            follower = next((child for child in self.workbook if _local(child.tag) in self._AFTER_CALC_PR), None)
            if follower is not None:
                follower.addprevious(calc)
            else:
                self.workbook.append(calc)
        elif calc.get("fullCalcOnLoad") in ("1", "true"):
            return
        calc.set("fullCalcOnLoad", "1")
        self._workbook_changed = True

    def open_part(self, part: str):
        """A readable binary stream of a part's current content."""
        if part in self._changed:
            import io
            return io.BytesIO(self._changed[part])
        if part in self._removed or part not in self.infos:
            raise PatchRefused(f"工作簿中缺少“{part}”部件，无法安全写入")
        return self.zf.open(part)

    def save(self, target: Path, *, level: int | None = None) -> None:
        """Write the edited package to ``target``: edited sheets streamed through, other
        changed parts recompressed with their original method, every other member copied
        raw, in their order; styles.xml, which the rendering may extend, comes last.
        Excel's calculation chain is dropped when cells are written (it may name a
        formula cell just overwritten; Excel rebuilds it on load).

        ``level`` is the deflate level (0-9) of the parts written anew (None: zlib's
        default, 6); the members copied raw keep their compressed bytes whatever it is."""
        styles = self.styles if self._edits else None
        if self._edits:
            self._drop_calc_chain()
        if self._edits or self._changed:
            self._recalculate_on_load()
        if self._workbook_changed:
            self.write(self.workbook_part, serialize(self.workbook))
            self._workbook_changed = False
        deferred = {styles.part} if styles is not None else set()
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as out:
            later = []
            for info in self.zf.infolist():
                name = info.filename
                if name in self._removed:
                    continue
                if name in deferred:
                    later.append(info)
                elif name in self._edits:
                    edit = self._edits[name]
                    with out.open(_clone(info, level), "w", force_zip64=True) as fh, _Background(fh.write) as write:
                        edit.render(styles, self.date1904, write)
                elif name in self._changed:
                    _write_member(out, _clone(info, level), self._changed[name])
                else:
                    _copy_raw(self.zf, info, out)
            if styles is not None:
                styles.flush()
            for info in later:
                if info.filename in self._removed:
                    continue
                if info.filename in self._changed:
                    _write_member(out, _clone(info, level), self._changed[info.filename])
                else:
                    _copy_raw(self.zf, info, out)
            for name, data in self._changed.items():
                if name not in self.infos and name not in self._removed:
                    member = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    member.compress_type = zipfile.ZIP_DEFLATED
                    _set_level(member, level)
                    _write_member(out, member, data)


def _clone(info: zipfile.ZipInfo, level: int | None = None) -> zipfile.ZipInfo:
    """A new member like ``info`` (name, date, compression method, attributes), deflated
    at ``level`` (None: zlib's default)."""
    clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    clone.compress_type = info.compress_type
    clone.external_attr = info.external_attr
    clone.create_system = info.create_system
    _set_level(clone, level)
    return clone


def _set_level(info: zipfile.ZipInfo, level: int | None) -> None:
    """The compression level zipfile uses for a member it writes (``compress_level``
    since Python 3.13, ``_compresslevel`` before; the old name remains an alias)."""
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", level)


def _write_member(out: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    out.writestr(info, data)


def _copy_raw(source: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes unchanged (no inflate, no deflate)."""
    if info.flag_bits & 0x1:          # encrypted members: re-encode is impossible, copy as data
        out.writestr(info, source.read(info.filename))
        return
    fp = source.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise PatchRefused(f"工作簿中的“{info.filename}”部件已损坏，无法安全写入")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    raw = fp.read(info.compress_size)
    if len(raw) != info.compress_size:
        raise PatchRefused(f"工作簿中的“{info.filename}”部件不完整，无法安全写入")
    clone = copy.copy(info)
    clone.flag_bits &= ~0x08          # sizes and CRC go in the local header, no data descriptor
    clone.extra = _without_zip64(info.extra)
    clone.header_offset = out.fp.tell()
    out.fp.write(clone.FileHeader(zip64=info.file_size > zipfile.ZIP64_LIMIT or
                                  info.compress_size > zipfile.ZIP64_LIMIT))
    out.fp.write(raw)
    out.filelist.append(clone)
    out.NameToInfo[clone.filename] = clone
    out.start_dir = out.fp.tell()
    out._didModify = True


def _without_zip64(extra: bytes) -> bytes:
    """The extra field without its ZIP64 record (FileHeader writes a fresh one if needed)."""
    out, i = b"", 0
    while i + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[i:i + 4])
        if kind != 0x0001:
            out += extra[i:i + 4 + size]
        i += 4 + size
    return out


def sheet_xml(ns: str, body: Iterable[bytes]) -> bytes:
    """A worksheet part from already serialised child elements."""
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="' + ns.encode() +
            b'" xmlns:r="' + DOC_REL_NS.encode() + b'">')
    return b"".join([head, *body, b"</worksheet>"])          # one copy of the body, not three


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;"))


def _cell_bytes(ns: str, prefix: bytes, ref: str, value: object, style: int, date1904: bool) -> bytes:
    """One ``<c>`` element as bytes (the namespace declared by the sheet's root)."""
    return _cell(prefix, ref.encode(), b' s="%d"' % style if style else b"", value, date1904)


def _cell(p: bytes, ref: bytes, style_attr: bytes, value: object, date1904: bool) -> bytes:
    """One ``<c>`` element: ``p`` the sheet's namespace prefix (b"" or b"x:"), ``ref`` the
    cell's reference, ``style_attr`` its `` s="7"`` (empty for format 0). Built as bytes,
    the part after the reference remembered per value: a refresh writes 100,000 cells,
    most of them one of a few verdicts, numbers or blanks."""
    head = b"<" + p + b'c r="' + ref + b'"' + style_attr
    if value is None:
        return head + b"/>"
    kind = value.__class__                # with the value, the key of the memo: 1, 1.0 and True differ
    if kind in _SAME_WHEN_EQUAL and (kind is not str or len(value) <= _MEMO_TEXT) or \
            kind is dt.datetime and value.tzinfo is None:
        return head + _cell_rest(p, kind, value, date1904)
    return head + _cell_rest.__wrapped__(p, kind, value, date1904)


#: the classes whose equal values are written alike (so their cells can share a memo)
_SAME_WHEN_EQUAL = (str, int, float, dt.date)
#: longer texts (remarks, digests) seldom repeat: they are not kept in the memo
_MEMO_TEXT = 64


@functools.lru_cache(maxsize=4096)
def _cell_rest(p: bytes, _kind: type, value: object, date1904: bool) -> bytes:
    """A ``<c>`` element after its reference and style: its type and value."""
    if value == "":
        return b"/>"
    if isinstance(value, bool):
        kind, number = b' t="b"', (b"1" if value else b"0")
    elif isinstance(value, (int, float)) and not (isinstance(value, float) and not math.isfinite(value)):
        kind, number = b"", excel_number(value).encode()
    elif isinstance(value, (dt.datetime, dt.date)):
        serial = to_excel(value, CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900)
        kind, number = b"", excel_number(serial).encode()
    else:
        text = clean_text(str(value))
        if not text:
            return b"/>"
        space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
        return b"".join((b' t="inlineStr"><', p, b"is><", p, b"t", space, b">", _escape(text).encode("utf-8"),
                         b"</", p, b"t></", p, b"is></", p, b"c>"))
    return b"".join((kind, b"><", p, b"v>", number, b"</", p, b"v></", p, b"c>"))


def cell_xml(ns: str, ref: str, value: object, style: int, date1904: bool) -> bytes:
    """One ``<c>`` element (default namespace), typed like :meth:`SheetEdit.set` writes it."""
    return _cell_bytes(ns, b"", ref, value, style, date1904)


def escape_attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;"))
