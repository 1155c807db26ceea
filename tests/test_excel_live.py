"""The ribbon's Python side (issue: add-in): the live adapter over an in-memory stand-in
of xlwings (tests/fake_xlwings.py, checked against the real xlwings classes), the
dispatcher's guarantees (allow-list, Excel settings restored, Chinese messages), and
the ribbon's actions run on the FILE adapter giving the command line's results."""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from addin.errors import WriteRefused
from openpyxl import Workbook, load_workbook
from openpyxl.utils import column_index_from_string, get_column_letter

from addin.book import schema
from addin.book.inplace import PackageAdapter
from addin.book.dump import dump
from addin.book.reader import read_book
from addin.book.refresh import check, refresh, run_refresh
from addin.book.sample import SAMPLE
from addin.cli import build_parser, main
from addin.excel import actions, ribbon
from addin.excel.actions import Session, file_session
from addin.usecases import by_name, run
from addin.excel.live import COMPUTED_RGB, ExcelUI, LiveAdapter, excel_text, rows_in_address, selected_rows
from addin.outputs import documents, finance
from addin.outputs.docxtext import canonical_text
from conftest import make_id
from exports import columns, write_export
from fake_xlwings import FAKES, FakeBook, FakeSheet, book_from_file

AS_OF = "2024-09-05 10:00"
NOW = dt.datetime(2024, 9, 5, 10, 0)
USER = "测试员"


class RecordingUI:
    """The UI of a session on a file: records what Excel would have shown."""

    def __init__(self, files: list | None = None, answers: list | None = None, confirms: list | None = None,
                 saves: list | None = None):
        self.progress_lines: list[str] = []
        self.busy_entered = self.busy_exited = 0
        self.files, self.answers = list(files or []), list(answers or [])
        self.confirms, self.saves = list(confirms or []), list(saves or [])
        self.asked: list[tuple[str, str]] = []

    def progress(self, text: str) -> None:
        self.progress_lines.append(text)

    @contextlib.contextmanager
    def busy(self):
        self.busy_entered += 1
        try:
            yield
        finally:
            self.busy_exited += 1

    def choose_file(self, title, filters):
        return self.files.pop(0) if self.files else None

    def ask(self, prompt, title, default=""):
        self.asked.append((prompt, default))
        return self.answers.pop(0) if self.answers else None

    def confirm(self, prompt, title):
        self.asked.append((prompt, ""))
        return self.confirms.pop(0) if self.confirms else None

    def save_as(self, title, name):
        return self.saves.pop(0) if self.saves else None


def copy_of_sample(folder: Path) -> Path:
    """The sample register as 台账.xlsx in a folder of its own (outputs go beside it)."""
    folder.mkdir()
    return Path(shutil.copyfile(SAMPLE, folder / "台账.xlsx"))


@pytest.fixture
def sample(tmp_path) -> Path:
    return copy_of_sample(tmp_path / "a")


@pytest.fixture
def twin(tmp_path) -> Path:
    return copy_of_sample(tmp_path / "b")


