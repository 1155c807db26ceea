"""The 台账工具 (issue 16), used as a clerk would: the page in a real headless Chromium
(selenium) through the whole year, the page's privacy against other local accounts, the
Linux desktop entry and the Windows scripts run as the desktop would run them."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import stat
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
from addin.launcher import jobs as launcher_jobs, shortcuts
from addin.launcher.jobs import Launcher
from addin.launcher.server import LauncherServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
ROOT = Path(__file__).resolve().parents[1]
SHOTS = os.environ.get("ZHICHENG_SCREENSHOTS")           # a folder: every step's screenshot, for a person to look at


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
                 "--disable-dev-shm-usage", "--window-size=1200,1500", "--lang=zh-CN",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def open_page(driver, srv, launcher) -> None:
    """Open the page as the desktop does: the browser on the start file."""
    driver.delete_all_cookies()
    driver.get(launcher.start_file(srv.url).as_uri())
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if driver.title == "台账工具 · 职称评审台账" and driver.find_elements("id", "pick"):
            return
        time.sleep(0.1)
    raise AssertionError(f"the page did not open: {driver.current_url} {driver.page_source[:300]}")


def finished(driver, label: str = "", timeout: float = 180.0) -> str:
    """Wait until the result line shows a finished run (of the action ``label``, when
    given); its text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def done(d):
        text = d.find_element(By.ID, "status").text
        return text if text and "……" not in text and text.startswith(label) else False
    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(done)


def shoot(driver, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def click(driver, tag: str) -> None:
    from selenium.webdriver.common.by import By

    button = driver.find_element(By.ID, "do-" + tag.replace(".", "-"))
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()


def fill(driver, usecase: str, key: str, value) -> None:
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, f"f-{usecase}-{key}")
    if element.get_attribute("type") == "checkbox":
        if element.is_selected() != bool(value):
            driver.execute_script("arguments[0].click();", element)
    else:
        driver.execute_script("arguments[0].value = arguments[1];", element, str(value))


def log_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, "log").get_attribute("textContent")


def _platform_export(path: Path) -> Path:
    """A platform export with two fictitious applicants, under the platform's usual headers."""
    from conftest import make_id
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["证件号码", "姓名", "申报系列", "申报职称", "单位名称", "申报专业"])
    ws.append([make_id("652901", "19880305", "123"), "测试甲", "工程系列", "工程师", "阿克苏地区测试公路养护段", "公路"])
    ws.append([make_id("652922", "19900711", "246"), "测试乙", "工程系列", "助理工程师", "阿克苏地区测试运输公司", "运输"])
    wb.save(path)
    return path


def _finance_file_with_one_payment(exported: Path) -> Path:
    """The finance office's copy of the exported file with one payment typed in."""
    from addin.outputs.finance import ENTRY_HEADERS, ENTRY_SHEET

    wb = load_workbook(exported)
    ws = wb[ENTRY_SHEET]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == ENTRY_HEADERS[0])
    due = wb.worksheets[0]
    app_id = next(due.cell(r, c).value for r in range(1, due.max_row + 1) for c in range(1, due.max_column + 1)
                  if isinstance(due.cell(r, c).value, str) and due.cell(r, c).value.startswith("2024-0"))
    for column, value in enumerate([app_id, 400, "2024-09-06", "扫码", "NO-T-0001", "财务测试"], start=1):
        ws.cell(header + 1, column, value)
    filled = exported.with_name("缴费表-财务已填.xlsx")
    wb.save(filled)
    return filled


