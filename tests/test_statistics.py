"""Statistics the bureau reports upward (issue 20, D): 统计 by employer, by county and by
series / specialty / level, with last year's figures beside them when refreshed with
``--from``; the same figures on the page's and the ribbon's 刷新并与上年对比; printable as
the dashboard's other blocks."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.book import schema
from addin.book.reader import read_book
from addin.book.refresh import check, refresh
from addin.book.statistics import statistics_blocks
from addin.cli import main
from addin.rules.catalog import clean_word
from conftest import pdf_pages, require_tools

NOW = dt.datetime(2024, 10, 22, 9, 0)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def dashboard(book: Path) -> dict[str, list[list[object]]]:
    """The blocks of 统计 as written: section title -> [header, rows...]."""
    ws = load_workbook(book)[schema.DASHBOARD_SHEET]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    blocks, current = {}, None
    for row in rows[2:]:
        values = [v for v in row if v is not None]
        if len(values) == 1 and isinstance(values[0], str) and row[0] == values[0] and current is None:
            current = blocks.setdefault(values[0], [])
            continue
        if not values:
            current = None
            continue
        if current is not None:
            current.append(row)
    return blocks


def last_year(book: Path, folder: Path, drop: int = 15) -> Path:
    """Last year's register: the sample as a 2023 campaign, with fewer applications."""
    path = folder / "2023年台账.xlsx"
    shutil.copyfile(book, path)
    wb = load_workbook(path)
    ws = wb[schema.SETTINGS_SHEET]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 5).value == "campaign_year":
            ws.cell(r, 2).value = 2023
    wb[schema.APPLICANT_SHEET].delete_rows(40, drop)
    wb.save(path)
    return path


