"""The offline install package (``wheelhouse``) for 64-bit Windows and Python 3.11, on a
connected PC of any system: what ``准备离线安装包.bat`` and ``make wheelhouse`` run.

Run as a script from the software folder (``python addin/launcher/wheelhouse.py
wheelhouse``): it needs nothing but the standard library and pip, since the PC that
prepares the package has none of the product's dependencies.

1. our wheel, built from the software folder (``pip wheel --no-deps``);
2. the dependencies PyPI publishes only as source archives (:data:`SOURCE_ONLY`; jieba
   has no wheel at all), built here into wheels (``pip wheel --no-deps``: pure Python,
   so the wheel fits Windows too), with the version range our wheel's metadata gives;
3. every other dependency as a binary for the target (``pip download --platform win_amd64
   --only-binary=:all: --python-version 3.11``, the folder itself as a source, so the
   wheels of step 2 satisfy the resolver);
4. the check: the product resolves from the folder alone (``pip download --no-index``,
   pip's configuration files and environment ignored), and every dependency that applies
   on Windows (``Requires-Dist`` markers evaluated for Windows: pip evaluates them for the
   PC it runs on) has a wheel in the folder that installs on 64-bit Windows, Python 3.11.

Exit status 0 when the folder is complete, 2 otherwise (a Chinese message says which
step failed and why; a half-made folder is removed).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from email.parser import Parser
from pathlib import Path

PLATFORM = "win_amd64"
PYTHON_VERSION = "3.11"
PRODUCT = "zhicheng"
#: dependencies (also transitive ones) published only as source archives: built into wheels first
SOURCE_ONLY = ("jieba",)
#: dependencies with a Windows-only marker (xlwings needs pywin32): pip evaluates markers for
#: the PC it runs on, not for ``--platform``, so they are named
WINDOWS_ONLY = ("pywin32",)
#: the marker environment of 64-bit CPython 3.11 on Windows (PEP 508)
WINDOWS_MARKERS = {"os_name": "nt", "sys_platform": "win32", "platform_system": "Windows",
                   "platform_machine": "AMD64", "python_version": PYTHON_VERSION,
                   "python_full_version": PYTHON_VERSION + ".9", "implementation_name": "cpython",
                   "platform_python_implementation": "CPython", "extra": ""}
#: wheel tags (interpreter, abi, platform) that install on 64-bit CPython 3.11 on Windows
_TAG = re.compile(r"-(?P<py>[^-]+)-(?P<abi>[^-]+)-(?P<plat>[^-]+)\.whl$")


class WheelhouseError(Exception):
    """A step failed (Chinese message)."""


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installs_on_windows(wheel: str) -> bool:
    """Whether a wheel (by its file name's tags, PEP 425) installs on 64-bit CPython 3.11 on Windows."""
    m = _TAG.search(wheel)
    if not m or not set(m["plat"].split(".")) & {"any", PLATFORM}:
        return False
    for py in m["py"].split("."):
        for abi in m["abi"].split("."):
            if abi == "none" and py in ("py3", "py311", "cp311"):
                return True
            if abi == "cp311" and py == "cp311":
                return True
            minor = re.fullmatch(r"cp3(\d+)", py)
            if abi == "abi3" and minor and int(minor[1]) <= 11:
                return True
    return False


def wheel_metadata(wheel: Path) -> tuple[str, str, list[str]]:
    """(name, version, Requires-Dist lines) of a wheel."""
    with zipfile.ZipFile(wheel) as z:
        member = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        meta = Parser().parsestr(z.read(member).decode("utf-8"))
    return meta["Name"], meta["Version"], meta.get_all("Requires-Dist") or []


def _pip(*args: str, isolated: bool = False) -> int:
    """Run pip with this Python, its output on the console; its exit status."""
    env = dict(os.environ)
    if isolated:                  # the folder only: no index, no find-links from pip's configuration
        env = {k: v for k, v in env.items() if not k.startswith("PIP_")}
        env["PIP_CONFIG_FILE"] = os.devnull
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    print("  > pip " + " ".join(args), flush=True)
    return subprocess.run(command, env=env).returncode


def _step(what: str, status: int, hint: str = "需要能访问 Python 软件包索引（PyPI）的网络，请检查网络后重新运行") -> None:
    if status != 0:
        raise WheelhouseError(f"{what}失败（pip 的说明见上方）：{hint}。")


def _requirements(lines: list[str]) -> dict[str, tuple[str, str | None]]:
    """name -> (requirement without marker, marker or None) of Requires-Dist lines."""
    out = {}
    for line in lines:
        requirement, _, marker = line.partition(";")
        name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)[1]
        out[normalize(name)] = (requirement.strip(), marker.strip() or None)
    return out


