"""Hostile files and faults, third pass (issue 19): every reader bounded, every write whole,
nothing a clerk built in Excel destroyed, no crash without a Chinese message.

Each test builds its file in the test: a copy of the sample register (or a minimal
package) with parts patched inside the zip the way another program, a damaged disk or
an attacker would leave them.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from addin.book import schema as _schema
from addin.xlsx.limits import PackageRefused
from addin.book.sample import SAMPLE
from addin.xlsx.reader import read_values
from addin.cli import main
from openpyxl.utils import get_column_letter

#: the sample's 申报人员 columns by key (its continuing-education years are 2021-2024): computed
#: columns move when an input column is added, so the tests name them from the schema
_COLUMNS = {c.key: get_column_letter(i) for i, c in enumerate(_schema.applicant_sheet(range(2021, 2025)).columns, 1)}
CODE, FEE, OWED, LAST = _COLUMNS["blind_code"], _COLUMNS["fee_due"], _COLUMNS["fee_balance"], get_column_letter(len(_COLUMNS))

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2024-09-05 10:00"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
WORKSHEET_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


# --- building files ---------------------------------------------------------------------------------

def parts_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {info.filename: z.read(info.filename) for info in z.infolist()}


def write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, payload in parts.items():
            z.writestr(name, payload)


def patch_part(path: Path, part: str, change) -> None:
    """Rewrite one member through ``change(text) -> text``; the others are kept."""
    parts = parts_of(path)
    parts[part] = change(parts[part].decode("utf-8")).encode("utf-8")
    write_parts(path, parts)


def sheet_part(path: Path, sheet: str) -> str:
    """The zip member of a sheet, through the workbook's relationships."""
    parts = parts_of(path)
    rid = re.search(rf'<sheet [^>]*name="{re.escape(sheet)}"[^>]*r:id="([^"]+)"', parts["xl/workbook.xml"].decode())
    target = re.search(rf'Id="{rid.group(1)}"[^>]*Target="([^"]+)"|Target="([^"]+)"[^>]*Id="{rid.group(1)}"',
                       parts["xl/_rels/workbook.xml.rels"].decode())
    return "xl/" + (target.group(1) or target.group(2)).lstrip("/").removeprefix("xl/")


def add_sheet(path: Path, name: str, sheet_data: str, extra: str = "") -> str:
    """A worksheet of the clerk's own (XML as written here) added at the end of the tabs."""
    parts = parts_of(path)
    n = 1
    while f"xl/worksheets/sheet{n}.xml" in parts:
        n += 1
    part = f"xl/worksheets/sheet{n}.xml"
    parts[part] = (f'<worksheet xmlns="{MAIN}" xmlns:x="{MAIN}"><sheetData>{sheet_data}</sheetData>{extra}'
                   f'</worksheet>').encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", f'<Relationship Id="rIdClerk{n}" Type="{REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                            f'</Relationships>').encode()
    book = parts["xl/workbook.xml"].decode()
    parts["xl/workbook.xml"] = book.replace(
        "</sheets>", f'<sheet xmlns:r="{REL}" name="{name}" sheetId="{90 + n}" r:id="rIdClerk{n}"/></sheets>').encode()
    types = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = types.replace(
        "</Types>", f'<Override PartName="/{part}" ContentType="{WORKSHEET_CT}"/></Types>').encode()
    write_parts(path, parts)
    return part


def minimal_book(path: Path, sheet_data: str) -> None:
    """A one-sheet package (sheet "S") with a date style (index 1)."""
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{WORKSHEET_CT}"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '</Types>',
        "_rels/.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/></Relationships>',
        "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
        '</numFmts><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs>'
        '</styleSheet>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}" xmlns:x="{MAIN}"><sheetData>{sheet_data}</sheetData>'
        '</worksheet>',
    }
    write_parts(path, {k: v.encode() for k, v in parts.items()})


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out + out.err


def has_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


# --- 1. a cell reference written any way never lets calamine allocate an unbounded grid ----------------

FILLER = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>填充</t></is></c></row>' for n in range(1, 20000, 900))

FAR_CELLS = {
    "attribute s before r": '<row r="20000"><c s="0" r="XFD20000"><v>1</v></c></row>',
    "single quotes": "<row r=\"20000\"><c r='XFD20000'><v>1</v></c></row>",
    "spaces around =": '<row r="20000"><c r = "XFD20000"><v>1</v></c></row>',
    "a line break before r": '<row r="20000"><c\nr="XFD20000"><v>1</v></c></row>',
    "a tab before r, two letters": '<row r="20000"><c\tr="ZZ1048576"><v>1</v></c></row>',
    "a namespace prefix": '<row r="20000"><x:c r="XFD20000"><x:v>1</x:v></x:c></row>',
}
FAR_SHEETS = {name: FILLER + cell for name, cell in FAR_CELLS.items()}
FAR_SHEETS["a cell far below its row"] = '<row r="1"><c r="A1"><v>1</v></c></row><row r="2"><c r="ZZ1048576"><v>1</v></c></row>'



@pytest.mark.parametrize("cells", FAR_SHEETS.values(), ids=FAR_SHEETS.keys())
def test_a_far_cell_written_any_way_is_read_by_the_streaming_parser_not_calamine(tmp_path, monkeypatch, cells):
    """issue 19.1: the scan that guards calamine's dense grid looked for ``<c r="`` only;
    a reference written another way (or a cell below every row) passed it, and calamine
    asked for 10 GB. Now such a sheet never reaches calamine, and the far cell is read."""
    from addin.xlsx import fastpath

    path = tmp_path / "远.xlsx"
    minimal_book(path, cells)
    assert not fastpath.plain_sheet(zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml"))
    used: list[str] = []
    monkeypatch.setattr(fastpath, "calamine_parse", lambda workbook, name: used.append(name))     # never parse it here
    sheet = read_values(path)["S"]
    assert not used
    assert sheet.rows[-1][1] == {16383 if "XFD" in cells else 701: 1}
    assert len(sheet.rows) == cells.count("</row>")


def test_a_76_kb_register_with_a_far_cell_is_checked_within_bounded_memory(tmp_path):
    """issue 19.1 end to end: the hostile sheet is the register's largest (so calamine
    would parse it first); ``check`` runs in a process whose address space is capped at
    3 GB (calamine asked for 10 GB and the process aborted, exit 134, no message)."""
    path = tmp_path / "台账.xlsx"
    shutil.copyfile(SAMPLE, path)
    big = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{"填充" * 2500}</t></is></c></row>'
                  for n in range(1, 20000, 900))
    add_sheet(path, "我的表", big + '<row r="20000"><c s="0" r="XFD20000"><v>1</v></c></row>')
    assert path.stat().st_size < 200_000
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30)); "
            "from addin.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "check", str(path), "--as-of", AS_OF], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-2000:])
    assert "共" in done.stdout and "条" in done.stdout


@pytest.mark.parametrize("ref", ["B!5", "5", "ZZZZ5", "XFE5", "B 5"])
def test_a_cell_reference_excel_cannot_hold_is_one_chinese_refusal(tmp_path, ref):
    path = tmp_path / "坏位置.xlsx"
    minimal_book(path, f'<row r="5"><c r="A5"><f>1</f><v>1</v></c><c r="{ref}"><v>2</v></c></row>')
    with pytest.raises(PackageRefused, match=f"已损坏.*单元格位置“{re.escape(ref)}”"):
        read_values(path)


