"""The 统计 sheet: counts, fees, a chart and the to-do list, rebuilt on every refresh.

:func:`dashboard_blocks` says what is shown; :func:`dashboard_layout` says where, for
an A4 landscape page: every block (section title, header, rows) is kept on one page
when it fits on one (a manual page break goes before a block that would be split),
long text wraps in rows made tall enough for it, figures are centred under their
headers, dates are written the Chinese way (2024年9月10日), and the chart is a block of
its own under its title. The in-place writer (:mod:`addin.book.inplace`) renders it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import math
from dataclasses import dataclass, field

from openpyxl.styles import Alignment, Border, Font, Side

from ..rules.catalog import order_key
from ..rules.dates import format_date
from ..textwidth import display_width
from .schema import CHINESE_DATE
from .evaluate import Evaluation
from .workbook import HEADER_FILL, HEADER_FONT
from ..xlsx.styles import CellStyle

TITLE_FONT = Font(name="等线", bold=True, size=14)
SECTION_FONT = Font(name="等线", bold=True, size=12)


def dashboard_blocks(ev: Evaluation, figures: list[tuple[str, list[str], list[list[object]]]] = ()
                     ) -> list[tuple[str, list[str], list[list[object]]]]:
    """The dashboard as (section title, header, rows): the same content for any writer.

    Specialties follow the data's order (字典 / lists.csv: 公路, 运输, 交通经济), levels
    the settings' (高级, 中级, 初级); the fee block is :meth:`Evaluation.fee_lines`, the
    same computation as the finance office's 汇总, with overpayments in their own 多缴
    column (never a negative 未缴) and what ended applications (不予受理, 视为放弃) paid
    in 退费 (each one also a 待办 row). ``figures``: the blocks the bureau reports upward
    (:func:`addin.book.statistics.statistics_blocks`: by employer, county, series /
    specialty / level), placed before the to-do list."""
    rows = ev.rows
    by_status = Counter(r["status"] for r in rows)
    by_specialty = Counter(r["specialty"] for r in rows)
    by_level = Counter(r["level"] for r in rows)
    by_verdict = Counter(r["eligibility"] or "未判定" for r in rows)
    specialty_key = order_key(ev.specialty_order)
    fee_rows = [[line.level, line.count_due, line.due, line.paid, line.owed, line.over, line.refund]
                for line in ev.fee_lines()]
    todo_rows = [[t.kind, t.app_id, t.name, t.due, t.detail] for t in
                 sorted(ev.todos, key=lambda t: (t.due or dt.date.max, t.kind, t.app_id))]
    return [
        ("按状态", ["状态", "人数"], sorted([[k, v] for k, v in by_status.items()], key=lambda r: -r[1])),
        ("按专业", ["专业", "人数"], [[k, by_specialty[k]] for k in sorted(by_specialty, key=specialty_key)]),
        ("按级别", ["级别", "人数"], [[k, by_level.get(k, 0)] for k in ev.levels] +
         [[k, v] for k, v in by_level.items() if k not in ev.levels]),
        ("资格审查", ["结论", "人数"], [[k, v] for k, v in sorted(by_verdict.items())]),
        ("评审费（元）", ["级别", "应缴人数", "应缴", "已缴", "未缴", "多缴", "退费"], fee_rows),
        *figures,
        ("待办", ["事项", "申报编号", "姓名", "期限", "说明"], todo_rows or [["（无）", "", "", None, ""]]),
    ]



THIN = Side(style="thin", color="BFBFBF")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TITLE = CellStyle(font=TITLE_FONT, alignment=Alignment(vertical="center"))
SECTION = CellStyle(font=SECTION_FONT, alignment=Alignment(vertical="bottom"))
HEADER = CellStyle(number_format="@", font=HEADER_FONT, fill=HEADER_FILL, border=GRID,
                   alignment=Alignment(horizontal="center", vertical="center", wrap_text=True))
TEXT = CellStyle(number_format="@", border=GRID, alignment=Alignment(vertical="center", wrap_text=True))
FIGURE = CellStyle(number_format="0", border=GRID, alignment=Alignment(horizontal="center", vertical="center"))
MONEY = CellStyle(number_format="#,##0", border=GRID, alignment=Alignment(horizontal="center", vertical="center"))
DATE = CellStyle(number_format=CHINESE_DATE, border=GRID, alignment=Alignment(horizontal="center", vertical="center"))
PERCENT = CellStyle(number_format="0.0%", border=GRID, alignment=Alignment(horizontal="center", vertical="center"))
CHANGE = CellStyle(number_format="+0;-0;0", border=GRID, alignment=Alignment(horizontal="center", vertical="center"))
CENTRED = CellStyle(number_format="@", border=GRID, alignment=Alignment(horizontal="center", vertical="center"))

# the page: A4 landscape (points), the margins the sheet sets, Excel's default row height
PAGE_WIDTH, PAGE_HEIGHT = 842.0, 595.0
MARGIN_SIDES, MARGIN_TOP_BOTTOM = 0.5 * 72, 0.75 * 72
ROW_HEIGHT, TITLE_HEIGHT, SECTION_HEIGHT, HEADER_HEIGHT = 15.0, 24.0, 20.0, 18.0
PAGE_SAFETY = 0.95                # LibreOffice and Excel measure fonts a little differently
CHART_ROWS = 14                   # rows the chart occupies under its title
MIN_WIDTH, MAX_WIDTH = 10, 50     # column widths, in characters


def text_width(value: object) -> int:
    """Width of a value in Excel's character units (a Chinese character counts two)."""
    text = "" if value is None else (_shown(value) if not isinstance(value, str) else value)
    return display_width(text, ambiguous=1)


