"""Print-ready lists and forms (issue 12 B): the rosters, vote sheet, code key, publicity
list and finance lists as xlsx and docx, read back and rendered by LibreOffice.

The rendering test converts every output with the same private font configuration the
product uses, and finds every cell text and paragraph whole in ``pdftotext``'s output,
every word inside the page, and the expected number of pages."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from docx.shared import Mm
from hypothesis import example, given, settings as hsettings, strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from addin.book.refresh import check
from addin.textwidth import display_width
from addin.devtools.golden import GOLDEN_APPLICANTS
from addin.outputs.documents import generate_documents
from addin.outputs.finance import export_finance
from addin.book.schema import CHINESE_DATE
from addin.outputs.layout import (FANGSONG, HEI, balanced_lines, break_points, keep_spans, layout_lines, text_points,
                                  wrap_text, wrapped_lines)
from addin.outputs.meeting import build_roster, write_roster
from addin.outputs.pdf import compact, convert_to_pdf, font_substitutions, pdf_text
from addin.outputs.publicity import build_publicity, write_publicity
from addin.outputs.tables.model import cell_text, money_text
from addin.outputs.tables.xlsx_layout import cell_lines, line_height, text_room
from conftest import require_tools

NOW = dt.datetime(2024, 10, 20, 10, 0)
VOTE_TITLE = "阿克苏地区交通运输局职称评审委员会2024年度职称评审会投票表"
COMMITTEE = "阿克苏地区交通运输局职称评审委员会"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Every list and form of the sample register: roster files, publicity, finance."""
    import shutil as sh

    from addin.book.refresh import refresh
    from addin.book.sample import SAMPLE

    folder = tmp_path_factory.mktemp("outputs")
    book = folder / "台账.xlsx"
    sh.copyfile(SAMPLE, book)
    refresh(book, now=NOW, user="测试")
    bk, ev = check(book, now=NOW)
    files = write_roster(build_roster(bk, ev), folder / "评审会")
    table, _ = build_publicity(bk, ev, dt.date(2024, 10, 21))
    files += write_publicity(table, folder / "公示")
    (folder / "财务").mkdir()
    files.append(export_finance(bk, ev, folder / "财务" / "缴费表.xlsx"))
    # the attachments of two applicants and their units' cover lists (one page each)
    report = generate_documents(bk, folder / "附件", ids=GOLDEN_APPLICANTS, by_employer=True, combined=False,
                                write_report=False)
    files += [d.docx for d in report.documents] + [p.cover for p in report.packages]
    return {f.relative_to(folder).as_posix(): f for f in files}


# --- line breaking and measuring -------------------------------------------------------------

def test_the_vote_sheet_title_breaks_between_words_in_balanced_lines():
    lines = balanced_lines(VOTE_TITLE, 40, [COMMITTEE])
    assert lines == [COMMITTEE, "2024年度职称评审会投票表"]
    for capacity_units in range(12, 40):
        lines = balanced_lines(VOTE_TITLE, capacity_units, [COMMITTEE])
        assert "".join(lines) == VOTE_TITLE
        assert not any(line.startswith(("会", "表", "局")) for line in lines[1:]), lines   # never "…评审/会投票表"
        assert all(display_width(line) <= capacity_units for line in lines)


@hsettings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["阿克苏地区", "交通运输局", "职称", "评审", "委员会", "2024年度", "公示", "名单", "（内部）",
                                 "投票表", "申报人员"]), min_size=1, max_size=12),
       st.integers(min_value=14, max_value=60))
