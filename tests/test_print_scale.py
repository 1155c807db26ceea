"""Every printed output of a 300-applicant register (issue 17 C, point 9), rendered by
LibreOffice and read back from the PDFs with poppler (``pdftotext -layout`` for lines,
``-bbox`` for positions):

- no page holds a signature block (单位负责人签字, 公章, 制表人, 审核人, 计票人, 监票人,
  抽取人, 监督人, 承诺人, 评委签名) without lines of the document it signs;
- no "###", and no code, amount, date, application number or name broken over two lines;
- every page of a list with a running header carries it (odd and even pages), every page
  of the office's copies carries 内部资料 注意保密;
- the publicity list's date is four characters from the right edge, the issuer centred
  over it (GB/T 9704 7.3.5.1);
- no invisible format character (U+2060 and the like) in any file or PDF;
- attachment 1 with 业绩成果 up to the platform's limit keeps at least its last paragraph
  with the signature block, and no name, unit word or phone number is split;
- the draw record names the clerk of 参数, counts what the roster counts, and lies in
  内部留存.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest

from addin.outputs.pdf import convert_to_pdf
from conftest import require_tools

NOW = dt.datetime(2024, 10, 20, 10, 0)
COUNT = 300
#: what a signature block prints: a page holding one must hold lines of the document too
SIGNATURE_MARKS = ("单位负责人签字", "推荐单位公章", "承诺人（手写签名）", "制表人：", "审核人：", "监票人：", "计票人：",
                   "计票人（签名）", "监票人（签名）", "主任委员（签名）", "抽取人（签名）", "监督人（签名）", "评委（签名）",
                   "经办人：")
#: lines that belong to a signature block, a running header or a page number, not to the text signed
BLOCK_LINE = re.compile(r"^(?:(?:单位负责人签字|（推荐单位公章）|承诺人（手写签名）|制表人|审核人|监票人|计票人|经办人|联系电话|"
                        r"主任委员|抽取人|监督人|评委|日期)[：（].*|年月日|—\d+—|第\d+页，共\d+页|.*内部资料注意保密.*|"
                        r"阿克苏地区交通运输局|\d{4}年\d{1,2}月\d{1,2}日|.*评审会\d{4}年\d{1,2}月\d{1,2}日|"
                        r"阿克苏地区交通运输局评审结果公示)$")
CODE = re.compile(r"(?:GL|YS|JJ)-\d{3}|2024-\d{4}|\d{1,3}(?:,\d{3})*\.\d{2}|\d{4}年\d{1,2}月\d{1,2}日|0997-\d{7}")


@pytest.fixture(scope="module")
def scale(tmp_path_factory):
    """The register, every output made from it, and the PDFs of the lists, records and
    print files (attachments 1-3 as their combined print files, one cover list a unit)."""
    require_tools("soffice", "pdftotext", "pdfinfo")
    from addin.book.draw import plan_draw
    from addin.book.reader import book_from_values
    from addin.book.inplace import PackageAdapter
    from addin.book.refresh import refresh
    from addin.outputs.documents import generate_documents
    from addin.outputs.finance import export_finance
    from addin.outputs.meeting import KEPT_IN_OFFICE, TO_COMMITTEE, build_roster, write_roster
    from addin.outputs.meeting_record import build_meeting_record, draw_record, draw_record_name, save, write_meeting_records
    from addin.outputs.publicity import build_publicity, write_publicity
    from scale_register import build_scale_register

    folder = tmp_path_factory.mktemp("scale")
    path = build_scale_register(folder / "台账.xlsx", COUNT)
    report = refresh(path, now=NOW, user="测试")
    book, ev = report.book, report.evaluation
    out = folder / "输出"
    roster = build_roster(book, ev)
    files = write_roster(roster, out / "评审会")
    table, _ = build_publicity(book, ev, dt.date(2024, 10, 21))
    files += write_publicity(table, out / "公示")
    files.append(export_finance(book, ev, out / "财务" / "缴费表.xlsx"))
    files += write_meeting_records(build_meeting_record(book, ev), out / "评审会" / KEPT_IN_OFFICE,
                                   out / "评审会" / TO_COMMITTEE, now=NOW)
    import dataclasses
    import random
    fresh = book_from_values(PackageAdapter(path).values())
    fresh = dataclasses.replace(fresh, settings=dataclasses.replace(fresh.settings, clerk_name="古丽娜·艾尔肯"))
    draw = plan_draw(fresh, now=NOW, user="root", rng=random.Random(7), reason="规模测试")
    files.append(save(draw_record(draw), out / "评审会" / draw_record_name(draw.number)))
    docs = generate_documents(book, out / "附件", kinds=(1, 2, 3), by_employer=True, now=NOW, write_report=False)
    files += list(docs.combined.values()) + [p.cover for p in docs.packages]
    staged = {}
    for i, f in enumerate(files):
        target = folder / "staged" / f"{i:03d}-{f.stem}-{f.suffix[1:]}{f.suffix}"
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(f, target)
        staged[target] = f
    converted = convert_to_pdf(list(staged), folder / "pdf")
    assert all(converted.values()), [f.name for f, p in converted.items() if not p]
    pdfs = {staged[s]: p for s, p in converted.items()}
    return {"folder": folder, "book": book, "ev": ev, "roster": roster, "files": files, "pdfs": pdfs,
            "docs": docs, "draw": draw, "out": out}


def _pages(pdf: Path) -> list[list[str]]:
    """Each page's lines, spaces removed."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    pages = [[re.sub(r"\s+", "", line) for line in page.splitlines() if line.strip()] for page in text.split("\f")]
    return pages[:-1] if pages and not pages[-1] else pages


