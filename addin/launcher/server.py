"""The 台账工具 page: ``zhicheng launcher [台账]`` serves it on 127.0.0.1 and opens it.

Why a local page: on WPS / UOS / Kylin desktops there is no Excel to host a ribbon and
staff do not type commands, but every desktop has a browser. The page needs nothing but
the Python standard library (``http.server``), listens on the loopback interface only,
and each action runs the command line's own command (``python -m addin refresh …``) in
a child process, so what the page does and says is exactly what the command line does
and says: the same refusals, the same findings, the same exit codes (0 done, 1 done with
findings, 2 refused and nothing written, 3 internal error), shown in Chinese.

Guards: the server answers only requests whose Host is its own loopback address, and
every action needs the random token embedded in the page (another web site cannot make
the browser run a command); one action runs at a time; "open the folder" opens only
folders this server's own actions produced.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import webbrowser
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from ..errors import Refused
from ..outputs.files import OUTPUT_FOLDER

HOST = "127.0.0.1"
IDLE_MINUTES = 10                       # the server stops when no page has been open this long
                                        # (an open page says so every minute: /ping)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")

#: exit code -> how the page words it (the command line's codes)
OUTCOMES = {0: ("done", "完成"), 1: ("findings", "完成，发现问题（见下面的清单）"),
            2: ("refused", "未执行：台账没有任何改动（原因见下面）"), 3: ("error", "程序内部错误（详细信息见下面）")}


@dataclass(frozen=True)
class Action:
    label: str
    needs: tuple[str, ...] = ()          # form fields besides the register: "start", "file"
    output: str | None = None            # output folder name, when the action writes files


#: what the page offers (form value -> action); argv() turns one into the command line's arguments
ACTIONS: dict[str, Action] = {
    "check": Action("校验"),
    "refresh": Action("刷新计算"),
    "docs": Action("生成材料（附件1—4）", output="附件"),
    "roster": Action("评审会名单", output="评审会"),
    "publicity": Action("公示名单", needs=("start",), output="公示"),
    "finance-export": Action("导出财务表", output="财务"),
    "finance-import": Action("导入缴费", needs=("file",)),
}


def output_dir(book: Path, what: str, now: dt.datetime) -> Path:
    return book.parent / OUTPUT_FOLDER / f"{what}-{now:%Y%m%d-%H%M%S}"


def argv(action: str, book: Path, fields: dict[str, str], now: dt.datetime) -> tuple[list[str], Path | None]:
    """The command line's arguments for ``action`` and its output folder (if any)."""
    spec = ACTIONS[action]
    out = output_dir(book, spec.output, now) if spec.output else None
    if action in ("check", "refresh"):
        return [action, str(book)], None
    if action in ("docs", "roster"):
        return [action, str(book), "--out", str(out)], out
    if action == "publicity":
        return ["publicity", str(book), "--out", str(out), "--start", fields["start"]], out
    if action == "finance-export":
        return ["finance", "export", str(book), str(out / "职称评审费缴费表.xlsx")], out
    if action == "finance-import":
        return ["finance", "import", str(book), fields["file"]], None
    raise KeyError(action)


