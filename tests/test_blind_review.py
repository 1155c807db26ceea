"""What goes to the committee singles nobody out (notice 四(一)3); who takes part (三,
四(一)1, 一(一)); only the tally publishes (一(五)).

The uniqueness scan reads back every cell, header, footer, paragraph and property of
every file in 送评委 and fails on any value that only one applicant on the roster has,
except the fields the committee votes on (code, series, specialty, target title,
defence marker) and the roster's own numbering (序号, 答辩顺序: positions in an order
sorted by the random codes).
"""

import datetime as dt
import re
from pathlib import Path

from docx import Document
from openpyxl import load_workbook

from addin.book import schema
from addin.book.refresh import check, refresh
from addin.cli import main
from addin.outputs.meeting import CONFIDENTIAL, KEPT_IN_OFFICE, TO_COMMITTEE, Entry, Roster, build_roster, write_roster
from addin.outputs.publicity import build_publicity, withheld
from addin.outputs.tables import cell_text
from addin.rules.meeting import PASSED
from conftest import require_tools

NOW = dt.datetime(2024, 10, 20, 10, 0)
POSITIONAL = ("序号", "答辩顺序")          # numbering of the roster itself, not a property of anyone


def _positional(header: str) -> bool:
    return "".join(header.split()) in POSITIONAL      # a header may be broken over two lines


# --- reading every piece of text of an output ---------------------------------------------------

def _cell(value) -> str:
    return cell_text(value).strip()        # as the outputs print it (dates 2024年9月10日, 5.0 as 5)


def _xlsx_pieces(path: Path) -> tuple[list[str], list[str]]:
    """(table cells outside positional columns, other text: titles, notes, headers,
    footers, sheet names, properties)."""
    wb = load_workbook(path)
    cells, texts = [], [wb.properties.title or "", wb.properties.creator or "", wb.properties.subject or "",
                        wb.properties.description or "", wb.properties.lastModifiedBy or ""]
    for ws in wb.worksheets:
        texts.append(ws.title)
        for hf in (ws.oddHeader, ws.evenHeader, ws.firstHeader, ws.oddFooter, ws.evenFooter, ws.firstFooter):
            texts += [hf.left.text or "", hf.center.text or "", hf.right.text or ""]
        skip: set[int] = set()
        for row in ws.iter_rows():
            values = [_cell(c.value) for c in row]
            if any(_positional(v) for v in values):           # the header row of the table
                skip = {i for i, v in enumerate(values) if _positional(v)}
                texts += values
                continue
            for i, v in enumerate(values):
                if v and i not in skip:
                    (cells if skip else texts).append(v)
    return cells, texts


def _docx_pieces(path: Path) -> tuple[list[str], list[str]]:
    doc = Document(path)
    cells, texts = [], [p.text for p in doc.paragraphs]
    for table in doc.tables:
        header = [c.text.strip() for c in table.rows[0].cells]
        texts += header
        skip = {i for i, v in enumerate(header) if _positional(v)}
        for row in table.rows[1:]:
            cells += [c.text.strip() for i, c in enumerate(row.cells) if i not in skip and c.text.strip()]
    for s in doc.sections:
        for part in (s.header, s.footer, s.first_page_header, s.even_page_header):
            texts += [p.text for p in part.paragraphs]
    cp = doc.core_properties
    texts += [cp.author or "", cp.title or "", cp.subject or "", cp.comments or "", cp.keywords or "",
              cp.category or "", cp.last_modified_by or ""]
    return cells, [t for t in texts if t]


def _pieces(path: Path) -> tuple[list[str], list[str]]:
    return _xlsx_pieces(path) if path.suffix == ".xlsx" else _docx_pieces(path)


def _forms(value) -> set[str]:
    """The ways a register value can be printed."""
    out = {_cell(value)}
    if isinstance(value, (dt.date, dt.datetime)):
        day = value.date() if isinstance(value, dt.datetime) else value
        out |= {day.isoformat(), f"{day.year}.{day.month}.{day.day}", f"{day.year}/{day.month}/{day.day}"}
    if isinstance(value, float):
        out.add(f"{value:g}")
    return {v for v in out if v}


