"""The finance round trip (notice 一(三), 四(六)): a small workbook for the finance
office (who owes what, who is to be refunded, a payment-entry table), the import of
what they entered into 缴费, and the fee summary.

The export carries only what finance needs: application id, name, employer, level, fee
due and already paid — no ID numbers or other personal data. Who owes and who is
refunded follow the stage of each application (``Evaluation.stages``): a fee is due once
the material is accepted; what an application that has ended (不予受理, 视为放弃) paid is
refunded (退费); an application whose 状态 and 审核记录 disagree is in neither list until
the clerk resolves it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

from .. import data
from ..book import schema
from ..book.adapter import WorkbookAdapter
from ..book.inplace import PackageAdapter
from ..book.evaluation import Evaluation
from ..book.reader import Book, book_from_values, error_rows
from ..book.writes import current_user, log_row
from ..rules.base import Finding, Severity, error, warning
from ..rules.fees import Account, PaymentProblem, account, payment_problems
from ..rules.dates import format_date, parse_date
from ..rules.settings import parse_number
from ..book.schema import CHINESE_DATE
from .tables import Column, PrintTable, fit_rows, merged_line, print_setup, workbook_properties, write_sheet

DUE_SHEET, ENTRY_SHEET, SUMMARY_SHEET, REFUND_SHEET = "应缴名单", "缴费录入", "汇总", "退费名单"
ENTRY_HEADERS = ("申报编号", "金额（元）", "缴费日期", "缴费方式", "票据号", "经办人")
ENTRY_KEYS = ("app_id", "amount", "paid_on", "method", "receipt", "clerk")
MONEY = "#,##0.00"
#: who signs a finance list
SIGNERS = ("制表人", "审核人")


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


@dataclass
class Due:
    app_id: str
    name: str
    employer: str
    specialty: str
    level: str
    due: float
    paid: float

    @property
    def account(self) -> Account:
        return account(self.due, self.paid)

    @property
    def owed(self) -> float:
        """Still to pay (never negative; an overpayment is :attr:`over`)."""
        return self.account.owed

    @property
    def over(self) -> float:
        return self.account.over


def dues(book: Book, ev: Evaluation) -> list[Due]:
    """Applications with a fee due (材料已接收), with what is paid, by specialty in the
    data's order (公路, 运输, 交通经济), then application number."""
    out = []
    held = error_rows(book)                   # a row showing an Excel error value is never printed (issue 19.9)
    for row in book.table("applicants").rows:
        v, c = row.values_by_key, ev.computed[row.number]
        if not c.get("fee_due") or row.number in held:
            continue
        level = book.catalog.level_of(v.get("target_title")).value or ""
        out.append(Due(_text(v.get("app_id")), _text(v.get("name")), _text(v.get("employer")),
                       _text(v.get("specialty")), level, float(c["fee_due"]), float(c.get("fee_paid") or 0)))
    specialty = book.sort_key("专业")
    return sorted(out, key=lambda d: (specialty(d.specialty), d.app_id))


@dataclass
class Refund:
    """Money paid for an application that has ended (不予受理, 视为放弃): to be refunded."""

    app_id: str
    name: str
    employer: str
    specialty: str
    level: str
    status: str
    paid: float
    reason: str              # why it ended (审核情况)


def refunds(book: Book, ev: Evaluation) -> list[Refund]:
    """Applications that have ended (their stage: 状态 and 审核记录 agree on 不予受理 or 视为放弃)
    and paid something: all of it is refunded (四(六)). By specialty in the data's order,
    then application number."""
    out = []
    for row in book.table("applicants").rows:
        stage, c = ev.stages.get(row.number), ev.computed[row.number]
        paid = float(c.get("fee_paid") or 0)
        if stage is None or not stage.out or not paid:
            continue
        v = row.values_by_key
        level = book.catalog.level_of(v.get("target_title")).value or ""
        out.append(Refund(_text(v.get("app_id")), _text(v.get("name")), _text(v.get("employer")),
                          _text(v.get("specialty")), level, stage.status, paid, str(stage.review)))
    specialty = book.sort_key("专业")
    return sorted(out, key=lambda r: (specialty(r.specialty), r.app_id))


def export_summary(ev: Evaluation, items: list[Due]) -> str:
    """The one-line report after an export (command line and ribbon): the totals of
    :meth:`Evaluation.fee_lines`, the same figures as 统计 and the file's 汇总."""
    total = ev.fee_lines()[-1]
    text = (f"应缴{len(items)}人，未缴清{total.count_owing}人，未缴合计{total.owed:,.0f}元，"
            f"多缴合计{total.over:,.0f}元")
    if total.count_refund:
        text += f"，应退费{total.count_refund}人{total.refund:,.0f}元（见“{REFUND_SHEET}”）"
    return text


