"""install-addin on the PCs a bureau has (issue 21, B.5 and C.8): which Excel the registry
shows (none, only WPS, Excel 2007, Excel 2010 and later, Excel with WPS taking over its
automation interface), simulated as the other install tests simulate the Windows folders:
a registry of the keys and values a PC has, and the files EXCEL.EXE names. The registry
paths are those Windows and Office use (App Paths, the Excel.Application ProgID with CLSID,
CurVer and LocalServer32, Kingsoft's keys and ProgIDs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import addin.excel.install as inst
from addin import __version__, buildinfo
from addin.cli import main
from addin.excel.build import build_addin
from addin.excel.checklist import MANUAL, OK, SKIPPED
from addin.excel.install import install
from addin.excel.office import APP_PATHS, HKCR, HKCU, HKLM, RegistryUnavailable, WindowsRegistry, detect_office

EXCEL_CLSID = "{00024500-0000-0000-C000-000000000046}"     # Excel.Application's CLSID
WPS_CLSID = "{45540001-5750-5300-4B49-4E47534F4654}"       # KET.Application's (as WPS registers it)


class SimulatedRegistry:
    """The registry of a simulated PC: {(hive, key): {name: value}}; keys are case-insensitive
    as in Windows."""

    def __init__(self, keys: dict[tuple[str, str], dict[str, str]] | None = None):
        self.keys = {(h, k.lower()): v for (h, k), v in (keys or {}).items()}

    def value(self, hive: str, key: str, name: str = "") -> str | None:
        return self.keys.get((hive, key.lower()), {}).get(name)

    def has_key(self, hive: str, key: str) -> bool:
        return (hive, key.lower()) in self.keys


class LockedRegistry(SimulatedRegistry):
    def value(self, hive, key, name=""):
        raise RegistryUnavailable("拒绝访问")


def excel_keys(exe: Path, major: int = 16) -> dict:
    return {
        (HKLM, APP_PATHS + r"\excel.exe"): {"": str(exe), "Path": str(exe.parent)},
        (HKCR, r"Excel.Application\CLSID"): {"": EXCEL_CLSID},
        (HKCR, r"Excel.Application\CurVer"): {"": f"Excel.Application.{major}"},
        (HKCR, rf"CLSID\{EXCEL_CLSID}\LocalServer32"): {"": f"{exe} /automation"},
    }


def wps_keys(et: Path) -> dict:
    return {
        (HKCU, r"Software\Kingsoft\Office"): {},
        (HKCU, r"Software\Kingsoft\Office\6.0\Common"): {"InstallRoot": str(et.parent)},
        (HKCR, r"KET.Application\CLSID"): {"": WPS_CLSID},
        (HKCR, rf"CLSID\{WPS_CLSID}\LocalServer32"): {"": f'"{et}" /automation'},
    }


def program(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"MZ")
    return folder / name


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("dist")).path


@pytest.fixture
def pc(tmp_path) -> dict:
    """A Windows user's folders and a python.exe in a venv (as 安装.bat makes it)."""
    env = {"APPDATA": str(tmp_path / "Roaming"), "USERPROFILE": str(tmp_path / "home"),
           "LOCALAPPDATA": str(tmp_path / "Local")}
    python = program(tmp_path / "zhicheng" / ".venv" / "Scripts", "python.exe")
    for bits in ("64", "32"):
        program(python.parent.parent, f"xlwings{bits}-0.37.8.dll")
    return {"env": env, "python": python, "root": tmp_path,
            "xlstart": tmp_path / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "zhicheng.xlam",
            "config": tmp_path / "home" / ".zhicheng" / "zhicheng.conf"}


def run_install(pc, built, registry) -> inst.InstallReport:
    return install(xlam=built, platform="win32", env=pc["env"], interpreter=str(pc["python"]), dll_sources={},
                   office=detect_office(registry))


def text(report) -> str:
    return "\n".join(report.lines)


# --- no Excel, or only WPS: nothing for Excel, the 台账工具 named --------------------------------------------

def test_a_pc_without_excel_installs_nothing_for_excel_and_names_the_launcher(pc, built):
    report = run_install(pc, built, SimulatedRegistry())
    out = text(report)
    assert f"[{SKIPPED}] Excel 加载项：本机没有安装 Microsoft Excel，所以没有安装 Excel 部分" in out
    assert "台账工具" in out and "台账工具.bat" in out
    assert report.addin is None and not pc["xlstart"].exists() and not pc["config"].exists()
    assert "[通过] 加载项" not in out and "[通过] xlwings" not in out and "自检" not in out
    assert report.problems == []                            # not a failure: this PC uses the 台账工具


