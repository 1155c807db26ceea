"""A small in-memory stand-in for the few xlwings objects the live adapter uses.

It behaves like Excel where the adapter could go wrong:

- cells hold what Excel holds: numbers as floats, dates as datetimes, text, booleans;
- a value read from a cell not formatted as a date comes back as a serial number;
- text written into a cell that is not formatted as text is parsed the way Excel parses
  typed text ("001" -> 1.0, "2024-09-12" -> a date, "=..." -> a formula); a leading
  apostrophe keeps it as text (and is not part of the value);
- ``Range.value`` returns a scalar, a list or a list of lists like xlwings, and
  ``options(ndim=2)`` always a list of lists;
- ``App.properties`` is xlwings' own logic (set, yield, restore in ``finally``).

Values as real Excel hands them over through xlwings on Windows (where each behaviour
is documented):

- xlwings reads ``Range.Value`` (``xlwings/_xlwindows.py``, ``Range.raw_value``), and
  ``Range.Value`` is the computed result of a formula (Microsoft Learn, "Range.Value
  property (Excel)"; the formula text is ``Range.Formula``): a formula cell arrives with
  its value (:class:`Formula` carries it);
- ``Range.Value`` uses the Date and Currency types ("Range.Value2 property": "The only
  difference between this property and the Value property is that the Value2 property
  doesn't use the Currency and Date data types"): a cell with a date or time format
  arrives as a datetime — a time-only cell as ``datetime(1899, 12, 30, h, m)``, since an
  OLE Automation date counts days from 1899-12-30 midnight (Microsoft Learn, "DATE
  type") and ``_clean_value_data_element`` rebuilds the pywintypes time as a datetime;
  a currency-formatted cell arrives as VT_CY, which pywin32 turns into
  ``decimal.Decimal`` (the int64 count of 1/10000 divided by 10000) and xlwings passes
  through unchanged (only floats go through its number builder);
- a protected sheet (``Worksheet.ProtectContents``) refuses every write with a COM error
  ("The cell or chart you're trying to change is on a protected sheet"), as does adding
  a sheet to a workbook whose structure is protected (``Workbook.ProtectStructure``);
- ``Charts.add`` is xlwings' (Windows: add, source, type, then ``chart.style = style``, 227
  unless told otherwise), and ``Chart.ChartStyle`` takes only the styles the running Excel
  has: 1-48 in Excel 2007/2010, also 201-248 from Excel 2013 (``FakeApp.version``, 14.0 =
  Excel 2010, the oldest the add-in supports, unless a test says otherwise);
- ``Range.end("up")`` is Excel's End(xlUp): from a cell, the last non-empty cell above
  (or the top of the block when the cell itself holds a value).

Kept honest by ``tests/test_excel_live.py``: every public name each fake class defines
exists on the xlwings class it stands for (``FAKES``), with compatible parameters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import xlwings as xw
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})\s*$")


class Formula(str):
    """A cell holding a formula and the value Excel computed for it (the stand-in does not
    compute; a file's cached value or the test's value is taken as the result)."""

    def __new__(cls, text: str, value=None):
        obj = super().__new__(cls, text)
        obj.value = value
        return obj


class ProtectedError(Exception):
    """What pywintypes.com_error says for a write to a protected sheet."""


def is_time_format(fmt: str | None) -> bool:
    text = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt or "").lower()
    return "h" in text or "s" in text


def is_currency_format(fmt: str | None) -> bool:
    """Excel's currency/accounting formats: a currency symbol (or [$...]) in the format."""
    return any(sym in (fmt or "") for sym in ("¥", "￥", "$", "€", "[$"))


def is_date_format(fmt: str | None) -> bool:
    text = re.sub(r'"[^"]*"|\[[^\]]*\]', "", fmt or "")
    return any(ch in text.lower() for ch in "yd") or text.lower() in ("m/d", "mm-dd")


