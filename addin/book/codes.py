"""The blind codes (盲评编号) the register holds, checked against what the tool drew.

A blind code is drawn once by the tool (:func:`addin.rules.meeting.assign_blind_codes`)
and kept; the code key is the only link between a code and a person (四(一)3). Unlike
the other computed columns, a code cannot simply be recomputed: it was drawn. So the
hidden fingerprint sheet, which holds a digest of every computed value of the last
refresh, is the tool's memory of the code it gave each application:

* a code whose digest is the one remembered is the tool's, and kept;
* a code that differs (copied from another row, typed over, cleared) is a hand edit,
  reported like any other, and the code the tool gave is put back (found again from its
  digest among the codes the settings allow); where the tool gave none, none is kept, and
  a row due at the meeting gets a new drawn code;
* a code in a row the last refresh did not know (a row added since) was not drawn by the
  tool: reported, and replaced by a drawn one.

Each replacement is a hand edit of the evaluation, so a refresh lists it on screen and in
日志. Without any fingerprint (a register never refreshed by this version) the codes are
taken as they stand; a code given twice is then an error, and :func:`doubtful_codes`
names what must never reach a roster.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from ..errors import Refused
from ..rules.base import Finding, warning
from ..rules.meeting import assign_blind_codes, code_prefix

KEY = "blind_code"


@dataclass
class CodeCheck:
    """The codes to keep (row -> code), the rows whose code was replaced (row, code found),
    and the findings (row, finding)."""

    codes: dict[int, str] = field(default_factory=dict)
    replaced: list[tuple[int, object]] = field(default_factory=list)
    findings: list[tuple[int, Finding]] = field(default_factory=list)


def _recover(digest: str, prefixes: Mapping[str, str], digits: int, digest_of) -> str | None:
    """The code whose digest is ``digest`` among every code the settings allow (prefix and
    number of digits), when exactly one matches; None otherwise (the tool gave none, or
    the settings changed since)."""
    if digest == digest_of(None):
        return None
    found = [code for prefix in dict.fromkeys(prefixes.values())
             for code in (f"{prefix}-{n:0{digits}d}" for n in range(1, 10 ** digits)) if digest_of(code) == digest]
    return found[0] if len(found) == 1 else None


def checked_codes(rows: Sequence[tuple[int, str, str | None, bool, str]], previous: Mapping[str, Mapping[str, str]],
                  prefixes: Mapping[str, str], digits: int, digest_of, rng: random.Random | None = None):
    """The blind codes after checking the register's against the fingerprints.

    ``rows``: (row number, specialty, code in the cell, due at the meeting, application
    id); ``previous``: application id -> the last refresh's fingerprint (decoded: key ->
    digest); ``digest_of``: the fingerprint's digest of one value. Returns the
    :class:`~addin.rules.meeting.CodeDraw` of the codes kept and drawn, and a
    :class:`CodeCheck` of what was replaced and why. A code the tool gave is put back
    only when no row holds it as its own (a row cleared of a code it shared with another
    gets a new one)."""
    check = CodeCheck()
    kept: dict[int, str | None] = {}
    edited: list[tuple[int, str | None, str | None]] = []       # (row, code found, code the tool gave)
    for number, _specialty, code, _due, app_id in rows:
        remembered = previous.get(app_id) if app_id else None
        given = remembered.get(KEY) if remembered is not None else None
        if not previous or remembered is None and not code or remembered is not None and (
                given is None or digest_of(code) == given):
            kept[number] = code                          # the tool's (or nothing to check it against)
        elif remembered is None:
            kept[number] = None
            check.replaced.append((number, code))
            check.findings.append((number, warning(f"盲评编号“{code}”不是本软件抽取的（上次刷新后新加的行），"
                                                   f"刷新时另行抽取；盲评编号不要手工填写", "四(一)3")))
        else:
            edited.append((number, code, _recover(given, prefixes, digits, digest_of)))
    owned = {code for code in kept.values() if code}
    for number, code, original in edited:
        restore = original if original and original not in owned else None
        if restore:
            owned.add(restore)
        kept[number] = restore
        check.replaced.append((number, code))
        then = (f"刷新时恢复本软件抽取的“{restore}”" if restore else
                f"本软件抽取的“{original}”已是另一行的编号，刷新时另行抽取" if original else "刷新时按规则处理（需要时另行抽取）")
        check.findings.append((number, warning(f"计算列“盲评编号”被手工修改（现为“{code or '空'}”），{then}；"
                                               f"盲评编号不要手工填写", "四(一)3")))
    draw = assign_blind_codes([(number, specialty, kept[number], due) for number, specialty, _c, due, _a in rows],
                              prefixes, digits, rng)
    return draw, check


def doubtful_codes(book, ev) -> list[str]:
    """What must never reach a roster: a code given to two rows, and a code the tool did not
    draw (in the shape of its codes or not), each naming its rows; [] when every code is
    sound."""
    table = book.table("applicants")
    rows: dict[str, list[int]] = {}
    for number, values in ev.computed.items():
        if values.get(KEY):
            rows.setdefault(str(values[KEY]), []).append(number)
    letter = table.letter(KEY) or "?"
    out = [f"盲评编号{code}同时出现在" + "、".join(f"{table.sheet}!{letter}{n}" for n in numbers)
           for code, numbers in rows.items() if len(numbers) > 1]
    prefixes = set(book.settings.code_prefixes.values())
    digits = book.settings.blind_code_digits
    for code, numbers in rows.items():
        prefix, _, number = code.partition("-")
        if prefix not in prefixes or len(number) != digits or not number.isdigit() or int(number) < 1:
            out.append(f"盲评编号{code}（{table.sheet}!{letter}{numbers[0]}）不是本软件抽取的编号")
    return out


def refuse_doubtful_codes(book, ev, what: str) -> None:
    """Refuse (exit 2, naming the rows) to make ``what`` while a code is doubtful."""
    doubtful = doubtful_codes(book, ev)
    if doubtful:
        raise Refused(f"盲评编号有误，未生成{what}（台账已刷新）：" + "；".join(doubtful) +
                      "。盲评编号由本软件抽取，请删除手工填写或复制的编号，刷新后重新生成（需要时另行抽取）。")


__all__ = ["checked_codes", "doubtful_codes", "refuse_doubtful_codes", "CodeCheck", "code_prefix"]