def norm(value):
    """A cell value as both openpyxl and xlwings may give it."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value.replace(microsecond=0)
    if isinstance(value, str):
        return value.strip() or None
    return value


def fake_grid(sheet: FakeSheet) -> list[list]:
    last = sheet.used_range.last_cell
    return sheet.range((1, 1), (last.row, last.column)).options(ndim=2).value


def file_grid(path: Path, name: str) -> list[list]:
    wb = load_workbook(path)
    return [list(r) for r in wb[name].iter_rows(values_only=True)]


# --- the stand-in is typed against xlwings ---------------------------------------------------------

TEST_ONLY = {"status_history", "alerts", "alert_answers", "writes", "source", "anchor"}
DUNDERS = {"__getitem__", "__iter__", "__len__", "__contains__"}


def _public(obj) -> set[str]:
    names = {n for n in dir(obj) if not n.startswith("_")} | {n for n in DUNDERS if n in vars(type(obj))}
    return names - TEST_ONLY


def _instances():
    book = FakeBook("/tmp/台账.xlsx")
    sheet = book.sheets.add("S")
    rng = sheet.range((1, 1), (2, 2))
    from fake_xlwings import FakeTable

    table = FakeTable(sheet, "t", "A1:B2")
    sheet.tables._items.append(table)
    chart = sheet.charts.add(style=None)
    return [book.app, book, book.sheets, sheet, rng, sheet.tables, table, sheet.charts, chart, rng.font]


def test_every_name_the_fakes_provide_exists_on_the_xlwings_class():
    instances = _instances()
    assert {type(i) for i in instances} == set(FAKES)
    for fake in instances:
        real = FAKES[type(fake)]
        for name in _public(fake):
            assert hasattr(real, name), f"{real.__name__} has no {name!r} ({type(fake).__name__})"


def test_fake_methods_take_the_parameters_of_the_xlwings_methods():
    for fake_cls, real_cls in FAKES.items():
        for name, member in vars(fake_cls).items():
            if not callable(member) or (name.startswith("_") and name not in DUNDERS) or name in TEST_ONLY:
                continue
            fake_params = list(inspect.signature(member).parameters)[1:]
            real_params = list(inspect.signature(getattr(real_cls, name)).parameters)[1:]
            if "kwargs" in real_params and fake_params == ["kwargs"]:
                continue
            assert fake_params == real_params[:len(fake_params)], f"{fake_cls.__name__}.{name}"


def test_the_fake_parses_text_like_excel_unless_quoted_or_in_text_cells():
    book = FakeBook("/tmp/x.xlsx")
    s = book.sheets.add("S")
    s.range((1, 1)).value = "001"
    s.range((1, 2)).value = "'001"
    s.range((1, 3)).number_format = "@"
    s.range((1, 3)).value = "001"
    s.range((1, 4)).value = "=1+1"
    s.range((1, 5)).value = dt.date(2024, 9, 1)
    s.range((1, 6)).number_format = "0"
    s.range((1, 6)).value = dt.date(2024, 9, 1)
    assert s.range((1, 1), (1, 6)).value == [1.0, "001", "001", None, dt.datetime(2024, 9, 1), 45536.0]


# --- the live adapter ---------------------------------------------------------------------------------

@pytest.fixture
def refreshed(sample, twin):
    """(fake book refreshed through the live adapter, the same sample refreshed as a file)."""
    fake = book_from_file(twin)
    live_report = run_refresh(LiveAdapter(fake), now=NOW, user=USER)
    file_report = refresh(sample, now=NOW, user=USER)
    return fake, sample, live_report, file_report


def test_a_live_refresh_computes_what_a_file_refresh_computes(refreshed):
    fake, path, live, file = refreshed
    assert live.rows == file.rows > 50
    assert [str(f) for f in live.evaluation.findings] == [str(f) for f in file.evaluation.findings]
    written = file_grid(path, schema.APPLICANT_SHEET)
    sheet = fake.sheets[schema.APPLICANT_SHEET]
    grid = fake_grid(sheet)
    table = read_book(path).table("applicants")
    letters = [table.letter(c.key) for c in schema.APPLICANT_COMPUTED]
    assert all(letters)
    compared = 0
    for row in table.rows:
        for letter in letters:
            col = column_index_from_string(letter) - 1
            assert norm(grid[row.number - 1][col]) == norm(written[row.number - 1][col]), f"{letter}{row.number}"
            compared += 1
    assert compared == len(table.rows) * len(letters)
    fmt = {c.key: c.number_format for c in schema.APPLICANT_COMPUTED}
    for c in schema.APPLICANT_COMPUTED:
        assert sheet.range(f"{table.letter(c.key)}2").number_format == fmt[c.key]


def test_a_live_refresh_writes_nothing_but_computed_cells_in_the_register(twin):
    fake = book_from_file(twin)
    before = {name: fake_grid(fake.sheets[name]) for name in (schema.APPLICANT_SHEET, schema.SETTINGS_SHEET)}
    run_refresh(LiveAdapter(fake), now=NOW, user=USER)
    table = read_book(twin).table("applicants")
    computed = {column_index_from_string(table.letter(c.key)) for c in schema.APPLICANT_COMPUTED}
    touched = {(r, c) for r, c, _, _ in fake.sheets[schema.APPLICANT_SHEET].writes}
    assert touched and all(c in computed for _, c in touched)
    assert not fake.sheets[schema.SETTINGS_SHEET].writes
    after = fake_grid(fake.sheets[schema.APPLICANT_SHEET])
    for r, row in enumerate(before[schema.APPLICANT_SHEET]):
        for c, value in enumerate(row):
            if c + 1 not in computed:
                assert after[r][c] == value


def test_the_live_dashboard_log_and_fingerprints_match_the_file(refreshed):
    fake, path, _, _ = refreshed
    dashboard = [[norm(v) for v in r] for r in fake_grid(fake.sheets[schema.DASHBOARD_SHEET])]
    expected = [[norm(v) for v in r] for r in file_grid(path, schema.DASHBOARD_SHEET)]
    width = max(len(r) for r in dashboard)
    expected = [(r + [None] * width)[:width] for r in expected]
    while expected and not any(expected[-1]):
        expected.pop()
    assert dashboard == expected
    charts = list(fake.sheets[schema.DASHBOARD_SHEET].charts)
    assert len(charts) == 1 and charts[0].chart_type == "column_clustered"
    assert charts[0].source.address == "$A$4:$B$" + str(charts[0].source.last_cell.row)

    log = [[norm(v) for v in r] for r in fake_grid(fake.sheets[schema.LOG_SHEET])]
    file_log = [[norm(v) for v in r] for r in file_grid(path, schema.LOG_SHEET)]
    assert log[-1] == file_log[-1] and log[-1][2] == "刷新计算" and log[-1][1] == USER
    assert fake.sheets[schema.LOG_SHEET].tables["tblLog"].range.last_cell.row == len(log)

    hidden = fake.sheets[schema.FINGERPRINT_SHEET]
    assert hidden.visible is False
    assert fake_grid(hidden) == file_grid(path, schema.FINGERPRINT_SHEET)
    assert fake.sheets.active.name == fake.sheets[0].name                # the user's sheet stays active


# --- Excel 2010 (issue 21, B.3) ---------------------------------------------------------------------

def test_the_fake_rejects_the_chart_styles_excel_2010_lacks_as_excel_does():
    """xlwings' Charts.add sets ChartStyle 227 by default; Excel 2010 (14.0) has styles 1-48
    only: the chart is added, then setting the style fails (a COM error)."""
    from fake_xlwings import ChartStyleError, FakeApp

    old = FakeBook("/tmp/a.xlsx", FakeApp("14.0")).sheets.add("S")
    with pytest.raises(ChartStyleError, match="227"):
        old.charts.add()
    assert old.charts.add(style=48).style == 48 and old.charts.add(style=None).style is None
    with pytest.raises(ChartStyleError):
        old.charts.add(style=201)
    new = FakeBook("/tmp/b.xlsx", FakeApp("16.0")).sheets.add("S")
    assert new.charts.add().style == 227                      # Excel 2013 and later have it
    with pytest.raises(ValueError):                           # xlwings' own check, every version
        new.charts.add(style=49)


def test_no_charts_add_relies_on_a_style_newer_than_excel_2010():
    """Every ``charts.add(...)`` in the package passes ``style=`` explicitly (xlwings' default is
    227) with None or a constant from 1 to 48."""
    import ast

    root = Path(__file__).resolve().parents[1]
    calls = 0
    for path in list((root / "addin").rglob("*.py")) + list((root / "udfs").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {t.id: n.value for n in ast.walk(tree) if isinstance(n, ast.Assign)
                     for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add" \
                    and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "charts":
                calls += 1
                style = next((k.value for k in node.keywords if k.arg == "style"), None)
                assert style is not None, f"{path.name}:{node.lineno}: charts.add without style= (xlwings sets 227)"
                if isinstance(style, ast.Name):
                    style = constants[style.id]
                value = ast.literal_eval(style)
                assert value is None or 1 <= value <= 48, f"{path.name}:{node.lineno}: style {value}"
    assert calls >= 1


def test_a_live_refresh_on_excel_2010_completes_with_log_and_fingerprints(twin):
    """The failure of issue 21 B.3: on Excel 2010 the refresh rebuilt 统计, then failed on the
    chart's style, leaving no 日志 row and no fingerprints."""
    from fake_xlwings import FakeApp

    fake = book_from_file(twin)
    assert fake.app.version == FakeApp().version == "14.0"
    log_rows = len(fake_grid(fake.sheets[schema.LOG_SHEET]))
    run_refresh(LiveAdapter(fake), now=NOW, user=USER)
    assert len(fake_grid(fake.sheets[schema.LOG_SHEET])) == log_rows + 1
    assert len(fake_grid(fake.sheets[schema.FINGERPRINT_SHEET])) > 50
    (chart,) = fake.sheets[schema.DASHBOARD_SHEET].charts
    assert chart.style is None                                # Excel's own default for a new chart


