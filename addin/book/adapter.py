"""One interface for a workbook, whether a file (edited in place,
:class:`addin.book.inplace.PackageAdapter`) or the workbook open in Excel (xlwings, in
``addin.excel``). The refresh, the import and the outputs talk to
this interface only, so they run unchanged on either side.

Every method that writes is limited to what the product may write: computed columns
(:meth:`write_cells` is only ever called with computed cells), the input cells of rows
the import adds or fills (:meth:`write_inputs`, only ever called by the import), the
rebuilt 统计 sheet, the hidden fingerprint sheet and appended log and payment rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import ItemsView, Iterator, Mapping, Protocol, Sequence

from ..errors import WriteRefused

#: (section title, header, rows) blocks of the dashboard, see dashboard.dashboard_blocks
Blocks = list[tuple[str, list[str], list[list[object]]]]


class WorkbookAdapter(Protocol):
    """What the pipeline needs from a workbook."""

    def values(self) -> dict[str, list[Sequence[object]]]:
        """Plain values of every visible data sheet, by sheet name, row 1 = headers."""

    def fingerprints(self) -> dict[str, str]:
        """What the last refresh wrote (application id -> digest)."""

    def sheet_names(self) -> list[str]:
        """The worksheets' names (the register is recognised by them)."""

    def refusals(self) -> list[str]:
        """What would stop a write through this adapter, in Chinese ([]: none)."""

    def write_cells(self, sheet: str, cells: dict[tuple[int, str], object], formats: dict[str, str],
                    table: str | None = None) -> None:
        """Write computed values at (row, column letter), shaded as computed; ``formats``
        maps a letter to its number format; the Excel table named ``table`` is extended
        to the last row written. Text is stored as text (never taken for a formula)."""

    def write_inputs(self, sheet: str, cells: dict[tuple[int, str], object], formats: dict[str, str],
                     table: str | None = None) -> None:
        """As :meth:`write_cells`, for input cells (not shaded): the rows the import adds
        and the empty (with overwrite: differing) cells it fills."""

    def append_row(self, sheet: str, table: str, values: Mapping[str, object], formats: Mapping[str, str]) -> int:
        """Append a row below the last non-empty row of a table sheet, each value under
        the column whose header is its key (staff may have inserted or moved columns);
        returns its number."""

    def replace_dashboard(self, title: str, blocks: Blocks, now: dt.datetime) -> None:
        """Rebuild the 统计 sheet from the blocks (with a chart of the first block)."""

    def write_fingerprints(self, fingerprints: dict[str, str]) -> None:
        """Replace the hidden fingerprint sheet."""

    def commit(self) -> Path | None:
        """Make the writes durable (file: safe save with backup; live: nothing, the
        workbook stays open and unsaved in Excel for the user to save — Excel clears its
        undo list when a macro writes, so the writes cannot be undone with Ctrl+Z).
        Returns the backup, if any."""


class CellsByRow(Mapping[tuple[int, str], object]):
    """Cells to write, (row, column letter) -> value, kept as the rows they come from:
    ``rows`` maps a row number to its values by key, ``letters`` a key to its column
    letter (a key without one is not written). A refresh writes some 20 computed cells
    into each of thousands of rows; a flat dict of them would hold as much again as the
    evaluation already does. Any adapter can read it as the plain mapping it is; the
    file adapter takes it row by row (:meth:`by_row`)."""

    def __init__(self, rows: Mapping[int, Mapping[str, object]], letters: Mapping[str, str]):
        self._rows, self._letters = rows, letters
        self._keys = {letter: key for key, letter in letters.items()}

    def by_row(self) -> Iterator[tuple[int, list[tuple[str, object]]]]:
        """(row, [(letter, value), ...]) for each row, in the rows' order."""
        letters = self._letters
        for row, values in self._rows.items():
            yield row, [(letters[key], value) for key, value in values.items() if key in letters]

    def __getitem__(self, cell: tuple[int, str]) -> object:
        row, letter = cell
        return self._rows[row][self._keys[letter]]

    def __iter__(self) -> Iterator[tuple[int, str]]:
        for row, cells in self.by_row():
            for letter, _value in cells:
                yield row, letter

    def __len__(self) -> int:
        return sum(1 for _cell in self)

    def items(self) -> ItemsView[tuple[int, str], object]:
        return _CellItems(self)


class _CellItems(ItemsView):
    """The items of :class:`CellsByRow` without a lookup per cell."""

    def __iter__(self):
        for row, cells in self._mapping.by_row():
            for letter, value in cells:
                yield (row, letter), value


def columns_by_header(sheet: str, header_row: Sequence[object], values: Mapping[str, object]) -> dict[str, int]:
    """The 1-based column of each value's header in a sheet's header row; a header the
    sheet lacks refuses the write (rather than writing values under the wrong columns)."""
    found: dict[str, int] = {}
    for index, header in enumerate(header_row, start=1):
        text = "" if header is None else str(header).strip()
        if text in values and text not in found:
            found[text] = index
    missing = [h for h in values if h not in found]
    if missing:
        raise WriteRefused(f"“{sheet}”工作表缺少列" + "、".join(f"“{m}”" for m in missing) + "，未写入")
    return found