@pytest.mark.parametrize("row", ["0", "1048577", "abc", "-3"])
def test_a_row_number_excel_cannot_hold_is_one_chinese_refusal(tmp_path, row):
    path = tmp_path / "坏行.xlsx"
    minimal_book(path, f'<row r="{row}"><c r="A1"><f>1</f><v>1</v></c></row>')
    with pytest.raises(PackageRefused, match="已损坏.*不是 Excel 的单元格"):
        read_values(path)


def test_an_escaped_control_character_reads_the_same_on_both_parsers(tmp_path):
    """Excel writes a pasted vertical tab as ``_x000B_`` (and a literal ``_x`` as
    ``_x005F_x``): calamine decoded it, the streaming parser did not; both decode now."""
    from python_calamine import CalamineWorkbook

    from addin.xlsx.reader import PackageReader

    texts = ["艾合买提_x000B_库尔班", "_x005F_x000B_", "_x0041_", "x_x00_y"]
    cells = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{t}</t></is></c>' for i, t in enumerate(texts))
    path = tmp_path / "转义.xlsx"
    minimal_book(path, f'<row r="1">{cells}</row>')
    package = PackageReader.open(path)
    try:
        streamed = package.read_sheet("S", "xl/worksheets/sheet1.xml", False).rows
    finally:
        package.close()
    workbook = CalamineWorkbook.from_path(str(path))
    fast = workbook.get_sheet_by_name("S").to_python()
    workbook.close()
    assert streamed == [(1, {0: "艾合买提\x0b库尔班", 1: "_x000B_", 2: "A", 3: "x_x00_y"})]
    assert [streamed[0][1][i] for i in range(4)] == fast[0]


# --- 7. a damaged package is the same Chinese refusal for every command -----------------------------------

def _local_header_data(path: Path, part: str) -> tuple[int, int]:
    """(offset, length) of one member's compressed bytes in the file."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(part)
    raw = path.read_bytes()
    name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26:info.header_offset + 30])
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


def bad_crc(path: Path, part: str) -> None:
    """The member's checksum (in both headers) no longer matches its bytes."""
    with zipfile.ZipFile(path) as z:
        crc = z.getinfo(part).CRC
    raw = path.read_bytes()
    old, new = struct.pack("<I", crc), struct.pack("<I", crc ^ 0xFFFFFFFF)
    assert raw.count(old) >= 2
    path.write_bytes(raw.replace(old, new))


def bad_deflate(path: Path, part: str) -> None:
    """Bytes in the middle of the member's deflate stream garbled."""
    start, length = _local_header_data(path, part)
    raw = bytearray(path.read_bytes())
    for i in range(start + length // 3, start + length // 3 + 24):
        raw[i] ^= 0xA5
    path.write_bytes(bytes(raw))


def doctype(path: Path, part: str) -> None:
    """An internal DTD with an entity, used in the first inline string of the part."""
    def change(xml: str) -> str:
        root = re.search(r"<[A-Za-z]", xml).start()
        xml = xml[:root] + '<!DOCTYPE r [<!ENTITY e "实体">]>' + xml[root:]
        return re.sub(r"(<is><t>)", r"\1&e;", xml, count=1)
    patch_part(path, part, change)


def bad_reference(path: Path, part: str) -> None:
    patch_part(path, part, lambda xml: xml.replace('<c r="B5"', '<c r="B!5"', 1))


DAMAGE = {
    "a wrong checksum in the applicants' table part": (bad_crc, "xl/tables/table2.xml", "校验和不符"),
    "a wrong checksum in the applicants' sheet": (bad_crc, "申报人员", "校验和不符"),
    "deflate data that does not inflate (theme)": (bad_deflate, "xl/theme/theme1.xml", "压缩数据无法解压"),
    "deflate data that does not inflate (experts)": (bad_deflate, "评委", ""),
    "an entity in a sheet": (doctype, "申报人员", "DOCTYPE"),
    "a DOCTYPE in the content types": (doctype, "[Content_Types].xml", "DOCTYPE"),
    "a bad r= attribute": (bad_reference, "申报人员", "B!5"),
}


@pytest.fixture(scope="module")
def intake_files(tmp_path_factory):
    """A finance file and a platform export made from a sound copy of the sample."""
    from exports import write_export

    folder = tmp_path_factory.mktemp("intake")
    sound = folder / "台账.xlsx"
    shutil.copyfile(SAMPLE, sound)
    assert main(["finance", "export", str(sound), str(folder / "缴费表.xlsx"), "--as-of", AS_OF]) == 0
    write_export(folder / "平台导出.xlsx", [{"身份证号": "652901199001011234", "姓名": "新人", "系列": "工程系列",
                                          "拟申报职称": "工程师"}])
    return folder / "缴费表.xlsx", folder / "平台导出.xlsx"


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_package_is_the_same_refusal_for_every_command(tmp_path, capsys, intake_files, damage):
    """issue 19.7: ``check`` refused a damaged file with exit 2, but refresh, roster, draw,
    record and import met the damage later (when the writer copied or parsed a part) and
    crashed (zlib.error, BadZipFile, CalamineError, ValueError: exit 3). Every command now
    gives the one Chinese refusal, and nothing is written."""
    change, where, words = damage
    finance, export = intake_files
    commands = {
        "check": ["check"], "refresh": ["refresh"], "roster": ["roster", "--out", "{out}"],
        "draw": ["draw", "--out", "{out}", "--redraw", "评委临时不能到会"], "record": ["record", "--out", "{out}"],
        "forms": ["record", "--out", "{out}", "--forms"], "import": ["import", "{book}", str(export)],
        "finance import": ["finance", "import", "{book}", str(finance)], "publicity": ["publicity", "--out", "{out}",
                                                                                       "--start", "2024-10-21"],
    }
    answers = {}
    for name, args in commands.items():
        book = tmp_path / f"{name}.xlsx"
        shutil.copyfile(SAMPLE, book)
        part = where if "/" in where or where.startswith("[") else sheet_part(book, where)
        change(book, part)
        before = book.read_bytes()
        out = tmp_path / f"out-{name}"
        argv = [a.format(out=out, book=book) for a in args]
        if "{book}" not in args:
            argv.insert(1 if name not in ("finance import",) else 2, str(book))
        code, text = run_cli(argv + (["--as-of", AS_OF] if name not in ("publicity",) else []), capsys)
        assert code == 2, (name, code, text[-500:])
        assert words in text and "已损坏" in text and "Error" not in text, (name, text)
        assert book.read_bytes() == before and not out.exists(), name
        line = next(line for line in text.splitlines() if "已损坏" in line)
        answers[name] = line.replace(book.name, "台账.xlsx")
    assert len(set(answers.values())) == 1, answers


ODD_REFS = st.one_of(st.sampled_from(["A1", "B2", "b2", "$A$1", "A0", "AA10", "ZZ3", "XFD1", "XFE1", "A1048577", "", " ",
                                      "1A", "A", "5", "A 1", "Ａ1", "A-1", "A1.5"]),
                     st.text(alphabet="AZaz019$!:. _-", max_size=8))
ODD_TYPES = st.sampled_from([None, "s", "n", "b", "e", "str", "inlineStr", "d", "zz", "", "S"])
ODD_STYLES = st.sampled_from([None, "0", "1", "7", "x", "-1", "1.5", ""])
ODD_VALUES = st.one_of(st.sampled_from(["0", "1", "3", "-1", "1e400", "nan", "abc", "", "2024-09-05", "1.5", "99999"]),
                       st.text(max_size=6))


def _attr(name: str, value: str | None) -> str:
    from xml.sax.saxutils import quoteattr

    return "" if value is None else f" {name}={quoteattr(value)}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(ODD_REFS, ODD_TYPES, ODD_STYLES, ODD_VALUES, st.booleans()), min_size=1, max_size=6),
       st.sampled_from([None, "1", "2", "0", "x", "1048576"]))