def test_a_second_live_refresh_sees_no_hand_edit_and_a_real_hand_edit_is_reported(twin):
    fake = book_from_file(twin)
    adapter = LiveAdapter(fake)
    run_refresh(adapter, now=NOW, user=USER)
    again = run_refresh(adapter, now=NOW, user=USER)
    assert not [f for f in again.evaluation.findings if "手工修改" in f.message]
    table = read_book(twin).table("applicants")
    row = table.rows[0].number
    letter = table.letter("fee_due")
    sheet = fake.sheets[schema.APPLICANT_SHEET]
    original = sheet.range(f"{letter}{row}").value
    sheet.range(f"{letter}{row}").value = 12345
    third = run_refresh(adapter, now=NOW, user=USER)
    edits = [str(f) for f in third.evaluation.findings if "手工修改" in f.message]
    who = f"{table.rows[0].values_by_key['app_id']} {table.rows[0].values_by_key['name']}"
    assert edits == [f"{who}（申报人员第{row}行 {letter}列）：计算列“应缴费用”被手工修改（现为“12345”，"
                     f"按规则应为“{original:g}”），刷新时按规则重新计算并覆盖"]
    assert sheet.range(f"{letter}{row}").value == original


def test_every_text_written_is_kept_as_text(refreshed):
    fake = refreshed[0]
    for sheet in fake.sheets:
        last = {}
        for r, c, value, _ in sheet.writes:
            last[(r, c)] = value
        for (r, c), value in last.items():
            if isinstance(value, str):
                stored = sheet._values.get((r, c))
                assert stored == (value[1:] if value.startswith("'") else value), (sheet.name, r, c, value)


