"""The notice's attachments 1-4 as Word templates: which there are (:data:`ATTACHMENTS`),
the placeholders a template may use (:data:`PLACEHOLDERS`) and the packaged copies used
when a register has no templates folder beside it (:func:`packaged_template`).

Placeholders are docxtpl (Jinja2) tags named in Chinese, e.g. ``{{ 姓名 }}``, so that a
clerk editing a template sees what each one means. The templates themselves are built
from code by ``make templates`` (:mod:`addin.devtools.build_templates`) in the layout of
the GB/T 9704 kit (:mod:`.officialdoc`); a test fails while a committed copy is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path


@dataclass(frozen=True)
class Attachment:
    kind: int
    title: str

    @property
    def label(self) -> str:
        return f"附件{self.kind}"

    @property
    def filename(self) -> str:
        """Name in a templates folder (what staff see)."""
        return f"附件{self.kind}-{self.title}.docx"

    @property
    def packaged_name(self) -> str:
        """Name of the packaged copy (ASCII, safe in any wheel or zip)."""
        return f"attachment-{self.kind}.docx"


ATTACHMENTS: dict[int, Attachment] = {a.kind: a for a in (
    Attachment(1, "推荐单位公示"),
    Attachment(2, "单位推荐意见"),
    Attachment(3, "个人承诺书"),
    Attachment(4, "免除继续教育学习申请表"),
)}

#: every placeholder a template may use, with what it holds (written to 说明.txt)
PLACEHOLDERS: dict[str, str] = {
    "申报编号": "申报人员表的申报编号",
    "姓名": "申报人姓名",
    "性别": "性别（未填时按身份证号）",
    "民族": "民族（族别）",
    "政治面貌": "政治面貌",
    "身份证号": "完整的身份证号（承诺书、推荐意见、申请表用）",
    "公示身份证号": "公示用身份证号：参数“公示名单隐藏身份证号出生日期”为“是”时隐藏出生日期",
    "出生年月": "出生年月，如 1987年4月（未填时按身份证号）",
    "工作单位": "工作单位",
    "申报方式": "定向评价 / 民营企业专项",
    "系列": "系列，如 工程系列",
    "专业": "专业，如 公路",
    "拟申报职称": "拟申报职称，如 高级工程师",
    "申报级别": "按拟申报职称确定的级别：高级 / 中级 / 初级",
    "现职称": "现任专业技术职务任职资格",
    "现职称说明": "附件1的表述：现任专业技术职务任职资格为××；尚无职称时为“暂无专业技术职务任职资格”",
    "推荐单位": "出具推荐意见的单位：一般为工作单位；自由职业人员为参数“自由职业人员推荐单位”，"
              "民营企业专项为参数“民营企业专项推荐单位”（通知二(二)、三(二)）",
    "学历": "学历",
    "学位": "学位",
    "毕业情况": "如 2009年7月毕业于石河子大学交通运输专业",
    "参加工作时间": "如 2009年8月",
    "免修理由": "免修继续教育的理由",
    "审核单位": "按免修理由和申请表注释确定的审核单位",
    "思想政治表现": "申报人员表“思想政治表现”列",
    "业绩成果": "申报人员表“业绩成果”列",
    "公示开始": "单位公示开始日期，如 2024年9月12日",
    "公示截止": "按阿克苏工作日计算的单位公示截止日期",
    "公示工作日数": "参数“单位内部公示工作日数”",
    "公示单位": "在本单位内部公示并报送材料的单位：工作单位；自由职业人员为参数“自由职业人员推荐单位”（通知四(二)）",
    "联系科室": "受理公示异议的部门：“用人单位”表中推荐单位的联系部门，未登记时为参数“联系科室”",
    "联系电话": "受理公示异议的电话：“用人单位”表中推荐单位的联系电话，未登记时为参数“联系电话”",
    "监督电话": "参数“监督举报电话”",
    "发文单位": "参数“发文单位”",
    "评审年度": "参数“评审年度”",
    "推荐意见": "通知四(四)规定的原文：本单位已对申报材料逐一审核，申报人所提供材料真实、完整、有效，同意推荐",
}


def packaged_template(kind: int) -> bytes:
    """The packaged copy of one template (``addin/data/templates``)."""
    folder = resources.files("addin.data").joinpath("templates")
    return folder.joinpath(ATTACHMENTS[kind].packaged_name).read_bytes()


def packaged_folder() -> Path:
    return Path(str(resources.files("addin.data").joinpath("templates")))
