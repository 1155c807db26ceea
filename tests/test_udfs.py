"""The Excel functions: the public names, what Excel passes, and never an exception; the
numbers of the calling register (issue 16, A.2) through xlwings' ``caller``."""

import csv
import datetime as dt
import inspect
import io
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings as hsettings, strategies as st

import udfs
from addin.book import schema
from addin.book.reader import read_book
from addin.book.refresh import run_refresh
from addin.book.sample import SAMPLE
from addin.excel import udfwrap
from addin.excel.live import LiveAdapter
from conftest import make_id
from fake_xlwings import FakeBook, book_from_file

GOOD = make_id()
HEADERS = ["申报编号", "拟申报职称", "现职称", "现职称取得时间", "学历", "申报方式", "单位性质",
           "近三年考核（最近一年）", "近三年考核（前一年）", "近三年考核（前两年）"] + \
          [f"{y}年{k}学时" for y in range(2021, 2025) for k in ("公需课", "专业课")]
ROW = ["X1", "高级工程师", "工程师", dt.datetime(2018, 5, 1), "本科", "定向评价", "国有企业", "合格", "合格", "优秀"] + \
      [30, 60] * 4


def test_the_done_when_check_in_a_fresh_interpreter():
    out = subprocess.run([sys.executable, "-c", "from udfs import ZC_WORKDAY_END; print(ZC_WORKDAY_END('2024-09-12', 5))"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2024-09-19"


def test_every_public_name_exists_with_a_chinese_docstring():
    for name in udfs.__all__:
        fn = getattr(udfs, name)
        assert name.startswith("ZC_") and callable(fn)
        assert fn.__doc__ and any("\u4e00" <= c <= "\u9fff" for c in fn.__doc__)


@pytest.mark.parametrize("start", ["2024-09-12", "2024/9/12", "2024.9.12", "2024年9月12日", "20240912",
                                   dt.datetime(2024, 9, 12), 45547.0])
def test_workday_end_accepts_what_excel_passes(start):
    assert udfs.ZC_WORKDAY_END(start, 5) == dt.date(2024, 9, 19)
    assert udfs.ZC_WORKDAY_END(start, 5.0) == dt.date(2024, 9, 19)


def test_calendar_functions():
    assert udfs.ZC_ADD_WORKDAYS("2024-09-13", 1) == dt.date(2024, 9, 14)
    assert udfs.ZC_ADD_WORKDAYS("2024-09-18", -1.0) == dt.date(2024, 9, 14)
    assert udfs.ZC_NETWORKDAYS("2024-09-01", "2024-09-30") == 21
    assert udfs.ZC_IS_WORKDAY("2024-09-14") is True
    assert udfs.ZC_IS_WORKDAY("2025-06-09") is False
    assert udfs.ZC_WORKDAY_END("2027-03-01") == "2027年放假安排未录入（请在节假日表中录入该年全国及新疆的放假与调休上班日期）"
    assert udfs.ZC_WORKDAY_END(None) == "公示开始日期为空"
    assert "不存在" in udfs.ZC_WORKDAY_END("2024-02-30")


def test_the_holiday_range_from_the_sheet_is_used():
    sheet = [["日期", "类型", "名称", "范围", "来源"],
             [dt.datetime(2024, 9, 18), "休", "测试", "新疆", "自治区通知"],
             [None, None, None, None, None]]
    assert udfs.ZC_WORKDAY_END("2024-09-12", 5, sheet) == dt.date(2024, 9, 20)
    assert udfs.ZC_IS_WORKDAY("2024-09-18", sheet[1:]) is False      # without the header row too
    assert "第1行" in udfs.ZC_IS_WORKDAY("2024-09-18", [["2024-09-18", "放", "", "全国", ""]])


def test_fee_and_defence():
    assert (udfs.ZC_FEE("高级工程师"), udfs.ZC_FEE("工程师"), udfs.ZC_FEE("助理工程师")) == (550, 400, 200)
    assert (udfs.ZC_FEE("高级"), udfs.ZC_FEE("中级"), udfs.ZC_FEE("初级")) == (550, 400, 200)
    assert udfs.ZC_DEFENSE("高级经济师") == "需答辩" and udfs.ZC_DEFENSE("经济师") == "免答辩"
    assert "不在职称表中" in udfs.ZC_FEE("总工") and udfs.ZC_FEE(None) == "职称为空"


def test_identity_functions():
    assert udfs.ZC_ID_CHECK(GOOD) == ""
    assert udfs.ZC_ID_CHECK(GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")) == "身份证号校验位错误（请逐位核对号码）"
    assert "存成了数字" in udfs.ZC_ID_CHECK(float(GOOD[:15] + "000"))
    assert udfs.ZC_ID_BIRTHDATE(GOOD) == dt.date(1990, 1, 1)
    assert udfs.ZC_ID_GENDER(GOOD) == "男"
    assert udfs.ZC_MASK_ID(GOOD) == GOOD[:6] + "*" * 8 + GOOD[14:]


def test_seniority_ce_deadline_exam_and_skill():
    assert udfs.ZC_SERVICE_YEARS("2019-12-31") == 5
    assert udfs.ZC_SERVICE_YEARS("2019-12-31", "2024-12-30") == 4
    assert udfs.ZC_SERVICE_YEARS("2025-01-01") == "起算日期晚于截止日期"
    assert udfs.ZC_CE_STATUS([30, 30, 30, 30], [60, 60, 60, 60]) == "达标"
    assert udfs.ZC_CE_STATUS([[30, 30, 30, 30]], [[60, 60, 59, 60]]) == "不达标：2023年总学时89，差1、专业课59，差1"
    assert udfs.ZC_CE_STATUS([None] * 4, [None] * 4, "是") == "免修"
    assert udfs.ZC_CE_STATUS([None] * 4, [None] * 4, False, True) == "不作硬性要求"
    assert "应为5格" not in udfs.ZC_CE_STATUS([1] * 5, [1] * 5) and "应为4格" in udfs.ZC_CE_STATUS([1] * 5, [1] * 5)
    assert udfs.ZC_RESUBMIT_DEADLINE("2024-08-20") == dt.date(2024, 8, 22)
    assert udfs.ZC_ECON_EXAM_VALID(2020, "是") is True
    assert udfs.ZC_ECON_EXAM_VALID(2019, True) is False
    assert udfs.ZC_ECON_EXAM_VALID(2023, "否", 2023) is True
    assert udfs.ZC_SKILL_TITLE("技师", "2021-06-01") == "中级"
    assert udfs.ZC_SKILL_TITLE(None, "2021-06-01") == ""
    assert "无法识别" in udfs.ZC_SKILL_TITLE("大师", "2021-06-01")


def test_eligibility_reads_a_row_by_header_name():
    assert udfs.ZC_ELIGIBILITY(HEADERS, ROW) == "符合"
    shuffled = list(zip(HEADERS, ROW))[::-1]
    assert udfs.ZC_ELIGIBILITY([h for h, _ in shuffled], [v for _, v in shuffled]) == "符合"
    row = list(ROW)
    row[HEADERS.index("现职称取得时间")] = dt.datetime(2021, 5, 1)
    assert udfs.ZC_ELIGIBILITY(HEADERS, row).startswith("不符合：取得工程师至2024年12月31日满3年")
    row[HEADERS.index("现职称取得时间")] = "去年"
    assert udfs.ZC_ELIGIBILITY(HEADERS, row).startswith("待核：现职称取得时间")
    assert "不一致" in udfs.ZC_ELIGIBILITY(HEADERS, ROW[:-1])


garbage = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=20), st.datetimes(), st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=5),
                    st.lists(st.lists(st.one_of(st.none(), st.text(max_size=5)), max_size=5), max_size=3))