def excel_stores(value, fmt: str | None):
    """(stored value, new number format or None) when ``value`` is assigned via COM."""
    if value is None or value == "":
        return None, None
    if isinstance(value, bool):
        return value, None
    if isinstance(value, (int, float)):
        return float(value), None
    if isinstance(value, dt.datetime):
        return value, ("yyyy/m/d h:mm" if fmt in (None, "General") else None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day), ("yyyy/m/d" if fmt in (None, "General") else None)
    if isinstance(value, str):
        if value.startswith("'"):
            return value[1:], None
        if fmt == "@":
            return value, None
        if value.startswith("="):
            return Formula(value), None
        if _NUMBER.match(value):
            return float(value), None
        m = _ISO_DATE.match(value)
        if m:
            return dt.datetime(int(m[1]), int(m[2]), int(m[3])), ("yyyy/m/d" if fmt in (None, "General") else None)
        if value.strip().upper() in ("TRUE", "FALSE"):
            return value.strip().upper() == "TRUE", None
        return value, None
    raise TypeError(f"Excel cannot hold {type(value).__name__}")


class CellError(str):
    """A cell showing an Excel error value (#N/A, #REF! ...): xlwings hands over None, or the
    text with ``options(err_to_str=True)`` (xlwings' docs: Range.options, err_to_str)."""


def xlwings_reads(value, fmt: str | None, err_to_str: bool = False):
    """What xlwings returns for a stored value (Windows defaults, see the module notes)."""
    if isinstance(value, Formula):
        value = value.value
    if isinstance(value, CellError):
        return str(value) if err_to_str else None
    if isinstance(value, dt.datetime) and not (is_date_format(fmt) or is_time_format(fmt)):
        return (value - EXCEL_EPOCH) / dt.timedelta(days=1)
    if isinstance(value, float) and (is_date_format(fmt) or is_time_format(fmt)) and 0 <= value < 2958466:
        return EXCEL_EPOCH + dt.timedelta(days=value)          # a number in a date/time cell is a Date
    if isinstance(value, float) and is_currency_format(fmt):
        return Decimal(round(value * 10000)) / Decimal(10000)  # VT_CY as pywin32 converts it
    return value


class FakeFont:
    def __init__(self, rng: "FakeRange"):
        self._rng = rng

    def _set(self, key, value):
        for cell in self._rng._cells():
            self._rng.sheet._fonts.setdefault(cell, {})[key] = value

    @property
    def bold(self):
        return self._rng.sheet._fonts.get((self._rng.row, self._rng.column), {}).get("bold")

    @bold.setter
    def bold(self, value):
        self._set("bold", value)

    @property
    def size(self):
        return self._rng.sheet._fonts.get((self._rng.row, self._rng.column), {}).get("size")

    @size.setter
    def size(self, value):
        self._set("size", value)


class _Options:
    def __init__(self, rng: "FakeRange", ndim: int | None, err_to_str: bool = False):
        self._rng, self._ndim, self._err_to_str = rng, ndim, err_to_str

    @property
    def value(self):
        return self._rng._read(self._ndim, self._err_to_str)


