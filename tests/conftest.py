import csv
import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from stdnum.cn import ric

from addin import data
from addin.rules.eligibility import Context
from addin.rules.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"
_NUMBERS = "一二三四五六七八九"


def clause_of(test_name: str) -> str | None:
    """The clause a test's name carries: ``test_s4_1_6_…`` checks 四(一)6, ``test_s3_…`` 三."""
    m = re.match(r"test_s(\d)(?:_(\d))?(?:_(\d+))?_", test_name)
    if not m:
        return None
    return (_NUMBERS[int(m.group(1)) - 1] + (f"({_NUMBERS[int(m.group(2)) - 1]})" if m.group(2) else "")
            + (m.group(3) or ""))


def pytest_addoption(parser):
    parser.addoption("--clause", action="append", default=[], metavar="CLAUSE",
                     help="run only the tests of a clause of the notice, e.g. --clause 四(一)6 (repeatable)")


def pytest_collection_modifyitems(config, items):
    """Every test named after a clause (test_s4_1_6_…) carries the ``clause`` marker; with
    ``--clause``, only the tests marked with one of the clauses asked for run."""
    for item in items:
        found = clause_of(getattr(item, "originalname", item.name))
        if found:
            item.add_marker(pytest.mark.clause(found))
    wanted = set(config.getoption("clause"))
    if wanted:
        chosen = [i for i in items if any(set(m.args) & wanted for m in i.iter_markers("clause"))]
        config.hook.pytest_deselected(items=[i for i in items if i not in chosen])
        items[:] = chosen


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On CI (.ci/run sets CI) a skipped test is a failed one: CI installs everything the
    tests need, so a skip there can only mean a missing install step. Locally a skip
    stays a skip, with its reason printed by ``-ra``."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped on CI, where .ci/run installs what the tests need: {reason}"


@pytest.fixture
def book(tmp_path):
    """A copy of the committed sample register, safe to write."""
    import shutil

    from addin.book.sample import SAMPLE

    path = tmp_path / "台账.xlsx"
    shutil.copyfile(SAMPLE, path)
    return path


def settings_2024() -> Settings:
    """The settings of the 2024 notice, frozen (tests/fixtures/settings-2024.csv): the rule
    tests keep checking the 2024 notice when the shipped defaults (addin/data/settings.csv)
    move to a new year, so that a new notice is a data change plus new tests."""
    with open(FIXTURES / "settings-2024.csv", encoding="utf-8", newline="") as fh:
        values = {r["key"]: r["value"] for r in csv.DictReader(fh)}
    frozen, findings = Settings.from_values(values)
    assert not findings, findings
    return frozen


@pytest.fixture(scope="session")
def settings():
    """The 2024 notice's settings (:func:`settings_2024`), not the shipped defaults."""
    return settings_2024()


@pytest.fixture(scope="session")
def catalog():
    return data.default_catalog()


@pytest.fixture(scope="session")
def ctx(settings, catalog):
    return Context(settings, catalog)


@pytest.fixture(scope="session")
def cal():
    return data.calendar()


def make_id(area: str = "652901", birth: str = "19900101", seq: str = "123") -> str:
    body = area + birth + seq
    return body + ric.calc_check_digit(body + "0")


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def require_tools(*tools: str) -> None:
    """Skip, with the reason printed, when a program the test needs is not installed here
    ("soffice" is LibreOffice wherever :func:`addin.outputs.pdf.find_soffice` finds it); on
    CI the skip is a failure (:func:`pytest_runtest_makereport`)."""
    from addin.outputs.pdf import find_soffice

    missing = [t for t in tools if not (find_soffice() if t == "soffice" else shutil.which(t))]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed here; .ci/run installs LibreOffice and poppler-utils for CI")


def pdf_pages(pdf: Path) -> list[str]:
    """The text of each page of ``pdf`` in order (poppler's pdfinfo and pdftotext -layout)."""
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return [subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout for i in range(1, count + 1)]