def check_windows_closure(folder: Path, pip_markers=None) -> list[str]:
    """The problems of ``folder`` as a wheelhouse for 64-bit Windows, Python 3.11: every
    requirement reachable from the product (markers evaluated for Windows) needs a wheel
    that installs there. ``pip_markers`` evaluates a marker (default: pip's vendored
    ``packaging``, the PEP 508 implementation pip itself uses)."""
    if pip_markers is None:
        from pip._vendor.packaging.markers import Marker

        def pip_markers(text: str) -> bool:
            return Marker(text).evaluate(WINDOWS_MARKERS)
    wheels: dict[str, list[Path]] = {}
    for wheel in folder.glob("*.whl"):
        wheels.setdefault(normalize(wheel.name.split("-")[0]), []).append(wheel)
    problems: list[str] = []
    seen: set[str] = set()
    todo = [PRODUCT]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        usable = [w for w in wheels.get(name, []) if installs_on_windows(w.name)]
        if not usable:
            found = "、".join(w.name for w in wheels.get(name, [])) or "没有"
            problems.append(f"{name}：没有适用于 64 位 Windows、Python {PYTHON_VERSION} 的 wheel（文件夹中：{found}）")
            continue
        for dep, (_, marker) in _requirements(wheel_metadata(usable[0])[2]).items():
            if marker is None or pip_markers(marker):
                todo.append(dep)
    return problems


def prepare(out: Path, source: Path) -> list[Path]:
    """Make ``out`` the complete wheelhouse for the product in ``source``; the wheels."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    try:
        print(f"[1/4] 打包本软件（{source}）", flush=True)
        _step("打包本软件", _pip("wheel", "--no-deps", "-w", str(out), str(source)))
        product = next(out.glob(f"{PRODUCT}-*.whl"))
        requirements = _requirements(wheel_metadata(product)[2])
        print(f"[2/4] 把只有源代码包的依赖打成 wheel：{'、'.join(SOURCE_ONLY)}", flush=True)
        for name in SOURCE_ONLY:
            requirement = requirements.get(normalize(name), (name, None))[0]
            _step(f"打包 {name}", _pip("wheel", "--no-deps", "-w", str(out), requirement))
        print(f"[3/4] 下载其余依赖（64 位 Windows，Python {PYTHON_VERSION}）", flush=True)
        _step("下载依赖", _pip("download", "--platform", PLATFORM, "--only-binary=:all:",
                                "--python-version", PYTHON_VERSION, "--find-links", str(out), "-d", str(out),
                                str(product), *WINDOWS_ONLY))
        print("[4/4] 核对：只用本文件夹能否装上本软件", flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            _step("离线核对", _pip("download", "--no-index", "--find-links", str(out), "--platform", PLATFORM,
                                   "--only-binary=:all:", "--python-version", PYTHON_VERSION, "-d", scratch,
                                   PRODUCT, isolated=True),
                  "文件夹中缺少上面列出的软件包；如是只有源代码包的新依赖，请把它加入 addin/launcher/wheelhouse.py "
                  "的 SOURCE_ONLY")
        problems = check_windows_closure(out)
        if problems:
            raise WheelhouseError("离线安装包不完整：\n" + "\n".join("  " + p for p in problems))
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return sorted(out.glob("*.whl"))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0] if argv else "wheelhouse").resolve()
    source = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parents[2])
    try:
        wheels = prepare(out, source)
    except WheelhouseError as exc:
        print(f"准备失败：{exc}", file=sys.stderr)
        return 2
    print(f"完成：{out} 中有 {len(wheels)} 个 wheel，可在不能上网的 64 位 Windows 电脑上用 Python {PYTHON_VERSION} 安装。")
    return 0


if __name__ == "__main__":
    sys.exit(main())
