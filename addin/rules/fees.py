"""Fee and defence by level (notice 四(五), 四(六))."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

from .base import Finding, Parsed, cites, error, warning
from .catalog import Catalog
from .settings import Settings


@cites("四(六)")
def fee_due(title_or_level: object, catalog: Catalog, settings: Settings) -> Parsed[int]:
    """评审缴费标准：高级550元/人，中级400元/人，初级200元/人 (amounts from settings)."""
    level = catalog.level_of(title_or_level)
    if level.value is None:
        return Parsed(finding=level.finding)
    return Parsed(settings.fees[level.value])


@cites("四(五)")
def defense(title_or_level: object, catalog: Catalog, settings: Settings) -> Parsed[str]:
    """申报高级职称评审的参加专业水平答辩，申报中级及以下的免于答辩."""
    level = catalog.level_of(title_or_level)
    if level.value is None:
        return Parsed(finding=level.finding)
    return Parsed("需答辩" if level.value in settings.defense_levels else "免答辩")


# --- balances: one computation for the register, 统计 and the finance office ---------------

@dataclass(frozen=True)
class Account:
    """What one application owes: the fee due (0 before 已接收材料) against what was paid.
    An overpayment is its own figure (``over``), never a negative ``owed``; what was paid
    for an application that has ended (不予受理, 视为放弃) is a ``refund``, not an
    overpayment."""

    due: float
    paid: float
    ended: bool = False

    @property
    def owed(self) -> float:
        return 0.0 if self.ended else max(self.due - self.paid, 0.0)

    @property
    def over(self) -> float:
        return 0.0 if self.ended else max(self.paid - self.due, 0.0)

    @property
    def refund(self) -> float:
        return self.paid if self.ended else 0.0


@cites("四(六)", "四(一)1", "一(一)")
def account(due: float | None, paid: float | None, *, ended: bool = False) -> Account:
    """评审费在“已接收材料”后缴纳: the balance of one application; no fee is due before the
    material is accepted, so anything paid then counts as overpaid. An application that
    has ended (不予受理 四(一)1, 视为放弃 一(一): ``ended``) owes nothing and everything it
    paid is refunded."""
    return Account(0.0 if ended else float(due or 0), float(paid or 0), ended)


@dataclass(frozen=True)
class FeeLine:
    """One line of the fee summary: a level, or 合计."""

    level: str
    count_due: int           # applications with a fee due
    due: float
    paid: float
    owed: float              # sum of what each still owes (never offset by others' overpayments)
    over: float              # sum of what each paid too much
    count_owing: int         # applications that have not paid in full
    refund: float = 0.0      # paid by applications that have ended (不予受理, 视为放弃): to refund
    count_refund: int = 0


TOTAL = "合计"


@cites("四(六)")
def fee_summary(items: Iterable[tuple[str, Account]], levels: Sequence[str]) -> list[FeeLine]:
    """The fee summary by level (the settings' levels, in their order) and the total: the
    one computation behind the 统计 sheet and the finance office's 汇总, so both show the
    same figures. One applicant's overpayment never reduces another's arrears; what an
    application that has ended paid is counted apart as 退费."""
    items = list(items)

    def line(name: str, accounts: list[Account]) -> FeeLine:
        return FeeLine(name, sum(1 for a in accounts if a.due), sum(a.due for a in accounts),
                       sum(a.paid for a in accounts), sum(a.owed for a in accounts), sum(a.over for a in accounts),
                       sum(1 for a in accounts if a.owed), sum(a.refund for a in accounts),
                       sum(1 for a in accounts if a.refund))

    lines = [line(level, [a for lv, a in items if lv == level]) for level in levels]
    others = [a for lv, a in items if lv not in levels]
    if any(a.due or a.paid for a in others):
        lines.append(line("未知", others))
    return lines + [line(TOTAL, [a for _, a in items])]


@dataclass(frozen=True)
class FeeNote:
    """A remark on an application's fee, for the register column it concerns."""

    finding: Finding
    column: str                     # fee_paid or fee_balance
    refund: bool = False            # money to give back: kept even when the application has ended


@cites("四(六)", "一(三)")
def fee_notes(due: float | None, paid: float, *, status: str, ended: bool, settled: bool, accepted: bool,
              today: dt.date, settings: Settings) -> list[FeeNote]:
    """评审费在“已接收材料”后缴纳，缴费时间为一(三)的期间: what the clerk is told about one
    application's money — paid by one that has ended (不予受理, 视为放弃: to refund), paid
    while its 状态 is unsettled (neither due nor refunded yet), paid before the material
    was accepted (overpaid); paid too much, too little, or nothing after the payment
    window has closed."""
    notes = []
    balance = account(due, paid, ended=ended)
    if paid and ended:
        notes.append(FeeNote(warning(f"状态为{status}，已缴{paid:g}元应予退费", "四(六)"), "fee_paid", refund=True))
    elif paid and not settled:
        notes.append(FeeNote(warning(f"已缴{paid:g}元：状态待核，暂不计应缴、不计退费", "四(六)"), "fee_paid"))
    elif paid and not accepted:
        notes.append(FeeNote(warning(f"尚未“已接收材料”已有缴费记录{paid:g}元（计为多缴）", "四(六)"), "fee_paid"))
    if due is not None and balance.over:
        notes.append(FeeNote(warning(f"多缴{balance.over:g}元", "四(六)"), "fee_balance"))
    elif due is not None and paid and balance.owed:
        notes.append(FeeNote(warning(f"只缴了{paid:g}元，还差{balance.owed:g}元", "四(六)"), "fee_balance"))
    elif due is not None and not paid and today > settings.payment_end:
        notes.append(FeeNote(warning(f"缴费时间已过仍未缴费{due}元", "一(三)"), "fee_balance"))
    return notes


# --- one payment: the rows of 缴费 and of the finance office's file -------------------------

@dataclass(frozen=True)
class PaymentProblem:
    finding: Finding
    column: str                     # amount, paid_on or method


@cites("一(三)", "四(六)")
def payment_problems(amount: Parsed, day: Parsed, method: str, *, settings: Settings, methods: Sequence[str],
                     accepted_on: dt.date | None, payment_max: float) -> list[PaymentProblem]:
    """The problems of one payment, the same for a row of 缴费 and a row the finance office
    returns: an amount that is empty, 0, unreadable (negative included) or beyond ``payment_max`` (an
    ERROR: the payment is not counted, and not imported); paid outside the payment window
    (一(三)), before the material was accepted (四(六): the fee follows 已接收材料), by a
    method that is not one of ``methods`` (warnings). ``amount`` and ``day`` are readings
    (:func:`~addin.rules.settings.parse_number`, :func:`~addin.rules.dates.parse_date`); an
    empty date is a warning (the payment counts; an import, which needs the date,
    refuses such a row before asking)."""
    out = []
    if amount.finding:
        out.append(PaymentProblem(amount.finding, "amount"))
    elif not amount.value:
        out.append(PaymentProblem(error("缴费金额为空或为0"), "amount"))
    elif amount.value > payment_max:
        out.append(PaymentProblem(error(f"缴费金额{_yuan(amount.value)}元不合理（超过{_yuan(payment_max)}元），未计入，请核对"),
                                  "amount"))
    if day.finding:
        out.append(PaymentProblem(day.finding, "paid_on"))
    elif day.value is None:
        out.append(PaymentProblem(warning("缴费日期为空"), "paid_on"))
    else:
        if not settings.payment_start <= day.value <= settings.payment_end:
            out.append(PaymentProblem(warning(f"缴费日期{day.value}不在缴费时间{settings.payment_start}至"
                                              f"{settings.payment_end}内", "一(三)"), "paid_on"))
        if accepted_on is not None and day.value < accepted_on:
            out.append(PaymentProblem(warning(f"缴费日期{day.value}早于“已接收材料”（{accepted_on}）", "四(六)"),
                                      "paid_on"))
    if method and method not in methods:
        out.append(PaymentProblem(warning(f"缴费方式应为{'或'.join(methods)}，实为“{method}”", "四(六)"), "method"))
    return out


def _yuan(value: float) -> str:
    """An amount as the clerk writes it: 4,000,000 and 550.5, not 4e+06 (an absurd one such
    as 1e+308 stays short)."""
    if abs(value) >= 1e15:
        return f"{value:g}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0")