def _shown(value: object) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return format_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class Placed:
    row: int
    col: int
    value: object
    style: CellStyle


@dataclass
class ChartSpot:
    """A column chart of one block: its title, the data rows it plots, where it sits."""

    title: str
    header_row: int
    first_row: int
    last_row: int
    top_row: int
    bottom_row: int
    last_col: int


@dataclass
class DashboardLayout:
    cells: list[Placed] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)
    heights: dict[int, float] = field(default_factory=dict)
    breaks: list[int] = field(default_factory=list)      # a page ends after each of these rows
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)
    chart: ChartSpot | None = None
    last_row: int = 1

    @property
    def last_col(self) -> int:
        return len(self.widths)


def spans(header: list[str], rows: list[list[object]], count: int) -> bool:
    """Whether a block's last column runs to the grid's last column (merged): a block of
    fewer columns than the grid whose last column holds text (the to-do list's 说明), so
    that it takes the width the wider blocks give the grid instead of widening one column
    of theirs."""
    last = len(header) - 1
    return len(header) < count and any(isinstance(r[last], str) and r[last] for r in rows if len(r) > last)


def _widths(blocks) -> list[float]:
    count = max([len(h) for _s, h, _r in blocks] + [1])
    spanning = [spans(h, rows, count) for _s, h, rows in blocks]
    widths = []
    for c in range(count):
        seen = [text_width(h[c]) for (_s, h, _r), wide in zip(blocks, spanning) if c < len(h) - wide]
        seen += [text_width(r[c]) for (_s, h, rows), wide in zip(blocks, spanning) for r in rows
                 if c < len(r) and c < len(h) - wide]
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, max(seen, default=0) + 2))))
    for (_s, h, rows), wide in zip(blocks, spanning):       # a spanning column gets its room over its span
        if wide:
            c = len(h) - 1
            need = min(MAX_WIDTH, max([text_width(h[c])] + [text_width(r[c]) for r in rows if len(r) > c]) + 2)
            short = need - sum(widths[c:])
            if short > 0:
                widths[c:] = [w + short / (count - c) for w in widths[c:]]
    return widths