def allowed_words(roster) -> set[str]:
    """What the committee votes on: code, series, specialty, target title, defence marker."""
    out = set()
    for e in roster.entries:
        out |= {e.code, e.series, e.specialty, e.title, e.level, e.defense}
    return {w for w in out if w}


def unique_values(book, ev, roster) -> dict[str, str]:
    """Every value of the register that exactly one applicant on the roster has (value ->
    application id), minus what the committee votes on."""
    on_roster = {e.app_id for e in roster.entries}
    allowed = allowed_words(roster)
    holders: dict[str, set[str]] = {}
    for row in book.table("applicants").rows:
        app_id = _cell(row.values_by_key.get("app_id"))
        if app_id not in on_roster:
            continue
        values = list(row.values_by_key.values()) + list(ev.computed[row.number].values())
        for value in values:
            for form in _forms(value):
                holders.setdefault(form, set()).add(app_id)
    return {v: next(iter(ids)) for v, ids in holders.items() if len(ids) == 1 and v not in allowed}


def scan(files: list[Path], unique: dict[str, str], allowed: set[str]) -> list[str]:
    """Where a blind output holds a value only one applicant has: a table cell equal to
    it, or any text containing a non-numeric one of two characters or more once the
    ``allowed`` words (what the committee votes on) are taken out."""
    leaks = []
    words = [v for v in unique if len(v) >= 2 and not re.fullmatch(r"[\d.]+", v)]
    for f in files:
        cells, texts = _pieces(f)
        for c in cells:
            if c in unique:
                leaks.append(f"{f.name}: cell “{c}” is {unique[c]}'s alone")
        for t in cells + texts:
            for a in sorted(allowed, key=len, reverse=True):     # 高级工 inside 高级工程师 is the title
                t = t.replace(a, "□")
            for w in words:
                if w in t:
                    leaks.append(f"{f.name}: “{t[:40]}” holds “{w}”, {unique[w]}'s alone")
    return leaks


def _roster_files(book_path: Path, out: Path):
    report = refresh(book_path, now=NOW, user="测试")
    roster = build_roster(report.book, report.evaluation)
    files = write_roster(roster, out)
    return report, roster, files


# --- the sample and adversarial registers ---------------------------------------------------------

def test_no_blind_output_holds_a_value_only_one_applicant_has(book, tmp_path):
    report, roster, files = _roster_files(book, tmp_path / "out")
    blind = [f for f in files if f.parent.name == TO_COMMITTEE]
    assert {f.name for f in blind} == {"评审会投票表.docx", "评审会投票表.xlsx", "评审会名单-盲评.docx",
                                       "评审会名单-盲评.xlsx"}
    unique = unique_values(report.book, report.evaluation, roster)
    # the sample has such values: the only 免修, the only 不作硬性要求, one-off classes, names...
    assert {"免修", "不作硬性要求", "高级工班"} <= set(unique)
    assert scan(blind, unique, allowed_words(roster)) == []
    # and the scan does find them where they are meant to be: the internal roster names people
    internal = [f for f in files if f.parent.name == KEPT_IN_OFFICE and f.suffix == ".docx"]
    assert scan(internal, unique, allowed_words(roster))


def _edit(path: Path, changes: dict[str, dict[str, object]]) -> None:
    """Set cells of 申报人员 by application id and header."""
    wb = load_workbook(path)
    ws = wb[schema.APPLICANT_SHEET]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        app_id = row[header.index("申报编号")].value
        for column, value in changes.get(app_id, {}).items():
            row[header.index(column)].value = value
    wb.save(path)


ADVERSARIAL = {
    # free text where the blind roster prints list words: must keep them off the roster
    "2024-001": {"专业": "公路（特大桥 艾合买提·库尔班组）"},
    "2024-002": {"系列": "工程系列 王建国"},
    # one-off values everywhere else on the row
    "2024-003": {"学历": "博士研究生", "毕业院校": "克孜尔理工学院", "所学专业": "隧道与地下工程（唯一）"},
    "2024-008": {"免修继续教育": "是", "免修理由": "援疆干部返回原单位"},
    "2024-009": {"备注": "2024-009 内部备注：其爱人在评委单位"},
    "2024-007": {"拟申报职称": "高工"},                         # an alias: printed as the list's word
}