def _expected(book: Path, key) -> dict[str, tuple[int, int, int, int]]:
    """(申报, 受理, 上会, 通过) per group, from the register's rows and its stages."""
    bk, ev = check(book, now=NOW)
    units = {clean_word(r.values_by_key["name"]): r.values_by_key.get("county") for r in bk.table("employers").rows}
    out: dict[str, list[int]] = {}
    for row in bk.table("applicants").rows:
        v, c, stage = row.values_by_key, ev.computed[row.number], ev.stages[row.number]
        name = key(v, units)
        counts = out.setdefault(name, [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += stage.accepted
        counts[2] += c["meeting_due"] == "上会" or bool(c["meeting_result"])
        counts[3] += stage.accepted and c["meeting_result"] == "评审通过"
    return {k: tuple(v) for k, v in out.items()}


def test_by_employer_county_and_series_the_counts_follow_each_application_s_stage(book):
    refresh(book, now=NOW, user="测试")
    blocks = dashboard(book)
    employers = {r[0]: tuple(r[1:5]) for r in blocks["按用人单位"][1:] if r[0] != "合计"}
    assert blocks["按用人单位"][0][:6] == ["用人单位", "申报", "受理", "上会", "通过", "通过率"]
    assert employers == _expected(book, lambda v, _u: v["employer"])
    counties = {r[0]: tuple(r[1:5]) for r in blocks["按县市"][1:] if r[0] != "合计"}
    assert counties == _expected(book, lambda v, u: u.get(clean_word(v["employer"])) or "未登记")
    assert counties["温宿县"][0] >= 1 and "未登记" in counties       # units missing from 用人单位 are named as such
    series = {r[0]: tuple(r[1:5]) for r in blocks["按系列、专业、级别"][1:] if r[0] != "合计"}
    levels = {"高级工程师": "高级", "正高级工程师": "高级", "高级经济师": "高级", "工程师": "中级", "助理工程师": "初级",
              "技术员": "初级"}
    assert series == _expected(book, lambda v, _u: f"{v['series']} {v['specialty']} {levels[v['target_title']]}")
    assert list(series)[:3] == ["工程系列 公路 高级", "工程系列 公路 中级", "工程系列 公路 初级"]   # the data's order
    total = blocks["按用人单位"][-1]
    assert total[0] == "合计" and total[1] == len(read_book(book).table("applicants").rows)
    for block in ("按用人单位", "按县市", "按系列、专业、级别"):
        for row in blocks[block][1:]:
            applied, accepted, on, passed, rate = row[1:6]
            assert applied >= accepted >= passed and on >= passed
            assert rate == "—" if not on else abs(rate - passed / on) < 1e-9


def test_before_the_meeting_the_pass_rate_is_not_shown(book):
    refresh(book, now=dt.datetime(2024, 9, 5, 10), user="测试")
    wb = load_workbook(book)
    ws = wb[schema.MEETING_SHEET]
    ws.delete_rows(2, ws.max_row)                                 # no tally yet
    wb.save(book)
    refresh(book, now=dt.datetime(2024, 9, 5, 10), user="测试")
    rows = dashboard(book)["按县市"][1:]
    assert all(r[4] == 0 and r[5] == "—" for r in rows)


def test_with_last_year_s_register_the_change_is_listed_and_logged(book, tmp_path, capsys):
    last = last_year(book, tmp_path)
    assert main(["refresh", str(book), "--from", str(last), "--as-of", "2024-10-22 09:00"]) in (0, 1)
    out = capsys.readouterr().out
    assert "与上年台账“2023年台账.xlsx”对比" in out
    blocks = dashboard(book)
    assert "按用人单位（与2023年度对比）" in blocks and "按县市（与2023年度对比）" in blocks
    header = blocks["按县市（与2023年度对比）"][0]
    assert header[:11] == ["县市", "申报", "受理", "上会", "通过", "通过率", "上年申报", "上年通过", "上年通过率",
                           "申报增减", "通过增减"]
    before = _expected(last, lambda v, u: u.get(clean_word(v["employer"])) or "未登记")
    now = _expected(book, lambda v, u: u.get(clean_word(v["employer"])) or "未登记")
    for row in blocks["按县市（与2023年度对比）"][1:-1]:
        county = row[0]
        b = before.get(county, (0, 0, 0, 0))
        assert row[6:8] == [b[0], b[3]], county
        assert row[9:11] == [now[county][0] - b[0], now[county][3] - b[3]], county
    total = blocks["按县市（与2023年度对比）"][-1]
    assert total[6] == len(read_book(last).table("applicants").rows) and total[9] == 15      # 15 fewer last year
    ws = load_workbook(book)[schema.DASHBOARD_SHEET]
    signed = [c for r in ws.iter_rows() for c in r if c.number_format == "+0;-0;0"]
    assert signed and all(isinstance(c.value, int) for c in signed)
    log = read_book(book).table("log").rows[-1].values_by_key
    assert log["action"] == "刷新计算" and "统计表与2023年度（2023年台账.xlsx）对比" in log["detail"]


def test_a_register_of_the_same_year_is_refused_and_nothing_is_written(book, tmp_path, capsys):
    other = tmp_path / "别的.xlsx"
    shutil.copyfile(book, other)
    before = book.read_bytes()
    assert main(["refresh", str(book), "--from", str(other)]) == 2
    assert "不早于本台账的2024年度" in capsys.readouterr().err and book.read_bytes() == before


def test_the_page_and_the_ribbon_ask_for_last_year_s_register(book, tmp_path):
    from addin.excel import ribbon
    from addin.excel.actions import file_session

    class UI:
        def __init__(self, files):
            self.files, self.asked = list(files), []

        def progress(self, text):
            pass

        def busy(self):
            import contextlib
            return contextlib.nullcontext()

        def choose_file(self, title, filters):
            self.asked.append(title)
            return self.files.pop(0) if self.files else None

        def save_as(self, title, name):
            return None

        def ask(self, prompt, title, default=""):
            return default

        def confirm(self, prompt, title):
            return False

    last = last_year(book, tmp_path)
    ui = UI([last])
    message = ribbon.run_action("refresh.compare", file_session(book, ui, now=NOW))
    assert ui.asked == ["选择上年台账（同比）"] and "与上年台账“2023年台账.xlsx”对比" in message.text
    assert "按县市（与2023年度对比）" in dashboard(book)
    plain = ribbon.run_action("refresh", file_session(book, UI([]), now=NOW))
    assert "对比" not in plain.text and "按县市" in dashboard(book)
    cancelled = ribbon.run_action("refresh.compare", file_session(book, UI([]), now=NOW))
    assert cancelled.text.startswith("已取消")


def test_the_written_blocks_are_the_computed_ones(book):
    report = refresh(book, now=NOW, user="测试")
    written = dashboard(book)
    for title, header, rows in statistics_blocks(report.book, report.evaluation):
        got = written[title]
        assert got[0][:len(header)] == header and len(got) - 1 == len(rows)
        for cells, row in zip(got[1:], rows):
            for a, b in zip(cells, row):
                assert abs(a - b) < 1e-9 if isinstance(b, float) else a == b, (title, row)


@pytest.mark.libreoffice
def test_the_statistics_print_one_block_a_page_with_every_figure(book, tmp_path):
    require_tools("soffice")
    last = last_year(book, tmp_path)
    report = refresh(book, now=NOW, user="测试", last_year=last)
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(book)], check=True, capture_output=True, timeout=300)
    pdf = tmp_path / (book.stem + ".pdf")
    pages = pdf_pages(pdf)
    stats = [p for p in pages if p.lstrip().startswith(schema.DASHBOARD_SHEET)]
    for title, header, rows in statistics_blocks(report.book, report.evaluation, _last(last)):
        holding = [p for p in stats if any(line.strip() == title for line in p.splitlines())]
        assert len(holding) == 1, title
        page = holding[0]
        assert all(h in page for h in header), title
        for row in rows:
            assert row[0] in page, (title, row[0])        # no name cut off
        assert "%" in page and "上年通过率" in page


def _last(path: Path):
    from addin.book.statistics import last_year as read

    return read(path, 2024)


def test_counts_by_county_use_the_employer_list(book):
    """A unit's county comes from 用人单位 (县市): moving a unit moves its applications."""
    refresh(book, now=NOW, user="测试")
    first = dashboard(book)["按县市"]
    wb = load_workbook(book)
    ws = wb[schema.EMPLOYER_SHEET]
    head = [c.value for c in ws[1]]
    name, county = head.index("单位名称"), head.index("县市")
    row = next(r for r in ws.iter_rows(min_row=2) if r[name].value == "库车市公路养护中心")
    row[county].value = "沙雅县"
    wb.save(book)
    refresh(book, now=NOW, user="测试")
    after = {r[0]: r[1] for r in dashboard(book)["按县市"][1:]}
    before = {r[0]: r[1] for r in first[1:]}
    moved = Counter(e for e in [r.values_by_key["employer"] for r in read_book(book).table("applicants").rows]
                    )["库车市公路养护中心"]
    assert moved and after.get("库车市", 0) == before["库车市"] - moved and after["沙雅县"] == before["沙雅县"] + moved
