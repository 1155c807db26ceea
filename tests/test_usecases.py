"""One door for every action (issue 16, A): the table of use cases drives the command line,
the ribbon and the page; the three give the same answers on the same file; every use case
makes its files whole or not at all, and as privately as the register is kept."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.book import schema
from addin.cli import build_parser, main
from addin.excel import actions, ribbon
from addin.excel.ribbonui import customui_xml
from addin.launcher import jobs as page_jobs
from addin.launcher.page import render
from addin.usecases import CLI, TABLE, ButtonDoor, by_name, for_door, run
from addin.usecases.common import file_context

from fake_xlwings import book_from_file

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-09-05 10:00"
NOW = dt.datetime(2024, 9, 5, 10, 0)
CUSTOMUI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"


# --- one table, three shells ------------------------------------------------------------------------

def cli_commands() -> set[tuple[str, ...]]:
    """Every (sub)command the command line's parser knows."""
    out = set()
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name, parser in sub.choices.items():
        nested = [a for a in parser._actions if a.dest == "action"]
        if nested:
            out |= {(name, child) for child in nested[0].choices}
        else:
            out.add((name,))
    return out


def customui_tags(text: str) -> set[str]:
    root = ET.fromstring(text.encode("utf-8"))
    return {b.get("tag") for b in root.iter(f"{CUSTOMUI_NS}button")}


def page_tags() -> set[str]:
    launcher = page_jobs.Launcher(folder=ROOT / "workbooks")
    return set(re.findall(r'data-action="([^"]+)"', render(launcher)))


def missing_from_shells(table, cli: set, ribbon_tags: set, page: set) -> list[str]:
    """Each use case absent from a shell it is declared for, or present in one it is not for."""
    problems = []
    for uc in table:
        for door, present in (("cli", uc.command in cli),
                              ("ribbon", {b.tag(uc) for b in uc.buttons_for("ribbon")} <= ribbon_tags
                               and bool(uc.buttons_for("ribbon"))),
                              ("page", {b.tag(uc) for b in uc.buttons_for("page")} <= page
                               and bool(uc.buttons_for("page")))):
            if (door in uc.doors) != present:
                problems.append(f"{uc.name}: {'missing from' if door in uc.doors else 'not declared for'} {door}")
    for door, shown in (("ribbon", ribbon_tags), ("page", page)):
        declared = {b.tag(uc) for uc in table for b in uc.buttons_for(door)}
        problems += [f"{tag}: a {door} button without a use case" for tag in sorted(shown - declared)]
        problems += [f"{tag}: a {door} button of the table missing from the {door}" for tag in sorted(declared - shown)]
    problems += [f"{' '.join(c)}: a command without a use case" for c in cli - {uc.command for uc in table}]
    return problems


def test_the_table_drives_the_command_line_the_ribbon_and_the_page():
    ribbon_tags = customui_tags(customui_xml())
    assert set(ribbon.ACTIONS) | {"selfcheck"} == ribbon_tags        # the allow-list is the ribbon's buttons
    assert set(page_jobs.ACTIONS) == page_tags()
    assert missing_from_shells(TABLE, cli_commands(), ribbon_tags, page_tags()) == []


def test_a_use_case_missing_from_a_shell_is_named():
    """The check above can fail, and says where: a use case added to the table but not to
    a shell (here, the shells as they are), or a button left in a shell alone."""
    from dataclasses import replace

    planted = replace(by_name("check"), name="survey", command=("survey",), label="问卷")
    problems = missing_from_shells(TABLE + (planted,), cli_commands(), customui_tags(customui_xml()), page_tags())
    assert problems == ["survey: missing from cli", "survey: missing from ribbon", "survey: missing from page",
                        "survey: a ribbon button of the table missing from the ribbon",
                        "survey: a page button of the table missing from the page"]
    problems = missing_from_shells(TABLE, cli_commands(), customui_tags(customui_xml()) | {"docs.all"}, page_tags())
    assert problems == ["docs.all: a ribbon button without a use case"]


def test_every_use_case_for_fewer_shells_says_why():
    for uc in TABLE:
        if uc.doors != {"cli", "page", "ribbon"}:
            assert uc.why_not, uc.name


def test_the_committed_ribbon_is_the_table_s():
    committed = (ROOT / "vba_stubs" / "customUI.xml").read_text(encoding="utf-8")
    assert committed == customui_xml(), "vba_stubs/customUI.xml is stale: run make ribbon"