def test_adversarial_register_blind_outputs_stay_anonymous(book, tmp_path):
    _edit(book, ADVERSARIAL)
    report, roster, files = _roster_files(book, tmp_path / "out")
    excluded = {a: why for a, _, why in roster.excluded}
    assert "专业“公路（特大桥 艾合买提·库尔班组）”不在字典中" in excluded["2024-001"]
    assert "系列“工程系列 王建国”不在字典中" in excluded["2024-002"]
    on = {e.app_id: e for e in roster.entries}
    assert "2024-003" in on and "2024-009" in on
    blind = [f for f in files if f.parent.name == TO_COMMITTEE]
    unique = unique_values(report.book, report.evaluation, roster)
    assert {"克孜尔理工学院", "隧道与地下工程（唯一）"} <= set(unique)
    assert scan(blind, unique, allowed_words(roster)) == []


def test_every_page_of_the_key_and_the_internal_roster_is_marked_confidential(tmp_path):
    """A key long enough for several pages, rendered with LibreOffice: each page says so."""
    from addin.outputs.pdf import convert_to_pdf, pdf_text

    require_tools("soffice")
    entries = [Entry(f"GL-{i:03d}", f"2024-{i:03d}", f"申报人{i}", "阿克苏地区公路管理局", "工程系列", "公路", "工程师",
                     "中级", "免答辩") for i in range(1, 150)]
    roster = Roster("测试评审会", dt.date(2024, 10, 18), entries, [("2024-900", "某某", "状态为视为放弃")],
                    ["公路", "运输", "交通经济"])
    files = write_roster(roster, tmp_path / "out")
    office = [f for f in files if f.parent.name == KEPT_IN_OFFICE]
    assert len(office) == 3
    for f in office:
        if f.suffix == ".xlsx":
            for ws in load_workbook(f).worksheets:
                assert CONFIDENTIAL in ws.oddHeader.left.text and CONFIDENTIAL in ws.evenHeader.left.text
                assert CONFIDENTIAL in ws.firstHeader.left.text
    pdfs = {**convert_to_pdf([f for f in office if f.suffix == ".xlsx"], tmp_path / "xlsx"),
            **convert_to_pdf([f for f in office if f.suffix == ".docx"], tmp_path / "docx")}
    for source, pdf in pdfs.items():
        assert pdf is not None, source
        pages = pdf_text(pdf).split("\f")
        pages = [p for p in pages if p.strip()]
        assert len(pages) >= 2, source.name
        for n, page in enumerate(pages, start=1):
            assert "内部资料" in page and "注意保密" in page, f"{source.name} page {n}"
    for f in files:
        if f.parent.name == TO_COMMITTEE:
            assert "申报人1" not in "".join(sum(_pieces(f), []))


# --- who takes part ----------------------------------------------------------------------------

def test_inactive_statuses_and_route_conflicts_get_no_roster_place(book, tmp_path, capsys):
    report, roster, _ = _roster_files(book, tmp_path / "out")
    on = {e.app_id for e in roster.entries}
    why = {a: r for a, _, r in roster.excluded}
    assert not on & {"2024-044", "2024-045", "2024-046", "2024-051", "2024-052"}
    assert "同一人两种方式申报待处理（三）" in why["2024-044"] and "同一人两种方式申报待处理（三）" in why["2024-045"]
    assert why["2024-051"] == "状态为视为放弃"
    assert why["2024-052"] == "状态与审核记录不符，待核"          # 填报中 past 8-30 18:00: 视为放弃 by the log
    # the register says so too, and both twins keep a code for when the clerk resolves it
    computed = {r.values_by_key["app_id"]: report.evaluation.computed[r.number] for r in report.book.table("applicants").rows}
    assert computed["2024-044"]["meeting_due"].startswith("不上会：同一人两种方式申报待处理（三）")
    assert computed["2024-044"]["blind_code"] and computed["2024-045"]["blind_code"]
    # on explicit request they are listed
    both = build_roster(report.book, report.evaluation, include_held_back=True)
    assert {"2024-044", "2024-045"} <= {e.app_id for e in both.entries}
    assert main(["roster", str(book), "--out", str(tmp_path / "cli"), "--as-of", "2024-10-20"]) == 0
    out = capsys.readouterr().out
    assert "2024-044" in out and "两种方式" in out and "--all" in out
    assert main(["roster", str(book), "--out", str(tmp_path / "all"), "--as-of", "2024-10-20", "--all"]) == 0
    key = load_workbook(tmp_path / "all" / KEPT_IN_OFFICE / "编号对照表-内部.xlsx").active
    assert "2024-044" in [c.value for row in key.iter_rows() for c in row]


