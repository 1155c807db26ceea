"""The review meeting (notice 一(五), 四(一)3, 四(五); facts.md section 2: national
interim provisions on title evaluation, 2019)."""

from __future__ import annotations

import random
import re
import secrets
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Mapping, Sequence

from .base import Finding, cites, error, warning
from .settings import Settings

PASSED, FAILED, NO_QUORUM, PENDING = "评审通过", "评审未通过", "未达法定人数", "待录入"
#: 上会情况 of an application due at the meeting (otherwise "不上会：" and the reasons)
MEETING_DUE = "上会"


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


@cites("一(五)", "评审会规则")
def published(tally: str | None) -> bool:
    """评审结束后，对评审通过人员进行公示: only the tallied vote (quorum met and yes votes
    reaching the pass ratio of those attending, :func:`vote_result`) puts a person on
    the result publicity list; the hand-typed 状态 never does."""
    return tally == PASSED


@cites("一(五)", "评审会规则")
def status_against_tally(status: str, tally: str | None) -> Finding | None:
    """A 状态 of 评审通过 / 评审未通过 that the meeting's tally does not bear out: a
    finding for the clerk, never a publication. A typed 评审通过 without a passing
    tally is an error (it would publish a person the committee did not pass)."""
    if status == PASSED and tally != PASSED:
        why = f"评审会表决结果为“{tally}”" if tally else "评审会没有该申报的有效表决结果"
        return error(f"状态为“评审通过”，但{why}：不列入评审结果公示，请核对状态或录入表决票数", "一(五)")
    if tally in (PASSED, FAILED) and status != tally:
        return warning(f"评审会结果为“{tally}”，状态仍为“{status or '未填'}”，请更新状态", "一(五)")
    if status == FAILED and tally != FAILED:
        why = f"评审会表决结果为“{tally}”" if tally else "评审会没有该申报的有效表决结果"
        return warning(f"状态为“评审未通过”，但{why}，请核对", "一(五)")
    return None


@cites("一(五)", "评审会规则")
def status_after_meeting(status: str, tally: str | None, *, accepted: bool) -> str | None:
    """The 状态 the meeting's tally calls for: 评审通过 or 评审未通过 as voted, for an
    application still accepted into the review whose 状态 does not say so yet; None when
    the tally has decided nothing (no quorum, not entered) or 状态 already agrees."""
    if accepted and tally in (PASSED, FAILED) and status != tally:
        return tally
    return None


# --- blind codes (四(一)3) ---------------------------------------------------------------

_CODE = re.compile(r"^([A-Z]+)-(\d+)$")


def code_prefix(specialty: str, prefixes: Mapping[str, str]) -> str:
    return prefixes.get(specialty, "ZC")


@dataclass(frozen=True)
class CodeDraw:
    codes: dict[object, str]                 # ref -> code, kept and new
    findings: tuple[tuple[object, Finding], ...] = ()   # (ref, finding) for rows left without a code


@cites("四(一)3")
def assign_blind_codes(rows: Sequence[tuple[object, str, str | None, bool]], prefixes: Mapping[str, str],
                       digits: int, rng: random.Random | None = None) -> CodeDraw:
    """地区工程系列公路、运输专业职称评审均采用“盲评”模式: a code for every application due
    at the meeting. ``rows`` are (ref, specialty, existing code, due).

    A code once given is kept (reruns, new and withdrawn applications never renumber
    anyone). A new code is the specialty's prefix and a number drawn at random from
    the unused numbers of ``digits`` digits (公路 GL-374), by a cryptographically secure
    source (``secrets.SystemRandom``) unless ``rng`` is given (only the fictitious
    sample passes a seeded one, to be reproducible). So a code says nothing about the
    register's order, content or when the application became due; the code key is the
    only link to the person. When a specialty's numbers run out, the rows left over get
    no code and a finding (the settings' number of digits must grow)."""
    rng = rng or secrets.SystemRandom()
    used: dict[str, set[int]] = {}
    out: dict[object, str] = {}
    for ref, _, code, _ in rows:
        match = _CODE.match(code or "")
        if match:
            used.setdefault(match[1], set()).add(int(match[2]))
            out[ref] = code
    wanted: dict[str, list[object]] = {}
    for ref, specialty, code, due in rows:
        if ref not in out and due:
            wanted.setdefault(code_prefix(specialty, prefixes), []).append(ref)
    problems = []
    for prefix, refs in wanted.items():
        free = sorted(set(range(1, 10 ** digits)) - used.get(prefix, set()))
        drawn = rng.sample(free, min(len(refs), len(free)))
        for ref, number in zip(refs, drawn):
            out[ref] = f"{prefix}-{number:0{digits}d}"
        for ref in refs[len(drawn):]:
            problems.append((ref, error(f"{prefix}的{digits}位盲评编号已用完，未能编号：请增加参数“盲评编号位数”",
                                        "四(一)3")))
    return CodeDraw(out, tuple(problems))


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
