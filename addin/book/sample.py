"""The committed workbooks: ``workbooks/template.xlsx`` and ``workbooks/sample-2024.xlsx``.

Run ``make workbooks`` (:mod:`addin.devtools.workbooks`) after changing the schema;
a test fails while the committed files are stale.

The sample's people are invented: names are drawn at random from common name parts,
ID numbers are built with Aksu area codes and a computed check character, employers
are plausible but generic. It covers every rule path (see ``SCENARIOS``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from pathlib import Path

from stdnum.cn import ric

from .. import data
from . import schema
from .new import build_new, settings_rows

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = ROOT / "workbooks"
TEMPLATE = WORKBOOKS / "template.xlsx"
SAMPLE = WORKBOOKS / "sample-2024.xlsx"
FIXED_NOW = dt.datetime(2024, 7, 17, 9, 0)    # the notice's date: generation is reproducible

AREAS = ("652901", "652902", "652922", "652924", "652925", "652926", "652927", "652928", "652929")
HAN_SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱高林何郭罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
HAN_GIVEN = "建国明华志红丽军伟芳敏静强磊洋艳勇杰娟涛超霞平刚英文博宇晨鹏飞雪梅海波云峰琳"
UYGHUR_GIVEN = ("艾力", "买买提", "阿不都", "热合曼", "努尔", "吐尔逊", "艾合买提", "阿迪力", "麦麦提", "依明",
                "库尔班", "吾斯曼", "玉苏甫", "阿布拉", "艾尼瓦尔", "亚森")
UYGHUR_FEMALE = ("阿依古丽", "古丽娜", "帕提古丽", "米热古丽", "迪丽努尔", "热依拉", "布韦", "阿瓦古丽")
KAZAKH_GIVEN = ("叶尔兰", "努尔兰", "别克", "哈那提", "阿斯哈尔", "叶尔波拉提")
KYRGYZ_GIVEN = ("托合提", "阿曼", "吐尔地", "玛依拉")

PUBLIC_UNITS = ("阿克苏地区公路管理局", "阿克苏地区道路运输服务中心", "库车市公路养护中心", "温宿县公路管理站",
                "沙雅县农村公路养护站", "新和县交通运输服务中心", "拜城县公路养护中心", "乌什县道路运输服务站",
                "阿瓦提县公路管理站", "柯坪县交通运输服务中心")
STATE_FIRMS = ("阿克苏地区交通建设投资有限公司", "阿克苏地区路桥养护有限公司")
PRIVATE_FIRMS = ("阿克苏恒远路桥工程有限公司", "库车顺通物流有限公司", "阿克苏天衡工程检测有限公司",
                 "温宿县安达汽车维修有限公司", "阿克苏明途交通工程咨询有限公司")
OUTSIDE_FIRM = "江苏鼎衡路桥工程有限公司阿克苏项目部"


class People:
    """Fictitious names and ID numbers, reproducible from a seed."""

    def __init__(self, seed: int = 2024):
        self.rng = random.Random(seed)
        self.used: set[str] = set()

    def person(self, ethnicity: str, sex: str, birth: dt.date) -> tuple[str, str]:
        rng = self.rng
        while True:
            if ethnicity == "维吾尔族":
                first = rng.choice(UYGHUR_FEMALE if sex == "女" else UYGHUR_GIVEN)
                name = f"{first}·{rng.choice(UYGHUR_GIVEN)}"
            elif ethnicity == "哈萨克族":
                name = f"{rng.choice(KAZAKH_GIVEN)}·{rng.choice(KAZAKH_GIVEN)}"
            elif ethnicity == "柯尔克孜族":
                name = f"{rng.choice(KYRGYZ_GIVEN)}·{rng.choice(UYGHUR_GIVEN)}"
            else:
                surname = "马" if ethnicity == "回族" and rng.random() < 0.6 else rng.choice(HAN_SURNAMES)
                name = surname + "".join(rng.choice(HAN_GIVEN) for _ in range(rng.choice((1, 2))))
            if name not in self.used:
                self.used.add(name)
                break
        seq = rng.randrange(0, 500) * 2 + (1 if sex == "男" else 0)
        body = f"{rng.choice(AREAS)}{birth:%Y%m%d}{seq:03d}"
        return name, body + ric.calc_check_digit(body + "0")


def _hours(rng: random.Random, years: range, short: dict[int, tuple[float, float]] | None = None) -> dict:
    out = {}
    for y in years:
        pub, pro = (short or {}).get(y, (rng.choice((30, 32, 36, 40)), rng.choice((60, 64, 72, 80))))
        out[schema.ce_key("public", y)], out[schema.ce_key("professional", y)] = pub, pro
    return out


#: (scenario, overrides) — each row of the sample exists to exercise a rule path
SCENARIOS: list[tuple[str, dict]] = [
    ("高级工程师，本科，取得工程师满5年，全部符合", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2018, 6, 30), education="大学本科")),
    ("高级工程师，硕士", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2017, 12, 1), education="硕士研究生", degree="硕士")),
    ("高级工程师，博士2年", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2021, 9, 1), education="博士研究生", degree="博士")),
    ("高级工程师，年限差一天", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2020, 1, 1), education="大学本科")),
    ("高级工程师，大专学历不符合", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2014, 1, 1), education="大学专科")),
    ("正高级工程师", dict(target_title="正高级工程师", current_title="高级工程师", current_title_date=dt.date(2018, 12, 1), education="大学本科", specialty="运输")),
    ("工程师，运输，本科4年", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2020, 7, 1), education="大学本科", specialty="运输")),
    ("工程师，硕士2年", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2022, 7, 1), education="硕士研究生")),
    ("工程师，博士直接申报", dict(target_title="工程师", current_title="", education="博士研究生")),
    ("助理工程师，大专取得技术员2年", dict(target_title="助理工程师", current_title="技术员", current_title_date=dt.date(2022, 3, 1), education="大学专科")),
    ("助理工程师，中专取得技术员不足4年", dict(target_title="助理工程师", current_title="技术员", current_title_date=dt.date(2022, 3, 1), education="中专")),
    ("助理工程师，本科1年", dict(target_title="助理工程师", current_title="", education="大学本科", work_start=dt.date(2023, 7, 1))),
    ("技术员，本科", dict(target_title="技术员", current_title="", education="大学本科", work_start=dt.date(2024, 7, 1))),
    ("技术员，中专1年", dict(target_title="技术员", current_title="", education="中专", work_start=dt.date(2022, 9, 1))),
    ("技工院校高级工班按大专", dict(target_title="助理工程师", current_title="技术员", current_title_date=dt.date(2021, 5, 1), education="高级工班")),
    ("技工院校预备技师班按本科", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 5, 1), education="预备技师(技师)班")),
    ("技工院校中级工班按中专", dict(target_title="技术员", current_title="", education="中级工班", work_start=dt.date(2020, 9, 1))),
    ("技能贯通：技师3年申报工程师", dict(target_title="工程师", current_title="", education="高中及以下", skill_level="技师", skill_date=dt.date(2020, 10, 1), specialty="运输")),
    ("技能贯通：高级工2年申报助理工程师", dict(target_title="助理工程师", current_title="", education="中专", skill_level="高级工", skill_date=dt.date(2022, 6, 1))),
    ("技能贯通：高级技师4年申报高级工程师", dict(target_title="高级工程师", current_title="", education="高中及以下", skill_level="高级技师", skill_date=dt.date(2019, 11, 1))),
    ("技能贯通：高级工年限不足", dict(target_title="助理工程师", current_title="", education="高中及以下", skill_level="高级工", skill_date=dt.date(2023, 6, 1))),
    ("高级经济师，考试成绩有效", dict(series="经济系列", specialty="交通经济", target_title="高级经济师", current_title="经济师", current_title_date=dt.date(2016, 5, 1), education="大学本科", econ_exam_year=2022, econ_exam_pass="是")),
    ("高级经济师，考试成绩过期", dict(series="经济系列", specialty="交通经济", target_title="高级经济师", current_title="经济师", current_title_date=dt.date(2015, 5, 1), education="硕士研究生", econ_exam_year=2018, econ_exam_pass="是")),
    ("高级经济师，未达国家线且非当年", dict(series="经济系列", specialty="交通经济", target_title="高级经济师", current_title="经济师", current_title_date=dt.date(2016, 5, 1), education="大学本科", econ_exam_year=2023, econ_exam_pass="否")),
    ("高级经济师，当年考试未达国家线", dict(series="经济系列", specialty="交通经济", target_title="高级经济师", current_title="经济师", current_title_date=dt.date(2017, 5, 1), education="大学本科", econ_exam_year=2024, econ_exam_pass="否")),
    ("继续教育两年不足", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 7, 1), education="大学本科", _ce_short={2022: (20, 50), 2023: (30, 40)})),
    ("继续教育免修（访惠聚驻村）", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 7, 1), education="大学本科", ce_exempt="是", ce_exempt_reason="仍在“访惠聚”驻村工作", _no_ce=True)),
    ("民营企业首次申报，继续教育不作硬性要求", dict(route="民营企业专项", employer_type="民营企业", private_basis="营业执照在地区注册", private_first_time="是", target_title="助理工程师", current_title="", education="大学本科", work_start=dt.date(2021, 7, 1), _no_ce=True)),
    ("民营企业专项：档案托管的自由职业者", dict(route="民营企业专项", employer_type="自由职业", private_basis="档案在地区人事代理机构托管", target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 9, 1), education="大学本科", employer="（自由职业）")),
    ("民营企业专项：疆外企业派驻满1年", dict(route="民营企业专项", employer_type="民营企业", private_basis="疆外民营企业派驻", stationed_since=dt.date(2022, 4, 1), target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2020, 3, 1), education="大学本科", employer=OUTSIDE_FIRM, current_title_place="疆外")),
    ("民营企业专项：疆外企业派驻不满1年", dict(route="民营企业专项", employer_type="民营企业", private_basis="疆外民营企业派驻", stationed_since=dt.date(2024, 3, 1), target_title="助理工程师", current_title="技术员", current_title_date=dt.date(2020, 3, 1), education="大学专科", employer=OUTSIDE_FIRM)),
    ("民营企业专项：缺申报依据", dict(route="民营企业专项", employer_type="民营企业", private_basis="", target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 9, 1), education="大学本科")),
    ("现职称疆外取得，三项材料缺两项", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2017, 3, 1), education="大学本科", current_title_place="疆外", documents="学历证明、职称证书、考核表、继续教育证书")),
    ("事业单位人员缺普通话证书", dict(employer_type="事业单位", mandarin="", target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 7, 1), education="大学本科")),
    ("事业单位人员普通话三级乙等", dict(employer_type="事业单位", mandarin="三级乙等", target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 7, 1), education="大学专科")),
    ("近三年考核有基本合格", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2018, 7, 1), education="大学本科", appraisal_2="基本合格")),
    ("考核结果未填", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2018, 7, 1), education="大学本科", appraisal_3="")),
    ("学历未填（待核）", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2018, 7, 1), education="")),
    ("日期写成文本", dict(target_title="工程师", current_title="助理工程师", current_title_date="2018年7月1日", education="大学本科")),
    ("日期无法识别", dict(target_title="工程师", current_title="助理工程师", current_title_date="去年七月", education="大学本科")),
    ("身份证号校验位错误", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", _bad_id="checksum")),
    ("身份证号被存成数字", dict(target_title="助理工程师", current_title="技术员", current_title_date=dt.date(2020, 1, 1), education="大学专科", _bad_id="float")),
    ("身份证号小写x与空格（可自动纠正）", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", _bad_id="slips")),
    ("同一人两种方式申报（定向评价）", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2018, 1, 1), education="大学本科", _twin="A")),
    ("同一人两种方式申报（民营企业专项）", dict(route="民营企业专项", employer_type="民营企业", private_basis="营业执照在地区注册", target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2018, 1, 1), education="大学本科", _twin="A")),
    ("退回后逾期补正", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", status="不予受理", _reviews="late")),
    ("第4次提交", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", status="不予受理", _reviews="fourth")),
    ("第3次提交仍被退回", dict(target_title="助理工程师", current_title="技术员", current_title_date=dt.date(2021, 1, 1), education="大学专科", status="不予受理", _reviews="third")),
    ("已退回待补正", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", status="已退回", _reviews="pending_fix")),
    ("审核中", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", status="审核中", _reviews="in_review")),
    ("截止后才首次提交（视为放弃），已缴费应退费", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", status="视为放弃", _reviews="too_late", _refund=True)),
    ("填报中，尚未提交", dict(target_title="助理工程师", current_title="技术员", current_title_date=dt.date(2021, 1, 1), education="大学专科", status="填报中", _reviews="none")),
    ("已接收材料，未缴费", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", _pay="none")),
    ("已接收材料，只缴了一部分", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2016, 1, 1), education="大学本科", _pay="partial")),
    ("已接收材料，多缴", dict(target_title="助理工程师", current_title="技术员", current_title_date=dt.date(2021, 1, 1), education="大学专科", _pay="over")),
    ("缴费早于已接收材料", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", _pay="early")),
    ("银行缴费", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2015, 1, 1), education="大学本科", specialty="运输", _pay="bank")),
    ("评审通过", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2018, 1, 1), education="大学本科", status="评审通过")),
    ("评审未通过", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2017, 1, 1), education="大学本科", status="评审未通过")),
    ("单位公示中（跨中秋调休）", dict(target_title="工程师", current_title="助理工程师", current_title_date=dt.date(2019, 1, 1), education="大学本科", unit_publicity_start=dt.date(2024, 9, 12))),
    ("单位公示跨国庆", dict(target_title="高级工程师", current_title="工程师", current_title_date=dt.date(2016, 1, 1), education="大学本科", unit_publicity_start=dt.date(2024, 9, 27))),
]


def sample_tables(settings) -> dict[str, list[dict]]:
    people = People()
    rng = people.rng
    years = settings.ce_years
    calendar = data.calendar()
    applicants, reviews, payments = [], [], []
    twins: dict[str, tuple[str, str, dt.date, str, str]] = {}
    weekend_start_shown = False
    ethnicities = ["汉族"] * 5 + ["维吾尔族"] * 4 + ["回族", "哈萨克族", "柯尔克孜族"]
    for n, (scenario, spec) in enumerate(SCENARIOS, start=1):
        spec = dict(spec)
        ethnicity = rng.choice(ethnicities)
        sex = rng.choice(("男", "男", "女"))
        birth = dt.date(rng.randint(1968, 1999), rng.randint(1, 12), rng.randint(1, 28))
        twin = spec.pop("_twin", None)
        if twin and twin in twins:
            name, id_number, birth, ethnicity, sex = twins[twin]
        else:
            name, id_number = people.person(ethnicity, sex, birth)
            if twin:
                twins[twin] = (name, id_number, birth, ethnicity, sex)
        bad = spec.pop("_bad_id", None)
        if bad == "checksum":
            id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
        elif bad == "float":
            id_number = float(id_number[:15] + "000")
        elif bad == "slips":
            id_number = id_number[:6] + " " + id_number[6:].lower()
        employer_type = spec.get("employer_type") or rng.choice(("事业单位", "国有企业", "事业单位", "机关"))
        units = {"事业单位": PUBLIC_UNITS, "机关": PUBLIC_UNITS, "国有企业": STATE_FIRMS}.get(employer_type, PRIVATE_FIRMS)
        graduation = dt.date(birth.year + rng.choice((21, 22, 23)), 7, 1)
        row = {
            "app_id": f"2024-{n:03d}", "name": name, "sex": sex, "ethnicity": ethnicity,
            "political": rng.choice(("中共党员", "群众", "共青团员", "中共党员", "无党派人士")),
            "id_number": id_number, "birth_date": birth, "employer": rng.choice(units), "employer_type": employer_type,
            "route": "定向评价", "series": "工程系列", "specialty": "公路", "current_title_place": "疆内",
            "degree": "学士", "school": rng.choice(("新疆大学", "塔里木大学", "长安大学", "新疆交通职业技术学院", "石河子大学")),
            "major": rng.choice(("道路桥梁与渡河工程", "交通运输", "土木工程", "交通工程", "汽车服务工程")),
            "graduation_date": graduation, "work_start": dt.date(graduation.year, 8, 1),
            "appraisal_1": "合格", "appraisal_2": rng.choice(("合格", "优秀")), "appraisal_3": "合格",
            "mandarin": rng.choice(("二级甲等", "二级乙等", "三级甲等")) if employer_type == "事业单位" else "",
            "documents": "学历证明、职称证书、考核表、继续教育证书、普通话证书、单位公示、公示结果、推荐报告、个人承诺书",
            "status": "已接收材料",
            "political_text": "坚决拥护中国共产党的领导，认真贯彻落实党中央决策部署，遵守职业道德，爱岗敬业。",
            "achievements_text": "近五年参与多项公路养护与建设项目，负责技术方案编制与质量管理，完成情况良好。",
        }
        if not spec.pop("_no_ce", False):
            row.update(_hours(rng, years, spec.pop("_ce_short", None)))
        else:
            spec.pop("_ce_short", None)
        review = spec.pop("_reviews", "accepted")
        refund = spec.pop("_refund", False)
        pay = spec.pop("_pay", "full" if row["status"] in ("已接收材料",) else None)
        row.update(spec)
        if not row.get("current_title"):
            row["current_title"] = "无"
        publicised = row["status"] in ("已接收材料", "评审通过", "评审未通过") and "unit_publicity_start" not in row
        offset = rng.randint(5, 23) if publicised else None
        if row["status"] in ("审核中", "已退回") and "unit_publicity_start" not in row:
            publicised, offset = True, n          # submitted, so publicised before (not drawn: the names stay)
        row["remarks"] = f"示例：{scenario}"
        if row.get("employer") == "（自由职业）":
            row["employer"] = "自由职业"
        applicants.append(row)
        app_id = row["app_id"]
        mine = _review_rows(app_id, review, rng)
        reviews += mine
        if publicised and mine:
            # the unit publicises before it submits (四(二)): its 5 working days end before the first submission
            first = min(r["submitted_at"] for r in mine).date()
            start = first - dt.timedelta(days=8 + offset % 4)
            if start.weekday() >= 5 and (weekend_start_shown or n == 1):   # one weekend start is enough (not the first row,
                # which tests copy as the model of a clean application)
                start -= dt.timedelta(days=start.weekday() - 4)
            while calendar.publicity_end(start, settings.unit_publicity_workdays) >= first:
                start -= dt.timedelta(days=1)
            weekend_start_shown = weekend_start_shown or start.weekday() >= 5
            row["unit_publicity_start"] = start
        if row["status"] in ("已接收材料", "评审通过", "评审未通过") and review == "accepted":
            payments += _payment_rows(app_id, pay or "full", row["target_title"], settings, rng)
        if refund:        # paid before the application was found to have ended: refunded (四(六)); no draw
            payments.append({"app_id": app_id, "amount": settings.fees[data.default_catalog().level_of(
                row["target_title"]).value], "paid_on": dt.date(2024, 9, 3), "method": "扫码",
                "receipt": f"NO{n:06d}", "clerk": "财务"})
    _phones(applicants)
    experts = sample_pool(people)
    return {"applicants": applicants, "reviews": reviews, "payments": payments, "experts": experts,
            "employers": sample_employers()}


#: applicants' phones that are not a plain mobile number, by scenario: the others get one
PHONE_CASES = {"考核结果未填": "1380997123", "学历未填（待核）": None}


def _phones(applicants: list[dict]) -> None:
    """Fictitious phones (联系电话): a mobile for most, a mobile and the office line for every
    tenth, only an office line for every tenth other (they are telephoned, not texted), a
    blank and a mistyped number (PHONE_CASES). Derived from the row number, so the other
    values of the sample do not move."""
    for n, row in enumerate(applicants, start=1):
        scenario = str(row.get("remarks") or "").removeprefix("示例：")
        mobile, office = f"1380997{n:04d}", f"0997-25{n:05d}"
        if scenario in PHONE_CASES:
            row["phone"] = PHONE_CASES[scenario]
        elif n % 10 == 7:
            row["phone"] = office
        elif n % 10 == 3:
            row["phone"] = f"{mobile}、{office}"
        else:
            row["phone"] = mobile


#: the county (县市) of each unit of the sample: prefecture-level units are 地区直属
COUNTIES = {"阿克苏地区": "地区直属", "库车": "库车市", "温宿": "温宿县", "沙雅": "沙雅县", "新和": "新和县",
            "拜城": "拜城县", "乌什": "乌什县", "阿瓦提": "阿瓦提县", "柯坪": "柯坪县", "阿克苏": "阿克苏市"}


def county_of(unit: str) -> str:
    return next((county for prefix, county in COUNTIES.items() if unit.startswith(prefix)), "")


def sample_employers() -> list[dict]:
    """Objection contacts of most units (fictitious numbers) and their county; the other
    units fall back to the bureau's contact office, as a register that lacks some would."""
    units = PUBLIC_UNITS + STATE_FIRMS[:1] + PRIVATE_FIRMS[:2]
    return [{"name": unit, "department": "办公室" if "有限公司" not in unit else "综合部",
             "phone": f"0997-21230{n:02d}", "county": county_of(unit)} for n, unit in enumerate(units, start=11)]