def test_odd_cell_attributes_are_read_or_refused_never_a_crash(tmp_path, cells, row):
    """issue 19.7: a bad ``r=``, ``t=`` or ``s=`` is read as Excel would show it or refused
    with a Chinese message (the same for every command: they all read through here);
    never an exception of another kind (ValueError, IndexError, CalamineError)."""
    from xml.sax.saxutils import escape

    from addin.xlsx.reader import PackageReader

    body = "".join(f"<c{_attr('r', r)}{_attr('t', t)}{_attr('s', s)}>"
                   + (f"<is><t>{escape(v)}</t></is>" if inline else f"<v>{escape(v)}</v>") + "</c>"
                   for r, t, s, v, inline in cells)
    path = tmp_path / "奇.xlsx"
    minimal_book(path, f"<row{_attr('r', row)}>{body}</row>")
    try:
        fast = read_values(path)["S"].rows
    except PackageRefused as exc:
        assert has_chinese(str(exc)) and "已损坏" in str(exc)
        fast = None
    package = PackageReader.open(path)
    try:
        streamed = package.read_sheet("S", "xl/worksheets/sheet1.xml", False).rows
    except PackageRefused as exc:
        assert has_chinese(str(exc))
        streamed = None
    finally:
        package.close()
    if fast is not None and streamed is not None:
        assert repr(fast) == repr(streamed)           # a <v>nan</v> is read as NaN, which equals nothing


# --- 2. every workbook the tool takes in is read through the one bounded reader ------------------------------

ENTRY = "缴费录入"


def finance_file(book: Path, folder: Path, rows: list[list]) -> Path:
    """The finance office's file exported from ``book``, with ``rows`` typed into 缴费录入."""
    from openpyxl import load_workbook

    path = folder / "缴费表.xlsx"
    assert main(["finance", "export", str(book), str(path), "--as-of", AS_OF]) == 0
    wb = load_workbook(path)
    ws = wb[ENTRY]
    for i, row in enumerate(rows):
        for c, value in enumerate(row, start=1):
            ws.cell(row=3 + i, column=c, value=value)
    wb.save(path)
    return path


def payments(book: Path) -> list[dict]:
    from addin.book.reader import read_book

    return [r.values_by_key for r in read_book(book).table("payments").rows]


def owing(book: Path, count: int) -> list[str]:
    """Application ids with a fee still owed (from a check of the register)."""
    from addin.book.refresh import check
    from addin.outputs.finance import dues

    bk, ev = check(book, now=dt.datetime(2024, 9, 5, 10))
    ids = [d.app_id for d in dues(bk, ev)]
    assert len(ids) >= count
    return ids[:count]


def test_finance_import_reads_every_payment_whatever_the_dimension_says(book, tmp_path, capsys):
    """issue 19.2a: with a stale ``<dimension ref="A1:F6">`` only 4 of 10 payments were
    imported (openpyxl read-only trusts it), exit 0, no word of the other 6."""
    ids = owing(book, 10)
    rows = [[app_id, 100, dt.date(2024, 9, 6), "扫码", f"R-{i:03d}", "财务甲"] for i, app_id in enumerate(ids)]
    path = finance_file(book, tmp_path, rows)
    part = sheet_part(path, ENTRY)
    patch_part(path, part, lambda xml: re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:F6"/>', xml, count=1))
    assert '<dimension ref="A1:F6"/>' in parts_of(path)[part].decode()
    before = len(payments(book))
    code, text = run_cli(["finance", "import", str(book), str(path), "--as-of", AS_OF], capsys)
    assert code in (0, 1) and "导入10笔缴费" in text, text
    assert {p["receipt"] for p in payments(book)[before:]} == {f"R-{i:03d}" for i in range(10)}


def test_finance_import_of_a_file_claiming_every_cell_stays_within_bounded_memory(book, tmp_path):
    """issue 19.2b: no size limits (a 6 MB file: MemoryError, exit 3; 3 MB: 3.1 GB of
    memory). A file whose entry sheet claims A1:XFD1048576 (and has one value there) is
    read sparsely in a process capped at 2 GB: the two payments are imported."""
    ids = owing(book, 2)
    path = finance_file(book, tmp_path, [[ids[0], 100, dt.date(2024, 9, 6), "扫码", "R-1", "财务甲"],
                                         [ids[1], 100, dt.date(2024, 9, 6), "扫码", "R-2", "财务甲"]])
    part = sheet_part(path, ENTRY)

    def claim_everything(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:XFD1048576"/>', xml, count=1)
        return xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    patch_part(path, part, claim_everything)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
            "from addin.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "finance", "import", str(book), str(path), "--as-of", AS_OF],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-1500:])
    assert "导入2笔缴费" in done.stdout
    assert {"R-1", "R-2"} <= {p["receipt"] for p in payments(book)}


def test_a_finance_file_beyond_the_intake_bounds_is_refused_before_it_is_read(book, tmp_path, capsys):
    """issue 19.2b: the workbooks the tool takes in have bounds of their own (limits.csv
    intake_max_mb, intake_max_rows): a finance file inflating to more than 50 MB, or with
    more rows than any year has payments, is a Chinese refusal; the register is untouched."""
    from addin import data

    ids = owing(book, 1)
    path = finance_file(book, tmp_path, [[ids[0], 100, dt.date(2024, 9, 6), "扫码", "R-1", "财务甲"]])
    part = sheet_part(path, ENTRY)
    rows = int(data.limit("intake_max_rows")) + 5
    many = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>2024-{n:06d}</t></is></c><c r="B{n}"><v>1</v></c>'
                   f'</row>' for n in range(4, 4 + rows))
    patch_part(path, part, lambda xml: xml.replace("</sheetData>", many + "</sheetData>"))
    before = book.read_bytes()
    code, text = run_cli(["finance", "import", str(book), str(path), "--as-of", AS_OF], capsys)
    assert code == 2 and "intake_max_rows" in text and "未导入" in text, text
    assert book.read_bytes() == before

    patch_part(path, part, lambda xml: xml.replace(many, ""))
    parts = parts_of(path)                     # parts of 1 MB each (below the ratio check), 51 MB in all
    parts.update({f"xl/media/image{i}.bin": bytes(2**20) for i in range(int(data.limit("intake_max_mb")) + 1)})
    write_parts(path, parts)
    code, text = run_cli(["finance", "import", str(book), str(path), "--as-of", AS_OF], capsys)
    assert code == 2 and "超过上限" in text, text
    assert book.read_bytes() == before


def test_two_payments_with_their_own_receipts_are_two_payments(book, tmp_path, capsys):
    """issue 19.2c: two payments with the same id, amount and date but receipts NO-A1 and
    NO-A2 were imported as one ("已跳过（不会重复导入）"). A payment is the same payment
    only when its receipt number is the same; without receipt numbers the repeat is named
    (which row it repeats) for the clerk to decide."""
    ids = owing(book, 2)
    day = dt.date(2024, 9, 6)
    path = finance_file(book, tmp_path, [
        [ids[0], 200, day, "扫码", "NO-A1", "财务甲"],
        [ids[0], 200, day, "扫码", "NO-A2", "财务甲"],      # the same id, amount and date: another payment
        [ids[1], 100, day, "银行", None, "财务甲"],
        [ids[1], 100, day, "银行", None, "财务甲"],         # no receipt numbers: taken as a repeat, named
    ])
    before = len(payments(book))
    code, text = run_cli(["finance", "import", str(book), str(path), "--as-of", AS_OF], capsys)
    assert code in (0, 1) and "导入3笔缴费" in text, text
    added = payments(book)[before:]
    assert [(p["app_id"], p["receipt"]) for p in added] == [(ids[0], "NO-A1"), (ids[0], "NO-A2"), (ids[1], None)]
    assert re.search(r"缴费录入!E6.*没有票据号.*与本表第5行相同.*视为同一笔.*请填写票据号", text), text
    # the same file again adds nothing, and says why for each row
    code, text = run_cli(["finance", "import", str(book), str(path), "--as-of", AS_OF], capsys)
    assert "导入0笔缴费" in text and text.count("已跳过（不会重复导入）") == 4, text
    assert len(payments(book)) == before + 3


def test_the_platform_export_is_read_sparsely_whatever_its_dimension_says(book, tmp_path):
    """issue 19.2: the platform export went through pandas/openpyxl too, which builds every
    row out to the widest cell: one value in XFD1048576 with a dimension claiming the
    whole sheet (a 2 GB process: MemoryError, exit 3). It goes through the one bounded
    reader now: every row that holds data, sparsely, whatever the dimension says."""
    from conftest import make_id
    from exports import write_export

    export = tmp_path / "平台导出.xlsx"
    people = [{"身份证号码": make_id(seq=f"{i:03d}"), "姓名": f"新人{i}", "系列": "工程系列", "拟申报职称": "工程师"}
              for i in range(1, 9)]
    write_export(export, people)

    def claim_everything(xml: str) -> str:
        xml = re.sub(r'<dimension ref="[^"]*"\s*/>', '<dimension ref="A1:D3"/>', xml, count=1)
        return xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    patch_part(export, "xl/worksheets/sheet1.xml", claim_everything)
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30)); "
            "from addin.cli import main; sys.exit(main(sys.argv[1:]))")
    done = subprocess.run([sys.executable, "-c", code, "import", str(book), str(export), "--as-of", AS_OF],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), (done.returncode, done.stderr[-1500:])
    assert "新增8行" in done.stdout and "导出文件第1048576行：缺少身份证号" in done.stdout, done.stdout[-1500:]