# more lines than the width alone asks for: every word fills a line of its own
@example(words=["阿克苏地区"] * 6 + ["2024年度"] * 2 + ["（内部）"], width=14)
def test_balanced_lines_keep_the_text_and_fit_the_width(words, width):
    text = "".join(words)
    lines = balanced_lines(text, width)
    assert "".join(lines) == text
    assert all(display_width(line) <= width for line in lines)
    assert len(lines) >= -(-display_width(text) // width)
    if len(lines) > 1 and all(display_width(w) <= width for w in words):
        cuts = [sum(len(x) for x in lines[:i]) for i in range(1, len(lines))]
        assert set(cuts) <= set(break_points(text))          # only at word boundaries


def test_cjk_counts_two_units_and_wrapping_counts_lines():
    assert display_width("艾合买提·库尔班") == 16 and display_width("0997-2514195") == 12
    assert wrapped_lines("一二三四五", 4) == 3 and wrapped_lines("ab\ncd", 10) == 2


# --- xlsx ---------------------------------------------------------------------------------------

def _sheets(outputs):
    for name, path in outputs.items():
        if name.endswith(".xlsx"):
            wb = load_workbook(path)
            for ws in wb.worksheets:
                if ws.sheet_state == "visible":
                    yield name, ws


def _merged_width(ws, cell) -> float:
    for rng in ws.merged_cells.ranges:
        if cell.coordinate in rng:
            return sum(ws.column_dimensions[get_column_letter(c)].width or 8.43
                       for c in range(rng.min_col, rng.max_col + 1))
    return ws.column_dimensions[cell.column_letter].width or 8.43


def test_every_xlsx_row_is_tall_enough_for_its_wrapped_and_merged_text(outputs):
    checked = 0
    for name, ws in _sheets(outputs):
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or type(cell).__name__ == "MergedCell":
                    continue
                text = cell_text(cell.value) if not isinstance(cell.value, (int, float)) else \
                    money_text(cell.value, cell.number_format)
                width = _merged_width(ws, cell)
                size = cell.font.sz or 11
                latin = HEI if cell.font.name == "黑体" else FANGSONG
                if cell.alignment.wrap_text:
                    lines = cell_lines(cell, width)
                    height = ws.row_dimensions[cell.row].height
                    assert height and height >= lines * line_height(size, cell.font.name), f"{name}!{cell.coordinate}: {text[:30]}"
                    checked += 1
                else:
                    assert text_points(text, size, latin) <= text_room(width, size=size), \
                        f"{name}!{cell.coordinate} clipped: {text}"
    assert checked > 100


def test_a_cells_measured_width_is_the_widest_of_the_named_font_and_its_stand_in():
    # Times New Roman / Liberation Serif: "G" is wider than half an em, digits are half an em
    assert text_points("GL-182", 12) > 6 * 6 and text_points("2024", 10) == 20
    # in a sheet's 仿宋 cell, Latin letters are at least half an em (the named font) or FandolFang's width
    assert text_points("GL", 10, FANGSONG) >= 10 and text_points("艾合买提·库尔班", 10) == 80


def test_the_packaged_widths_are_those_of_the_installed_fonts():
    """addin/data/glyph-widths.csv against the fonts .ci/run installs (rebuild it with
    ``python -m addin.outputs.layout --widths`` when they change)."""
    from addin import data
    from addin.outputs.layout import measure_fonts

    if not (shutil.which("fc-match") and subprocess.run(["fc-list"], capture_output=True, text=True).stdout.count("Fandol")):
        if os.environ.get("CI"):
            pytest.fail("fontconfig or the Fandol fonts are missing on CI: .ci/run installs them")
        pytest.skip("fontconfig or the Fandol fonts are not installed here")
    assert measure_fonts() == data.rows("glyph-widths")


def test_line_breaking_keeps_phone_numbers_dates_and_names_whole_and_no_line_starts_with_a_closing_mark():
    text = "如对艾合买提·库尔班同志的相关信息有异议，请于2024年9月12日前反映至阿瓦提县公路管理站办公室（联系电话：0997-2123019）。"
    for width in range(200, 460, 7):        # wider than the longest kept piece
        spans = keep_spans(text, ["艾合买提·库尔班"], ["阿瓦提县公路管理站办公室"])
        lines = wrap_text(text, width, 16, spans=spans)
        assert "".join(lines) == text
        assert not any(line[0] in "，。、）" for line in lines[1:]), lines
        for whole in ("艾合买提·库尔班", "0997-2123019", "2024年9月12日", "办公室", "管理站"):
            assert any(whole in line for line in lines), (width, lines)
    # where a renderer would split the name or hang the comma, the layout asks for a line break before it
    laid = layout_lines("根据自治区、地区职称评审工作要求，现对艾合买提·库尔班同志申报", 442.2, 16, first_indent=32,
                        spacing=-0.256, spans=keep_spans("根据自治区、地区职称评审工作要求，现对艾合买提·库尔班同志申报",
                                                         ["艾合买提·库尔班"]))
    assert laid.forced == [19]


def test_xlsx_lists_fit_the_page_width_with_borders_numbers_units_signatures_and_chinese_dates(outputs):
    for name, ws in _sheets(outputs):
        assert int(ws.page_setup.paperSize) == 9 and int(ws.page_setup.fitToWidth) == 1     # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        for row in ws.iter_rows():
            for cell in row:
                if hasattr(cell.value, "year"):
                    assert cell.number_format == CHINESE_DATE, f"{name}!{cell.coordinate}"
        bordered = next((r for r in ws.iter_rows() if any(c.border.left.style for c in r)), None)
        if bordered is None:
            assert ws.tables, f"{name}!{ws.title}: neither a bordered list nor an entry table"
            continue
        headers = [c.value for c in bordered]
        money = [h for h in headers if h and any(w in h for w in ("金额", "应缴", "已缴", "未缴")) and "人数" not in h]
        assert all("（元）" in h for h in money), (name, money)
    vote = load_workbook(outputs["评审会/送评委/评审会投票表.xlsx"]).active
    texts = [str(c.value) for r in vote.iter_rows() for c in r if c.value]
    assert texts[0].replace("\n", "") == VOTE_TITLE and "\n" in texts[0]
    assert any("监票人：" in t and "计票人：" in t and "日期：" in t for t in texts)
    header = next(r for r in vote.iter_rows() if r[0].value == "序号")
    assert header[0].border.left.style == "thin"
    due = load_workbook(outputs["财务/缴费表.xlsx"])["应缴名单"]
    values = [str(c.value) for r in due.iter_rows() for c in r if c.value]
    assert "序号" in values and any("制表人：" in v and "审核人：" in v for v in values)
    key = load_workbook(outputs["评审会/内部留存/编号对照表-内部.xlsx"]).active
    assert "序号" in [c.value for r in key.iter_rows(max_row=6) for c in r]
    publicity = load_workbook(outputs["公示/评审结果公示名单.xlsx"]).active
    tail = [str(c.value) for r in publicity.iter_rows() for c in r if c.value][-2:]
    # the date four characters from the right (右空四字), the issuer (the longer) centred over it
    assert tail[1] == "2024年10月21日" + "\u3000" * 4
    assert tail[0].rstrip("\u3000 ") == "阿克苏地区交通运输局" and 2 <= len(tail[0]) - 10 <= 4


# --- docx ---------------------------------------------------------------------------------------

def test_docx_lists_have_the_attachments_official_layout(outputs):
    for name, path in outputs.items():
        if not name.endswith(".docx"):
            continue
        doc = Document(str(path))
        section = doc.sections[0]
        margins = [round(getattr(section, f"{s}_margin") / Mm(1)) for s in ("top", "bottom", "left", "right")]
        assert margins == [37, 35, 28, 26], name
        assert {round(section.page_width / Mm(1)), round(section.page_height / Mm(1))} == {210, 297}
        title = next(p for p in doc.paragraphs if p.text.strip() and p.style.name != "附件标注")
        assert title.style.name == "公文标题" and title.style.font.size.pt == 22
        assert doc.styles["公文正文"].font.size.pt == 16
        settings_xml = doc.settings.element.xml
        assert "w:evenAndOddHeaders" in settings_xml
        odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
        assert "PAGE" in section.footer._element.xml and "PAGE" in section.even_page_footer._element.xml
        assert odd.text.startswith("— ") and odd.alignment == 2 and even.alignment == 0     # right / left
    vote = Document(str(outputs["评审会/送评委/评审会投票表.docx"]))
    assert vote.paragraphs[0].text.split("\n") == [COMMITTEE, "2024年度职称评审会投票表"]
    publicity = Document(str(outputs["公示/评审结果公示名单.docx"]))
    date, issuer = publicity.paragraphs[-1], publicity.paragraphs[-2]
    assert date.text == "2024年10月21日" and date.alignment == 2 and date.paragraph_format.right_indent.pt == 64
    assert issuer.text == "阿克苏地区交通运输局" and issuer.alignment == 2        # centred over the date
    assert 2 * 16 < issuer.paragraph_format.right_indent.pt < 4 * 16
    # the running header on odd and even pages alike
    section = publicity.sections[0]
    assert section.header.paragraphs[0].text == section.even_page_header.paragraphs[0].text != ""


def test_the_longest_name_fits_its_column_on_one_line(outputs):
    doc = Document(str(outputs["评审会/内部留存/评审会名单-内部.docx"]))
    table = doc.tables[0]
    col = [c.text for c in table.rows[0].cells].index("姓名")
    names = [r.cells[col].text for r in table.rows[1:]]
    longest = max(names, key=display_width)
    width_pt = table.columns[col].width / 12700
    assert width_pt - 2 * 2.85 >= text_points(longest, 12), (longest, width_pt)


# --- rendered -----------------------------------------------------------------------------------

#: pages of each output of the sample as printed on A4 (rosters of 36, publicity of 29, finance of 54
#: people), with the fonts .ci/run installs (Carlito gives the sheets Excel's column widths)
EXPECTED_PAGES = {
    "评审会/内部留存/评审会名单-内部.xlsx": 4, "评审会/内部留存/评审会名单-内部.docx": 5,   # with 未列入 (1 page), 答辩成绩
    "评审会/送评委/评审会名单-盲评.xlsx": 2, "评审会/送评委/评审会名单-盲评.docx": 2,     # code, series, specialty, title, defence
    "评审会/送评委/评审会投票表.xlsx": 2, "评审会/送评委/评审会投票表.docx": 2,
    "评审会/内部留存/编号对照表-内部.xlsx": 2,
    "公示/评审结果公示名单.xlsx": 2, "公示/评审结果公示名单.docx": 3,   # every live code on the roster balloted
    "财务/缴费表.xlsx": 7,      # 应缴名单 4 pages (专业 and 多缴 columns), 缴费录入, 汇总, 退费名单
}


def _expected_texts(path: Path) -> list[str]:
    if path.suffix == ".docx":
        doc = Document(str(path))
        texts = [p.text for p in doc.paragraphs]
        for table in doc.tables:
            texts += [cell.text for row in table.rows for cell in row.cells]
        return [t for t in texts if t.strip()]
    texts = []
    for ws in load_workbook(path).worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    texts.append(money_text(cell.value, cell.number_format) if isinstance(cell.value, (int, float))
                                 else cell_text(cell.value))
    return [t for t in texts if t.strip()]


def _found_whole(text: str, flat: str) -> bool:
    """``text`` in the PDF's text whole, or broken only where its wrapped lines end: a
    table row's wrapped cells come out interleaved (“任现职年 工作年 限 限”), so each line
    of a cell may stand apart, in order; a clipped line is missing either way."""
    text = compact(text)
    if text in flat:
        return True
    at, pieces, rest = 0, 0, text
    while rest:
        n = len(rest)
        while n and flat.find(rest[:n], at) < 0:
            n -= 1
        if not n:
            return False
        at = flat.find(rest[:n], at) + n
        rest, pieces = rest[n:], pieces + 1
    return pieces <= 4


def _words_outside_the_page(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    bad = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out, re.S):
        width, height = float(page.group(1)), float(page.group(2))
        for w in re.finditer(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)',
                             page.group(3)):
            x0, y0, x1, y1 = map(float, w.groups()[:4])
            if x0 < 0 or y0 < 0 or x1 > width or y1 > height:
                bad.append(w.group(5))
    return bad


