"""The Excel functions: the public names, what Excel passes, and never an exception."""

import datetime as dt
import inspect
import subprocess
import sys

import pytest
from hypothesis import given, settings as hsettings, strategies as st

import udfs
from conftest import make_id

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
    n = len(inspect.signature(fn).parameters)
    result = fn(*args[:n])
    assert result is None or isinstance(result, (str, bool, int, float, dt.date))
    assert not (isinstance(result, str) and result.startswith("计算出错")), result
