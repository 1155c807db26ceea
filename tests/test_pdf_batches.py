"""PDFs in bounded batches, every PDF counted against its .docx, a missing one a named
problem with a non-zero exit (issue 12: one soffice call given 300 files converted 243
and exited 0). LibreOffice is installed by .ci/run."""

import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from addin import data
from addin.book.sample import SAMPLE
from addin.cli import main
from addin.outputs import documents as docs_module
from addin.outputs import pdf as pdf_module
from addin.outputs.mailmerge import CompiledTemplate
from addin.outputs.pdf import convert_to_pdf
from addin.devtools.build_templates import build_template
from conftest import require_tools


def _docx(path: Path, text: str) -> Path:
    template = CompiledTemplate(build_template(3))
    path.write_bytes(template.to_bytes(template.render({v: text for v in template.variables})))
    return path


def test_the_batch_size_is_data_and_bounded():
    limits = data.conversion()
    assert 1 <= limits["pdf_batch_size"] <= 100 and limits["pdf_retries"] >= 1


@pytest.mark.libreoffice
def test_batches_are_bounded_and_a_missing_pdf_is_retried_then_reported(tmp_path, monkeypatch):
    require_tools("soffice")
    sources = [_docx(tmp_path / f"{i}.docx", f"文件{i}") for i in range(5)]
    bad = tmp_path / "坏.docx"
    bad.write_bytes(b"PK\x03\x04 not a document")
    sources.insert(2, bad)
    batches = []
    real = pdf_module._run_batch

    def spy(soffice, paths, work, *args):
        batches.append([p.name for p in paths])
        return real(soffice, paths, work, *args)

    monkeypatch.setattr(pdf_module, "_run_batch", spy)
    result = convert_to_pdf(sources, tmp_path / "pdf", batch_size=2)
    assert [len(b) for b in batches] == [2, 2, 2, 1]          # three bounded batches, then the missing one again
    assert batches[-1] == ["坏.docx"]
    assert result[bad] is None
    assert all(result[s] and result[s].stat().st_size > 0 for s in sources if s is not bad)
    assert sorted(p.stem for p in (tmp_path / "pdf").glob("*.pdf")) == sorted(s.stem for s in sources if s is not bad)


def _register(path: Path, applicants: int) -> Path:
    """The sample grown to ``applicants`` live applications (a copy of a complete row, with
    its 审核记录: the stage of each copy is the model's)."""
    wb = load_workbook(SAMPLE)
    ws = wb["申报人员"]
    header = [c.value for c in ws[1]]
    model = [c.value for c in ws[2]]                    # 2024-001: accepted, complete
    ws.delete_rows(2, ws.max_row)
    for i in range(applicants):
        row = list(model)
        row[header.index("申报编号")] = f"2024-{i + 1:03d}"
        row[header.index("姓名")] = f"测试{i + 1:03d}"
        ws.append(row)
    reviews = wb["审核记录"]
    rows = [[c.value for c in r] for r in reviews.iter_rows(min_row=2) if r[0].value == model[0]]
    reviews.delete_rows(2, reviews.max_row)
    for i in range(applicants):
        for r in rows:
            reviews.append([f"2024-{i + 1:03d}"] + r[1:])
    wb.save(path)
    return path


@pytest.mark.libreoffice
def test_a_300_document_pdf_run_yields_300_pdfs(tmp_path, capsys):
    """100 applicants x attachments 1-3 with --pdf: 300 PDFs (and the 3 combined files)."""
    require_tools("soffice")
    book = _register(tmp_path / "台账.xlsx", 100)
    assert main(["docs", str(book), "--out", str(tmp_path / "out"), "--kind", "1,2,3", "--pdf"]) == 0
    out = capsys.readouterr().out
    assert "PDF：303/303份" in out
    for kind in ("附件1-推荐单位公示", "附件2-单位推荐意见", "附件3-个人承诺书"):
        folder = tmp_path / "out" / kind
        docx = sorted(p.stem for p in folder.glob("*.docx"))
        assert len(docx) == 100 and sorted(p.stem for p in folder.glob("*.pdf")) == docx
    assert len(list((tmp_path / "out").glob("*合并打印.pdf"))) == 3


@pytest.mark.libreoffice
def test_a_document_that_does_not_convert_gives_a_non_zero_exit_naming_it(tmp_path, capsys, monkeypatch):
    require_tools("soffice")
    book = tmp_path / "台账.xlsx"
    shutil.copyfile(SAMPLE, book)
    real = docs_module.write_bytes_atomic

    def corrupt_one(path, content):
        real(path, b"PK\x03\x04 broken" if path.name.startswith("2024-002-") else content)

    monkeypatch.setattr(docs_module, "write_bytes_atomic", corrupt_one)
    code = main(["docs", str(book), "--out", str(tmp_path / "out"), "--kind", "2", "--ids", "2024-001,2024-002",
                 "--pdf"])
    out = capsys.readouterr().out
    assert code == 1
    assert "PDF：2/3份" in out
    line = next(l for l in out.splitlines() if "未能转换为PDF" in l)
    assert "2024-002" in line and "单位推荐意见.docx" in line
    pdfs = [p.name for p in (tmp_path / "out" / "附件2-单位推荐意见").glob("*.pdf")]
    assert len(pdfs) == 1 and pdfs[0].startswith("2024-001-")