#: the expert pool: (employer, specialty, available); applicants' employers among them
#: must recuse (同单位), one cannot come, two have a relation the clerk listed
POOL = [
    (PUBLIC_UNITS[0], "公路", "是"), (STATE_FIRMS[0], "公路", "是"), ("新疆交通规划勘察设计研究院", "公路", "是"),
    (PRIVATE_FIRMS[0], "公路", "是"), ("喀什地区公路管理局", "公路", "是"), ("和田地区公路管理局", "公路", "否"),
    ("巴音郭楞蒙古自治州公路管理局", "公路", "是"), ("新疆交通建设集团股份有限公司", "公路", "是"), ("新疆大学", "公路", "是"),
    ("克孜勒苏柯尔克孜自治州交通运输局", "公路", "是"), ("伊犁哈萨克自治州公路管理局", "公路", "是"), (STATE_FIRMS[1], "公路", "是"),
    (PUBLIC_UNITS[1], "运输", "是"), ("新疆交通职业技术学院", "运输", "是"), ("喀什地区道路运输服务中心", "运输", "是"),
    ("和田地区道路运输服务中心", "运输", "是"), ("新疆交通科学研究院", "运输", "是"), ("哈密市道路运输服务中心", "运输", "是"),
    ("塔里木大学", "交通经济", "是"), ("新疆财经大学", "交通经济", "是"), ("喀什大学", "交通经济", "是"),
    ("新疆交通投资（集团）有限责任公司", "交通经济", "是"), ("昌吉回族自治州交通运输局", "交通经济", "是"),
]