@hsettings(max_examples=400, deadline=None)
@given(st.sampled_from(udfs.__all__), st.lists(garbage, min_size=4, max_size=4))
def test_no_udf_raises_into_excel(name, args):
    fn = getattr(udfs, name)
    n = len([p for p in inspect.signature(fn).parameters if p != "caller"])    # what Excel can pass
    result = fn(*args[:n])
    assert result is None or isinstance(result, (str, bool, int, float, dt.date))
    assert not (isinstance(result, str) and result.startswith("计算出错")), result


# --- the calling register's numbers (issue 16, A.2) ----------------------------------------------------

SETTINGS_HEADER = ["参数", "值", "依据条款", "说明", "键"]


def register(name: str = "/tmp/台账.xlsx", **values) -> FakeBook:
    """An open workbook with a 参数 sheet as the template has it (the packaged rows), some
    values changed; and a 申报人员 sheet to call from."""
    book = FakeBook(name)
    sheet = book.sheets.add(schema.SETTINGS_SHEET)
    packaged = list(csv.DictReader(io.StringIO((Path(udfs.data.__file__).parent / "settings.csv")
                                               .read_text(encoding="utf-8"))))
    rows = [SETTINGS_HEADER] + [[r["label"], values.get(r["key"], r["value"]), r["clause"], r["note"], r["key"]]
                                for r in packaged]
    for i, row in enumerate(rows, start=1):
        sheet.range((i, 1)).value = [("'" + v) if isinstance(v, str) and v else v for v in row]
    book.sheets.add(schema.APPLICANT_SHEET)
    return book


def cell(book: FakeBook, sheet: str = schema.APPLICANT_SHEET):
    """The calling cell as xlwings hands it to ``caller``: a Range of the calling workbook."""
    return book.sheets[sheet].range("C7")