def test_a_pc_with_only_wps_says_wps_cannot_run_the_addin(pc, built):
    et = program(pc["root"] / "Kingsoft" / "WPS Office" / "12.1.0" / "office6", "et.exe")
    registry = SimulatedRegistry(wps_keys(et))
    office = detect_office(registry)
    assert not office.has_excel and office.wps
    out = text(run_install(pc, built, registry))
    assert "本机只有 WPS Office，没有 Microsoft Excel：WPS 不能运行本加载项" in out and "台账工具.bat" in out
    assert not pc["xlstart"].exists()


def test_wps_registered_as_excel_application_is_not_taken_for_excel(pc, built):
    """WPS's compatibility option registers its et.exe under the Excel.Application ProgID."""
    et = program(pc["root"] / "WPS" / "office6", "et.exe")
    registry = SimulatedRegistry({
        (HKCR, r"Excel.Application\CLSID"): {"": EXCEL_CLSID},
        (HKCR, r"Excel.Application\CurVer"): {"": "Excel.Application.12"},
        (HKCR, rf"CLSID\{EXCEL_CLSID}\LocalServer32"): {"": f'"{et}" /automation'},
    })
    office = detect_office(registry)
    assert office.automation_is_wps and not office.has_excel
    out = text(run_install(pc, built, registry))
    assert "只有 WPS Office" in out and "台账工具" in out and not pc["xlstart"].exists()


def test_an_excel_entry_whose_program_is_gone_counts_as_no_excel(pc, built):
    gone = pc["root"] / "Office14" / "EXCEL.EXE"              # Office uninstalled, key left behind
    out = text(run_install(pc, built, SimulatedRegistry({(HKLM, APP_PATHS + r"\excel.exe"): {"": str(gone)}})))
    assert f"本机没有安装 Microsoft Excel（注册表中登记的 {gone} 已不存在）" in out and "台账工具" in out


def test_excel_2007_is_too_old_and_the_message_names_the_version_needed(pc, built):
    exe = program(pc["root"] / "Office12", "EXCEL.EXE")
    out = text(run_install(pc, built, SimulatedRegistry(excel_keys(exe, 12))))
    assert "本机的 Microsoft Excel 是 Excel 2007" in out and "需要 Excel 2010 或更高版本" in out
    assert "台账工具" in out and not pc["xlstart"].exists()


# --- Excel 2010 and later: installed as before ------------------------------------------------------------

@pytest.mark.parametrize("major, name", [(14, "Excel 2010"), (15, "Excel 2013"), (16, "Excel 2016 或更高版本")])
def test_excel_2010_and_later_get_the_addin(pc, built, major, name):
    exe = program(pc["root"] / f"Office{major}", "EXCEL.EXE")
    report = run_install(pc, built, SimulatedRegistry(excel_keys(exe, major)))
    out = text(report)
    assert f"[{OK}] Microsoft Excel：{name}" in out and str(exe) in out
    assert report.addin == pc["xlstart"] and pc["xlstart"].read_bytes() == built.read_bytes()
    assert report.problems == [] and "[通过] 加载项" in out and "WPS" not in out


def test_excel_found_through_its_automation_server_when_app_paths_is_missing(pc, built):
    exe = program(pc["root"] / "root" / "Office16", "EXCEL.EXE")
    keys = excel_keys(exe)
    del keys[(HKLM, APP_PATHS + r"\excel.exe")]
    assert detect_office(SimulatedRegistry(keys)).excel == exe


def test_excel_with_wps_beside_it_gets_the_addin_and_a_note(pc, built):
    exe = program(pc["root"] / "Office16", "EXCEL.EXE")
    et = program(pc["root"] / "WPS" / "office6", "et.exe")
    keys = {**excel_keys(exe), **wps_keys(et)}
    report = run_install(pc, built, SimulatedRegistry(keys))
    assert report.addin == pc["xlstart"]
    assert f"[{MANUAL}] WPS：本机同时装有 WPS：用 Excel 打开台账" in text(report)
    keys[(HKCR, rf"CLSID\{EXCEL_CLSID}\LocalServer32")] = {"": f'"{et}" /automation'}    # WPS took the ProgID
    out = text(run_install(pc, built, SimulatedRegistry(keys)))
    assert "Excel 的自动化接口（Excel.Application）被 WPS 接管" in out and "台账工具" in out


