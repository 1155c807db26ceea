"""The command line speaks Chinese: no word of argparse's English in any help or error,
and every command documents the exit codes."""

import argparse
import os
import re

import pytest

from addin.cli import build_parser, main
from addin.cli.base import wrap, width

#: argparse's own words (Python 3.10-3.13) that must never reach the clerk
ARGPARSE_ENGLISH = re.compile(r"usage:|options:|optional arguments|positional arguments|show this help|"
                              r"show program's version|error:|the following arguments|invalid choice|"
                              r"unrecognized arguments|expected one argument|invalid int value")


def _parsers(parser, path=("zhicheng",)):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _parsers(sub, path + (name,))


PARSERS = list(_parsers(build_parser()))


def test_the_walk_sees_every_command_and_subcommand():
    names = {" ".join(p) for p, _ in PARSERS}
    assert {"zhicheng check", "zhicheng docs", "zhicheng finance export", "zhicheng finance import",
            "zhicheng install-addin"} <= names


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in PARSERS])
def test_help_is_chinese_and_states_the_exit_codes(path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(path.split()[1:] + ["--help"]) == 0
    out = capsys.readouterr().out
    assert max(map(width, out.splitlines())) <= 80, out       # fits the terminal (a Chinese character is 2 columns)
    assert not ARGPARSE_ENGLISH.search(out), out
    assert out.startswith(f"用法：{path}")
    assert "显示本帮助并退出" in out
    assert "退出码：0 完成；1" in out and "2 拒绝执行，未写入任何内容" in out and "3 程序内部错误" in out


def test_top_level_help_says_命令_once_as_a_title_and_lists_each_command(capsys):
    main(["--help"])
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert [line.strip() for line in lines].count("命令：") == 1
    assert "命令" not in [line.strip() for line in lines]          # no bare "命令" line above the list
    assert any(line.startswith("  check ") for line in lines)


def test_finance_export_help_is_its_own(capsys):
    main(["finance", "export", "--help"])
    export = capsys.readouterr().out
    main(["finance", "--help"])
    finance = capsys.readouterr().out
    assert export != finance
    assert export.startswith("用法：zhicheng finance export") and "缴费表" in export


@pytest.mark.parametrize("argv, chinese", [
    (["check"], "缺少参数：台账"),
    (["docs"], "缺少参数：台账、--out"),
    (["frobnicate"], "无效的选项 'frobnicate'"),
    (["check", "a.xlsx", "--bogus"], "无法识别的参数：--bogus"),
    (["docs", "a.xlsx", "--out"], "参数 --out：后面需要一个值"),
    (["finance", "erase", "a.xlsx", "b.xlsx"], "无效的选项 'erase'"),
])
def test_usage_errors_are_chinese_and_exit_2(argv, chinese, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert chinese in err and "错误：" in err
    assert not ARGPARSE_ENGLISH.search(err), err


def test_a_value_that_is_not_what_it_should_be_names_its_argument_and_exits_2(capsys):
    assert main(["calendar", "二〇二五"]) == 2
    assert capsys.readouterr().err.startswith("年份：“二〇二五”不是年份（应为四位数字，如 2025）")


def test_wrap_counts_a_chinese_character_as_two_columns_and_keeps_words_whole():
    lines = wrap("生成给财务审计办公室的缴费表（不含身份证号），文件名如 zhicheng-2025.xlsx 所示。", 20)
    assert all(width(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == "生成给财务审计办公室的缴费表（不含身份证号），文件名如zhicheng-2025.xlsx所示。"
    assert any("zhicheng-2025.xlsx" in line for line in lines)
    assert not any(line.startswith(("，", "。", "）")) or line.endswith("（") for line in lines)


# --- the failures of issue 11 §6 --------------------------------------------------------------

def test_check_on_a_folder_says_it_is_a_folder(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    assert "是一个文件夹" in capsys.readouterr().err


def test_a_workbook_that_is_not_a_register_gets_one_sentence(tmp_path, capsys):
    from openpyxl import Workbook

    path = tmp_path / "别的表.xlsx"
    wb = Workbook()
    wb.active["A1"] = "姓名"
    wb.save(path)
    for command in ("check", "refresh"):
        assert main([command, str(path)]) == 2
        out, err = capsys.readouterr()
        assert "[错误]" not in out
        assert [line for line in err.splitlines() if not line.startswith("  … ")] == [
            err.splitlines()[-1]], err                       # one sentence (after refresh's progress line)
        assert "不是职称评审台账" in err and "campaign_year" not in err
    assert err.count("未写入") == 1


def test_settings_findings_name_the_setting_in_chinese(book, capsys):
    from openpyxl import load_workbook

    wb = load_workbook(book)
    ws = wb["参数"]
    for row in list(ws.iter_rows(min_row=2)):
        if row[0].value == "评审年度":
            row[1].value = None
    ws.delete_rows(next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == "答辩成绩去掉最高分和最低分"))
                                                              # a yes/no setting's row
    wb.save(book)
    main(["check", str(book)])
    out = capsys.readouterr().out
    assert "参数“评审年度”未填写，暂按默认值2024" in out
    assert re.search(r"缺少参数“[^”]+”这一行，暂按默认值是", out)
    assert not re.search(r"[a-z]+_[a-z]+|True|False", out), out


def test_a_register_without_its_settings_sheet_gets_one_settings_finding(book, capsys):
    from openpyxl import load_workbook

    wb = load_workbook(book)
    del wb["参数"]
    wb.save(book)
    main(["check", str(book)])
    settings_lines = [line for line in capsys.readouterr().out.splitlines() if "] 参数" in line]
    assert len(settings_lines) == 2, settings_lines            # the missing sheet, and the defaults used
    assert "全部暂按通知的默认值" in settings_lines[1]


def test_a_refused_refresh_says_未写入_once(book, capsys):
    (book.parent / f"~${book.name}").write_text("owner", encoding="utf-8")     # open in Excel
    before = book.read_bytes()
    assert main(["refresh", str(book)]) == 2
    err = capsys.readouterr().err
    assert err.count("未写入") == 1, err
    assert book.read_bytes() == before


# --- exit codes (issue 9 item 12) -------------------------------------------------------------

def test_a_crash_exits_3_with_a_chinese_message_and_the_details_in_a_log(book, tmp_path, monkeypatch, capsys):
    import addin.usecases.register

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setattr(addin.usecases.register, "assess", lambda *a, **k: 1 / 0)
    assert main(["check", str(book)]) == 3                   # never 1 (which means "findings")
    err = capsys.readouterr().err
    log = tmp_path / "home" / ".zhicheng" / "zhicheng-errors.log"
    assert "程序内部错误" in err and str(log) in err and "Traceback" not in err
    text = log.read_text(encoding="utf-8")
    assert "ZeroDivisionError" in text and "Traceback" in text
    assert f"zhicheng check {book.parent}/〔2字〕.xlsx" in text        # the command, its file name masked (issue 19.10)


def test_the_crash_log_falls_back_to_the_temp_folder(tmp_path, monkeypatch):
    from addin.cli import crash_log

    home = tmp_path / "home"
    home.write_text("not a folder")                          # ~/.zhicheng cannot be created
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert crash_log() == tmp_path / "tmp" / f"zhicheng-{os.geteuid()}" / "zhicheng-errors.log"    # the user's own


def test_exit_codes_0_1_2(book, tmp_path, capsys):
    assert main(["calendar", "2025"]) == 0                   # done
    assert main(["check", str(book)]) == 1                   # findings (the sample has errors)
    assert main(["check", str(tmp_path / "无.xlsx")]) == 2   # refused
    assert main([]) == 2                                     # no command: help, nothing done
    capsys.readouterr()


def _zhicheng():
    import shutil
    import sys
    from pathlib import Path

    return shutil.which("zhicheng") or str(Path(sys.executable).with_name("zhicheng"))


@pytest.mark.parametrize("argv", [["calendar", "2025"], ["--help"], ["check", "BOOK"]])
def test_output_into_a_closed_pipe_prints_no_traceback_and_keeps_the_exit_code(argv, book):
    import subprocess

    argv = [str(book) if a == "BOOK" else a for a in argv]
    proc = subprocess.Popen([_zhicheng(), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                                      # the reader (e.g. head) has gone
    err = proc.stderr.read().decode("utf-8")
    code = proc.wait()
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert code == (1 if argv[0] == "check" else 0)


from hypothesis import example, given, strategies as st  # noqa: E402

_PIECES = st.sampled_from(["台账", "文件", "，", "。", "（", "）", "“", "”", " ", " zhicheng ", " --as-of ", " 2024-09-05 ",
                           " %APPDATA%\\Excel ", "申报人员", "、"])   # ASCII words apart, as in the help texts


@given(st.lists(_PIECES, max_size=60), st.integers(min_value=20, max_value=90))   # wider than any one word
@example([" %APPDATA%\\Excel ", "、", "，", "，"], 20)       # a word and its marks wider than the line
@example(["台账", "文件", "。"] * 4, 20)
def test_wrap_keeps_every_character_fits_the_width_and_respects_chinese_line_breaking(pieces, columns):
    text = "".join(pieces)
    lines = wrap(text, columns)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    # a word with the closing marks that must follow it; only one wider than a line may be split
    units = re.findall(r"[^\s，。）”、]+ ?[，。）”、]*|[，。）”、]+", " ".join(text.split()))
    splittable = any(width(u) > columns for u in units)
    for i, line in enumerate(lines):
        assert width(line) <= columns, (line, columns)
        if i and not splittable:
            assert not line.startswith(("，", "。", "）", "”", "、"))
        if i < len(lines) - 1:
            assert not line.endswith(("（", "“"))
