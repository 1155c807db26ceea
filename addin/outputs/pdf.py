"""Office files to PDF with LibreOffice headless, in bounded batches.

One ``soffice --convert-to pdf a.docx b.docx ...`` converts 50 files in about 4.5 s,
while one process per file costs about 0.8 s each (reference/libreoffice.md), so files
convert in batches. But one call given 300 files converted 243 and still exited 0, and
soffice exits 0 even when a file fails to convert: so a batch is bounded (its size is
packaged data, ``addin/data/conversion.csv``), every PDF is counted against its source
after each batch, the missing ones are converted again in a batch of their own, and
what is still missing comes back as ``None`` for the caller to report (callers also
check the PDFs' text, :func:`pdf_text`).

Each run uses a private LibreOffice profile (``-env:UserInstallation``) in a temporary
folder: no clash with a LibreOffice the user has open, nor between concurrent runs.
Inputs are staged under short numbered names, which keeps the command line short
(Windows allows 32,767 characters), avoids file names that soffice would read as
options, and lets inputs from different folders share a stem.

On Linux, a private fontconfig file (``FONTCONFIG_FILE`` of the soffice process only)
maps the official-document fonts, which no Debian package has, to the closest freely
licensed ones (:data:`FONT_SUBSTITUTES`): 仿宋_GB2312 → FandolFang (a FangSong), 楷体_GB2312
→ FandolKai or AR PL UKai CN, 方正小标宋简体 → Noto Serif CJK SC Bold, 黑体 → Noto Sans
CJK SC, Times New Roman → Liberation Serif (same metrics). The real fonts, when installed,
win; :func:`font_substitutions` says what was used instead, for the report.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Sequence


#: official-document font names -> (free fonts to use instead, best first; bold?)
FONT_SUBSTITUTES: dict[tuple[str, ...], tuple[tuple[str, ...], bool]] = {
    ("仿宋_GB2312", "仿宋", "FangSong", "FangSong_GB2312", "方正仿宋_GBK"):
        (("FandolFang", "AR PL UKai CN", "Noto Serif CJK SC"), False),
    ("楷体_GB2312", "楷体", "KaiTi", "KaiTi_GB2312", "方正楷体_GBK"):
        (("FandolKai", "AR PL UKai CN", "Noto Serif CJK SC"), False),
    ("方正小标宋简体", "方正小标宋_GBK"): (("Noto Serif CJK SC", "FandolSong"), True),
    ("宋体", "SimSun"): (("Noto Serif CJK SC", "FandolSong"), False),
    ("黑体", "SimHei", "方正黑体_GBK"): (("Noto Sans CJK SC", "FandolHei"), False),
    # Latin text: Liberation Serif has Times New Roman's metrics; DejaVu Serif, the usual
    # fallback, is so wide that an 18-digit ID number no longer fits its table cell
    ("Times New Roman",): (("Liberation Serif", "Noto Serif CJK SC"), False),
    # spreadsheets count column widths in digits of their default font, Calibri: Carlito has its metrics
    ("Calibri",): (("Carlito",), False),
}
#: the names the documents use, whose substitutes the report names
DOCUMENT_FONTS = ("仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体", "Times New Roman", "Calibri")


class PdfUnavailable(RuntimeError):
    """LibreOffice is not installed; the message says so in Chinese."""


def find_soffice() -> str | None:
    """The LibreOffice executable, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    if sys.platform == "win32":
        for base in (os.environ.get("PROGRAMFILES", r"C:\Program Files"),
                     os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")):
            candidate = Path(base) / "LibreOffice" / "program" / "soffice.exe"
            if candidate.exists():
                return str(candidate)
    elif sys.platform == "darwin":
        candidate = Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")
        if candidate.exists():
            return str(candidate)
    return None


def _fontconfig(folder: Path) -> Path | None:
    system = Path("/etc/fonts/fonts.conf")
    if sys.platform in ("win32", "darwin") or not system.exists() or os.environ.get("FONTCONFIG_FILE"):
        return None
    rules = []
    for names, (substitutes, bold) in FONT_SUBSTITUTES.items():
        prefer = "".join(f"<string>{f}</string>" for f in substitutes)
        weight = '<edit name="weight" mode="assign"><const>bold</const></edit>' if bold else ""
        for name in names:
            rules.append(f'  <match target="pattern"><test name="family"><string>{name}</string></test>'
                         f'<edit name="family" mode="append" binding="strong">{prefer}</edit>{weight}</match>')
    path = folder / "fonts.conf"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    f'  <include ignore_missing="yes">{system}</include>\n' + "\n".join(rules) +
                    "\n</fontconfig>\n", encoding="utf-8")
    return path