def test_a_clerk_runs_the_whole_year_in_the_page_without_typing_a_command(book, browser, tmp_path):
    """From a new register to next year's roll-over, every step by clicking (issue 16, B.4)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    opened: list[Path] = []
    launcher = Launcher(folder=book.parent, opener=opened.append)
    srv = LauncherServer(launcher)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    try:
        open_page(browser, srv, launcher)
        options = [o.text for o in Select(browser.find_element(By.ID, "pick")).options]
        assert options == ["（请选择）", "台账.xlsx"]
        shoot(browser, "00-page")

        # 新建台账 (the new register becomes the selected one)
        fill(browser, "new", "path", "2024年新台账.xlsx")
        fill(browser, "new", "year", "2024")
        click(browser, "new")
        assert finished(browser, "新建台账：").startswith("新建台账：完成")
        made = book.parent / "2024年新台账.xlsx"
        assert made.exists() and browser.find_element(By.ID, "book").get_attribute("value") == str(made)
        shoot(browser, "01-new")

        # 导入平台导出, then 校验 on the new register
        fill(browser, "import", "export", _platform_export(tmp_path / "平台导出.xlsx"))
        click(browser, "import")
        status = finished(browser, "导入平台导出：")
        assert status.startswith("导入平台导出：完成"), log_text(browser)
        assert "新增2行" in log_text(browser) and "已刷新" in log_text(browser)
        shoot(browser, "02-import")
        click(browser, "check")
        assert finished(browser, "校验：").startswith("校验：完成")
        assert "共" in log_text(browser) and "zhicheng" not in log_text(browser)

        # the year's middle on the sample register
        Select(browser.find_element(By.ID, "pick")).select_by_visible_text("台账.xlsx")
        assert browser.find_element(By.ID, "book").get_attribute("value") == str(book)
        click(browser, "refresh")
        assert finished(browser, "刷新计算：").startswith("刷新计算：完成")
        assert "用“校验”查看明细" in log_text(browser)
        shoot(browser, "03-refresh")
        click(browser, "status")                               # the 状态 the review log calls for, then confirmed
        assert finished(browser, "核对状态：").startswith("核对状态：完成") and "确认码：" in log_text(browser)
        code = browser.find_element(By.ID, "f-status-confirm").get_attribute("value")
        assert len(code) == 12 and "点“确认写入状态”" in log_text(browser)
        shoot(browser, "03b-status")
        click(browser, "status.apply")
        assert finished(browser, "确认写入状态：").startswith("确认写入状态：完成"), log_text(browser)
        assert "已按确认写入" in log_text(browser)

        for n in ("2", "4"):                                   # attachments 1 and 3, by employer, duplex
            box = browser.find_element(By.CSS_SELECTOR, f'.card[data-usecase="docs"] input[data-param="kinds"][value="{n}"]')
            browser.execute_script("arguments[0].click();", box)
        fill(browser, "docs", "by_employer", True)
        fill(browser, "docs", "duplex", True)
        click(browser, "docs")
        assert finished(browser, "生成材料（附件1—4）：").startswith("生成材料（附件1—4）：完成")
        browser.find_element(By.ID, "open").click()
        deadline = time.monotonic() + 10
        while not opened and time.monotonic() < deadline:
            time.sleep(0.1)
        docs = opened[-1]
        assert docs.parent == book.parent / "职称评审输出"
        assert list(docs.glob("附件1-*/*.docx")) and list(docs.glob("附件3-*/*.docx"))
        assert not list(docs.glob("附件2-*")) and (docs / "按单位").is_dir()
        shoot(browser, "04-docs")
        fill(browser, "docs", "ids", "2024-001,2024-002")       # two people, with PDFs
        fill(browser, "docs", "by_employer", False)
        fill(browser, "docs", "pdf", True)
        click(browser, "docs")
        assert finished(browser, "生成材料（附件1—4）：", timeout=300).startswith("生成材料（附件1—4）：完成")
        assert "PDF：" in log_text(browser)

        click(browser, "finance-export")
        assert finished(browser, "导出财务表：").startswith("导出财务表：完成")
        exported = next((book.parent / "职称评审输出").glob("财务-*/职称评审费缴费表.xlsx"))
        fill(browser, "finance-import", "file", _finance_file_with_one_payment(exported))
        click(browser, "finance-import")
        assert finished(browser, "导入缴费：").startswith("导入缴费："), log_text(browser)
        assert "导入1笔缴费" in log_text(browser) and "已刷新" in log_text(browser)
        shoot(browser, "05-finance")

        # 通知申报人 on a chosen day: the SMS file and the call list; the same day again lists nothing new
        fill(browser, "notify", "date", "2024-08-30")
        click(browser, "notify")
        status = finished(browser, "通知申报人：")
        assert status.startswith("通知申报人：完成"), log_text(browser)
        assert "2024年8月30日应通知" in log_text(browser) and "本次通知已记入“日志”" in log_text(browser)
        notices = next((book.parent / "职称评审输出").glob("通知-*"))
        assert list(notices.glob("通知短信-2024年8月30日.xlsx")) and list(notices.glob("电话通知名单-*.docx"))
        browser.execute_script("arguments[0].scrollIntoView({block: 'start'});",
                               browser.find_element(By.CSS_SELECTOR, '.card[data-usecase="notify"]'))
        shoot(browser, "05b-notify-card")
        click(browser, "notify")
        assert finished(browser, "通知申报人：").startswith("通知申报人：完成")
        assert "没有需要生成的通知" in log_text(browser) and "“包括已通知过的”" in log_text(browser)
        assert "--resend" not in log_text(browser)
        shoot(browser, "05c-notify-again")

        click(browser, "draw")                                 # the sample holds a draw: a reason is needed
        status = finished(browser, "抽取评委：")
        assert status.startswith("抽取评委：未执行") and "“重新抽取的原因”" in log_text(browser)
        fill(browser, "draw", "redraw", "评委P03临时出差，不能到会")
        click(browser, "draw")
        assert finished(browser, "抽取评委：").startswith("抽取评委：完成")
        shoot(browser, "06-draw")
        click(browser, "record.forms")
        assert finished(browser, "答辩评分表：").startswith("答辩评分表：完成")
        click(browser, "roster")
        assert finished(browser, "评审会名单：").startswith("评审会名单：完成")
        click(browser, "record")
        assert finished(browser, "评审会议记录：").startswith("评审会议记录：完成")
        shoot(browser, "07-meeting")

        fill(browser, "publicity", "start", "2024-10-21")
        click(browser, "publicity")
        assert finished(browser, "公示名单：").startswith("公示名单：完成")
        assert "2024年10月21日至2024年10月25日" in log_text(browser)
        shoot(browser, "08-publicity")
        click(browser, "archive")                              # the year's sealed archive, then its check
        assert finished(browser, "年度归档：").startswith("年度归档："), log_text(browser)
        assert "已归档" in log_text(browser) and "SHA256SUMS.txt" in log_text(browser)
        manifest = next((book.parent / "职称评审输出").glob("归档-*/*年度职称评审归档-*/SHA256SUMS.txt"))
        fill(browser, "archive", "verify", manifest)
        click(browser, "archive.check")
        assert finished(browser, "核对归档：").startswith("核对归档：完成") and "与清单完全一致" in log_text(browser)
        shoot(browser, "08b-archive")
        last = tmp_path / "2023年台账.xlsx"                    # 统计 beside last year's register
        shutil.copyfile(book, last)
        wb = load_workbook(last)
        ws = wb[schema.SETTINGS_SHEET]
        next(r for r in ws.iter_rows(min_row=2) if r[4].value == "campaign_year")[1].value = 2023
        wb.save(last)
        fill(browser, "refresh", "from_", last)
        click(browser, "refresh.compare")
        assert finished(browser, "刷新并与上年对比：").startswith("刷新并与上年对比：完成"), log_text(browser)
        assert "与上年台账“2023年台账.xlsx”对比" in log_text(browser)
        shoot(browser, "08c-refresh-compare")
        click(browser, "settings")
        assert finished(browser, "节假日与参数：").startswith("节假日与参数：完成")
        fill(browser, "calendar", "year", "2025")
        click(browser, "calendar")
        assert finished(browser, "放假安排：").startswith("放假安排：完成") and "古尔邦节" in log_text(browser)

        # next year's register from this one
        fill(browser, "new", "path", "2025年职称评审台账.xlsx")
        fill(browser, "new", "year", "2025")
        click(browser, "new.next")
        assert finished(browser, "下一年度（沿用上年）：").startswith("下一年度（沿用上年）：完成"), log_text(browser)
        following = book.parent / "2025年职称评审台账.xlsx"
        assert following.exists() and "沿用了上年台账“台账.xlsx”" in log_text(browser)
        assert browser.find_element(By.ID, "book").get_attribute("value") == str(following)
        shoot(browser, "09-next-year")
        assert "zhicheng " not in browser.find_element(By.TAG_NAME, "body").text     # never the command line's words
    finally:
        srv.shutdown()
        srv.server_close()


def test_refusals_are_shown_in_chinese_and_nothing_runs(running, browser, tmp_path):
    from selenium.webdriver.common.by import By

    srv, launcher, _ = running
    open_page(browser, srv, launcher)
    field = browser.find_element(By.ID, "book")
    field.clear()
    click(browser, "refresh")
    assert finished(browser, "请先") == "请先选择或填写台账文件。"
    field.send_keys(str(tmp_path))
    click(browser, "check")
    assert finished(browser, "找不到").endswith("（这是一个文件夹，请选择其中的台账文件）")
    other = tmp_path / "不是台账.xlsx"
    other.write_bytes(b"not a workbook")
    field.clear()
    field.send_keys(str(other))
    click(browser, "refresh")
    status = finished(browser, "刷新计算：")
    assert status.startswith("刷新计算：未执行"), status                 # the command line refused: exit 2
    assert other.read_bytes() == b"not a workbook"
    from openpyxl import Workbook

    Workbook().save(other)                                           # a workbook, not a register
    click(browser, "docs")
    assert finished(browser, "生成材料（附件1—4）：").startswith("生成材料（附件1—4）：未执行")
    assert "不是职称评审台账" in log_text(browser)
    fill(browser, "publicity", "start", "")
    field.clear()
    field.send_keys(str(launcher.book))
    click(browser, "publicity")
    assert finished(browser, "请填写") == "请填写“公示开始日期”。"
    assert not launcher.busy()


def test_a_reload_keeps_the_last_result_and_a_gone_server_is_explained(book, browser, tmp_path):
    """The launcher as the desktop starts it (its own process); reloaded, the page shows the
    last result; the process gone, a click says how to start it again."""
    from selenium.webdriver.common.by import By

    proc = subprocess.Popen([sys.executable, "-m", "addin", "launcher", str(book), "--no-browser"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    try:
        start = None
        deadline = time.monotonic() + 60
        while start is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if "file://" in line:
                start = line[line.index("file://"):].strip()
        assert start, "the launcher did not say where its start file is"
        browser.delete_all_cookies()
        browser.get(start)
        deadline = time.monotonic() + 20
        while not browser.find_elements(By.ID, "pick") and time.monotonic() < deadline:
            time.sleep(0.1)
        click(browser, "check")
        first = finished(browser, "校验：")
        browser.refresh()
        assert finished(browser, "校验：") == first and "共" in log_text(browser)
    finally:
        proc.kill()
        proc.wait(10)
    click(browser, "settings")
    assert finished(browser, "台账工具已经关闭").startswith("台账工具已经关闭（或电脑休眠后已停止）：请双击“台账工具”图标重新打开")
    assert browser.find_element(By.ID, "status").get_attribute("class") == "refused"


def test_the_file_list_puts_registers_first_and_marks_other_workbooks(tmp_path, book):
    from openpyxl import Workbook

    shutil.copyfile(book, tmp_path / "b-台账.xlsx")
    Workbook().save(tmp_path / "a-平台导出.xlsx")
    page = Launcher(folder=tmp_path).page()
    registers = page.index('<optgroup label="台账">')
    others = page.index("其他工作簿（不是台账：平台导出、财务表等）")
    assert registers < page.index("b-台账.xlsx") < others < page.index("a-平台导出.xlsx")


def test_browse_puts_the_file_picked_in_the_system_dialog_into_the_field(running, browser, tmp_path):
    """The page cannot learn a path chosen in the browser: 浏览… asks the server, which
    shows the system's Open dialog on this PC (here a stand-in answering for the clerk)."""
    from selenium.webdriver.common.by import By

    from addin.errors import Refused

    srv, launcher, _ = running
    picked = tmp_path / "财务" / "缴费表-已填.xlsx"
    asked = []
    launcher.chooser = lambda title, folder: (asked.append((title, folder)), picked)[1]
    open_page(browser, srv, launcher)
    button = browser.find_element(By.CSS_SELECTOR, 'button.browse[data-what="file"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    deadline = time.monotonic() + 10
    field = browser.find_element(By.ID, "f-finance-import-file")
    while field.get_attribute("value") != str(picked.resolve()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert field.get_attribute("value") == str(picked.resolve())
    assert asked == [("选择财务填好的缴费表", launcher.folder)]

    def no_dialog(title, folder):
        raise Refused("无法打开文件对话框（这台电脑当前没有可用的桌面显示）：请在框中填写文件的完整路径。")
    launcher.chooser = no_dialog
    button = browser.find_element(By.CSS_SELECTOR, 'button.browse[data-what="book"]')
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", button)
    button.click()
    assert finished(browser, "无法打开").startswith("无法打开文件对话框")


def test_without_a_display_or_tkinter_the_dialog_is_a_chinese_refusal(monkeypatch, tmp_path):
    from addin.errors import Refused

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    if sys.platform == "win32":
        pytest.skip("Windows always has a display for the dialog")
    with pytest.raises(Refused, match="文件对话框") as caught:
        launcher_jobs.ask_file("选择台账", tmp_path)
    assert caught.value.message.isascii() is False and "TclError" not in caught.value.message


# --- the page answers only its own user ----------------------------------------------------------------

def _request(url: str, data: dict | None = None, *, host: str | None = None, cookie: str | None = None,
             header: bool = True) -> tuple[int, dict, str]:
    headers = {"Content-Type": "application/json"}
    if header:
        headers["X-Zhicheng"] = "1"
    if host:
        headers["Host"] = host
    if cookie:
        headers["Cookie"] = cookie
    body = None if data is None else json.dumps(data).encode()
    req = urllib.request.Request(url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode("utf-8")


def test_the_secret_is_spent_once_and_nothing_is_served_without_the_session(running, book):
    srv, launcher, opened = running
    secret = launcher.secret
    status, _, entry = _request(srv.url)
    assert status == 200 and secret not in entry and launcher.session not in entry and "台账工具" in entry
    assert _request(srv.url + "state")[0] == 403
    assert _request(srv.url + "run", {"action": "refresh", "book": str(book)})[0] == 403
    status, headers, _ = _request(srv.url + "session", {"secret": secret})
    assert status == 200
    cookie = headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    cookie = cookie.split(";")[0]
    assert _request(srv.url + "session", {"secret": secret})[0] == 403            # one time only
    assert _request(srv.url, host="attacker.example:80", cookie=cookie)[0] == 403  # DNS rebinding
    status, _, body = _request(srv.url + "run", {"action": "refresh", "book": str(book)}, cookie=cookie, header=False)
    assert status == 403                                                           # a cross-site form has no header
    status, _, body = _request(srv.url + "run", {"action": "rm", "book": str(book)}, cookie=cookie)
    assert status == 409 and json.loads(body)["error"] == "未知的操作“rm”。"
    status, _, body = _request(srv.url + "open", {"id": "nothing"}, cookie=cookie)
    assert status == 409 and not opened
    assert not launcher.jobs


def test_the_page_cannot_be_framed_and_sends_no_referrer(running):
    srv, launcher, _ = running
    for path in ("", "app.js", "session"):
        _, headers, _ = _request(srv.url + path, {} if path == "session" else None)
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer"


def test_the_start_file_is_the_user_s_alone(running):
    srv, launcher, _ = running
    start = launcher.start_file(srv.url)
    assert stat.S_IMODE(start.stat().st_mode) == 0o600 and stat.S_IMODE(start.parent.stat().st_mode) == 0o700
    text = start.read_text(encoding="utf-8")
    assert f"{srv.url}#{launcher.secret}" in text and "?" not in text.split("location.replace")[1].split(")")[0]


NOBODY = """
import json, sys, urllib.request, urllib.error
url, book, start = sys.argv[1:4]
out = {}
try:
    open(start).read(); out["start"] = "read"
except OSError as exc:
    out["start"] = type(exc).__name__
page = urllib.request.urlopen(url, timeout=10).read().decode("utf-8")
out["page"] = page
for path, body in (("run", {"action": "roster", "book": book}), ("state", None), ("session", {"secret": "guess"})):
    req = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(),
                                 headers={"X-Zhicheng": "1", "Content-Type": "application/json"})
    try:
        out[path] = urllib.request.urlopen(req, timeout=10).status
    except urllib.error.HTTPError as exc:
        out[path] = exc.code
print(json.dumps(out))
"""


@pytest.mark.skipif(os.name != "posix", reason="local accounts: POSIX")
def test_another_local_account_gets_no_secret_and_cannot_run_anything(running, book, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("acting as another local account (nobody) needs root, as CI has")
    srv, launcher, _ = running
    start = launcher.start_file(srv.url)
    os.chmod(book, 0o600)
    python = shutil.which("python3", path="/usr/bin:/bin") or sys.executable
    done = subprocess.run([python, "-c", NOBODY, srv.url, str(book), str(start)], user="nobody", group="nogroup",
                          capture_output=True, text=True, timeout=60, cwd="/")
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["start"] == "PermissionError"
    assert launcher.secret not in seen["page"] and launcher.session not in seen["page"]
    assert "data-action" not in seen["page"]                                      # the entry page only
    assert seen["run"] == 403 and seen["state"] == 403 and seen["session"] == 403
    assert not launcher.jobs and not (book.parent / "职称评审输出").exists()


# --- the page's jobs ---------------------------------------------------------------------------------------

def test_the_server_stays_while_a_page_is_open_and_stops_when_it_is_gone(book):
    launcher = Launcher(book)
    srv = LauncherServer(launcher)
    stopped = threading.Event()

    def serve():
        srv.serve_forever(poll_interval=0.05)
        stopped.set()
    threading.Thread(target=serve, daemon=True).start()
    status, headers, _ = _request(srv.url + "session", {"secret": launcher.secret})
    cookie = headers["Set-Cookie"].split(";")[0]
    srv.stop_when_idle(minutes=0.5 / 60, every=0.05)          # idle after half a second
    for _ in range(15):                                        # an open page pings (every minute in real life)
        assert _request(srv.url + "ping", cookie=cookie)[0] == 200
        time.sleep(0.1)
    assert not stopped.is_set()
    assert stopped.wait(5)                                     # the page was closed: the server stops
    srv.server_close()


def _wait(job, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while job.code is None and time.monotonic() < deadline:
        time.sleep(0.1)
    return job.state()


@pytest.mark.parametrize("action, values, produced", [
    ("roster", {}, "*/*.xlsx"), ("publicity", {"start": "2024-10-21"}, "*.docx"),
    ("finance-export", {}, "职称评审费缴费表.xlsx")])
def test_every_output_action_runs_to_completion_and_leaves_its_files(book, action, values, produced):
    launcher = Launcher(book, opener=lambda p: None)
    state = _wait(launcher.start({"action": action, "book": str(book), "values": values}))
    assert state["code"] in (0, 1) and state["kind"] in ("done", "findings"), state["lines"]
    assert list(Path(state["out"]).glob(produced)), state


def test_a_refused_output_action_leaves_no_folder_and_nothing_to_open(tmp_path):
    bad = tmp_path / "不是台账.xlsx"
    bad.write_bytes(b"not a workbook")
    launcher = Launcher(bad, opener=lambda p: None)
    state = _wait(launcher.start({"action": "finance-export", "book": str(bad)}), 60)
    assert state["code"] == 2 and state["out"] is None, state
    assert not (tmp_path / "职称评审输出").exists() or not any((tmp_path / "职称评审输出").rglob("*.xlsx"))
    first = state["seconds"]
    time.sleep(0.3)
    assert launcher.last.state()["seconds"] == first           # the time taken, not the time since


# --- the icons and scripts --------------------------------------------------------------------

def _browser_script(tmp_path: Path) -> Path:
    """A stand-in browser (``BROWSER``, honoured by Python's webbrowser module): opens the
    start file as a browser would (its script's target, secret in the fragment), exchanges
    the secret, records the page and closes the launcher through the page's own request."""
    script = tmp_path / "browser.py"
    script.write_text(
        "import json, re, sys, urllib.request\n"
        "from urllib.parse import urlsplit, unquote\n"
        "start = unquote(urlsplit(sys.argv[1]).path)\n"
        "target = json.loads(re.search(r'location.replace\\((.+?)\\);', open(start, encoding='utf-8').read()).group(1))\n"
        "url, secret = target.split('#')\n"
        "h = {'X-Zhicheng': '1', 'Content-Type': 'application/json'}\n"
        "r = urllib.request.urlopen(urllib.request.Request(url + 'session', data=json.dumps({'secret': secret}).encode(), headers=h), timeout=20)\n"
        "h['Cookie'] = r.headers['Set-Cookie'].split(';')[0]\n"
        "page = urllib.request.urlopen(urllib.request.Request(url, headers=h), timeout=20).read().decode('utf-8')\n"
        f"open({str(tmp_path / 'page.html')!r}, 'w', encoding='utf-8').write(page)\n"
        "urllib.request.urlopen(urllib.request.Request(url + 'quit', data=b'{}', headers=h), timeout=20)\n",
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
    assert "台账工具已启动（本机 http://127.0.0.1:" in done.stdout and "台账工具已关闭" in done.stdout
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
        '-m pip install --disable-pip-version-check --upgrade "%HERE%."',  # online, from the folder
        '--force-reinstall --no-deps "%HERE%."',                         # ... the product replaced every time
        '--no-index --find-links "%HERE%wheelhouse" --upgrade zhicheng', # offline, from the wheelhouse
        '--find-links "%HERE%wheelhouse" --force-reinstall --no-deps zhicheng',  # ... replaced every time
        '"%VPY%" -m addin install-addin',                                # the add-in, checked
    ]
    positions = [text.index(s) for s in steps]
    assert positions == sorted(positions)
    assert 'set "VENV=%HERE%.venv"' in text and "for %%V in (3.11 3.12 3.13 3.10)" in text
    assert "exit /b %RESULT%" in text and text.count("pause") >= 4          # the window stays to be read
    prepare = shortcuts.windows_script("准备离线安装包.bat").decode("gbk")
    assert r"%PY% addin\launcher\wheelhouse.py wheelhouse" in prepare    # the steps: tests/test_wheelhouse.py
