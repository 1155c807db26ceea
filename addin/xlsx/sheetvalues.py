"""One worksheet's values as the reader gives them (:class:`SheetValues`: only the rows
that hold data, sparse), and the walk over rows and cells that works on them and on the
rows live Excel gives (:func:`iter_numbered`, :func:`iter_cells`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

def column_index(letters: str) -> int:
    """0-based index of a column's letters: A -> 0, Z -> 25, AA -> 26."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


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
