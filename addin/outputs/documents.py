"""Attachments 1-4 of the notice, mail-merged from the register (notice 四(一)8, 四(二),
四(四), attachments 1-4).

``generate_documents(book, out_dir)`` writes one .docx per applicant and attachment,
one combined .docx per attachment for batch printing and, on request, PDFs of all of
them in one LibreOffice call. It takes a :class:`~addin.book.reader.Book`, so it runs
on a workbook file (``zhicheng docs``) and on the workbook open in Excel alike; it
never writes to the workbook.

Nothing is left silently blank: a field the register lacks prints as （未填） and the
report lists applicant, attachment and field for each. A document that would print a
value that cannot be used (（有误，请核对）, （未能计算）) or a unit publicity without its
dates is not written: the report names the applicant, the attachment and the reason
(exit 1). Which applications get documents follows their stage
(:func:`addin.book.evaluate.application_stages`): attachments 1-3 are made from 填报中
on (the unit publicises before it submits, 四(二)); applications that have ended
(不予受理, 视为放弃), whose 状态 and 审核记录 disagree, or of one person by both routes
(三) are held back. Names print as typed (compared normalised). Numbers and wording
come from the settings (参数), the templates and packaged data, not from this code.

``python -m addin.outputs.documents --golden`` rewrites the golden files of the tests.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Mapping

from ..book import schema
from ..book.evaluate import Stages, application_stages, employer_contacts
from ..book.reader import Book, RowData, error_row_lines, error_rows
from ..rules.base import Finding, RuleInputError, Severity, cites
from ..rules.catalog import clean_word
from ..rules.dates import format_date, parse_date
from ..rules.identity import check_id, mask_id
from .. import data
from ..rules.recommendation import (current_title_phrase, objection_contact, publicising_unit,
                                    publicity_before_submission, publicity_start_warning, recommender_setting,
                                    recommending_unit)
from ..rules.settings import parse_bool
from ..rules.workflow import OUT_STATUSES, Stage
from ..book.safe_write import disk_state, os_reason
from .files import safe_filename, unique_path, write_bytes_atomic
from .layout import normalise_phones
from .mailmerge import CompiledTemplate, Properties, Rendered, TemplateError
from .pdf import PdfUnavailable, compact, convert_to_pdf, font_substitutions, pdf_text, pdftotext_available
from .templates import ATTACHMENTS, PLACEHOLDERS, packaged_template

MISSING = "（未填）"
#: placeholders naming units: a line end may fall between their words, never inside one
#: (the person's name is never split at all)
KEPT_WORDS = ("工作单位", "公示单位", "推荐单位", "联系科室", "发文单位")
#: placeholders kept whole besides the name: titles (高级工程师)
KEPT_WHOLE = ("拟申报职称", "现职称")
INVALID = "（有误，请核对）"
UNDETERMINED = "（未能确定，请按表注填写）"
NOT_COMPUTED = "（未能计算）"
#: the basic-unit opinion, word for word (notice 四(四))
RECOMMEND_SENTENCE = "本单位已对申报材料逐一审核，申报人所提供材料真实、完整、有效，同意推荐"
TEMPLATES_FOLDER = "templates"
REPORT_FILE = "生成情况.txt"
#: applicants of the committed sample whose documents are kept as golden files
GOLDEN_APPLICANTS = ("2024-027", "2024-061")
GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "documents"

#: what a progress callback receives: a Chinese message such as "生成附件 37/188：附件1 2024-037 张三"
#: (Excel shows it in the status bar); an object that also has ``update(done, total, message)``
#: (a progress bar, see :class:`TerminalProgress`) gets that call instead
Progress = Callable[[str], None]
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_NAME_DOTS = re.compile(r"(?<=\S)\s*[•・．.∙‧⋅･]\s*(?=\S)")


# --- results ------------------------------------------------------------------------------

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


# --- reading the register -----------------------------------------------------------------

_HEADERS = {c.key: c.header for c in schema.APPLICANT_INPUTS + schema.APPLICANT_INPUTS_2 + schema.APPLICANT_COMPUTED}


def _header(key: str) -> str:
    return _HEADERS.get(key, key)


def clean_text(value: object, *, multiline: bool = False) -> str:
    """A cell as document text: characters XML cannot hold removed, line ends unified,
    tabs as spaces; single-line fields have their line breaks turned into spaces."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, dt.date):
        return format_date(value if not isinstance(value, dt.datetime) else value.date())
    text = _XML_ILLEGAL.sub("", str(value)).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if not multiline:
        text = re.sub(r"\s*\n\s*", " ", text)
    else:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.replace("\u3000", " ").strip() if not multiline else text.strip()