def test_text_that_excel_would_convert_gets_the_quote_prefix(twin):
    assert [excel_text(v) for v in ("001", "2024-09-01", "=SUM(A1)", "+1", "TRUE", "符合", "", 5)] == \
        ["'001", "'2024-09-01", "'=SUM(A1)", "'+1", "'TRUE", "符合", "", 5]
    assert excel_text("001", "@") == "001"
    fake = book_from_file(twin)
    adapter = LiveAdapter(fake)
    headers = [c.header for c in schema.LOG_COLUMNS]
    row = adapter.append_row(schema.LOG_SHEET, "tblLog",
                             dict(zip(headers, [NOW, "=cmd|' /c calc'!A0", "001", 3, "2024-9-1"])),
                             dict(zip(headers, ["yyyy-mm-dd hh:mm", "General", "General", "0", "General"])))
    values = fake.sheets[schema.LOG_SHEET].range((row, 1), (row, 5)).value
    assert values == [NOW, "=cmd|' /c calc'!A0", "001", 3.0, "2024-9-1"]


def test_selected_rows_are_the_register_rows_in_the_selection(twin):
    fake = book_from_file(twin)
    sheet = fake.sheets[schema.APPLICANT_SHEET]
    fake.app.selection = sheet.range("C4:F6")
    assert selected_rows(fake) == [(4, 6)]
    fake.app.selection = fake.sheets[schema.SETTINGS_SHEET].range("A2")
    assert selected_rows(fake) == []
    assert rows_in_address("$B$3:$D$5,$F$9,$7:$8") == [(3, 5), (9, 9), (7, 8)]
    assert rows_in_address("$C:$D") == [(1, 1_048_576)]


# --- the dispatcher on the stand-in -------------------------------------------------------------------

def test_dispatch_runs_a_button_with_excel_quiet_and_restores_it(twin):
    fake = book_from_file(twin)
    app = fake.app
    message = ribbon.dispatch("refresh", book=fake)
    assert "已刷新" in message.text and not message.critical
    assert [a["title"] for a in app.alerts] == ["职称评审台账 · 刷新计算"] and app.alerts[0]["mode"] == "info"
    assert app.alerts[0]["screen_updating"] is True                      # shown after Excel is back
    assert (app.screen_updating, app.calculation, app.enable_events, app.status_bar) == (True, "automatic", True, False)
    assert "职称评审：读取工作簿…" in app.status_history and app.status_history[-1] is False
    assert fake.sheets[schema.LOG_SHEET].writes


