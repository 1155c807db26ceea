"""Which spreadsheet programs this Windows PC has, read from the registry without starting
any of them (:func:`detect_office`): the App Paths entry of ``excel.exe``, the
``Excel.Application`` ProgID and the program it starts, its ``CurVer`` (the version), and
Kingsoft / WPS keys. ``install-addin`` installs the Excel part only for Microsoft Excel
2010 or later (:attr:`Office.excel_supported`); the registry is a :class:`Registry`, so the
tests simulate a PC.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Protocol

HKLM, HKCU, HKCR = "HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER", "HKEY_CLASSES_ROOT"
APP_PATHS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths"
#: the oldest Excel the add-in supports (Application.Version major): 14 = Excel 2010
#: (VBA7 declares, the 2006 ribbon, chart styles 1-48, xlwings 0.37.8)
MIN_EXCEL_MAJOR = 14
EXCEL_NAMES = {11: "Excel 2003", 12: "Excel 2007", 14: "Excel 2010", 15: "Excel 2013",
               16: "Excel 2016 或更高版本（2016、2019、2021、Microsoft 365）"}
#: programs of Kingsoft WPS Office's spreadsheet (et.exe) and its launcher
WPS_PROGRAMS = ("et.exe", "wps.exe", "ksolaunch.exe", "wpsoffice.exe")


class RegistryUnavailable(OSError):
    """The registry cannot be read (not Windows, or access denied)."""


class Registry(Protocol):
    """The registry, read only: a value (``name`` "" for the key's default value) or None."""

    def value(self, hive: str, key: str, name: str = "") -> str | None: ...

    def has_key(self, hive: str, key: str) -> bool: ...


class WindowsRegistry:
    """``winreg`` in both views (a 32-bit Office registers in the 32-bit view of a 64-bit
    Windows, a 64-bit one in the 64-bit view)."""

    def __init__(self):
        try:
            import winreg
        except ImportError as exc:
            raise RegistryUnavailable("这台电脑不是 Windows，没有注册表") from exc
        self._winreg = winreg

    def _open(self, hive: str, key: str):
        w = self._winreg
        for view in (w.KEY_WOW64_64KEY, w.KEY_WOW64_32KEY):
            try:
                yield w.OpenKey(getattr(w, hive), key, 0, w.KEY_READ | view)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise RegistryUnavailable(f"无法读取注册表 {hive}\\{key}：{exc}") from exc

    def value(self, hive: str, key: str, name: str = "") -> str | None:
        for handle in self._open(hive, key):
            with handle:
                try:
                    return str(self._winreg.QueryValueEx(handle, name)[0])
                except FileNotFoundError:
                    continue
        return None

    def has_key(self, hive: str, key: str) -> bool:
        for handle in self._open(hive, key):
            handle.Close()
            return True
        return False


def _program(command: str | None) -> str | None:
    """The program of a command line such as ``"C:\\...\\EXCEL.EXE" /automation``."""
    if not command:
        return None
    text = command.strip()
    if text.startswith('"'):
        return text[1:].split('"', 1)[0]
    lower = text.lower()
    end = lower.find(".exe")
    return text[:end + 4] if end >= 0 else text.split(" ", 1)[0]


@dataclass(frozen=True)
class Office:
    """What the registry says about the spreadsheet programs of this PC."""

    readable: bool = True
    problem: str = ""                 # why the registry could not be read
    excel: Path | None = None         # EXCEL.EXE (App Paths), when the file exists
    excel_stale: str | None = None    # an App Paths entry whose file is gone (Office uninstalled)
    excel_major: int | None = None    # from Excel.Application\CurVer ("Excel.Application.16")
    automation: str | None = None     # the program the Excel.Application ProgID starts
    wps: tuple[str, ...] = ()         # where WPS was seen

    @property
    def automation_is_wps(self) -> bool:
        return bool(self.automation) and PureWindowsPath(self.automation).name.lower() in WPS_PROGRAMS

    @property
    def has_excel(self) -> bool:
        return self.excel is not None

    @property
    def excel_name(self) -> str:
        if self.excel_major is None:
            return "Microsoft Excel（版本未知）"
        return EXCEL_NAMES.get(self.excel_major, f"Excel（版本号 {self.excel_major}）")

    @property
    def excel_supported(self) -> bool:
        return self.has_excel and (self.excel_major is None or self.excel_major >= MIN_EXCEL_MAJOR)


def detect_office(registry: Registry, file_exists=lambda p: Path(p).is_file()) -> Office:
    """Microsoft Excel and WPS on this PC, from the registry (``file_exists`` checks that the
    EXCEL.EXE it names is there; a parameter for the tests, which simulate the PC)."""
    try:
        excel = stale = None
        for hive in (HKLM, HKCU):
            path = _program(registry.value(hive, APP_PATHS + "\\excel.exe"))
            if path and file_exists(path):
                excel = Path(path)
                break
            stale = stale or path
        major = None
        current = registry.value(HKCR, r"Excel.Application\CurVer") or ""
        if current.rsplit(".", 1)[-1].isdigit():
            major = int(current.rsplit(".", 1)[-1])
        clsid = registry.value(HKCR, r"Excel.Application\CLSID")
        automation = _program(registry.value(HKCR, rf"CLSID\{clsid}\LocalServer32")) if clsid else None
        if excel is None and automation and PureWindowsPath(automation).name.lower() == "excel.exe" \
                and file_exists(automation):
            excel = Path(automation)          # no App Paths entry, but the ProgID starts an existing EXCEL.EXE
        wps = []
        for hive in (HKCU, HKLM):
            if registry.has_key(hive, r"Software\Kingsoft\Office"):
                wps.append(f"{hive}\\Software\\Kingsoft\\Office")
        for progid in ("KET.Application", "ET.Application"):
            if registry.value(HKCR, progid + r"\CLSID"):
                wps.append(progid)
        for exe in ("et.exe", "wps.exe"):
            if registry.value(HKLM, APP_PATHS + "\\" + exe) or registry.value(HKCU, APP_PATHS + "\\" + exe):
                wps.append(exe)
        if automation and PureWindowsPath(automation).name.lower() in WPS_PROGRAMS:
            wps.append("Excel.Application → " + automation)
    except RegistryUnavailable as exc:
        return Office(readable=False, problem=str(exc))
    return Office(True, "", excel, None if excel else stale, major, automation, tuple(dict.fromkeys(wps)))


def default_registry() -> Registry:
    """This PC's registry (raises :class:`RegistryUnavailable` where there is none)."""
    return WindowsRegistry()
