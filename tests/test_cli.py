"""The ``zhicheng`` command line: demo and calendar."""

import re
import shutil
import subprocess
import sys


from addin.cli import main


def test_demo_refreshes_a_copy_of_the_sample_and_summarises(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    book = tmp_path / "职称评审台账-示例-2024.xlsx"
    assert book.exists() and str(book.resolve()) in out
    assert re.search(r"申报\d+份：不符合\d+份，待核\d+份，符合\d+份", out)
    assert "评审费：应缴" in out and "参数!B11" in out
    from openpyxl import load_workbook
    wb = load_workbook(book)
    assert [r[2] for r in wb["日志"].iter_rows(values_only=True)][-2:] == ["刷新计算", "生成通知"]
    assert "通知申报人：2024年9月5日应通知" in out and list((tmp_path / "通知").glob("通知短信-2024年9月5日.xlsx"))
    # the final hint is a command that gives the same count as the demo's summary
    found, errors = re.search(r"问题(\d+)条（错误(\d+)条）", out).groups()
    hint = re.search(r"zhicheng check (.+) --as-of \"(.+)\"$", out.rstrip().splitlines()[-1])
    assert hint and hint.group(1) == str(book)
    assert main(["check", hint.group(1), "--as-of", hint.group(2)]) == 1
    assert f"共{found}条，其中错误{errors}条" in capsys.readouterr().out


def test_demo_rules_prints_a_worked_example_of_every_rule(capsys):
    assert main(["demo", "--rules"]) == 0
    out = capsys.readouterr().out
    for heading in ("日期读取", "阿克苏工作日", "身份证号", "评审费", "资历", "继续教育", "提交审核", "申报资格", "一种申报方式"):
        assert heading in out
    assert "2024年9月12日起 → 2024年9月19日止" in out
    assert "2027年放假安排未录入" in out
    assert "符合（经技能人才贯通）" in out
    assert "不予受理" in out and "视为放弃" in out
    # public lists: the demo's ID numbers only appear masked in the verdict lines
    assert re.search(r"公示身份证号\d{6}\*{8}\d{3}[\dX]", out)


def test_calendar_lists_the_2025_xinjiang_festivals_with_their_source(capsys):
    assert main(["calendar", "2025"]) == 0
    out = capsys.readouterr().out
    assert "2025-06-09  周一  放假  古尔邦节" in out
    assert "自治区人民政府办公厅2025年古尔邦节放假通知" in out
    assert "2025-10-11  周六  上班  国庆节调休上班" in out


def test_calendar_warns_when_the_regional_days_are_missing(capsys):
    assert main(["calendar", "2024"]) == 0
    out = capsys.readouterr().out
    assert "2024-04-10  周三  放假  肉孜节" in out and "中国新闻网" in out
    assert "注意：2024年古尔邦节放假安排未录入（古尔邦节为2024年6月16日" in out
    assert "肉孜节放假安排未录入" not in out                      # exactly the one festival that is missing


def test_calendar_2026_lists_both_festivals_and_warns_of_nothing(capsys):
    assert main(["calendar", "2026"]) == 0
    out = capsys.readouterr().out
    assert "2026-03-20  周五  放假  肉孜节" in out and "2026-05-29  周五  放假  古尔邦节" in out
    assert "央视新闻2025年12月26日报道" in out and "注意" not in out


def test_calendar_for_a_year_without_data_exits_non_zero(capsys):
    assert main(["calendar", "2027"]) != 0
    assert "2027年放假安排未录入" in capsys.readouterr().err


def test_the_installed_console_script_has_chinese_help():
    exe = shutil.which("zhicheng") or str(__import__("pathlib").Path(sys.executable).with_name("zhicheng"))
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, check=True).stdout
    assert "职称评审台账" in out and "calendar" in out and "demo" in out