# --- 3. an Excel table's totals row is never an application, and its cells are kept ---------------------------

def table_part(path: Path, sheet: str) -> str:
    part = sheet_part(path, sheet)
    folder, name = part.rsplit("/", 1)
    rels = parts_of(path)[f"{folder}/_rels/{name}.rels"].decode()
    target = re.search(r'Target="([^"]*tables/[^"]+)"', rels).group(1)
    return "xl/tables/" + target.rsplit("/", 1)[1]


def totals_row(path: Path, sheet: str, sums: dict[str, str]) -> tuple[int, str]:
    """表设计 > 汇总行 on the sheet's table, as Excel saves it: the table's range one row
    longer with totalsRowCount="1" (its filter not), a label in column A and SUBTOTAL
    formulas with their cached results under the columns of ``sums`` (letter -> header).
    Returns the totals row's number and its XML."""
    table = table_part(path, sheet)
    xml = parts_of(path)[table].decode()
    ref = re.search(r'<table [^>]*\bref="A1:([A-Z]+)(\d+)"', xml)
    last, row = ref.group(1), int(ref.group(2)) + 1
    name = re.search(r'displayName="([^"]+)"', xml).group(1)

    def change_table(text: str) -> str:
        text = text.replace(f'ref="A1:{last}{row - 1}" headerRowCount="1"',
                            f'ref="A1:{last}{row}" headerRowCount="1" totalsRowCount="1"', 1)
        for header in sums.values():
            text = text.replace(f'name="{header}"/>', f'name="{header}" totalsRowFunction="sum"/>', 1)
        return text.replace('name="申报编号"/>', 'name="申报编号" totalsRowLabel="汇总"/>', 1)
    patch_part(path, table, change_table)
    cells = '<c r="A{r}" t="inlineStr"><is><t>汇总</t></is></c>'.format(r=row) + "".join(
        f'<c r="{letter}{row}"><f>SUBTOTAL(109,{name}[{header}])</f><v>{1000 + i}</v></c>'
        for i, (letter, header) in enumerate(sums.items()))
    row_xml = f'<row r="{row}">{cells}</row>'
    patch_part(path, sheet_part(path, sheet), lambda text: text.replace("</sheetData>", row_xml + "</sheetData>", 1))
    return row, row_xml


def test_the_register_tables_totals_row_is_no_application_and_is_kept(book, capsys):
    """issue 19.3: with 表设计 > 汇总行 on, refresh read the totals row as a 62nd
    application, replaced its SUBTOTAL formulas and cached results with nothing, wrote
    verdicts into it; check reported 身份证号为空 on it; 统计 counted 62."""
    from addin.book.reader import read_book

    row, row_xml = totals_row(book, "申报人员", {FEE: "应缴费用", OWED: "欠费"})
    assert len(read_book(book).table("applicants").rows) == 61
    code, text = run_cli(["check", str(book), "--as-of", AS_OF], capsys)
    assert f"申报人员!A{row}" not in text and not re.search(rf"申报人员!\w+{row}\b", text), text
    table = table_part(book, "申报人员")
    code, text = run_cli(["refresh", str(book), "--as-of", AS_OF], capsys)
    assert code in (0, 1) and "61行计算列" in text, text
    after = parts_of(book)
    assert row_xml in after[sheet_part(book, "申报人员")].decode()          # formulas, results, label: as they were
    assert f'ref="A1:{LAST}{row}" headerRowCount="1" totalsRowCount="1"' in after[table].decode()
    title = read_values(book)["统计"].rows[0][1][0]
    assert "共61份申报" in title, title


def test_a_new_row_below_a_totals_row_is_refused_never_written_into_it(book, tmp_path, capsys):
    """A new application (import) or payment (finance import) would go where the totals
    row is, or below it outside the table: refused with a Chinese message saying what to
    do; nothing is written."""
    from conftest import make_id
    from exports import write_export

    totals_row(book, "申报人员", {FEE: "应缴费用"})
    export = tmp_path / "平台导出.xlsx"
    write_export(export, [{"身份证号": make_id(seq="777"), "姓名": "新人", "系列": "工程系列", "拟申报职称": "工程师"}])
    before = book.read_bytes()
    code, text = run_cli(["import", str(book), str(export), "--as-of", AS_OF], capsys)
    assert code == 2 and "汇总行" in text and "未写入" in text, text
    assert book.read_bytes() == before

    other = tmp_path / "缴费汇总.xlsx"
    shutil.copyfile(SAMPLE, other)
    totals_row(other, "缴费", {"B": "金额"})
    ids = owing(other, 1)
    path = finance_file(other, tmp_path, [[ids[0], 100, dt.date(2024, 9, 6), "扫码", "R-9", "财务甲"]])
    before = other.read_bytes()
    code, text = run_cli(["finance", "import", str(other), str(path), "--as-of", AS_OF], capsys)
    assert code == 2 and "汇总行" in text, text
    assert other.read_bytes() == before


