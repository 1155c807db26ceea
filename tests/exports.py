"""Platform exports built by tests, as the platform (or a clerk's Excel) writes them: a list
of rows (dicts; the columns in the order they first appear, a missing value blank) into
an .xlsx (openpyxl) or a .csv (the csv module, in the encoding asked for)."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from openpyxl import Workbook


def columns(rows: list[dict]) -> list[str]:
    out: list[str] = []
    for row in rows:
        out += [k for k in row if k not in out]
    return out


def write_export(path: Path, rows: list[dict], *, encoding: str = "utf-8") -> Path:
    """``rows`` into ``path`` (.xlsx or .csv by its suffix): a header row, then one row per
    dict; None is an empty cell. In a .csv a date-time is written as 2019-05-01 00:00:00."""
    path = Path(path)
    headers = columns(rows)
    if path.suffix.lower() == ".csv":
        with path.open("w", encoding=encoding, newline="") as f:
            out = csv.writer(f)
            out.writerow(headers)
            for row in rows:
                out.writerow(["" if row.get(h) is None else str(row[h]) if not isinstance(row[h], dt.date)
                              else row[h].isoformat(" ") for h in headers])
        return path
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    wb.save(path)
    return path