class FakeRange:
    def __init__(self, sheet: "FakeSheet", r1: int, c1: int, r2: int | None = None, c2: int | None = None):
        r2, c2 = r2 or r1, c2 or c1
        self.sheet = sheet
        self._r1, self._c1 = min(r1, r2), min(c1, c2)
        self._r2, self._c2 = max(r1, r2), max(c1, c2)

    def _cells(self):
        for r in range(self._r1, self._r2 + 1):
            for c in range(self._c1, self._c2 + 1):
                yield r, c

    @property
    def row(self) -> int:
        return self._r1

    @property
    def column(self) -> int:
        return self._c1

    @property
    def shape(self) -> tuple[int, int]:
        return self._r2 - self._r1 + 1, self._c2 - self._c1 + 1

    @property
    def count(self) -> int:
        rows, cols = self.shape
        return rows * cols

    @property
    def last_cell(self) -> "FakeRange":
        return FakeRange(self.sheet, self._r2, self._c2)

    @property
    def address(self) -> str:
        a = f"${get_column_letter(self._c1)}${self._r1}"
        b = f"${get_column_letter(self._c2)}${self._r2}"
        return a if a == b else f"{a}:{b}"

    def options(self, convert=None, **options) -> _Options:
        return _Options(self, options.get("ndim"), bool(options.get("err_to_str")))

    def _read(self, ndim: int | None, err_to_str: bool = False):
        s = self.sheet
        grid = [[xlwings_reads(s._values.get((r, c)), s._formats.get((r, c)), err_to_str)
                 for c in range(self._c1, self._c2 + 1)] for r in range(self._r1, self._r2 + 1)]
        if ndim == 2:
            return grid
        rows, cols = self.shape
        if rows == 1 and cols == 1:
            return grid[0][0]
        if rows == 1:
            return grid[0]
        if cols == 1:
            return [r[0] for r in grid]
        return grid

    @property
    def value(self):
        return self._read(None)

    @value.setter
    def value(self, data):
        if isinstance(data, (list, tuple)):
            rows = [list(r) for r in data] if data and isinstance(data[0], (list, tuple)) else [list(data)]
        else:
            rows = [[data]]
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                self.sheet._assign(self._r1 + i, self._c1 + j, v)

    @property
    def number_format(self) -> str | None:
        formats = {self.sheet._formats.get(cell, "General") for cell in self._cells()}
        return formats.pop() if len(formats) == 1 else None

    @number_format.setter
    def number_format(self, value: str) -> None:
        self.sheet._check_writable()
        for cell in self._cells():
            self.sheet._formats[cell] = value

    @property
    def color(self):
        return self.sheet._colors.get((self._r1, self._c1))

    @color.setter
    def color(self, value) -> None:
        self.sheet._check_writable()
        for cell in self._cells():
            self.sheet._colors[cell] = value

    @property
    def font(self) -> FakeFont:
        return FakeFont(self)

    @property
    def column_width(self):
        return self.sheet._widths.get(self._c1)

    @column_width.setter
    def column_width(self, value) -> None:
        for c in range(self._c1, self._c2 + 1):
            self.sheet._widths[c] = value

    @property
    def left(self) -> float:
        return 48.0 * (self._c1 - 1)

    @property
    def top(self) -> float:
        return 15.0 * (self._r1 - 1)

    def clear_contents(self) -> None:
        self.sheet._check_writable()
        for cell in self._cells():
            self.sheet._values.pop(cell, None)

    def end(self, direction):
        """Excel's Range.End: only "up" is used (the last non-empty cell above, see notes)."""
        if direction != "up":
            raise NotImplementedError(direction)
        values = self.sheet._values
        row, col = self._r1, self._c1
        if (row, col) in values and (row - 1, col) in values:      # inside a block: its top
            while row > 1 and (row - 1, col) in values:
                row -= 1
            return FakeRange(self.sheet, row, col)
        above = [r for r, c in values if c == col and r < row]
        return FakeRange(self.sheet, max(above) if above else 1, col)


class FakeTable:
    def __init__(self, sheet: "FakeSheet", name: str, ref: str, show_totals: bool = False):
        self._sheet, self.name = sheet, name
        c1, r1, c2, r2 = range_boundaries(ref)
        self._box = (r1, c1, r2, c2)
        self.show_totals = show_totals          # 表设计 > 汇总行: the last row of the range

    @property
    def totals_row_range(self) -> "FakeRange | None":
        r1, c1, r2, c2 = self._box
        return FakeRange(self._sheet, r2, c1, r2, c2) if self.show_totals else None

    @property
    def parent(self) -> "FakeSheet":
        return self._sheet

    @property
    def range(self) -> FakeRange:
        return FakeRange(self._sheet, *self._box)

    def resize(self, range: FakeRange) -> None:  # noqa: A002 - xlwings' parameter name
        self._box = (range._r1, range._c1, range._r2, range._c2)


