"""The documents an application needs (notice 四(一)2-8, 四(四)) and which are missing."""

from __future__ import annotations

import re

from .base import cites
from .catalog import Catalog, clean_word
from .eligibility import Applicant, mandarin_check, title_documents
from .settings import Settings

OTHER_ATTACHMENTS = ("单位公示", "公示结果", "推荐报告", "个人承诺书")


def split_documents(text: object) -> set[str]:
    """The documents a clerk listed in one cell: 学历证明、职称证书、考核表."""
    return {clean_word(p) for p in re.split(r"[、,，;；/\s]+", str(text or "")) if clean_word(p)}


@cites("四(一)2", "四(一)4", "四(一)5", "四(一)6", "四(一)7", "四(一)8")
def missing_documents(a: Applicant, provided: set[str], settings: Settings, catalog: Catalog) -> list[str]:
    """上传学历证明（四(一)2）；在疆内取得职称的上传任职资格文件、职称证书、评审表之一，在外地取得的三者均须上传
    （四(一)4）；近3年考核表（四(一)5）；继续教育证书或免学审批表（四(一)6）；事业单位人员的普通话证书（四(一)7）；
    单位公示、公示结果、推荐报告、个人承诺书（四(一)8）. Returns what ``provided`` lacks."""
    needed: list[str] = ["学历证明"] if a.education else []
    if a.current_title:
        docs, mode = title_documents(a.current_title_place or "疆内", catalog)
        if mode == "任一":
            if not provided & set(docs):
                needed.append("/".join(docs) + "（任一）")
        else:
            needed += docs
    needed.append("考核表")
    if a.ce_exempt:
        needed.append("免学审批表")
    elif not a.private_first_time:
        needed.append("继续教育证书")
    if mandarin_check(a.employer_type, a.mandarin, settings, catalog).required:
        needed.append("普通话证书")
    needed += OTHER_ATTACHMENTS
    return [d for d in needed if d not in provided]
