"""``zhicheng check`` of a 5,000-applicant register against the floor of a plain openpyxl
load + save of the same file, measured in the same run.

Printed for each: the best of three rounds in this process (the work itself), and one run
in a fresh process (with interpreter start and imports, as a clerk waits for it), with its
peak memory. Also printed: the reader alone (every sheet, the streaming reader with its
calamine fast path) and evaluate alone, and evaluate at 4x the rows (linear means the
ratio stays near 4). Target: check <= 0.15x the floor. Nothing about speed is asserted;
only that check saw every applicant.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import subprocess
import sys
import time
from pathlib import Path

from addin.book.evaluate import evaluate
from addin.book.reader import RowData, book_from_values
from addin.book.refresh import check
from addin.xlsx.reader import read_values

from .bench_refresh import APPLICANTS, REPO, big_register

NOW = dt.datetime(2024, 9, 5, 10)
TARGET = 0.15
ROUNDS = 3

# peak memory: VmHWM of the process's own address space (ru_maxrss would carry the
# parent's peak over the fork and exec of the subprocess)
PEAK = "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')))"
FLOOR = """
import sys
from openpyxl import load_workbook
wb = load_workbook(sys.argv[1])
wb.save(sys.argv[1])
""" + PEAK
CHECK = """
import datetime as dt, sys
from addin.book.refresh import check
book, ev = check(sys.argv[1], now=dt.datetime(2024, 9, 5, 10))
assert len(book.table("applicants").rows) == int(sys.argv[2])
""" + PEAK


def _best(fn, rounds: int = ROUNDS) -> float:
    best = float("inf")
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _process(code: str, *args: str) -> tuple[float, float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, int(out.stdout.strip().splitlines()[-1]) / 1024


def _scaled(book, factor: int) -> None:
    """The register's rows repeated ``factor`` times (new application ids), in memory."""
    table = book.table("applicants")
    base = list(table.rows)
    rows = []
    for copy in range(factor):
        for r in base:
            by_key = dict(r.values_by_key, app_id=f"{r.values_by_key.get('app_id')}-{copy}")
            values = dict(r.values, 申报编号=by_key["app_id"])
            rows.append(RowData(len(rows) + 2, values, by_key))
    table.rows = rows


def test_check_5000_against_load_and_save(tmp_path):
    source = tmp_path / "big.xlsx"
    big_register(source)
    floor_copy = tmp_path / "floor.xlsx"

    def floor() -> None:
        from openpyxl import load_workbook
        load_workbook(source).save(floor_copy)

    floor_s = _best(floor, 2)
    check_s = _best(lambda: check(source, now=NOW))
    read_s = _best(lambda: read_values(source))
    book = book_from_values(read_values(source))
    assert len(book.table("applicants").rows) == APPLICANTS
    eval_s = _best(lambda: evaluate(book, now=NOW, previous=book.fingerprints, fingerprints=False))
    _scaled(book, 4)
    eval4_s = _best(lambda: evaluate(book, now=NOW, previous=book.fingerprints, fingerprints=False), 1)

    floor_p, floor_mb = _process(FLOOR, str(floor_copy))
    check_p, check_mb = _process(CHECK, str(source), str(APPLICANTS))

    print(f"\nregister: {APPLICANTS:,} applicants, {source.stat().st_size / 1e6:.1f} MB "
          f"({dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f})")
    print(f"  in this process (best of {ROUNDS}):")
    print(f"    openpyxl load + save (floor)   {floor_s:7.2f} s")
    print(f"    zhicheng check                 {check_s:7.2f} s   = {check_s / floor_s:5.2f}x the floor "
          f"(target <= {TARGET}x: {'met' if check_s <= TARGET * floor_s else 'NOT met'})")
    print(f"      reader alone (every sheet)   {read_s:7.2f} s   = {read_s / floor_s:5.2f}x")
    print(f"      evaluate alone               {eval_s:7.2f} s   = {eval_s / floor_s:5.2f}x")
    print(f"      evaluate, 4x the rows        {eval4_s:7.2f} s   = {eval4_s / eval_s:5.2f}x evaluate (linear: ~4)")
    print("  in a fresh process (interpreter start and imports included):")
    print(f"    openpyxl load + save (floor)   {floor_p:7.2f} s   peak {floor_mb:5.0f} MB")
    print(f"    zhicheng check                 {check_p:7.2f} s   peak {check_mb:5.0f} MB   = {check_p / floor_p:5.2f}x")
