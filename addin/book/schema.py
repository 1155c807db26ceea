"""The master workbook's layout: one source of truth for every sheet and column.

Every other part (the template writer, the reader, the refresh, the import, the
command line's ``schema --json``) takes headers, keys, types, drop-down lists, widths
and number formats from here. Headers are what staff see (Chinese); keys are what the
code uses (English).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: dates as the notice writes them (2024年9月10日): 参数's dates, 统计, every printed list
CHINESE_DATE = 'yyyy"年"m"月"d"日"'
#: column kinds and their Excel number formats
FORMATS = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "text": "@", "id": "@",
           "int": "0", "number": "0.##", "money": "#,##0.00", "year": "0", "bool": "@", "general": "General"}
#: formats of date and date-time values in a "general" column (the 参数 sheet's 值), as the notice writes them
GENERAL_DATE_FORMATS = {"date": CHINESE_DATE, "datetime": "yyyy-mm-dd hh:mm"}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    kind: str = "text"            # text | id | date | datetime | int | number | money | year | bool
    computed: bool = False
    choices: str | None = None    # name of the drop-down list in 字典
    width: float = 12
    note: str = ""                # input message shown in Excel

    @property
    def number_format(self) -> str:
        return FORMATS.get(self.kind, "General")


@dataclass(frozen=True)
class Sheet:
    name: str                     # sheet name (Chinese)
    key: str
    table: str | None = None      # Excel table name (ASCII) for data sheets
    columns: tuple[Column, ...] = ()
    note: str = ""
    landscape: bool = True

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def inputs(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.computed)

    @property
    def computed(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.computed)


C = Column
COMPUTED_NOTE = "由系统计算，请勿手填"

APPLICANT_SHEET = "申报人员"
HOLIDAY_SHEET = "节假日"
SETTINGS_SHEET = "参数"
REVIEW_SHEET = "审核记录"
PAYMENT_SHEET = "缴费"
EMPLOYER_SHEET = "用人单位"
EXPERT_SHEET = "评委"
MEETING_SHEET = "评审会"
DEFENCE_SHEET = "答辩评分"
RULES_SHEET = "评审条件"
LISTS_SHEET = "字典"
DASHBOARD_SHEET = "统计"
#: a workbook with neither of these sheets is not a register (check and refresh say so in one sentence)
KEY_SHEETS = (SETTINGS_SHEET, APPLICANT_SHEET)


def not_a_register(sheet_names, file_name: str) -> str | None:
    """The one sentence for a workbook that is not a register, or None when it is one."""
    if any(name in sheet_names for name in KEY_SHEETS):
        return None
    return (f"“{file_name}”不是职称评审台账（其中没有" + "和".join(f"“{n}”" for n in KEY_SHEETS) +
            "工作表）：请选择台账文件，或用 zhicheng new 新建台账。")
LOG_SHEET = "日志"
README_SHEET = "说明"
FINGERPRINT_SHEET = "_计算记录"     # hidden: what the last refresh wrote, to notice hand edits
#: the sheets every refresh replaces whole (anything a clerk adds on them would be lost)
REBUILT_SHEETS = (DASHBOARD_SHEET, FINGERPRINT_SHEET)
#: the sheets only the tool writes (the rebuilt ones and the log it appends to)
OWN_SHEETS = (DASHBOARD_SHEET, LOG_SHEET, FINGERPRINT_SHEET)

APPLICANT_INPUTS: tuple[Column, ...] = (
    C("app_id", "申报编号", width=10, note="每行唯一，如 2024-001"),
    C("name", "姓名", width=12),
    C("sex", "性别", choices="性别", width=6),
    C("ethnicity", "民族", width=8),
    C("political", "政治面貌", choices="政治面貌", width=12),
    C("id_number", "身份证号", "id", width=20, note="按文本录入18位号码"),
    C("birth_date", "出生日期", "date", width=11),
    C("employer", "工作单位", width=24),
    C("employer_type", "单位性质", choices="单位性质", width=10),
    C("route", "申报方式", choices="申报方式", width=12),
    C("series", "系列", choices="系列", width=10),
    C("specialty", "专业", choices="专业", width=9),
    C("target_title", "拟申报职称", choices="职称", width=13),
    C("current_title", "现职称", choices="现职称", width=13, note="尚无职称的填“无”"),
    C("current_title_date", "现职称取得时间", "date", width=12),
    C("current_title_place", "现职称取得地", choices="职称取得地", width=8),
    C("education", "学历", choices="学历", width=12),
    C("degree", "学位", width=8),
    C("school", "毕业院校", width=18),
    C("major", "所学专业", width=14),
    C("graduation_date", "毕业时间", "date", width=11),
    C("work_start", "参加工作时间", "date", width=11),
    C("skill_level", "职业技能等级", choices="职业技能等级", width=10),
    C("skill_date", "技能等级取得时间", "date", width=12),
    C("appraisal_1", "近三年考核（最近一年）", choices="考核等次", width=10),
    C("appraisal_2", "近三年考核（前一年）", choices="考核等次", width=10),
    C("appraisal_3", "近三年考核（前两年）", choices="考核等次", width=10),
)
# the continuing-education hour columns come here (see ce_columns), then:
APPLICANT_INPUTS_2: tuple[Column, ...] = (
    C("ce_exempt", "免修继续教育", "bool", choices="是否", width=8),
    C("ce_exempt_reason", "免修理由", width=16, note="如：仍在“访惠聚”驻村工作"),
    C("private_first_time", "民营企业首次申报", "bool", choices="是否", width=8),
    C("mandarin", "普通话等级", choices="普通话等级", width=10),
    C("econ_exam_year", "高级经济师考试年份", "year", width=10),
    C("econ_exam_pass", "考试成绩达国家合格标准", "bool", choices="是否", width=10),
    C("private_basis", "民营企业申报依据", choices="民营企业申报依据", width=18),
    C("stationed_since", "派驻地区起始时间", "date", width=12),
    C("documents", "已交材料", width=28, note="用顿号分隔，如：学历证明、职称证书、考核表"),
    C("status", "状态", choices="状态", width=10),
    C("unit_publicity_start", "单位公示开始", "date", width=11),
    C("political_text", "思想政治表现", width=30, note="用于附件1推荐单位公示"),
    C("achievements_text", "业绩成果", width=30, note="用于附件1推荐单位公示"),
    C("phone", "联系电话", width=14, note="手机号（11位，用于通知短信）或固定电话（如 0997-2123456），多个用顿号分隔"),
    C("remarks", "备注", width=16),
)
APPLICANT_COMPUTED: tuple[Column, ...] = (
    C("id_check", "身份证校验", computed=True, width=16),
    C("years_in_title", "任现职年限", "int", computed=True, width=8),
    C("years_of_work", "工作年限", "int", computed=True, width=8),
    C("eligibility", "资格审查", computed=True, width=30),
    C("ce_status", "继续教育", computed=True, width=22),
    C("mandarin_check", "普通话", computed=True, width=10),
    C("submissions", "提交次数", "int", computed=True, width=8),
    C("review_state", "审核情况", computed=True, width=18),
    C("resubmit_deadline", "补正截止", "date", computed=True, width=11),
    C("fee_due", "应缴费用", "money", computed=True, width=9),
    C("fee_paid", "已缴费用", "money", computed=True, width=9),
    C("fee_balance", "欠费", "money", computed=True, width=9),
    C("defense", "答辩", computed=True, width=8),
    C("unit_publicity_end", "单位公示截止", "date", computed=True, width=11),
    C("missing_documents", "缺少材料", computed=True, width=24),
    C("problems", "问题", computed=True, width=36),
    C("meeting_due", "上会情况", computed=True, width=20),
    C("blind_code", "盲评编号", computed=True, width=9),
    C("meeting_result", "评审结果", computed=True, width=10),
)

#: continuing-education hours: one public and one professional column per year
CE_HEADER = re.compile(r"^(?P<year>\d{4})年(?P<kind>公需课|专业课)学时$")
#: their keys: ce_public_2024, ce_professional_2024
CE_KEY = re.compile(r"ce_(?P<kind>public|professional)_(?P<year>\d{4})")


def ce_key(kind: str, year: int | str) -> str:
    """The key of an hours column: ``kind`` is public or professional."""
    return f"ce_{kind}_{year}"


def ce_columns(years: range) -> tuple[Column, ...]:
    cols = []
    for year in years:
        cols.append(C(ce_key("public", year), f"{year}年公需课学时", "number", width=8))
        cols.append(C(ce_key("professional", year), f"{year}年专业课学时", "number", width=8))
    return tuple(cols)


def applicant_sheet(ce_years: range) -> Sheet:
    return Sheet(APPLICANT_SHEET, "applicants", "tblApplicants",
                 APPLICANT_INPUTS + ce_columns(ce_years) + APPLICANT_INPUTS_2 + APPLICANT_COMPUTED,
                 "每行一份申报；灰底列由系统计算")


SETTINGS_COLUMNS = (
    C("label", "参数", width=34), C("value", "值", "general", width=26), C("clause", "依据条款", width=12),
    C("note", "说明", width=50), C("key", "键", width=30, note="程序使用，请勿修改"),
)
REVIEW_COLUMNS = (
    C("app_id", "申报编号", width=10), C("number", "第几次提交", "int", width=8),
    C("submitted_at", "提交时间", "datetime", width=16), C("result", "审核结果", choices="审核结果", width=8),
    C("decided_at", "处理时间", "datetime", width=16, note="退回或接收的时间"),
    C("comments", "审核意见", width=40),
)
PAYMENT_COLUMNS = (
    C("app_id", "申报编号", width=10), C("amount", "金额", "money", width=10), C("paid_on", "缴费日期", "date", width=11),
    C("method", "缴费方式", choices="缴费方式", width=8), C("receipt", "票据号", width=14), C("clerk", "经办人", width=8),
)
#: 用人单位 (四(二)): who hears objections to each unit's internal publicity (attachment 1)
EMPLOYER_COLUMNS = (
    C("name", "单位名称", width=30, note="与申报人员表“工作单位”一致（自由职业、民营企业专项填推荐单位）"),
    C("department", "联系部门", width=20, note="受理本单位公示异议的科室，如：办公室"),
    C("phone", "联系电话", width=16, note="如 0997-2123456；未登记的单位使用参数中的联系科室和电话"),
    C("county", "县市", choices="县市", width=10, note="单位所在县市（地区直属单位选“地区直属”）：统计表按县市汇总"),
)
EXPERT_COLUMNS = (
    C("code", "评委编号", width=8, note="每位专家唯一，如 P01"), C("name", "姓名", width=10),
    C("employer", "工作单位", width=24), C("specialty", "专业", choices="专业", width=10), C("title", "职称", width=12),
    C("phone", "联系电话", width=13), C("available", "可参加", "bool", choices="是否", width=7,
                                      note="本次评审会能否参加；只有“是”的专家参加抽取"),
    C("relation", "回避关系", choices="回避关系", width=8, note="与某位申报人有亲属、同单位或其他利害关系时选择"),
    C("related", "回避对象", width=16, note="申报编号或姓名，多个用顿号分隔"),
    C("attending", "是否出席", "bool", choices="是否", width=8, note="评审会当天填写：抽中的评委和递补的候补评委是否出席"),
    C("draw_result", "抽取结果", computed=True, width=10),
    C("draw_note", "抽取说明", computed=True, width=30),
)
MEETING_COLUMNS = (
    C("meeting_date", "会议日期", "date", width=11), C("blind_code", "盲评编号", width=9),
    C("members", "评委总数", "int", width=8, note="已抽取评委时可不填，按“评委”表的抽取结果和出席情况计算"),
    C("attending", "出席人数", "int", width=8, note="已抽取评委时可不填，按“评委”表的抽取结果和出席情况计算"),
    C("yes", "赞成", "int", width=6), C("no", "反对", "int", width=6), C("abstain", "弃权", "int", width=6),
    C("result", "评审结果", computed=True, width=16),
    C("defence_score", "答辩成绩", "number", computed=True, width=9),
    C("defence_result", "答辩结论", computed=True, width=14),
)
#: 答辩评分 (四(五)): one row per score sheet; the item columns come from the settings
DEFENCE_COLUMNS = (
    C("blind_code", "盲评编号", width=9), C("expert_code", "评委编号", width=8),
)
DEFENCE_COMPUTED = (
    C("total", "合计", "number", computed=True, width=8),
    C("counted", "计入情况", computed=True, width=30),
)


def defence_sheet(items: tuple[str, ...] = ()) -> Sheet:
    """答辩评分 with one score column per item of the settings (``defence_items``)."""
    return Sheet(DEFENCE_SHEET, "defence", "tblDefence",
                 DEFENCE_COLUMNS + tuple(C(f"item:{name}", name, "number", width=10) for name in items)
                 + DEFENCE_COMPUTED, "高级职称答辩评分：每位评委对每位答辩人一行")


HOLIDAY_COLUMNS = (
    C("date", "日期", "date", width=11), C("kind", "类型", choices="节假日类型", width=6),
    C("name", "名称", width=14), C("scope", "范围", choices="节假日范围", width=6), C("source", "来源", width=50),
)
RULES_COLUMNS = (
    C("target_title", "拟申报职称", choices="职称", width=13),
    C("education", "学历", width=34, note="多个学历用顿号分隔；“及以上”表示该学历或更高"),
    C("required_title", "现职称要求", choices="职称", width=13),
    C("years", "年限", "int", width=6), C("source", "依据", width=36),
)
LOG_COLUMNS = (
    C("at", "时间", "datetime", width=17), C("user", "操作人", width=12), C("action", "操作", width=12),
    C("rows", "涉及行数", "int", width=8), C("detail", "说明", width=60),
)


def sheets(ce_years: range, defence_items: tuple[str, ...] = ()) -> tuple[Sheet, ...]:
    """Every sheet of the master workbook, in order (``defence_items``: the names of the
    defence score items, the 答辩评分 sheet's own columns)."""
    return (
        Sheet(README_SHEET, "readme", landscape=False),
        Sheet(SETTINGS_SHEET, "settings", "tblSettings", SETTINGS_COLUMNS, "本年度评审的时间、费用、标准与联系方式"),
        applicant_sheet(ce_years),
        Sheet(EMPLOYER_SHEET, "employers", "tblEmployers", EMPLOYER_COLUMNS, "各推荐单位受理公示异议的联系部门和电话"),
        Sheet(REVIEW_SHEET, "reviews", "tblReviews", REVIEW_COLUMNS, "每次提交评审委员会审核及其结果"),
        Sheet(PAYMENT_SHEET, "payments", "tblPayments", PAYMENT_COLUMNS, "评审费缴费记录"),
        Sheet(EXPERT_SHEET, "experts", "tblExperts", EXPERT_COLUMNS, "评审专家库：抽取评委、回避、出席"),
        Sheet(MEETING_SHEET, "meeting", "tblMeeting", MEETING_COLUMNS, "评审会投票"),
        defence_sheet(defence_items),
        Sheet(HOLIDAY_SHEET, "holidays", "tblHolidays", HOLIDAY_COLUMNS, "补录的放假与调休上班日期"),
        Sheet(RULES_SHEET, "rules", "tblRules", RULES_COLUMNS, "申报条件（学历、现职称、年限）"),
        Sheet(LISTS_SHEET, "lists", landscape=False),
        Sheet(DASHBOARD_SHEET, "dashboard"),
        Sheet(LOG_SHEET, "log", "tblLog", LOG_COLUMNS, "操作日志"),
    )


def as_json(ce_years: range) -> dict:
    """The schema as printed by ``zhicheng schema --json``."""
    out = []
    for sheet in sheets(ce_years):
        out.append({"sheet": sheet.name, "key": sheet.key, "table": sheet.table,
                    "columns": [{"header": c.header, "key": c.key, "type": c.kind, "computed": c.computed,
                                 "list": c.choices, "width": c.width, "number_format": c.number_format}
                                for c in sheet.columns]})
    return {"sheets": out}


def key_by_header(columns: tuple[Column, ...]) -> dict[str, str]:
    return {c.header: c.key for c in columns}