def set_setting(book: FakeBook, key: str, value) -> None:
    sheet = book.sheets[schema.SETTINGS_SHEET]
    keys = sheet.range((1, 5), (200, 5)).value
    sheet.range((keys.index(key) + 1, 2)).value = value


def test_zc_fee_follows_the_registers_settings_and_their_changes():
    book = register(fee_senior="600")
    assert udfs.ZC_FEE("高级工程师", cell(book)) == 600
    assert udfs.ZC_FEE("中级", caller=cell(book)) == 400                     # the rows not changed
    set_setting(book, "fee_senior", 650)
    assert udfs.ZC_FEE("高级工程师", cell(book)) == 650                      # no stale cache
    assert udfs.ZC_FEE("高级工程师") == 550                                  # no caller: the packaged default
    other = FakeBook("/tmp/其他.xlsx")
    other.sheets.add("Sheet1")
    assert udfs.ZC_FEE("高级工程师", cell(other, "Sheet1")) == 550           # not a register


def test_two_open_registers_each_give_their_own_numbers():
    a, b = register("/tmp/a.xlsx", fee_senior="600"), register("/tmp/b.xlsx", fee_senior="700")
    assert [udfs.ZC_FEE("高级", cell(x)) for x in (a, b, a)] == [600, 700, 600]


def test_the_settings_are_parsed_once_while_they_do_not_change(monkeypatch):
    parsed = []
    real = udfs.book_from_values
    monkeypatch.setattr(udfs, "book_from_values", lambda values: parsed.append(1) or real(values))
    book = register("/tmp/缓存.xlsx", fee_senior="600")
    for _ in range(5):
        assert udfs.ZC_FEE("高级工程师", cell(book)) == 600
    assert len(parsed) == 1
    set_setting(book, "fee_senior", 610)
    assert udfs.ZC_FEE("高级工程师", cell(book)) == 610 and len(parsed) == 2


def test_every_settings_driven_udf_reads_the_register():
    """Each UDF that takes a number from 参数 takes the register's: cutoff, CE hours and years,
    resubmission days, exam validity, skill-path years, eligibility years."""
    book = register(seniority_cutoff="2025-12-31", ce_min_total="100", resubmit_days="5",
                    econ_exam_valid_years="3", skill_years_technician="4")
    at = cell(book)
    assert udfs.ZC_SERVICE_YEARS("2019-12-31") == 5 and udfs.ZC_SERVICE_YEARS("2019-12-31", caller=at) == 6
    assert udfs.ZC_CE_STATUS([30] * 4, [60] * 4) == "达标"
    assert udfs.ZC_CE_STATUS([30] * 4, [60] * 4, caller=at).startswith("不达标：2021年总学时90，差10")
    assert udfs.ZC_RESUBMIT_DEADLINE("2024-08-20") == dt.date(2024, 8, 22)
    assert udfs.ZC_RESUBMIT_DEADLINE("2024-08-20", caller=at) == dt.date(2024, 8, 25)
    assert udfs.ZC_ECON_EXAM_VALID(2021, "是") is True
    assert udfs.ZC_ECON_EXAM_VALID(2021, "是", caller=at) is False
    assert udfs.ZC_SKILL_TITLE("技师", "2021-06-01", "2024-12-31") == "中级"
    assert udfs.ZC_SKILL_TITLE("技师", "2021-06-01", "2024-12-31", caller=at) != "中级"
    row = list(ROW)
    row[HEADERS.index("现职称取得时间")] = dt.datetime(2022, 5, 1)
    assert udfs.ZC_ELIGIBILITY(HEADERS, row).startswith("不符合：取得工程师至2024年12月31日满")
    assert udfs.ZC_ELIGIBILITY(HEADERS, row, caller=at).startswith("不符合：取得工程师至2025年12月31日满")


def test_the_calendar_functions_use_the_registers_holiday_rows():
    book = register()
    holidays = book.sheets.add(schema.HOLIDAY_SHEET)
    holidays.range((1, 1)).value = ["日期", "类型", "名称", "范围", "来源"]
    holidays.range((2, 1)).value = [dt.datetime(2024, 9, 18), "休", "测试", "新疆", "自治区通知"]
    at = cell(book)
    assert udfs.ZC_IS_WORKDAY("2024-09-18") is True
    assert udfs.ZC_IS_WORKDAY("2024-09-18", caller=at) is False
    assert udfs.ZC_WORKDAY_END("2024-09-12", 5, caller=at) == dt.date(2024, 9, 20)
    assert udfs.ZC_NETWORKDAYS("2024-09-16", "2024-09-20") == 3                   # 16, 17: 中秋节
    assert udfs.ZC_NETWORKDAYS("2024-09-16", "2024-09-20", caller=at) == 2
    assert udfs.ZC_ADD_WORKDAYS("2024-09-17", 1, caller=at) == dt.date(2024, 9, 19)
    # a 节假日 range passed as the argument takes the place of the sheet's rows
    assert udfs.ZC_IS_WORKDAY("2024-09-18", [["日期", "类型"], ["2024-09-19", "休"]], at) is True


