"""``make golden``: the golden renderings of the attachments (tests/golden/documents), the
canonical text of every attachment of two applicants of the committed sample, which a
test compares with what the product makes now.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ..book.reader import Book, read_book
from ..book.sample import SAMPLE
from ..outputs.documents import generate_documents
from ..outputs.docxtext import canonical_text
from ..outputs.templates import ATTACHMENTS

#: applicants of the committed sample whose documents are kept as golden files
GOLDEN_APPLICANTS = ("2024-027", "2024-061")
GOLDEN = Path(__file__).resolve().parents[2] / "tests" / "golden" / "documents"


def golden_texts(book: Book, out_dir: Path) -> dict[str, str]:
    """The canonical text of every attachment of the golden applicants, by file name."""
    report = generate_documents(book, out_dir, ids=GOLDEN_APPLICANTS, templates=None, write_report=False)
    texts = {}
    for doc in report.documents:
        texts[f"{doc.app_id}-{ATTACHMENTS[doc.kind].label}.txt"] = canonical_text(doc.docx)
    texts["问题清单.txt"] = "\n".join(str(p) for p in report.problems) + "\n"
    return texts


def write_golden(folder: Path = GOLDEN) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        texts = golden_texts(read_book(SAMPLE), Path(tmp))
    written = []
    for name, text in texts.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":   # pragma: no cover
    if sys.argv[1:] == ["--golden"] or not sys.argv[1:]:
        for p in write_golden():
            print(f"已生成 {p}")
