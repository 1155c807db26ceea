"""``make workbooks``: regenerate workbooks/template.xlsx and workbooks/sample-2024.xlsx
after a schema change (a test fails while they are stale)."""

from __future__ import annotations

from pathlib import Path

from ..book.sample import WORKBOOKS, build_sample, build_template


def write_all(folder: Path = WORKBOOKS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, build in (("template.xlsx", build_template), ("sample-2024.xlsx", build_sample)):
        path = folder / name
        build().save(path)
        out.append(path)
    return out


if __name__ == "__main__":   # pragma: no cover
    for p in write_all():
        print(f"已生成 {p}")
