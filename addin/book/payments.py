"""缴费: the payments of each application, and the problems of each payment row
(四(六), 一(三))."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Mapping

from .. import data
from ..rules.base import Finding, error
from ..rules.dates import parse_date
from ..rules.fees import payment_problems
from ..rules.settings import parse_number
from .reader import Book, cell_text as _text


def read_payments(book: Book, known: set[str], accepted: Mapping[str, dt.datetime]) -> tuple[dict[str, float], list[Finding]]:
    """缴费: amounts by application id, and the problems of each payment (四(六), 一(三))."""
    table = book.table("payments")
    s = book.settings
    paid: dict[str, float] = defaultdict(float)
    findings: list[Finding] = []
    methods = book.catalog.lists.get("缴费方式", [])
    payment_max = data.limit("payment_max")
    receipts: dict[str, list[int]] = defaultdict(list)     # a receipt is booked once (finance import refuses a second)
    for row in table.rows:
        receipt = _text(row.values_by_key.get("receipt"))
        if receipt:
            receipts[receipt].append(row.number)
    for row in table.rows:
        v = row.values_by_key
        app_id = _text(v.get("app_id"))
        amount = parse_number(v.get("amount"))
        rows_of_receipt = receipts.get(_text(v.get("receipt")), [])
        if len(rows_of_receipt) > 1:
            count = len(rows_of_receipt) - 1              # the other rows; five of them named
            rest = [n for n in rows_of_receipt[:6] if n != row.number][:5]
            others = "、".join(f"第{n}行" for n in rest) + (f"等{count}行" if count > 5 else "")
            findings.append(table.locate(error(f"票据号{_text(v.get('receipt'))}重复（另见{others}）：同一张票据只能记账一次",
                                               "四(六)"), row.number, "receipt"))
        day = parse_date(v.get("paid_on"))
        here = []
        if not app_id:
            here.append((error("缴费记录缺少申报编号"), "app_id"))
        elif app_id not in known:
            here.append((error(f"申报编号“{app_id}”不在申报人员表中"), "app_id"))
        problems = payment_problems(amount, day, _text(v.get("method")), settings=s, methods=methods,
                                    accepted_on=accepted[app_id].date() if app_id in accepted else None,
                                    payment_max=payment_max)
        here += [(p.finding, p.column) for p in problems]
        findings += [table.locate(f, row.number, key) for f, key in here]
        if app_id in known and not any(p.column == "amount" for p in problems):
            paid[app_id] += amount.value
    return paid, findings
