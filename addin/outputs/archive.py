"""The year's sealed archive (``zhicheng archive``): one dated folder, and a .zip of it, that
the committee office keeps.

What goes in, each named by what it is (not by a timestamp):

- the register as it stood (a byte copy);
- the draw records made during the year (taken from the register's output folder: a draw
  cannot be made again, it is random);
- the rosters (blind and internal, vote sheets, code key), the defence score forms and the
  meeting record, made afresh from the register (its stored blind codes and tally);
- the result publicity list as published (taken from the output folder: its start date is
  the clerk's choice and is not in the register);
- the finance workbook (dues, payments, summary) made afresh;
- the log (日志) as text.

Every file's SHA-256 goes into ``SHA256SUMS.txt`` (the format ``sha256sum -c`` reads), and
the index page (``00-归档目录.docx``, the page that gets signed) prints each hash and the
digest of the manifest itself, so that any later change to an archived file can be found:
:func:`verify` compares a folder with its manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Refused
from ..rules.dates import format_moment

MANIFEST = "SHA256SUMS.txt"
INDEX = "00-归档目录.docx"
#: the archive's sections, in order: folder name -> what it holds
SECTIONS = {
    "01-台账": "台账（归档时的原样副本）",
    "02-评委抽取记录": "评委抽取记录（抽取时生成的原件）",
    "03-评审会名单": "评审会名单、投票表、编号对照表",
    "04-答辩评分表": "答辩评分表",
    "05-评审会议记录": "评审会议记录（内部版、评委会版）",
    "06-公示名单": "评审结果公示名单（公示时生成的原件）",
    "07-财务": "评审费应缴名单、缴费与汇总",
    "08-日志": "台账日志",
}
CHUNK = 1 << 20


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(folder: Path) -> list[str]:
    """Every file below ``folder`` but the manifest and the index, as POSIX paths, sorted."""
    out = []
    for path in folder.rglob("*"):
        if path.is_file():
            rel = path.relative_to(folder).as_posix()
            if rel not in (MANIFEST, INDEX):
                out.append(rel)
    return sorted(out)


def write_manifest(folder: Path) -> list[tuple[str, str]]:
    """``SHA256SUMS.txt`` for every file of the archive; (path, hash) pairs."""
    pairs = [(rel, sha256(folder / rel)) for rel in _files(folder)]
    text = "".join(f"{digest}  {rel}\n" for rel, digest in pairs)
    (folder / MANIFEST).write_text(text, encoding="utf-8", newline="\n")
    return pairs


def read_manifest(path: Path) -> dict[str, str]:
    out = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, rel = line.partition("  ")
        if not sep or len(digest) != 64 or not rel:
            raise Refused(f"“{path.name}”第{number}行不是“摘要  文件名”的格式，清单已损坏")
        out[rel] = digest.lower()
    return out


@dataclass
class Verification:
    folder: Path
    checked: int = 0
    changed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.added)


def verify(target: Path) -> Verification:
    """Compare an archive folder (or its manifest, or the folder's .zip unpacked elsewhere)
    with its manifest: every file changed, missing, or added since."""
    target = Path(target)
    folder = target.parent if target.is_file() else target
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise Refused(f"“{folder}”中没有归档清单 {MANIFEST}：请选择归档文件夹（或其中的 {MANIFEST}）")
    listed = read_manifest(manifest)
    result = Verification(folder)
    present = set(_files(folder))
    for rel, digest in sorted(listed.items()):
        if rel not in present:
            result.missing.append(rel)
            continue
        result.checked += 1
        if sha256(folder / rel) != digest:
            result.changed.append(rel)
    result.added = sorted(present - set(listed))
    return result


# --- making the archive -------------------------------------------------------------------------

@dataclass
class Archive:
    folder: Path
    zip: Path
    files: list[tuple[str, str]]                   # (path, sha256)
    notes: list[str] = field(default_factory=list)
    digest: str = ""                               # of the manifest, printed on the index page


def _newest(root: Path | None, pattern: str) -> list[Path]:
    """The newest file of each name matching ``pattern`` below ``root`` (the register's
    output folder), or []."""
    if root is None or not root.is_dir():
        return []
    newest: dict[str, Path] = {}
    for path in root.rglob(pattern):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(root).parts):
            if path.name not in newest or path.stat().st_mtime > newest[path.name].stat().st_mtime:
                newest[path.name] = path
    return [newest[name] for name in sorted(newest)]


def _newest_folder(root: Path | None, prefix: str) -> Path | None:
    if root is None or not root.is_dir():
        return None
    folders = [p for p in root.iterdir() if p.is_dir() and p.name.startswith(prefix)]
    return max(folders, key=lambda p: p.stat().st_mtime, default=None)


def _log_text(book) -> str:
    from ..book.reader import cell_text

    lines = ["时间\t操作人\t操作\t行数\t说明"]
    for row in book.table("log").rows:
        v = row.values_by_key
        at = v.get("at")
        when = f"{at:%Y-%m-%d %H:%M:%S}" if isinstance(at, dt.datetime) else cell_text(at)
        lines.append("\t".join([when] + [cell_text(v.get(k)) for k in ("user", "action", "rows", "detail")]))
    return "\r\n".join(lines) + "\r\n"


def build(register: Path, book, ev, out: Path, *, now: dt.datetime, outputs: Path | None,
          progress=lambda _text: None, destination: Path | None = None) -> Archive:
    """The archive of ``register`` (read as ``book`` and judged as ``ev``) in ``out`` (the
    folder being made; ``destination``: where it will be moved, if elsewhere)."""
    from ..outputs.finance import export_finance
    from ..outputs.meeting import KEPT_IN_OFFICE, TO_COMMITTEE, build_roster, write_roster
    from ..outputs.meeting_record import build_meeting_record, write_meeting_records
    from ..outputs.scoring import score_forms

    year = book.settings.campaign_year
    name = f"{year}年度职称评审归档-{now:%Y%m%d}"
    folder = Path(out) / name
    for there in {folder, Path(destination or out) / name}:
        if there.exists() or there.with_suffix(".zip").exists():
            raise Refused(f"“{Path(destination or out) / name}”已存在：同一天的归档只做一次，不会覆盖"
                          "（要重新归档请先移走该文件夹和压缩包）")
    notes: list[str] = []
    sections = {name: folder / name for name in SECTIONS}
    for path in sections.values():
        path.mkdir(parents=True)

    progress("归档：台账")
    shutil.copy2(register, sections["01-台账"] / register.name)
    progress("归档：评委抽取记录")
    draws = _newest(outputs, "评委抽取记录-第*次.docx")
    for path in draws:
        shutil.copy2(path, sections["02-评委抽取记录"] / path.name)
    if not draws:
        notes.append("没有找到评委抽取记录（抽取时生成在台账旁的“职称评审输出”文件夹中）：请把签字的纸质记录一并归档")
    progress("归档：评审会名单")
    write_roster(build_roster(book, ev), sections["03-评审会名单"])
    progress("归档：答辩评分表")
    try:
        score_forms(book, ev, sections["04-答辩评分表"], now=now)
    except Refused as exc:
        notes.append(f"答辩评分表：{exc}")
    progress("归档：评审会议记录")
    try:
        record = build_meeting_record(book, ev)
        write_meeting_records(record, sections["05-评审会议记录"] / KEPT_IN_OFFICE,
                              sections["05-评审会议记录"] / TO_COMMITTEE, now=now)
        notes += [f"评审会议记录待核：{p}" for p in record.problems]
    except Refused as exc:
        notes.append(f"评审会议记录：{exc}")
    progress("归档：公示名单")
    published = _newest_folder(outputs, "公示-")
    if published is not None:
        for path in sorted(published.iterdir()):
            if path.is_file():
                shutil.copy2(path, sections["06-公示名单"] / path.name)
    else:
        notes.append("没有找到公示名单（用“公示名单”生成后再归档，或把公示的原件一并归档）")
    progress("归档：财务")
    export_finance(book, ev, sections["07-财务"] / "职称评审费缴费表.xlsx")
    (sections["08-日志"] / "日志.txt").write_bytes(_log_text(book).encode("utf-8-sig"))
    for path in sections.values():                      # a section left empty says so in the index only
        if not any(path.iterdir()):
            path.rmdir()

    progress("归档：清单与目录")
    files = write_manifest(folder)
    digest = sha256(folder / MANIFEST)
    archive = Archive(folder, folder.with_suffix(".zip"), files, notes, digest)
    _index(archive, book, register, now)
    made = shutil.make_archive(str(folder), "zip", root_dir=folder.parent, base_dir=folder.name)
    archive.zip = Path(made)
    return archive


def grouped(digest: str) -> str:
    """A hash as people compare it on paper: groups of 8 characters (the manifest keeps it whole)."""
    return " ".join(digest[i:i + 8] for i in range(0, len(digest), 8))


def _index(archive: Archive, book, register: Path, now: dt.datetime) -> Path:
    """The index page: what is archived, each file's SHA-256, the manifest's digest, signatures."""
    from . import meeting_record as R

    s = book.settings
    doc = R.official_document(f"{s.campaign_year}年度职称评审归档目录", "归档目录", now=now)
    R.title(doc, f"{s.campaign_year}年度职称评审", "归档目录")
    R.body(doc, f"评审会：{s.committee_name}{s.campaign_year}年度职称评审会。台账：{register.name}。"
                f"归档时间：{format_moment(now, midnight=True)}。共{len(archive.files)}个文件，"
                f"每个文件的 SHA-256 摘要列于下表和清单 {MANIFEST} 中；清单本身的摘要为：")
    R.body(doc, grouped(archive.digest), indent=False)
    R.body(doc, "核对方法：运行 zhicheng archive --verify 归档文件夹（或在台账工具中点“核对归档”），"
                "任何文件被改动、删除或增加都会逐一列出。")
    rows = [[number, rel, grouped(digest)] for number, (rel, digest) in enumerate(archive.files, start=1)]
    R.table(doc, [R.C("序号", 4), R.C("文件", 30, wrap=True), R.C("SHA-256 摘要", 36, wrap=True)], rows)
    for note in archive.notes:
        R.body(doc, f"说明：{note}")
    R.signatures(doc, ["归档人", "审核人"])
    return R.save(doc, archive.folder / INDEX)