def sample_pool(people: People) -> list[dict]:
    rng = people.rng
    out = []
    for i, (employer, specialty, available) in enumerate(POOL, start=1):
        name = people.person("汉族", rng.choice(("男", "女")), dt.date(1970, 1, 1))[0]
        out.append({"code": f"P{i:02d}", "name": name, "employer": employer, "specialty": specialty,
                    "title": "正高级工程师" if i % 3 == 0 else ("高级经济师" if specialty == "交通经济" else "高级工程师"),
                    "phone": f"1390997{i:04d}", "available": available})
    return out


def _review_rows(app_id: str, kind: str, rng: random.Random) -> list[dict]:
    t = dt.datetime
    first = t(2024, 8, rng.randint(1, 15), rng.randint(10, 19), rng.choice((0, 15, 30, 45)))
    plans = {
        "accepted": [("退回", 1), ("通过", 0)] if rng.random() < 0.4 else [("通过", 0)],
        "late": [("退回", 4)],          # resubmitted 4 days after the return
        "fourth": [("退回", 1), ("退回", 1), ("退回", 1), ("", 0)],
        "third": [("退回", 1), ("退回", 1), ("退回", 0)],
        "pending_fix": [("退回", None)],
        "in_review": [("", 0)],
        "too_late": None,
        "none": [],
    }
    if kind == "too_late":
        return [{"app_id": app_id, "number": 1, "submitted_at": t(2024, 8, 30, 18, 40), "result": "", "decided_at": None}]
    rows, at = [], first
    steps = plans[kind]
    for i, (result, gap) in enumerate(steps, start=1):
        decided = at + dt.timedelta(days=1, hours=2) if result else None
        if kind == "pending_fix":
            decided = t(2024, 8, 29, 11, 0)
        rows.append({"app_id": app_id, "number": i, "submitted_at": at, "result": result, "decided_at": decided,
                     "comments": "请补充学历电子注册备案表" if result == "退回" else ("材料齐全，同意接收" if result else "")})
        if decided and gap is not None:
            at = decided + dt.timedelta(days=gap, hours=3)
        if kind == "late" and i == 1:
            rows.append({"app_id": app_id, "number": 2, "submitted_at": at, "result": "", "decided_at": None,
                         "comments": ""})
    return rows


