"""Attachments 1-4 of the notice, mail-merged from the register (notice 四(一)8, 四(二),
四(四), attachments 1-4).

``generate_documents(book, out_dir)`` writes one .docx per applicant and attachment,
one combined .docx per attachment for batch printing and, on request, PDFs of all of
them in one LibreOffice call. It takes a :class:`~addin.book.reader.Book`, so it runs
on a workbook file (``zhicheng docs``) and on the workbook open in Excel alike; it
never writes to the workbook.

Each placeholder's value comes from :mod:`.placeholders` (nothing left silently blank,
nothing unusable printed); the run's report is :mod:`.report`. Which applications get
documents follows their stage (:func:`addin.book.stages.application_stages`):
attachments 1-3 are made from 填报中 on (the unit publicises before it submits, 四(二));
applications that have ended (不予受理, 视为放弃), whose 状态 and 审核记录 disagree, or
of one person by both routes (三) are held back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable

from ..book.stages import Stages, application_stages
from ..book.reader import Book, RowData, error_row_lines, error_rows
from ..errors import disk_state, os_reason
from ..rules.base import Severity
from ..rules.catalog import clean_word
from ..rules.recommendation import RECOMMEND_SENTENCE
from ..rules.settings import parse_bool
from ..rules.workflow import OUT_STATUSES
from .files import safe_filename, unique_path, write_bytes_atomic
from .mailmerge import CompiledTemplate, Properties, Rendered, TemplateError
from .pdf import PdfUnavailable, compact, convert_to_pdf, font_substitutions, pdf_text, pdftotext_available
from .placeholders import (KEPT_WHOLE, KEPT_WORDS, MISSING, Value, header_of, value_problems,
                           applicant_values, clean_text, normalise_name, unprintable)
from .progress import Progress, reporter
from .report import DocsReport, GeneratedDocument, Problem
from .templates import ATTACHMENTS, PLACEHOLDERS, packaged_template

TEMPLATES_FOLDER = "templates"
REPORT_FILE = "生成情况.txt"


def templates_folder_for(workbook: Path) -> Path:
    """The templates folder staff keep beside their workbook."""
    return Path(workbook).resolve().parent / TEMPLATES_FOLDER


def load_templates(kinds: Iterable[int], folder: Path | None = None
                   ) -> tuple[dict[int, CompiledTemplate], dict[int, str], list[Problem], list[str]]:
    """The compiled template of each kind: from ``folder`` when it holds one, else the
    packaged copy. A template that cannot be used (not a .docx, a placeholder written
    wrongly or unknown) is a problem, and its attachment is not generated."""
    compiled: dict[int, CompiledTemplate] = {}
    sources: dict[int, str] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    folder_ok = folder is not None and Path(folder).is_dir()
    for kind in sorted(kinds):
        att = ATTACHMENTS[kind]
        path = None
        if folder_ok:
            candidates = (Path(folder) / att.filename, Path(folder) / att.packaged_name)
            path = next((p for p in candidates if p.is_file()), None)
            if path is None:
                notes.append(f"模板文件夹中没有“{att.filename}”，{att.label}使用内置模板")
        label = f"“{path.name}”" if path else f"内置模板（{att.label}）"
        try:
            data = path.read_bytes() if path else packaged_template(kind)
            template = CompiledTemplate(data, source=f"模板{label}")
        except (TemplateError, OSError) as exc:
            problems.append(Problem(f"{exc}；{att.label}未生成", Severity.ERROR, kind))
            continue
        unknown = sorted(template.variables - PLACEHOLDERS.keys())
        if unknown:
            names = "、".join(f"“{{{{ {u} }}}}”" for u in unknown)
            problems.append(Problem(f"模板{label}中的占位符{names}无法识别（是否写错？可用的占位符见模板文件夹中的"
                                    f"“说明.txt”）；{att.label}未生成", Severity.ERROR, kind, field="模板"))
            continue
        for fragment in template.stray:
            problems.append(Problem(f"模板{label}中有不完整的占位符（“…{fragment}…”附近），该处会原样印出，请检查",
                                    Severity.WARNING, kind, field="模板"))
        if kind == 2 and "推荐意见" not in template.variables and RECOMMEND_SENTENCE not in template.text:
            problems.append(Problem(f"模板{label}中没有通知四(四)要求的原文“{RECOMMEND_SENTENCE}”",
                                    Severity.ERROR, kind, field="模板"))
        compiled[kind] = template
        sources[kind] = label.strip("“”")
    return compiled, sources, problems, notes


# --- generation ---------------------------------------------------------------------------

def value_list(values: Iterable[object] | str | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = re.split(r"[,，、;；\s]+", values)
    return [clean_word(v) for v in values if clean_word(v)]


def held_back(book: Book, rows: Iterable[RowData], stages: Stages | None = None, *,
              now: dt.datetime | None = None) -> dict[int, list[str]]:
    """Rows that get no documents by default, with why: the stage of the application
    (:func:`addin.book.stages.application_stages`, judged at ``now``) has ended it
    (不予受理, 视为放弃), its 状态 and 审核记录 disagree, or the same person applies by both
    routes (三) until one is withdrawn. 填报中 is not held back: attachments 1-3 are
    needed before the application is submitted (四(二))."""
    stages = stages or application_stages(book, now=now or dt.datetime.now())
    out = {}
    for row in rows:
        stage = stages.stages.get(row.number)
        why = stage.held if stage is not None else []
        if why:
            out[row.number] = why
    return out


def select_rows(book: Book, ids=None, status=None, *, include_held_back: bool = False,
                now: dt.datetime | None = None, stages: Stages | None = None
                ) -> tuple[list[RowData], list[Problem]]:
    """The register rows to generate for: all live applications, or those with the given
    application ids and/or statuses. Applications :func:`held_back` (by their stage at
    ``now``, default: the present moment) are left out unless ``include_held_back``
    (``zhicheng docs --all``); :func:`held_back_notes` says which."""
    rows = book.table("applicants").rows
    problems = []
    wanted_ids = value_list(ids)
    statuses = set(value_list(status) or [])
    if wanted_ids is not None:
        present = {clean_word(r.values_by_key.get("app_id")) for r in rows}
        for app_id in wanted_ids:
            if app_id not in present:
                problems.append(Problem(f"申报编号“{app_id}”不在申报人员表中", Severity.ERROR))
        rows = [r for r in rows if clean_word(r.values_by_key.get("app_id")) in set(wanted_ids)]
    if statuses:
        rows = [r for r in rows if clean_word(r.values_by_key.get("status")) in statuses]
    errors = error_rows(book)                 # an Excel error value is never printed, --all or not (issue 19.9)
    problems += [Problem(line, Severity.ERROR) for line in error_row_lines(book, [r.number for r in rows], "附件")]
    rows = [r for r in rows if r.number not in errors]
    if include_held_back:
        return rows, problems
    held = held_back(book, rows, stages, now=now)
    return [r for r in rows if r.number not in held], problems


def held_back_notes(book: Book, ids=None, status=None, *, now: dt.datetime | None = None,
                    stages: Stages | None = None) -> list[str]:
    """What the selection left out (:func:`held_back`), for the report: the count per
    status that ended the application, and each application whose 状态 and 审核记录
    disagree or that is one of a route conflict, named with the reason."""
    stages = stages or application_stages(book, now=now or dt.datetime.now())
    rows, _ = select_rows(book, ids, status, include_held_back=True)
    counts: dict[str, int] = defaultdict(int)
    out = []
    for row in rows:
        stage = stages.stages.get(row.number)
        if stage is None or not stage.held:
            continue
        who = f"{clean_word(row.values_by_key.get('app_id'))} {normalise_name(row.values_by_key.get('name'))}".strip()
        if not stage.settled:
            out.append(f"未生成附件：{who}（申报人员第{row.number}行）{stage.conflict.message if stage.conflict else stage.held[0]}")
        elif stage.out:
            counts[stage.status] += 1
        if stage.route_conflict and row.number in stages.route_conflicts:
            out.append(f"未生成附件：{who}（申报人员第{row.number}行）{stages.route_conflicts[row.number].message}，"
                       "请撤回其中一种申报（确需生成时加 --all）")
    if counts:
        ordered = sorted(counts.items(), key=lambda kv: OUT_STATUSES.index(kv[0]) if kv[0] in OUT_STATUSES else 9)
        out.insert(0, "未生成附件（申报已终止）：" + "、".join(f"{k}{n}人" for k, n in ordered) + "；确需生成时加 --all")
    return out


def _applies(kind: int, row: RowData) -> tuple[bool, str | None]:
    """Attachment 4 only for applicants marked 免修继续教育 (notice 四(一)6)."""
    if kind != 4:
        return True, None
    parsed = parse_bool(row.values_by_key.get("ce_exempt"))
    if parsed.finding:
        return False, parsed.finding.message
    return bool(parsed.value), None


def generate_documents(book: Book, out_dir: Path, *, kinds: Iterable[int] = (1, 2, 3, 4), ids=None, status=None,
                       pdf: bool = False, progress: Progress | None = None, templates: Path | None = None,
                       combined: bool = True, write_report: bool = True, duplex: bool = False,
                       by_employer: bool = False, now: dt.datetime | None = None,
                       include_held_back: bool = False) -> DocsReport:
    """Attachments ``kinds`` for the selected applicants into ``out_dir``.

    Layout: ``<out_dir>/附件1-推荐单位公示/<申报编号>-<姓名>-推荐单位公示.docx`` for each
    applicant, ``<out_dir>/附件1-推荐单位公示-合并打印.docx`` for printing, PDFs beside
    them with ``pdf=True``, and ``<out_dir>/生成情况.txt`` (the report). ``templates`` is
    a folder of edited templates (see :func:`templates_folder_for`); missing templates
    come from the package. ``progress`` (see :data:`Progress`) hears how far the work
    is. ``ids`` and ``status`` select applicants (lists or comma-separated text); only
    live applications get documents unless ``include_held_back`` (see :func:`select_rows`).
    The report's ``len()`` is the number of files written.

    ``duplex``: in the combined files each applicant starts on an odd page (a blank back
    page where needed). ``by_employer``: also one folder per unit with its applicants'
    attachments 1-3, one print file and a cover list (see :mod:`.packages`). Each document
    carries its own title and subject, created ``now`` (default: the moment of generation).
    """
    now = now or dt.datetime.now()
    kinds = tuple(sorted(set(int(k) for k in kinds)))
    bad = [k for k in kinds if k not in ATTACHMENTS]
    if bad or not kinds:
        raise ValueError(f"附件编号应为1—4，实为：{'、'.join(map(str, bad)) or '空'}")
    say = reporter(progress)
    out_dir = Path(out_dir)
    report = DocsReport(out_dir, kinds, pdf_requested=pdf, duplex=duplex)
    compiled, report.templates, problems, report.notes = load_templates(kinds, templates)
    report.problems += problems
    stages = application_stages(book, now=now)
    rows, problems = select_rows(book, ids, status, include_held_back=include_held_back, stages=stages)
    report.problems += problems
    report.selected = len(rows)
    if not include_held_back:
        report.notes += held_back_notes(book, ids, status, stages=stages)
    plan = _plan(book, rows, [k for k in kinds if k in compiled], report)
    kinds_planned = sorted({k for k, _ in plan})
    steps = len(plan) + (len(kinds_planned) if combined else 0)
    total = steps * (2 if pdf else 1)          # converting and checking weigh about as much as writing
    done = 0
    out_dir.mkdir(parents=True, exist_ok=True)
    values_cache: dict[int, dict[str, Value]] = {}
    rendered: dict[int, list[Rendered]] = defaultdict(list)
    working: set[int] = set()       # kinds whose template rendered at least once
    broken: set[int] = set()
    taken: dict[int, set[str]] = defaultdict(set)
    folders: dict[int, Path] = {}
    for kind, row in plan:
        att = ATTACHMENTS[kind]
        template = compiled[kind]
        values = values_cache.get(row.number)
        if values is None:
            values = values_cache[row.number] = applicant_values(book, row, stages.stages.get(row.number))
        app_id, name = values["申报编号"], values["姓名"]
        app_text = app_id.text if app_id.ok else ""
        name_text = name.text if name.ok else ""
        say(done, total, f"{att.label} {app_text} {name_text}".strip())
        if kind in broken:
            done += 1
            continue
        blocked = unprintable(values, template.variables, kind, app_text, name_text, row, book)
        if blocked:                 # never print （有误，请核对） or a publicity without its dates
            report.problems += blocked
            report.held[kind] = report.held.get(kind, 0) + 1
            done += 1
            continue
        context = {p: values[p].text if p in values else MISSING for p in template.variables}
        try:
            doc = template.render(context, keep=[name_text] + [values[k].text for k in KEPT_WHOLE if values[k].ok],
                                  keep_words=[values[k].text for k in KEPT_WORDS if k in values and values[k].ok])
            template.check(doc)
        except Exception as exc:  # noqa: BLE001 - a template is staff's input: report it, never crash
            if kind in working:         # the template works for others: this applicant's data broke it
                report.problems.append(Problem(f"无法生成文档：{exc}", Severity.ERROR, kind, app_text, name_text,
                                               row=row.number))
            else:
                broken.add(kind)
                report.problems.append(Problem(f"模板“{report.templates.get(kind, att.label)}”无法生成文档：{exc}；"
                                               f"{att.label}未生成，请检查模板中的占位符", Severity.ERROR, kind))
            done += 1
            continue
        working.add(kind)
        report.problems += value_problems(values, template.variables, kind, app_text, name_text, row, book)
        folder = folders.get(kind)
        if folder is None:
            folder = folders[kind] = out_dir / safe_filename(att.label, att.title)
            folder.mkdir(exist_ok=True)
        filename = safe_filename(app_text or f"第{row.number}行", name_text, att.title, suffix=".docx")
        path = unique_path(folder, filename, taken[kind])
        properties = Properties(f"{att.title}（{name_text or app_text}）",
                                f"{book.settings.campaign_year}年度职称评审 {att.label} {att.title}", now)
        try:
            write_bytes_atomic(path, template.to_bytes(doc, properties))
        except OSError as exc:
            if disk_state(exc):               # a full disk stops the run: a refusal, nothing left (issue 19.8)
                raise
            report.problems.append(Problem(f"无法写入“{path.name}”（文件可能正被 Word/WPS 打开）：{os_reason(exc)}",
                                           Severity.ERROR, kind, app_text, name_text, row=row.number))
            done += 1
            continue
        rendered[kind].append(doc)
        report.documents.append(GeneratedDocument(kind, app_text, name_text, row.number, path, rendered=doc,
                                                  unit=values["公示单位"].text if values["公示单位"].ok else ""))
        done += 1
    if combined:
        for kind in kinds_planned:
            att = ATTACHMENTS[kind]
            say(done, total, f"合并打印 {att.label}")
            if rendered[kind]:
                path = out_dir / safe_filename(att.label, att.title, "合并打印", suffix=".docx")
                properties = Properties(f"{att.title}（合并打印，{len(rendered[kind])}份）",
                                        f"{book.settings.campaign_year}年度职称评审 {att.label} {att.title}", now)
                try:
                    write_bytes_atomic(path, compiled[kind].combine(rendered[kind], properties, odd_page_starts=duplex))
                    report.combined[kind] = path
                except OSError as exc:
                    if disk_state(exc):
                        raise
                    report.problems.append(Problem(f"无法写入“{path.name}”（文件可能正被 Word/WPS 打开）："
                                                   f"{os_reason(exc)}", Severity.ERROR, kind))
            done += 1
    if duplex and report.combined:
        report.notes.append("合并打印文件按双面打印编排：每人从奇数页（正面）开始，页码连续编排")
    if by_employer:
        from .packages import write_packages

        say(done, total, "按单位整理")
        write_packages(book, report, compiled, duplex=duplex, now=now)
    if pdf:
        _pdfs(report, lambda fraction, _t, m: say(steps + fraction * steps, total, m))
    say(total, total, "完成")
    if write_report:
        report.report_file = out_dir / REPORT_FILE
        try:
            text = "\n".join(report.summary_lines(limit=None)) + "\n"
            write_bytes_atomic(report.report_file, text.replace("\n", "\r\n").encode("utf-8-sig"))
        except OSError as exc:
            if disk_state(exc):
                raise
            report.report_file = None
    return report


def _plan(book: Book, rows: list[RowData], kinds: list[int], report: DocsReport) -> list[tuple[int, RowData]]:
    """(attachment, row) for each document to write; attachment 4 only where it applies."""
    plan = []
    for kind in kinds:
        for row in rows:
            applies, why = _applies(kind, row)
            if why:
                app_id = clean_text(row.values_by_key.get("app_id"))
                name = normalise_name(row.values_by_key.get("name"))
                report.problems.append(Problem(why, Severity.WARNING, kind, app_id, name, header_of("ce_exempt"),
                                               row.number, book.table("applicants").letter("ce_exempt")))
            if applies:
                plan.append((kind, row))
            elif not why:
                report.skipped[kind] = report.skipped.get(kind, 0) + 1
    return plan


def _pdfs(report: DocsReport, progress: Callable[[float, int, str], None]) -> None:
    """Every .docx to PDF in one LibreOffice call, then check each PDF's text."""
    packaged = [(package, path) for package in report.packages for path in package.printed]
    sources = [d.docx for d in report.documents] + list(report.combined.values()) + [path for _, path in packaged]
    if not sources:
        return
    try:
        results = convert_to_pdf(sources, progress=lambda n, t: progress(n / max(t, 1) * 0.8, 1, f"转换PDF {n}/{t}"),
                                 keep_blank_pages=report.duplex)
    except PdfUnavailable as exc:
        report.problems.append(Problem(str(exc), Severity.ERROR))
        return
    substituted = font_substitutions()
    if substituted:
        report.notes.append("PDF 中的字体：本机未安装公文字体，" +
                            "；".join(f"{name}以{used}代替" for name, used in substituted.items()) +
                            "（Word/WPS 中打开 .docx 仍使用原字体）")
    checking = pdftotext_available()
    if not checking:
        report.notes.append("未安装 pdftotext（poppler-utils），未核对 PDF 的文字")
    for i, doc in enumerate(report.documents):
        doc.pdf = results.get(doc.docx)
        if doc.pdf is None:
            report.problems.append(Problem(f"“{doc.docx.name}”未能转换为PDF（LibreOffice 未生成文件）", Severity.ERROR,
                                           doc.kind, doc.app_id, doc.name, row=doc.row))
            continue
        if checking:
            progress(0.8 + 0.2 * i / max(len(report.documents), 1), 1, f"核对PDF {doc.app_id}")
            expected = [doc.name or ATTACHMENTS[doc.kind].title]
            message = _check_pdf(doc.pdf, expected)
            if message:
                report.problems.append(Problem(message, Severity.ERROR, doc.kind, doc.app_id, doc.name, row=doc.row))
    for kind, path in report.combined.items():
        pdf_path = results.get(path)
        report.combined_pdf[kind] = pdf_path
        if pdf_path is None:
            report.problems.append(Problem(f"“{path.name}”未能转换为PDF", Severity.ERROR, kind))
        elif checking:
            names = [d.name for d in report.by_kind(kind) if d.name]
            message = _check_pdf(pdf_path, [ATTACHMENTS[kind].title] + names)
            if message:
                report.problems.append(Problem(f"“{pdf_path.name}”{message}", Severity.ERROR, kind))
    for package, path in packaged:           # the per-employer print files and cover lists
        pdf_path = package.pdfs[path] = results.get(path)
        if pdf_path is None:
            report.problems.append(Problem(f"“{package.unit}”的“{path.name}”未能转换为PDF", Severity.ERROR))
        elif checking:
            message = _check_pdf(pdf_path, [name for _, name in package.people if name])
            if message:
                report.problems.append(Problem(f"“{package.unit}”的“{pdf_path.name}”{message}", Severity.ERROR))


def _check_pdf(path: Path, expected: list[str]) -> str | None:
    text = pdf_text(path)
    if text is None:
        return "PDF无法读取（pdftotext 失败）"
    flat = compact(text)
    lost = [e for e in expected if compact(e) not in flat]
    if lost:
        return "PDF中找不到：" + "、".join(lost[:5]) + ("等" if len(lost) > 5 else "")
    return None