def font_substitutions() -> dict[str, str]:
    """``{document font: font used in PDFs here}`` for each document font this machine
    lacks (empty on Windows and macOS, where LibreOffice uses the installed fonts, and
    without fontconfig)."""
    fc_match = shutil.which("fc-match")
    if not fc_match:
        return {}
    work = Path(tempfile.mkdtemp(prefix="zhicheng-fonts-"))
    try:
        config = _fontconfig(work)
        env = dict(os.environ, FONTCONFIG_FILE=str(config)) if config else dict(os.environ)
        out = {}
        for name in DOCUMENT_FONTS:
            try:
                done = subprocess.run([fc_match, "-f", "%{family[0]}|%{style[0]}", name], capture_output=True,
                                      env=env, timeout=20)
            except (subprocess.TimeoutExpired, OSError):
                continue
            family, _, style = done.stdout.decode("utf-8", errors="replace").partition("|")
            if done.returncode == 0 and family and family != name:
                out[name] = family + (f" {style}" if style and style not in ("Regular", "Book") else "")
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _stage(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _targets(paths: Sequence[Path], out_dir: Path | None) -> dict[Path, Path]:
    targets: dict[Path, Path] = {}
    seen: dict[Path, Path] = {}
    for p in paths:
        target = (out_dir or p.parent) / (p.stem + ".pdf")
        if target in seen and seen[target] != p:
            raise ValueError(f"{p} and {seen[target]} would both become {target}")
        seen[target] = p
        targets[p] = target
    return targets


def convert_to_pdf(paths: Sequence[Path], out_dir: Path | None = None, *, soffice: str | None = None,
                   timeout: float | None = None, batch_size: int | None = None,
                   progress: Callable[[int, int], None] | None = None,
                   keep_blank_pages: bool = False) -> dict[Path, Path | None]:
    """Convert office files to PDF, ``batch_size`` files per soffice call (default:
    ``conversion.csv``).

    Each PDF is written to ``out_dir`` (default: beside its source) with the source's
    stem. Returns ``{source: pdf path}`` with ``None`` for each file that did not
    convert, after the configured retries (a stale PDF of the same name is removed
    first, so None is never hidden by an old file). ``timeout`` bounds one soffice call
    (default: from ``conversion.csv``, by the batch's size). ``progress(done, total)``
    is called while soffice works. Raises :class:`PdfUnavailable` when LibreOffice is
    missing. ``keep_blank_pages``: keep the blank pages that odd-page section starts
    insert (files combined for duplex printing).
    """
    from .. import data

    limits = data.conversion()
    size = max(1, batch_size or limits["pdf_batch_size"])
    paths = [Path(p) for p in paths]
    if not paths:
        return {}
    soffice = soffice or find_soffice()
    if not soffice:
        raise PdfUnavailable("未找到 LibreOffice（soffice），无法生成 PDF：请安装 LibreOffice 后重试，"
                             "或用 Word/WPS 打开 .docx 另存为 PDF")
    targets = _targets(paths, Path(out_dir) if out_dir else None)
    for target in targets.values():
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
    results: dict[Path, Path | None] = {p: None for p in paths}
    pending = list(paths)
    for _attempt in range(1 + max(0, limits["pdf_retries"])):
        for start in range(0, len(pending), size):
            chunk = pending[start:start + size]
            done_before = sum(1 for v in results.values() if v)
            report = (lambda n, _before=done_before: progress(min(_before + n, len(paths)), len(paths))) \
                if progress else None
            allowed = timeout or limits["pdf_batch_seconds"] + limits["pdf_seconds_per_file"] * len(chunk)
            work = Path(tempfile.mkdtemp(prefix="zhicheng-pdf-"))
            try:
                converted = _run_batch(soffice, chunk, work, allowed, report,
                                       _target_format(chunk) if keep_blank_pages else "pdf")
                for source, produced in converted.items():
                    if produced is not None:
                        shutil.move(str(produced), str(targets[source]))
                        results[source] = targets[source]
            finally:
                shutil.rmtree(work, ignore_errors=True)
        pending = [p for p in paths if results[p] is None]      # counted against the sources
        if not pending:
            break
    if progress:
        progress(sum(1 for v in results.values() if v), len(paths))
    return results


def _run_batch(soffice: str, paths: Sequence[Path], work: Path, timeout: float,
               progress: Callable[[int], None] | None, target: str = "pdf") -> dict[Path, Path | None]:
    """One soffice process for ``paths``, working in ``work``; returns the PDFs it
    produced there (None for each file that did not convert)."""
    inbox, outbox, profile = work / "in", work / "out", work / "profile"
    inbox.mkdir()
    outbox.mkdir()
    staged: dict[str, Path] = {}
    for i, source in enumerate(paths):
        name = f"{i:05d}{source.suffix.lower()}"
        _stage(source, inbox / name)
        staged[name] = source
    env = dict(os.environ)
    fonts = _fontconfig(work)
    if fonts:
        env["FONTCONFIG_FILE"] = str(fonts)
    command = [soffice, "--headless", "--norestore", "--nolockcheck", "--nodefault", "--nologo",
               f"-env:UserInstallation={profile.resolve().as_uri()}",
               "--convert-to", target, "--outdir", str(outbox), *staged]
    kwargs = ({"start_new_session": True} if os.name == "posix"
              else {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)})
    with open(work / "soffice.log", "wb") as log:
        proc = subprocess.Popen(command, cwd=inbox, stdout=log, stderr=subprocess.STDOUT, env=env, **kwargs)
        deadline = time.monotonic() + timeout
        last = -1
        while proc.poll() is None:
            if time.monotonic() > deadline:
                _kill(proc)
                break
            if progress:
                count = sum(1 for _ in outbox.glob("*.pdf"))
                if count != last:
                    progress(count)
                    last = count
            time.sleep(0.2)
    produced: dict[Path, Path | None] = {}
    for name, source in staged.items():
        pdf = outbox / (Path(name).stem + ".pdf")
        produced[source] = pdf if pdf.exists() and pdf.stat().st_size > 0 else None
    return produced


