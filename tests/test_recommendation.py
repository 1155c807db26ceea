"""Who recommends, who hears objections, when a unit publicity may start (notice 二(二),
三(二), 四(二)) — the rules, then the attachments generated from the sample register."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document

from addin.book.reader import read_book
from addin.book.sample import SAMPLE
from addin.outputs.documents import generate_documents
from addin.outputs.layout import normalise_phones
from addin.outputs.packages import FOLDER
from addin.outputs.pdf import convert_to_pdf, pdf_text
from addin.rules.recommendation import (current_title_phrase, objection_contact, publicising_unit,
                                        publicity_start_warning, recommending_unit)
from conftest import require_tools

NOW = dt.datetime(2024, 9, 2, 9, 30)


# --- the rules ----------------------------------------------------------------------------------

@pytest.mark.clause("二(二)", "三(二)")
def test_freelancers_are_recommended_by_the_agency_and_the_private_route_by_the_employment_service(settings):
    assert recommending_unit("自由职业", "自由职业", "民营企业专项", "", settings) == settings.freelance_recommender
    assert recommending_unit("", "其他", "民营企业专项", "档案在地区人事代理机构托管", settings) == \
        settings.freelance_recommender
    assert recommending_unit("阿克苏恒远路桥工程有限公司", "民营企业", "民营企业专项", "营业执照在地区注册", settings) == \
        settings.private_recommender
    assert recommending_unit("温宿县公路管理站", "事业单位", "定向评价", "", settings) == "温宿县公路管理站"
    # the private firm still publicises internally; a freelancer's agency does it for them
    assert publicising_unit("阿克苏恒远路桥工程有限公司", "民营企业", "", settings) == "阿克苏恒远路桥工程有限公司"
    assert publicising_unit("自由职业", "自由职业", "", settings) == settings.freelance_recommender


def test_objections_go_to_the_units_own_office_and_to_the_bureau_only_without_one(settings):
    contacts = {"温宿县公路管理站": ("办公室", "0997-4521234"), "拜城县公路养护中心": ("办公室", "")}
    own = objection_contact("温宿县公路管理站", contacts, settings)
    assert (own.office, own.phone, own.own) == ("温宿县公路管理站办公室", "0997-4521234", True)
    for unit in ("拜城县公路养护中心", "沙雅县农村公路养护站"):            # half a contact, or none
        fallback = objection_contact(unit, contacts, settings)
        assert (fallback.office, fallback.phone, fallback.own) == (settings.contact_office, settings.contact_phone, False)


def test_a_publicity_starting_on_a_rest_day_is_warned_about(cal):
    assert publicity_start_warning(dt.date(2024, 8, 17), cal).clause == "四(二)"        # a Saturday
    assert publicity_start_warning(dt.date(2024, 10, 1), cal) is not None             # National Day
    assert publicity_start_warning(dt.date(2024, 9, 14), cal) is None                 # a Saturday worked (调休)
    assert publicity_start_warning(dt.date(2024, 8, 19), cal) is None                 # a Monday


def test_no_current_title_reads_as_none_held_not_as_held_none():
    assert current_title_phrase("无") == "暂无专业技术职务任职资格"
    assert current_title_phrase("工程师") == "现任专业技术职务任职资格为工程师"


@pytest.mark.parametrize("typed", ["0997-2514195", "0997—2514195", "0997 － 2514195", "0997 - 2514195"])
def test_phone_numbers_are_written_the_one_way_they_are_dialled(typed):
    assert normalise_phones(f"联系电话：{typed}。") == "联系电话：0997-2514195。"
    assert normalise_phones(f"（{typed}）") == "（0997-2514195）"


# --- the attachments ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    book = read_book(SAMPLE)
    report = generate_documents(book, out, kinds=(1, 2, 3), duplex=True, by_employer=True, now=NOW)
    return book, report


def test_phone_numbers_are_plain_text_in_the_word_files(run):
    """Searchable as typed (Ctrl+F 2514195): no invisible character between the digits;
    the layout keeps them whole (tests/test_print_scale.py renders them)."""
    _, report = run
    for doc in report.by_kind(1):
        xml = zipfile.ZipFile(doc.docx).read("word/document.xml").decode()
        assert len(re.findall(r"0997-\d{7}", xml)) == 2, doc.docx.name
        assert "\u2060" not in xml


def test_documents_carry_their_own_properties_and_the_generation_time(run):
    _, report = run
    for path in [d.docx for d in report.documents[::20]] + list(report.combined.values()):
        core = Document(str(path)).core_properties
        assert core.created == core.modified == NOW.astimezone(dt.timezone.utc)
        assert core.category in ("", None) and not core.comments
        assert "模板" not in (core.subject or "") and "占位符" not in (core.comments or "")
    doc = report.by_kind(1)[0]
    core = Document(str(doc.docx)).core_properties
    assert core.title == f"推荐单位公示（{doc.name}）" and core.subject == "2024年度职称评审 附件1 推荐单位公示"


def test_duplex_combined_files_start_every_applicant_on_an_odd_page(run):
    _, report = run
    xml = zipfile.ZipFile(report.combined[3]).read("word/document.xml").decode()
    assert xml.count('<w:type w:val="oddPage"/>') == len(report.by_kind(3))
    assert xml.count('w:start="1"') == 1                     # numbering runs through the file


@pytest.mark.libreoffice
def test_duplex_pdf_has_a_blank_back_page_after_each_one_page_document(run, tmp_path):
    require_tools("soffice", "pdftotext")
    _, report = run
    pdf = convert_to_pdf([report.combined[3]], tmp_path, keep_blank_pages=True)[report.combined[3]]
    people = len(report.by_kind(3))
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True,
                                                              text=True).stdout).group(1))
    assert pages == 2 * people - 1
    names = [d.name for d in report.by_kind(3)]
    for page in (1, 3, 2 * people - 1):                       # odd pages: each applicant's commitment
        assert names[(page - 1) // 2] in pdf_text_page(pdf, page)
    assert not pdf_text_page(pdf, 2).strip()                  # the back of the first: blank


def pdf_text_page(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True).stdout


@pytest.mark.libreoffice
def test_no_phone_number_is_split_across_lines_in_any_attachment_1(run, tmp_path):
    require_tools("soffice", "pdftotext")
    _, report = run
    docs = report.by_kind(1)
    pdfs = convert_to_pdf([d.docx for d in docs], tmp_path)
    for d in docs:
        text = pdf_text(pdfs[d.docx])
        phones = re.findall(r"\d{4}[-‑]\d{7}", text)
        assert len(phones) == 2, (d.docx.name, text[-200:])      # both numbers whole on one line


def test_each_unit_gets_a_folder_with_its_attachments_a_print_file_and_a_cover_list(run):
    book, report = run
    s = book.settings
    units = {d.unit for d in report.documents}
    assert len(report.packages) == len(units) and all(p.cover and p.combined for p in report.packages)
    for package in report.packages:
        mine = [d for d in report.documents if d.unit == package.unit]
        assert package.folder.parent == report.out_dir / FOLDER
        assert sorted(p.name for p in package.files) == sorted(d.docx.name for d in mine)
        combined = Document(str(package.combined[0]))
        titles = [p.text for p in combined.paragraphs if p.style.name == "公文标题"]
        assert titles == ["推荐单位公示", "单位推荐意见", "个人承诺书"] * len(package.people)
        cover = Document(str(package.cover))
        text = "\n".join(p.text for p in cover.paragraphs) + "\n".join(
            c.text for t in cover.tables for r in t.rows for c in r.cells)
        assert all(name in text for _, name in package.people)
        assert s.contact_office in text and s.contact_phone in text
        assert f"{s.material_end.year}年{s.material_end.month}月{s.material_end.day}日前" in text
        assert "附件1" in text and "附件2" in text and "附件3" in text
    freelancer = next(p for p in report.packages if p.unit == s.freelance_recommender)
    assert freelancer.people
    # the sample keeps the notice's 2023 typo in the delivery window: the cover list says it is suspect
    assert any(p.field == "材料报送截止日期" for p in report.problems)


def test_the_docs_command_takes_duplex_and_per_employer_options(tmp_path, capsys):
    from addin.cli import main

    code = main(["docs", str(SAMPLE), "--out", str(tmp_path), "--kind", "1,3", "--ids", "2024-001,2024-002,2024-029",
                 "--duplex", "--by-employer"])
    out = capsys.readouterr().out
    assert code in (0, 1) and "双面打印" in out and "按单位整理" in out
    folders = sorted(p.name for p in (tmp_path / FOLDER).iterdir())
    assert len(folders) == 3 and any("人事代理" in f for f in folders)
    xml = zipfile.ZipFile(next(tmp_path.glob("附件3-*合并打印.docx"))).read("word/document.xml").decode()
    assert xml.count('w:val="oddPage"') == 3


@pytest.mark.libreoffice
def test_with_pdf_each_units_print_file_and_cover_list_are_pdfs_too(tmp_path):
    require_tools("soffice", "pdftotext")
    report = generate_documents(read_book(SAMPLE), tmp_path, kinds=(1, 2, 3), ids=["2024-001", "2024-040"],
                                by_employer=True, pdf=True, now=NOW)
    (package,) = report.packages                              # both work at 阿瓦提县公路管理站
    assert set(package.pdfs) == set(package.printed) and all(package.pdfs.values())
    text = "".join(pdf_text(package.pdfs[package.cover]).split())
    assert all(name in text for _, name in package.people)
    assert report.pdf_count == len(report.documents) + len(report.combined) + len(package.printed)
    assert not [p for p in report.problems if "PDF" in p.message]
