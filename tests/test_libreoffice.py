"""A real spreadsheet engine reads the refreshed workbook: every sheet converts to CSV
and no cell shows an error value. LibreOffice is installed by .ci/run."""

import csv
import datetime as dt
import shutil
import subprocess

import pytest

from addin.book import schema
from addin.book.refresh import refresh
from addin.book.sample import SAMPLE
from conftest import require_tools

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
ERRORS = ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "#N/A", "#NUM!", "#NULL!", "Err:")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def test_refreshed_sample_converts_to_csv_without_error_values(tmp_path):
    require_tools("soffice")
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


#: the same filter with "save cell contents as shown" (the 9th token) on: the CSV holds what the clerk sees
CSV_AS_SHOWN = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def _settings_as_shown(book, tmp_path) -> dict[str, str]:
    out, profile = tmp_path / "shown", tmp_path / "profile-shown"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", CSV_AS_SHOWN,
                    "--outdir", str(out), str(book)], check=True, capture_output=True, timeout=180)
    path = next(out.glob(f"*-{schema.SETTINGS_SHEET}.csv"))
    with path.open(encoding="utf-8") as f:
        return {row[0]: row[1] for row in csv.reader(f) if len(row) > 1}


@pytest.mark.parametrize("which", ["template", "new", "sample", "refreshed sample", "next year"])
def test_settings_dates_display_as_dates(which, tmp_path):
    """参数 dates and date-times are shown as the notice writes them, not as serial numbers."""
    require_tools("soffice")
    from addin.book.sample import TEMPLATE
    from addin.cli import main

    book = tmp_path / "book.xlsx"
    if which == "template":
        shutil.copyfile(TEMPLATE, book)
    elif which == "new":
        assert main(["new", str(book)]) == 0
    elif which == "next year":
        assert main(["new", str(book), "--year", "2025", "--from", str(SAMPLE)]) == 0
    else:
        shutil.copyfile(SAMPLE, book)
        if which == "refreshed sample":
            refresh(book, now=dt.datetime(2024, 9, 5, 10), user="测试")
    shown = _settings_as_shown(book, tmp_path)
    year = 2025 if which == "next year" else 2024
    assert shown["申报开始时间"] == f"{year}年7月22日"
    assert shown["申报截止时间"] == f"{year}-08-30 18:00"
    assert shown["评审资历计算截止日期"] == f"{year}年12月31日"
    material = 2023 if "sample" in which else year                  # the sample keeps the notice's misprint
    assert shown["材料报送开始日期"] == f"{material}年9月1日"
    assert shown["评审年度"] == str(year) and shown["高级评审费（元）"] == "550"
