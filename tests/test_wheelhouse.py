"""The offline install package (issue 21, C.7): the preparation that 准备离线安装包.bat and
``make wheelhouse`` run (addin/launcher/wheelhouse.py) really downloads from PyPI, and the
folder it leaves installs the product on 64-bit Windows, Python 3.11, with no index.

Network: the preparation needs PyPI (CI reaches it; pip's cache makes a second run quick).
Every pip call here is bounded (pip's own timeout and retries, and a time limit on the
whole step): without network the test fails with a message saying so, it does not hang.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from addin.launcher import wheelhouse

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "addin" / "launcher" / "wheelhouse.py"
STEP_SECONDS = 900
NETWORK_HINT = ("准备离线安装包需要访问 PyPI（https://pypi.org）；这台电脑（或 CI）连不上时本测试失败。"
                "请检查网络或 pip 的代理设置后重跑")


def _tracked_copy(target: Path) -> Path:
    """The software folder's files as git sees them, committed or new, not ignored (the build
    leaves build/ and *.egg-info where it runs: not in the checkout)."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                         capture_output=True, check=True).stdout
    for rel in out.decode("utf-8").split("\0"):
        if rel and (ROOT / rel).is_file():
            (target / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, target / rel)
    return target


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PIP_DEFAULT_TIMEOUT": "30", "PIP_RETRIES": "2", "PYTHONUTF8": "1"}, **extra)
    return env


def _run(args: list[str], *, env=None, what: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=STEP_SECONDS, env=env or _env())
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{what}：{STEP_SECONDS} 秒内没有完成。{NETWORK_HINT}。\n{(exc.stdout or b'')[-3000:]!r}")


