"""The 统计 sheet: counts, fees, a chart and the to-do list, rebuilt on every refresh."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import schema
from ..rules.catalog import order_key
from .evaluate import Evaluation
from .workbook import HEADER_FILL, HEADER_FONT, _print_setup

TITLE_FONT = Font(name="等线", bold=True, size=14)
SECTION_FONT = Font(name="等线", bold=True, size=12)


def dashboard_blocks(ev: Evaluation) -> list[tuple[str, list[str], list[list[object]]]]:
    """The dashboard as (section title, header, rows): the same content for any writer.

    Specialties follow the data's order (字典 / lists.csv: 公路, 运输, 交通经济), levels
    the settings' (高级, 中级, 初级); the fee block is :meth:`Evaluation.fee_lines`, the
    same computation as the finance office's 汇总, with overpayments in their own 多缴
    column (never a negative 未缴)."""
    rows = ev.rows
    by_status = Counter(r["status"] for r in rows)
    by_specialty = Counter(r["specialty"] for r in rows)
    by_level = Counter(r["level"] for r in rows)
    by_verdict = Counter(r["eligibility"] or "未判定" for r in rows)
    specialty_key = order_key(ev.specialty_order)
    fee_rows = [[line.level, line.count_due, line.due, line.paid, line.owed, line.over] for line in ev.fee_lines()]
    todo_rows = [[t.kind, t.app_id, t.name, t.due, t.detail] for t in
                 sorted(ev.todos, key=lambda t: (t.due or dt.date.max, t.kind, t.app_id))]
    return [
        ("按状态", ["状态", "人数"], sorted([[k, v] for k, v in by_status.items()], key=lambda r: -r[1])),
        ("按专业", ["专业", "人数"], [[k, by_specialty[k]] for k in sorted(by_specialty, key=specialty_key)]),
        ("按级别", ["级别", "人数"], [[k, by_level.get(k, 0)] for k in ev.levels] +
         [[k, v] for k, v in by_level.items() if k not in ev.levels]),
        ("资格审查", ["结论", "人数"], [[k, v] for k, v in sorted(by_verdict.items())]),
        ("评审费（元）", ["级别", "应缴人数", "应缴", "已缴", "未缴", "多缴"], fee_rows),
        ("待办", ["事项", "申报编号", "姓名", "期限", "说明"], todo_rows or [["（无）", "", "", None, ""]]),
    ]


def write_dashboard_sheet(wb, title: str, blocks) -> None:
    """Replace the 统计 sheet (at the same position) with the blocks and a chart."""
    name = schema.DASHBOARD_SHEET
    index = wb.sheetnames.index(name) if name in wb.sheetnames else len(wb.sheetnames)
    if name in wb.sheetnames:
        wb.remove(wb[name])
    ws = wb.create_sheet(name, index)
    ws["A1"] = title
    ws["A1"].font = TITLE_FONT
    for col, width in zip("ABCDEF", (16, 12, 12, 12, 48, 12)):
        ws.column_dimensions[col].width = width
    row = 3
    chart_source = None
    for section, header, rows in blocks:
        ws.cell(row=row, column=1, value=section).font = SECTION_FONT
        row += 1
        for c, text in enumerate(header, start=1):
            cell = ws.cell(row=row, column=c, value=text)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        first = row + 1
        for values in rows:
            row += 1
            for c, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=c, value=value)
                if isinstance(value, (dt.date, dt.datetime)):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(value, (int, float)) and c > 1:
                    cell.number_format = "#,##0" if "元" in section else "0"
                if c == 5:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        if chart_source is None:
            chart_source = (section, first - 1, row)
        row += 2
    if chart_source and chart_source[2] >= chart_source[1] + 1:
        section, head_row, last_row = chart_source
        chart = BarChart()
        chart.type = "col"
        chart.title = f"{section}人数"
        chart.y_axis.title = "人数"
        chart.legend = None
        data = Reference(ws, min_col=2, min_row=head_row, max_row=last_row)
        cats = Reference(ws, min_col=1, min_row=head_row + 1, max_row=last_row)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(cats)
        chart.height, chart.width = 7, 12
        ws.add_chart(chart, "D4")        # beside the small tables, inside the print area
    _print_setup(ws, schema.Sheet(name, "dashboard"))
    ws.print_area = f"A1:{get_column_letter(max(len(header) for _, header, _ in blocks))}{row}"