# --- 4. formulas over computed columns: the workbook is recalculated when next opened ------------------------

WORKBOOK_ORDER = ("fileVersion", "fileSharing", "workbookPr", "workbookProtection", "bookViews", "sheets",
                  "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize", "customWorkbookViews",
                  "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr", "webPublishObjects",
                  "extLst")


def _workbook_children(path: Path) -> list[tuple[str, dict]]:
    from lxml import etree

    root = etree.fromstring(parts_of(path)["xl/workbook.xml"])
    return [(etree.QName(child).localname, dict(child.attrib)) for child in root]


@pytest.mark.parametrize("calc", ['<calcPr calcId="191029" iterateCount="50" fullPrecision="0"/>', ""],
                         ids=["Excel's calcPr", "no calcPr, an extLst"])
def test_a_refresh_marks_the_workbook_for_a_full_recalculation_on_load(book, capsys, calc):
    """issue 19.4: a clerk's ``=COUNTIF(申报人员!BA:BA,"符合")`` kept the result cached before
    the refresh (0 where 47 rows now read 符合) until Excel recalculated. After writing
    computed cells the writer sets ``<calcPr fullCalcOnLoad="1">`` (as openpyxl does),
    keeping every other calcPr attribute, in the place the schema gives it."""
    ext = '<extLst><ext uri="{140A7094-0E35-4892-8432-C4D2E57EDEB5}"><x15:workbookPr chartTrackingRefBase="1" ' \
          'xmlns:x15="http://schemas.microsoft.com/office/spreadsheetml/2010/11/main"/></ext></extLst>'
    patch_part(book, "xl/workbook.xml",
               lambda xml: re.sub(r"<calcPr[^>]*/>", calc, xml).replace("</workbook>", ("" if calc else ext) + "</workbook>"))
    add_sheet(book, "我的统计", '<row r="1"><c r="A1"><f>COUNTIF(申报人员!BA:BA,"符合")</f><v>0</v></c></row>')
    assert "fullCalcOnLoad" not in parts_of(book)["xl/workbook.xml"].decode()
    code, text = run_cli(["refresh", str(book), "--as-of", AS_OF], capsys)
    assert code in (0, 1), text
    children = _workbook_children(book)
    names = [name for name, _ in children]
    assert names == sorted(names, key=WORKBOOK_ORDER.index), names          # still in the schema's order
    calc_pr = dict(children)["calcPr"]
    assert calc_pr.get("fullCalcOnLoad") == "1"
    if calc:
        assert (calc_pr["calcId"], calc_pr["iterateCount"], calc_pr["fullPrecision"]) == ("191029", "50", "0")
    else:
        assert names[-2:] == ["calcPr", "extLst"]
    assert '<f>COUNTIF(申报人员!BA:BA,"符合")</f>' in parts_of(book)[sheet_part(book, "我的统计")].decode()


# --- 6. a control character pasted into a name: named by check, removed the same way by every output --------

