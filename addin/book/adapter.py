"""One interface for a workbook, whether a file (openpyxl) or the workbook open in
Excel (xlwings, in ``addin.excel``). The refresh, the import and the outputs talk to
this interface only, so they run unchanged on either side.

Every method that writes is limited to what the product may write: computed columns
(:meth:`write_cells` is only ever called with computed cells), the input cells of rows
the import adds or fills (:meth:`write_inputs`, only ever called by the import), the
rebuilt 统计 sheet, the hidden fingerprint sheet and appended log and payment rows.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Mapping, Protocol, Sequence

from openpyxl import load_workbook

from . import schema
from .reader import fingerprints_from
from .safe_write import WriteRefused, check_writable, safe_save, snapshot
from .stream import SheetValues, read_values
from .workbook import COMPUTED_FILL

#: (section title, header, rows) blocks of the dashboard, see dashboard.dashboard_blocks
Blocks = list[tuple[str, list[str], list[list[object]]]]


class WorkbookAdapter(Protocol):
    """What the pipeline needs from a workbook."""

    def values(self) -> dict[str, list[Sequence[object]]]:
        """Plain values of every visible data sheet, by sheet name, row 1 = headers."""

    def fingerprints(self) -> dict[str, str]:
        """What the last refresh wrote (application id -> digest)."""

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


class FileAdapter:
    """The workbook file, through openpyxl and the safe writer."""

    def __init__(self, path: Path, *, write: bool = True):
        self.path = Path(path)
        if write:
            check_writable(self.path)
        self._state = snapshot(self.path)
        self.wb = load_workbook(self.path, keep_vba=self.path.suffix.lower() == ".xlsm")
        self._cached: dict[str, dict[tuple[int, int], object]] = {}    # sheet -> values cached in the file
        self._values: dict[str, SheetValues] | None = None
        if write:
            self._refuse_uncached_formulas()

    def _refuse_uncached_formulas(self) -> None:
        """A formula whose result the file does not hold (a save by openpyxl drops every
        cached result) would read as empty: refuse rather than compute from blanks."""
        ours = {schema.DASHBOARD_SHEET, schema.LOG_SHEET, schema.FINGERPRINT_SHEET}
        gaps = [f"{ws.title}!{c.coordinate}" for ws in self.wb.worksheets if ws.title not in ours
                for row in ws.iter_rows() for c in row
                if c.data_type == "f" and self._cached_value(ws.title, c) is None]
        if gaps:
            raise WriteRefused("台账中有公式没有保存计算结果（" + "、".join(gaps[:5]) + ("等" if len(gaps) > 5 else "") +
                               "），读取时会被当作空白。请先在 Excel 或 WPS 中打开台账并保存一次，再刷新；未写入。")

    def values(self) -> dict[str, object]:
        """As ``zhicheng check`` reads them (the one streaming reader, addin.book.stream):
        every row that holds data whatever the dimension element says; a formula cell
        gives the value cached for it when the file was saved."""
        if self._values is None:
            self._values = read_values(self.path)
        return {name: sheet for name, sheet in self._values.items() if name != schema.FINGERPRINT_SHEET}

    def _cached_value(self, sheet: str, cell) -> object:
        """The value cached for a formula cell, from a read-only data_only copy of the file
        (each sheet read once, when its first formula is met)."""
        if sheet not in self._cached:
            wb = load_workbook(self.path, read_only=True, data_only=True)
            try:
                self._cached[sheet] = {(c.row, c.column): c.value for row in wb[sheet].iter_rows() for c in row
                                       if c.value is not None}
            finally:
                wb.close()
        return self._cached[sheet].get((cell.row, cell.column))

    def fingerprints(self) -> dict[str, str]:
        if self._values is None:
            self._values = read_values(self.path)
        return fingerprints_from(self._values.get(schema.FINGERPRINT_SHEET))

    def write_cells(self, sheet, cells, formats, table=None) -> None:
        self._write(sheet, cells, formats, table, COMPUTED_FILL)

    def write_inputs(self, sheet, cells, formats, table=None) -> None:
        self._write(sheet, cells, formats, table, None)

    def _write(self, sheet, cells, formats, table, fill) -> None:
        ws = self.wb[sheet]
        for (row, letter), value in cells.items():
            cell = ws[f"{letter}{row}"]
            cell.value = value
            if cell.data_type == "f":            # openpyxl takes text starting with "=" for a formula
                cell.data_type = "s"
            cell.number_format = formats.get(letter, "General")
            if fill is not None:
                cell.fill = fill
        if table and cells:
            extend_table(ws, table, max(row for row, _ in cells))

    def append_row(self, sheet, table, values, formats) -> int:
        if sheet not in self.wb.sheetnames:
            raise WriteRefused(f"工作簿缺少“{sheet}”工作表，未写入")
        ws = self.wb[sheet]
        columns = columns_by_header(sheet, [c.value for c in ws[1]], values)
        last = ws.max_row
        while last > 1 and all(c.value in (None, "") for c in ws[last]):
            last -= 1
        row = last + 1
        for header, index in columns.items():
            cell = ws.cell(row=row, column=index, value=values[header])
            if cell.data_type == "f":            # text starting with "=" stays text
                cell.data_type = "s"
            cell.number_format = formats.get(header, "General")
        extend_table(ws, table, row)
        return row

    def replace_dashboard(self, title, blocks, now) -> None:
        from .dashboard import write_dashboard_sheet
        write_dashboard_sheet(self.wb, title, blocks)

    def write_fingerprints(self, fingerprints) -> None:
        name = schema.FINGERPRINT_SHEET
        if name in self.wb.sheetnames:
            self.wb.remove(self.wb[name])
        ws = self.wb.create_sheet(name)
        ws.sheet_state = "hidden"
        ws.append(["申报编号", "计算值摘要（由系统维护）"])
        for app_id, digest in fingerprints.items():
            ws.append([app_id, digest])

    def commit(self) -> Path | None:
        return safe_save(self.path, self.wb.save, unchanged_since=self._state)


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


def extend_table(ws, table_name: str, last_row: int) -> None:
    """Grow an openpyxl table's range down to ``last_row`` (never shrinks it)."""
    table = ws.tables.get(table_name)
    if table is None:
        return
    first, last = table.ref.split(":")
    col = "".join(ch for ch in last if ch.isalpha())
    current = int("".join(ch for ch in last if ch.isdigit()))
    if last_row > current:
        table.ref = f"{first}:{col}{last_row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