@pytest.mark.libreoffice
def test_every_list_renders_whole_on_its_expected_pages(outputs, tmp_path):
    require_tools("soffice", "pdftotext", "pdfinfo")
    staged = []
    for name, path in outputs.items():
        target = tmp_path / "in" / f"{name.replace('/', '-')[:-len(path.suffix)]}-{path.suffix[1:]}{path.suffix}"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(path, target)
        staged.append((name, target))
    pdfs = convert_to_pdf([t for _, t in staged], tmp_path / "pdf")
    lists = {n for n in outputs if not n.startswith("附件/")}
    assert set(EXPECTED_PAGES) == lists and len(outputs) - len(lists) >= 8
    for name, source in staged:
        pdf = pdfs[source]
        assert pdf, f"{name} did not convert"
        flat = compact(pdf_text(pdf))
        lost = [t for t in _expected_texts(source) if not _found_whole(t, flat)]
        assert not lost, f"{name}: clipped or missing in the PDF: {lost[:5]}"
        assert not _words_outside_the_page(pdf), f"{name}: text outside the page"
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert pages == EXPECTED_PAGES.get(name, 1), f"{name}: {pages} pages"     # attachments, cover lists: 1


@pytest.mark.libreoffice
def test_pdfs_use_the_closest_free_fonts_and_say_so():
    require_tools("soffice", "pdftotext", "pdfinfo")
    if not shutil.which("fc-match"):
        pytest.skip("fontconfig (fc-match) is not installed")
    used = font_substitutions()
    assert set(used) >= {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312"} or not used
    if os.environ.get("CI") or "FandolFang" in used.values():
        assert used["仿宋_GB2312"] == "FandolFang" and used["楷体_GB2312"] in ("FandolKai", "AR PL UKai CN")
        assert used["方正小标宋简体"].startswith("Noto Serif CJK SC") and "Bold" in used["方正小标宋简体"]
        assert used["黑体"] == "Noto Sans CJK SC"


def test_lists_carry_their_own_title_subject_and_generation_time(outputs):
    """Not python-docx's default (created 2013-12-23) nor a template's description or category."""
    started = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    for name, path in outputs.items():
        if name.endswith(".docx"):
            core = Document(str(path)).core_properties
            title, subject, created = core.title, core.subject, core.created
            assert not core.comments and not core.category, name
        else:
            props = load_workbook(path).properties
            title, subject, created = props.title, props.subject, props.created.replace(tzinfo=dt.timezone.utc)
            assert not props.description and not props.category, name
        assert title and subject and "模板" not in title + subject, name
        assert created >= started, (name, created)


def test_one_display_width_for_print_the_terminal_and_the_dashboard():
    """One measure, three uses (issue 18.5): ambiguous marks (· “ —) are wide in print, where
    a Chinese font draws them, and narrow on a terminal and in 统计's column estimate."""
    from addin.book.dashboard import text_width
    from addin.cli.base import width

    name = "艾合买提·库尔班"
    assert display_width(name) == 16 and width(name) == text_width(name) == 15
    assert width("（２０２４）") == text_width("（２０２４）") == display_width("（２０２４）") == 12
    assert text_width(dt.date(2024, 9, 1)) == display_width("2024年9月1日") == 12