def _payment_rows(app_id: str, kind: str, title: str, settings, rng: random.Random) -> list[dict]:
    catalog = data.default_catalog()
    due = settings.fees[catalog.level_of(title).value]
    day = dt.date(2024, 9, rng.randint(2, 9))
    base = {"app_id": app_id, "paid_on": day, "method": "扫码", "receipt": f"NO{rng.randint(100000, 999999)}", "clerk": "财务"}
    if kind == "none":
        return []
    if kind == "partial":
        return [{**base, "amount": due - 150}]
    if kind == "over":
        return [{**base, "amount": due}, {**base, "amount": due, "receipt": f"NO{rng.randint(100000, 999999)}"}]
    if kind == "early":
        return [{**base, "amount": due, "paid_on": dt.date(2024, 8, 1)}]
    if kind == "bank":
        return [{**base, "amount": due, "method": "银行"}]
    return [{**base, "amount": due}]


def sample_settings():
    """The packaged settings with the material window exactly as the notice prints it."""
    settings = dataclasses.replace(data.default_settings(), material_start=dt.date(2023, 9, 1),
                                   material_end=dt.date(2023, 9, 10), defence_at=DEFENCE_AT,
                                   defence_place=DEFENCE_PLACE, result_publicity_start=PUBLICITY_START)
    rows = settings_rows(settings)
    for r in rows:
        if r["key"] in ("material_start", "material_end"):
            r["note"] = "按通知原文录入（“2023年9月1日—9月10日”，疑为2024年的笔误，请核对）"
    return settings, rows


