"""Attachments 1-4 of the notice, generated from the committed sample register and read
back with python-docx: fields equal the register, the fixed sentence is exact, public
ID numbers hide the birth date, the publicity ends when the rules core says, the page
is an A4 official document in zh-CN; bad input is reported, never silently blank.

PDF tests need LibreOffice (installed by .ci/run): they skip locally with the reason
printed and fail on CI when it is missing."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import re
import shutil
import struct
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm
from hypothesis import given, settings as hsettings, strategies as st
from openpyxl import load_workbook

from addin.book.reader import book_from_values, read_book, workbook_values
from addin.book.sample import SAMPLE
from addin.outputs import documents as docs_module
from addin.demo import demo_documents
from addin.devtools.golden import GOLDEN, GOLDEN_APPLICANTS, golden_texts
from addin.outputs.documents import generate_documents
from addin.data import exemption_reviewers
from addin.outputs.placeholders import MISSING
from addin.rules.ce import reviewing_office
from addin.outputs.files import FORBIDDEN, safe_filename
from addin.outputs.mailmerge import CompiledTemplate
from addin.outputs.pdf import convert_to_pdf, find_soffice
from addin.devtools.build_templates import WORKBOOK_TEMPLATES, build_template, readme_text
from addin.outputs.templates import ATTACHMENTS, packaged_folder
from addin.rules.dates import format_date, parse_date
from addin.rules.identity import check_id, mask_id
from addin.rules.settings import parse_bool
from conftest import require_tools

SENTENCE = "本单位已对申报材料逐一审核，申报人所提供材料真实、完整、有效，同意推荐"   # notice 四(四), verbatim
COMMITMENT = ("本人承诺以上填报的内容和提交的材料完全真实有效，且网上填报与送审报表内容完全一致。如申请人提交弄虚作假确认材料的，"
              "一经查实，不予受理确认申报或取消已确认的资格，并从申报年度下一年度起3年内，不得申报专业技术资格。")
SOFFICE = find_soffice()


# --- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def book():
    return read_book(SAMPLE)


@pytest.fixture(scope="module")
def generated(book, tmp_path_factory):
    out = tmp_path_factory.mktemp("docs")
    report = generate_documents(book, out)
    return report


def _rows(book):
    return {str(r.values_by_key.get("app_id")): r for r in book.table("applicants").rows}


def _text(path: Path) -> str:
    """The document's text; the line breaks the layout gives a paragraph (so that no name,
    unit word or phone number is split across lines) left out."""
    doc = Document(str(path))
    parts = [p.text.replace("\n", "") for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


def _sample_values():
    wb = load_workbook(SAMPLE, read_only=True, data_only=True)
    try:
        return {name: [list(r) for r in rows] for name, rows in workbook_values(wb).items()}
    finally:
        wb.close()


def _book_with(changes: dict[str, dict[str, object]], *, keep: tuple[str, ...] | None = None):
    """The sample with some cells of some applicants changed (by header), optionally only
    the applicants in ``keep``."""
    values = _sample_values()
    sheet = values["申报人员"]
    header = [str(h) if h is not None else "" for h in sheet[0]]
    id_col = header.index("申报编号")
    rows = [sheet[0]]
    for row in sheet[1:]:
        app_id = str(row[id_col]) if row[id_col] is not None else ""
        if keep is not None and app_id not in keep:
            continue
        for column, value in changes.get(app_id, {}).items():
            row[header.index(column)] = value
        rows.append(row)
    values["申报人员"] = rows
    renamed = {old: c["申报编号"] for old, c in changes.items() if "申报编号" in c}
    for name in ("审核记录", "缴费"):          # the application's reviews and payments follow a new id
        for row in values[name][1:]:
            if row and row[0] in renamed:
                row[0] = renamed[row[0]]
    return book_from_values(values)


def _problems(report, app_id=None, kind=None):
    return [p for p in report.problems if (app_id is None or p.app_id == app_id) and (kind is None or p.kind == kind)]


# --- which documents ----------------------------------------------------------------------

#: held back by their stage: one person by both routes (三), ended (不予受理 3, 视为放弃 1), and 状态
#: disagreeing with 审核记录 (已退回 past the deadline: 不予受理; 填报中 past 8-30 18:00: 视为放弃)
HELD = {"2024-044", "2024-045", "2024-046", "2024-047", "2024-048", "2024-051", "2024-049", "2024-052"}
#: ID numbers that cannot be used: every document of theirs prints one, so none is printed
UNPRINTABLE_IDS = {"2024-041", "2024-042"}


def test_every_live_applicant_gets_attachments_1_to_3_and_only_exempt_ones_get_4(book, generated):
    held = HELD
    rows = [r for r in book.table("applicants").rows if r.values_by_key.get("app_id") not in held]
    assert not {d.app_id for d in generated.documents} & held
    assert generated.selected == len(rows) == 61 - 8
    assert not {d.app_id for d in generated.documents} & UNPRINTABLE_IDS
    blocked = [p for p in generated.problems if p.app_id in UNPRINTABLE_IDS]
    assert {(p.app_id, p.kind) for p in blocked} == {(a, k) for a in UNPRINTABLE_IDS for k in (1, 2, 3)}
    assert all(p.severity.value == "error" and "暂不生成" in p.message and p.field == "身份证号" for p in blocked)
    rows = [r for r in rows if r.values_by_key.get("app_id") not in UNPRINTABLE_IDS]
    exempt = [r for r in rows if parse_bool(r.values_by_key.get("ce_exempt")).value]
    assert exempt, "the sample has an applicant exempt from continuing education"
    for kind in (1, 2, 3):
        assert len(generated.by_kind(kind)) == len(rows)
    assert {d.app_id for d in generated.by_kind(4)} == {str(r.values_by_key["app_id"]) for r in exempt}
    assert generated.skipped[4] == generated.selected - len(exempt)
    assert set(generated.combined) == {1, 2, 3, 4}
    for doc in generated.documents:
        assert doc.docx.exists() and doc.docx.suffix == ".docx"
        assert doc.docx.parent.name == f"附件{doc.kind}-{ATTACHMENTS[doc.kind].title}"
        assert doc.docx.name.startswith(doc.app_id)
    assert generated.report_file and generated.report_file.read_text(encoding="utf-8-sig").startswith("附件生成情况")


def test_combined_file_has_one_section_per_applicant_in_register_order(generated):
    for kind, path in generated.combined.items():
        doc = Document(str(path))
        singles = generated.by_kind(kind)
        assert len(doc.sections) == len(singles)
        body = "\n".join([p.text for p in doc.paragraphs] + [c.text for t in doc.tables for r in t.rows for c in r.cells])
        positions = [body.find(d.name) for d in singles]
        assert all(p >= 0 for p in positions)
        if kind != 4:                                  # paragraphs come in document order
            assert positions == sorted(positions)
        for section in doc.sections:
            start = section._sectPr.find(qn("w:pgNumType"))
            assert start is not None and start.get(qn("w:start")) == "1"      # page numbers restart per applicant


# --- fields equal the register -------------------------------------------------------------

def test_attachment_1_shows_the_register_values_with_masked_id(book, generated):
    rows = _rows(book)
    s = book.settings
    assert s.mask_public_ids
    contacts = {r.values_by_key["name"]: (r.values_by_key["department"], r.values_by_key["phone"])
                for r in book.table("employers").rows}
    own = 0
    for doc in generated.by_kind(1):
        v = rows[doc.app_id].values_by_key
        text = _text(doc.docx)
        assert f"现对{v['name']}同志申报{v['series']}{v['specialty']}专业" in text
        assert f"{book.catalog.level_of(v['target_title']).value}专业技术任职资格（{v['target_title']}）" in text
        assert f"族别{v['ethnicity']}，政治面貌{v['political']}" in text
        assert v["political_text"] in text and v["achievements_text"] in text
        # objections go to the employer's own office (四(二)), the bureau's when the register has none
        if v["employer"] in contacts:
            dept, phone = contacts[v["employer"]]
            assert f"反映至{v['employer']}{dept}（联系电话：{phone}），监督电话：{s.supervision_phone}。" in text
            own += 1
        else:
            assert f"反映至{s.contact_office}（联系电话：{s.contact_phone}），监督电话：{s.supervision_phone}。" in text
        assert "公示期不少于5个工作日" in text
        current = v.get("current_title") or MISSING
        if current == "无":
            assert "暂无专业技术职务任职资格" in text and "为无" not in text
        else:
            assert f"现任专业技术职务任职资格为{current}" in text
        identity = check_id(v["id_number"]).value
        if identity:
            assert f"身份证号{mask_id(identity.number)}" in text
            assert identity.number not in text
            assert identity.number[6:14] not in text                     # the birth date is hidden
            assert re.search(r"\d{6}\*{8}[\dX]{4}", text)
        else:
            assert "身份证号（有误，请核对）" in text
            assert _problems(generated, doc.app_id, 1)
    assert 0 < own < len(generated.by_kind(1))          # both paths are exercised by the sample


def test_publicity_period_ends_where_the_rules_core_says(book, generated):
    rows = _rows(book)
    s = book.settings
    seen = 0
    for doc in generated.by_kind(1):
        text = _text(doc.docx)
        start = parse_date(rows[doc.app_id].values_by_key.get("unit_publicity_start")).value
        if start is None:
            assert "公示时间从（未填）起至（未填）止" in text
            assert any(p.field == "单位公示开始" and p.message == "未填" for p in _problems(generated, doc.app_id, 1))
            continue
        end = book.calendar.publicity_end(start, s.unit_publicity_workdays)
        assert book.calendar.networkdays(start, end) >= 5                 # notice 四(二): at least 5 working days
        assert f"公示时间从{format_date(start)}起至{format_date(end)}止（公示期不少于{s.unit_publicity_workdays}个工作日）" in text
        seen += 1
    assert seen >= 40          # the sample fills 单位公示开始 for accepted applications
    by_id = {d.app_id: _text(d.docx) for d in generated.by_kind(1)}
    # 9-14 (Saturday) was a working day, 9-15..17 the Mid-autumn break; 9-29 (Sunday) worked, 10-1..7 off
    assert "2024年9月12日起至2024年9月19日止" in by_id["2024-060"]     # 12, 13, 14, 18, 19
    assert "2024年9月27日起至2024年10月9日止" in by_id["2024-061"]


def test_public_ids_are_shown_in_full_when_the_settings_say_so(tmp_path):
    book = read_book(SAMPLE)
    book.settings = dataclasses.replace(book.settings, mask_public_ids=False)
    report = generate_documents(book, tmp_path, kinds=[1], ids=["2024-001"])
    text = _text(report.documents[0].docx)
    number = check_id(_rows(book)["2024-001"].values_by_key["id_number"]).value.number
    assert f"身份证号{number}" in text


def test_attachment_2_carries_the_notice_sentence_word_for_word(book, generated):
    rows = _rows(book)
    for doc in generated.by_kind(2):
        paragraphs = [p.text for p in Document(str(doc.docx)).paragraphs]
        assert paragraphs.count(SENTENCE + "。") == 1                    # the sentence, ended with a full stop
        v = rows[doc.app_id].values_by_key
        assert f"申报人：{v['name']}（{v['sex']}）" in paragraphs
        assert f"工作单位：{v['employer']}" in paragraphs
        assert f"申报职称：{v['series']}{v['specialty']}专业{v['target_title']}（{v['route']}）" in paragraphs
        # who recommends (二(二), 三(二)): the agency for freelancers, the employment service on the private route
        s = book.settings
        if v.get("employer_type") == "自由职业":
            assert f"推荐单位：{s.freelance_recommender}" in paragraphs
        elif v.get("route") == "民营企业专项":
            assert f"推荐单位：{s.private_recommender}" in paragraphs
        else:
            assert f"推荐单位：{v['employer']}" in paragraphs


def test_attachment_3_is_the_notice_text_with_name_and_full_id(book, generated):
    rows = _rows(book)
    for doc in generated.by_kind(3):
        v = rows[doc.app_id].values_by_key
        paragraphs = [p.text.replace("\n", "") for p in Document(str(doc.docx)).paragraphs]
        assert COMMITMENT in paragraphs
        identity = check_id(v["id_number"]).value
        shown = identity.number if identity else "（有误，请核对）"
        assert any(p.startswith(f"本人{v['name']}，身份证号{shown}，申报{book.settings.campaign_year}年度") for p in paragraphs)
        assert any(p.startswith("承诺人（手写签名）：") for p in paragraphs)


def test_attachment_4_table_holds_the_register_values(book, generated):
    (doc,) = generated.by_kind(4)
    v = _rows(book)[doc.app_id].values_by_key
    table = Document(str(doc.docx)).tables[0]
    cell = lambda r, c: table.cell(r, c).text  # noqa: E731
    birth = parse_date(v["birth_date"]).value
    graduated = parse_date(v["graduation_date"]).value
    started = parse_date(v["work_start"]).value
    assert (cell(0, 1), cell(0, 3), cell(0, 5)) == (v["name"], v["sex"], f"{birth.year}年{birth.month}月")
    assert (cell(1, 1), cell(1, 3), cell(1, 5)) == (v["id_number"], v["education"], v["degree"])
    assert cell(2, 1) == f"{graduated.year}年{graduated.month}月毕业于{v['school']}{v['major']}专业"
    assert (cell(3, 1), cell(3, 5)) == (v["employer"], f"{started.year}年{started.month}月")
    assert (cell(4, 1), cell(4, 4)) == (v["current_title"], v["target_title"])
    assert cell(5, 1) == v["ce_exempt_reason"]
    assert cell(6, 1).startswith("审核单位：同级“访惠聚”办公室")     # still stationed: note 1
    assert "3.各地各部门不得私自设置免除继续教育学习事项及申请表（审批表）。" in _text(doc.docx)


@pytest.mark.parametrize("reason, office", [
    ("仍在“访惠聚”驻村工作", "同级“访惠聚”办公室"),
    ("抽调到地区“访惠聚”办公室工作", "同级“访惠聚”办公室"),
    ("参加驻村管寺工作", "同级党委统战部门"),
    ("参加南疆学前双语教育干部支教工作", "南疆四地州学前双语教育干部支教工作领导小组办公室"),
    ("“访惠聚”驻村工作已结束，已返回原单位", "原派驻单位所属的地州市或自治区区属主管单位"),
    ("驻村管寺工作已期满", "原派驻单位所属的地州市或自治区区属主管单位"),
    ("“访惠聚”驻村尚未返回", "同级“访惠聚”办公室"),
    ("身体原因", None),
])
def test_reviewing_office_follows_the_notes_of_the_form(reason, office):
    assert reviewing_office(reason, exemption_reviewers()) == office


def test_an_exemption_reason_matching_no_note_is_reported(tmp_path):
    book = _book_with({"2024-027": {"免修理由": "身体原因"}}, keep=("2024-027",))
    report = generate_documents(book, tmp_path, kinds=[4])
    assert "审核单位：（未能确定，请按表注填写）" in _text(report.documents[0].docx)
    assert any(p.field == "审核单位" and "身体原因" in p.message for p in report.problems)


# --- layout ---------------------------------------------------------------------------------

def _style_fonts(doc, name):
    style = doc.styles[name]
    fonts = style.element.rPr.find(qn("w:rFonts"))
    return fonts.get(qn("w:eastAsia")), style.font.size.pt if style.font.size else None


def test_every_document_is_an_a4_official_document_in_zh_cn(generated):
    paths = [d.docx for d in generated.documents] + list(generated.combined.values())
    for path in paths[::7] + list(generated.combined.values()):
        doc = Document(str(path))
        for section in doc.sections:
            assert round(section.page_width / Mm(1)) == 210 and round(section.page_height / Mm(1)) == 297
            margins = [round(getattr(section, f"{side}_margin") / Mm(1)) for side in ("top", "bottom", "left", "right")]
            assert margins == [37, 35, 28, 26]
            assert "PAGE" in section.footer._element.xml
        r_pr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        assert r_pr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
        assert r_pr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
        assert _style_fonts(doc, "公文标题") == ("方正小标宋简体", 22)        # 2号
        assert _style_fonts(doc, "公文正文")[1] == 16                          # 3号, 仿宋_GB2312 by default
        assert _style_fonts(doc, "附件标注")[0] == "黑体"
        assert _style_fonts(doc, "小标题")[0] == "黑体"
        settings_xml = zipfile.ZipFile(path).read("word/settings.xml").decode()
        assert 'w:eastAsia="zh-CN"' in settings_xml


def test_signature_and_seal_lines_as_in_the_notice(generated):
    for kind, lines in ((1, ("单位负责人签字：", "（推荐单位公章）", "年　　月　　日")),
                        (2, ("单位负责人签字：", "（推荐单位公章）", "年　　月　　日")),
                        (3, ("承诺人（手写签名）：", "年　　月　　日"))):
        doc = Document(str(generated.by_kind(kind)[0].docx))
        tail = [p for p in doc.paragraphs if p.style.name == "落款" and p.text.strip()]
        assert [p.text for p in tail] == list(lines)
        indents = [p.paragraph_format.left_indent for p in tail]
        assert indents == sorted(indents) and indents[0] > Mm(50)       # to the right, room to sign after the colon
        assert all(p.paragraph_format.keep_with_next for p in tail[:-1])   # never split across pages


# --- reproducibility --------------------------------------------------------------------------

def test_committed_templates_are_fresh():
    """Regenerate with: make templates"""
    for kind, att in ATTACHMENTS.items():
        fresh = build_template(kind)
        for path in (WORKBOOK_TEMPLATES / att.filename, packaged_folder() / att.packaged_name):
            assert path.exists(), f"{path} is missing: run make templates"
            assert path.read_bytes() == fresh, f"{path} is stale: run make templates"
    assert (WORKBOOK_TEMPLATES / "说明.txt").read_bytes() == readme_text().encode("utf-8-sig")


def test_golden_files_are_fresh(book, tmp_path):
    """Regenerate with: make golden"""
    fresh = golden_texts(book, tmp_path)
    stored = {p.name: p.read_text(encoding="utf-8") for p in GOLDEN.glob("*.txt")}
    assert set(stored) == set(fresh), "golden files differ in number: run make golden"
    for name, text in fresh.items():
        assert stored[name] == text, f"{name} is stale: run make golden"
    assert {n.split("-附件")[0] for n in stored if "-附件" in n} == set(GOLDEN_APPLICANTS)


def test_the_fast_renderer_gives_what_docxtpl_gives(tmp_path):
    from docxtpl import DocxTemplate

    data = build_template(1)
    template = CompiledTemplate(data)
    context = {name: f"<{name}>&“值”" for name in template.variables}
    context["业绩成果"] = "第一行\n第二行"
    ours = tmp_path / "ours.docx"
    ours.write_bytes(template.to_bytes(template.render(context)))
    source = tmp_path / "template.docx"
    source.write_bytes(data)
    reference = DocxTemplate(str(source))
    reference.render(context, autoescape=True)
    theirs = tmp_path / "theirs.docx"
    reference.save(str(theirs))
    # the same text; ours has line breaks where a renderer would split a kept word (LineKeeper)
    flat = lambda path: [p.text.replace("\n", "") for p in Document(str(path)).paragraphs]   # noqa: E731
    assert flat(ours) == flat(theirs)


def test_the_workbook_is_never_modified(tmp_path):
    copy = tmp_path / "台账.xlsx"
    shutil.copyfile(SAMPLE, copy)
    before = (hashlib.sha256(copy.read_bytes()).hexdigest(), copy.stat().st_mtime_ns)
    generate_documents(read_book(copy), tmp_path / "out")
    assert (hashlib.sha256(copy.read_bytes()).hexdigest(), copy.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "台账.xlsx"]


# --- bad input --------------------------------------------------------------------------------

def test_names_with_path_characters_give_safe_file_names_and_print_unchanged(tmp_path):
    name = 'A/B\\C:D*E?F"G<H>I|J&K'
    book = _book_with({"2024-001": {"姓名": name + "\x07", "申报编号": "../2024/001"}}, keep=("2024-001", "2024-002"))
    report = generate_documents(book, tmp_path)
    for path in [d.docx for d in report.documents] + list(report.combined.values()):
        assert tmp_path in (path.parent, path.parent.parent)          # nothing escaped the output folder
        assert not set(path.name) & set(FORBIDDEN)
        assert not any(ord(c) < 32 for c in path.name)
    mine = [d for d in report.documents if d.app_id == "../2024/001"]
    assert len(mine) == 3
    assert all(d.docx.name.startswith("2024_001-A_B_C_D_E_F_G_H_I_J&K-") for d in mine)
    for doc in mine:
        assert name in _text(doc.docx)
    assert f"现对{name}同志" in _text(next(d.docx for d in mine if d.kind == 1))
    assert name in _text(report.combined[1])
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file() and ".." in p.name) == []


def test_very_long_texts_are_printed_in_full(tmp_path):
    long_text = "\n".join(f"第{i}项：负责某公路养护工程的技术方案编制、质量控制与验收，" + "完成情况良好。" * 20
                          for i in range(1, 31))
    long_name = "艾力" + "·买买提" * 60
    book = _book_with({"2024-001": {"业绩成果": long_text, "姓名": long_name}}, keep=("2024-001",))
    report = generate_documents(book, tmp_path, kinds=[1])
    (doc,) = report.documents
    assert len(doc.docx.name.encode("utf-8")) <= 150
    paragraphs = [p.text.replace("\n", "") for p in Document(str(doc.docx)).paragraphs]
    achievements = next(p for p in paragraphs if p.startswith("业绩成果："))
    assert achievements == "业绩成果：" + long_text.replace("\n", "")
    assert long_name in "\n".join(paragraphs)


def test_missing_dates_show_as_missing_and_are_listed(tmp_path):
    book = _book_with({"2024-027": {"毕业时间": None, "学位": ""}}, keep=("2024-027",))
    report = generate_documents(book, tmp_path)
    by = {(d.app_id, d.kind): d for d in report.documents}
    table = Document(str(by[("2024-027", 4)].docx)).tables[0]
    assert table.cell(2, 1).text.startswith(MISSING + "毕业于")
    assert table.cell(1, 5).text == MISSING
    listed = {(p.app_id, p.kind, p.field) for p in report.problems}
    assert {("2024-027", 4, "毕业时间"), ("2024-027", 4, "学位")} <= listed
    assert report.exit_code == 1


def test_unusable_values_and_a_publicity_without_dates_hold_the_document_back(tmp_path):
    """Issue 17, B.8: attachments never print （有误，请核对）, （未能计算） or “（未填）起至（未填）止”:
    the document is held back, the report names applicant, attachment and reason, exit 1."""
    book = _book_with({"2024-027": {"单位公示开始": None, "参加工作时间": "去年七月"},
                       "2024-060": {"单位公示开始": "2031-03-03"}}, keep=("2024-027", "2024-060"))
    report = generate_documents(book, tmp_path)
    made = {(d.app_id, d.kind) for d in report.documents}
    assert made == {("2024-027", 2), ("2024-027", 3), ("2024-060", 2), ("2024-060", 3)}
    held = {(p.app_id, p.kind, p.field): p for p in report.problems if "暂不生成" in p.message}
    assert set(held) == {("2024-027", 1, "单位公示开始"), ("2024-027", 4, "参加工作时间"), ("2024-060", 1, "单位公示截止")}
    assert all(p.severity.value == "error" for p in held.values())
    assert "2031年放假安排未录入" in held["2024-060", 1, "单位公示截止"].message
    assert "无法识别的日期“去年七月”" in held["2024-027", 4, "参加工作时间"].message
    located = held["2024-027", 4, "参加工作时间"]
    assert str(located).endswith(f"（申报人员!{located.column}{located.row}）") and located.column
    for doc in report.documents:
        text = _text(doc.docx)
        assert "（有误，请核对）" not in text and "（未能计算）" not in text and f"{MISSING}起至" not in text
    assert report.held == {1: 2, 4: 1}
    summary = report.summary()
    assert "附件1 推荐单位公示：0份（2份内容有误或缺少公示日期，暂不生成" in summary
    assert "2024-027" in summary and "2024-060" in summary
    assert report.exit_code == 1


def test_blank_register_row_values_never_print_blank(tmp_path):
    blanks = {h: None for h in ("性别", "民族", "政治面貌", "工作单位", "系列", "专业", "拟申报职称", "现职称",
                                "思想政治表现", "业绩成果", "身份证号", "出生日期")}
    book = _book_with({"2024-001": blanks}, keep=("2024-001",))
    report = generate_documents(book, tmp_path, kinds=[1, 2, 3])
    for doc in report.documents:
        text = _text(doc.docx)
        assert MISSING in text
        assert not re.search(r"(身份证号|性别|族别|政治面貌|工作单位：|申报人：)[，。）\n]", text)   # nothing printed empty
        fields = {p.field for p in report.problems if p.kind == doc.kind}
        assert {"身份证号", "姓名"} - fields == {"姓名"} and "拟申报职称" in fields


def test_a_template_with_a_misspelt_placeholder_is_reported_and_not_used(tmp_path):
    folder = _template_with(tmp_path, 1, "word/document.xml", "{{ 姓名 }}", "{{ 姓铭 }}", once=True)
    report = generate_documents(read_book(SAMPLE), tmp_path / "out", kinds=[1, 2], ids=["2024-001"], templates=folder)
    (problem,) = [p for p in report.problems if p.kind == 1]
    assert "姓铭" in problem.message and problem.severity.value == "error"
    assert not report.by_kind(1) and len(report.by_kind(2)) == 1
    assert any("附件2使用内置模板" in n for n in report.notes)
    assert report.exit_code == 1


def _template_with(tmp_path, kind: int, part: str, old: str, new: str, *, once: bool = False):
    """A templates folder whose attachment ``kind`` has ``new`` where ``old`` stood in ``part``."""
    folder = tmp_path / "templates"
    folder.mkdir()
    with zipfile.ZipFile(io.BytesIO(build_template(kind))) as z:
        entries = {i: z.read(i) for i in z.namelist()}
    entries[part] = entries[part].replace(old.encode(), new.encode(), 1 if once else -1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for name, blob in entries.items():
            z.writestr(name, blob)
    (folder / ATTACHMENTS[kind].filename).write_bytes(buffer.getvalue())
    return folder


def _attachment_3_with(tmp_path, broken: str):
    """Attachment 3 with ``broken`` where {{ 姓名 }} stood."""
    return _template_with(tmp_path, 3, "word/document.xml", "本人{{ 姓名 }}", f"本人{broken}")


@pytest.mark.parametrize("broken, expected", [
    ("{{ 姓名 }", "占位符写法有误"),
    ("{{ 姓名 | }}", "占位符写法有误"),
    ("｛｛ 姓名 ｝｝", "不完整的占位符"),
])
def test_templates_with_broken_placeholders_are_reported(tmp_path, broken, expected):
    folder = _attachment_3_with(tmp_path, broken)
    report = generate_documents(read_book(SAMPLE), tmp_path / "out", kinds=[3], ids=["2024-001"], templates=folder)
    assert any(expected in p.message for p in report.problems), [str(p) for p in report.problems]


@pytest.mark.parametrize("broken, expected", [
    ("{{ 姓名.不存在 }}", "无法生成文档"),
    ("{{ 1 / 0 }}", "无法生成文档"),
    ("{{ \'&lt;w:p&gt;\'|safe }}", "不是有效的 XML"),
])
def test_templates_that_fail_when_rendered_are_reported_not_crashed(tmp_path, broken, expected):
    folder = _attachment_3_with(tmp_path, broken)
    report = generate_documents(read_book(SAMPLE), tmp_path / "out", kinds=[3], ids=["2024-001", "2024-002"],
                                templates=folder)
    assert not report.documents
    assert [p for p in report.problems if expected in p.message and p.kind == 3]


def test_names_are_printed_with_the_standard_middle_dot(tmp_path):
    book = _book_with({"2024-001": {"姓名": "艾力•买买提"}, "2024-002": {"姓名": "阿依古丽 ．依明"}},
                      keep=("2024-001", "2024-002"))
    report = generate_documents(book, tmp_path, kinds=[3])
    assert sorted(d.name for d in report.documents) == ["艾力·买买提", "阿依古丽·依明"]
    assert "本人艾力·买买提，" in _text(next(d.docx for d in report.documents if d.app_id == "2024-001"))


def test_a_placeholder_split_across_runs_by_word_still_works(tmp_path):
    split = "本人{{ 姓</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>名 }}"
    folder = _template_with(tmp_path, 3, "word/document.xml", "本人{{ 姓名 }}", split)
    book = read_book(SAMPLE)
    report = generate_documents(book, tmp_path / "out", kinds=[3], ids=["2024-001"], templates=folder)
    assert not [p for p in report.problems if p.field == "模板"]
    assert f"本人{_rows(book)['2024-001'].values_by_key['name']}，" in _text(report.documents[0].docx)


def test_placeholders_in_a_footer_print_each_applicants_own_values_in_the_combined_file(tmp_path):
    folder = _template_with(tmp_path, 3, "word/footer1.xml", "— ", "{{ 申报编号 }} — ", once=True)
    ids = ["2024-001", "2024-002", "2024-003"]
    report = generate_documents(read_book(SAMPLE), tmp_path / "out", kinds=[3], ids=ids, templates=folder)
    doc = Document(str(report.combined[3]))
    footers = ["".join(p.text for p in section.footer.paragraphs) for section in doc.sections]
    assert [f.split(" ")[0] for f in footers] == ids
    assert all(f.endswith("— 1 —") for f in footers)


def test_a_file_that_is_not_a_docx_is_reported(tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / ATTACHMENTS[2].filename).write_bytes(b"not a word file")
    report = generate_documents(read_book(SAMPLE), tmp_path / "out", kinds=[2], ids=["2024-001"], templates=folder)
    assert not report.documents
    assert any("不是有效的 Word 文档" in p.message for p in report.problems)


def test_attachment_2_template_without_the_sentence_is_reported(tmp_path):
    folder = _template_with(tmp_path, 2, "word/document.xml", "{{ 推荐意见 }}", "同意推荐")
    report = generate_documents(read_book(SAMPLE), tmp_path / "out", kinds=[2], ids=["2024-001"], templates=folder)
    assert any("四(四)" in p.message for p in report.problems)


def test_selection_by_ids_and_status(book, tmp_path):
    report = generate_documents(book, tmp_path / "a", kinds=[3], ids="2024-001, 2024-005,2099-999")
    assert sorted(d.app_id for d in report.documents) == ["2024-001", "2024-005"]
    assert any("2099-999" in p.message for p in report.problems)
    accepted = [r for r in book.table("applicants").rows if r.values_by_key.get("status") == "已接收材料"
                and r.values_by_key.get("app_id") not in ("2024-044", "2024-045")]     # one person, two routes (三)
    report = generate_documents(book, tmp_path / "b", kinds=[3], status="已接收材料")
    assert len(report.documents) == len(accepted) > 0
    assert sum("2024-044" in n or "2024-045" in n for n in report.notes) == 2
    report = generate_documents(book, tmp_path / "c", kinds=[3], status="已接收材料", include_held_back=True)
    assert len(report.documents) == len(accepted) + 2
    with pytest.raises(ValueError, match="附件编号"):
        generate_documents(book, tmp_path / "d", kinds=[5])


def test_an_unreadable_exemption_flag_is_reported(tmp_path):
    book = _book_with({"2024-027": {"免修继续教育": "也许"}}, keep=("2024-027",))
    report = generate_documents(book, tmp_path, kinds=[4])
    assert not report.documents
    assert any(p.field == "免修继续教育" and "是" in p.message for p in report.problems)


# --- file names ---------------------------------------------------------------------------

@pytest.mark.parametrize("char", list(FORBIDDEN) + ["\x00", "\x1f", "\x7f", "\n", "\u202e", "\u200b"])
def test_safe_filename_removes_each_path_and_control_character(char):
    name = safe_filename("2024-001", f"张{char}三", suffix=".docx")
    assert char not in name and name.endswith(".docx") and name.startswith("2024-001-张")


@pytest.mark.parametrize("parts, expected", [
    (("CON",), "_CON.pdf"), (("nul.txt",), "_nul.txt.pdf"), (("..",), "未命名.pdf"), (("",), "未命名.pdf"),
    ((" . 名 . ",), "名.pdf"), (("a", None, "", "b"), "a-b.pdf"), ((2024.0, "x"), "2024-x.pdf"),
])
def test_safe_filename_edge_cases(parts, expected):
    assert safe_filename(*parts, suffix="pdf") == expected


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=0, max_size=120), min_size=1, max_size=4))
def test_safe_filename_always_gives_a_name_the_file_system_accepts(tmp_path_factory, parts):
    name = safe_filename(*parts, suffix=".docx")
    assert name and name.endswith(".docx") and not name.startswith((".", " "))
    assert len(name.encode("utf-8")) <= 150
    assert not set(name) & set(FORBIDDEN) and not any(ord(c) < 32 for c in name)
    folder = tmp_path_factory.mktemp("names")
    (folder / name).write_bytes(b"")
    assert [p.name for p in folder.iterdir()] == [name]


# --- command line ---------------------------------------------------------------------------

def _run(*argv):
    from addin.cli import main

    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv))
    return f"拒绝：{err.getvalue()}" if code == 2 else code


def test_cli_writes_documents_and_returns_an_exit_code(tmp_path, capsys):
    book = tmp_path / "台账.xlsx"
    shutil.copyfile(SAMPLE, book)
    assert _run("docs", str(book), "--out", str(tmp_path / "a"), "--kind", "4") == 0
    out = capsys.readouterr().out
    assert "附件4 免除继续教育学习申请表：1份" in out and "没有发现问题" in out
    assert _run("docs", str(book), "--out", str(tmp_path / "b"), "--kind", "1,3", "--ids", "2024-001,2024-060") == 1
    out = capsys.readouterr().out
    assert "应经公示无异议后再提交" in out and "2024-060" in out          # publicised after it was submitted
    assert len(list((tmp_path / "b").rglob("*.docx"))) == 4 + 2


@pytest.mark.parametrize("argv, message", [
    (("--kind", "5"), "--kind"), (("--kind", "一"), "--kind"), (("--status", "已审核"), "不是台账中的状态"),
    (("--ids", "2099-001"), "没有符合条件"), (("--templates", "/nonexistent/模板"), "找不到模板文件夹"),
])
def test_cli_refuses_bad_options(tmp_path, argv, message):
    result = _run("docs", str(SAMPLE), "--out", str(tmp_path / "o"), *argv)
    assert isinstance(result, str) and message in result
    assert not (tmp_path / "o").exists()


def test_cli_refuses_missing_files_and_an_output_that_is_a_file(tmp_path):
    assert "找不到文件" in _run("docs", str(tmp_path / "无.xlsx"), "--out", str(tmp_path / "o"))
    target = tmp_path / "a-file"
    target.write_text("x")
    assert "是一个文件" in _run("docs", str(SAMPLE), "--out", str(target))


def test_cli_help_is_chinese(capsys):
    assert _run("docs", "--help") == 0
    out = capsys.readouterr().out
    assert "输出文件夹" in out and "附件" in out and "--pdf" in out


def test_progress_goes_to_a_plain_callback_as_excel_shows_it(book, tmp_path):
    messages = []
    report = generate_documents(book, tmp_path, kinds=[1, 3], progress=messages.append)
    assert all(m.startswith("生成附件 ") for m in messages)
    assert 5 <= len(messages) <= 60                       # throttled: the status bar is not redrawn per file
    live = 61 - len(HELD)
    assert messages[-1].endswith("完成") and f"{2 * live + 2}/{2 * live + 2}" in messages[-1]
    printed = live - len(UNPRINTABLE_IDS)
    assert len(report) == len(report.documents) + len(report.combined) == 2 * printed + 2


def test_the_terminal_progress_bar_draws_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    from addin.outputs.progress import TerminalProgress

    stream = Tty()
    bar = TerminalProgress(stream)
    bar.update(5, 10, "附件1 2024-005 张三")
    bar.close()
    assert "\r" in stream.getvalue() and " 50% 附件1 2024-005 张三" in stream.getvalue()


def test_demo_documents_summarises(book, tmp_path, monkeypatch):
    monkeypatch.setattr("addin.outputs.pdf.find_soffice", lambda: None)
    messages = []
    summary = demo_documents(book, tmp_path, messages.append)
    assert "附件1 推荐单位公示：" in summary and "未安装 LibreOffice" in summary
    assert messages and all(m.startswith("生成附件") for m in messages)


# --- PDF ------------------------------------------------------------------------------------

def test_pdf_failures_are_reported_even_though_soffice_says_nothing(book, tmp_path, monkeypatch):
    def fake(paths, out_dir=None, **kwargs):
        return {Path(p): None for p in paths}
    monkeypatch.setattr(docs_module, "convert_to_pdf", fake)
    report = generate_documents(book, tmp_path, kinds=[3], ids=["2024-001"], pdf=True)
    assert any("未能转换为PDF" in p.message and p.app_id == "2024-001" for p in report.problems)
    assert report.exit_code == 1


def test_missing_libreoffice_is_reported(book, tmp_path, monkeypatch):
    monkeypatch.setattr("addin.outputs.pdf.find_soffice", lambda: None)
    report = generate_documents(book, tmp_path, kinds=[3], ids=["2024-001"], pdf=True)
    assert len(report.documents) == 1
    assert any("未找到 LibreOffice" in p.message for p in report.problems)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.libreoffice
def test_pdfs_hold_the_chinese_text_on_a4_with_embedded_fonts(book, tmp_path):
    require_tools("soffice", "pdftotext", "pdftoppm", "pdffonts")
    report = generate_documents(book, tmp_path, ids=GOLDEN_APPLICANTS, pdf=True)
    assert not [p for p in report.problems if "PDF" in p.message], [str(p) for p in report.problems]
    assert all(d.pdf and d.pdf.exists() for d in report.documents)
    assert all(p and p.exists() for p in report.combined_pdf.values())
    for doc in report.documents:
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(doc.pdf), "-"], capture_output=True, check=True,
                              text=True).stdout
        flat = "".join(text.split())
        assert doc.name in flat and ATTACHMENTS[doc.kind].title in flat
        fonts = subprocess.run(["pdffonts", str(doc.pdf)], capture_output=True, check=True, text=True).stdout
        rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
        assert rows, fonts
        emb = fonts.splitlines()[0].index("emb")
        assert all(line[emb:emb + 3].strip() == "yes" for line in fonts.splitlines()[2:] if line.strip()), fonts
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(report.by_kind(2)[0].pdf), "-"], capture_output=True,
                          check=True, text=True).stdout
    assert SENTENCE in "".join(text.split())
    one = report.by_kind(1)[0].pdf
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(one), str(tmp_path / "page")], check=True)
    (png,) = tmp_path.glob("page*.png")
    width, height = _png_size(png)
    assert abs(height / width - 297 / 210) < 0.01, (width, height)
    assert abs(width - 210 / 25.4 * 40) <= 2
    pages = subprocess.run(["pdfinfo", str(report.combined_pdf[1])], capture_output=True, check=True, text=True).stdout
    assert re.search(r"Pages:\s+2\b", pages)


@pytest.mark.libreoffice
def test_convert_to_pdf_reports_a_file_that_does_not_convert(tmp_path):
    require_tools("soffice", "pdftotext", "pdftoppm", "pdffonts")
    good = tmp_path / "好.docx"
    template = CompiledTemplate(build_template(3))
    good.write_bytes(template.to_bytes(template.render({v: "测试" for v in template.variables})))
    bad = tmp_path / "坏.docx"
    bad.write_bytes(b"PK\x03\x04 this is not a document")
    stale = tmp_path / "坏.pdf"
    stale.write_bytes(b"%PDF-1.4 an old file")
    other = tmp_path / "sub"
    other.mkdir()
    same_stem = other / "好.docx"
    shutil.copyfile(good, same_stem)
    result = convert_to_pdf([good, bad, same_stem])
    assert result[good] == tmp_path / "好.pdf" and result[good].exists()
    assert result[same_stem] == other / "好.pdf" and result[same_stem].exists()
    assert result[bad] is None and not stale.exists()
    with pytest.raises(ValueError):
        convert_to_pdf([good, same_stem], tmp_path / "together")
