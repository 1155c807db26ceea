"""The 统计 sheet as the clerk prints it: blocks never split across pages, long text
wraps in rows tall enough, figures centred under their headers, Chinese dates, the
chart under its own title."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from addin.book import schema
from addin.book.schema import CHINESE_DATE
from addin.book.dashboard import CHART_ROWS, ROW_HEIGHT, dashboard_blocks, dashboard_layout
from addin.book.refresh import refresh
from addin.xlsx.package import Package
from conftest import pdf_pages, require_tools

NOW = dt.datetime(2024, 9, 5, 10, 0)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _blocks(todos: int) -> list:
    long = "待核：现职称取得时间：无法识别的日期“去年七月”（请写成 2024-09-12 或 2024年9月12日）" * 2
    return [
        ("按状态", ["状态", "人数"], [["已接收材料", 41], ["评审通过", 9], ["已退回", 1]]),
        ("资格审查", ["结论", "人数"], [["不符合", 9], ["待核", 5], ["符合", 47]]),
        ("评审费（元）", ["级别", "应缴人数", "应缴", "已缴", "未缴"], [["高级", 18, 9900, 9750, 150]]),
        ("待办", ["事项", "申报编号", "姓名", "期限", "说明"],
         [["待补正", f"2024-{i:03d}", "张三", dt.date(2024, 9, 10), long] for i in range(todos)]),
    ]


def _pages(layout) -> dict[int, int]:
    """row -> page number, from the manual breaks."""
    page, out = 1, {}
    for row in range(1, layout.last_row + 1):
        out[row] = page
        if row in layout.breaks:
            page += 1
    return out


def _block_rows(layout) -> list[tuple[str, list[int]]]:
    """(section, rows) of each block: its title row down to the row before the next title."""
    titles = sorted((p.row, p.value) for p in layout.cells if p.col == 1 and p.style.font is not None
                    and p.style.font.sz == 12)
    out = []
    for i, (row, name) in enumerate(titles):
        end = titles[i + 1][0] - 2 if i + 1 < len(titles) else layout.last_row
        out.append((name, list(range(row, end + 1))))
    return out


@pytest.mark.parametrize("todos", [1, 12, 30])
def test_no_block_is_split_across_pages_unless_it_is_longer_than_a_page(todos):
    layout = dashboard_layout("统计（2024年9月5日 10:00 刷新，共61份申报）", _blocks(todos))
    pages = _pages(layout)
    for name, rows in _block_rows(layout):
        spread = {pages[r] for r in rows}
        height = sum(layout.heights.get(r, ROW_HEIGHT) for r in rows)
        if height < 400:
            assert len(spread) == 1, (name, rows, layout.breaks)
        else:                                       # a block longer than a page starts on a new one
            assert rows[0] - 1 in layout.breaks, (name, rows[0], layout.breaks)


def test_long_text_wraps_in_a_tall_row_and_figures_sit_under_their_headers():
    layout = dashboard_layout("统计", _blocks(1))
    notes = [p for p in layout.cells if isinstance(p.value, str) and p.value.startswith("待核：现职称")]
    assert notes and all(p.style.alignment.wrap_text for p in notes)
    assert all(layout.heights[p.row] >= 2 * ROW_HEIGHT for p in notes)
    figures = [p for p in layout.cells if isinstance(p.value, int) and p.row > 1]
    headers = [p for p in layout.cells if p.style.fill is not None]
    assert figures and all(p.style.alignment.horizontal == "center" for p in figures + headers)
    dates = [p for p in layout.cells if isinstance(p.value, dt.date)]
    assert dates and all(p.style.number_format == CHINESE_DATE for p in dates)
    chart = layout.chart
    assert chart is not None and chart.bottom_row - chart.top_row + 1 == CHART_ROWS
    title_row = chart.top_row - 1
    assert any(p.row == title_row and p.value == "按状态人数（图）" for p in layout.cells)


def test_the_refreshed_dashboard_reads_back_with_chinese_dates_and_its_chart(book):
    report = refresh(book, now=NOW, user="测试")
    ws = load_workbook(book)[schema.DASHBOARD_SHEET]
    assert ws["A1"].value.startswith("统计（2024年9月5日10:00刷新")
    pkg = Package(book)
    try:                                          # the chart: 统计 -> drawing -> chart part, plotting 按状态
        drawing = next(t for _i, r, t in pkg.rels(pkg.sheet_info(schema.DASHBOARD_SHEET).part) if r.endswith("/drawing"))
        chart = next(t for _i, r, t in pkg.rels(drawing) if r.endswith("/chart"))
        assert b"'\xe7\xbb\x9f\xe8\xae\xa1'!$B$" in pkg.read(chart)
    finally:
        pkg.close()
    blocks = dashboard_blocks(report.evaluation)
    texts = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
    for section, header, rows in blocks:
        assert section in texts and all(h in texts for h in header)
    dated = [c for row in ws.iter_rows() for c in row if isinstance(c.value, dt.datetime)]
    assert all(c.number_format == CHINESE_DATE for c in dated)


def test_libreoffice_prints_every_dashboard_block_on_one_page(book, tmp_path):
    require_tools("soffice")
    report = refresh(book, now=NOW, user="测试")
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(book)], check=True, capture_output=True, timeout=300)
    pdf = tmp_path / (book.stem + ".pdf")
    pages = pdf_pages(pdf)
    dashboard = [p for p in pages if p.lstrip().startswith(schema.DASHBOARD_SHEET)]
    assert dashboard, "no 统计 page found"
    for section, header, rows in dashboard_blocks(report.evaluation):
        holding = [p for p in dashboard if any(line.strip() == section for line in p.splitlines())]
        assert len(holding) == 1, section
        page = holding[0]
        last = str(rows[-1][0])
        assert all(h in page for h in header) and last in page, (section, last)