def summary_table(book: Book, ev: Evaluation) -> PrintTable:
    """Count and amount by level, collected vs due, and who still owes: the figures of
    :meth:`Evaluation.fee_lines`, the same as the 统计 sheet's (an overpayment is 多缴,
    never a negative 未缴, and never offsets another's arrears)."""
    rows = [[line.level, line.count_due, line.due, line.paid, line.owed, line.over, line.count_owing, line.refund]
            for line in ev.fee_lines()]
    cols = [Column("级别", 8), Column("应缴人数", 10, "0"), Column("应缴金额（元）", 12, MONEY),
            Column("已缴金额（元）", 12, MONEY), Column("未缴金额（元）", 12, MONEY), Column("多缴金额（元）", 12, MONEY),
            Column("未缴清人数", 10, "0"), Column("退费金额（元）", 12, MONEY)]
    s = book.settings
    return PrintTable(f"{s.campaign_year}年度职称评审费汇总", cols, rows,
                      notes=[f"缴费时间：{format_date(s.payment_start)}至{format_date(s.payment_end)}；"
                             f"标准：高级{s.fee_senior}元、中级{s.fee_intermediate}元、初级{s.fee_junior}元（四(六)）。"
                             "多缴单列，不抵他人未缴；不予受理、视为放弃人员已缴的费用全额退还（退费），"
                             f"名单见“{REFUND_SHEET}”。"],
                      landscape=False, signatures=SIGNERS, properties_title="职称评审费汇总")


def due_table(book: Book, items: list[Due]) -> PrintTable:
    """Who owes what, for the finance office (no ID numbers), by specialty in the data's order."""
    s = book.settings
    cols = [Column("序号", 6), Column("申报编号", 12), Column("姓名", 14), Column("工作单位", 30, wrap=True),
            Column("专业", 9), Column("级别", 8), Column("应缴（元）", 10, MONEY), Column("已缴（元）", 10, MONEY),
            Column("未缴（元）", 10, MONEY), Column("多缴（元）", 10, MONEY)]
    rows = [[i, d.app_id, d.name, d.employer, d.specialty, d.level, d.due, d.paid, d.owed, d.over]
            for i, d in enumerate(items, start=1)]
    return PrintTable(f"{s.campaign_year}年度职称评审费应缴名单", cols, rows,
                      notes=[f"缴费时间：{format_date(s.payment_start)}至{format_date(s.payment_end)}"],
                      landscape=False, signatures=SIGNERS)


def refund_table(book: Book, items: list[Refund]) -> PrintTable:
    """Who is refunded what (an application that has ended: 不予受理, 视为放弃), for the
    finance office (no ID numbers)."""
    s = book.settings
    cols = [Column("序号", 6), Column("申报编号", 12), Column("姓名", 14), Column("工作单位", 30, wrap=True),
            Column("专业", 9), Column("级别", 8), Column("状态", 10), Column("退费（元）", 10, MONEY)]
    rows = [[i, r.app_id, r.name, r.employer, r.specialty, r.level, r.status, r.paid]
            for i, r in enumerate(items, start=1)]
    total = sum(r.paid for r in items)
    return PrintTable(f"{s.campaign_year}年度职称评审费退费名单", cols, rows,
                      notes=[f"以下{len(items)}人的申报已终止（不予受理、视为放弃），已缴评审费{total:,.0f}元应全额退还（四(六)）。"
                             if items else "没有需要退费的人员。"],
                      landscape=False, signatures=SIGNERS, properties_title="职称评审费退费名单")


def outstanding_table(items: list[Due]) -> PrintTable:
    cols = [Column("序号", 6), Column("申报编号", 12), Column("姓名", 14), Column("工作单位", 30, wrap=True),
            Column("专业", 9), Column("级别", 8), Column("应缴（元）", 10, MONEY), Column("已缴（元）", 10, MONEY),
            Column("未缴（元）", 10, MONEY)]
    owing = [d for d in items if d.owed]
    rows = [[i, d.app_id, d.name, d.employer, d.specialty, d.level, d.due, d.paid, d.owed]
            for i, d in enumerate(owing, start=1)]
    return PrintTable("未缴清名单", cols, rows, signatures=SIGNERS)


