"""The meeting in the evaluation: blind codes for the roster (四(一)3), whether the
meeting has been held, and the tally of 评审会 and 答辩评分 (评审会规则, 四(五)) with the
panel seated from 评委."""

from __future__ import annotations

import datetime as dt
import random

from ..rules.base import error
from ..rules.dates import parse_date
from ..rules.meeting import MEETING_DUE, VoteResult, status_against_tally, vote_result
from ..rules.settings import parse_int
from ..rules.defence import vote_against_defence
from .panel import candidates, defence_tally, meeting_day
from .reader import Book, TableData, cell_text as _text
from .codes import checked_codes
from .evaluation import Evaluation
from .fingerprint import cell_digest, decode_fingerprint


def blind_codes(book: Book, table: TableData, ev: Evaluation, rng: random.Random | None,
                previous: dict[str, str] | None = None) -> None:
    """Codes for the applications due at the meeting (and those only held back, so that
    ``zhicheng roster --all`` can list them), drawn at random and stable across
    refreshes (四(一)3)."""
    rows = [(r.number, _text(r.values_by_key.get("specialty")), _text(r.values_by_key.get("blind_code")) or None,
             ev.computed[r.number]["meeting_due"] == MEETING_DUE or r.number in ev.held_back,
             _text(r.values_by_key.get("app_id"))) for r in table.rows]
    # hand edits of codes against the last refresh's fingerprints (issue 19.5: addin.book.codes)
    draw, check = checked_codes(rows, {k: decode_fingerprint(v) for k, v in (previous or {}).items()},
                                book.settings.code_prefixes, book.settings.blind_code_digits, cell_digest, rng)
    ev.hand_edits += [(number, "blind_code", found) for number, found in check.replaced]
    codes = draw.codes
    for number, finding in check.findings + list(draw.findings):
        ev.findings.append(table.locate(finding, number, "blind_code"))
    seen: dict[str, int] = {}
    for number, *_ in rows:
        code = codes.get(number)
        ev.computed[number]["blind_code"] = code
        if code and code in seen:
            ev.findings.append(table.locate(error(f"盲评编号{code}与第{seen[code]}行重复", "四(一)3"), number, "blind_code"))
        elif code:
            seen[code] = number


def meeting_held(book: Book, now: dt.datetime) -> bool:
    """Whether the meeting has taken place by ``now``: its date in 评审会 has come, or
    votes are entered there. Before it, nobody has attended or not."""
    for row in book.table("meeting").rows:
        v = row.values_by_key
        day = parse_date(v.get("meeting_date")).value
        if (day and day <= now.date()) or any(_text(v.get(k)) for k in ("yes", "no", "abstain")):
            return True
    return False


def meeting_results(book: Book, table: TableData, ev: Evaluation, now: dt.datetime) -> None:
    """Vote tallies of 评审会 -> the result per code and per application (评审会规则);
    with a drawn panel in 评委, the members and those attending come from the draw and
    the attendance (see book.panel); the defence scores of 答辩评分 (四(五))."""
    sheet = book.table("meeting")
    by_code = {v["blind_code"]: n for n, v in ev.computed.items() if v.get("blind_code")}
    ev.day = day = meeting_day(book, candidates(book, ev.computed, ev.held_back), held=meeting_held(book, now))
    ev.findings += day.findings
    senior = {code for code, n in by_code.items()       # on the roster and defending (四(五))
              if ev.computed[n].get("defense") == "需答辩" and ev.computed[n].get("meeting_due") == MEETING_DUE}
    ev.defence = tally = defence_tally(book, senior, day.seated)
    ev.findings += tally.findings
    results: dict[str, str] = {}
    for row in sheet.rows:
        v = row.values_by_key
        code = _text(v.get("blind_code"))
        counts = {}
        bad = False
        for key in ("members", "attending", "yes", "no", "abstain"):
            parsed = parse_int(v.get(key))
            if parsed.finding:
                ev.findings.append(sheet.locate(parsed.finding, row.number, key))
                bad = True
            counts[key] = parsed.value
        if not code:
            ev.findings.append(sheet.locate(error("评审会记录缺少盲评编号"), row.number, "blind_code"))
            continue
        if code not in by_code:
            ev.findings.append(sheet.locate(error(f"盲评编号{code}不在申报人员表中"), row.number, "blind_code"))
        if day.seating is not None and not bad:
            for key, value, what in (("members", day.seating.members, "抽取的评委人数"),
                                     ("attending", len(day.seating.seated), "出席（含递补）的评委人数")):
                if counts[key] is not None and counts[key] != value:
                    ev.findings.append(sheet.locate(error(f"填写的{counts[key]}与“评委”表中{what}{value}不一致，表决暂不计算",
                                                          "评审会规则"), row.number, key))
                    bad = True
                counts[key] = value
        vote = vote_result(counts["members"], counts["attending"], counts["yes"], counts["no"], counts["abstain"],
                           book.settings) if not bad else VoteResult("")
        ev.findings += [sheet.locate(f, row.number, "yes") for f in vote.findings]
        defence = tally.results.get(code)
        against = vote_against_defence(defence, vote.result, book.settings)
        if against:
            ev.findings.append(sheet.locate(against, row.number, "defence_score"))
        ev.meeting[row.number] = {"result": vote.result or "票数有误",
                                  "defence_score": defence.score if defence else None,
                                  "defence_result": defence.result if defence else ("免答辩" if code in by_code else None)}
        if code in results:
            ev.findings.append(sheet.locate(error(f"盲评编号{code}有多条评审记录"), row.number, "blind_code"))
        results[code] = vote.result
    for code, number in by_code.items():
        ev.computed[number]["meeting_result"] = results.get(code) or None
    for row in table.rows:          # the tally decides; a status that disagrees is a finding (一(五))
        finding = status_against_tally(_text(row.values_by_key.get("status")), ev.computed[row.number]["meeting_result"])
        if finding:
            ev.findings.append(table.locate(finding, row.number, "status"))