def test_a_register_read_failure_is_a_message_in_the_cell():
    class Broken:
        @property
        def sheet(self):
            raise OSError("RPC 服务器不可用")
    assert udfs.ZC_FEE("高级工程师", Broken()) == "读取台账的参数出错：RPC 服务器不可用"


def test_the_udf_and_the_refresh_give_the_same_fee_on_the_open_register(tmp_path):
    """The failure of issue 16 A.2: refresh wrote 600 while =ZC_FEE("高级工程师") said 550."""
    path = Path(shutil.copyfile(SAMPLE, tmp_path / "台账.xlsx"))
    book = book_from_file(path)
    set_setting(book, "fee_senior", 600)
    run_refresh(LiveAdapter(book), now=dt.datetime(2024, 9, 5, 10), user="测试员")
    table = read_book(path).table("applicants")
    sheet = book.sheets[schema.APPLICANT_SHEET]
    from openpyxl.utils import column_index_from_string
    title_col = column_index_from_string(table.letter("target_title"))
    fee_col = column_index_from_string(table.letter("fee_due"))
    checked = 0
    for row in table.rows:
        title, fee = sheet.range((row.number, title_col)).value, sheet.range((row.number, fee_col)).value
        if title == "高级工程师" and fee not in (None, "", 0):
            here = sheet.range((row.number, fee_col + 40))
            assert udfs.ZC_FEE(title, here) == fee == 600
            checked += 1
    assert checked >= 1


def test_the_vba_wrapper_treats_caller_as_xlwings_own_generator_does(tmp_path):
    """xlwings' own ``generate_vba_wrapper`` (run here with stand-ins for the three pywin32
    modules it imports, nothing else) and ours give the same Function blocks for every UDF:
    ``caller`` is not in the signature and travels as ``Nothing``. Ours renames parameters
    that are VBA keywords (end, date), xlwings does not: that is the one difference."""
    script = textwrap.dedent("""
        import io, json, sys, types
        for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
            sys.modules[name] = types.ModuleType(name)
        sys.modules["pythoncom"].CoInitialize = lambda: None
        sys.modules["win32com.client"].Dispatch = None
        import xlwings.udfs as xu
        import udfs
        module = types.ModuleType("udfs")
        for name in udfs.__all__:
            setattr(module, name, xu.xlfunc(getattr(udfs, name)))
        out = io.StringIO()
        xu.generate_vba_wrapper("udfs", module, out, types.SimpleNamespace(Name="zhicheng.xlam"))
        print(out.getvalue())
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    def blocks(text: str) -> dict[str, str]:
        found = {}
        for block in text.split("End Function"):
            head = next((l for l in block.splitlines() if l.startswith("Function ")), None)
            if head:
                found[head.split("(")[0].split()[1]] = block[block.index(head):].strip()
        return found
    theirs = blocks(done.stdout)
    ours = blocks(udfwrap.wrapper_source("udfs", udfwrap.udfs_of(udfs)))
    assert set(ours) == set(theirs) == set(udfs.__all__)
    renamed = {f"{w}_": w for w in ("end", "date")}
    for name in udfs.__all__:
        mine = ours[name]
        for vba, python in renamed.items():
            mine = mine.replace(f"({vba}", f"({python}").replace(f" {vba},", f" {python},").replace(f" {vba})", f" {python})")
        assert mine == theirs[name], name
    assert "Function ZC_FEE(title_or_level)" in theirs["ZC_FEE"]
    assert "Array(title_or_level, Nothing)" in theirs["ZC_FEE"] and "Array(id)" in theirs["ZC_ID_CHECK"]


def test_caller_anywhere_in_the_signature_travels_as_nothing_in_its_place(tmp_path):
    import importlib.util

    source = tmp_path / "m.py"
    source.write_text(textwrap.dedent('''
        import xlwings as xw
        __all__ = ["F"]

        @xw.func
        @xw.arg("a", doc="甲")
        @xw.arg("b", doc="乙")
        def F(a, caller, b=1):
            """说明"""
    '''), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("m", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (udf,) = udfwrap.udfs_of(module)
    assert udf.args == ("a", "b") and udf.caller_at == 1 and udf.call_args == ("a", "Nothing", "b")
    text = udfwrap.wrapper_source("m", [udf])
    assert "Function F(a, Optional b)" in text and "Array(a, Nothing, b)" in text
    help_text = udfwrap.help_source("m", [udf], "1")
    assert "ReDim a(0 To 1)" in help_text and "caller" not in help_text
