"""The 台账工具 (issue 11, item 4), used as a clerk would: the page in a real headless
Chromium (selenium), the Linux desktop entry and the Windows scripts run as the desktop
would run them, and the guards of the local server."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin.book import schema
from addin.launcher import server as launcher_server, shortcuts
from addin.launcher.server import ACTIONS, Launcher, LauncherServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def running(book):
    """The launcher on a copy of the sample register; opened folders are recorded."""
    opened: list[Path] = []
    launcher = Launcher(book, opener=opened.append)
    srv = LauncherServer(launcher)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield srv, launcher, opened
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are installed by .ci/run")
        pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")      # Selenium Manager: never download a browser or driver
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1100,1400",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def finished(driver, label: str = "", timeout: float = 120.0) -> str:
    """Wait until the result line shows a finished run (of the action ``label``, when
    given); its text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def done(d):
        text = d.find_element(By.ID, "status").text
        return text if text and "……" not in text and text.startswith(label) else False
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(done)


def test_a_clerk_checks_refreshes_and_generates_documents_in_the_page(running, browser, book, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    srv, launcher, opened = running
    browser.get(srv.url)
    assert browser.title == "台账工具 · 职称评审台账"
    # the register given on the command line is preselected; pick it from the list as a clerk would
    Select(browser.find_element(By.ID, "pick")).select_by_visible_text("台账.xlsx")
    assert browser.find_element(By.ID, "book").get_attribute("value") == str(book.resolve())

    browser.find_element(By.ID, "do-check").click()
    status = finished(browser, "校验：")
    log = browser.find_element(By.ID, "log").text
    assert status == "校验：完成，发现问题（见下面的清单）"         # the sample carries deliberate errors: exit 1
    assert "（申报人员第" in log and "参数!" in log                   # findings located, naming the person
    assert browser.find_element(By.ID, "progress").text.startswith("用时 ")
    assert not browser.find_element(By.ID, "open").is_displayed()       # check writes nothing

    before = load_workbook(book)[schema.LOG_SHEET].max_row
    browser.find_element(By.ID, "do-refresh").click()
    status = finished(browser, "刷新计算：")
    assert status.startswith("刷新计算：完成"), status
    assert "备份" in browser.find_element(By.ID, "log").text
    wb = load_workbook(book)
    assert wb[schema.LOG_SHEET].max_row == before + 1                   # the refresh really wrote the file
    assert (book.parent / "备份").is_dir()

    browser.find_element(By.ID, "do-docs").click()
    status = finished(browser, "生成材料（附件1—4）：")
    assert status.startswith("生成材料（附件1—4）：完成"), status
    open_button = browser.find_element(By.ID, "open")
    assert open_button.is_displayed() and open_button.text == "打开输出文件夹"
    open_button.click()
    deadline = time.monotonic() + 10
    while not opened and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(opened) == 1 and opened[0].parent.name == "职称评审输出" and opened[0].parent.parent == book.parent
    assert len(list(opened[0].rglob("*.docx"))) >= 4
    shot = tmp_path / "launcher.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000
    if os.environ.get("ZHICHENG_SCREENSHOT"):                           # for a person to look at
        shutil.copyfile(shot, os.environ["ZHICHENG_SCREENSHOT"])


def test_refusals_are_shown_in_chinese_and_nothing_runs(running, browser, tmp_path):
    from selenium.webdriver.common.by import By

    srv, launcher, _ = running
    browser.get(srv.url)
    field = browser.find_element(By.ID, "book")
    field.clear()
    browser.find_element(By.ID, "do-refresh").click()
    assert finished(browser, "请先") == "请先选择或填写台账文件。"
    field.send_keys(str(tmp_path))
    browser.find_element(By.ID, "do-check").click()
    assert finished(browser, "找不到").endswith("（这是一个文件夹，请选择其中的台账文件）")
    other = tmp_path / "不是台账.xlsx"
    other.write_bytes(b"not a workbook")
    field.clear()
    field.send_keys(str(other))
    browser.find_element(By.ID, "do-refresh").click()
    status = finished(browser, "刷新计算：")
    assert status.startswith("刷新计算：未执行"), status                 # the command line refused: exit 2
    assert other.read_bytes() == b"not a workbook"
    assert not launcher.busy()


def _request(url: str, data: dict | None = None, host: str | None = None) -> tuple[int, str]:
    body = None if data is None else urllib.parse.urlencode(data).encode()
    req = urllib.request.Request(url, data=body, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_the_server_answers_only_its_own_page_with_its_token(running, book):
    import urllib.parse  # noqa: F401 - used by _request

    srv, launcher, opened = running
    assert srv.server_address[0] == "127.0.0.1"
    assert _request(srv.url, host="attacker.example:80")[0] == 403           # DNS rebinding
    status, body = _request(srv.url + "run", {"action": "refresh", "book": str(book)})
    assert status == 403 and "页面已过期" in json.loads(body)["error"]       # no token: another site's form
    status, body = _request(srv.url + "run", {"t": launcher.token, "action": "rm", "book": str(book)})
    assert status == 409 and json.loads(body)["error"] == "未知的操作“rm”。"
    status, body = _request(srv.url + "open", {"t": launcher.token, "id": "nothing"})
    assert status == 409 and not opened
    assert not launcher.jobs


def test_every_action_maps_to_a_command_the_command_line_accepts(tmp_path):
    from addin.cli import build_parser

    import datetime as dt

    book = tmp_path / "台账.xlsx"
    now = dt.datetime(2024, 10, 21, 9, 30)
    fields = {"start": "2024-10-21", "file": str(tmp_path / "缴费表.xlsx")}
    for action, spec in ACTIONS.items():
        args, out = launcher_server.argv(action, book, fields, now)
        parsed = build_parser().parse_args(args)
        assert callable(parsed.handler), action
        assert (out is not None) == (spec.output is not None), action
        if out is not None:
            assert out == tmp_path / "职称评审输出" / f"{spec.output}-20241021-093000"


# --- the icons and scripts --------------------------------------------------------------------

def _browser_script(tmp_path: Path) -> Path:
    """A stand-in browser (``BROWSER``, honoured by Python's webbrowser module): fetches the
    page, records it, closes the launcher through the page's own 关闭 request."""
    script = tmp_path / "browser.py"
    script.write_text(
        "import re, sys, urllib.parse, urllib.request\n"
        "url = sys.argv[1]\n"
        "page = urllib.request.urlopen(url, timeout=20).read().decode('utf-8')\n"
        f"open({str(tmp_path / 'page.html')!r}, 'w', encoding='utf-8').write(page)\n"
        "token = re.search(r'const token = \"([^\"]+)\"', page).group(1)\n"
        "urllib.request.urlopen(url + 'quit', data=urllib.parse.urlencode({'t': token}).encode(), timeout=20)\n",
        encoding="utf-8")
    return script


def test_the_desktop_entry_opens_the_page_on_the_dropped_register(tmp_path, book):
    entry = shortcuts.desktop_entry(sys.executable)
    parsed = configparser.ConfigParser(interpolation=None)
    parsed.optionxform = str
    parsed.read_string(entry)
    desk = parsed["Desktop Entry"]
    assert desk["Type"] == "Application" and desk["Terminal"] == "false"
    assert desk["Name"] == "台账工具（职称评审）"
    assert desk["Exec"].endswith(" -m addin launcher %f")
    assert shortcuts.XLSX_MIME in desk["MimeType"]
    command = shortcuts.desktop_command(entry, book)
    assert command == [sys.executable, "-m", "addin", "launcher", str(book)]
    env = dict(os.environ, BROWSER=f"{sys.executable} {_browser_script(tmp_path)} %s")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "台账工具已启动：http://127.0.0.1:" in done.stdout and "台账工具已关闭" in done.stdout
    page = (tmp_path / "page.html").read_text(encoding="utf-8")
    assert f'value="{book.resolve()}"' in page                          # the dropped register, preselected


def test_the_desktop_entry_quotes_paths_with_spaces(tmp_path):
    python = "/opt/职称 评审/bin/python3"
    entry = shortcuts.desktop_entry(python)
    assert 'Exec="/opt/职称 评审/bin/python3" -m addin launcher %f' in entry
    assert shortcuts.desktop_command(entry, tmp_path / "a b.xlsx")[0] == python
    path = shortcuts.write_shortcut(tmp_path / "desk", python, platform="linux")
    assert path.read_text(encoding="utf-8") == entry and os.access(path, os.X_OK)


def test_the_windows_launcher_script_runs_the_same_command(tmp_path, book):
    text = shortcuts.windows_script("台账工具.bat").decode("gbk")
    assert '"%VPY%" -m addin launcher %*' in text
    assert 'set "VPY=%~dp0.venv\\Scripts\\python.exe"' in text
    # what it runs, with this PC's Python for %VPY% and the dropped register for %*
    env = dict(os.environ, BROWSER=f"{sys.executable} {_browser_script(tmp_path)} %s")
    done = subprocess.run([sys.executable, "-m", "addin", "launcher", str(book)], env=env, capture_output=True,
                          text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    made = shortcuts.write_shortcut(tmp_path / "desk", r"D:\zhicheng\.venv\Scripts\python.exe", platform="win32")
    assert made.read_bytes().decode("gbk") == ("@echo off\r\nrem 职称评审台账：台账工具（本机网页）。双击打开，或把台账拖到本文件上。\r\n"
                                               '"D:\\zhicheng\\.venv\\Scripts\\python.exe" -m addin launcher %*\r\n'
                                               "if errorlevel 1 pause\r\n")


def test_the_committed_windows_scripts_are_current_gbk_and_crlf():
    for name in shortcuts.WINDOWS_SCRIPTS:
        data = (ROOT / name).read_bytes()
        assert data == shortcuts.windows_script(name), f"{name} is stale: run make shortcuts"
        text = data.decode("gbk")
        assert "\n" not in text.replace("\r\n", "") and text.startswith("@echo off\r\n")


def test_the_install_script_does_the_supported_steps_in_order():
    text = shortcuts.windows_script("安装.bat").decode("gbk")
    steps = [
        'py -%%V -c "import venv"',                                      # the py launcher, 3.11 first
        r'"%LOCALAPPDATA%\Programs\Python\Python%%V\python.exe"',        # a per-user python.org install
        'start "" /wait "%INSTALLER%" /passive InstallAllUsers=0',       # a bundled installer, for this user
        '%BASE% -m venv "%VENV%"',                                       # a venv inside the software folder
        '--no-index --find-links "%HERE%wheelhouse" --upgrade zhicheng', # offline, from the wheelhouse
        '-m pip install --disable-pip-version-check --upgrade "%HERE%."',  # online, from the folder
        '"%VPY%" -m addin install-addin',                                # the add-in, checked
    ]
    positions = [text.index(s) for s in steps]
    assert positions == sorted(positions)
    assert 'set "VENV=%HERE%.venv"' in text and "for %%V in (3.11 3.12 3.13 3.10)" in text
    assert "exit /b %RESULT%" in text and text.count("pause") >= 4          # the window stays to be read
    prepare = shortcuts.windows_script("准备离线安装包.bat").decode("gbk")
    assert "-m pip wheel --disable-pip-version-check --no-deps -w wheelhouse ." in prepare
    assert ("-m pip download --disable-pip-version-check --platform win_amd64 --only-binary=:all: "
            '--python-version 3.11 -d wheelhouse "%WHEEL%" pywin32 tzdata') in prepare   # markers: see the script


def test_browse_puts_the_file_picked_in_the_system_dialog_into_the_field(running, browser, tmp_path):
    """The page cannot learn a path chosen in the browser: 浏览… asks the server, which
    shows the system's Open dialog on this PC (here a stand-in answering for the clerk)."""
    from selenium.webdriver.common.by import By

    from addin.errors import Refused

    srv, launcher, _ = running
    picked = tmp_path / "财务" / "缴费表-已填.xlsx"
    asked = []
    launcher.chooser = lambda title, folder: (asked.append((title, folder)), picked)[1]
    browser.get(srv.url)
    browser.find_element(By.CSS_SELECTOR, 'button.browse[data-what="file"]').click()
    deadline = time.monotonic() + 10
    field = browser.find_element(By.ID, "file")
    while field.get_attribute("value") != str(picked.resolve()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert field.get_attribute("value") == str(picked.resolve())
    assert asked == [("选择财务填好的缴费表", launcher.folder)]

    def no_dialog(title, folder):
        raise Refused("这台电脑的 Python 没有文件对话框（tkinter）：请把台账拖到“台账工具”图标上，或在框中填写台账的完整路径。")
    launcher.chooser = no_dialog
    browser.find_element(By.CSS_SELECTOR, 'button.browse[data-what="book"]').click()
    assert finished(browser, "这台电脑").startswith("这台电脑的 Python 没有文件对话框")


def test_without_a_display_or_tkinter_the_dialog_is_a_chinese_refusal(monkeypatch, tmp_path):
    from addin.errors import Refused

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if sys.platform == "win32":
        pytest.skip("Windows always has a display for the dialog")
    with pytest.raises(Refused, match="文件对话框"):
        launcher_server.ask_file("选择台账", tmp_path)


def test_the_server_stays_while_a_page_is_open_and_stops_when_it_is_gone(book):
    srv = LauncherServer(Launcher(book))
    stopped = threading.Event()

    def serve():
        srv.serve_forever(poll_interval=0.05)
        stopped.set()
    threading.Thread(target=serve, daemon=True).start()
    srv.stop_when_idle(minutes=0.5 / 60, every=0.05)          # idle after half a second
    for _ in range(15):                                        # an open page pings (every minute in real life)
        assert _request(srv.url + "ping")[0] == 200
        time.sleep(0.1)
    assert not stopped.is_set()
    assert stopped.wait(5)                                     # the page was closed: the server stops
    srv.server_close()


@pytest.mark.parametrize("action, fields, produced", [
    ("roster", {}, "*/*.xlsx"), ("publicity", {"start": "2024-10-21"}, "*.docx"), ("finance-export", {}, "缴费表.xlsx")])
def test_every_output_action_runs_to_completion_and_leaves_its_files(book, action, fields, produced):
    launcher = Launcher(book, opener=lambda p: None)
    job = launcher.start({"action": action, "book": str(book), **fields})
    deadline = time.monotonic() + 120
    while job.code is None and time.monotonic() < deadline:
        time.sleep(0.1)
    state = job.state()
    assert state["code"] in (0, 1) and state["kind"] in ("done", "findings"), state["lines"]
    assert list(Path(state["out"]).glob(produced.replace("缴费表", "*缴费表"))), state


def test_a_refused_output_action_leaves_no_empty_folder_and_nothing_to_open(tmp_path):
    bad = tmp_path / "不是台账.xlsx"
    bad.write_bytes(b"not a workbook")
    launcher = Launcher(bad, opener=lambda p: None)
    job = launcher.start({"action": "finance-export", "book": str(bad)})
    deadline = time.monotonic() + 60
    while job.code is None and time.monotonic() < deadline:
        time.sleep(0.1)
    state = job.state()
    assert state["code"] == 2 and state["out"] is None, state
    assert not (tmp_path / "职称评审输出").exists() or not any((tmp_path / "职称评审输出").iterdir())
    first = state["seconds"]
    time.sleep(0.3)
    assert job.state()["seconds"] == first                     # the time taken, not the time since
