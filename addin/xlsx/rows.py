"""The byte-level reading of a worksheet's XML that the writer splices into: rows found by
plain byte searches (:func:`find_row`, :func:`row_pattern`), the cells of a row and their
columns (:func:`find_cells`, :func:`all_cells`), a row written anew, the ``<dimension>``
widened, row ``spans`` hints dropped when they no longer fit. Nothing here parses a whole
sheet: memory stays bounded by a row.
"""

from __future__ import annotations

import functools
import re
from typing import Iterable

from openpyxl.utils import column_index_from_string, get_column_letter

from .opc import PatchRefused, parse_xml


ROW_NUMBER = re.compile(rb'\sr\s*=\s*["\'](\d+)["\']')


_CELL_REF = re.compile(rb'\br\s*=\s*"([A-Za-z]+\d+)"')


FORMULA = re.compile(rb"<(?:\w+:)?f\b")


STYLE_ATTR = re.compile(rb'\ss\s*=\s*"(\d+)"')


def prefix_of(data: bytes) -> bytes:
    match = re.search(rb"<([A-Za-z_][\w.-]*:)?worksheet\b", data)
    return match.group(1) or b"" if match else b""


def root_namespace(root_start: bytes, prefix: bytes, name: str) -> str:
    attr = b"xmlns" + (b":" + prefix[:-1] if prefix else b"")
    match = re.search(re.escape(attr) + rb'\s*=\s*["\']([^"\']+)["\']', root_start)
    if match is None:
        raise PatchRefused(f"“{name}”工作表的 XML 命名空间无法识别，无法安全写入")
    return match.group(1).decode()


def rows_of(data: bytes, prefix: bytes) -> Iterable[tuple[int, bytes]]:
    head = re.search(rb"<" + re.escape(prefix) + rb"sheetData\b[^>]*?(/?)>", data)
    if head is None or head.group(1):
        return
    end = data.find(b"</" + prefix + b"sheetData>", head.end())
    for number, start, stop, _explicit in _row_spans(data, prefix, head.end(), end if end >= 0 else None):
        yield number, data[start:stop]


def _row_spans(data: bytes, prefix: bytes, start: int = 0, end: int | None = None
               ) -> Iterable[tuple[int, int, int, bool]]:
    """(row number, start, end, has r=) of each ``<row>`` element in ``data[start:end]``."""
    pattern = row_pattern(prefix)
    number = 0
    for match in pattern.finditer(data, start, len(data) if end is None else end):
        found = ROW_NUMBER.search(data, match.start(), data.index(b">", match.start()) + 1)
        explicit = found is not None
        number = int(found.group(1)) if explicit else number + 1
        yield number, match.start(), match.end(), explicit


@functools.lru_cache(maxsize=None)
def row_pattern(prefix: bytes) -> re.Pattern[bytes]:
    p = re.escape(prefix)
    return re.compile(rb"<" + p + rb"row\b[^>]*?(?:/>|>.*?</" + p + rb"row\s*>)", re.S)


_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


_SPACE = frozenset(b" \t\n\r\f\v")


def find_row(buf: bytes, pos: int, open_tag: bytes, close_tag: bytes) -> tuple[int, int]:
    """(start, end) of the first ``<row>`` element in ``buf[pos:]``, found as
    :func:`row_pattern` finds it (``open_tag`` is ``<row`` and ``close_tag`` ``</row``
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


def empty_row(prefix: bytes, number: int) -> bytes:
    return b"<" + prefix + b'row r="' + str(number).encode() + b'"/>'


def with_row_number(chunk: bytes, prefix: bytes, number: int) -> bytes:
    tag = b"<" + prefix + b"row"
    return chunk.replace(tag, tag + b' r="' + str(number).encode() + b'"', 1)


_COLUMNS: dict[bytes, int] = {}


_LETTERS: dict[int, bytes] = {}


def column_letters(col: int) -> bytes:
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


def all_cells(inner: bytes, prefix: bytes) -> list[list]:
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


def find_cells(inner: bytes, prefix: bytes, row: bytes, columns: list[int]) -> list[list] | None:
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
        key = _REF_KEYS[col] = b' r="' + column_letters(col)
    return key


def fix_spans(start_tag: bytes, columns: list[int]) -> bytes:
    """A row's ``spans`` hint that no longer covers an inserted cell is dropped (it is
    optional; better none than a wrong one)."""
    match = re.search(rb'\sspans\s*=\s*"(\d+):(\d+)"', start_tag)
    if match is None:
        return start_tag
    low, high = int(match.group(1)), int(match.group(2))
    if all(low <= c <= high for c in columns):
        return start_tag
    return start_tag[:match.start()] + start_tag[match.end():]


def column_styles(data: bytes, root_start: bytes, root_end: bytes, prefix: bytes) -> dict[int, int]:
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


def extend_dimension(data: bytes, prefix: bytes, bounds: tuple[int, int, int, int] | None) -> bytes:
    """Widen ``<dimension ref>`` to cover the written cells (it is a hint readers may use)."""
    if bounds is None:
        return data
    match = re.search(rb"<" + re.escape(prefix) + rb'dimension\b[^>]*?\bref\s*=\s*"([^"]*)"', data[:65536])
    if match is None:
        return data
    try:
        r1, c1, r2, c2 = parse_range(match.group(1).decode())
    except ValueError:
        return data
    low_r, low_c, high_r, high_c = bounds
    new = (min(r1, low_r), min(c1, low_c), max(r2, high_r), max(c2, high_c))
    if new == (r1, c1, r2, c2):
        return data
    ref = f"{get_column_letter(new[1])}{new[0]}:{get_column_letter(new[3])}{new[2]}".encode()
    return data[:match.start(1)] + ref + data[match.end(1):]


def parse_range(ref: str) -> tuple[int, int, int, int]:
    parts = ref.replace("$", "").split(":")
    first, last = parts[0], parts[-1]
    m1 = re.fullmatch(r"([A-Za-z]+)(\d+)", first)
    m2 = re.fullmatch(r"([A-Za-z]+)(\d+)", last)
    if not m1 or not m2:
        raise ValueError(ref)
    return (int(m1.group(2)), column_index_from_string(m1.group(1).upper()),
            int(m2.group(2)), column_index_from_string(m2.group(1).upper()))
