"""Per-employer packages of attachments 1-3 (notice 四(二), 四(四)): each unit publicises,
signs, seals and returns its applicants' attachments, so each gets one folder:

``<out>/按单位/<单位>/`` with its applicants' attachments 1-3 (copies of the generated
files), ``<单位>-附件1-3-合并打印.docx`` (every applicant's attachments in order, each
document on a new page, on an odd page when printing double-sided) and
``<单位>-报送清单.docx``: who, what to return to whom and by when, from the settings;
with ``--pdf`` the print file and the cover list as PDFs too (the attachments' own PDFs
stay beside the originals).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from ..book.reader import Book
from ..rules.base import Severity
from ..rules.catalog import clean_word
from ..rules.dates import format_date
from ..book.safe_write import disk_state, os_reason
from .files import safe_filename, write_bytes_atomic
from .mailmerge import CompiledTemplate, Properties
from .tables import Column, PrintTable, write_docx
from .templates import ATTACHMENTS

FOLDER = "按单位"
KINDS = (1, 2, 3)
#: what the unit does with each attachment before returning it
RETURN_STEPS = {1: "在本单位内部公示，单位负责人签字并加盖公章",
        2: "单位负责人签字并加盖推荐单位公章",
        3: "申报人本人手写签名"}


@dataclass
class Package:
    unit: str
    folder: Path
    people: list[tuple[str, str]] = field(default_factory=list)      # (application id, name)
    files: list[Path] = field(default_factory=list)                   # the copied attachments
    combined: list[Path] = field(default_factory=list)                # print file(s)
    cover: Path | None = None
    pdfs: dict[Path, Path | None] = field(default_factory=dict)       # print file or cover -> its PDF

    @property
    def printed(self) -> list[Path]:
        """The files made for printing: the combined file(s) and the cover list."""
        return self.combined + ([self.cover] if self.cover else [])


def _copy(source: Path, target: Path) -> None:
    try:
        if target.exists():
            target.unlink()
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def cover_table(book: Book, unit: str, docs: list, kinds: list[int]) -> PrintTable:
    """The cover list of one unit: its applicants, the attachments to return, to whom and
    by when (材料报送截止日期, 联系科室, 联系电话, 来信来访地址 from the settings)."""
    s = book.settings
    people: dict[str, list] = {}
    for d in docs:
        people.setdefault(d.app_id or str(d.row), []).append(d)
    rows = []
    for i, (app_id, items) in enumerate(people.items(), start=1):
        rendered = items[0].rendered.context if items[0].rendered else {}
        rows.append([i, app_id, items[0].name, str(rendered.get("拟申报职称", "")),
                     "、".join(ATTACHMENTS[d.kind].label for d in sorted(items, key=lambda d: d.kind))])
    notes = [f"本单位{len(people)}人申报{s.campaign_year}年度职称评审，所附材料已按台账预填，请逐份核对后办理："]
    notes += [f"{ATTACHMENTS[k].label} {ATTACHMENTS[k].title}：{RETURN_STEPS[k]}"
              + (f"（公示期不少于{s.unit_publicity_workdays}个工作日）" if k == 1 else "") + "；" for k in kinds]
    notes.append(f"请于{format_date(s.material_end)}前将以上材料原件连同《专业技术职务任职资格评审表》（一式两份）、"
                 f"公示结果报送{s.contact_office}（联系电话：{s.contact_phone}；地址：{s.address}）。")
    cols = [Column("序号", 6), Column("申报编号", 12), Column("姓名", 14), Column("拟申报职称", 13),
            Column("报送材料", 24, wrap=True)]
    return PrintTable(f"{unit}职称评审材料报送清单", cols, rows, notes=notes, landscape=False,
                      signatures=("经办人", "联系电话"), properties_title=f"职称评审材料报送清单（{unit}）",
                      subject=f"{s.campaign_year}年度职称评审 附件1—3报送清单", keep=(unit, s.issuer))


def write_packages(book: Book, report, compiled: Mapping[int, CompiledTemplate], *, duplex: bool,
                   now: dt.datetime) -> list[Package]:
    """One folder per unit (the unit that publicises, 四(二)) under ``report.out_dir``;
    adds the packages to ``report.packages`` and any failure to ``report.problems``."""
    from .documents import Problem

    kinds = [k for k in KINDS if k in compiled and report.by_kind(k)]
    by_unit: dict[str, list] = defaultdict(list)
    shown: dict[str, str] = {}       # the unit's name as first typed, for the folder, title and files
    for d in report.documents:
        if d.kind in kinds:
            unit = d.unit or "（未填工作单位）"
            key = clean_word(unit)   # one unit however its brackets or spaces were typed
            shown.setdefault(key, unit)
            by_unit[key].append(d)
    base = report.out_dir / FOLDER
    lead = compiled[kinds[0]] if kinds else None
    together = lead is not None and all(lead.compatible(compiled[k]) for k in kinds)
    taken: set[str] = set()
    for key, docs in by_unit.items():
        unit = shown[key]
        name = safe_filename(unit)
        while name.casefold() in taken:
            name += "_"
        taken.add(name.casefold())
        package = Package(unit, base / name)
        package.folder.mkdir(parents=True, exist_ok=True)
        order = {d.app_id: i for i, d in enumerate(docs)}
        docs.sort(key=lambda d: (order[d.app_id], d.kind))     # person by person, attachments in order
        try:
            for d in docs:
                target = package.folder / d.docx.name
                _copy(d.docx, target)
                package.files.append(target)
                if (d.app_id, d.name) not in package.people:
                    package.people.append((d.app_id, d.name))
            subject = f"{book.settings.campaign_year}年度职称评审 附件1—3（{unit}）"
            groups = [(kinds, docs)] if together else [([k], [d for d in docs if d.kind == k]) for k in kinds]
            for group_kinds, group in groups:
                label = "附件" + "-".join(str(k) for k in group_kinds)
                path = package.folder / safe_filename(unit, label, "合并打印", suffix=".docx")
                data = compiled[group_kinds[0]].combine(
                    [d.rendered for d in group],
                    Properties(f"{label}合并打印（{unit}，{len(package.people)}人）", subject, now),
                    odd_page_starts=duplex)
                write_bytes_atomic(path, data)
                package.combined.append(path)
            package.cover = write_docx(cover_table(book, unit, docs, kinds),
                                       package.folder / safe_filename(unit, "报送清单", suffix=".docx"), now=now)
        except OSError as exc:
            if disk_state(exc):               # a full disk stops the run: a refusal, nothing left (issue 19.8)
                raise
            report.problems.append(Problem(f"无法写入“{unit}”的材料文件夹：{os_reason(exc)}", Severity.ERROR))
            continue
        report.packages.append(package)
    s = book.settings
    if report.packages and s.material_end.year != s.campaign_year:
        report.problems.append(Problem(f"参数“材料报送截止日期”为{format_date(s.material_end)}，与评审年度{s.campaign_year}年不符，"
                                       "报送清单中的截止日期请核对后重新生成", Severity.WARNING, field="材料报送截止日期"))
    if report.packages:
        report.notes.append(f"按单位整理：{len(report.packages)}个单位，每个单位一个文件夹（{FOLDER}），"
                            "含本单位人员的附件1—3、合并打印文件和报送清单")
        if not together:
            report.notes.append("各附件模板的样式不一致，按单位的合并打印文件按附件分开")
    return report.packages