@dataclass
class Job:
    id: str
    action: str
    book: Path
    command: list[str]
    out: Path | None
    started: float = field(default_factory=time.monotonic)
    lines: list[str] = field(default_factory=list)
    progress: str = ""
    code: int | None = None
    ended: float | None = None

    def state(self) -> dict:
        kind, text = OUTCOMES.get(self.code, ("error", f"退出代码 {self.code}")) if self.code is not None \
            else ("running", "正在运行")
        return {"id": self.id, "action": ACTIONS[self.action].label, "book": str(self.book),
                "done": self.code is not None, "code": self.code, "kind": kind, "status": text,
                "progress": self.progress, "seconds": round((self.ended or time.monotonic()) - self.started, 1),
                "lines": self.lines, "out": str(self.out) if self.out and self.out.exists() else None}


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
    when this Python has no tkinter (e.g. python3-tk not installed on a Linux desktop)."""
    try:
        import tkinter
        from tkinter import filedialog
    except ImportError as exc:
        raise Refused("这台电脑的 Python 没有文件对话框（tkinter）：请把台账拖到“台账工具”图标上，"
                      "或在框中填写台账的完整路径。") from exc
    try:
        root = tkinter.Tk()
    except tkinter.TclError as exc:
        raise Refused(f"无法打开文件对话框（{exc}）：请在框中填写完整路径。") from exc
    try:
        root.withdraw()
        root.attributes("-topmost", True)
        name = filedialog.askopenfilename(parent=root, title=title, initialdir=str(folder),
                                          filetypes=[("Excel 工作簿", "*.xlsx *.xlsm"), ("所有文件", "*.*")])
    finally:
        root.destroy()
    return Path(name) if name else None


class Launcher:
    """The state behind the page: the folder it lists, the jobs it ran."""

    def __init__(self, book: Path | None = None, folder: Path | None = None, *,
                 opener: Callable[[Path], None] = open_folder, python: str | None = None,
                 chooser: Callable[[str, Path], Path | None] = ask_file):
        self.book = Path(book).resolve() if book else None
        self.folder = Path(folder or (self.book.parent if self.book else Path.cwd())).resolve()
        self.token = secrets.token_urlsafe(18)
        self.opener = opener
        self.chooser = chooser
        self.python = python or sys.executable
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.last_seen = time.monotonic()

    # -- what the page lists --------------------------------------------------------------
    def workbooks(self) -> list[Path]:
        found = sorted(p for p in self.folder.iterdir() if p.suffix.lower() in WORKBOOK_SUFFIXES
                       and not p.name.startswith(("~$", ".")) and p.is_file()) if self.folder.is_dir() else []
        if self.book and self.book not in found:
            found.insert(0, self.book)
        return found

    # -- running --------------------------------------------------------------------------
    def busy(self) -> Job | None:
        return next((j for j in self.jobs.values() if j.code is None), None)

    def start(self, fields: dict[str, str]) -> Job:
        """Check the request, then run the command in a child process (Refused: a Chinese reason)."""
        action = fields.get("action", "")
        if action not in ACTIONS:
            raise Refused(f"未知的操作“{action}”。")
        raw = fields.get("book", "").strip().strip('"')
        if not raw:
            raise Refused("请先选择或填写台账文件。")
        book = Path(raw).expanduser()
        if not book.is_absolute():
            book = self.folder / book
        if not book.is_file():
            raise Refused(f"找不到台账文件：{book}" + ("（这是一个文件夹，请选择其中的台账文件）" if book.is_dir() else ""))
        for need in ACTIONS[action].needs:
            if not fields.get(need, "").strip():
                raise Refused({"start": "请填写公示开始日期，如 2024-10-21。", "file": "请填写财务填好的缴费表文件。"}[need])
        with self.lock:
            if self.busy():
                raise Refused(f"“{ACTIONS[self.busy().action].label}”还在运行，请等它完成。")
            command, out = argv(action, book.resolve(), {k: v.strip() for k, v in fields.items()}, dt.datetime.now())
            job = Job(secrets.token_hex(6), action, book.resolve(), command, out)
            self.jobs[job.id] = job
        threading.Thread(target=self._run, args=(job,), daemon=True).start()
        return job

    def _run(self, job: Job) -> None:
        env = dict(os.environ, PYTHONIOENCODING="utf-8", PYTHONUNBUFFERED="1")
        if job.out is not None:
            job.out.mkdir(parents=True, exist_ok=True)      # finance export writes a file into it
        try:
            proc = subprocess.Popen([self.python, "-m", "addin", *job.command], stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                    cwd=str(job.book.parent))
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
        if job.out is not None and job.out.is_dir() and not any(job.out.iterdir()):
            job.out.rmdir()                                 # refused: no empty folder left behind
        job.ended = time.monotonic()
        job.code = code                                     # last: the page takes it as "done"

    def browse(self, what: str) -> str:
        """The path picked in the Open dialog ("" when cancelled)."""
        title = {"book": "选择台账", "file": "选择财务填好的缴费表"}.get(what)
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
        template = resources.files(__package__).joinpath("page.html").read_text(encoding="utf-8")
        options = "\n".join(f'<option value="{html.escape(str(p))}"{" selected" if p == self.book else ""}>'
                            f"{html.escape(p.name)}</option>" for p in self.workbooks())
        buttons = "\n".join(f'<button type="submit" name="action" value="{k}" id="do-{k}">{html.escape(a.label)}</button>'
                            for k, a in ACTIONS.items())
        return (template.replace("{{token}}", self.token)
                .replace("{{folder}}", html.escape(str(self.folder)))
                .replace("{{book}}", html.escape(str(self.book or "")))
                .replace("{{options}}", options)
                .replace("{{buttons}}", buttons)
                .replace("{{today}}", dt.date.today().isoformat()))


class Handler(BaseHTTPRequestHandler):
    server: "LauncherServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass                                   # the console window stays quiet

    def _allowed_host(self) -> bool:
        host = self.headers.get("Host", "")
        port = self.server.server_address[1]
        return host in (f"{HOST}:{port}", f"localhost:{port}")

    def _send(self, status: int, body: str, kind: str = "application/json; charset=utf-8") -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, payload: dict) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False))

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        launcher = self.server.launcher
        launcher.last_seen = time.monotonic()
        if not self._allowed_host():
            return self._send(HTTPStatus.FORBIDDEN, "forbidden", "text/plain")
        url = urlsplit(self.path)
        if url.path == "/":
            return self._send(HTTPStatus.OK, launcher.page(), "text/html; charset=utf-8")
        if url.path == "/ping":
            return self._json(HTTPStatus.OK, {"ok": True})
        if url.path == "/job":
            query = parse_qs(url.query)
            job = launcher.jobs.get(query.get("id", [""])[0])
            if job is None or query.get("t", [""])[0] != launcher.token:
                return self._json(HTTPStatus.NOT_FOUND, {"error": "没有这个任务"})
            return self._json(HTTPStatus.OK, job.state())
        self._send(HTTPStatus.NOT_FOUND, "not found", "text/plain")

    def do_POST(self) -> None:  # noqa: N802
        launcher = self.server.launcher
        launcher.last_seen = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        fields = {k: v[0] for k, v in parse_qs(self.rfile.read(min(length, 65536)).decode("utf-8")).items()}
        if not self._allowed_host() or not secrets.compare_digest(fields.get("t", ""), launcher.token):
            return self._json(HTTPStatus.FORBIDDEN, {"error": "页面已过期：请关闭本页，重新打开台账工具。"})
        path = urlsplit(self.path).path
        try:
            if path == "/run":
                return self._json(HTTPStatus.OK, launcher.start(fields).state())
            if path == "/browse":
                return self._json(HTTPStatus.OK, {"path": launcher.browse(fields.get("what", ""))})
            if path == "/open":
                return self._json(HTTPStatus.OK, {"opened": str(launcher.open(fields.get("id", "")))})
            if path == "/quit":
                self._json(HTTPStatus.OK, {"bye": True})
                threading.Thread(target=self.server.shutdown, daemon=True).start()
                return None
        except Refused as exc:
            return self._json(HTTPStatus.CONFLICT, {"error": str(exc)})
        self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})


class LauncherServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, launcher: Launcher, port: int = 0):
        super().__init__((HOST, port), Handler)
        self.launcher = launcher

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}/"

    def stop_when_idle(self, minutes: float = IDLE_MINUTES, every: float = 30.0) -> None:
        """Stop once no page has asked anything for ``minutes`` and no action runs."""
        def watch():
            while True:
                time.sleep(every)
                idle = time.monotonic() - self.launcher.last_seen
                if idle > minutes * 60 and not self.launcher.busy():
                    self.shutdown()
                    return
        threading.Thread(target=watch, daemon=True).start()


def serve(book: Path | None = None, *, port: int = 0, browser: bool = True) -> int:
    """``zhicheng launcher``: serve the page until it is closed (or idle), open it in the browser."""
    if book is not None and not Path(book).exists():
        raise Refused(f"找不到台账文件：{book}")
    if book is not None and Path(book).is_dir():
        launcher = Launcher(folder=Path(book))
    else:
        launcher = Launcher(book)
    try:
        server = LauncherServer(launcher, port)
    except OSError as exc:
        raise Refused(f"无法在本机端口 {port} 上启动台账工具：{exc.strerror or exc}") from exc
    print(f"台账工具已启动：{server.url}")
    print("在浏览器中使用；用完后点页面上的“关闭台账工具”，或关闭本窗口。")
    sys.stdout.flush()
    server.stop_when_idle()
    if browser:
        threading.Timer(0.3, webbrowser.open, args=(server.url,)).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    print("台账工具已关闭。")
    return 0