def test_dispatch_restores_excel_and_reports_in_chinese_when_the_action_fails(twin, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    fake = book_from_file(twin)
    app = fake.app
    app.calculation = "semiautomatic"

    def boom(self):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(LiveAdapter, "values", boom)
    message = ribbon.dispatch("refresh", book=fake)
    assert message.critical and "“刷新计算”出错" in message.text and "磁盘已满" in message.text
    assert app.alerts[-1]["mode"] == "critical"
    assert (app.screen_updating, app.calculation, app.enable_events, app.status_bar) == \
        (True, "semiautomatic", True, False)
    assert "RuntimeError: 磁盘已满" in ribbon.error_log().read_text(encoding="utf-8")


@pytest.mark.parametrize("tag", ["rm -rf", "refresh'); import os; ('", "unknown", "", "Refresh"])
def test_dispatch_refuses_tags_outside_the_allow_list(twin, tag):
    fake = book_from_file(twin)
    message = ribbon.dispatch(tag, book=fake)
    assert message.critical and "未知的按钮" in message.text
    assert all(not s.writes for s in fake.sheets)


def test_check_from_the_ribbon_writes_nothing(twin):
    fake = book_from_file(twin)
    message = ribbon.dispatch("check", book=fake)
    assert message.critical and message.text.startswith("共") and "（申报人员第42行 F列）：身份证号校验位错误" in message.text
    assert all(not s.writes for s in fake.sheets)


def test_excel_dialogs_go_through_the_application(twin):
    fake = book_from_file(twin)
    ui = ExcelUI(fake.app)
    fake.app.api.open_answers = [r"C:\财务\缴费.xlsx", False]
    assert ui.choose_file("选择", "Excel 工作簿 (*.xlsx),*.xlsx") == Path(r"C:\财务\缴费.xlsx")
    assert ui.choose_file("选择", "*.xlsx") is None
    fake.app.api.input_answers = ["2024-10-21", False]
    assert ui.ask("开始日期", "公示名单", "2024-10-21") == "2024-10-21"
    assert ui.ask("开始日期", "公示名单") is None


def test_an_unsaved_workbook_has_no_output_folder(twin):
    fake = book_from_file(twin, fullname="工作簿1")
    session = ribbon.live_session(fake)
    assert session.workbook is None
    fake.app.api.input_answers = [""]                                      # no options
    message = ribbon.dispatch("roster", book=fake)
    assert message.critical and "请先保存台账" in message.text


# --- documents for the selection ------------------------------------------------------------------------

def test_documents_for_the_selected_rows_are_generated_for_those_rows(twin, monkeypatch):
    calls: list = []
    real = documents.generate_documents

    def spy(book, out_dir, **options):
        calls.append(options)
        return real(book, out_dir, **options)

    monkeypatch.setattr(documents, "generate_documents", spy)
    fake = book_from_file(twin)
    fake.app.selection = fake.sheets[schema.APPLICANT_SHEET].range("B3:B5")
    fake.app.api.input_answers = ["1,2,3,4", ""]                           # the attachments; no options
    fake.app.alert_answers = ["yes"]                                       # the selected rows only
    message = ribbon.dispatch("docs", book=fake)
    ids = [r.values_by_key["app_id"] for r in read_book(twin).table("applicants").rows if 3 <= r.number <= 5]
    assert "选中的3行" in fake.app.alerts[0]["prompt"] and fake.app.alerts[0]["buttons"] == "yes_no_cancel"
    assert calls[0]["ids"] == ids and calls[0]["pdf"] is False
    assert calls[0]["templates"] == documents.templates_folder_for(twin)
    out = next((twin.parent / actions.OUTPUT_FOLDER).iterdir())
    made = [p.name for p in out.rglob("*.docx") if "合并打印" not in p.name]
    assert made and {i for i in ids for name in made if name.startswith(f"{i}-")} == set(ids)
    assert all(any(name.startswith(f"{i}-") for i in ids) for name in made)
    assert "附件生成情况（3名申报人员）" in message.text and not message.critical
    assert any(str(line).startswith("职称评审：生成附件") for line in fake.app.status_history)

    fake.app.selection = fake.sheets[schema.SETTINGS_SHEET].range("A1")      # nothing selected in 申报人员: everyone
    fake.app.api.input_answers = ["1", ""]
    message = ribbon.dispatch("docs", book=fake)
    assert len(calls) == 2 and calls[1]["ids"] is None and calls[1]["kinds"] == [1]
    fake.app.api.input_answers = ["1", "1,5"]                              # an option that is not there
    message = ribbon.dispatch("docs", book=fake)
    assert message.critical and "选项编号应为1—4" in message.text and len(calls) == 2
    fake.app.api.input_answers = []                                        # the first dialog cancelled
    assert "已取消" in ribbon.dispatch("docs", book=fake).text and len(calls) == 2


# --- the ribbon's actions on the FILE adapter give the command line's results ----------------------------

def session(path: Path, ui: RecordingUI | None = None, **kwargs) -> Session:
    return file_session(path, ui or RecordingUI(), now=NOW, **kwargs)


def test_refresh_from_the_ribbon_equals_zhicheng_refresh(sample, twin, capsys):
    ui = RecordingUI()
    message = ribbon.run_action("refresh", session(sample, ui))
    assert main(["refresh", str(twin), "--as-of", AS_OF]) == 1      # done; the sample holds errors on purpose
    assert dump(sample) == dump(twin)
    assert "已刷新" in message.text and "原文件已备份为" in message.text
    assert ui.busy_entered == ui.busy_exited == 1 and "读取工作簿…" in ui.progress_lines


def test_check_from_the_ribbon_lists_what_zhicheng_check_lists(sample, capsys):
    outcome = run(by_name("check"), {}, session(sample).context())
    assert main(["check", str(sample), "--json", "--as-of", AS_OF]) == 1
    cli = json.loads(capsys.readouterr().out)["findings"]
    assert [f.as_dict() for f in outcome.findings] == cli
    message = ribbon.run_action("check", session(sample))
    assert main(["check", str(sample), "--as-of", AS_OF]) == 1
    cli_lines = capsys.readouterr().out.splitlines()
    lines = message.text.splitlines()
    assert lines[0] == cli_lines[-1]                                     # 共N条，其中错误E条、提醒W条。
    assert lines[2:actions.MAX_LINES] == cli_lines[:actions.MAX_LINES - 2]
    assert lines[-1].startswith("……另有") and message.critical


def test_settings_and_about(sample):
    message = ribbon.run_action("settings", session(sample))
    assert "评审年度：2024年" in message.text and "已掌握的放假安排：全国" in message.text
    assert "参数!B11: 材料报送时间2023-09-01不在评审年度2024年内" in message.text
    about = ribbon.run_action("about", session(sample))
    assert "职称评审台账" in about.text and "xlwings 0.37.8" in about.text and "zhicheng.conf" in about.text


def test_a_refused_write_is_a_message_not_a_crash(sample):
    (sample.parent / f"~${sample.name}").write_text("owner", encoding="utf-8")     # open in Excel elsewhere
    message = ribbon.run_action("refresh", session(sample))
    assert message.critical and message.text.startswith("“刷新计算”未完成：")


def test_every_button_has_its_command():
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {"refresh", "check", "docs", "roster", "publicity", "finance", "import"} <= set(sub.choices)


def test_documents_from_the_ribbon_equal_zhicheng_docs(sample, twin, tmp_path, capsys):
    message = ribbon.run_action("docs", session(sample, RecordingUI(answers=["1,2,3,4", ""])))
    assert not message.critical, message.text
    assert "附件生成情况（" in message.text
    assert main(["docs", str(twin), "--out", str(tmp_path / "cli")]) in (0, 1)
    ours = next((sample.parent / actions.OUTPUT_FOLDER).iterdir())
    assert sorted(str(p.relative_to(ours)) for p in ours.rglob("*") if p.is_file()) == \
        sorted(str(p.relative_to(tmp_path / "cli")) for p in (tmp_path / "cli").rglob("*") if p.is_file())


def test_documents_from_the_open_workbook_read_as_those_from_the_file(sample, twin):
    assert not ribbon.run_action("docs", session(sample, RecordingUI(answers=["1,2,3,4", ""]))).critical
    fake = book_from_file(twin)
    live = ribbon.live_session(fake, RecordingUI(answers=["1,2,3,4", ""]))
    live.now = NOW
    assert not ribbon.run_action("docs", live).critical
    ours = next((sample.parent / actions.OUTPUT_FOLDER).iterdir())
    theirs = next((twin.parent / actions.OUTPUT_FOLDER).iterdir())
    files = sorted(p.relative_to(ours) for p in ours.rglob("*.docx"))
    assert files and files == sorted(p.relative_to(theirs) for p in theirs.rglob("*.docx"))
    for name in files:          # Excel's floats and datetimes give the same documents as the file's values
        assert canonical_text(ours / name) == canonical_text(theirs / name), name


@pytest.mark.parametrize("tag, answers", [("finance-export", []), ("publicity", ["2024-10-21"]), ("roster", [""])])
def test_outputs_from_the_open_workbook_equal_those_from_the_file(tag, answers, sample, twin):
    first = ribbon.run_action(tag, session(sample, RecordingUI(answers=answers)))
    live = ribbon.live_session(book_from_file(twin), RecordingUI(answers=answers))
    live.now = NOW
    second = ribbon.run_action(tag, live)
    assert not first.critical
    assert first.text.splitlines()[0].replace(str(sample.parent), "") == \
        second.text.splitlines()[0].replace(str(twin.parent), "")
    ours = next((sample.parent / actions.OUTPUT_FOLDER).iterdir())
    theirs = twin.parent / actions.OUTPUT_FOLDER / ours.name
    files = sorted(p.relative_to(ours) for p in ours.rglob("*") if p.is_file())
    assert files and files == sorted(p.relative_to(theirs) for p in theirs.rglob("*") if p.is_file())
    for name in files:
        if name.suffix == ".xlsx":
            a, b = load_workbook(ours / name), load_workbook(theirs / name)
            assert a.sheetnames == b.sheetnames
            for ws in a.worksheets:
                assert list(ws.iter_rows(values_only=True)) == list(b[ws.title].iter_rows(values_only=True)), name
        else:
            assert name.suffix == ".docx", name
            assert canonical_text(ours / name) == canonical_text(theirs / name), name


def test_roster_from_the_ribbon_equals_zhicheng_roster(sample, twin, tmp_path, capsys):
    message = ribbon.run_action("roster", session(sample, RecordingUI(answers=[""])))
    assert main(["roster", str(twin), "--out", str(tmp_path / "cli"), "--as-of", AS_OF]) == 0
    ours = next((sample.parent / actions.OUTPUT_FOLDER).iterdir())
    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert dump(sample) == dump(twin)
    assert "上会" in message.text and not message.critical


def test_publicity_from_the_ribbon_asks_the_start_and_equals_zhicheng_publicity(sample, tmp_path, capsys):
    ui = RecordingUI(answers=["2024-10-21"])
    message = ribbon.run_action("publicity", session(sample, ui))
    assert ui.asked and ui.asked[0][1] == "2024-09-05"                   # a working day: that day
    assert main(["publicity", str(sample), "--out", str(tmp_path / "cli"), "--start", "2024-10-21",
                 "--as-of", AS_OF]) == 1         # the sample's typed 评审通过 without a ballot is a finding
    assert "2024-058" in message.text
    cli_line = capsys.readouterr().out.splitlines()[0]            # 公示N人，2024年10月21日至<end>（5个工作日）。
    assert re.match(r"公示\d+人，2024年10月21日至2024年10月25日（5个工作日）。", cli_line)
    assert message.text.splitlines()[0] == cli_line
    ours = next((sample.parent / actions.OUTPUT_FOLDER).iterdir())
    assert sorted(p.name for p in ours.iterdir()) == sorted(p.name for p in (tmp_path / "cli").iterdir())
    cancelled = ribbon.run_action("publicity", session(sample, RecordingUI(answers=[])))
    assert "已取消" in cancelled.text


def test_finance_from_the_ribbon_equals_zhicheng_finance(sample, twin, tmp_path, capsys):
    message = ribbon.run_action("finance-export", session(sample))
    exported = next((sample.parent / actions.OUTPUT_FOLDER).glob("财务-*/职称评审费缴费表.xlsx"))
    assert "已生成财务表" in message.text
    wb = load_workbook(exported)
    ws = wb[finance.ENTRY_SHEET]
    for i, row in enumerate([["2024-053", 400, dt.date(2024, 9, 6), "扫码", "R-001", "财务甲"],
                             ["2024-999", 100, dt.date(2024, 9, 6), "扫码", "R-002", "财务甲"]]):
        for c, value in enumerate(row, start=1):
            ws.cell(row=3 + i, column=c, value=value)
    wb.save(exported)
    ui = RecordingUI(files=[exported])
    message = ribbon.run_action("finance-import", session(sample, ui))
    assert main(["finance", "import", str(twin), str(exported), "--as-of", AS_OF]) == 1
    assert "导入1笔缴费" in message.text and "不在台账中" in message.text and "已刷新" in message.text
    assert [r.values_by_key for r in read_book(sample).table("payments").rows] == \
        [r.values_by_key for r in read_book(twin).table("payments").rows]
    logs_ours = [r.values_by_key for r in read_book(sample).table("log").rows][-2:]
    logs_cli = [r.values_by_key for r in read_book(twin).table("log").rows][-2:]
    assert [log["action"] for log in logs_ours] == ["导入缴费", "刷新计算"]       # the import, then its refresh
    assert [{k: v for k, v in log.items() if k not in ("user", "at")} for log in logs_ours] == \
        [{k: v for k, v in log.items() if k not in ("user", "at")} for log in logs_cli]
    assert "已取消" in ribbon.run_action("finance-import", session(sample, RecordingUI())).text


def test_finance_import_on_the_open_workbook(twin, tmp_path):
    bk, ev = check(twin, now=NOW)
    exported = finance.export_finance(bk, ev, tmp_path / "财务.xlsx")
    wb = load_workbook(exported)
    for c, value in enumerate(["2024-053", 400, dt.date(2024, 9, 6), "扫码", "R-001", "财务甲"], start=1):
        wb[finance.ENTRY_SHEET].cell(row=3, column=c, value=value)
    wb.save(exported)
    fake = book_from_file(twin)
    fake.app.api.open_answers = [str(exported)]
    message = ribbon.dispatch("finance-import", book=fake)
    assert "导入1笔缴费" in message.text
    payments = fake.sheets[schema.PAYMENT_SHEET]
    last = fake_grid(payments)[-1]
    assert last[:5] == ["2024-053", 400.0, dt.datetime(2024, 9, 6), "扫码", "R-001"]
    assert payments.tables["tblPayments"].range.last_cell.row == len(fake_grid(payments))


# --- the platform import: the button gives what zhicheng import gives, on the file and in Excel ----------

def _platform_export(book: Path, folder: Path, suffix: str) -> tuple[Path, str]:
    """An export with a conflict and two empty cells for the first applicant, a new
    applicant (text Excel would convert, a date, a formula-like remark), a row without
    an ID number and a column the register does not have."""
    first = read_book(book).table("applicants").rows[0].values_by_key
    newcomer = make_id("652922", "19910101", "555")
    rows = [
        {"证件号码": first["id_number"], "申报系列": first["series"], "申报职称": first["target_title"],
         "申报人": first["name"], "单位名称": "另一个单位", "普通话等级": "二级甲等", "高级经济师考试年份": 2020},
        {"证件号码": newcomer, "申报系列": "工程系列", "申报职称": "工程师", "申报人": "新人甲",
         "取得现职称时间": dt.datetime(2019, 5, 1), "最高学历": "大学本科", "备注": "=1+1", "毕业院校": "001",
         "无关列": "x"},
        {"证件号码": "", "申报人": "无证件"},
    ]
    path = folder / f"平台导出{suffix}"
    if suffix == ".csv":
        write_export(path, rows, encoding="utf-8-sig")
        return path, newcomer
    wb = Workbook()
    ws = wb.active
    headers = columns(rows)
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":          # the platform's text, not a formula
                cell.data_type = "s"
    wb.save(path)
    return path, newcomer


def _grid(rows: list[list]) -> list[list]:
    out = [[norm(v) for v in r] for r in rows]
    while out and not any(out[-1]):
        out.pop()
    width = max(len(r) for r in out)
    return [(r + [None] * width)[:width] for r in out]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_platform_import_from_the_ribbon_equals_zhicheng_import(suffix, sample, twin, tmp_path, capsys):
    third = copy_of_sample(tmp_path / "c")
    export, newcomer = _platform_export(sample, tmp_path, suffix)
    before = read_book(sample).table("applicants")
    assert main(["import", str(twin), str(export), "--as-of", AS_OF]) == 0
    cli_first = capsys.readouterr().out.splitlines()[0]          # 新增1行，补填空白2格，覆盖0格，冲突1处。
    assert cli_first == "新增1行，补填空白2格，覆盖0格，冲突1处。"

    # the file adapter: the same workbook, cell for cell, format for format
    ui = RecordingUI(files=[export], answers=[""])
    message = ribbon.run_action("import", session(sample, ui))
    assert message.text.startswith(cli_first) and not message.critical and "已刷新" in message.text
    assert "跳过 导出文件第4行：缺少身份证号" in message.text and "未识别的列（未导入）：无关列" in message.text
    assert "冲突 申报人员!" in message.text and "原文件已备份为" in message.text
    assert dump(sample, skip_sheets=(schema.LOG_SHEET,)) == dump(twin, skip_sheets=(schema.LOG_SHEET,))
    log_ours, log_cli = (read_book(p).table("log").rows[-2].values_by_key for p in (sample, twin))
    assert log_ours["action"] == log_cli["action"] == "导入平台数据" and log_ours["detail"] == log_cli["detail"]
    assert log_ours["at"] == NOW
    after = read_book(sample).table("applicants")
    new = after.rows[-1].values_by_key
    assert len(after.rows) == len(before.rows) + 1 and new["id_number"] == newcomer and new["name"] == "新人甲"
    assert new["remarks"] == "=1+1" and new["school"] == "001"                    # text stays text
    cell = load_workbook(sample)[schema.APPLICANT_SHEET][f"{after.letter('remarks')}{after.rows[-1].number}"]
    assert cell.data_type == "s"

    # the open workbook: the same values as the file, through Excel's conversions
    fake = book_from_file(third)
    fake.app.api.open_answers = [str(export)]
    fake.app.api.input_answers = [""]
    in_excel = ribbon.live_session(fake, ExcelUI(fake.app))
    in_excel.now = NOW
    live = ribbon.run_action("import", in_excel)
    assert live.text.splitlines()[0] == message.text.splitlines()[0] and "尚未保存" in live.text
    sheet = fake.sheets[schema.APPLICANT_SHEET]
    assert _grid(fake_grid(sheet)) == _grid(file_grid(sample, schema.APPLICANT_SHEET))
    assert sheet.tables["tblApplicants"].range.last_cell.row == after.rows[-1].number
    log = fake_grid(fake.sheets[schema.LOG_SHEET])[-2]
    assert log[2:5] == ["导入平台数据", 1.0, log_cli["detail"]]

    # of the clerk's columns, only the new row and the two empty cells were written (the
    # refresh that follows writes computed cells)
    computed = {before.letter(c.key) for c in schema.APPLICANT_COMPUTED}
    touched = {(r, get_column_letter(c)) for r, c, _, _ in sheet.writes}
    new_row = after.rows[-1].number
    first = before.rows[0].number
    assert {(r, c) for r, c in touched if r != new_row and c not in computed} == \
        {(first, before.letter("mandarin")), (first, before.letter("econ_exam_year"))}
    assert {c for r, c in touched if r == new_row} >= computed
    assert all(sheet.range(f"{c}{new_row}").color == COMPUTED_RGB for c in computed)
    assert sheet.range(f"{before.letter('name')}{new_row}").color is None

    # again: nothing to add, nothing written
    sheet.writes.clear()
    fake.app.api.open_answers = [str(export)]
    fake.app.api.input_answers = [""]
    again = ribbon.dispatch("import", book=fake)
    assert again.text.startswith("新增0行，补填空白0格，覆盖0格，冲突1处。") and not sheet.writes
    assert "已取消" in ribbon.run_action("import", session(sample, RecordingUI())).text


# --- the file adapter reads a formula cell as zhicheng check does -----------------------------------------

def _cache_value(path: Path, sheet: str, ref: str, cached: str) -> None:
    """Put the value Excel would have cached into an openpyxl-written formula cell."""
    index = load_workbook(path).sheetnames.index(sheet) + 1
    part = f"xl/worksheets/sheet{index}.xml"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts[part].decode("utf-8")
    cell = re.search(rf'<c r="{ref}"[^>]*>(.*?)</c>', xml)
    assert cell and "<f>" in cell.group(1), cell
    patched = re.sub(r"<v\s*/>|<v></v>", "", cell.group(0)).replace("</c>", f"<v>{cached}</v></c>")
    parts[part] = xml.replace(cell.group(0), patched).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


@pytest.mark.parametrize("cached", [True, False])
def test_a_formula_in_an_input_cell_reads_the_same_in_check_and_refresh(cached, sample):
    table = read_book(sample).table("applicants")
    row, letter = table.rows[0].number, table.letter("current_title_date")
    wb = load_workbook(sample)
    wb[schema.APPLICANT_SHEET][f"{letter}{row}"] = "=DATE(2019,5,1)"
    wb.save(sample)
    if cached:
        _cache_value(sample, schema.APPLICANT_SHEET, f"{letter}{row}", "43586")
    expected = dt.datetime(2019, 5, 1) if cached else None
    assert read_book(sample).table("applicants").rows[0].values_by_key["current_title_date"] == expected
    values = PackageAdapter(sample, write=False).values()[schema.APPLICANT_SHEET]
    assert values.cell(row, column_index_from_string(letter)) == expected
    _, ev = check(sample, now=NOW)
    if not cached:
        # a formula without its result would read as blank: the refresh refuses, nothing written
        original = sample.read_bytes()
        with pytest.raises(WriteRefused, match=f"{schema.APPLICANT_SHEET}!{letter}{row}"):
            refresh(sample, now=NOW, user=USER)
        assert sample.read_bytes() == original
        return
    report = refresh(sample, now=NOW, user=USER)
    assert report.book.table("applicants").rows[0].values_by_key["current_title_date"] == expected
    assert report.evaluation.computed[row] == ev.computed[row]
    cell = [str(f) for f in report.evaluation.findings if f.row == row and f.column == letter]
    assert cell == [str(f) for f in ev.findings if f.row == row and f.column == letter]
    # the in-place writer keeps the cell (formula and cached result): a second refresh reads the same
    again = refresh(sample, now=NOW, user=USER)
    assert again.book.table("applicants").rows[0].values_by_key["current_title_date"] == expected
    assert again.evaluation.computed[row] == ev.computed[row]
