"""What the 台账工具 page does (:class:`Launcher`): the register it works on, one job at a
time, each button run as the use case's command-line command in a child process
(:func:`argv`: ``python -m addin …`` with ``ZHICHENG_DOOR=page``, so the page says and does
exactly what the command line does, in the page's words), the result read back in
Chinese, the output folder opened; the start file with the one-time secret exchanged for
a session (see :mod:`.server` for why).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from ..errors import Refused
from ..usecases import THE_REGISTER, UseCase, for_door, output_dir


HOST = "127.0.0.1"
IDLE_MINUTES = 10                       # the server stops when no page has been open this long
                                        # (an open page says so every minute: /ping)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
DOOR_VARIABLE = "ZHICHENG_DOOR"         # the command line's variable for the page's words (addin.cli.commands)
HEADER = "X-Zhicheng"                   # every POST carries it (a cross-site form cannot)
MAX_BODY = 65536
PROPOSAL = "确认码："                    # the line with which a use case offers a list to confirm (核对状态)

#: exit code -> how the page words it (the command line's codes)
OUTCOMES = {0: ("done", "完成"), 1: ("findings", "完成，发现问题（见下面的清单）"),
            2: ("refused", "未执行：台账没有任何改动（原因见下面）"), 3: ("error", "程序内部错误（详细信息见下面）")}

#: what the page offers: tag -> (use case, variant key), made from the table
ACTIONS: dict[str, tuple[UseCase, str]] = {b.tag(uc): (uc, b.key) for uc in for_door("page")
                                           for b in uc.buttons_for("page")}


def label(tag: str) -> str:
    uc, key = ACTIONS[tag]
    return uc.variant(key).label


def _text(value: object) -> str:
    if value is None or value is False:
        return ""
    return "1" if value is True else str(value).strip()


def argv(tag: str, book: Path | None, values: dict[str, object], now: dt.datetime,
         folder: Path | None = None) -> tuple[list[str], Path | None, Path | None]:
    """The command line's arguments for the page's button ``tag``, its output folder (if
    any) and the register it creates (新建台账); Refused names the field to fill."""
    uc, key = ACTIONS[tag]
    variant = uc.variant(key)
    given = {k: _text(v) for k, v in values.items()}
    for k, v in variant.values.items():
        if v == THE_REGISTER:
            if book is None:
                raise Refused(f"“{variant.label}”要用上面选择的台账（作为上年台账）：请先选择台账。")
            v = str(book)
        given[k] = _text(v)
    args, out, made = list(uc.command), None, None
    for p in uc.params:
        if "cli" not in p.doors:
            continue
        if p.kind == "register":
            value = str(book) if book else ""
            if not value and p.required:
                raise Refused("请先选择或填写台账文件。")
        elif p.kind == "out":
            out = output_dir(book, uc.output or "输出", now)
            value = str(out)
        elif p.kind == "newfile" and p.filename:
            out = output_dir(book, uc.output or "输出", now)
            value = str(out / p.filename)
        elif p.kind == "newfile":
            value = given.get(p.key, "")
            if value:
                path = Path(value).expanduser()
                made = path if path.is_absolute() else (folder or (book.parent if book else Path.cwd())) / path
                value = str(made)
        else:
            value = given.get(p.key, "")
        if not value:
            if p.required or p.cli_required:
                raise Refused(f"请填写“{p.label}”。")
            continue
        if p.flag is None:
            args.append(value)
        elif p.kind == "flag":
            if value.lower() in ("1", "true", "on", "yes", "是"):
                args.append(p.flag)
        else:
            args += [p.flag, value]
    if made is not None:
        out = made.parent
    return args, out, made


@dataclass
class Job:
    id: str
    tag: str
    book: Path | None
    command: list[str]
    out: Path | None
    made: Path | None = None
    started: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)
    progress: str = ""
    code: int | None = None
    ended: float | None = None

    def state(self) -> dict:
        kind, text = OUTCOMES.get(self.code, ("error", f"退出代码 {self.code}")) if self.code is not None \
            else ("running", "正在运行")
        done = self.code is not None
        proposal = next((line.split("：", 1)[1].strip() for line in self.lines if line.startswith(PROPOSAL)), None)
        return {"id": self.id, "action": label(self.tag), "usecase": ACTIONS[self.tag][0].name,
                "proposal": proposal if done else None, "tag": self.tag, "book": str(self.book or ""),
                "done": done, "code": self.code, "kind": kind, "status": text, "progress": self.progress,
                "seconds": round((self.ended or time.monotonic()) - self.started, 1), "lines": self.lines,
                "out": str(self.out) if done and self.out and self.out.exists() else None,
                "made": str(self.made) if done and self.made and self.made.exists() else None}


def open_folder(path: Path) -> None:
    """The system's file manager on ``path``."""
    if sys.platform == "win32":
        os.startfile(str(path))                       # noqa: S606 - a folder this server created
    else:
        subprocess.Popen(["open" if sys.platform == "darwin" else "xdg-open", str(path)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ask_file(title: str, folder: Path) -> Path | None:
    """The system's own Open dialog (tkinter), on this PC, in front of the browser: a page
    cannot learn the path of a file chosen in the browser. None when cancelled; Refused
    when this Python has no tkinter or the desktop has no display."""
    try:
        import tkinter
        from tkinter import filedialog
    except ImportError as exc:
        raise Refused("这台电脑的 Python 没有文件对话框（tkinter）：请把台账拖到“台账工具”图标上，"
                      "或在框中填写文件的完整路径。") from exc
    try:
        root = tkinter.Tk()
    except tkinter.TclError:
        raise Refused("无法打开文件对话框（这台电脑当前没有可用的桌面显示）：请在框中填写文件的完整路径。") from None
    try:
        root.withdraw()
        root.attributes("-topmost", True)
        name = filedialog.askopenfilename(parent=root, title=title, initialdir=str(folder),
                                          filetypes=[("Excel 工作簿", "*.xlsx *.xlsm"), ("CSV 文件", "*.csv"),
                                                     ("所有文件", "*.*")])
    finally:
        root.destroy()
    return Path(name) if name else None


def is_register(path: Path) -> bool:
    """Whether a workbook is a register (by its sheet names, read from the package's
    workbook part without loading the workbook)."""
    from ..book.schema import KEY_SHEETS

    try:
        with zipfile.ZipFile(path) as zf:
            text = zf.read("xl/workbook.xml")[:200_000].decode("utf-8", "replace")
    except (OSError, KeyError, zipfile.BadZipFile, ValueError):
        return False
    return any(f'name="{name}"' in text for name in KEY_SHEETS)


def private_folder() -> Path:
    """~/.zhicheng/launcher, readable by its owner only: where the start file goes."""
    for base in (Path.home() / ".zhicheng", Path(tempfile.gettempdir()) / f"zhicheng-{os.getuid() if hasattr(os, 'getuid') else 'user'}"):
        folder = base / "launcher"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            os.chmod(base, 0o700)
            os.chmod(folder, 0o700)
            if hasattr(os, "getuid") and folder.stat().st_uid != os.getuid():
                continue                                    # never a folder another user owns
            return folder
        except OSError:
            continue
    raise Refused("无法创建台账工具的启动文件（用户文件夹不可写）。")


class Launcher:
    """The state behind the page: the folder it lists, the jobs it ran, its secrets."""

    def __init__(self, book: Path | None = None, folder: Path | None = None, *,
                 opener: Callable[[Path], None] = open_folder, python: str | None = None,
                 chooser: Callable[[str, Path], Path | None] = ask_file):
        self.book = Path(book).resolve() if book else None
        self.folder = Path(folder or (self.book.parent if self.book else Path.cwd())).resolve()
        self.secret: str | None = secrets.token_urlsafe(24)   # one-time: in the start file only
        self.session = secrets.token_urlsafe(24)              # the cookie the secret is exchanged for
        self.opener = opener
        self.chooser = chooser
        self.python = python or sys.executable
        self.jobs: dict[str, Job] = {}
        self.last: Job | None = None
        self.lock = threading.Lock()
        self.last_seen = time.monotonic()

    # -- the secret and the session ------------------------------------------------------------
    def exchange(self, secret: str) -> str | None:
        """The session credential for the one-time secret of the start file (then spent)."""
        with self.lock:
            if self.secret and secret and secrets.compare_digest(secret, self.secret):
                self.secret = None
                return self.session
        return None

    def start_file(self, url: str) -> Path:
        """The file the browser is opened on (0600): it sends the browser to the page with
        the one-time secret in the fragment."""
        port = urlsplit(url).port
        path = private_folder() / f"台账工具-{port}.html"
        target = f"{url}#{self.secret}"
        text = ('<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
                '<meta name="referrer" content="no-referrer"><title>台账工具</title></head><body>'
                f'<p>正在打开台账工具……</p><script>location.replace({json.dumps(target)});</script>'
                "</body></html>")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    # -- what the page lists --------------------------------------------------------------
    def workbooks(self) -> list[tuple[Path, bool]]:
        """The workbooks of the folder, registers first: (path, is a register)."""
        found = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in WORKBOOK_SUFFIXES
                       and not p.name.startswith(("~$", ".")) and p.is_file()) if self.folder.is_dir() else []
        if self.book and self.book not in found:
            found.insert(0, self.book)
        marked = [(p, is_register(p)) for p in found]
        return [m for m in marked if m[1]] + [m for m in marked if not m[1]]

    # -- running --------------------------------------------------------------------------
    def busy(self) -> Job | None:
        return next((j for j in self.jobs.values() if j.code is None), None)

    def _register(self, raw: str, needed: bool) -> Path | None:
        raw = (raw or "").strip().strip('"')
        if not raw:
            if needed:
                raise Refused("请先选择或填写台账文件。")
            return None
        book = Path(raw).expanduser()
        if not book.is_absolute():
            book = self.folder / book
        if not book.is_file():
            raise Refused(f"找不到台账文件：{book}" + ("（这是一个文件夹，请选择其中的台账文件）" if book.is_dir() else ""))
        return book.resolve()

    def start(self, request: dict) -> Job:
        """Check the request, then run the command in a child process (Refused: a Chinese reason)."""
        tag = str(request.get("action", ""))
        if tag not in ACTIONS:
            raise Refused(f"未知的操作“{tag}”。")
        uc, key = ACTIONS[tag]
        next_year = THE_REGISTER in uc.variant(key).values.values()
        raw = str(request.get("book", ""))
        if uc.register in ("read", "write") or next_year:
            book = self._register(raw, True)
        elif uc.register == "optional":
            book = self._register(raw, False)
        else:                                                  # 新建台账: beside the selected register, if any
            book = None
            candidate = Path(raw.strip().strip('"')).expanduser() if raw.strip() else None
            base = candidate.parent if candidate and candidate.is_file() else self.folder
        if book is not None:
            base = book.parent
        values = request.get("values") or {}
        if not isinstance(values, dict):
            raise Refused("请求的格式不对，请刷新页面后再试。")
        with self.lock:
            if self.busy():
                raise Refused(f"“{label(self.busy().tag)}”还在运行，请等它完成。")
            now = dt.datetime.now()
            command, out, made = argv(tag, book, values, now, base)
            job = Job(secrets.token_hex(6), tag, book, command, out, made)
            self.jobs[job.id] = job
            self.last = job
        threading.Thread(target=self._run, args=(job,), daemon=True).start()
        return job

    def _run(self, job: Job) -> None:
        env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1", **{DOOR_VARIABLE: "page"})
        try:
            proc = subprocess.Popen([self.python, "-m", "addin", *job.command], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                    cwd=str(job.book.parent if job.book else self.folder))
        except OSError as exc:
            job.lines.append(f"无法启动 Python：{exc}")
            self._finish(job, 3)
            return
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if line.lstrip().startswith("…"):
                job.progress = line.strip().lstrip("…").strip()      # the command line's progress lines
            else:
                job.lines.append(line)
        self._finish(job, proc.wait())

    @staticmethod
    def _finish(job: Job, code: int) -> None:
        job.ended = time.monotonic()
        job.code = code                                     # last: the page takes it as "done"

    def browse(self, what: str) -> str:
        """The path picked in the Open dialog ("" when cancelled)."""
        titles = {"book": "选择台账", "export": "选择平台导出的文件", "file": "选择财务填好的缴费表",
                  "from_": "选择上年台账", "aliases": "选择列名对应表", "templates": "选择模板文件夹",
                  "verify": "选择要核对的归档清单（SHA256SUMS.txt）"}
        title = titles.get(what)
        if title is None:
            raise Refused("未知的文件选择。")
        with self.lock:                            # one dialog at a time
            chosen = self.chooser(title, self.folder)
        return str(chosen.resolve()) if chosen else ""

    def open(self, job_id: str) -> Path:
        job = self.jobs.get(job_id)
        if job is None or job.out is None or not job.out.is_dir():
            raise Refused("没有可以打开的输出文件夹。")
        self.opener(job.out)
        return job.out

    # -- the page ---------------------------------------------------------------------------
    def page(self) -> str:
        from .page import render

        return render(self)
