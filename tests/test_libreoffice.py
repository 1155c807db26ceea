"""A real spreadsheet engine reads the refreshed workbook: every sheet converts to CSV
and no cell shows an error value. LibreOffice is installed by .ci/run."""

import csv
import datetime as dt
import os
import shutil
import subprocess

import pytest

from addin.book import schema
from addin.book.refresh import refresh
from addin.book.sample import SAMPLE

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _require_libreoffice():
    if SOFFICE:
        return
    if os.environ.get("CI"):
        pytest.fail("LibreOffice is missing on CI: .ci/run must install it")
    pytest.skip("LibreOffice (soffice) is not installed here; .ci/run installs it for CI")


def test_refreshed_sample_converts_to_csv_without_error_values(tmp_path):
    _require_libreoffice()
    book = tmp_path / "sample.xlsx"
    shutil.copyfile(SAMPLE, book)
    refresh(book, now=dt.datetime(2024, 9, 5, 10), user="测试")
    out = tmp_path / "csv"
    profile = tmp_path / "profile"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", CSV_FILTER,
                    "--outdir", str(out), str(book)], check=True, capture_output=True, timeout=180)
    produced = {p.name.removeprefix("sample-").removesuffix(".csv"): p for p in out.glob("*.csv")}
    for sheet in (schema.SETTINGS_SHEET, schema.APPLICANT_SHEET, schema.DASHBOARD_SHEET, schema.LOG_SHEET):
        assert sheet in produced, f"{sheet} was not converted: {sorted(produced)}"
    for name, path in produced.items():
        with path.open(encoding="utf-8") as f:
            for r, row in enumerate(csv.reader(f), start=1):
                for c, value in enumerate(row, start=1):
                    assert not value.startswith(ERRORS), f"{name} row {r} col {c}: {value}"
    with produced[schema.APPLICANT_SHEET].open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert rows[1][header.index("资格审查")] == "符合"
    assert rows[1][header.index("应缴费用")].replace(",", "").startswith("550")