def _rel(scale, path: Path) -> str:
    return path.relative_to(scale["out"]).as_posix()


@pytest.mark.libreoffice
def test_no_signature_block_stands_alone_on_a_page(scale):
    checked = 0
    for source, pdf in scale["pdfs"].items():
        for number, lines in enumerate(_pages(pdf), start=1):
            if not any(mark in line for line in lines for mark in SIGNATURE_MARKS):
                continue
            checked += 1
            text = [line for line in lines if not BLOCK_LINE.match(line)]
            assert len(text) >= 2, f"{_rel(scale, source)} p{number}: a signature block without its text: {lines}"
    assert checked > 300


@pytest.mark.libreoffice
def test_no_hash_marks_and_no_code_amount_date_or_name_split_over_lines(scale):
    names = {e.name for e in scale["roster"].entries}
    for source, pdf in scale["pdfs"].items():
        pages = _pages(pdf)
        lines = [line for page in pages for line in page]
        flat = "".join(lines)
        assert "###" not in flat, _rel(scale, source)
        for token in set(CODE.findall(flat)):
            assert flat.count(token) == sum(line.count(token) for line in lines), (_rel(scale, source), token)
        for name in names:
            if name in flat:
                assert flat.count(name) == sum(line.count(name) for line in lines), (_rel(scale, source), name)


@pytest.mark.libreoffice
def test_every_page_carries_the_running_header_and_the_office_copies_their_mark(scale):
    roster = scale["roster"]
    for source, pdf in scale["pdfs"].items():
        pages = [p for p in _pages(pdf) if p]
        name = _rel(scale, source)
        if source.suffix == ".docx" and name.startswith("评审会/") and "评审会名单" in name or "投票表" in name:
            header = re.sub(r"\s+", "", roster.header)
            assert all(any(header in line for line in page[:3]) for page in pages), name
        if "内部留存" in name:
            assert all(any("内部资料注意保密" in line for line in page[:3]) for page in pages), name
        if name.startswith("公示/") and source.suffix == ".docx":
            assert all(any("评审结果公示" in line for line in page[:2]) for page in pages), name
    assert len([s for s in scale["pdfs"] if "内部留存" in _rel(scale, s)]) >= 4


@pytest.mark.libreoffice
def test_the_publicity_date_is_four_characters_in_and_the_issuer_centred_over_it(scale):
    pdf = next(p for s, p in scale["pdfs"].items() if s.name == "评审结果公示名单.docx")
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    last = out.split("<page ")[-1]
    width = float(re.search(r'width="([\d.]+)"', last).group(1))
    right = width - 26 / 25.4 * 72
    lines = [(float(m.group(1)), float(m.group(2)), "".join(re.findall(r">([^<]+)</word>", m.group(3))))
             for m in re.finditer(r'<line xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</line>',
                                  last, re.S)]

    def box(text: str) -> tuple[float, float]:
        found = [(a, b) for a, b, t in lines if t == text]
        assert found, (text, [t for _, _, t in lines][-5:])
        return found[-1]

    date = box("2024年10月21日")
    issuer = box("阿克苏地区交通运输局")
    assert abs((right - date[1]) - 4 * 16) < 4, (right, date)          # 右空四字 (3号 characters)
    assert abs((issuer[0] + issuer[1]) / 2 - (date[0] + date[1]) / 2) < 4, (issuer, date)