def _style_of(section: str, value: object, header: str = "") -> CellStyle:
    if isinstance(value, (dt.date, dt.datetime)):
        return DATE
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if header.endswith("率"):
            return PERCENT
        if header.endswith("增减"):
            return CHANGE
        return MONEY if "元" in section else FIGURE
    if header.endswith("率"):                  # a rate not yet known: “—”
        return CENTRED
    return TEXT


def dashboard_layout(title: str, blocks) -> DashboardLayout:
    """Where each value of the dashboard goes, with page breaks between blocks."""
    out = DashboardLayout(widths=_widths(blocks))
    width_pt = sum(w * 7 + 5 for w in out.widths) * 0.75
    scale = min(1.0, (PAGE_WIDTH - 2 * MARGIN_SIDES) / width_pt)
    page = (PAGE_HEIGHT - 2 * MARGIN_TOP_BOTTOM) / scale * PAGE_SAFETY
    out.cells.append(Placed(1, 1, title, TITLE))
    out.merges.append((1, 1, 1, out.last_col))
    out.heights[1] = TITLE_HEIGHT
    used = TITLE_HEIGHT + ROW_HEIGHT                         # title and a blank row
    row = 3
    planned = []
    for index, (section, header, rows) in enumerate(blocks):
        planned.append((section, header, rows, False))
        if index == 0 and len(rows) >= 1 and len(header) >= 2:
            planned.append((f"{section}人数（图）", header, rows, True))
    first_block_rows: tuple[int, int, int] | None = None
    for section, header, rows, is_chart in planned:
        heights = [SECTION_HEIGHT]
        if is_chart:
            heights += [ROW_HEIGHT] * CHART_ROWS
        else:
            heights.append(HEADER_HEIGHT)
            last = len(header) - 1 if spans(header, rows, out.last_col) else None
            for values in rows:
                lines = max([1] + [math.ceil(text_width(v) / max(1.0, (sum(out.widths[c:]) if c == last
                                                                      else out.widths[c]) - 1))
                                   for c, v in enumerate(values) if isinstance(v, str)])
                heights.append(ROW_HEIGHT * lines)
        block = sum(heights)
        wide = not is_chart and spans(header, rows, out.last_col)
        if used + block > page and used > TITLE_HEIGHT + ROW_HEIGHT:
            out.breaks.append(row - 1)
            used = 0.0
        used += block + ROW_HEIGHT
        out.cells.append(Placed(row, 1, section, SECTION))
        out.heights[row] = SECTION_HEIGHT
        if is_chart:
            assert first_block_rows is not None
            head_row, first, last = first_block_rows
            out.chart = ChartSpot(section, head_row, first, last, row + 1, row + CHART_ROWS,
                                  min(out.last_col, 4))
            row += CHART_ROWS + 2
            continue
        row += 1
        width = out.last_col if wide else len(header)       # a spanning last column is merged to the grid's end
        for c, text in enumerate(header, start=1):
            out.cells.append(Placed(row, c, text, HEADER))
        for c in range(len(header) + 1, width + 1):
            out.cells.append(Placed(row, c, None, HEADER))
        if wide:
            out.merges.append((row, len(header), row, width))
        out.heights[row] = HEADER_HEIGHT
        head_row = row
        for values, height in zip(rows, heights[2:]):
            row += 1
            for c, value in enumerate(values, start=1):
                out.cells.append(Placed(row, c, value, _style_of(section, value, header[c - 1] if c <= len(header)
                                                                 else "")))
            for c in range(len(values) + 1, width + 1):
                out.cells.append(Placed(row, c, None, TEXT))
            if wide:
                out.merges.append((row, len(header), row, width))
            if height != ROW_HEIGHT:
                out.heights[row] = height
        if first_block_rows is None:
            first_block_rows = (head_row, head_row + 1, row)
        row += 2
    out.last_row = row - 2
    return out
