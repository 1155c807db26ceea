"""The workbook open in Excel, through xlwings: the live adapter and the Excel UI.

:class:`LiveAdapter` implements :class:`addin.book.adapter.WorkbookAdapter` (the same
interface as the file adapter), so :func:`addin.book.refresh.run_refresh` and the
outputs run unchanged on the open workbook. It reads whole sheets by value (the reader
then finds columns by header, never by address), writes only the cells it is given
(computed columns, the input cells of the rows an import adds or fills, the rebuilt 统计
sheet, the hidden fingerprint sheet, appended log and payment rows) and never saves:
Excel keeps the workbook, and the user decides.

:class:`ExcelUI` is everything the user sees of a run: progress in the status bar,
results and errors in a message box, Excel's file and input dialogs, and a busy
context that turns screen updating, automatic calculation and events off and always
puts them back (``app.properties`` restores them even when the run fails).

Only the xlwings objects the tests' stand-in provides are used (Book, Sheets, Sheet,
Range, Table, Charts, App); the only calls through ``.api`` are the two dialogs and the
two protection flags (``Worksheet.ProtectContents``, ``Workbook.ProtectStructure``),
read before a writing action writes anything.

What Excel hands over is not what openpyxl reads (see tests/fake_xlwings.py): formula
cells come with their results, time-only cells as datetimes on 1899-12-30, currency
cells as Decimal; the rules' readers take all three. A used range stretched by
formatting to the sheet's last row is measured before it is read.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Iterator, Sequence

from openpyxl.utils import column_index_from_string

from ..book import schema
from ..errors import Refused
from ..book.adapter import Blocks, columns_by_header
from ..book.dashboard import dashboard_layout
from ..errors import WriteRefused
from ..book.workbook import COMPUTED_FILL, HEADER_FILL
from ..book.reader import cell_text as _text

STATUS_PREFIX = "职称评审："
MAX_COLUMN_ROWS = 1_048_576
#: a used range beyond this many rows is measured column by column (End(xlUp)) before it
#: is read: a whole formatted column must not make Excel hand over a million empty rows
LARGE_USED_ROWS = 5_000
#: more cells than this with data in one sheet is not a register the add-in can read in Excel
MAX_READ_CELLS = 2_000_000
#: the 统计 chart's ChartStyle: None keeps the style Excel gives a new chart. xlwings 0.37.8's
#: ``Charts.add`` sets ``style=227`` unless told otherwise, a style Excel has only from 2013 on;
#: Excel 2007/2010 accept 1-48 and fail the whole refresh on 227 (after 统计 was rebuilt).
CHART_STYLE = None
#: the sheets a writing action may change (and the workbook, when it adds 统计 / _计算记录)
WRITTEN_SHEETS = (schema.APPLICANT_SHEET, schema.MEETING_SHEET, schema.PAYMENT_SHEET, schema.DASHBOARD_SHEET,
                  schema.LOG_SHEET, schema.FINGERPRINT_SHEET)


def _rgb(fill) -> tuple[int, int, int]:
    """An openpyxl fill's colour (ARGB hex) as xlwings' (r, g, b)."""
    hexa = str(fill.fgColor.rgb)[-6:]
    return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)


COMPUTED_RGB = _rgb(COMPUTED_FILL)
HEADER_RGB = _rgb(HEADER_FILL)

_NUMBER_LIKE = re.compile(r"^\s*[-+]?(\d[\d,]*\.?\d*|\.\d+)([eE][-+]?\d+)?%?\s*$")
_DATE_LIKE = re.compile(r"^\s*\d{1,4}\s*[-/.年月:]\s*\d{1,2}")


def excel_text(value: object, number_format: str = "General") -> object:
    """A value as it must be handed to Excel so that it is stored as given.

    Excel parses text written into a cell that is not formatted as text: "001" becomes
    1, "2024-9-1" a date, "=..." a formula. Such text gets Excel's quote prefix (not part
    of the value, and also the guard against formula injection)."""
    if not isinstance(value, str) or number_format == "@" or not value:
        return value
    if value[0] in "=+-@'\t\r" or _NUMBER_LIKE.match(value) or _DATE_LIKE.match(value) \
            or value.strip().upper() in ("TRUE", "FALSE"):
        return "'" + value
    return value




def _runs(items: list[tuple[int, object]]) -> Iterator[list[tuple[int, object]]]:
    """Consecutive rows together: [(3, a), (4, b), (7, c)] -> [(3, a), (4, b)], [(7, c)]."""
    run: list[tuple[int, object]] = []
    for row, value in sorted(items, key=lambda i: i[0]):
        if run and row != run[-1][0] + 1:
            yield run
            run = []
        run.append((row, value))
    if run:
        yield run


def _blank(row: Sequence[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


class LiveAdapter:
    """The workbook open in Excel (an ``xlwings.Book``) as a :class:`WorkbookAdapter`."""

    def __init__(self, book):
        self.book = book

    def for_writing(self, write: bool) -> "LiveAdapter":
        """This adapter, after checking that a writing action can write everything it must:
        Excel refuses writes to a protected sheet one cell at a time, and a refusal half-way
        would leave a partial result, so a protected sheet refuses the action up front."""
        if write:
            protected = [s.name for s in self.book.sheets if s.name in WRITTEN_SHEETS and s.api.ProtectContents]
            if protected:
                raise Refused(f"工作表“{'”“'.join(protected)}”受保护，不能写入（没有写入任何内容）：请在 Excel 中点"
                              "“审阅 > 撤消工作表保护”后再试；计算列由刷新维护，不需要用工作表保护来防止误改。")
            totals = [s.name for s in self.book.sheets if s.name in WRITTEN_SHEETS and self._totals(s)]
            if totals:
                raise Refused(f"“{'”“'.join(totals)}”工作表的表格显示了“汇总行”，在 Excel 中写入会打乱表格（没有写入任何内容）："
                              "请先在“表设计”选项卡取消勾选“汇总行”，完成后可再勾选；用“台账工具”处理文件时不必取消。")
            names = {s.name for s in self.book.sheets}
            if self.book.api.ProtectStructure and not {schema.DASHBOARD_SHEET, schema.FINGERPRINT_SHEET} <= names:
                raise Refused("工作簿结构受保护，不能添加“统计”等工作表（没有写入任何内容）：请在 Excel 中点"
                              "“审阅 > 保护工作簿”取消保护后再试。")
        return self

    # -- reading ---------------------------------------------------------------------------
    def _sheet(self, name: str):
        return self.book.sheets[name] if name in [s.name for s in self.book.sheets] else None

    def _extent(self, sheet) -> tuple[int, int]:
        """(last row, last column) holding data. Excel's used range also counts cells that
        were only formatted (a whole column coloured, a format painted to row 1,048,576):
        a large one is measured column by column with End(xlUp), then refused when the
        data itself is more than the add-in reads through Excel."""
        last = sheet.used_range.last_cell
        rows, columns = last.row, last.column
        if rows > LARGE_USED_ROWS:
            bottom = []
            for c in range(1, columns + 1):
                cell = sheet.range((rows, c))
                bottom.append(rows if cell.value not in (None, "") else cell.end("up").row)
            rows = max(bottom + [1])
        if rows * columns > MAX_READ_CELLS:
            raise Refused(f"“{sheet.name}”工作表有内容直到第{rows:,}行、第{columns:,}列，超出加载项在 Excel 中能读取的范围"
                          f"（{MAX_READ_CELLS:,}个单元格；没有写入任何内容）：请删除表格下方或右侧多余的行和列"
                          "（包括只设置了格式的），或用“台账工具”处理这个台账（它直接读取文件，不经过 Excel）。")
        return rows, columns

    @staticmethod
    def _totals(sheet) -> set[int]:
        """The rows of the sheet's tables that are their totals row (表设计 > 汇总行)."""
        return {t.totals_row_range.row for t in sheet.tables if t.show_totals}

    def _rows(self, sheet) -> list[list[object]]:
        """Every value from the sheet's first cell to the last one holding data, row by row;
        a table's totals row reads as blank (it is never an application, issue 19.3)."""
        totals = self._totals(sheet)
        rows = self._values_of(sheet)
        for number in totals:
            if 0 < number <= len(rows):
                rows[number - 1] = [None] * len(rows[number - 1])
        return rows

    def _values_of(self, sheet) -> list[list[object]]:
        rows, columns = self._extent(sheet)
        # err_to_str: a cell showing #N/A is handed over as "#N/A" (xlwings' default is None, a
        # blank): the reader then holds the row back from every output, as it does for the file
        values = sheet.range((1, 1), (rows, columns)).options(ndim=2, err_to_str=True).value
        return [list(r) for r in values]

    def values(self) -> dict[str, list[Sequence[object]]]:
        return {s.name: self._rows(s) for s in self.book.sheets if s.name != schema.FINGERPRINT_SHEET}

    def sheet_names(self) -> list[str]:
        return [s.name for s in self.book.sheets]

    def refusals(self) -> list[str]:
        """What would stop a writing action in this Excel (protected sheets or structure)."""
        try:
            self.for_writing(True)
        except Refused as exc:
            return [str(exc)]
        return []

    def close(self) -> None:
        """Nothing to close: the workbook stays open in Excel."""

    def fingerprints(self) -> dict[str, str]:
        sheet = self._sheet(schema.FINGERPRINT_SHEET)
        if sheet is None:
            return {}
        return {_text(r[0]): _text(r[1]) for r in self._rows(sheet)[1:] if len(r) > 1 and _text(r[0])}

    # -- writing ---------------------------------------------------------------------------
    def write_cells(self, sheet, cells, formats, table=None) -> None:
        self._write(sheet, cells, formats, table, COMPUTED_RGB)

    def write_inputs(self, sheet, cells, formats, table=None) -> None:
        self._write(sheet, cells, formats, table, None)

    def _write(self, sheet, cells, formats, table, color) -> None:
        """Column by column, a run of consecutive rows at a time: the number format first
        (text must land in text cells), then the shading, then the values (text Excel
        would convert gets the quote prefix)."""
        ws = self.book.sheets[sheet]
        by_column: dict[str, list[tuple[int, object]]] = defaultdict(list)
        for (row, letter), value in cells.items():
            by_column[letter].append((row, value))
        for letter in sorted(by_column, key=column_index_from_string):
            column = column_index_from_string(letter)
            fmt = formats.get(letter, "General")
            for run in _runs(by_column[letter]):
                rng = ws.range((run[0][0], column), (run[-1][0], column))
                rng.number_format = fmt
                if color is not None:
                    rng.color = color
                rng.value = [[excel_text(v, fmt)] for _, v in run]
        if table and cells:
            self._extend_table(ws, table, max(row for row, _ in cells))

    def append_row(self, sheet, table, values, formats) -> int:
        if sheet not in [s.name for s in self.book.sheets]:
            raise WriteRefused(f"工作簿缺少“{sheet}”工作表，未写入")
        ws = self.book.sheets[sheet]
        rows = self._rows(ws)
        columns = columns_by_header(sheet, rows[0] if rows else [], values)
        last = len(rows)
        while last > 1 and _blank(rows[last - 1]):
            last -= 1
        row = last + 1
        for header, column in columns.items():
            fmt = formats.get(header, "General")
            ws.range((row, column)).number_format = fmt
            ws.range((row, column)).value = excel_text(values[header], fmt)
        self._extend_table(ws, table, row)
        return row

    def _extend_table(self, ws, name: str, last_row: int) -> None:
        """Grow the Excel table (ListObject) down to ``last_row`` (never shrinks it)."""
        if name not in [t.name for t in ws.tables]:
            return
        table = ws.tables[name]
        whole = table.range
        end = whole.last_cell
        if last_row > end.row:
            table.resize(ws.range((whole.row, whole.column), (last_row, end.column)))

    def _add_sheet(self, name: str):
        """A new sheet at the end, leaving the user's active sheet active."""
        active = self.book.sheets.active
        sheets = self.book.sheets
        sheet = sheets.add(name, after=sheets[len(sheets) - 1])
        active.activate()
        return sheet

    def replace_dashboard(self, title: str, blocks: Blocks, now: dt.datetime) -> None:
        """Rebuild 统计 in place with the file writer's layout (addin.book.dashboard):
        the same cells, formats, widths and the column chart under its title."""
        layout = dashboard_layout(title, blocks)
        ws = self._sheet(schema.DASHBOARD_SHEET) or self._add_sheet(schema.DASHBOARD_SHEET)
        for chart in list(ws.charts):
            chart.delete()
        ws.clear()
        for column, width in enumerate(layout.widths, start=1):
            ws.range((1, column)).column_width = width
        for placed in layout.cells:
            cell = ws.range((placed.row, placed.col))
            fmt = placed.style.number_format or "General"
            cell.number_format = fmt
            cell.value = excel_text(placed.value, fmt)
            font = placed.style.font
            if font is not None:
                cell.font.bold = bool(font.b)
                if font.sz:
                    cell.font.size = font.sz
            if placed.style.fill is not None:
                cell.color = _rgb(placed.style.fill)
        spot = layout.chart
        if spot is not None:
            ws.charts.add(anchor=ws.range((spot.top_row, 1)), width=340, height=200, chart_type="column_clustered",
                          source=ws.range((spot.header_row, 1), (spot.last_row, 2)), style=CHART_STYLE)

    def write_fingerprints(self, fingerprints: dict[str, str]) -> None:
        ws = self._sheet(schema.FINGERPRINT_SHEET) or self._add_sheet(schema.FINGERPRINT_SHEET)
        ws.clear()
        rows = [["申报编号", "计算值摘要（由系统维护）"]] + [[k, v] for k, v in fingerprints.items()]
        rng = ws.range((1, 1), (len(rows), 2))
        rng.number_format = "@"
        rng.value = rows
        ws.visible = False

    def commit(self) -> Path | None:
        """Nothing to do: the workbook stays open in Excel, unsaved; the user saves it.
        (Excel clears its undo list when a macro writes, so the message says so.)"""
        return None


