"""The fast path of the reader: calamine for the sheets a byte scan shows plain.

calamine (Rust) reads a sheet about ten times faster than any Python loop over its XML, and
gives the same values for what it can read: strings, numbers, booleans, cached results,
dates. It cannot say which formula has no cached result, it gives error cells as "", and it
builds a dense grid from the first to the last cell (one value in row 1,048,576 costs
gigabytes; one in XFD20000 asks for 10 GB and aborts the process, which no Python code can
catch). So it reads only a sheet shown plain by a scan of its bytes, in two parts. Bounded
(what keeps calamine safe): every cell written ``<c r="A1"`` (its reference first, in double
quotes after one space: a reference written any other way — ``<c s="5" r="XFD20000">``,
``r='A1'``, ``r = "A1"``, a line break before it, a namespace prefix — is not looked for by
the scan, so such a sheet is not bounded and goes to the streaming parser, which reads
references whatever their form), no column beyond ZZ, every row with its reference first,
ascending, without a gap wider than max_blank_gap, no cell below the last row, and the real
extent (row 1 to the last row, by the widest column) at most calamine_max_cells. Faithful (what
calamine would get wrong): no formula, no error or ISO-date cell. Every other sheet goes
through the streaming parser (:mod:`.reader`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook

from .. import data
from .sheetvalues import SheetValues, column_index

__all__ = ["CalamineError", "MAX_BYTES", "bounded", "calamine_parse", "calamine_sheet", "faithful", "open_calamine",
           "plain_sheet", "sheet_data", "sheet_values"]

MAX_BYTES = 256 * 2**20              # larger sheet XML is streamed, never held whole


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


def sheet_data(xml: bytes) -> memoryview | None:
    """The ``<sheetData>`` of a sheet's XML (a view, not a copy); empty when there are no
    cells; None when the cells cannot be found without a namespace prefix (not for the
    fast path)."""
    start, end = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    if start < 0:
        return None if b":sheetData" in xml else memoryview(b"")
    return memoryview(xml)[start:end if end > start else len(xml)]


def bounded(body: memoryview) -> bool:
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


def faithful(body: memoryview) -> bool:
    """Whether calamine gives what the streaming parser would for this ``<sheetData>``."""
    return not any(pattern.search(body) for pattern in _NOT_FAITHFUL)


def plain_sheet(xml: bytes) -> bool:
    """Whether calamine may read this sheet XML (see above): a conservative scan."""
    body = sheet_data(xml)
    return body is not None and bounded(body) and faithful(body)


def open_calamine(path: Path):
    """calamine's workbook of the file at ``path``."""
    return CalamineWorkbook.from_path(str(path))


def calamine_parse(workbook, name: str):
    """calamine's parse of one sheet (Rust, without the GIL)."""
    return workbook.get_sheet_by_name(name)


def calamine_sheet(workbook, name: str, hidden: bool) -> SheetValues:
    """A plain sheet through calamine, in the conventions of read_sheet."""
    return sheet_values(calamine_parse(workbook, name), name, hidden)


def sheet_values(sheet, name: str, hidden: bool) -> SheetValues:
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
