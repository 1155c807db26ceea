"""The review meeting (notice 一(五), 四(一)3, 四(五); facts.md section 2: national
interim provisions on title evaluation, 2019)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from .base import Finding, cites, error, warning
from .settings import Settings

PASSED, FAILED, NO_QUORUM, PENDING = "评审通过", "评审未通过", "未达法定人数", "待录入"


@cites("评审会规则")
def quorum_met(members: int, attending: int, settings: Settings) -> bool:
    """评审会议须有评审委员会三分之二以上委员出席: attending / members >= the quorum ratio."""
    return members > 0 and Fraction(attending, members) >= settings.quorum_ratio


@dataclass(frozen=True)
class VoteResult:
    result: str                      # 评审通过 / 评审未通过 / 未达法定人数 / 待录入 / "" (invalid)
    findings: tuple[Finding, ...] = ()


@cites("评审会规则")
def vote_result(members: int | None, attending: int | None, yes: int | None, no: int | None,
                abstain: int | None, settings: Settings) -> VoteResult:
    """无记名投票，同意票数达到出席评审会议的评审专家总数三分之二以上的即为评审通过；未出席的评审专家不得委托
    他人投票或补充投票: the result of one applicant's ballot. Counts that exceed the
    attendance (absent experts voting) or an attendance above the committee are findings."""
    if members is None or attending is None:
        return VoteResult(PENDING, (warning("评委总数或出席人数未填", "评审会规则"),) if (members or attending) else ())
    problems = []
    if attending > members:
        problems.append(error(f"出席人数{attending}超过评委总数{members}", "评审会规则"))
    if attending < 0 or members <= 0:
        problems.append(error("评委总数和出席人数应为正数", "评审会规则"))
    counts = [c for c in (yes, no, abstain) if c is not None]
    if any(c < 0 for c in counts):
        problems.append(error("票数不能为负数", "评审会规则"))
    if sum(counts) > attending:
        problems.append(error(f"赞成、反对、弃权共{sum(counts)}票，超过出席人数{attending}（未出席评委不得投票）",
                              "评审会规则"))
    if 0 <= attending <= members and members > 0 and not quorum_met(members, attending, settings):
        return VoteResult(NO_QUORUM, (error(     # no quorum: no result, whatever the counts
            f"出席{attending}人，不足评委总数{members}人的{settings.quorum_ratio}，表决无效", "评审会规则"), *problems))
    if problems:
        return VoteResult("", tuple(problems))
    if yes is None:
        return VoteResult(PENDING)
    if Fraction(yes, attending) >= settings.pass_ratio:
        return VoteResult(PASSED)
    return VoteResult(FAILED)


# --- blind codes (四(一)3) ---------------------------------------------------------------

_CODE = re.compile(r"^([A-Z]+)-(\d+)$")


def code_prefix(specialty: str, prefixes: Mapping[str, str]) -> str:
    return prefixes.get(specialty, "ZC")


@cites("四(一)3")
def assign_blind_codes(rows: Sequence[tuple[object, str, str | None, bool]],
                       prefixes: Mapping[str, str]) -> dict[object, str]:
    """地区工程系列公路、运输专业职称评审均采用“盲评”模式: a code for every application due
    at the meeting. ``rows`` are (ref, specialty, existing code, due) in register order.
    A code once given is kept (reruns and new applicants never renumber anyone);
    new codes continue each specialty's sequence (公路 GL-001, GL-002, ...)."""
    used: dict[str, int] = {}
    out: dict[object, str] = {}
    for ref, _, code, _ in rows:
        match = _CODE.match(code or "")
        if match:
            used[match[1]] = max(used.get(match[1], 0), int(match[2]))
            out[ref] = code
    for ref, specialty, code, due in rows:
        if ref in out or not due:
            continue
        prefix = code_prefix(specialty, prefixes)
        used[prefix] = used.get(prefix, 0) + 1
        out[ref] = f"{prefix}-{used[prefix]:03d}"
    return out


def normalise_employer(name: str) -> str:
    """Employer names compared for recusal: spaces and brackets ignored."""
    return re.sub(r"[\s（）()·]", "", name or "")


@cites("评审会规则")
def recusals(applicant_employer: str, experts: Iterable[tuple[str, str]]) -> list[str]:
    """与申报人有利害关系（如同一工作单位）的评审专家应当回避: the codes of experts whose
    employer is the applicant's."""
    mine = normalise_employer(applicant_employer)
    if not mine:
        return []
    return [code for code, employer in experts if normalise_employer(employer) == mine]
