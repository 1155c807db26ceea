"""The result publicity list (notice 一(五)): those passed, by specialty and level,
ID numbers masked, the publicity period in Aksu working days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..book.evaluate import Evaluation
from ..book.reader import Book, cell_text as _text, error_row_lines, error_rows
from ..rules.dates import format_date
from ..rules.identity import mask_id, normalise_id
from ..rules.base import Finding, Severity
from ..rules.meeting import PASSED, published, status_against_tally
from .tables import Column, PrintTable, write_docx, write_xlsx

STEM = "评审结果公示名单"


def _publishable(ev: Evaluation, number: int) -> bool:
    """The stage of the application still holds it accepted (四(四)): an application that
    has since ended, or whose 状态 and 审核记录 disagree, is not published."""
    stage = ev.stages.get(number)
    return stage is not None and stage.accepted


def withheld(book: Book, ev: Evaluation) -> list[Finding]:
    """Applications kept off the list although 状态 or the tally says 评审通过 (一(五)): a
    typed 评审通过 without a passing tally, a passing tally of an application whose stage no
    longer holds it accepted, and a passed row showing an Excel error value
    (:func:`~addin.book.reader.error_rows`, issue 19.9); each a finding naming the person."""
    table = book.table("applicants")
    out = []
    for row in table.rows:
        status, tally = _text(row.values_by_key.get("status")), ev.computed[row.number].get("meeting_result")
        who = f"{_text(row.values_by_key.get('app_id'))} {_text(row.values_by_key.get('name'))}".strip()
        if status == PASSED and not published(tally):
            finding = status_against_tally(status, tally)
        elif published(tally) and not _publishable(ev, row.number):
            stage = ev.stages.get(row.number)
            why = "、".join(stage.held) if stage is not None and stage.held else "申报已不在评审中"
            finding = Finding(f"评审会表决为评审通过，但{why}：不列入评审结果公示，请核对", Severity.ERROR, "一(五)")
        else:
            continue
        out.append(table.locate(finding, row.number, "status").about(who))
    held = error_rows(book)                   # an Excel error value is never published (issue 19.9)
    for row in table.rows:
        if row.number in held and published(ev.computed[row.number].get("meeting_result")) \
                and _publishable(ev, row.number):
            column = table.errors[row.number][0][1].rsplit("!", 1)[-1].rstrip("0123456789")
            out += [Finding(line, Severity.ERROR, "一(五)", table.sheet, row.number, column)
                    for line in error_row_lines(book, [row.number], "公示")]
    return out


def build_publicity(book: Book, ev: Evaluation, start: dt.date) -> tuple[PrintTable, dt.date]:
    """The list and the last day of the publicity (start + the settings' working days).
    Only those the meeting's tally passed are listed (:func:`rules.meeting.published`),
    and only while their stage holds them accepted; see :func:`withheld` for those kept off. By specialty in the data's
    order (公路, 运输, 交通经济), then level in the settings' order."""
    s, catalog = book.settings, book.catalog
    end = book.calendar.publicity_end(start, s.result_publicity_workdays)
    specialty_key, levels = book.sort_key("专业"), list(s.fees)
    passed = []
    held = error_rows(book)                   # a row showing an Excel error value: see withheld
    for row in book.table("applicants").rows:
        v, c = row.values_by_key, ev.computed[row.number]
        if not published(c.get("meeting_result")) or not _publishable(ev, row.number) or row.number in held:
            continue
        title = catalog.title(v.get("target_title")).value
        level = title.level if title else ""
        number = v.get("id_number")
        shown = mask_id(number) if s.mask_public_ids else normalise_id(number)
        passed.append((specialty_key(_text(v.get("specialty"))), levels.index(level) if level in levels else len(levels),
                       [_text(v.get("name")), _text(v.get("sex")), _text(v.get("employer")), _text(v.get("series")),
                        _text(v.get("specialty")), title.name if title else _text(v.get("target_title")), level, shown]))
    passed.sort(key=lambda p: (p[0], p[1]))
    rows = [[i, *p[2]] for i, p in enumerate(passed, start=1)]
    cols = [Column("序号", 6), Column("姓名", 14), Column("性别", 6), Column("工作单位", 30, wrap=True), Column("系列", 10),
            Column("专业", 9), Column("评审通过职称", 13), Column("级别", 6), Column("身份证号", 22)]
    notes = [f"经{s.committee_name}评审，下列{len(rows)}名同志通过{s.campaign_year}年度职称评审，现予以公示。",
             f"公示时间：{format_date(start)}至{format_date(end)}（{s.result_publicity_workdays}个工作日）。",
             f"公示期间如有异议，请以电话或书面形式向{s.contact_office}反映。联系电话：{s.contact_phone}；"
             f"监督举报电话：{s.supervision_phone}；来信来访地址：{s.address}。"]
    table = PrintTable(f"{s.campaign_year}年度职称评审结果公示", cols, rows, notes=notes,
                       sign_unit=s.issuer, sign_date=start, header_text=f"{s.issuer}　评审结果公示",
                       properties_title="评审结果公示名单", keep=(s.committee_name, s.issuer))
    return table, end


def write_publicity(table: PrintTable, out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return [write_xlsx(table, out_dir / f"{STEM}.xlsx"), write_docx(table, out_dir / f"{STEM}.docx")]
