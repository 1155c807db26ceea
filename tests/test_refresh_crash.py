"""Kill the refresh with SIGKILL at random moments: the register always opens and is
either the old version or the complete new one."""

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from openpyxl import load_workbook

from addin.book import schema
from addin.book.sample import SAMPLE

REPO = Path(__file__).resolve().parents[1]


def _refresh(path: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "addin", "refresh", str(path), "--as-of", "2024-09-05 10:00"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _log_rows(path: Path) -> int:
    wb = load_workbook(path, read_only=True)
    try:
        return sum(1 for r in wb[schema.LOG_SHEET].iter_rows(min_row=2, values_only=True) if r and r[0])
    finally:
        wb.close()


def test_sigkill_during_refresh_leaves_the_old_or_the_new_register(tmp_path):
    book = tmp_path / "台账.xlsx"
    shutil.copyfile(SAMPLE, book)
    started = time.monotonic()
    proc = _refresh(book)
    _, err = proc.communicate(timeout=120)
    duration = time.monotonic() - started
    assert proc.returncode == 1, err.decode()         # done; the sample holds errors on purpose

    rng = random.Random(20240905)
    killed, outcomes = 0, {"old": 0, "new": 0}
    for trial in range(20):
        old_bytes, old_logs = book.read_bytes(), _log_rows(book)
        proc = _refresh(book)
        time.sleep(rng.uniform(duration * 0.2, duration * 1.05))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            killed += 1
        _, err = proc.communicate(timeout=120)
        logs = _log_rows(book)                       # always opens
        if book.read_bytes() == old_bytes:
            outcomes["old"] += 1
        else:
            assert logs == old_logs + 1, f"trial {trial}: neither the old nor a complete new register"
            outcomes["new"] += 1
    print(f"\nrefresh SIGKILL trials: killed={killed} {outcomes} (one run {duration:.2f}s)")
    assert killed >= 5
    assert load_workbook(book)[schema.APPLICANT_SHEET]["A2"].value == "2024-001"
