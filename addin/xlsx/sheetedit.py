"""The cells to write into one worksheet (:class:`SheetEdit`), and the streaming rendering
of the new part: the old part is read 256 KB at a time and copied through, only the
``<row>`` elements that receive a value are touched, and in them only the written ``<c>``
elements are replaced or inserted (in column order); rows missing from the sheet are
inserted in order. The sheet's other elements (drawing, comments, conditional formats,
data validations, ``extLst``) are never parsed, so they cannot be dropped. Overwriting a
formula other cells depend on (shared-formula start, array formula, data table) is
refused. :class:`CellWriter` works each cell's format out once per (format it had,
style asked for, kind of value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter

from .cells import cell_element
from .opc import Parts, PatchRefused, local, parse_xml
from .rows import (FORMULA, ROW_NUMBER, STYLE_ATTR, all_cells, column_letters, column_styles, empty_row,
                   extend_dimension, find_cells, find_row, fix_spans, prefix_of, root_namespace, rows_of,
                   with_row_number)
from .styles import CellStyle, Styles, styled_for, value_kind


_CHUNK = 1 << 18                 # bytes read at a time when streaming a sheet


_BATCH = 1 << 20                 # bytes handed on at a time to be deflated (see _Output, Background)


_HEAD_LIMIT = 64 << 20           # the part before <sheetData> (columns, views) is never this big


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
        return cell_element(self.prefix, ref, found[0], value, self.date1904)


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

    pkg: Parts
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
        for number, chunk in rows_of(data, prefix_of(data)):
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
        root_namespace(root_start, prefix, self.name)          # refuses a root without its namespace
        open_tag = re.compile(rb"<" + re.escape(prefix) + rb"sheetData\b[^>]*?(/?)>")
        while (head := open_tag.search(buf)) is None:
            if not more():
                raise PatchRefused(f"“{self.name}”工作表没有数据区（sheetData），无法安全写入")
        col_styles = column_styles(buf[:head.start()], root_start, root_end, prefix)
        out.add(extend_dimension(buf[:head.start()], prefix, self._bounds()))
        ctx = _RenderContext(root_start, root_end, col_styles, prefix, CellWriter(styles, date1904, prefix))
        pending = sorted(self.writes, reverse=True)        # the next row to write is pending[-1]
        close_tag = b"</" + prefix + b"sheetData>"
        if head.group(1):                       # <sheetData/>: rows only from us
            out.add(head.group(0)[:-2] + b">")
            while pending:
                number = pending.pop()
                out.add(self._patch_row(empty_row(prefix, number), number, ctx))
            out.add(close_tag)
            pos = head.end()
        else:
            out.add(head.group(0))
            pos = copied = head.end()           # buf[copied:pos]: rows passed on unchanged, not added yet
            row_open, row_close = b"<" + prefix + b"row", b"</" + prefix + b"row"
            number = 0
            while True:
                start, end = find_row(buf, pos, row_open, row_close)
                stop = buf.find(close_tag, pos, start if end >= 0 else len(buf))
                if end >= 0 and stop < 0:
                    found = ROW_NUMBER.search(buf, start, buf.index(b">", start) + 1)
                    number = int(found.group(1)) if found else number + 1
                    if pending and pending[-1] <= number or not found:
                        out.add(buf[copied:start])
                        while pending and pending[-1] < number:
                            out.add(self._patch_row(empty_row(prefix, pending[-1]), pending.pop(), ctx))
                        if pending and pending[-1] == number:
                            out.add(self._patch_row(buf[start:end], pending.pop(), ctx))
                        elif found:
                            out.add(buf[start:end])
                        else:
                            out.add(with_row_number(buf[start:end], prefix, number))
                        copied = end
                    pos = end
                elif stop >= 0:
                    out.add(buf[copied:stop])
                    while pending:
                        number = pending.pop()
                        out.add(self._patch_row(empty_row(prefix, number), number, ctx))
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
        if ROW_NUMBER.search(start_tag) is None:
            start_tag = with_row_number(start_tag, prefix, number)
        writes = self.writes[number]
        columns = sorted(writes)
        row = b"%d" % number
        spans = find_cells(inner, prefix, row, columns)
        if spans is None:
            spans = all_cells(inner, prefix)
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
                if inner.find(b"f", start, end) >= 0 and FORMULA.search(inner, start, end):   # (few cells hold an f)
                    old = inner[start:end]
                    self._check_formula(parse_xml(ctx.root_start + old + ctx.root_end, self.part)[0], number, col)
                found = STYLE_ATTR.search(inner, start, inner.index(b">", start))
                base = int(found.group(1)) if found else 0
            else:
                base = row_style if row_style is not None else ctx.col_styles.get(col, 0)
            cell = ctx.cells.cell(column_letters(col) + row, value, style, base)
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
        start_tag = fix_spans(start_tag, [c for c in writes if c not in by_col])
        return start_tag + b"".join(out) + end_tag

    @staticmethod
    def _name_cells(inner: bytes, spans: list[list], number: int, prefix: bytes) -> list:
        """Give every cell of a row its reference (``r``) so that inserting a cell cannot
        move the others; returns the new spans and, last, the new row content pieces."""
        pieces, new_spans, pos = [], [], 0
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
            if local(child.tag) != "f":
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
