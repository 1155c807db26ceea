"""What a run of the attachments (:func:`addin.outputs.documents.generate_documents`)
reports: the documents written, the combined print files and PDFs, and every
:class:`Problem` the clerk must look at (a field shown as （未填）, a template that could
not be used, a PDF that failed), with its summary in Chinese (生成情况.txt)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..book import schema
from ..rules.base import Finding, Severity
from .mailmerge import Rendered
from .templates import ATTACHMENTS

@dataclass(frozen=True)
class Problem:
    """Something the clerk must look at: a field shown as （未填）, a template that
    could not be used, a PDF that failed."""

    message: str
    severity: Severity = Severity.WARNING
    kind: int | None = None          # attachment number, None when about the whole run
    app_id: str = ""
    name: str = ""
    field: str = ""                  # the register's column (or setting) concerned
    row: int | None = None           # row in 申报人员
    column: str | None = None        # column letter in 申报人员

    @property
    def attachment(self) -> str:
        return f"{ATTACHMENTS[self.kind].label} {ATTACHMENTS[self.kind].title}" if self.kind else ""

    @property
    def finding(self) -> Finding:
        where = "、".join(p for p in (self.attachment, self.field) if p)
        return Finding(f"{where}：{self.message}" if where else self.message, self.severity, None,
                       schema.APPLICANT_SHEET if self.row else None, self.row, self.column)

    def __str__(self) -> str:
        who = " ".join(p for p in (self.app_id, self.name) if p)
        head = " · ".join(p for p in (self.attachment, who) if p)
        body = f"{self.field}：{self.message}" if self.field else self.message
        where = f"（{self.finding.location}）" if self.row else ""
        return f"{head}：{body}{where}" if head else f"{body}{where}"


@dataclass
class GeneratedDocument:
    kind: int
    app_id: str
    name: str
    row: int
    docx: Path
    pdf: Path | None = None
    rendered: Rendered | None = field(default=None, repr=False)    # for the per-employer print files
    unit: str = ""                   # the unit that publicises and returns it (四(二))


@dataclass
class DocsReport:
    out_dir: Path
    kinds: tuple[int, ...]
    selected: int = 0
    documents: list[GeneratedDocument] = field(default_factory=list)
    combined: dict[int, Path] = field(default_factory=dict)
    combined_pdf: dict[int, Path | None] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)           # information, not problems
    templates: dict[int, str] = field(default_factory=dict)  # kind -> where its template came from
    skipped: dict[int, int] = field(default_factory=dict)    # kind -> applicants it does not apply to
    held: dict[int, int] = field(default_factory=dict)       # kind -> documents held back (unprintable values)
    pdf_requested: bool = False
    report_file: Path | None = None
    packages: list = field(default_factory=list)              # per-employer packages (see .packages)
    duplex: bool = False                                      # combined files start each applicant on an odd page

    @property
    def ok(self) -> bool:
        return not self.problems

    def __len__(self) -> int:
        """Files written: documents, combined files and PDFs."""
        return len(self.documents) + len(self.combined) + self.pdf_count

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    @property
    def missing(self) -> list[Problem]:
        """The fields shown as （未填） or （有误，请核对）, one per applicant, attachment and field."""
        return [p for p in self.problems if p.field and p.kind]

    def by_kind(self, kind: int) -> list[GeneratedDocument]:
        return [d for d in self.documents if d.kind == kind]

    @property
    def pdf_count(self) -> int:
        return (sum(1 for d in self.documents if d.pdf) + sum(1 for p in self.combined_pdf.values() if p)
                + sum(1 for package in self.packages for p in package.pdfs.values() if p))

    def summary_lines(self, *, limit: int | None = None) -> list[str]:
        """The report in Chinese; ``limit`` caps the applicants listed per problem."""
        out = [f"附件生成情况（{self.selected}名申报人员）：输出文件夹 {self.out_dir}"]
        for kind in self.kinds:
            att = ATTACHMENTS[kind]
            docs = self.by_kind(kind)
            line = f"  {att.label} {att.title}：{len(docs)}份"
            if kind in self.skipped and self.skipped[kind]:
                line += f"（{'另有' if docs else ''}{self.skipped[kind]}人未标“免修继续教育”，不需要此表）"
            if self.held.get(kind):
                line += f"（{self.held[kind]}份内容有误或缺少公示日期，暂不生成，见下方问题）"
            if kind in self.combined:
                line += f"；合并打印：{self.combined[kind].name}"
            if kind in self.templates:
                line += f"；模板：{self.templates[kind]}"
            out.append(line)
        if self.pdf_requested:
            total = len(self.documents) + len(self.combined) + sum(len(p.printed) for p in self.packages)
            out.append(f"  PDF：{self.pdf_count}/{total}份")
        for note in self.notes:
            out.append(f"  说明：{note}")
        if not self.problems:
            out.append("没有发现问题。")
            return out
        grouped: dict[tuple[str, str], dict[tuple, Problem]] = defaultdict(dict)
        kinds_of: dict[tuple[str, str], set[int]] = defaultdict(set)
        others = []
        for p in self.problems:
            if p.field and p.kind and p.app_id:
                grouped[(p.field, p.message)].setdefault((p.app_id, p.name, p.row), p)
                kinds_of[(p.field, p.message)].add(p.kind)
            else:
                others.append(p)
        count = len(others) + sum(len(items) for items in grouped.values())
        out.append(f"需要处理的问题{count}处（同一人的同一项出现在几个附件中的，合并列出）：")
        for p in others:
            out.append(f"  {p}")
        for (fld, message), items in grouped.items():
            who = [f"{p.app_id} {p.name}".strip() + (f"（{p.finding.location}）" if p.row else "")
                   for p in items.values()]
            shown = who if limit is None else who[:limit]
            more = f"等{len(who)}人" if len(shown) < len(who) else f"共{len(who)}人"
            kinds = "、".join(str(k) for k in sorted(kinds_of[(fld, message)]))
            out.append(f"  附件{kinds} · {fld}：{message}，{more}：" + "、".join(shown))
        return out

    def summary(self, *, limit: int | None = 10) -> str:
        return "\n".join(self.summary_lines(limit=limit))