class FakeTables:
    def __init__(self):
        self._items: list[FakeTable] = []

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self._items[key]
        return next(t for t in self._items if t.name == key)


class ChartStyleError(Exception):
    """What pywintypes.com_error says when ``Chart.ChartStyle`` is set to a style the running
    Excel does not have (Excel 2007/2010 have 1-48 only)."""


def excel_chart_styles(version: str) -> set[int]:
    """The built-in chart styles ``Chart.ChartStyle`` accepts in an Excel version: 1-48 from
    Excel 2007 (12.0; Microsoft Learn, "Chart.ChartStyle property", Office 2007 and 2010
    reference: "You can use a number from 1 to 48"), the modern styles 201-248 (those
    xlwings accepts, ``xlwings.main._chart_style``) from Excel 2013 (15.0)."""
    major = int(str(version).split(".")[0])
    return set(range(1, 49)) | (set(range(201, 249)) if major >= 15 else set())


class FakeChart:
    def __init__(self, charts: "FakeCharts", name: str, chart_type: str | None, source: FakeRange | None,
                 anchor: FakeRange | None):
        self._charts, self.name, self.chart_type = charts, name, chart_type
        self.source, self.anchor = source, anchor
        self._style: int | None = None        # None: the style Excel gives a new chart

    @property
    def style(self) -> int | None:
        return self._style

    @style.setter
    def style(self, value: int) -> None:
        value = xw.main._chart_style(value)      # xlwings' own validation (1-48, 201-248)
        version = self._charts._sheet.book.app.version
        if value not in excel_chart_styles(version):
            raise ChartStyleError(f"Excel {version}: ChartStyle {value} is out of range (Chart.ChartStyle)")
        self._style = value

    def set_source_data(self, source: FakeRange) -> None:
        self.source = source

    def delete(self) -> None:
        self._charts._items.remove(self)


class FakeCharts:
    def __init__(self, sheet: "FakeSheet"):
        self._sheet = sheet
        self._items: list[FakeChart] = []

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def add(self, left=0, top=0, width=355, height=211, chart_type=None, source=None, plot_by=None, name=None,
            anchor=None, style=227) -> FakeChart:
        if anchor is not None and (top or left):
            raise ValueError("You must either provide 'anchor' or 'top'/'left', but not both.")
        if chart_type is not None:
            xw.main._chart_type(chart_type)          # xlwings' own validation of the name
        chart = FakeChart(self, name or f"Chart {len(self._items) + 1}", chart_type, source, anchor)
        self._items.append(chart)                # Excel has added the chart before the style is set
        if style is not None:                    # xlwings' Charts.add (Windows): chart.style = style
            chart.style = style
        return chart


class FakeSheet:
    def __init__(self, book: "FakeBook", name: str):
        self.book, self.name = book, name
        self.visible = True
        self._values: dict[tuple[int, int], object] = {}
        self._formats: dict[tuple[int, int], str] = {}
        self._colors: dict[tuple[int, int], object] = {}
        self._fonts: dict[tuple[int, int], dict] = {}
        self._widths: dict[int, float] = {}
        self.tables = FakeTables()
        self.charts = FakeCharts(self)
        self.writes: list[tuple[int, int, object, str]] = []     # (row, col, assigned value, format then)
        self.api = FakeSheetApi()

    def _check_writable(self) -> None:
        if self.api.ProtectContents:
            raise ProtectedError("The cell or chart you're trying to change is on a protected sheet.")

    def _assign(self, row: int, col: int, value) -> None:
        self._check_writable()
        fmt = self._formats.get((row, col))
        self.writes.append((row, col, value, fmt or "General"))
        stored, new_format = excel_stores(value, fmt)
        if stored is None:
            self._values.pop((row, col), None)
        else:
            self._values[(row, col)] = stored
        if new_format:
            self._formats[(row, col)] = new_format

    def _point(self, spec) -> tuple[int, int]:
        if isinstance(spec, FakeRange):
            return spec.row, spec.column
        if isinstance(spec, tuple):
            return spec
        c1, r1, _, _ = range_boundaries(spec)
        return r1, c1

    def range(self, cell1, cell2=None) -> FakeRange:
        if isinstance(cell1, str) and ":" in cell1 and cell2 is None:
            c1, r1, c2, r2 = range_boundaries(cell1)
            return FakeRange(self, r1, c1, r2, c2)
        r1, c1 = self._point(cell1)
        if isinstance(cell1, FakeRange) and cell2 is None:
            return FakeRange(self, cell1._r1, cell1._c1, cell1._r2, cell1._c2)
        r2, c2 = self._point(cell2) if cell2 is not None else (r1, c1)
        return FakeRange(self, r1, c1, r2, c2)

    def __getitem__(self, item) -> FakeRange:
        return self.range(item)

    @property
    def used_range(self) -> FakeRange:
        cells = set(self._values) | set(self._formats)
        if not cells:
            return FakeRange(self, 1, 1)
        return FakeRange(self, min(r for r, _ in cells), min(c for _, c in cells),
                         max(r for r, _ in cells), max(c for _, c in cells))

    def clear(self) -> None:
        for store in (self._values, self._formats, self._colors, self._fonts):
            store.clear()

    def clear_contents(self) -> None:
        self._values.clear()

    def activate(self) -> None:
        self.book.sheets._active = self


