"""One computation of balances (notice 四(六)): the 统计 sheet and the finance office's
汇总 show the same figures; an overpayment is its own 多缴, never a negative 未缴."""

import datetime as dt

from openpyxl import load_workbook

from addin.book import schema
from addin.book.refresh import check, refresh
from addin.cli import main
from addin.outputs.finance import DUE_SHEET, SUMMARY_SHEET, export_finance
from addin.rules.fees import account, fee_summary

NOW = dt.datetime(2024, 9, 12, 10, 0)
LEVELS = ("高级", "中级", "初级", "合计")


def _block(ws, first_header: str, must_have: str) -> tuple[list[str], dict[str, list]]:
    """A table of a sheet found by its header row: (header, {first cell: row})."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    for i, r in enumerate(rows):
        if r and r[0] == first_header and any(isinstance(v, str) and must_have in v for v in r):
            header = [v for v in r if v is not None]
            body = {}
            for values in rows[i + 1:]:
                if not values or values[0] is None:
                    break
                body[values[0]] = list(values[:len(header)])
            return header, body
    raise AssertionError(f"no table with {first_header}…{must_have} in {ws.title}")


def _by_name(header: list[str], row: list, word: str):
    """The cell under the header that reads ``word`` once units, 金额 and line breaks are
    taken off (未缴金额（元） and 未缴 are the same column)."""
    names = ["".join(str(h).split()).replace("（元）", "").replace("金额", "") for h in header]
    return row[names.index(word)]


def test_dashboard_and_finance_summary_agree_and_overpayment_is_apart(book, tmp_path):
    report = refresh(book, now=NOW, user="测试")
    paid_twice = [r for r in report.book.table("payments").rows if r.values_by_key["app_id"] == "2024-055"]
    assert len(paid_twice) == 2                                        # the sample's 2024-055 paid twice
    bk, ev = check(book, now=NOW)
    export_finance(bk, ev, tmp_path / "财务.xlsx")
    dash_header, dash = _block(load_workbook(book)[schema.DASHBOARD_SHEET], "级别", "多缴")
    fin_header, fin = _block(load_workbook(tmp_path / "财务.xlsx")[SUMMARY_SHEET], "级别", "多缴")
    assert set(LEVELS) <= set(dash) and set(LEVELS) <= set(fin)
    for level in LEVELS:
        for word in ("应缴人数", "应缴", "已缴", "未缴", "多缴"):
            assert _by_name(dash_header, dash[level], word) == _by_name(fin_header, fin[level], word), (level, word)
        assert _by_name(dash_header, dash[level], "未缴") >= 0
    junior, total = fin["初级"], fin["合计"]
    assert _by_name(fin_header, junior, "多缴") == 200 and _by_name(fin_header, junior, "未缴") == 0
    assert _by_name(fin_header, total, "未缴") == 550                    # 2024-053 owes 400, 2024-054 owes 150
    # the person: 欠费 0 in the register, 多缴 200 in the finance list
    ws = load_workbook(tmp_path / "财务.xlsx")[DUE_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if "申报编号" in r)
    header, body = list(rows[at]), [r for r in rows[at + 1:] if isinstance(r[0], int)]    # 序号 1, 2, ...
    ids = header.index("申报编号")
    row = next(r for r in body if r[ids] == "2024-055")
    assert _by_name(header, row, "未缴") == 0 and _by_name(header, row, "多缴") == 200
    assert min(_by_name(header, r, "未缴") for r in body) >= 0 and len(body) > 40
    register = load_workbook(book)[schema.APPLICANT_SHEET]
    head = [c.value for c in register[1]]
    balances = {r[0]: r[head.index("欠费")] for r in register.iter_rows(min_row=2, values_only=True) if r[0]}
    assert balances["2024-055"] == 0 and min(v for v in balances.values() if v is not None) >= 0
    assert "多缴200元" in str(next(r[head.index("问题")] for r in register.iter_rows(min_row=2, values_only=True)
                                 if r[0] == "2024-055"))


def test_the_command_line_reports_the_same_totals(book, tmp_path, capsys):
    assert main(["finance", "export", str(book), str(tmp_path / "f.xlsx"), "--as-of", "2024-09-12"]) == 0
    assert "未缴合计550元，多缴合计200元" in capsys.readouterr().out


def test_finance_export_into_a_folder_not_yet_made(book, tmp_path):
    out = tmp_path / "财务" / "2024" / "缴费表.xlsx"
    assert main(["finance", "export", str(book), str(out), "--as-of", "2024-09-12"]) == 0
    assert load_workbook(out)[DUE_SHEET].max_row > 2


def test_one_overpayment_never_offsets_another_arrear():
    lines = fee_summary([("初级", account(200, 400)), ("初级", account(200, 0)), ("高级", account(550, 400)),
                         ("中级", account(None, 100))], ("高级", "中级", "初级"))
    by = {line.level: line for line in lines}
    assert (by["初级"].owed, by["初级"].over, by["初级"].count_owing) == (200, 200, 1)
    assert (by["中级"].count_due, by["中级"].over) == (0, 100)         # paid before 已接收材料: overpaid
    assert (by["合计"].due, by["合计"].paid, by["合计"].owed, by["合计"].over) == (950, 900, 350, 300)
    assert [line.level for line in lines] == ["高级", "中级", "初级", "合计"]