# --- the register's settings, for the UDFs ----------------------------------------------------

#: the sheets the rules take their numbers from (the register's 参数, its eligibility table and
#: its holiday rows): what a UDF called from a register reads, and nothing else
SETTINGS_SHEETS = (schema.SETTINGS_SHEET, schema.RULES_SHEET, schema.HOLIDAY_SHEET)


def settings_values(book) -> dict[str, list[list[object]]] | None:
    """The values of the register's :data:`SETTINGS_SHEETS` in the open workbook ``book``, read
    as a refresh reads them (whole sheets by value, row 1 first), for
    :func:`addin.book.reader.book_from_values`; None when ``book`` has no 参数 sheet (not a
    register: the caller uses the packaged defaults)."""
    sheets = {s.name: s for s in book.sheets}
    if schema.SETTINGS_SHEET not in sheets:
        return None
    adapter = LiveAdapter(book)
    return {name: adapter._rows(sheets[name]) for name in SETTINGS_SHEETS if name in sheets}


# --- the selection ------------------------------------------------------------------------

_AREA = re.compile(r"^\$?([A-Z]{1,3})?\$?(\d+)?(?::\$?([A-Z]{1,3})?\$?(\d+)?)?$")


def rows_in_address(address: str) -> list[tuple[int, int]]:
    """Row spans of an A1 address such as ``$B$3:$D$5,$F$9,$7:$8,$C:$C`` (whole columns
    give every row)."""
    spans = []
    for area in address.replace(" ", "").split(","):
        area = area.rsplit("!", 1)[-1]
        m = _AREA.match(area)
        if not area or not m:
            raise ValueError(f"cannot read the address {address!r}")
        _, first, _, last = m.groups()
        if first is None and last is None:                  # whole columns
            spans.append((1, MAX_COLUMN_ROWS))
        elif ":" not in area:
            spans.append((int(first), int(first)))
        elif first is not None and last is not None:
            a, b = int(first), int(last)
            spans.append((min(a, b), max(a, b)))
        else:
            raise ValueError(f"cannot read the address {address!r}")
    return spans