def test_every_page_button_maps_to_a_command_the_command_line_accepts(tmp_path):
    book = tmp_path / "台账.xlsx"
    now = dt.datetime(2024, 10, 21, 9, 30)
    values = {"start": "2024-10-21", "file": str(tmp_path / "缴费表.xlsx"), "export": str(tmp_path / "导出.xlsx"),
              "path": "2025年台账.xlsx", "year": "2025", "pdf": True, "kinds": "1,3"}
    for tag, (uc, _key) in page_jobs.ACTIONS.items():
        args, out, made = page_jobs.argv(tag, book, values, now, tmp_path)
        parsed = build_parser().parse_args(args)
        assert callable(parsed.handler), tag
        if uc.output and any(p.kind in ("out", "newfile") and p.filename or p.kind == "out" for p in uc.params):
            assert out == tmp_path / "职称评审输出" / f"{uc.output}-20241021-093000", tag
    args, _, made = page_jobs.argv("new.next", book, {"path": "2025年台账.xlsx"}, now, tmp_path)
    assert args == ["new", str(tmp_path / "2025年台账.xlsx"), "--from", str(book)] and made.parent == tmp_path
    args, _, _ = page_jobs.argv("docs", book, {"kinds": "1,3", "pdf": True, "by_employer": True, "duplex": False,
                                                  "all": True, "ids": "2024-001"}, now, tmp_path)
    assert args[args.index("--kind") + 1] == "1,3" and "--pdf" in args and "--by-employer" in args
    assert "--all" in args and "--duplex" not in args and args[args.index("--ids") + 1] == "2024-001"


# --- the same answers --------------------------------------------------------------------------------

class QuietUI:
    def __init__(self, answers=()):
        self.answers = list(answers)

    def progress(self, text):
        pass

    @contextlib.contextmanager
    def busy(self):
        yield

    def choose_file(self, title, filters):
        return None

    def save_as(self, title, name):
        return None

    def ask(self, prompt, title, default=""):
        return self.answers.pop(0) if self.answers else None

    def confirm(self, prompt, title):
        return None


def _findings_everywhere(path: Path, capsys) -> dict[str, list[str]]:
    """The findings of 校验 on ``path`` as the command line, the page, the ribbon on the file
    and the ribbon on the workbook open in Excel list them."""
    assert main(["check", str(path), "--json", "--as-of", AS_OF]) in (0, 1)
    cli = [json.dumps(f, ensure_ascii=False) for f in json.loads(capsys.readouterr().out)["findings"]]

    def shown(outcome):
        return [json.dumps(f.as_dict(), ensure_ascii=False) for f in outcome.findings]

    on_file = shown(run(by_name("check"), {"as_of": AS_OF}, actions.file_session(path, QuietUI(), now=NOW).context()))
    live = ribbon.live_session(book_from_file(path), QuietUI())
    live.now = NOW
    in_excel = shown(run(by_name("check"), {"as_of": AS_OF}, live.context()))
    page = shown(run(by_name("check"), {"as_of": AS_OF}, file_context(path, ButtonDoor("page"), now=NOW)))
    return {"cli": cli, "page": page, "ribbon on the file": on_file, "ribbon in Excel": in_excel}


def test_check_lists_the_same_findings_on_every_shell_for_the_sample(book, capsys):
    found = _findings_everywhere(book, capsys)
    assert found["cli"] and all(v == found["cli"] for v in found.values()), found


def test_a_hand_edited_computed_cell_is_reported_on_every_shell(book, capsys):
    assert main(["refresh", str(book), "--as-of", AS_OF]) == 1
    capsys.readouterr()
    wb = load_workbook(book)
    ws = wb[schema.APPLICANT_SHEET]
    fee = next(c.column_letter for c in ws[1] if c.value == "应缴费用")
    row = next(r for r in range(2, ws.max_row + 1) if ws[f"{fee}{r}"].value)
    ws[f"{fee}{row}"] = 1
    wb.save(book)
    found = _findings_everywhere(book, capsys)
    edited = [f for f in found["cli"] if f'"row": {row}, "column": "{fee}"' in f and "手工修改" in f]
    assert len(edited) == 1, found["cli"]
    assert all(v == found["cli"] for v in found.values()), found
    message = ribbon.run_action("check", actions.file_session(book, QuietUI(), now=NOW))
    assert message.text.startswith("共") and "计算列被手工修改" in message.text or "另有" in message.text


