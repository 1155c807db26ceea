"""The command line speaks Chinese: no word of argparse's English in any help or error,
and every command documents the exit codes."""

import argparse
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
def test_help_is_chinese_and_states_the_exit_codes(path, capsys):
    assert main(path.split()[1:] + ["--help"]) == 0
    out = capsys.readouterr().out
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
    (["frobnicate"], "无效的选项 'frobnicate'"),
    (["calendar", "二〇二五"], "不是年份"),
    (["check", "a.xlsx", "--bogus"], "无法识别的参数：--bogus"),
    (["docs", "a.xlsx", "--out"], "参数 --out：后面需要一个值"),
    (["finance", "erase", "a.xlsx", "b.xlsx"], "无效的选项 'erase'"),
])
def test_usage_errors_are_chinese_and_exit_2(argv, chinese, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert chinese in err and "错误：" in err
    assert not ARGPARSE_ENGLISH.search(err), err


def test_wrap_counts_a_chinese_character_as_two_columns_and_keeps_words_whole():
    lines = wrap("生成给财务审计办公室的缴费表（不含身份证号），文件名如 zhicheng-2025.xlsx 所示。", 20)
    assert all(width(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == "生成给财务审计办公室的缴费表（不含身份证号），文件名如zhicheng-2025.xlsx所示。"
    assert any("zhicheng-2025.xlsx" in line for line in lines)
    assert not any(line.startswith(("，", "。", "）")) or line.endswith("（") for line in lines)
