"""Use cases that make files from the register: the attachments, the publicity list, the
finance round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import Refused
from .common import assess, backup_line, files_lines, finding_line, read, unread_lines
from .register import refresh_lines
from .spec import FINDINGS, OK, Context, Outcome


def docs(ctx: Context, *, out: Path, kinds: list[int] | None = None, ids: list[str] | None = None,
         status: list[str] | None = None, templates: Path | None = None, pdf: bool = False, duplex: bool = False,
         by_employer: bool = False, all: bool = False, **_) -> Outcome:  # noqa: A002 - the option's name
    """生成材料（附件1—4）."""
    from ..outputs.documents import generate_documents, select_rows, templates_folder_for

    if templates is not None and not Path(templates).is_dir():
        raise Refused(f"找不到模板文件夹：{templates}")
    book = read(ctx, ctx.open(False))
    lines = unread_lines(book)
    known = book.choices.get("状态", set())
    unknown = [s for s in status or [] if known and s not in known]
    if unknown:
        raise Refused(f"--status：“{'、'.join(unknown)}”不是台账中的状态（可填：{'、'.join(sorted(known))}）")
    rows, selected = select_rows(book, ids, status, include_held_back=all, now=ctx.now)
    if not rows:
        raise Refused("没有符合条件的申报人员（请检查 --ids 和 --status；不予受理、视为放弃、状态与审核记录不一致和同一人"
                      "两种方式申报的默认不生成，确需生成时选 --all），未生成任何文件" + "".join(f"。{p.message}" for p in selected))
    folder = templates or (templates_folder_for(ctx.register) if ctx.register else None)
    report = generate_documents(book, out, kinds=kinds or [1, 2, 3, 4], ids=ids, status=status, pdf=pdf,
                                progress=ctx.progress, templates=folder, duplex=duplex, by_employer=by_employer,
                                include_held_back=all, now=ctx.now)
    lines += report.summary_lines(limit=None)
    if report.report_file:
        lines.append(f"以上情况已保存到：{report.report_file}")
    return Outcome(lines, report.exit_code, out=Path(out))


def publicity(ctx: Context, *, out: Path, start: dt.date, as_of: dt.datetime | None = None, **_) -> Outcome:
    """公示名单."""
    from ..outputs.publicity import build_publicity, withheld, write_publicity
    from ..rules.dates import format_date

    _, book, ev = assess(ctx, now=as_of)
    lines = unread_lines(book)
    table, end = build_publicity(book, ev, start)
    files = write_publicity(table, Path(out))
    lines.append(f"公示{len(table.rows)}人，{format_date(start)}至{format_date(end)}"
                 f"（{book.settings.result_publicity_workdays}个工作日）。")
    lines += [f"注意：公示截止日可能有误：{message}" for message in book.calendar.gaps(start, end)]
    lines += files_lines(files)
    held = withheld(book, ev)        # a typed 评审通过 without a passing tally: a finding, not a publication
    if held:
        lines += ["", f"以下{len(held)}人未列入公示（状态为“评审通过”但评审会表决结果不支持，或单元格显示错误值）："]
        lines += [finding_line(f) for f in held]
    return Outcome(lines, FINDINGS if held else OK, files=files, out=Path(out))


def finance_export(ctx: Context, *, file: Path, as_of: dt.datetime | None = None, **_) -> Outcome:
    """导出财务表."""
    from ..outputs.finance import dues, export_finance, export_summary

    _, book, ev = assess(ctx, now=as_of)
    lines = unread_lines(book)
    Path(file).parent.mkdir(parents=True, exist_ok=True)
    export_finance(book, ev, Path(file))
    lines.append(f"已生成财务表 {file}：{export_summary(ev, dues(book, ev))}。")
    from ..book.reader import error_row_lines

    held = error_row_lines(book, [r.number for r in book.table("applicants").rows
                                  if ev.computed[r.number].get("fee_due")], "应缴名单")
    if held:                                  # an Excel error value is never printed (issue 19.9)
        lines += ["", f"以下{len(held)}人的单元格显示错误值，未列入应缴名单（汇总中的金额仍含其应缴费用）："]
        lines += [f"  {line}" for line in held]
    return Outcome(lines, FINDINGS if held else OK, files=[Path(file)], out=Path(file).parent)


def finance_import(ctx: Context, *, file: Path, as_of: dt.datetime | None = None, **_) -> Outcome:
    """导入缴费: the finance office's entries into 缴费, then a refresh."""
    from ..book.evaluate import evaluate
    from ..outputs.finance import apply_import, plan_import, read_entries

    try:
        entries = read_entries(Path(file))
    except ValueError as exc:
        raise Refused(f"未导入：{exc}") from exc
    adapter = ctx.open(True)
    book = read(ctx, adapter)
    plan = plan_import(book, evaluate(book, now=as_of or ctx.now), entries)
    if plan.merged:
        ctx.progress(f"写入{len(plan.merged)}笔缴费…")
    backup = apply_import(adapter, plan, now=ctx.now, user=ctx.user, source_name=Path(file).name)
    errors = any(f.severity.value == "error" for f in plan.findings)
    lines = [f"导入{len(plan.merged)}笔缴费。"] + [finding_line(f) for f in plan.findings]
    if not plan.merged:
        return Outcome(lines, FINDINGS if errors else OK)
    lines += [backup_line(backup), "", "接着刷新计算列（已缴费用、欠费）："]
    _, more = refresh_lines(ctx, as_of=as_of)
    return Outcome(lines + more, FINDINGS if errors else OK)     # the import's own findings decide


def archive(ctx: Context, *, out: Path | None = None, verify: Path | None = None, check: bool = False,
            as_of: dt.datetime | None = None, **_) -> Outcome:
    """年度归档 (the year's sealed archive) or 核对归档 (an archive against its manifest)."""
    from ..outputs import archive as A
    from ..outputs.files import OUTPUT_FOLDER
    from .runner import NeedsValue

    if check or verify is not None:
        if verify is None:
            raise NeedsValue("请选择要核对的归档文件夹（或其中的 SHA256SUMS.txt）：--verify", "verify")
        result = A.verify(Path(verify))
        lines = [f"核对归档“{result.folder}”：清单中{result.checked + len(result.missing)}个文件，"
                 f"核对{result.checked}个。"]
        lines += [f"  已改动 {rel}" for rel in result.changed]
        lines += [f"  已缺失 {rel}" for rel in result.missing]
        lines += [f"  清单外新增 {rel}" for rel in result.added]
        lines.append("与清单完全一致，归档后没有改动。" if result.ok else "归档与清单不一致（见上）：请查明原因。")
        return Outcome(lines, OK if result.ok else FINDINGS)
    if out is None:
        raise Refused("请指定归档的输出文件夹（--out）")
    adapter, book, ev = assess(ctx, now=as_of)
    lines = unread_lines(book)
    register = ctx.register
    if register is None:
        raise Refused("台账尚未保存到本机文件夹：请先保存台账再归档（归档保存的是台账文件的原样副本）。")
    made = A.build(register, book, ev, Path(out), now=as_of or ctx.now, outputs=register.parent / OUTPUT_FOLDER,
                   progress=ctx.progress, destination=ctx.destination)
    lines += [f"已归档{len(made.files)}个文件：{made.folder}", f"压缩包：{made.zip}",
              f"清单 {A.MANIFEST} 的摘要：{made.digest}（印在归档目录上，请打印目录签字）"]
    lines += [f"说明：{note}" for note in made.notes]
    return Outcome(lines, FINDINGS if made.notes else OK, files=[made.folder / A.INDEX, made.zip], out=Path(out))