# --- the page's words ---------------------------------------------------------------------------------

def test_messages_name_the_page_s_buttons_and_fields():
    page = ButtonDoor("page")
    assert page.render("发现问题3条（错误1条），用 zhicheng check 查看明细。") == "发现问题3条（错误1条），用“校验”查看明细。"
    assert page.render("请选择台账文件，或用 zhicheng new 新建台账。") == "请选择台账文件，或用“新建台账”新建台账。"
    docs = by_name("docs")
    assert page.render("请检查 --ids 和 --status；确需生成时选 --all", docs) == \
        "请检查“申报编号”和“状态”；确需生成时选“包括暂不处理的申报”"
    assert page.render("须说明原因（--redraw）", by_name("draw")) == "须说明原因（“重新抽取的原因”）"


def test_a_refusal_on_the_page_names_the_field(book):
    outcome = run(by_name("publicity"), {"start": "2024-13-45"}, file_context(book, ButtonDoor("page")))
    assert outcome.code == 2 and outcome.lines[0].startswith("“公示开始日期”：")
    outcome = run(by_name("publicity"), {"start": "2024-13-45"}, file_context(book, CLI))
    assert outcome.lines[0].startswith("--start：")


def test_every_shell_refuses_a_workbook_that_is_not_a_register(tmp_path):
    from openpyxl import Workbook

    other = tmp_path / "平台导出.xlsx"
    Workbook().save(other)
    for name in ("check", "refresh", "docs", "roster", "finance-export", "draw", "settings"):
        outcome = run(by_name(name), {"out": str(tmp_path / "out"), "file": str(tmp_path / "f.xlsx")},
                      file_context(other, ButtonDoor("page")))
        assert outcome.code == 2 and "不是职称评审台账" in outcome.lines[0], (name, outcome.lines)
        outcome = run(by_name(name), {"register": str(other), "out": str(tmp_path / "out"),
                                      "file": str(tmp_path / "f.xlsx")}, file_context(None, CLI))
        assert outcome.code == 2 and "不是职称评审台账" in outcome.lines[0], (name, outcome.lines)
    assert not (tmp_path / "out").exists()


# --- whole or nothing, and private -------------------------------------------------------------------------

def test_a_crash_half_way_leaves_no_partial_outputs(book, tmp_path, monkeypatch):
    from addin.outputs import meeting

    real = meeting.write_roster

    def half(roster, out):
        real(roster, out)
        raise RuntimeError("磁盘出错")
    monkeypatch.setattr(meeting, "write_roster", half)
    out = tmp_path / "评审会"
    with pytest.raises(RuntimeError):
        run(by_name("roster"), {"register": str(book), "out": str(out), "as_of": AS_OF}, file_context(None, CLI))
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".~zhicheng-")]


def test_outputs_join_an_existing_folder_only_when_all_are_made(book, tmp_path):
    out = tmp_path / "评审会"
    out.mkdir()
    (out / "已有的文件.txt").write_text("clerk's", encoding="utf-8")
    assert main(["roster", str(book), "--out", str(out), "--as-of", AS_OF]) == 0
    assert (out / "已有的文件.txt").read_text(encoding="utf-8") == "clerk's"
    assert list((out / "送评委").glob("*.xlsx")) and list((out / "内部留存").glob("*.xlsx"))


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_outputs_of_a_private_register_are_private(book, tmp_path, capsys):
    os.chmod(book, 0o600)
    out = tmp_path / "评审会"
    assert main(["roster", str(book), "--out", str(out), "--as-of", AS_OF]) == 0
    made = [p for p in out.rglob("*")] + list((book.parent / "备份").rglob("*"))
    assert made
    for p in made + [out]:
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o077 == 0, (p, oct(mode))
    capsys.readouterr()
    os.chmod(book, 0o644)                         # an ordinary register: ordinary outputs
    out2 = tmp_path / "公示"
    assert main(["publicity", str(book), "--out", str(out2), "--start", "2024-10-21", "--as-of", AS_OF]) == 1
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o044 for p in out2.rglob("*"))