def normalise_name(value: object) -> str:
    """A name as printed: the middle dot of Uyghur, Kazakh... names written as U+00B7
    whichever dot the clerk typed (•, ・, ．, .)."""
    return _NAME_DOTS.sub("·", clean_text(value))


@dataclass(frozen=True)
class Issue:
    """Why a placeholder's text is not simply the register's value."""

    field: str                  # the register's column header, or a setting
    message: str
    key: str | None = None      # schema key, to locate the cell


@dataclass(frozen=True)
class Value:
    """One placeholder's text, and the issues behind it if the text is not the data."""

    text: str
    issues: tuple[Issue, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def is_missing(self) -> bool:
        return any(i.message == "未填" for i in self.issues)


def _ok(text: str) -> Value:
    return Value(text)


def _missing(key: str, label: str | None = None, text: str = MISSING) -> Value:
    return Value(text, (Issue(label or _header(key), "未填", key),))


def _invalid(key: str, message: str, label: str | None = None, text: str = INVALID) -> Value:
    return Value(text, (Issue(label or _header(key), message, key),))


@dataclass(frozen=True)
class ReviewerRule:
    words: tuple[str, ...]
    and_words: tuple[str, ...]
    reviewer: str
    source: str


@lru_cache(maxsize=1)
def exemption_reviewers() -> tuple[ReviewerRule, ...]:
    """Who reviews a continuing-education exemption (attachment 4, notes 1-2), as packaged
    data: the first row whose words (and, if any, and-words) occur in the reason wins."""
    source = resources.files("addin.data").joinpath("templates").joinpath("exemption-reviewers.csv")
    text = source.read_text(encoding="utf-8")
    split = lambda cell: tuple(w for w in re.split(r"[、,，;；\s]+", cell or "") if w)  # noqa: E731
    return tuple(ReviewerRule(split(r["words"]), split(r["and_words"]), r["reviewer"].strip(), r["source"].strip())
                 for r in csv.DictReader(io.StringIO(text)))


@cites("四(一)6")
def reviewing_office(reason: str, rules: Iterable[ReviewerRule] | None = None) -> str | None:
    """The office that reviews an exemption application, from its reason (attachment 4,
    notes 1-2: still stationed with 访惠聚 → the same-level 访惠聚 office; 驻村管寺 → the
    same-level united-front department; bilingual-teaching support → its leading group's
    office; returned → the supervising unit of the original posting). None when the
    reason matches no note."""
    text = clean_word(reason)
    for rule in exemption_reviewers() if rules is None else rules:
        if any(w in text for w in rule.words) and (not rule.and_words or any(w in text for w in rule.and_words)):
            return rule.reviewer
    return None


def _year_month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


@cites("四(二)", "四(四)", "一(五)")
def applicant_values(book: Book, row: RowData, stage: Stage | None = None) -> dict[str, Value]:
    """Every placeholder's value for one register row (see templates.PLACEHOLDERS).

    Masked ID numbers on the publicity unless the settings say otherwise (一(五)); the
    unit publicity ends after the settings' number of Aksu working days (四(二)), before
    the first submission (``stage``: the application's, with its review); the
    recommendation carries the sentence of 四(四) word for word. Objections go to the
    unit's own office (用人单位); a fallback to the bureau's is an issue naming the unit.
    A recommending body still named by the notice's generic term is an issue."""
    v = row.values_by_key
    s = book.settings
    out: dict[str, Value] = {}

    def text(key: str, *, multiline: bool = False) -> Value:
        t = clean_text(v.get(key), multiline=multiline)
        return _ok(t) if t else _missing(key)

    def date(key: str, fmt: Callable[[dt.date], str]) -> tuple[Value, dt.date | None]:
        parsed = parse_date(v.get(key))
        if parsed.finding:
            return _invalid(key, parsed.finding.message), None
        if parsed.value is None:
            return _missing(key), None
        return _ok(fmt(parsed.value)), parsed.value

    out["申报编号"] = text("app_id")
    name = normalise_name(v.get("name"))
    out["姓名"] = _ok(name) if name else _missing("name")
    parsed_id = check_id(v.get("id_number"))
    identity = parsed_id.value
    if parsed_id.finding:
        out["身份证号"] = out["公示身份证号"] = _invalid("id_number", parsed_id.finding.message)
    elif identity is None:
        out["身份证号"] = out["公示身份证号"] = _missing("id_number")
    else:
        out["身份证号"] = _ok(identity.number)
        out["公示身份证号"] = _ok(mask_id(identity.number) if s.mask_public_ids else identity.number)
    sex = text("sex")
    out["性别"] = _ok(identity.sex) if sex.is_missing and identity else sex
    birth, _ = date("birth_date", _year_month)
    out["出生年月"] = _ok(_year_month(identity.birth_date)) if birth.is_missing and identity else birth
    out["现职称说明"] = _ok(current_title_phrase(clean_text(v.get("current_title")))) \
        if clean_text(v.get("current_title")) else _missing("current_title")
    for key, placeholder in (("ethnicity", "民族"), ("political", "政治面貌"), ("employer", "工作单位"),
                             ("route", "申报方式"), ("target_title", "拟申报职称"), ("current_title", "现职称"),
                             ("education", "学历"), ("degree", "学位"), ("ce_exempt_reason", "免修理由")):
        out[placeholder] = text(key)
    series = text("series")
    out["系列"] = series if not series.ok or series.text.endswith("系列") else _ok(series.text + "系列")
    specialty = text("specialty")
    out["专业"] = specialty if not specialty.ok else _ok(specialty.text.removesuffix("专业") or specialty.text)
    title = clean_text(v.get("target_title"))
    level = book.catalog.level_of(title) if title else None
    if level is None:
        out["申报级别"] = _missing("target_title")
    elif level.finding:
        out["申报级别"] = _invalid("target_title", level.finding.message)
    else:
        out["申报级别"] = _ok(level.value)
    # graduation: when, school, major
    grad, _ = date("graduation_date", _year_month)
    school, major = text("school"), text("major")
    major_text = major.text.removesuffix("专业") if major.ok else major.text
    out["毕业情况"] = Value(f"{grad.text}毕业于{school.text}{major_text}专业", grad.issues + school.issues + major.issues)
    out["参加工作时间"], _ = date("work_start", _year_month)
    # the exemption's reviewing office (attachment 4 notes)
    reason = out["免修理由"]
    if not reason.ok:
        out["审核单位"] = Value(UNDETERMINED, reason.issues)
    else:
        office = reviewing_office(reason.text)
        out["审核单位"] = _ok(office) if office else Value(UNDETERMINED, (Issue(
            "审核单位", f"免修理由“{reason.text[:30]}”对应不到申请表注释中的审核单位，请手工填写"),))
    out["思想政治表现"] = text("political_text", multiline=True)
    out["业绩成果"] = text("achievements_text", multiline=True)
    # the unit publicity (四(二)): from its start, the settings' number of Aksu working days
    start, start_day = date("unit_publicity_start", format_date)
    if start_day is not None:
        late = publicity_start_warning(start_day, book.calendar)
        if late:
            start = Value(start.text, (Issue(_header("unit_publicity_start"), late.message, "unit_publicity_start"),))
    out["公示开始"] = start
    if start_day is None:
        out["公示截止"] = Value(MISSING if start.is_missing else INVALID, start.issues)
    else:
        try:
            end = book.calendar.publicity_end(start_day, s.unit_publicity_workdays)
        except RuleInputError as exc:
            out["公示截止"] = Value(NOT_COMPUTED, (Issue("单位公示截止", str(exc), "unit_publicity_start"),))
        else:
            out["公示截止"] = _ok(format_date(end))
            recorded = parse_date(v.get("unit_publicity_end")).value
            if recorded and recorded != end:
                out["公示截止"] = Value(format_date(end), (Issue(
                    "单位公示截止", f"台账中为{format_date(recorded)}，按阿克苏工作日应为{format_date(end)}"
                    "（文件按后者填写；请刷新台账）", "unit_publicity_end"),))
            first = stage.review.first_at if stage is not None else None
            late = publicity_before_submission(end, first) if first else None
            if late:
                out["公示截止"] = Value(out["公示截止"].text, out["公示截止"].issues + (Issue(
                    _header("unit_publicity_start"), late.message, "unit_publicity_start"),))
    out["公示工作日数"] = _ok(str(s.unit_publicity_workdays))
    employer, kind, basis = (clean_text(v.get(k)) for k in ("employer", "employer_type", "private_basis"))
    route = clean_text(v.get("route"))
    unit = recommending_unit(employer, kind, route, basis, s)
    out["推荐单位"] = _ok(unit) if unit else _missing("employer")
    setting = recommender_setting(kind, route, basis)
    if unit and setting and clean_word(unit) == clean_word(_generic_terms().get(setting)):
        label = data.setting_labels().get(setting, setting)
        out["推荐单位"] = Value(unit, (Issue(f"参数“{label}”", f"仍为通知中的泛称“{unit}”，请在参数表中填写该机构的全称",
                                           "route" if setting == "private_recommender" else "employer_type"),))
    publicising = publicising_unit(employer, kind, basis, s)
    out["公示单位"] = _ok(publicising) if publicising else _missing("employer")
    contact = objection_contact(publicising, employer_contacts(book), s)
    for placeholder, value, label in (("联系科室", contact.office, "联系科室"), ("联系电话", contact.phone, "联系电话"),
                                      ("监督电话", s.supervision_phone, "监督举报电话"), ("发文单位", s.issuer, "发文单位")):
        value = normalise_phones(clean_text(value))
        out[placeholder] = _ok(value) if value else Value(MISSING, (Issue(f"参数“{label}”", "未填"),))
    if publicising and not contact.own:
        out["联系科室"] = Value(out["联系科室"].text, out["联系科室"].issues + (Issue(
            "异议受理部门", f"单位“{publicising}”未在“{schema.EMPLOYER_SHEET}”表中登记联系部门和电话，"
            f"附件1的异议受理部门暂为参数中的“{clean_text(s.contact_office)}”（请在“{schema.EMPLOYER_SHEET}”表中补登后重新生成）",
            "employer"),))
    out["评审年度"] = _ok(str(s.campaign_year))
    out["推荐意见"] = _ok(RECOMMEND_SENTENCE)
    return out


@lru_cache(maxsize=1)
def _generic_terms() -> dict[str, str]:
    """The settings whose packaged value is the notice's generic term for a body (settings.csv,
    column generic): key -> term."""
    return {r["key"]: r["value"] for r in data.rows("settings") if (r.get("generic") or "").strip() == "是"}


#: texts a document never prints in place of a value: the document is held back instead
UNPRINTABLE = (INVALID, NOT_COMPUTED)
#: the placeholders of the unit publicity's period (attachment 1: “…起至…止”)
PUBLICITY_PERIOD = ("公示开始", "公示截止")


def unprintable(values: Mapping[str, Value], used: Iterable[str], kind: int, app_id: str, name: str,
                row: RowData, book: Book) -> list[Problem]:
    """Why one document is held back from printing (empty: it may be printed): a value
    it uses that cannot be used (（有误，请核对）, （未能计算）), or a unit publicity period
    without its dates (no “（未填）起至（未填）止”). One error per field, naming the
    applicant, the attachment and the reason."""
    used = set(used)
    table = book.table("applicants")
    out: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for placeholder in values:
        value = values[placeholder]
        if placeholder not in used:
            continue
        blank_period = placeholder in PUBLICITY_PERIOD and value.text in (MISSING, INVALID, NOT_COMPUTED)
        if value.text not in UNPRINTABLE and not blank_period:
            continue
        for issue in value.issues or (Issue(placeholder, "无法确定"),):
            if (issue.field, issue.message) in seen:
                continue
            seen.add((issue.field, issue.message))
            reason = "未填" if issue.message == "未填" else issue.message
            out.append(Problem(f"{reason}：{ATTACHMENTS[kind].label}暂不生成（改正后重新生成）", Severity.ERROR, kind,
                               app_id, name, issue.field, row.number,
                               table.letter(issue.key) if issue.key else None))
    return out


def _problems_for(values: Mapping[str, Value], used: Iterable[str], kind: int, app_id: str, name: str,
                  row: RowData, book: Book) -> list[Problem]:
    table = book.table("applicants")
    order = {p: i for i, p in enumerate(values)}
    seen: set[tuple[str, str]] = set()
    out = []
    for placeholder in sorted((p for p in used if p in values), key=order.__getitem__):
        for issue in values[placeholder].issues:
            if (issue.field, issue.message) in seen:
                continue
            seen.add((issue.field, issue.message))
            out.append(Problem(issue.message, Severity.WARNING, kind, app_id, name, issue.field, row.number,
                               table.letter(issue.key) if issue.key else None))
    return out


# --- templates ----------------------------------------------------------------------------

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
    (:func:`addin.book.evaluate.application_stages`, judged at ``now``) has ended it
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


def _reporter(progress: Progress | None) -> Callable[[float, int, str], None]:
    """``report(done, total, message)`` on top of a progress callback: a progress bar's
    ``update`` as is; a plain callback (Excel's status bar) at most once per 5% or step."""
    if progress is None:
        return lambda done, total, message: None
    update = getattr(progress, "update", None)
    if callable(update):
        return update
    state = {"at": -100, "stage": None}

    def report(done: float, total: int, message: str) -> None:
        percent = int(100 * done / total) if total else 100
        stage = message.split(" ")[0]
        if percent - state["at"] >= 5 or stage != state["stage"] or percent == 100:
            state["at"], state["stage"] = percent, stage
            progress(f"生成附件 {int(done)}/{total}：{message}")

    return report


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
    say = _reporter(progress)
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
        report.problems += _problems_for(values, template.variables, kind, app_text, name_text, row, book)
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
                report.problems.append(Problem(why, Severity.WARNING, kind, app_id, name, _header("ce_exempt"),
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


# --- the command line and the demo ---------------------------------------------------------

class TerminalProgress:
    """A progress bar on a terminal; plain lines (at most one per 10%) otherwise."""

    def __init__(self, stream=None, width: int = 24):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.width = width
        self._last = -1

    def __call__(self, message: str) -> None:
        print(f"  … {message}", file=self.stream, flush=True)

    def update(self, done: float, total: int, message: str) -> None:
        fraction = min(max(done / total, 0.0), 1.0) if total else 1.0
        if self.tty:
            filled = int(self.width * fraction)
            bar = "█" * filled + "░" * (self.width - filled)
            self.stream.write(f"\r{bar} {fraction:4.0%} {message[:30]}\x1b[K")
            self.stream.flush()
        else:
            tenth = int(fraction * 10)
            if tenth != self._last:
                self._last = tenth
                print(f"  … {fraction:4.0%} {message}", file=self.stream, flush=True)

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()


class StepProgress:
    """For a console log (the demo): one message per attachment or stage, not per file."""

    def __init__(self, say: Callable[[str], None]):
        self.say = say
        self._stage = None

    def __call__(self, message: str) -> None:
        self.say(message)

    def update(self, done: float, total: int, message: str) -> None:
        stage = message.split(" ")[0]
        if stage != self._stage:
            self._stage = stage
            self.say(f"生成附件 {int(done)}/{total}：{stage}…" if stage != "完成" else f"生成附件 {total}/{total}：完成")


def demo_documents(book: Book, out_dir: Path, progress: Callable[[str], None] | None = None, *,
                   now: dt.datetime | None = None) -> str:
    """The documents part of ``zhicheng demo``: every attachment for every applicant of
    the book (their stages judged at ``now``, the demo's moment), with PDFs when
    LibreOffice is installed; returns a short summary."""
    from .pdf import find_soffice

    with_pdf = find_soffice() is not None
    report = generate_documents(book, Path(out_dir), pdf=with_pdf, by_employer=True, now=now,
                                progress=StepProgress(progress) if progress else None)
    lines = report.summary_lines(limit=3)
    if not with_pdf:
        lines.append("（未安装 LibreOffice，未生成 PDF）")
    return "\n".join(lines)


# --- golden files -------------------------------------------------------------------------

def golden_texts(book: Book, out_dir: Path) -> dict[str, str]:
    """The canonical text of every attachment of the golden applicants, by file name."""
    from .docxtext import canonical_text

    report = generate_documents(book, out_dir, ids=GOLDEN_APPLICANTS, templates=None, write_report=False)
    texts = {}
    for doc in report.documents:
        texts[f"{doc.app_id}-{ATTACHMENTS[doc.kind].label}.txt"] = canonical_text(doc.docx)
    texts["问题清单.txt"] = "\n".join(str(p) for p in report.problems) + "\n"
    return texts


def write_golden(folder: Path = GOLDEN) -> list[Path]:
    import tempfile

    from ..book.reader import read_book
    from ..book.sample import SAMPLE

    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        texts = golden_texts(read_book(SAMPLE), Path(tmp))
    written = []
    for name, text in texts.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":   # pragma: no cover
    if sys.argv[1:] == ["--golden"]:
        for p in write_golden():
            print(f"已生成 {p}")
    else:
        print("用法：python -m addin.outputs.documents --golden   （重新生成 tests/golden/documents 下的金标准文件）")
