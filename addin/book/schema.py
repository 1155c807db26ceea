"""The master workbook's columns: one source of truth for headers, keys and types.

Only the register (申报人员) and the holiday table (节假日) are described so far; the
workbook issue extends this module with the remaining sheets, widths and formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"        # text | date | datetime | int | number | bool | year | id
    computed: bool = False
    choices: str | None = None  # name of the drop-down list in 字典


APPLICANT_SHEET = "申报人员"
HOLIDAY_SHEET = "节假日"

APPLICANT_INPUTS: tuple[Column, ...] = (
    Column("app_id", "申报编号"),
    Column("name", "姓名"),
    Column("sex", "性别"),
    Column("ethnicity", "民族"),
    Column("political", "政治面貌", choices="政治面貌"),
    Column("id_number", "身份证号", "id"),
    Column("birth_date", "出生日期", "date"),
    Column("employer", "工作单位"),
    Column("employer_type", "单位性质", choices="单位性质"),
    Column("route", "申报方式", choices="申报方式"),
    Column("series", "系列", choices="系列"),
    Column("specialty", "专业", choices="专业"),
    Column("target_title", "拟申报职称"),
    Column("current_title", "现职称"),
    Column("current_title_date", "现职称取得时间", "date"),
    Column("current_title_place", "现职称取得地", choices="职称取得地"),
    Column("education", "学历"),
    Column("degree", "学位"),
    Column("school", "毕业院校"),
    Column("major", "所学专业"),
    Column("graduation_date", "毕业时间", "date"),
    Column("work_start", "参加工作时间", "date"),
    Column("skill_level", "职业技能等级", choices="职业技能等级"),
    Column("skill_date", "技能等级取得时间", "date"),
    Column("appraisal_1", "近三年考核（最近一年）", choices="考核等次"),
    Column("appraisal_2", "近三年考核（前一年）", choices="考核等次"),
    Column("appraisal_3", "近三年考核（前两年）", choices="考核等次"),
    Column("ce_exempt", "免修继续教育", "bool", choices="是否"),
    Column("ce_exempt_reason", "免修理由"),
    Column("private_first_time", "民营企业首次申报", "bool", choices="是否"),
    Column("mandarin", "普通话等级", choices="普通话等级"),
    Column("econ_exam_year", "高级经济师考试年份", "year"),
    Column("econ_exam_pass", "考试成绩达国家合格标准", "bool", choices="是否"),
    Column("private_basis", "民营企业申报依据", choices="民营企业申报依据"),
    Column("stationed_since", "派驻地区起始时间", "date"),
)

#: continuing-education hours: one public and one professional column per year
CE_HEADER = re.compile(r"^(?P<year>\d{4})年(?P<kind>公需课|专业课)学时$")


def ce_columns(years: range) -> tuple[Column, ...]:
    cols = []
    for year in years:
        cols.append(Column(f"ce_public_{year}", f"{year}年公需课学时", "number"))
        cols.append(Column(f"ce_professional_{year}", f"{year}年专业课学时", "number"))
    return tuple(cols)


HOLIDAY_COLUMNS: tuple[Column, ...] = (
    Column("date", "日期", "date"),
    Column("kind", "类型"),
    Column("name", "名称"),
    Column("scope", "范围"),
    Column("source", "来源"),
)


def key_by_header(columns: tuple[Column, ...]) -> dict[str, str]:
    return {c.header: c.key for c in columns}