def export_finance(book: Book, ev: Evaluation, path: Path) -> Path:
    """The finance office's workbook: 应缴名单, 缴费录入 (drop-down 扫码/银行), 汇总, 退费名单."""
    s = book.settings
    items = dues(book, ev)
    wb = Workbook()
    ws = wb.active
    ws.title = DUE_SHEET
    due_header, due_last = write_sheet(ws, due_table(book, items))
    id_column = "B"          # 申报编号, after 序号
    window = f"缴费时间：{format_date(s.payment_start)}至{format_date(s.payment_end)}"
    entry = wb.create_sheet(ENTRY_SHEET)
    merged_line(entry, 1, "F", f"缴费录入：每笔缴费一行（{window}；缴费方式选“扫码”或“银行”）", size=12, font="黑体")
    entry.append(list(ENTRY_HEADERS))
    entry.append([None] * len(ENTRY_HEADERS))
    entry.add_table(_table("tblEntries", f"A2:F3"))
    for c, (width, fmt) in enumerate(zip((12, 12, 16, 10, 16, 10), ("@", MONEY, CHINESE_DATE, "@", "@", "@")),
                                     start=1):
        letter = get_column_letter(c)
        entry.column_dimensions[letter].width = width
        entry.column_dimensions[letter].number_format = fmt
    summary = wb.create_sheet(SUMMARY_SHEET)
    write_sheet(summary, summary_table(book, ev))
    write_sheet(wb.create_sheet(REFUND_SHEET), refund_table(book, refunds(book, ev)))
    lists = wb.create_sheet("选项")
    lists.append(["缴费方式"])
    for method in book.catalog.lists.get("缴费方式", ["扫码", "银行"]):
        lists.append([method])
    lists.sheet_state = "hidden"
    wb.defined_names["L_method"] = DefinedName("L_method", attr_text=f"'选项'!$A$2:$A${lists.max_row}")
    dv = DataValidation(type="list", formula1="L_method", allow_blank=True)
    dv.add("D3:D2000")
    entry.add_data_validation(dv)
    ids = DataValidation(type="list",
                         formula1=f"'{DUE_SHEET}'!${id_column}${due_header + 1}:${id_column}${max(due_header + 1, due_last)}",
                         allow_blank=True, showErrorMessage=True, error="申报编号不在应缴名单中", errorTitle="申报编号")
    ids.add("A3:A2000")
    entry.add_data_validation(ids)
    entry.freeze_panes = "A3"
    fit_rows(entry, 1, 3)
    print_setup(entry, landscape=False, title_rows="2:2")
    workbook_properties(wb, "职称评审费缴费表", f"{s.campaign_year}年度职称评审费应缴名单、缴费录入与汇总")
    path.parent.mkdir(parents=True, exist_ok=True)      # like every other output: the folder is made
    wb.save(path)
    return path


def _table(name: str, ref: str) -> Table:
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    return table


# --- import ---------------------------------------------------------------------------------

@dataclass
class FinanceImport:
    merged: list[dict] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)     # located in the finance file (缴费录入!A5)


