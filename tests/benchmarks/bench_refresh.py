"""Refresh of a 5,000-applicant register against the floor of a plain openpyxl load +
save of the same file, measured in the same run, each in its own process so that peak
memory (max RSS) is the operation's own. Targets: refresh at most 2x the floor, peak
memory under 500 MB. Printed, not asserted (beyond the refresh having worked)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from addin.book.sample import FIXED_NOW, sample_settings, sample_tables
from addin.book.new import build_new
from addin.demo import fictitious_id

APPLICANTS = 5_000
REPO = Path(__file__).resolve().parents[2]

FLOOR = """
import resource, sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1])
wb.save(sys.argv[1])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
REFRESH = """
import datetime as dt, resource, sys
from addin.book.refresh import refresh
report = refresh(sys.argv[1], now=dt.datetime(2024, 9, 5, 10), user="bench")
assert report.rows == int(sys.argv[2]), report.rows
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def big_register(path: Path, count: int = APPLICANTS) -> None:
    settings, rows = sample_settings()
    tables = sample_tables(settings)
    base = tables["applicants"]
    applicants = []
    for i in range(count):
        row = dict(base[i % len(base)])
        row["app_id"] = f"2024-{i + 1:05d}"
        if isinstance(row.get("id_number"), str) and i >= len(base):
            row["id_number"] = fictitious_id("652901", f"{1970 + i % 30}0{1 + i % 9}1{i % 9}", f"{i % 1000:03d}")
        applicants.append(row)
    reviews = [dict(r, app_id=f"2024-{k * len(base) + int(r['app_id'][5:]):05d}")
               for k in range(count // len(base)) for r in tables["reviews"]]
    payments = [dict(p, app_id=f"2024-{k * len(base) + int(p['app_id'][5:]):05d}")
                for k in range(count // len(base)) for p in tables["payments"]]
    extra = dict(tables, applicants=applicants, reviews=reviews, payments=payments, settings=rows)
    build_new(2024, now=FIXED_NOW, extra=extra).save(path)


def _run(code: str, *args: str) -> tuple[float, int]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, int(out.stdout.strip().splitlines()[-1])


def test_refresh_5000_against_load_and_save(tmp_path):
    source = tmp_path / "big.xlsx"
    big_register(source)
    size = source.stat().st_size
    floors, refreshes = [], []
    for round_ in range(2):
        a, b = tmp_path / f"floor{round_}.xlsx", tmp_path / f"refresh{round_}.xlsx"
        shutil.copyfile(source, a)
        shutil.copyfile(source, b)
        floors.append(_run(FLOOR, str(a)))
        refreshes.append(_run(REFRESH, str(b), str(APPLICANTS)))
    floor_s = min(t for t, _ in floors)
    refresh_s = min(t for t, _ in refreshes)
    floor_mb = max(m for _, m in floors) / 1024
    refresh_mb = max(m for _, m in refreshes) / 1024
    print(f"\nregister: {APPLICANTS:,} applicants, {size / 1e6:.1f} MB")
    print(f"  openpyxl load + save (floor)   {floor_s:7.2f} s   peak {floor_mb:6.0f} MB")
    print(f"  zhicheng refresh               {refresh_s:7.2f} s   peak {refresh_mb:6.0f} MB")
    print(f"  ratio refresh / floor          {refresh_s / floor_s:7.2f}x  (target <= 2x: "
          f"{'met' if refresh_s <= 2 * floor_s else 'NOT met'}); peak memory target < 500 MB: "
          f"{'met' if refresh_mb < 500 else 'NOT met'}")
    print(f"  (each in its own process; best of {len(floors)} rounds; {dt.datetime.now():%Y-%m-%d %H:%M})")
