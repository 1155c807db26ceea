"""The year's sealed archive (issue 20, C): one dated folder and a .zip, every file's SHA-256
in a manifest printed on the signed index page, and a verification that names every file
changed, missing or added since."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from docx import Document

from addin.cli import main
from addin.outputs.archive import INDEX, MANIFEST, grouped

AS_OF = "2024-11-20 10:00"


def _archive(book: Path, out: Path, capsys) -> Path:
    assert main(["roster", str(book), "--out", str(book.parent / "职称评审输出" / "评审会-1"), "--as-of", AS_OF]) == 0
    assert main(["publicity", str(book), "--out", str(book.parent / "职称评审输出" / "公示-1"), "--start", "2024-10-21",
                 "--as-of", AS_OF]) == 1
    capsys.readouterr()
    before = book.read_bytes()
    code = main(["archive", str(book), "--out", str(out), "--as-of", AS_OF])
    assert code in (0, 1), capsys.readouterr().err
    assert book.read_bytes() == before                                   # the archive writes nothing into the register
    return out / "2024年度职称评审归档-20241120"


def test_the_archive_holds_the_year_named_by_what_each_file_is_with_a_manifest(book, tmp_path, capsys):
    folder = _archive(book, tmp_path / "归档", capsys)
    out = capsys.readouterr().out
    listed = dict(line.split("  ", 1)[::-1] for line in (folder / MANIFEST).read_text(encoding="utf-8").splitlines())
    for rel, digest in listed.items():
        assert hashlib.sha256((folder / rel).read_bytes()).hexdigest() == digest, rel
    names = set(listed)
    assert "01-台账/台账.xlsx" in names and (folder / "01-台账" / "台账.xlsx").read_bytes() == book.read_bytes()
    assert {"03-评审会名单/送评委/评审会名单-盲评.xlsx", "03-评审会名单/内部留存/编号对照表-内部.xlsx",
            "07-财务/职称评审费缴费表.xlsx", "08-日志/日志.txt"} <= names
    assert any(n.startswith("04-答辩评分表/答辩评分表-") for n in names)
    assert any(n.startswith("05-评审会议记录/") for n in names)
    assert any(n.startswith("06-公示名单/评审结果公示名单") for n in names)         # the published one, as made
    assert not any("-2024" in n.rsplit("/", 1)[-1] for n in names)               # named by what, not by a timestamp
    # the index page prints every file's hash and the manifest's own digest
    text = "\n".join(p.text for p in Document(folder / INDEX).paragraphs)
    cells = "\n".join(c.text for t in Document(folder / INDEX).tables for row in t.rows for c in row.cells)
    manifest_digest = hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()
    assert grouped(manifest_digest) in text and "归档人（签名）" in text
    flat = "".join(cells.split())                                   # a wrapped cell holds line breaks
    assert all(digest in flat and "".join(rel.split()) in flat for rel, digest in listed.items())
    with zipfile.ZipFile(folder.with_suffix(".zip")) as z:
        assert {n for n in z.namelist() if not n.endswith("/")} == \
            {f"{folder.name}/{rel}" for rel in list(names) + [MANIFEST, INDEX]}
    assert f"已归档{len(names)}个文件" in out and manifest_digest in out


def test_verify_passes_on_the_archive_and_names_every_file_changed_missing_or_added(book, tmp_path, capsys):
    folder = _archive(book, tmp_path / "归档", capsys)
    assert main(["archive", "--verify", str(folder)]) == 0
    assert "与清单完全一致" in capsys.readouterr().out
    ledger = folder / "08-日志" / "日志.txt"
    data = bytearray(ledger.read_bytes())
    data[-3] ^= 1                                                        # one byte of one file
    ledger.write_bytes(bytes(data))
    assert main(["archive", "--verify", str(folder / MANIFEST)]) == 1
    out = capsys.readouterr().out
    assert "已改动 08-日志/日志.txt" in out and out.count("已改动") == 1
    removed = next(folder.glob("04-答辩评分表/*.docx"))
    removed.unlink()
    (folder / "03-评审会名单" / "补充.txt").write_text("后来放进去的", encoding="utf-8")
    assert main(["archive", "--verify", str(folder)]) == 1
    out = capsys.readouterr().out
    assert f"已缺失 04-答辩评分表/{removed.name}" in out and "清单外新增 03-评审会名单/补充.txt" in out


def test_an_archive_of_the_same_day_is_not_overwritten_and_a_folder_without_a_manifest_is_refused(book, tmp_path,
                                                                                                   capsys):
    folder = _archive(book, tmp_path / "归档", capsys)
    first = (folder / MANIFEST).read_bytes()
    assert main(["archive", str(book), "--out", str(tmp_path / "归档"), "--as-of", AS_OF]) == 2
    assert "已存在" in capsys.readouterr().err and (folder / MANIFEST).read_bytes() == first
    (tmp_path / "空").mkdir()
    assert main(["archive", "--verify", str(tmp_path / "空")]) == 2
    assert "没有归档清单" in capsys.readouterr().err