def _texts_of(path: Path) -> str:
    """Every XML part of an .xlsx/.docx output as text (what a reader of the file meets)."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        return "".join("".join(etree.fromstring(z.read(n)).itertext()) + z.read(n).decode("utf-8", "replace")
                       for n in z.namelist() if n.endswith(".xml"))


def test_a_pasted_vertical_tab_in_a_name_is_named_by_check_and_removed_from_every_output(book, tmp_path, capsys):
    """issue 19.6: ``艾合买提_x000B_库尔班`` (Excel's form of a pasted vertical tab): check was
    silent, roster exited 3 after writing the register and the 送评委 files but no 内部留存
    (no code key), finance export exited 3."""
    part = sheet_part(book, "申报人员")
    patch_part(book, part, lambda xml: re.sub(r'(<c r="B3"[^>]*><is><t>[^<]*?)&#183;', r"\1_x000B_", xml, count=1))
    assert "_x000B_" in parts_of(book)[part].decode()
    code, text = run_cli(["check", str(book), "--as-of", AS_OF], capsys)
    assert re.search(r"（申报人员第3行 B列）：姓名：含有看不见的控制字符U\+000B（垂直制表符）.*按“艾合买提库尔班”", text), text
    out = tmp_path / "输出"
    runs = {
        "roster": ["roster", str(book), "--out", str(out / "评审会"), "--as-of", AS_OF],
        "finance export": ["finance", "export", str(book), str(out / "缴费表.xlsx"), "--as-of", AS_OF],
        "docs": ["docs", str(book), "--out", str(out / "附件"), "--ids", "2024-002"],
        "publicity": ["publicity", str(book), "--out", str(out / "公示"), "--start", "2024-10-21", "--as-of", AS_OF],
        "record": ["record", str(book), "--out", str(out / "评审会"), "--as-of", AS_OF],
    }
    for name, args in runs.items():
        code, text = run_cli(args, capsys)
        assert code in (0, 1), (name, code, text[-800:])
    assert list((out / "评审会" / "内部留存").glob("*编号对照表*"))
    made = [p for p in out.rglob("*") if p.suffix in (".xlsx", ".docx")]
    assert len(made) >= 8
    named = [p.name for p in made if "艾合买提库尔班" in _texts_of(p)]
    assert any("缴费表" in n for n in named) and any("推荐" in n or "附件" in n or "2024-002" in n for n in named), named
    for p in made:
        text = _texts_of(p)
        assert "\x0b" not in text and "_x000B_" not in text and "_x000b_" not in text, p


# --- 8. a full disk while writing documents: a Chinese refusal that leaves nothing half-written -----------------

class FullDisk:
    """A disk that fills up: files opened for writing under ``folder`` take ``room`` bytes
    in all, then a write stores what still fits and fails with ENOSPC (as a real full disk
    does, leaving a truncated file behind). Every Python-level open is watched (io.open,
    builtins.open: zipfile, python-docx, openpyxl and Path.write_bytes all go through it)."""

    def __init__(self, monkeypatch, folder: Path, room: int):
        import builtins
        import io

        self.folder, self.room, self.written = str(folder), room, 0
        real = io.open

        def watched(file, mode="r", *args, **kwargs):
            handle = real(file, mode, *args, **kwargs)
            name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else os.readlink(f"/proc/self/fd/{file}")
            if any(m in mode for m in "wax+") and os.path.abspath(name).startswith(self.folder):
                return _Filling(handle, self, name)
            return handle
        monkeypatch.setattr(io, "open", watched)
        monkeypatch.setattr(builtins, "open", watched)


class _Filling:
    def __init__(self, handle, disk: FullDisk, name: str):
        self._handle, self._disk, self._name = handle, disk, name

    def write(self, data):
        import errno

        left = self._disk.room - self._disk.written
        if len(data) > left:
            if left > 0:
                self._handle.write(data[:left])
                self._disk.written += left
            self._handle.flush()
            raise OSError(errno.ENOSPC, "No space left on device", self._name)
        self._disk.written += len(data)
        return self._handle.write(data)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._handle.close()

    def __iter__(self):
        return iter(self._handle)


def _leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("command", [["record", "--forms", "--as-of", AS_OF], ["docs", "--kind", "1,2"],
                                     ["roster", "--as-of", AS_OF]],
                         ids=["record --forms", "docs", "roster"])
def test_a_full_disk_while_writing_documents_is_a_refusal_that_leaves_nothing(book, tmp_path, monkeypatch, capsys,
                                                                               command):
    """issue 19.8: ``record --forms`` on a full disk exited 3 and left a truncated
    答辩评分表-P23.docx (8,192 bytes, not a zip) in 送评委; ``docs`` printed "No space left on
    device" in English beside "可能正被 Word/WPS 打开" and kept what it had made. Now: exit 2,
    a Chinese message, not one file left in the output folder, no staging folder left."""
    disk = tmp_path / "U盘"
    disk.mkdir()
    out = disk / "评审会"
    FullDisk(monkeypatch, disk, room=30_000)
    code, text = run_cli([command[0], str(book), "--out", str(out), *command[1:]], capsys)
    assert code == 2, (code, text[-1500:])
    assert "磁盘空间不足" in text and "No space" not in text and "Word/WPS" not in text, text
    assert str(out) in text and ".~zhicheng" not in text, text          # the place as the clerk named it
    assert _leftovers(disk) == [], _leftovers(disk)


def test_outputs_that_replace_earlier_ones_are_put_back_when_one_cannot_be_replaced(book, tmp_path, monkeypatch,
                                                                                    capsys):
    """Whole or nothing over an existing folder too: a second run replaces the first's
    files; when one of them cannot be replaced (a file open in Word on Windows), the ones
    already moved in are taken out and the first run's files are put back, byte for byte."""
    import errno

    from addin.usecases import runner

    out = tmp_path / "评审会"
    assert main(["roster", str(book), "--out", str(out), "--as-of", AS_OF]) == 0
    before = {p: p.read_bytes() for p in _leftovers(out)}
    assert len(before) >= 4
    real, moved = os.replace, []

    def locked(src, dst, *args, **kwargs):
        if ".~zhicheng-评审会-" in str(src) and "内部留存" in str(dst):          # a new file moving in
            if moved:
                raise PermissionError(errno.EACCES, "Permission denied", str(dst))
            moved.append(dst)
        return real(src, dst, *args, **kwargs)
    monkeypatch.setattr(runner.os, "replace", locked)
    capsys.readouterr()
    code, text = run_cli(["roster", str(book), "--out", str(out), "--as-of", AS_OF], capsys)
    assert code == 2 and "没有权限" in text and "Word" in text, text
    assert {p: p.read_bytes() for p in _leftovers(out)} == before
    assert not [p for p in tmp_path.rglob(".~zhicheng*")]


# --- 10. the error log: no personal data, the user's own 0600 file, rotated; backups pruned up front -----------

PERSONAL = "艾合买提·库尔班 652901199001011234 电话13912345678"    # what an exception's text may carry


def _crash_with_personal_data(monkeypatch):
    import addin.usecases.register

    def broken(*_a, **_k):
        raise KeyError(PERSONAL)
    monkeypatch.setattr(addin.usecases.register, "assess", broken)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and owners")
def test_the_crash_log_masks_personal_data_and_is_the_users_own(book, tmp_path, monkeypatch, capsys):
    """issue 19.10: the crash log recorded applicants' names and was world-readable."""
    import stat

    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    _crash_with_personal_data(monkeypatch)
    named = book.with_name("艾合买提的台账.xlsx")
    shutil.copyfile(book, named)
    assert main(["check", str(named)]) == 3
    err = capsys.readouterr().err
    log = home / ".zhicheng" / "zhicheng-errors.log"
    assert str(log) in err
    text = log.read_text(encoding="utf-8")
    for secret in ("艾合买提", "库尔班", "652901199001011234", "13912345678"):
        assert secret not in text, secret
    assert "KeyError" in text and "652901***********4" in text and "139********" in text and "〔8字〕" in text
    assert "Traceback" in text and "raise KeyError(PERSONAL)" in text        # the program's own lines are kept
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions and owners")
def test_with_an_unwritable_home_the_log_never_goes_into_another_users_file(book, tmp_path, monkeypatch, capsys):
    """issue 19.10: with an unwritable home the tool appended to an existing
    /tmp/zhicheng-errors.log owned by another user. Now: a folder of the user's own in
    the temporary folder; a file or folder another user owns, or a link, is never used.
    (Another user is played by changing the user id the log checks owners against.)"""
    import tempfile

    from addin import errorlog

    home = tmp_path / "home"
    home.write_text("not a folder")
    shared = tmp_path / "tmp"
    shared.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    theirs = shared / "zhicheng-errors.log"                     # the old shared place, someone else's
    theirs.write_text("their log\n", encoding="utf-8")
    _crash_with_personal_data(monkeypatch)
    me = os.geteuid()
    mine = shared / f"zhicheng-{me}" / "zhicheng-errors.log"
    assert main(["check", str(book)]) == 3
    err = capsys.readouterr().err
    assert str(mine) in err and mine.stat().st_mode & 0o077 == 0 and mine.parent.stat().st_mode & 0o077 == 0
    assert theirs.read_text(encoding="utf-8") == "their log\n"
    # the same folder and file seen by another user (the id the log checks owners against)
    monkeypatch.setattr(errorlog.os, "geteuid", lambda: me + 1000)
    other = shared / f"zhicheng-{me + 1000}"
    other.mkdir(mode=0o700)                                      # made by "me", not by the user + 1000
    size = mine.stat().st_size
    assert main(["check", str(book)]) == 3
    err = capsys.readouterr().err
    assert "无法写入日志文件" in err and "艾合买提" not in err and not list(other.iterdir())
    assert mine.stat().st_size == size and theirs.read_text(encoding="utf-8") == "their log\n"
    monkeypatch.setattr(errorlog.os, "geteuid", lambda: me)
    # a folder of that name that others may write into (as /tmp itself) is not used
    os.chmod(mine.parent, 0o777)
    assert main(["check", str(book)]) == 3
    assert "无法写入日志文件" in capsys.readouterr().err and mine.stat().st_size == size
    # a link planted where the log goes is not followed
    os.chmod(mine.parent, 0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("victim\n", encoding="utf-8")
    mine.unlink()
    mine.symlink_to(victim)
    assert main(["check", str(book)]) == 3
    assert victim.read_text(encoding="utf-8") == "victim\n" and "无法写入日志文件" in capsys.readouterr().err


def test_the_crash_log_is_rotated(tmp_path, monkeypatch):
    from addin import data, errorlog

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    limit, keep = data.limit("error_log_max_kb") * 1024, int(data.limit("error_log_keep"))
    log = None
    for n in range(keep + 3):
        log = errorlog.write(errorlog.CLI_LOG, "命令行", RuntimeError("x" * int(limit)))
    assert log is not None and log.stat().st_size < 2 * limit
    rotated = sorted(p.name for p in log.parent.iterdir())
    assert rotated == [errorlog.CLI_LOG] + [f"{errorlog.CLI_LOG}.{i}" for i in range(1, keep + 1)], rotated


def test_backups_left_by_killed_runs_are_pruned_at_the_start_of_every_write(book):
    """issue 19.10: backups left by killed runs (30 seen) were pruned only after a
    successful write; a write that fails now starts by pruning them too (by count, and
    by age: none older than backup_max_days but the newest)."""
    from addin.book.safe_write import BACKUP_DIR_NAME, safe_save
    from addin.errors import WriteRefused

    folder = book.parent / BACKUP_DIR_NAME
    folder.mkdir()
    now = dt.datetime.now()
    stamps = [now - dt.timedelta(hours=n) for n in range(1, 26)] + [now - dt.timedelta(days=200 + n) for n in range(5)]
    for stamp in stamps:
        shutil.copyfile(book, folder / f"{book.stem}-{stamp:%Y%m%d-%H%M%S-%f}{book.suffix}")
    clerks = folder / "我自己的备份.xlsx"
    shutil.copyfile(book, clerks)

    def fails(_tmp):
        raise WriteRefused("模拟的失败")
    with pytest.raises(WriteRefused):
        safe_save(book, fails, keep_backups=10)
    left = sorted(p.name for p in folder.iterdir() if p != clerks)
    assert len(left) == 9, left                                  # the failed run's own backup is removed again
    assert all(f"{stamp:%Y%m%d-%H%M%S}" in " ".join(left) for stamp in stamps[:9])
    assert clerks.exists()

    for old in folder.iterdir():
        if old != clerks:
            old.unlink()
    for stamp in stamps[-5:]:                                    # only old ones: the newest of them stays
        shutil.copyfile(book, folder / f"{book.stem}-{stamp:%Y%m%d-%H%M%S-%f}{book.suffix}")
    with pytest.raises(WriteRefused):
        safe_save(book, fails, keep_backups=10)
    assert sorted(p.name for p in folder.iterdir() if p != clerks) == [
        f"{book.stem}-{stamps[-5]:%Y%m%d-%H%M%S-%f}{book.suffix}"]


# --- 5. hand edits of 盲评编号: reported, the drawn code put back; a doubtful code never reaches a roster -------

def _set_cell(path: Path, sheet: str, ref: str, text: str | None) -> None:
    """Type ``text`` into one cell (inline string; None empties it), as the clerk would."""
    def change(xml: str) -> str:
        cell = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml)
        style = re.search(r'\ss="(\d+)"', cell.group(0))
        attrs = f' r="{ref}"' + (f' s="{style.group(1)}"' if style else "")
        new = f"<c{attrs}/>" if text is None else f'<c{attrs} t="inlineStr"><is><t>{text}</t></is></c>'
        return xml[:cell.start()] + new + xml[cell.end():]
    patch_part(path, sheet_part(path, sheet), change)


def _codes(path: Path) -> dict[int, str]:
    from addin.book.reader import read_book

    return {r.number: r.values_by_key.get("blind_code") for r in read_book(path).table("applicants").rows}


def _roster_codes(folder: Path) -> dict[str, list[str]]:
    """The codes each roster file (送评委 and 内部留存, .xlsx) lists, by file name."""
    from openpyxl import load_workbook

    found = {}
    for path in sorted(folder.rglob("*.xlsx")):
        found[path.name] = [v for ws in load_workbook(path).worksheets for row in ws.iter_rows(values_only=True)
                            for v in row if isinstance(v, str) and re.fullmatch(r"[A-Z]{2}-\d{3}", v)]
    return found


def test_a_copied_blind_code_is_a_hand_edit_and_the_drawn_code_comes_back(book, tmp_path, capsys):
    """issue 19.5: copying GL-579 into a second row, roster exited 0 and printed GL-579
    twice on the blind roster and the vote sheet; the code key mapped it to two
    applications. Now the copy is reported like any hand edit, the row gets back the code
    the tool drew for it (with a 日志 row), and every code appears once."""
    assert main(["refresh", str(book), "--as-of", AS_OF]) in (0, 1)      # the tool's fingerprints of its codes
    before = _codes(book)
    assert before[3] == "GL-579" and before[2] == "GL-827"
    _set_cell(book, "申报人员", f"{CODE}2", "GL-579")                          # 2024-001's code typed over
    capsys.readouterr()
    code, text = run_cli(["check", str(book), "--as-of", AS_OF], capsys)
    assert re.search(rf"（申报人员第2行 {CODE}列）：计算列“盲评编号”被手工修改（现为“GL-579”），刷新时恢复本软件抽取的“GL-827”", text), text
    out = tmp_path / "评审会"
    code, text = run_cli(["roster", str(book), "--out", str(out), "--as-of", AS_OF], capsys)
    assert code in (0, 1), text
    assert _codes(book) == before
    printed = _roster_codes(out)
    assert len(printed) >= 3 and all(codes and len(codes) == len(set(codes)) for codes in printed.values()), printed
    from addin.book.reader import read_book
    log = read_book(book).table("log").rows[-1].values_by_key
    assert "原为“GL-579”，已改为“GL-827”" in log["detail"], log


def test_a_code_the_tool_did_not_draw_is_replaced_by_a_drawn_one(book, capsys):
    """A code the tool did not draw — typed into a row it gave none, or into a row the
    last refresh did not know (added since) — is replaced: by a drawn code where the row
    is due at the meeting, by none where it is not; each with a 日志 row."""
    from addin.book import schema
    from addin.book.reader import read_book

    assert main(["refresh", str(book), "--as-of", AS_OF]) in (0, 1)
    before = _codes(book)
    assert before[5] is None and before[3] == "GL-579"
    # 2024-002 (row 3, due) as a row the last refresh did not know: its fingerprint removed
    patch_part(book, sheet_part(book, schema.FINGERPRINT_SHEET),
               lambda xml: re.sub(r"<row [^>]*>(?:(?!</row>).)*2024-002(?:(?!</row>).)*</row>", "", xml, count=1))
    assert "2024-002" not in read_book(book).fingerprints
    _set_cell(book, "申报人员", f"{CODE}3", "GL-001")
    _set_cell(book, "申报人员", f"{CODE}5", "GL-002")                          # 2024-004: not due, the tool gave none
    capsys.readouterr()
    assert main(["refresh", str(book), "--as-of", AS_OF]) in (0, 1)
    text = capsys.readouterr().out
    after = _codes(book)
    assert re.fullmatch(r"GL-\d{3}", after[3]) and after[3] not in ("GL-001", *[c for n, c in before.items() if n != 3])
    assert after[5] is None
    assert f"申报人员!{CODE}3（盲评编号）：原为“GL-001”" in text and f"申报人员!{CODE}5（盲评编号）：原为“GL-002”，已改为“空”" in text
    log = read_book(book).table("log").rows[-1].values_by_key["detail"]
    assert "原为“GL-001”" in log and "原为“GL-002”" in log


def test_without_fingerprints_a_code_given_twice_never_reaches_a_roster(book, tmp_path, capsys):
    """A register the tool has not refreshed since (no fingerprints: nothing tells which
    copy is the tool's): roster and record are refused, exit 2, naming both rows; once
    the clerk clears the copy, the row gets a new drawn code."""
    _set_cell(book, "申报人员", f"{CODE}2", "GL-579")                          # the committed sample has no fingerprints
    out = tmp_path / "评审会"
    code, text = run_cli(["roster", str(book), "--out", str(out), "--as-of", AS_OF], capsys)
    assert code == 2 and f"盲评编号GL-579同时出现在申报人员!{CODE}2、申报人员!{CODE}3" in text and "未生成评审会名单" in text, text
    assert not out.exists()
    code, text = run_cli(["record", str(book), "--out", str(out), "--forms", "--as-of", AS_OF], capsys)
    assert code == 2 and "GL-579" in text and not out.exists(), text
    _set_cell(book, "申报人员", f"{CODE}2", None)                              # the clerk clears the copy
    code, text = run_cli(["roster", str(book), "--out", str(out), "--as-of", AS_OF], capsys)
    assert code in (0, 1), text
    codes = _codes(book)
    assert codes[3] == "GL-579" and re.fullmatch(r"GL-\d{3}", codes[2]) and codes[2] != "GL-579"
    for name, listed in _roster_codes(out).items():
        assert len(listed) == len(set(listed)), name
        assert listed.count("GL-579") == listed.count(codes[2]) == 1, name


# --- 9. an Excel error value is never printed: the row is held back and named, exit 1 ------------------------

def test_an_error_value_is_never_published_the_row_is_held_back_and_named(book, tmp_path, capsys):
    """issue 19.9: an employer cell holding #N/A (a VLOOKUP) was printed as a published
    person's employer in the publicity xlsx and docx, exit 0. No output prints an error
    value: publicity, roster, attachments and the finance list hold the row back, name
    the cell, and exit 1."""
    patch_part(book, sheet_part(book, "申报人员"), lambda xml: re.sub(
        r'<c r="H3"[^>]*?(?:/>|>.*?</c>)', '<c r="H3" t="e"><f>VLOOKUP(A3,单位!A:B,2,0)</f><v>#N/A</v></c>', xml, count=1))
    out = tmp_path / "输出"
    runs = {
        "publicity": ["publicity", str(book), "--out", str(out / "公示"), "--start", "2024-10-21", "--as-of", AS_OF],
        "roster": ["roster", str(book), "--out", str(out / "评审会"), "--as-of", AS_OF],
        "docs": ["docs", str(book), "--out", str(out / "附件"), "--kind", "1,2,3"],
        "finance export": ["finance", "export", str(book), str(out / "缴费表.xlsx"), "--as-of", AS_OF],
    }
    for name, args in runs.items():
        code, text = run_cli(args, capsys)
        assert code == 1, (name, code, text[-1500:])
        assert re.search(r"2024-002 艾合买提·库尔班（申报人员第3行）：工作单位（申报人员!H3）显示错误值#N/A，未列入", text), (name, text)
    made = [p for p in out.rglob("*") if p.suffix in (".xlsx", ".docx")]
    assert len(made) >= 10
    for p in made:
        text = _texts_of(p)
        assert "#N/A" not in text, p
    publicity = _texts_of(out / "公示" / "评审结果公示名单.xlsx")
    assert "艾合买提·库尔班" not in publicity and "别克·别克" in publicity


@pytest.mark.parametrize("damage", [bad_crc, bad_deflate, doctype], ids=["checksum", "deflate", "DOCTYPE"])
def test_a_damaged_finance_file_or_platform_export_is_refused_the_same_way(book, tmp_path, capsys, intake_files,
                                                                            damage):
    """The workbooks the tool takes in go through the same reader: damage in them is the
    same Chinese refusal (exit 2), and the register is untouched."""
    finance, export = intake_files
    for source, command in ((finance, ["finance", "import"]), (export, ["import"])):
        taken = tmp_path / source.name
        shutil.copyfile(source, taken)
        damage(taken, sheet_part(taken, "缴费录入") if source == finance else "xl/worksheets/sheet1.xml")
        before = book.read_bytes()
        code, text = run_cli([*command, str(book), str(taken), "--as-of", AS_OF], capsys)
        assert code == 2 and "已损坏" in text and taken.name in text and "Error" not in text, text
        assert book.read_bytes() == before


def _na_employer(book: Path, cell: str = "H3") -> None:
    patch_part(book, sheet_part(book, "申报人员"), lambda xml: re.sub(
        rf'<c r="{cell}"[^>]*?(?:/>|>.*?</c>)', f'<c r="{cell}" t="e"><f>VLOOKUP(A3,单位!A:B,2,0)</f><v>#N/A</v></c>',
        xml, count=1))


def test_the_meeting_record_and_the_draw_name_a_row_showing_an_error_value(book, tmp_path, capsys):
    """The rest of issue 19.9: the meeting record does not print the row and says so (exit 1);
    the draw, whose recusal compares employers, refuses until the cell is put right (exit 2)."""
    _na_employer(book)
    out = tmp_path / "评审会"
    code, text = run_cli(["record", str(book), "--out", str(out), "--as-of", AS_OF], capsys)
    assert code == 1 and re.search(r"待核 [A-Z]+-\d+：工作单位（申报人员!H3）显示 Excel 错误值，未列入会议记录", text), text
    assert all("#N/A" not in _texts_of(p) for p in out.rglob("*.docx"))
    blind = _texts_of(out / "送评委" / "评审会议记录.docx")
    assert "艾合买提" not in blind and "显示 Excel 错误值" in blind              # named by its code only
    before = book.read_bytes()
    code, text = run_cli(["draw", str(book), "--out", str(out), "--redraw", "测试", "--as-of", AS_OF], capsys)
    assert code == 2 and "显示 Excel 错误值，回避无法判断，未抽取" in text and "2024-002" in text, text
    assert book.read_bytes() == before


def test_in_excel_an_error_value_is_held_back_as_in_the_file(book, tmp_path):
    """xlwings hands a cell showing #N/A over as None unless asked (err_to_str): the add-in
    asks, so the open workbook's row is held back from the publicity list as the file's is."""
    from fake_xlwings import book_from_file

    from addin.excel import ribbon
    from addin.excel.live import LiveAdapter

    _na_employer(book)
    fake = book_from_file(book)
    values = LiveAdapter(fake).values()["申报人员"]
    assert "#N/A" in [v for row in values for v in row]
    from tests.test_excel_live import RecordingUI

    session = ribbon.live_session(fake, RecordingUI(answers=["2024-10-21"]))
    session.now = dt.datetime(2024, 9, 5, 10)
    message = ribbon.run_action("publicity", session)
    assert "2024-002 艾合买提·库尔班（申报人员第3行）：工作单位（申报人员!H3）显示错误值#N/A" in message.text, message.text
    made = next((book.parent / "职称评审输出").glob("公示-*/评审结果公示名单.xlsx"))
    assert "艾合买提·库尔班" not in _texts_of(made) and "#N/A" not in _texts_of(made)


def test_in_excel_a_totals_row_is_no_application_and_no_write_breaks_the_table(book):
    """The add-in's side of issue 19.3: the open workbook's totals row reads as blank (61
    applications, as from the file), and a button that would write into a table showing its
    totals row refuses before writing anything, saying how to go on."""
    from fake_xlwings import book_from_file

    from addin.book.reader import book_from_values
    from addin.excel import ribbon
    from addin.excel.live import LiveAdapter
    from tests.test_excel_live import RecordingUI

    totals_row(book, "申报人员", {FEE: "应缴费用", OWED: "欠费"})
    fake = book_from_file(book)
    assert len(book_from_values(LiveAdapter(fake).values()).table("applicants").rows) == 61
    check = ribbon.run_action("check", ribbon.live_session(fake, RecordingUI()))
    assert "身份证号为空" not in check.text
    message = ribbon.run_action("refresh", ribbon.live_session(fake, RecordingUI()))
    assert message.critical and "汇总行" in message.text and "没有写入任何内容" in message.text
    assert all(not s.writes for s in fake.sheets)
