"""Specialties in the notice's order (公路, 运输, 交通经济) in every output, and that order
comes from data (the 字典 sheet / lists.csv), not from code: reordering 字典 reorders
the rosters, the code key, the publicity list, the finance list and the 统计 blocks."""

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

from addin.book import schema
from addin.book.dashboard import dashboard_blocks
from addin.book.reader import read_book
from addin.book.refresh import check, refresh
from addin.outputs.finance import DUE_SHEET, export_finance
from addin.outputs.meeting import KEPT_IN_OFFICE, TO_COMMITTEE, build_roster, write_roster
from addin.outputs.publicity import build_publicity, write_publicity

NOW = dt.datetime(2024, 10, 20, 10, 0)
NOTICE = ["公路", "运输", "交通经济"]


def _runs(values) -> list[str]:
    """The distinct values in the order they first appear, failing if one comes back."""
    out = []
    for v in values:
        if v and (not out or out[-1] != v):
            assert v not in out, f"{v} appears in two places: {list(values)}"
            out.append(v)
    return out


def _column(path: Path, header: str, sheet: str | None = None) -> list[str]:
    ws = load_workbook(path)[sheet] if sheet else load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if header in r)
    col = rows[at].index(header)
    return [r[col] for r in rows[at + 1:] if len(r) > col and r[col]]


def _pass_one_of_each_specialty(book: Path) -> None:
    """Ballots that pass one coded application of each specialty the sample passes none of
    (it ballots every code on its roster; those held back have none)."""
    from addin.book.refresh import check

    register = read_book(book)
    _, ev = check(book, now=dt.datetime(2024, 10, 20))
    wb = load_workbook(book)
    ws = wb[schema.MEETING_SHEET]
    header = [c.value for c in ws[1]]
    balloted = {r.values_by_key.get("blind_code") for r in register.table("meeting").rows}
    passed = {r.values_by_key.get("specialty") for r in register.table("applicants").rows
              if ev.computed[r.number].get("meeting_result") == "评审通过"}
    wanted = {}
    for r in register.table("applicants").rows:
        code, specialty = r.values_by_key.get("blind_code"), r.values_by_key.get("specialty")
        if code and code not in balloted and specialty not in set(wanted) | passed and r.values_by_key.get("app_id") != "2024-058":
            wanted[specialty] = code
    assert set(wanted) | passed == set(NOTICE)
    for code in wanted.values():
        ws.append([{"会议日期": dt.datetime(2024, 10, 18), "盲评编号": code, "赞成": 6, "反对": 0, "弃权": 0}.get(h)
                   for h in header])           # all six seated members of the sample's panel vote yes
    wb.save(book)


def _reorder_dictionary(book: Path, lists: dict[str, list[str]]) -> None:
    wb = load_workbook(book)
    ws = wb[schema.LISTS_SHEET]
    for name, order in lists.items():
        col = [c.value for c in ws[1]].index(name) + 1
        for i, value in enumerate(order, start=2):
            ws.cell(row=i, column=col, value=value)
    wb.save(book)


def _orders(book: Path, out: Path) -> dict[str, list[str]]:
    report = refresh(book, now=NOW, user="测试")
    roster = build_roster(report.book, report.evaluation)
    write_roster(roster, out / "r")
    bk, ev = check(book, now=NOW)
    table, _ = build_publicity(bk, ev, dt.date(2024, 10, 21))
    write_publicity(table, out / "p")
    export_finance(bk, ev, out / "财务.xlsx")
    dashboard = next(rows for title, _, rows in dashboard_blocks(ev) if title == "按专业")
    return {
        "internal roster": _runs(_column(out / "r" / KEPT_IN_OFFICE / "评审会名单-内部.xlsx", "专业")),
        "blind roster": _runs(_column(out / "r" / TO_COMMITTEE / "评审会名单-盲评.xlsx", "专业")),
        "vote sheet": _runs(_column(out / "r" / TO_COMMITTEE / "评审会投票表.xlsx", "专业")),
        "code key": _runs(_column(out / "r" / KEPT_IN_OFFICE / "编号对照表-内部.xlsx", "专业")),
        "publicity": _runs(_column(out / "p" / "评审结果公示名单.xlsx", "专业")),
        "finance": _runs(_column(out / "财务.xlsx", "专业", DUE_SHEET)),
        "dashboard": [r[0] for r in dashboard if r[0] in NOTICE],
        "统计 sheet": _runs(v for v in _column(book, "专业", schema.DASHBOARD_SHEET) if v in NOTICE),
    }


def test_every_output_follows_the_notices_order(book, tmp_path):
    _pass_one_of_each_specialty(book)
    orders = _orders(book, tmp_path)
    assert orders == {k: NOTICE for k in orders}


def test_the_order_is_data_reordering_the_dictionary_reorders_every_output(book, tmp_path):
    _pass_one_of_each_specialty(book)
    reverse = NOTICE[::-1]          # the rosters group by series first: reverse both lists
    _reorder_dictionary(book, {"专业": reverse, "系列": ["经济系列", "工程系列"]})
    orders = _orders(book, tmp_path)
    assert orders == {k: reverse for k in orders}