def build_template():
    return build_new(2024, now=FIXED_NOW, user="职称评审台账")


MEETING_DATE = dt.date(2024, 10, 18)
#: the announced defence (四(五)) and the start of the result publicity (一(五)) of the sample
DEFENCE_AT = dt.datetime(2024, 10, 18, 10, 0)
DEFENCE_PLACE = "地区综合办公区4号楼5楼会议室"
PUBLICITY_START = dt.date(2024, 10, 21)
#: scenarios whose status is typed by hand with no ballot at the meeting: a finding, never a publication
NO_BALLOT = ("评审通过", "评审未通过")
#: seed of the sample's blind codes: real registers draw them from the system's secure source
CODE_SEED = 20241018
#: (yes, no, abstain) for the first coded applications, in application order, with 6 experts
#: seated (7 drawn, 2 absent, 1 reserve sat in): passes, fails, the 2/3 boundary (4 of 6
#: passes, 3 fails) and counts exceeding the attendance (7 votes)
VOTES = [(6, 0, 0), (5, 1, 0), (4, 2, 0), (3, 3, 0), (5, 0, 1), (6, 0, 0), (4, 1, 1), (2, 4, 0),
         (5, 1, 0), (6, 1, 0), (6, 0, 0), (5, 0, 0)]
#: the rest of the roster, in turn (every code on the roster has its ballot)
MORE_VOTES = [(6, 0, 0), (5, 1, 0), (5, 0, 1), (4, 1, 1), (6, 0, 0), (3, 2, 1)]