# --- only the tally publishes ----------------------------------------------------------------

def test_a_typed_pass_without_a_ballot_is_a_finding_not_a_publication(book, tmp_path, capsys):
    bk, ev = check(book, now=NOW)
    row = next(r for r in bk.table("applicants").rows if r.values_by_key["app_id"] == "2024-058")
    assert row.values_by_key["status"] == PASSED and ev.computed[row.number]["meeting_result"] is None
    table, _ = build_publicity(bk, ev, dt.date(2024, 10, 21))
    name = row.values_by_key["name"]
    assert name not in [r[1] for r in table.rows]
    passed = {r.values_by_key["name"] for r in bk.table("applicants").rows
              if ev.computed[r.number].get("meeting_result") == PASSED}
    assert {r[1] for r in table.rows} == passed and len(passed) >= 8
    held = withheld(bk, ev)
    assert [f.row for f in held] == [row.number] and held[0].who.startswith("2024-058") and "2024-058" in str(held[0])
    assert any(f.row == row.number and f.column == bk.table("applicants").letter("status") and "不列入评审结果公示"
               in f.message for f in ev.errors)
    assert main(["publicity", str(book), "--out", str(tmp_path / "p"), "--start", "2024-10-21"]) == 1
    assert "2024-058" in capsys.readouterr().out


def test_a_passing_tally_publishes_whatever_the_status_says(book):
    bk, ev = check(book, now=NOW)
    first = next(r for r in bk.table("applicants").rows if ev.computed[r.number].get("meeting_result") == PASSED
                 and r.values_by_key["status"] != PASSED)          # the sample leaves one for the clerk
    table, _ = build_publicity(bk, ev, dt.date(2024, 10, 21))
    assert first.values_by_key["name"] in [r[1] for r in table.rows]
    assert any(f.row == first.number and "请更新状态" in f.message for f in ev.findings)


def test_a_tally_without_quorum_publishes_nobody(book):
    wb = load_workbook(book)
    ws = wb[schema.MEETING_SHEET]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        row[header.index("出席人数")].value = 5          # 5 of 9: below 2/3
    wb.save(book)
    bk, ev = check(book, now=NOW)
    table, _ = build_publicity(bk, ev, dt.date(2024, 10, 21))
    assert table.rows == []
    assert len(withheld(bk, ev)) >= 8


def test_documents_only_for_live_applications_unless_asked(book, tmp_path, capsys):
    ended = "2024-046,2024-051,2024-052"       # 不予受理, 视为放弃, and 填报中 that the log makes 视为放弃 (unsettled)
    assert main(["docs", str(book), "--out", str(tmp_path / "a"), "--kind", "3", "--ids", ended]) == 2
    assert "--all" in capsys.readouterr().err and not (tmp_path / "a").exists()
    assert main(["docs", str(book), "--out", str(tmp_path / "b"), "--kind", "3", "--ids", ended, "--all"]) == 0
    assert len(list((tmp_path / "b" / "附件3-个人承诺书").glob("*.docx"))) == 3
    capsys.readouterr()
    # the whole register: the twins, the ended and the unsettled are named in the report, the rest are written
    assert main(["docs", str(book), "--out", str(tmp_path / "c"), "--kind", "3"]) == 1     # the sample's bad IDs
    out = capsys.readouterr().out
    assert "未生成附件（申报已终止）：不予受理3人、视为放弃1人" in out and "2024-044" in out and "2024-045" in out
    assert "2024-052" in out and "状态为“填报中”，按审核记录应为“视为放弃”" in out
    problems = out.split("需要处理的问题")[1]
    assert "2024-041" in problems and not any(a in problems for a in ("2024-044", "2024-046", "2024-051", "2024-052"))
    written = {p.name[:8] for p in (tmp_path / "c" / "附件3-个人承诺书").glob("*.docx")}
    assert len(written) == 61 - 8 - 2 and not written & {"2024-044", "2024-045", "2024-046", "2024-051", "2024-052"}