INVISIBLE = {"Cf"}


def _texts_of(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return [z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")]


@pytest.mark.libreoffice
def test_no_invisible_format_character_in_any_output(scale):
    sources = list(scale["files"]) + [d.docx for d in scale["docs"].documents[::25]]
    for path in sources:
        for xml in _texts_of(path):
            bad = {f"U+{ord(c):04X}" for c in xml if unicodedata.category(c) in INVISIBLE}
            assert not bad, (path.name, bad)
    for pdf in scale["pdfs"].values():
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert not [c for c in text if unicodedata.category(c) in INVISIBLE], pdf.name


@pytest.mark.libreoffice
def test_attachment_1_keeps_its_last_paragraph_with_the_signature_and_splits_no_word(scale):
    from scale_register import achievements_limit

    combined = next(p for s, p in scale["pdfs"].items() if s.name.startswith("附件1") and "合并打印" in s.name)
    pages = _pages(combined)
    docs = scale["docs"].by_kind(1)
    # documents restart their page numbers: split the print file into its documents
    starts = [i for i, page in enumerate(pages) if "—1—" in page]
    assert len(starts) == len(docs) == COUNT - 1          # the first is held back (三)
    longest = 0
    for doc, (a, b) in zip(docs, zip(starts, starts[1:] + [len(pages)])):
        text = "".join(line for page in pages[a:b] for line in page)
        lines = [line for page in pages[a:b] for line in page]
        assert text.count(doc.name) == sum(line.count(doc.name) for line in lines) == 2, doc.name
        assert len(re.findall(r"0997-\d{7}", text)) == 2
        last = pages[b - 1]
        assert any("公示时间从" in line or "监督电话" in line for line in last), (doc.name, last)
        length = len(doc.rendered.context["业绩成果"])
        longest = max(longest, length)
    assert longest == achievements_limit()


@pytest.mark.libreoffice
def test_the_draw_record_names_the_clerk_counts_the_roster_and_is_kept_in_the_office(scale):
    record = next(s for s in scale["pdfs"] if s.name.startswith("评委抽取记录"))
    assert record.parent.name == "内部留存"
    text = "".join(line for page in _pages(scale["pdfs"][record]) for line in page)
    assert "操作人：古丽娜·艾尔肯" in text and "root" not in text
    assert f"上会申报{len(scale['roster'].entries)}份" in text
    assert "另有2份暂未列入上会名单" in text           # one person by both routes (三): held back, recused alike
    lines = [line for page in _pages(scale["pdfs"][record]) for line in page]
    assert not any(line.endswith("候补") for line in lines)


@pytest.mark.libreoffice
def test_documents_keep_within_the_margins_hold_28_characters_a_line_and_name_this_tool(scale):
    """GB/T 9704: 28 characters a line of 3号 text; no closing mark hangs into the margin
    (attachment 3's commitment, the publicity notes); the files say which program made them."""
    for source, pdf in scale["pdfs"].items():
        if source.suffix != ".docx":
            continue
        out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
        for page in re.finditer(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', out, re.S):
            right = float(page.group(1)) - 26 / 25.4 * 72
            over = [w for x, w in re.findall(r'xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', page.group(2))
                    if float(x) > right + 1]
            assert not over, (_rel(scale, source), over)
        with zipfile.ZipFile(source) as z:
            assert "<Application>职称评审台账</Application>" in z.read("docProps/app.xml").decode(), source.name
        lines = [line for page in _pages(pdf) for line in page]
        assert not [line for line in lines if line.endswith(("（", "《", "“"))], source.name      # 避头尾
        assert not [line for line in lines[1:] if line.startswith(("，", "。", "、", "；", "）", "》", "”"))], source.name
    commitment = next(p for s, p in scale["pdfs"].items() if s.name.startswith("附件3") and "合并打印" in s.name)
    lines = [line for page in _pages(commitment)[:3] for line in page]
    assert max(len(line) for line in lines if line.startswith("本人承诺") or line.startswith("如申请人")) <= 28
    assert any(len(line) == 28 for line in lines), lines[:12]