#: seed of the sample's own draw (the product draws from the system's secure source)
SAMPLE_DRAW_SEED = 2024


def build_sample():
    """The sample, with the blind codes, the draw of the panel, the attendance, the
    meeting's votes and the defence scores a refresh, a draw and a meeting would have
    produced: codes, draw and tally come from the same rules as the product."""
    from ..rules.defence import defence_items
    from ..rules.panel import PANEL
    from .draw import DRAW_ACTION, log_detail, plan_draw
    from ..rules.meeting import MEETING_DUE
    from .evaluate import evaluate
    from .reader import book_from_values, workbook_values

    settings, rows = sample_settings()
    extra = sample_tables(settings)
    extra["settings"] = rows
    first = build_new(2024, now=FIXED_NOW, user="职称评审台账", extra=extra)
    ev = evaluate(book_from_values(workbook_values(first)), now=dt.datetime(2024, 9, 20), rng=random.Random(CODE_SEED))
    coded = []
    for i, applicant in enumerate(extra["applicants"]):
        code = ev.computed[i + 2].get("blind_code")
        if code:
            applicant["blind_code"] = code
            coded.append(applicant)
    # relations the clerk listed: a relative (by application id), another interest (by name)
    due = [a for i, a in enumerate(extra["applicants"]) if ev.computed[i + 2].get("meeting_due") == MEETING_DUE]
    pool = extra["experts"]
    pool[4].update(relation="亲属", related=due[0]["app_id"])
    pool[15].update(relation="其他", related=due[-1]["name"])
    # the draw, as ``zhicheng draw`` makes it on 2024-10-15 (seeded here: the sample is reproducible)
    second = build_new(2024, now=FIXED_NOW, user="职称评审台账", extra=extra)
    draw_at = dt.datetime(2024, 10, 15, 10, 0)
    report = plan_draw(book_from_values(workbook_values(second)), now=draw_at, user="组织人事科",
                       rng=random.Random(SAMPLE_DRAW_SEED))
    roles = report.draw.roles()
    for expert in pool:
        expert["draw_result"], expert["draw_note"] = roles[expert["code"]]
    # meeting day: one 公路 and one 运输 member absent; the first 公路 reserve sits in
    panel = [e for e in pool if e["draw_result"] == PANEL]
    absent = {next(e["code"] for e in panel if e["specialty"] == "公路"), next(e["code"] for e in panel if e["specialty"] == "运输")}
    for e in panel:
        e["attending"] = "否" if e["code"] in absent else "是"
    reserve = next(e for e in pool if e["draw_result"] == "公路候补1")
    reserve["attending"] = "是"
    seated = [e["code"] for e in panel if e["code"] not in absent] + [reserve["code"]]
    extra["log"] = [{"at": draw_at, "user": "组织人事科", "action": DRAW_ACTION, "rows": len(pool),
                          "detail": log_detail(report)}]
    meeting = []
    on_roster = {a["app_id"] for a in due}
    balloted = [a for a in coded if a["remarks"] not in [f"示例：{n}" for n in NO_BALLOT] and a["app_id"] in on_roster]
    votes = VOTES + [MORE_VOTES[i % len(MORE_VOTES)] for i in range(max(0, len(balloted) - len(VOTES)))]
    for applicant, (yes, no, abstain) in zip(balloted, votes):
        meeting.append({"meeting_date": MEETING_DATE, "blind_code": applicant["blind_code"],
                        "yes": yes, "no": no, "abstain": abstain})
        passed = yes * 3 >= len(seated) * 2 and yes + no + abstain <= len(seated)
        if applicant is not balloted[0]:     # the first is left for the clerk to update
            applicant["status"] = "评审通过" if passed else "评审未通过"
    extra["meeting"] = meeting
    extra["defence"] = _defence_rows(coded, ev, extra["applicants"], seated, sorted(absent)[0],
                                     defence_items(settings).value, random.Random(SAMPLE_DRAW_SEED))
    return build_new(2024, now=FIXED_NOW, user="职称评审台账", extra=extra)