def read_entries(path: Path) -> list[tuple[int, dict]]:
    """The non-blank rows of the finance file's 缴费录入 sheet below its header, as
    (row number, {ENTRY_KEYS: value}); ValueError (Chinese) when the sheet or its
    header is not there.

    The file is read through the one bounded reader (:func:`addin.xlsx.reader.read_values`,
    as a workbook taken in: ``intake_max_mb``): every row that holds data, whatever its
    ``<dimension>`` says; a damaged or oversized file is refused (PackageRefused)."""
    from ..xlsx.reader import read_values

    sheets = read_values(Path(path), intake=True)
    if ENTRY_SHEET not in sheets:
        raise ValueError(f"“{Path(path).name}”中没有“{ENTRY_SHEET}”工作表")
    rows = sheets[ENTRY_SHEET].rows
    header_at = next((i for i, (_n, cells) in enumerate(rows) if _text(cells.get(0)) == ENTRY_HEADERS[0]), None)
    if header_at is None:
        raise ValueError(f"“{ENTRY_SHEET}”中找不到表头“{ENTRY_HEADERS[0]}”")
    most = int(data.limit("intake_max_rows"))
    out = []
    for number, cells in rows[header_at + 1:]:
        values = [cells.get(i) for i in range(len(ENTRY_KEYS))]
        if all(v in (None, "") or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(out) >= most:
            raise ValueError(f"“{ENTRY_SHEET}”有超过{most:,}行缴费记录（第{number:,}行仍有内容），不像财务填写的缴费表；"
                             f"请核对文件（上限见 limits.csv 的 intake_max_rows）")
        out.append((number, dict(zip(ENTRY_KEYS, values))))
    return out


_SKIPPED = "已跳过（不会重复导入）"


class _Recorded:
    """The payments already recorded (缴费, then this file's rows as they merge), to tell a
    repeat from a new payment: a payment is the same payment only when its receipt number
    is the same. Without a receipt number, one with the same application, amount and date
    is taken as a repeat, and the finding says which row it repeats (the clerk decides:
    a second payment gets its receipt number written and is imported again)."""

    def __init__(self, book: Book):
        self.by_receipt: dict[str, tuple[tuple, str]] = {}
        self.by_payment: dict[tuple, str] = {}           # (id, amount, date) -> where, any receipt
        self.unreceipted: dict[tuple, str] = {}          # the same, rows without a receipt number
        sheet = book.table("payments")
        for r in sheet.rows:
            v = r.values_by_key
            self.add(f"台账“{sheet.sheet}”表第{r.number}行", _text(v.get("app_id")), parse_number(v.get("amount")).value,
                     parse_date(v.get("paid_on")).value, _text(v.get("receipt")))

    def add(self, where: str, app_id: str, amount, day, receipt: str) -> None:
        key = (app_id, amount, day)
        self.by_payment.setdefault(key, where)
        if receipt:
            self.by_receipt.setdefault(receipt, (key, where))
        else:
            self.unreceipted.setdefault(key, where)

    def repeat(self, number: int, app_id: str, amount, day, receipt: str) -> Finding | None:
        """Why this entry is not a new payment (a warning saying _SKIPPED: already
        recorded; an error: a receipt number used for another payment), or a warning that
        a payment without receipt number looks like it; None for a new payment."""
        key = (app_id, amount, day)
        if receipt:
            if receipt in self.by_receipt:
                same, where = self.by_receipt[receipt]
                if same == key:
                    return warning(f"票据号{receipt}的这笔缴费已记录在{where}，{_SKIPPED}")
                return error(f"票据号{receipt}已存在（{where}，申报编号、金额或日期与本行不同），未导入；请核对票据号")
            if key in self.unreceipted:
                return warning(f"{self.unreceipted[key]}有一笔没有票据号、申报编号、金额和日期都与本行相同的缴费：本行按票据号"
                               f"{receipt}作为另一笔导入；如是同一笔，请在台账中删除其中一行")
            return None
        if key in self.by_payment:
            return warning(f"本行没有票据号，申报编号、金额和日期与{self.by_payment[key]}相同，视为同一笔缴费，{_SKIPPED}；"
                           f"如确是另一笔缴费，请填写票据号后重新导入")
        return None


def _not_imported(problem: PaymentProblem) -> Finding:
    """A payment the register would not count, said as not imported: “金额：应为数字，实为“一百”，未导入”."""
    message = problem.finding.message.replace("，未计入，请核对", "")
    if not message.startswith(("缴费金额", "缴费日期")):
        message = f"{'金额' if problem.column == 'amount' else '缴费日期'}：{message}"
    return error(f"{message}，未导入", problem.finding.clause)


def plan_import(book: Book, ev: Evaluation, entries: list[tuple[int, dict]]) -> FinanceImport:
    """Validate the entries against the register (pure): what merges, and the findings.

    Skipped (error): unknown id, no date, and what the register would not count
    (:func:`~addin.rules.fees.payment_problems`: an empty, 0, unreadable or implausible
    amount, an unreadable date), a receipt number already used (in 缴费 or earlier in the file) for another payment.
    Skipped (warning, :class:`_Recorded`): the same payment already recorded — the same
    receipt number, or, without one, the same id, amount and date (so rerunning an import
    adds nothing; the finding names the row it repeats). Merged with a warning: an amount
    that is not the balance, and the warnings of :func:`~addin.rules.fees.payment_problems`
    (a date outside the payment window, a payment before 已接收材料, an unknown method).
    """
    s = book.settings
    out = FinanceImport()
    accounts: dict[str, Account] = {}
    accepted_at: dict[str, dt.date] = {}
    ended: dict[str, str] = {}              # application id -> the 状态 that ended it
    unsettled: set[str] = set()
    for row in book.table("applicants").rows:
        app_id, c = _text(row.values_by_key.get("app_id")), ev.computed[row.number]
        stage = ev.stages.get(row.number)
        if not app_id or stage is None:
            continue
        if c.get("fee_due"):
            accounts[app_id] = account(c["fee_due"], c.get("fee_paid"))
        if stage.accepted and stage.review.accepted_at:
            accepted_at[app_id] = stage.review.accepted_at.date()
        if stage.out:
            ended[app_id] = stage.status
        elif not stage.settled:
            unsettled.add(app_id)
    known = {_text(r.values_by_key.get("app_id")) for r in book.table("applicants").rows}
    methods = book.catalog.lists.get("缴费方式", [])
    payment_max = data.limit("payment_max")
    recorded = _Recorded(book)
    letters = dict(zip(ENTRY_KEYS, "ABCDEF"))

    def note(f: Finding, row: int, key: str) -> None:
        out.findings.append(f.at(sheet=ENTRY_SHEET, row=row, column=letters[key]))

    for number, e in entries:
        app_id = _text(e["app_id"])
        amount = parse_number(e["amount"])
        day = parse_date(e["paid_on"])
        receipt = _text(e["receipt"])
        method = _text(e["method"])
        if app_id not in known:
            note(error(f"申报编号“{app_id}”不在台账中，未导入"), number, "app_id")
            continue
        if not day.finding and day.value is None:
            note(error("缴费日期为空，未导入"), number, "paid_on")
            continue
        problems = payment_problems(amount, day, method, settings=s, methods=methods,
                                    accepted_on=accepted_at.get(app_id), payment_max=payment_max)
        refused = [p for p in problems if p.finding.severity == Severity.ERROR]
        if refused:                         # what the register would not count is not imported
            for p in refused:
                note(_not_imported(p), number, p.column)
            continue
        repeat = recorded.repeat(number, app_id, amount.value, day.value, receipt)
        if repeat is not None:
            note(repeat, number, "receipt")
            if repeat.severity == Severity.ERROR or _SKIPPED in repeat.message:
                continue
        if app_id in ended:
            note(warning(f"该申报已{ended[app_id]}，不应缴费：此笔缴费应予退还", "四(六)"), number, "app_id")
        elif app_id in unsettled:
            note(warning("该申报的状态与审核记录不符（待核），暂不计应缴", "四(六)"), number, "app_id")
        elif app_id not in accounts:
            note(warning("该申报尚无应缴费用（未“已接收材料”）", "四(六)"), number, "app_id")
        elif abs(amount.value - accounts[app_id].owed) > 0.005:
            note(warning(f"金额{amount.value:g}元与欠费{accounts[app_id].owed:g}元不符", "四(六)"), number, "amount")
        for p in problems:
            note(p.finding, number, p.column)
        recorded.add(f"本表第{number}行", app_id, amount.value, day.value, receipt)
        if app_id in accounts:
            accounts[app_id] = account(accounts[app_id].due, accounts[app_id].paid + amount.value)
        out.merged.append({"app_id": app_id, "amount": amount.value, "paid_on": day.value, "method": method,
                           "receipt": receipt, "clerk": _text(e["clerk"])})
    return out


def apply_import(adapter: WorkbookAdapter, plan: FinanceImport, *, now: dt.datetime, user: str,
                 source_name: str) -> Path | None:
    """Append the plan's merged entries to 缴费 and a log row naming ``source_name`` (the
    finance file) through ``adapter``, and commit; returns the commit's result (the
    file's backup; None for the workbook open in Excel). Nothing merged: nothing is
    written or committed, and None is returned."""
    if not plan.merged:
        return None
    formats = {c.header: c.number_format for c in schema.PAYMENT_COLUMNS}
    for entry in plan.merged:
        adapter.append_row(schema.PAYMENT_SHEET, "tblPayments",
                           {c.header: entry[c.key] for c in schema.PAYMENT_COLUMNS}, formats)
    skipped = sum(1 for f in plan.findings if f.severity == Severity.ERROR)
    values, fmts = log_row("导入缴费", len(plan.merged), f"导入{len(plan.merged)}笔，跳过{skipped}笔（{source_name}）",
                           now=now, user=user)
    adapter.append_row(schema.LOG_SHEET, "tblLog", values, fmts)
    return adapter.commit()


def import_finance(book_path: Path, finance_path: Path, *, now: dt.datetime | None = None,
                   user: str | None = None) -> FinanceImport:
    """Merge the finance office's entries into 缴费 (safe write; the log records it)."""
    from ..book.evaluate import evaluate

    entries = read_entries(Path(finance_path))
    adapter = PackageAdapter(Path(book_path))
    book = book_from_values(adapter.values())
    now = now or dt.datetime.now()
    plan = plan_import(book, evaluate(book, now=now), entries)
    apply_import(adapter, plan, now=now, user=user or current_user(), source_name=Path(finance_path).name)
    return plan