class FakeSheetApi:
    """The one COM property of a sheet the adapter reads (Worksheet.ProtectContents)."""

    def __init__(self):
        self.ProtectContents = False


class FakeBookApi:
    def __init__(self):
        self.ProtectStructure = False


class FakeSheets:
    def __init__(self, book: "FakeBook"):
        self._book = book
        self._items: list[FakeSheet] = []
        self._active: FakeSheet | None = None

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return any(s.name == key for s in self._items)

    def __getitem__(self, key) -> FakeSheet:
        if isinstance(key, int):
            return self._items[key]
        for s in self._items:
            if s.name == key:
                return s
        raise KeyError(key)

    @property
    def active(self) -> FakeSheet:
        return self._active or self._items[0]

    def add(self, name=None, before=None, after=None) -> FakeSheet:
        if self._book.api.ProtectStructure:
            raise ProtectedError("Workbook is protected and cannot be changed.")
        if name in self:
            raise ValueError(f"sheet {name} exists")
        sheet = FakeSheet(self._book, name or f"Sheet{len(self._items) + 1}")
        index = len(self._items)
        if after is not None:
            index = self._items.index(after) + 1
        elif before is not None:
            index = self._items.index(before)
        self._items.insert(index, sheet)
        self._active = sheet                     # Excel activates a new sheet
        return sheet


class FakeExcelApi:
    """The Excel dialogs the UI uses, answering from a script."""

    def __init__(self):
        self.open_answers: list = []
        self.save_answers: list = []
        self.input_answers: list = []
        self.calls: list[tuple[str, dict]] = []

    def GetOpenFilename(self, FileFilter=None, FilterIndex=None, Title=None, ButtonText=None, MultiSelect=None):
        self.calls.append(("GetOpenFilename", {"FileFilter": FileFilter, "Title": Title}))
        return self.open_answers.pop(0) if self.open_answers else False

    def GetSaveAsFilename(self, InitialFileName=None, FileFilter=None, FilterIndex=None, Title=None,
                          ButtonText=None):
        self.calls.append(("GetSaveAsFilename", {"InitialFileName": InitialFileName, "Title": Title}))
        return self.save_answers.pop(0) if self.save_answers else False

    def InputBox(self, Prompt, Title=None, Default=None, Left=None, Top=None, HelpFile=None, HelpContextID=None,
                 Type=None):
        self.calls.append(("InputBox", {"Prompt": Prompt, "Title": Title, "Default": Default, "Type": Type}))
        return self.input_answers.pop(0) if self.input_answers else False