def _isolated_env() -> dict[str, str]:
    """pip with no configuration file and no PIP_* variable: the folder is the only source."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("wheelhouse")
    source = _tracked_copy(base / "software")
    out = base / "wheelhouse"
    done = _run([sys.executable, str(source / "addin" / "launcher" / "wheelhouse.py"), str(out), str(source)],
                what="准备离线安装包")
    if done.returncode != 0:
        pytest.fail(f"准备离线安装包失败（退出码 {done.returncode}）。如输出中是连接错误：{NETWORK_HINT}。\n"
                    f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    assert "完成" in done.stdout
    return out


@pytest.mark.network
def test_the_preparation_builds_the_source_only_dependencies_and_downloads_the_rest(prepared):
    names = sorted(p.name for p in prepared.glob("*.whl"))
    by_name = {wheelhouse.normalize(n.split("-")[0]): n for n in names}
    assert by_name["jieba"].endswith("-py3-none-any.whl")                 # built here: PyPI has only the sdist
    assert by_name["zhicheng"].startswith("zhicheng-")
    for binary in ("pywin32", "lxml", "python-calamine", "xlwings"):
        assert by_name[binary].endswith("-cp311-cp311-win_amd64.whl"), by_name[binary]
    # the export is read without pandas: neither it nor numpy is shipped (tzdata still is, for
    # python-dateutil 4, which requires it on every system: no Windows-only marker to name)
    assert not {"pandas", "numpy"} & set(by_name), names
    assert all(wheelhouse.installs_on_windows(n) for n in names), names
    assert not list(prepared.glob("*.tar.gz")) and not list(prepared.glob("*.zip"))


@pytest.mark.network
def test_zhicheng_resolves_from_the_wheelhouse_alone_for_windows(prepared, tmp_path):
    """What 安装.bat does on an intranet PC, with pip told the target: 64-bit Windows,
    Python 3.11, no index, no configuration: the install set is complete."""
    report = tmp_path / "report.json"
    done = _run([sys.executable, "-m", "pip", "--disable-pip-version-check", "install", "--dry-run",
                 "--ignore-installed", "--target", str(tmp_path / "target"), "--no-index",
                 "--find-links", str(prepared), "--platform", "win_amd64", "--python-version", "3.11",
                 "--only-binary=:all:", "--report", str(report), "zhicheng"], env=_isolated_env(),
                what="离线解析")
    assert done.returncode == 0, done.stdout + done.stderr
    planned = {wheelhouse.normalize(i["metadata"]["name"]) for i in json.loads(report.read_text())["install"]}
    assert {"zhicheng", "jieba", "xlwings", "openpyxl", "lxml", "docxtpl", "python-calamine"} <= planned
    assert not {"pandas", "numpy"} & planned
    # pip evaluates markers for the PC it runs on: the Windows-only ones are checked for Windows
    assert wheelhouse.check_windows_closure(prepared) == []


@pytest.mark.network
def test_a_wheelhouse_missing_a_windows_only_dependency_is_found(prepared, tmp_path):
    """Without pywin32 (xlwings needs it on Windows only) pip on this Linux resolves happily;
    the Windows check names it."""
    partial = tmp_path / "partial"
    shutil.copytree(prepared, partial)
    for wheel in partial.glob("pywin32-*.whl"):
        wheel.unlink()
    done = _run([sys.executable, "-m", "pip", "download", "--no-index", "--find-links", str(partial),
                 "--platform", "win_amd64", "--python-version", "3.11", "--only-binary=:all:",
                 "-d", str(tmp_path / "d"), "zhicheng"], env=_isolated_env(), what="离线解析")
    assert done.returncode == 0                                          # the blind spot
    problems = wheelhouse.check_windows_closure(partial)
    assert len(problems) == 1 and problems[0].startswith("pywin32：没有适用于 64 位 Windows")


@pytest.mark.network
def test_the_old_preparation_fails_on_jieba(prepared, tmp_path):
    """The failure of issue 21 C.7: downloading binaries only, jieba (a source archive only)
    cannot be found."""
    product = next(prepared.glob("zhicheng-*.whl"))
    done = _run([sys.executable, "-m", "pip", "download", "--platform", "win_amd64", "--only-binary=:all:",
                 "--python-version", "3.11", "--no-deps", "-d", str(tmp_path), "jieba"], what="下载 jieba")
    assert done.returncode != 0 and "No matching distribution found for jieba" in done.stdout + done.stderr
    assert product.exists()


def test_a_failed_preparation_leaves_no_wheelhouse_and_says_why(tmp_path):
    """Offline: a software folder that cannot be built stops at step 1, with exit 2, a Chinese
    message, and no half-made folder."""
    out = tmp_path / "wheelhouse"
    (tmp_path / "broken").mkdir()
    done = _run([sys.executable, str(SCRIPT), str(out), str(tmp_path / "broken")], what="准备")
    assert done.returncode == 2
    assert "准备失败：打包本软件失败" in done.stderr and not out.exists()


@pytest.mark.parametrize("name, ok", [
    ("jieba-0.42.1-py3-none-any.whl", True), ("openpyxl-3.1.5-py2.py3-none-any.whl", True),
    ("lxml-6.0.0-cp311-cp311-win_amd64.whl", True), ("cryptography-44.0.0-cp39-abi3-win_amd64.whl", True),
    ("lxml-6.0.0-cp312-cp312-win_amd64.whl", False), ("lxml-6.0.0-cp311-cp311-win32.whl", False),
    ("lxml-6.0.0-cp311-cp311-manylinux_2_28_x86_64.whl", False), ("x-1.0-cp312-abi3-win_amd64.whl", False),
    ("x-1.0-py2-none-any.whl", False),
])
def test_which_wheels_install_on_64_bit_windows_python_311(name, ok):
    assert wheelhouse.installs_on_windows(name) is ok


def test_the_windows_markers_are_evaluated_for_windows():
    from pip._vendor.packaging.markers import Marker

    assert Marker('platform_system == "Windows"').evaluate(wheelhouse.WINDOWS_MARKERS)
    assert Marker('sys_platform == "win32" and python_version >= "3.10"').evaluate(wheelhouse.WINDOWS_MARKERS)
    assert not Marker('sys_platform == "linux"').evaluate(wheelhouse.WINDOWS_MARKERS)


def test_make_wheelhouse_and_the_windows_script_run_this_script():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\t$(BIN)/python addin/launcher/wheelhouse.py wheelhouse\n" in makefile
    from addin.launcher import shortcuts

    assert r"%PY% addin\launcher\wheelhouse.py wheelhouse" in shortcuts.windows_script("准备离线安装包.bat").decode("gbk")
