"""The 台账工具 page: ``zhicheng launcher [台账]`` serves it on 127.0.0.1 and opens it.

Why a local page: on WPS / UOS / Kylin desktops there is no Excel to host a ribbon and
staff do not type commands, but every desktop has a browser. The page needs nothing but
the Python standard library (``http.server``) and listens on the loopback interface only.

**One door.** The page's cards and buttons are made from the table of use cases
(:mod:`addin.launcher.page`), and each button runs that use case's command-line command in
a child process (``python -m addin …`` with ``ZHICHENG_DOOR=page``), so the page says and
does exactly what the command line does — the same refusals, findings and exit codes —
in the page's own words (buttons and fields, never commands and options).

**Private to its user.** Any local account can connect to a loopback port, so the port is
not the guard. The launcher writes a start file that only its user can read (0600, in a
0700 folder) and opens the browser on it; the file carries a one-time secret in the URL
fragment (never sent in a request line, a log or a Referer), which the page exchanges for a
session cookie (HttpOnly, SameSite=Strict) and then removes from the address bar. Without
the cookie, ``GET /`` shows how to open the tool and nothing else, and every other request
is refused. The page cannot be framed and sends no Referer. Requests whose Host is not the
server's own loopback address are refused (DNS rebinding); changes need a POST with a
custom header (another site cannot send one without a CORS preflight, which is refused).
"""

from __future__ import annotations

import json
import secrets
import sys
import threading
import time
import webbrowser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import Refused
from .jobs import HEADER, HOST, IDLE_MINUTES, MAX_BODY, Launcher


SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                                "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"),
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


class Handler(BaseHTTPRequestHandler):
    server: "LauncherServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass                                   # the console window stays quiet, and logs no secret

    # -- guards -------------------------------------------------------------------------------
    def _allowed_host(self) -> bool:
        host = self.headers.get("Host", "")
        port = self.server.server_address[1]
        return host in (f"{HOST}:{port}", f"localhost:{port}")

    @property
    def _cookie_name(self) -> str:
        return f"zhicheng-{self.server.server_address[1]}"       # cookies are shared between ports

    def _has_session(self) -> bool:
        from http.cookies import CookieError, SimpleCookie

        try:
            jar = SimpleCookie(self.headers.get("Cookie", ""))
        except CookieError:
            return False
        morsel = jar.get(self._cookie_name)
        return bool(morsel) and secrets.compare_digest(morsel.value, self.server.launcher.session)

    # -- answers ------------------------------------------------------------------------------
    def _send(self, status: int, body: str | bytes, kind: str = "application/json; charset=utf-8",
              extra: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in {**SECURITY_HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _json(self, status: int, payload: dict, extra: dict | None = None) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False), extra=extra)

    def _asset(self, name: str, kind: str) -> None:
        text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
        self._send(HTTPStatus.OK, text, kind)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        launcher = self.server.launcher
        if not self._allowed_host():
            return self._send(HTTPStatus.FORBIDDEN, "forbidden", "text/plain; charset=utf-8")
        path = urlsplit(self.path).path
        if path == "/app.js":
            return self._asset("app.js", "text/javascript; charset=utf-8")
        if path == "/app.css":
            return self._asset("app.css", "text/css; charset=utf-8")
        if path == "/entry.js":
            return self._asset("entry.js", "text/javascript; charset=utf-8")
        if not self._has_session():
            if path == "/":
                from .page import entry_page

                return self._send(HTTPStatus.OK, entry_page(), "text/html; charset=utf-8")
            return self._json(HTTPStatus.FORBIDDEN, {"error": "请从“台账工具”图标打开本页。"})
        launcher.last_seen = time.monotonic()
        if path == "/":
            return self._send(HTTPStatus.OK, launcher.page(), "text/html; charset=utf-8")
        if path == "/ping":
            return self._json(HTTPStatus.OK, {"ok": True})
        if path == "/state":
            last = launcher.last
            return self._json(HTTPStatus.OK, {"job": last.state() if last else None})
        if path.startswith("/job/"):
            job = launcher.jobs.get(path[len("/job/"):])
            if job is None:
                return self._json(HTTPStatus.NOT_FOUND, {"error": "没有这个任务"})
            return self._json(HTTPStatus.OK, job.state())
        self._send(HTTPStatus.NOT_FOUND, "not found", "text/plain; charset=utf-8")

    def _body(self) -> dict:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        raw = self.rfile.read(min(max(length, 0), MAX_BODY))
        try:
            payload = json.loads(raw.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return {}
        return payload if isinstance(payload, dict) else {}

    def do_POST(self) -> None:  # noqa: N802
        launcher = self.server.launcher
        body = self._body()
        if not self._allowed_host() or self.headers.get(HEADER) != "1":
            return self._json(HTTPStatus.FORBIDDEN, {"error": "请从“台账工具”图标打开本页。"})
        path = urlsplit(self.path).path
        if path == "/session":
            session = launcher.exchange(str(body.get("secret", "")))
            if session is None:
                return self._json(HTTPStatus.FORBIDDEN, {"error": "这个链接已经用过或已失效：请双击“台账工具”重新打开。"})
            cookie = f"{self._cookie_name}={session}; Path=/; HttpOnly; SameSite=Strict"
            return self._json(HTTPStatus.OK, {"ok": True}, extra={"Set-Cookie": cookie})
        if not self._has_session():
            return self._json(HTTPStatus.FORBIDDEN, {"error": "页面已过期：请关闭本页，双击“台账工具”重新打开。"})
        launcher.last_seen = time.monotonic()
        try:
            if path == "/run":
                return self._json(HTTPStatus.OK, launcher.start(body).state())
            if path == "/browse":
                return self._json(HTTPStatus.OK, {"path": launcher.browse(str(body.get("what", "")))})
            if path == "/open":
                return self._json(HTTPStatus.OK, {"opened": str(launcher.open(str(body.get("id", ""))))})
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
        server = LauncherServer(launcher, int(port or 0))
    except (OSError, ValueError) as exc:
        raise Refused(f"无法在本机端口 {port} 上启动台账工具：{getattr(exc, 'strerror', None) or exc}") from exc
    start = launcher.start_file(server.url)
    print(f"台账工具已启动（本机 {server.url}，只有当前用户能打开）。")
    print(f"如果浏览器没有自动打开，请在浏览器中打开这个文件：{start.as_uri()}")
    print("用完后点页面上的“关闭台账工具”，或关闭本窗口。")
    sys.stdout.flush()
    server.stop_when_idle()
    if browser:
        threading.Timer(0.3, webbrowser.open, args=(start.as_uri(),)).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        start.unlink(missing_ok=True)
    print("台账工具已关闭。")
    return 0