class FakeApp:
    def __init__(self, version: str = "14.0"):
        self.version = version                   # Application.Version; 14.0 = Excel 2010, the oldest supported
        self._status_bar: object = False
        self.status_history: list[object] = []
        self.screen_updating = True
        self.calculation = "automatic"
        self.enable_events = True
        self.display_alerts = True
        self.alerts: list[dict] = []
        self.alert_answers: list[str] = []        # what the user clicks in a yes/no/cancel box
        self.api = FakeExcelApi()
        self.selection: FakeRange | None = None

    @property
    def status_bar(self):
        return self._status_bar

    @status_bar.setter
    def status_bar(self, value) -> None:
        self._status_bar = value
        self.status_history.append(value)

    @contextlib.contextmanager
    def properties(self, **kwargs):
        # xlwings.main.App.properties, verbatim in substance
        initial_state = {}
        for attribute, value in kwargs.items():
            initial_state[attribute] = getattr(self, attribute, value)
            setattr(self, attribute, value)
        try:
            yield self
        finally:
            for attribute, value in initial_state.items():
                setattr(self, attribute, value)

    def alert(self, prompt, title=None, buttons="ok", mode=None, callback=None):
        self.alerts.append({"prompt": prompt, "title": title, "buttons": buttons, "mode": mode,
                            "screen_updating": self.screen_updating, "calculation": self.calculation})
        if buttons == "ok":
            return "ok"
        return self.alert_answers.pop(0) if self.alert_answers else "cancel"


class FakeBook:
    def __init__(self, fullname: str, app: FakeApp | None = None):
        self.fullname = fullname
        self.name = Path(fullname).name
        self.app = app or FakeApp()
        self.api = FakeBookApi()
        self.sheets = FakeSheets(self)

    @property
    def selection(self) -> FakeRange | None:
        return self.app.selection


#: fake class -> the xlwings class it stands for
FAKES = {
    FakeApp: xw.main.App, FakeBook: xw.main.Book, FakeSheets: xw.main.Sheets, FakeSheet: xw.main.Sheet,
    FakeRange: xw.main.Range, FakeTables: xw.main.Tables, FakeTable: xw.main.Table, FakeCharts: xw.main.Charts,
    FakeChart: xw.main.Chart, FakeFont: xw.main.Font,
}


def _as_excel(value):
    """openpyxl's value as Excel holds it: a time-only cell is a Date on 1899-12-30."""
    if isinstance(value, dt.time):
        return dt.datetime.combine(EXCEL_EPOCH.date(), value)
    return value


def book_from_file(path: Path, *, fullname: str | None = None) -> FakeBook:
    """A fake open workbook holding a file's values, number formats and tables, as Excel
    would hold them (ints as floats, dates as datetimes)."""
    wb = load_workbook(path)
    cached = load_workbook(path, data_only=True)          # the results Excel saved for formulas
    book = FakeBook(fullname or str(path))
    for ws in wb.worksheets:
        sheet = book.sheets.add(ws.title)
        sheet.visible = ws.sheet_state == "visible"
        results = cached[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if cell.number_format and cell.number_format != "General":
                    sheet._formats[(cell.row, cell.column)] = cell.number_format
                if cell.value is None:
                    continue
                if cell.data_type == "e" or results.cell(cell.row, cell.column).data_type == "e":
                    shown = CellError(str(results.cell(cell.row, cell.column).value or cell.value))
                    stored = Formula(str(cell.value), shown) if cell.data_type == "f" else shown
                elif cell.data_type == "f":
                    result = results.cell(cell.row, cell.column).value
                    stored = Formula(str(cell.value), excel_stores(_as_excel(result), cell.number_format)[0])
                else:
                    value = _as_excel(cell.value)
                    stored, _ = excel_stores(value if not isinstance(value, str) else "'" + value, cell.number_format)
                sheet._values[(cell.row, cell.column)] = stored
        for table in ws.tables.values():
            sheet.tables._items.append(FakeTable(sheet, table.name, table.ref, bool(table.totalsRowCount)))
        sheet.writes.clear()
    book.sheets._active = book.sheets[0]
    return book