def test_an_unreadable_registry_is_said_and_the_addin_installed(pc, built):
    out_report = run_install(pc, built, LockedRegistry())
    assert f"[{MANUAL}] Microsoft Excel：未能确认本机是否装有 Excel（拒绝访问）" in text(out_report)
    assert out_report.addin == pc["xlstart"]
    if sys.platform != "win32":                                # this PC has no registry: said, not guessed
        with pytest.raises(RegistryUnavailable, match="不是 Windows"):
            WindowsRegistry()


def test_the_command_on_a_pc_without_excel_exits_0_and_names_the_launcher(pc, monkeypatch, capsys):
    """``zhicheng install-addin`` (what 安装.bat runs), the registry read through the default
    path (:func:`default_registry`)."""
    monkeypatch.setattr(inst, "default_registry", lambda: SimulatedRegistry())
    real = inst.install
    monkeypatch.setattr(inst, "install", lambda xlam=None: real(
        xlam=xlam, platform="win32", env=pc["env"], interpreter=str(pc["python"]), dll_sources={}))
    assert main(["install-addin"]) == 0
    out = capsys.readouterr().out
    assert "没有安装 Excel 部分" in out and "台账工具.bat" in out and "Excel 加载项没有安装" in out


# --- the build identifier (C.8) ------------------------------------------------------------------------------

def test_the_report_shows_the_version_and_build(pc, built):
    out = text(run_install(pc, built, SimulatedRegistry()))
    assert f"[{OK}] 本软件：职称评审台账 {__version__}（构建 {buildinfo.build_id()}）" in out


def test_the_build_id_changes_with_any_shipped_file_and_only_with_them(tmp_path):
    """The identifier is over the files the wheel ships: a copy of the packages gives the same
    one, a changed byte or a new module another one, a stray file (not shipped) none."""
    import shutil

    root = Path(buildinfo.__file__).resolve().parents[1]
    copy = tmp_path / "src"
    for package in buildinfo.PACKAGES:
        shutil.copytree(root / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))

    def build_id() -> str:
        code = "from addin import buildinfo; print(buildinfo.build_id())"
        done = subprocess.run([sys.executable, "-B", "-c", code], cwd=copy, capture_output=True, text=True,
                              env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert build_id() == buildinfo.build_id()
    (copy / "addin" / "notes.txt").write_text("not shipped", encoding="utf-8")
    assert build_id() == buildinfo.build_id()
    rules = copy / "addin" / "rules" / "fees.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed = build_id()
    assert changed != buildinfo.build_id() and len(changed) == buildinfo.ID_LENGTH
    (copy / "vba_stubs" / "customUI.xml").write_bytes(b"<x/>")
    assert build_id() not in (changed, buildinfo.build_id())


def test_a_user_name_the_code_page_cannot_hold_gets_the_fallback_in_the_addin_it_installs(pc, tmp_path):
    """A Uyghur user name on a Chinese Windows (code page 936): xlwings' ANSI paths would
    fail, so the add-in built for this user carries the fallback folders (issue 21, B.6)."""

    profile = pc["root"] / "Users" / "ئەخمەت"          # inside the test's folder: the config file is written there
    env = dict(pc["env"], USERPROFILE=str(profile), TEMP=str(profile / "AppData" / "Local" / "Temp"),
               PUBLIC=r"C:\Users\Public")
    python = program(tmp_path / "D" / "zhicheng" / ".venv" / "Scripts", "python.exe")
    report = install(platform="win32", env=env, interpreter=str(python), dll_sources={},
                     office=detect_office(SimulatedRegistry(excel_keys(program(tmp_path / "Office", "EXCEL.EXE")))),
                     codepage="cp936")
    out = text(report)
    assert "[已修复] 用户名" in out and "TEMP DIR" in out, out
    import zipfile

    with zipfile.ZipFile(report.addin) as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/"))
    assert "TEMP DIR".encode() in sheets and str(python).encode("utf-8") in sheets
    ordinary = install(platform="win32", env=pc["env"], interpreter=str(pc["python"]), dll_sources={},
                       office=detect_office(SimulatedRegistry(excel_keys(program(tmp_path / "O2", "EXCEL.EXE")))),
                       codepage="cp936")
    assert "用户名" not in text(ordinary)


def test_the_build_id_covers_exactly_the_package_data_pyproject_ships():
    import tomllib

    declared = tomllib.loads((Path(buildinfo.__file__).resolve().parents[1] / "pyproject.toml").read_text())
    shipped = declared["tool"]["setuptools"]["package-data"]
    assert {k: tuple(v) for k, v in shipped.items()} == buildinfo.PACKAGE_DATA
