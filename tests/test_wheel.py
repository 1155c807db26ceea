"""The package as a clerk's PC gets it (issue 11, item 2): the wheel built from the
committed files, installed into a fresh venv outside the source tree, runs build-addin,
demo, the launcher's scripts and install-addin (under simulated Windows folders) with
nothing but what the wheel ships.

The fresh venv gets the dependencies through a path entry to this venv's
site-packages (a plain .pth line: those folders' own .pth files, among them this
checkout's editable finder, are not run), so the test needs no network and proves
that ``addin`` and ``udfs`` come from the wheel (checked)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [p for p in out.decode("utf-8").split("\0") if p and (ROOT / p).is_file()]


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """Build the wheel once (from a copy of the tracked files: the build leaves nothing in
    the checkout), install it into a fresh venv; where everything is."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    for rel in _tracked_files():
        target = source / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, target)
    dist = base / "dist"
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
                            "--no-deps", "-w", str(dist), str(source)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    wheel = next(dist.glob("zhicheng-*.whl"))
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    purelib = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "_zhicheng_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                           "--no-index", str(wheel)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    work = base / "work"                       # the current folder: outside the source tree
    work.mkdir()
    return {"wheel": wheel, "python": python, "zhicheng": python.parent / "zhicheng", "work": work, "base": base,
            "purelib": purelib}


def run(installed, *args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=installed["work"], capture_output=True, text=True,
                          timeout=300, **kwargs)


def test_the_wheel_carries_the_package_data_and_the_current_licence_form(installed):
    with zipfile.ZipFile(installed["wheel"]) as z:
        names = set(z.namelist())
        metadata = z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    for needed in ("vba_stubs/customUI.xml", "vba_stubs/ZhichengRibbon.bas",
                   "vba_stubs/ZhichengCheck.bas", "vba_stubs/ThisWorkbook.cls",
                   "vba_stubs/ConfigSheet.cls", "addin/data/templates/attachment-1.docx",
                   "addin/data/settings.csv", "addin/launcher/app.js", "addin/launcher/app.css", "addin/launcher/entry.js", "addin/launcher/windows/install.bat",
                   "udfs/__init__.py"):
        assert needed in names, needed
    assert not any(n.startswith(("tests/", "workbooks/")) for n in names)
    assert "License-Expression: LicenseRef-Proprietary" in metadata and "License-File: LICENSE" in metadata


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    done = run(installed, installed["python"], "-c", "import addin, udfs, json; print(json.dumps([addin.__file__, udfs.__file__]))")
    assert done.returncode == 0, done.stderr
    for path in json.loads(done.stdout):
        assert Path(path).is_relative_to(installed["purelib"]), path


def test_build_addin_from_the_installed_package_gives_the_same_addin(installed, tmp_path):
    from addin.excel.build import build_addin

    done = run(installed, installed["zhicheng"], "build-addin", "--out", "dist")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "已构建加载项" in done.stdout
    built = installed["work"] / "dist" / "zhicheng.xlam"
    assert built.read_bytes() == build_addin(tmp_path).path.read_bytes()     # reproducible, same sources


def test_demo_from_the_installed_package(installed):
    done = run(installed, installed["zhicheng"], "demo", "--out", "demo")
    assert done.returncode == 0, done.stdout + done.stderr
    out = installed["work"] / "demo"
    assert (out / "职称评审台账-示例-2024.xlsx").is_file()
    assert len(list((out / "附件").rglob("*.docx"))) >= 4
    assert list((out / "评审会" / "送评委").glob("*.xlsx")) and list((out / "评审会" / "内部留存").glob("*.xlsx"))
    assert list((out / "财务").glob("*.xlsx"))


def test_install_addin_from_the_installed_package_in_a_windows_venv_layout(installed):
    """A venv as 安装.bat makes it on Windows: python.exe in Scripts, pip's copy of the xlwings
    DLLs one folder up (the wheel's data files go to the venv's root)."""
    import xlwings

    win = installed["base"] / "win"
    venv = win / "zhicheng" / ".venv"
    (venv / "Scripts").mkdir(parents=True)
    (venv / "Scripts" / "python.exe").write_bytes(b"MZ")
    for bits in ("64", "32"):
        (venv / f"xlwings{bits}-{xlwings.__version__}.dll").write_bytes(b"MZ")
    env = {"APPDATA": str(win / "Roaming"), "USERPROFILE": str(win / "home"), "LOCALAPPDATA": str(win / "Local")}
    script = ("import json, sys; from addin.excel.install import install; "
              f"r = install(platform='win32', env={env!r}, interpreter={str(venv / 'Scripts' / 'python.exe')!r}, "
              "dll_sources={}); print(json.dumps({'lines': r.lines, 'problems': len(r.problems), "
              "'addin': str(r.addin)}))")
    done = run(installed, installed["python"], "-c", script)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["problems"] == 0, report["lines"]
    text = "\n".join(report["lines"])
    assert f"[通过] xlwings DLL：xlwings64-{xlwings.__version__}.dll、xlwings32-{xlwings.__version__}.dll 在 {venv}" in text
    assert Path(report["addin"]) == win / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "zhicheng.xlam"
    assert Path(report["addin"]).stat().st_size > 20_000
    conf = (win / "home" / ".zhicheng" / "zhicheng.conf").read_text(encoding="utf-8")
    assert conf.startswith('"INTERPRETER_WIN","') and "python.exe" in conf


def test_the_launcher_shortcut_from_the_installed_package(installed):
    done = run(installed, installed["zhicheng"], "launcher", "--shortcut", "desk")
    assert done.returncode == 0, done.stderr
    entry = (installed["work"] / "desk" / "zhicheng-launcher.desktop").read_text(encoding="utf-8")
    assert f"Exec={installed['python']} -m addin launcher %f" in entry


def test_the_self_checks_python_half_runs_from_the_installed_package(installed):
    """The exact command the add-in's 自检 runs (ZhichengCheck.CHECK_COMMAND, read from the
    built add-in's VBA), from the installed package, as the VBA reads its output."""
    import re
    import warnings

    import xlwings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from oletools.olevba import VBA_Parser

    from addin import __version__

    xlam = installed["work"] / "dist" / "zhicheng.xlam"
    if not xlam.exists():
        assert run(installed, installed["zhicheng"], "build-addin", "--out", "dist").returncode == 0
    parser = VBA_Parser(str(xlam))
    code = {name: text for _, _, name, text in parser.extract_macros()}["ZhichengCheck.bas"]
    parser.close()
    command = re.search(r'Public Const CHECK_COMMAND As String = "([^"]+)"', code).group(1)
    done = run(installed, installed["python"], "-B", "-c", command)
    assert done.returncode == 0, done.stderr
    assert done.stdout.isascii()
    values = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert values["zhicheng"] == __version__ and values["xlwings"] == xlwings.__version__
    assert values["executable"] == str(installed["python"])


def test_the_installed_package_has_the_build_id_of_its_sources(installed):
    """``addin.buildinfo.build_id()`` (shown by install-addin, for 自检) is the same for the
    wheel's files as for the checkout they were built from (issue 21, C.8)."""
    from addin import __version__, buildinfo

    done = run(installed, installed["python"], "-m", "addin.buildinfo")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [__version__, buildinfo.build_id()]