#: text documents, whose PDF export can keep the blank pages an odd-page section start inserts
WRITER_SUFFIXES = (".docx", ".doc", ".odt", ".rtf")
#: Writer's PDF export with those blank pages (a combined file for duplex printing needs them:
#: by default LibreOffice leaves them out and every document after the first lands on a back
#: page; without odd-page starts they must stay out, as LibreOffice also inserts one before
#: each section whose page numbers restart at 1, which Word does not)
WRITER_PDF = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'


def _target_format(paths: Sequence[Path]) -> str:
    return WRITER_PDF if all(p.suffix.lower() in WRITER_SUFFIXES for p in paths) else "pdf"


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name == "posix":
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except (ProcessLookupError, PermissionError, OSError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def pdftotext_available() -> bool:
    return shutil.which("pdftotext") is not None


def pdf_text(path: Path, *, timeout: float = 60) -> str | None:
    """The text of a PDF (poppler's pdftotext), or None when pdftotext is missing or fails."""
    exe = shutil.which("pdftotext")
    if not exe:
        return None
    try:
        done = subprocess.run([exe, "-enc", "UTF-8", str(path), "-"], capture_output=True, timeout=timeout)
    except (subprocess.TimeoutExpired, OSError):
        return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def compact(text: str) -> str:
    """Text without any whitespace (nor word joiners), to find a name that a PDF line
    break split."""
    return "".join(text.replace("\u2060", "").split())