def _defence_rows(coded, ev, applicants, seated, absent_code, items, rng) -> list[dict]:
    """Score sheets of the seated members for every senior applicant on the roster: one
    applicant scores below the pass mark, one sheet comes from an absent member (not
    counted) and one gives an item more than its points (not counted)."""
    from ..rules.meeting import MEETING_DUE

    index = {a["app_id"]: i for i, a in enumerate(applicants)}
    seniors = [a for a in coded if ev.computed[index[a["app_id"]] + 2].get("defense") == "需答辩"
               and ev.computed[index[a["app_id"]] + 2].get("meeting_due") == MEETING_DUE]
    rows = []
    for n, applicant in enumerate(seniors):
        low = n == 1
        for expert in seated:
            level = rng.uniform(0.45, 0.62) if low else rng.uniform(0.68, 0.95)
            row = {"blind_code": applicant["blind_code"], "expert_code": expert}
            row.update({f"item:{i.name}": round(i.points * level) for i in items})
            rows.append(row)
        if n == 0:
            rows.append({"blind_code": applicant["blind_code"], "expert_code": absent_code,
                         **{f"item:{i.name}": i.points - 2 for i in items}})
        if n == 2:
            rows[-1][f"item:{items[0].name}"] = items[0].points + 5
    return rows