def selected_rows(book) -> list[tuple[int, int]]:
    """Row spans of the selection when it is on the 申报人员 sheet of ``book``, else []."""
    selection = book.selection
    if selection is None:
        return []
    sheet = selection.sheet
    if sheet.name != schema.APPLICANT_SHEET or sheet.book.name != book.name:
        return []
    return rows_in_address(selection.address)


# --- what the user sees ----------------------------------------------------------------------

class ExcelUI:
    """Status bar, message boxes and dialogs of the Excel running the add-in."""

    def __init__(self, app):
        self.app = app

    def progress(self, text: str) -> None:
        self.app.status_bar = STATUS_PREFIX + text

    def alert(self, text: str, title: str, critical: bool = False) -> None:
        self.app.alert(text, title=title, buttons="ok", mode="critical" if critical else "info")

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Screen updating, automatic calculation and events off while the run lasts;
        restored (and the status bar given back) afterwards, even on error."""
        with self.app.properties(screen_updating=False, calculation="manual", enable_events=False,
                                 status_bar=STATUS_PREFIX + "正在处理…"):
            yield

    def choose_file(self, title: str, filters: str) -> Path | None:
        """Excel's own Open dialog (Application.GetOpenFilename); None when cancelled."""
        answer = self.app.api.GetOpenFilename(FileFilter=filters, Title=title)
        return Path(str(answer)) if answer not in (False, None, "", "False") else None

    def save_as(self, title: str, name: str) -> Path | None:
        """Excel's own Save As dialog for a new file's name (Application.GetSaveAsFilename; it
        creates nothing); None when cancelled."""
        answer = self.app.api.GetSaveAsFilename(InitialFileName=name, FileFilter="Excel 工作簿 (*.xlsx),*.xlsx",
                                                Title=title)
        return Path(str(answer)) if answer not in (False, None, "", "False") else None

    def confirm(self, prompt: str, title: str) -> bool | None:
        """是 / 否 / 取消 in a message box: True, False, or None when cancelled."""
        answer = self.app.alert(prompt, title=title, buttons="yes_no_cancel", mode="info")
        return {"yes": True, "no": False}.get(answer)

    def ask(self, prompt: str, title: str, default: str = "") -> str | None:
        """Excel's input box for text (Application.InputBox, Type 2); None when cancelled."""
        answer = self.app.api.InputBox(Prompt=prompt, Title=title, Default=default, Type=2)
        return None if answer is False else str(answer)