def test_a_full_disk_while_writing_outputs_is_a_chinese_refusal_that_leaves_nothing(book, tmp_path, monkeypatch):
    import errno

    from addin.outputs import meeting

    real = meeting.write_roster

    def full(roster, out):
        real(roster, out)
        raise OSError(errno.ENOSPC, "No space left on device", str(out / "送评委" / "投票表.docx"))
    monkeypatch.setattr(meeting, "write_roster", full)
    out = tmp_path / "评审会"
    outcome = run(by_name("roster"), {"register": str(book), "out": str(out), "as_of": AS_OF},
                  file_context(None, CLI))
    assert outcome.code == 2 and "磁盘空间不足" in outcome.lines[0] and "No space" not in outcome.lines[0]
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".~zhicheng-")]


# --- 核对状态: the one write into a clerk's column, only on confirmation, on every shell -----------------

def _status_of(path: Path) -> dict[str, str]:
    from addin.book.reader import read_book

    return {str(r.values_by_key.get("app_id")): str(r.values_by_key.get("status") or "")
            for r in read_book(path).table("applicants").rows}


def test_status_changes_are_listed_then_written_only_with_their_confirmation_code(book, capsys):
    before = book.read_bytes()
    assert main(["status", str(book), "--as-of", "2024-11-20 10:00"]) == 1
    out = capsys.readouterr().out
    assert book.read_bytes() == before                                   # listing writes nothing
    code = re.search(r"确认码：([0-9a-f]{12})", out).group(1)
    assert "2024-052" in out and "“填报中”→“视为放弃”" in out and f"--confirm {code}" in out
    assert main(["status", str(book), "--confirm", "000000000000", "--as-of", "2024-11-20 10:00"]) == 2
    assert "不符" in capsys.readouterr().err and book.read_bytes() == before
    assert main(["status", str(book), "--confirm", code, "--as-of", "2024-11-20 10:00"]) in (0, 1)
    out = capsys.readouterr().out
    assert "已按确认写入3处状态" in out and "已刷新" in out
    after = _status_of(book)
    assert after["2024-052"] == "视为放弃" and after["2024-049"] == "不予受理" and after["2024-001"] == "评审通过"
    assert main(["status", str(book), "--as-of", "2024-11-20 10:00"]) == 0
    assert "没有需要更新的状态" in capsys.readouterr().out


def test_the_ribbon_shows_the_list_and_writes_only_when_the_clerk_says_yes(book):
    class Answering(QuietUI):
        def __init__(self, yes):
            super().__init__()
            self.yes, self.shown = yes, []

        def confirm(self, prompt, title):
            self.shown.append(prompt)
            return self.yes

    before = book.read_bytes()
    no = Answering(False)
    message = ribbon.run_action("status", actions.file_session(book, no, now=dt.datetime(2024, 11, 20, 10)))
    assert "未写入" in message.text and book.read_bytes() == before and "2024-052" in no.shown[0]
    yes = Answering(True)
    message = ribbon.run_action("status", actions.file_session(book, yes, now=dt.datetime(2024, 11, 20, 10)))
    assert "已按确认写入3处状态" in message.text and _status_of(book)["2024-052"] == "视为放弃"


def test_the_page_fills_the_confirmation_code_and_its_button_writes(book, tmp_path):
    import time

    launcher = page_jobs.Launcher(book, opener=lambda p: None)

    def wait(job):
        deadline = time.monotonic() + 120
        while job.code is None and time.monotonic() < deadline:
            time.sleep(0.1)
        return job.state()

    listed = wait(launcher.start({"action": "status", "book": str(book), "values": {"confirm": "stale"}}))
    assert listed["code"] == 1 and listed["proposal"] and listed["usecase"] == "status"
    assert "点“确认写入状态”" in "\n".join(listed["lines"]) and "zhicheng" not in "\n".join(listed["lines"])
    written = wait(launcher.start({"action": "status.apply", "book": str(book),
                                   "values": {"confirm": listed["proposal"]}}))
    assert written["code"] in (0, 1) and "已按确认写入" in "\n".join(written["lines"]), written["lines"]
    assert "status.apply" not in ribbon.ACTIONS                   # the ribbon asks in a dialog instead


def test_every_command_has_a_run_and_only_the_shell_starters_are_bound_by_the_command_line():
    """A use case without its own run is either 自检 (VBA) or one that starts a shell made
    from the table (build-addin, install-addin, launcher), which the command line binds."""
    from addin.cli.starters import STARTERS, bound

    assert all(callable(bound(uc).run) for uc in for_door("cli"))
    unbound = {uc.name for uc in TABLE if uc.run is None}
    assert unbound == set(STARTERS) | {"selfcheck"}
    assert all(by_name(name).doors == frozenset({"cli"}) for name in STARTERS)
