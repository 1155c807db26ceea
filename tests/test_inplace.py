"""The in-place writer: a refresh changes only the product's own cells and parts.

Each test builds its register here: a copy of the sample with what real registers carry
(a picture, a chart on a clerk's sheet, a pivot table, an Excel 2010+ drop-down whose
list is on another sheet, comments, conditional formats, a WPS part, formulas with
cached results), then refreshes it and reads the package back byte by byte.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import os
import re
import shutil
import subprocess
import threading
import time
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from lxml import etree
from openpyxl import load_workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill

from addin.book import safe_write, schema
from addin.xlsx import cells as xlsx_cells, opc, rows as xlsx_rows, sheetedit, zipcopy
from addin.data import limit
from addin.book.adapter import CellsByRow
from addin.book.inplace import PackageAdapter
from addin.book.reader import read_book
from addin.book.refresh import check, refresh
from addin.book.safe_write import TEMP_PREFIX, remove_stale_temps
from addin.errors import WriteRefused
from addin.book.sample import SAMPLE
from addin.xlsx.package import Package
from addin.xlsx.styles import CellStyle
from addin.cli import main
from conftest import require_tools

NOW = dt.datetime(2024, 9, 5, 10, 0)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415478da63f8cfc0"
                    "00000301010018dd8db00000000049454e44ae426082")
X14_EXT = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
           b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
           b'<x14:dataValidation type="list" allowBlank="1"><x14:formula1><xm:f>\'\xe5\xad\x97\xe5\x85\xb8\'!$A$2:$A$3'
           b'</xm:f></x14:formula1><xm:sqref>BL2:BL100</xm:sqref></x14:dataValidation></x14:dataValidations></ext>'
           b'<ext uri="{78C0D931-6437-407d-A8EE-F0AAD7539E65}" '
           b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
           b'<x14:conditionalFormattings><x14:conditionalFormatting '
           b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:cfRule type="dataBar" '
           b'id="{00000000-0000-0000-0000-000000000001}"><x14:dataBar minLength="0" maxLength="100"><x14:cfvo type="min"/>'
           b'<x14:cfvo type="max"/></x14:dataBar></x14:cfRule><xm:sqref>AB2:AB62</xm:sqref>'
           b'</x14:conditionalFormatting></x14:conditionalFormattings></ext></extLst>')
PICTURE = ('<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
           'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
           f'xmlns:r="{R_NS}"><xdr:oneCellAnchor><xdr:from><xdr:col>3</xdr:col><xdr:colOff>0</xdr:colOff>'
           '<xdr:row>70</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:ext cx="952500" cy="952500"/>'
           '<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="图片 1"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill>'
           '<a:blip r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:prstGeom prst="rect">'
           '<a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor></xdr:wsDr>').encode()
PIVOT_CACHE = (f'<pivotCacheDefinition xmlns="{MAIN}" xmlns:r="{R_NS}" r:id="rId1" refreshOnLoad="1" '
               'recordCount="0"><cacheSource type="worksheet"><worksheetSource ref="A1:B20" sheet="缴费"/></cacheSource>'
               '<cacheFields count="2"><cacheField name="申报编号" numFmtId="0"><sharedItems/></cacheField>'
               '<cacheField name="金额" numFmtId="0"><sharedItems containsSemiMixedTypes="0" containsString="0" '
               'containsNumber="1" minValue="0" maxValue="1000"/></cacheField></cacheFields>'
               '</pivotCacheDefinition>').encode()
PIVOT_TABLE = (f'<pivotTableDefinition xmlns="{MAIN}" name="数据透视表1" cacheId="7" dataCaption="值" '
               'applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0" '
               'applyAlignmentFormats="0" applyWidthHeightFormats="1" updatedVersion="6" minRefreshableVersion="3" '
               'createdVersion="6" useAutoFormatting="1" indent="0" outline="1" outlineData="1">'
               '<location ref="J3:J4" firstHeaderRow="1" firstDataRow="1" firstDataCol="0"/>'
               '<pivotFields count="2"><pivotField showAll="0"/><pivotField dataField="1" showAll="0"/></pivotFields>'
               '<dataFields count="1"><dataField name="求和项:金额" fld="1" baseField="0" baseItem="0"/></dataFields>'
               '</pivotTableDefinition>').encode()
WPS_CUSTOM = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
              'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
              '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="KSOProductBuildVer">'
              '<vt:lpwstr>2052-12.1.0.16417</vt:lpwstr></property></Properties>').encode()


# ---------------------------------------------------------------------------------------
# building registers


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _write_parts(path: Path, parts: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)


def _part_of(path: Path, sheet: str) -> str:
    pkg = Package(path)
    try:
        return pkg.sheet_info(sheet).part
    finally:
        pkg.close()


def _add_rel(parts: dict, rels_name: str, rid: str, rtype: str, target: str) -> None:
    xml = parts.get(rels_name, f'<Relationships xmlns="{PKG_RELS}"></Relationships>'.encode())
    parts[rels_name] = xml.replace(b"</Relationships>", f'<Relationship Id="{rid}" Type="{R_NS}/{rtype}" '
                                                        f'Target="{target}"/></Relationships>'.encode())


def _override(parts: dict, part: str, ctype: str) -> None:
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"</Types>", f'<Override PartName="/{part}" ContentType="{ctype}"/></Types>'.encode())


def _cell_formula(parts: dict, part: str, ref: str, formula: str, cached: str, kind: str = "str") -> None:
    """Turn a cell into a formula with a cached result, as Excel saves it."""
    xml = parts[part]
    cell = re.search(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
    style = re.search(rb'\bs="(\d+)"', cell.group(0))
    new = (f'<c r="{ref}"' + (f' s="{style.group(1).decode()}"' if style else "") + f' t="{kind}"><f>{formula}</f>'
           f'<v>{cached}</v></c>').encode()
    parts[part] = xml[:cell.start()] + new + xml[cell.end():]


def rich_register(path: Path) -> dict[str, str]:
    """The sample with a clerk's extras; returns what was added (label -> part)."""
    shutil.copyfile(SAMPLE, path)
    wb = load_workbook(path)
    ws = wb[schema.APPLICANT_SHEET]
    ws["B2"].comment = Comment("请核对姓名", "人事科")
    ws.conditional_formatting.add("AB2:AI62", CellIsRule(operator="lessThan", formula=["30"],
                                                         fill=PatternFill("solid", fgColor="FFC7CE")))
    pay = wb[schema.PAYMENT_SHEET]
    chart = BarChart()
    chart.title = "缴费金额"
    chart.add_data(Reference(pay, min_col=2, min_row=1, max_row=pay.max_row), titles_from_data=True)
    pay.add_chart(chart, "H2")
    wb.save(path)
    parts = _parts(path)
    applicants = _part_of(path, schema.APPLICANT_SHEET)
    experts = _part_of(path, schema.EXPERT_SHEET)
    folder, name = applicants.rsplit("/", 1)
    # a picture on 申报人员 (the comment's VML is already linked from the sheet)
    parts["xl/drawings/drawing_pic.xml"] = PICTURE
    parts["xl/media/photo.png"] = PNG
    _add_rel(parts, "xl/drawings/_rels/drawing_pic.xml.rels", "rId1", "image", "../media/photo.png")
    _add_rel(parts, f"{folder}/_rels/{name}.rels", "rIdPic", "drawing", "../drawings/drawing_pic.xml")
    _override(parts, "xl/drawings/drawing_pic.xml", "application/vnd.openxmlformats-officedocument.drawing+xml")
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        b"<Default ", b'<Default Extension="png" ContentType="image/png"/><Default ', 1)
    xml = parts[applicants]
    anchor = next(a for a in (b"<legacyDrawing ", b"<tableParts") if a in xml)
    xml = xml.replace(anchor, f'<drawing xmlns:r="{R_NS}" r:id="rIdPic"/>'.encode() + anchor, 1)
    parts[applicants] = xml.replace(b"</worksheet>", X14_EXT + b"</worksheet>")
    # formulas with cached results in input cells (备注 of row 2, a CE hour of row 3)
    book = read_book(path)
    table = book.table("applicants")
    _cell_formula(parts, applicants, f"{table.letter('remarks')}2", '"备"&amp;"注"', "备注")
    _cell_formula(parts, applicants, f"{table.letter('ce_public_2021')}3", "30+2", "32", kind="n")
    # a pivot table on 评委, its cache reading 缴费
    parts["xl/pivotCache/pivotCacheDefinition1.xml"] = PIVOT_CACHE
    parts["xl/pivotCache/pivotCacheRecords1.xml"] = f'<pivotCacheRecords xmlns="{MAIN}" count="0"/>'.encode()
    _add_rel(parts, "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels", "rId1", "pivotCacheRecords",
             "pivotCacheRecords1.xml")
    parts["xl/pivotTables/pivotTable1.xml"] = PIVOT_TABLE
    _add_rel(parts, "xl/pivotTables/_rels/pivotTable1.xml.rels", "rId1", "pivotCacheDefinition",
             "../pivotCache/pivotCacheDefinition1.xml")
    efolder, ename = experts.rsplit("/", 1)
    _add_rel(parts, f"{efolder}/_rels/{ename}.rels", "rIdPivot", "pivotTable", "../pivotTables/pivotTable1.xml")
    _add_rel(parts, "xl/_rels/workbook.xml.rels", "rIdCache", "pivotCacheDefinition",
             "pivotCache/pivotCacheDefinition1.xml")
    wbxml = parts["xl/workbook.xml"]
    wbxml = wbxml.replace(b"</workbook>", f'<pivotCaches><pivotCache xmlns:r="{R_NS}" cacheId="7" r:id="rIdCache"/>'
                                          f'</pivotCaches></workbook>'.encode())
    parts["xl/workbook.xml"] = wbxml
    base = "application/vnd.openxmlformats-officedocument.spreadsheetml."
    _override(parts, "xl/pivotCache/pivotCacheDefinition1.xml", base + "pivotCacheDefinition+xml")
    _override(parts, "xl/pivotCache/pivotCacheRecords1.xml", base + "pivotCacheRecords+xml")
    _override(parts, "xl/pivotTables/pivotTable1.xml", base + "pivotTable+xml")
    # WPS writes its build into the custom properties
    parts["docProps/custom.xml"] = WPS_CUSTOM
    _add_rel(parts, "_rels/.rels", "rIdWps", "custom-properties", "docProps/custom.xml")
    _override(parts, "docProps/custom.xml", "application/vnd.openxmlformats-officedocument.custom-properties+xml")
    _write_parts(path, parts)
    return {"picture": "xl/media/photo.png", "pivot": "xl/pivotTables/pivotTable1.xml",
            "chart": next(n for n in parts if n.startswith("xl/charts/")), "wps": "docProps/custom.xml",
            "applicants": applicants}


@pytest.fixture
def rich(tmp_path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "台账.xlsx"
    return path, rich_register(path)


# ---------------------------------------------------------------------------------------
# what a changed worksheet must look like


CELL_ATTRS = {"r", "s", "t", "cm", "vm", "ph"}
CELL_TYPES = {"b", "d", "e", "inlineStr", "n", "s", "str"}
SHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
               "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
               "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
               "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
               "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
               "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts",
               "extLst"]


def _col(ref: str) -> int:
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n


def assert_valid_sheet(xml: bytes, where: str) -> None:
    root = etree.fromstring(xml)
    names = [etree.QName(c).localname for c in root]
    positions = [SHEET_ORDER.index(n) for n in names]
    assert positions == sorted(positions), f"{where}: children out of schema order {names}"
    data = root.find(f"{{{MAIN}}}sheetData")
    last_row = 0
    for row in data:
        number = int(row.get("r"))
        assert number > last_row, f"{where}: row {number} after {last_row}"
        last_row = number
        last_col = 0
        for cell in row:
            assert etree.QName(cell).localname == "c"
            ref = cell.get("r")
            assert ref and int(re.search(r"\d+", ref).group(0)) == number, f"{where}: {ref} in row {number}"
            assert _col(ref) > last_col, f"{where}: {ref} out of column order or twice"
            last_col = _col(ref)
            assert set(cell.attrib) <= CELL_ATTRS, f"{where}: {ref} has {sorted(cell.attrib)}"
            kind = cell.get("t", "n")
            assert kind in CELL_TYPES, f"{where}: {ref} t={kind}"
            children = [etree.QName(c).localname for c in cell]
            if kind == "inlineStr":
                assert children == ["is"], f"{where}: {ref} inline string holds {children}"
            else:
                assert "is" not in children, f"{where}: {ref}"


def assert_consistent_package(path: Path) -> None:
    """Content types cover every part and name no missing one; every relationship
    target exists."""
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        types = etree.fromstring(z.read("[Content_Types].xml"))
        defaults = {e.get("Extension").lower() for e in types if etree.QName(e).localname == "Default"}
        overrides = {e.get("PartName").lstrip("/") for e in types if etree.QName(e).localname == "Override"}
        assert overrides <= names, f"content types for missing parts: {sorted(overrides - names)}"
        for name in names - {"[Content_Types].xml"}:
            assert name in overrides or name.rsplit(".", 1)[-1].lower() in defaults, f"no content type: {name}"
        for rels in (n for n in names if n.endswith(".rels")):
            source = rels.replace("_rels/", "").removesuffix(".rels")
            for rel in etree.fromstring(z.read(rels)):
                if rel.get("TargetMode") == "External":
                    continue
                target = opc.resolve(source if source != "" else "", rel.get("Target"))
                assert target in names, f"{rels}: {rel.get('Id')} points to missing {target}"
        assert z.testzip() is None


#: the sheets a refresh writes into: its own, and those with computed columns (评审会, 答辩评分...)
OWNED_SHEETS = (schema.DASHBOARD_SHEET, schema.LOG_SHEET, schema.FINGERPRINT_SHEET,
                *(s.name for s in schema.sheets(range(0)) if s.computed))


def _owned_parts(before: Path, after: Path) -> set[str]:
    """What the refresh may change: its sheets, their tables, the dashboard's drawing and
    chart, styles, workbook, workbook rels, content types."""
    out = {"xl/styles.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    for path in (before, after):
        pkg = Package(path)
        try:
            for sheet in OWNED_SHEETS:
                info = pkg.sheet_info(sheet)
                if info is None:
                    continue
                out |= {info.part, opc.rels_path(info.part)}
                for _rid, rtype, target in pkg.rels(info.part):
                    if rtype.endswith("/table") or sheet == schema.DASHBOARD_SHEET:
                        out.add(target)
                        out |= {opc.rels_path(target)}
                        if sheet == schema.DASHBOARD_SHEET:
                            out |= {t for _i, _r, t in pkg.rels(target)}
        finally:
            pkg.close()
    return out


# ---------------------------------------------------------------------------------------
# fidelity


def test_refresh_keeps_every_part_it_does_not_own_byte_for_byte(rich):
    path, added = rich
    original = path.with_name("原.xlsx")
    shutil.copyfile(path, original)
    assert not any("刷新会被拒绝" in f.message for f in check(path, now=NOW)[1].findings)
    report = refresh(path, now=NOW, user="测试")
    assert report.rows == 61
    owned = _owned_parts(original, path)
    with zipfile.ZipFile(original) as a, zipfile.ZipFile(path) as b:
        old = {i.filename: i for i in a.infolist()}
        new = {i.filename: i for i in b.infolist()}
        for name, info in old.items():
            if name in owned:
                continue
            assert name in new, f"{name} was dropped"
            assert b.read(name) == a.read(name), f"{name} changed"
            assert (new[name].CRC, new[name].compress_size, new[name].compress_type) == \
                   (info.CRC, info.compress_size, info.compress_type), f"{name} was recompressed"
        assert set(new) - set(old) <= owned | {n for n in new if n.startswith(("xl/charts/", "xl/drawings/"))
                                               or n.startswith("xl/worksheets/")}
        for label in ("picture", "pivot", "chart", "wps"):
            assert added[label] in new and added[label] not in owned, label
        # in 申报人员 only sheetData changed: the drawing, comments, formats, x14 extensions stay
        sheet = added["applicants"]
        before, after = a.read(sheet), b.read(sheet)
        cut = lambda xml: (re.sub(rb'<dimension ref="[^"]*"/>', b"", xml[:xml.index(b"<sheetData")]),
                           xml[xml.index(b"</sheetData>"):])
        assert cut(after) == cut(before)
        assert after.endswith(X14_EXT + b"</worksheet>")
        for name in new:
            if name.startswith("xl/worksheets/sheet") and (name not in old or b.read(name) != a.read(name)):
                assert_valid_sheet(b.read(name), name)
    assert_consistent_package(path)


def test_parts_written_anew_are_deflated_at_the_level_limits_csv_names(book):
    """limits.csv's deflate_level (a trade of save time against file size) is the level
    of every part the refresh writes; the parts it copies keep their compressed bytes."""
    level = int(limit("deflate_level"))
    assert 0 <= level <= 9
    original = book.with_name("原.xlsx")
    shutil.copyfile(book, original)
    refresh(book, now=NOW, user="测试")
    with zipfile.ZipFile(original) as a, zipfile.ZipFile(book) as b:
        old = {i.filename: i for i in a.infolist()}
        written = [i for i in b.infolist() if i.filename not in old or i.CRC != old[i.filename].CRC]
        assert _part_of(book, schema.APPLICANT_SHEET) in {i.filename for i in written}
        for info in written:
            deflate = zlib.compressobj(level, zlib.DEFLATED, -15)
            data = b.read(info.filename)
            assert info.compress_size == len(deflate.compress(data) + deflate.flush()), info.filename
        for info in b.infolist():
            if info not in written:
                assert info.compress_size == old[info.filename].compress_size, info.filename


def test_a_second_refresh_leaves_every_cell_of_the_register_as_it_was(book):
    """Cells already holding what the refresh computes are left as they are: a refresh
    with nothing new to compute gives the register sheet back byte for byte."""
    refresh(book, now=NOW, user="测试")
    part = _part_of(book, schema.APPLICANT_SHEET)
    first = _parts(book)[part]
    refresh(book, now=NOW, user="测试")
    assert _parts(book)[part] == first


def test_cells_by_row_read_as_the_flat_mapping_they_stand_for():
    cells = CellsByRow({2: {"verdict": "符合", "fee": None, "note": "无列"}, 3: {"verdict": "=1+1"}},
                       {"verdict": "AX", "fee": "AY"})
    flat = {(2, "AX"): "符合", (2, "AY"): None, (3, "AX"): "=1+1"}
    assert cells == flat and dict(cells.items()) == flat and len(cells) == 3
    assert cells[(2, "AY")] is None and (3, "AY") not in cells and (2, "AZ") not in cells
    assert list(cells.by_row()) == [(2, [("AX", "符合"), ("AY", None)]), (3, [("AX", "=1+1")])]


def _cells(xml: bytes) -> dict[str, bytes]:
    return {m.group(1).decode(): m.group(0) for m in
            re.finditer(rb'<c r="([A-Z]+\d+)"[^>]*?(?:/>|>.*?</c>)', xml, re.S)}


def test_input_cells_are_not_rewritten_and_cached_formula_results_survive(rich):
    path, added = rich
    sheet = added["applicants"]
    before = _cells(_parts(path)[sheet])
    table = read_book(path).table("applicants")
    computed = {table.letter(c.key) for c in schema.APPLICANT_COMPUTED}
    refresh(path, now=NOW, user="测试")
    after = _cells(_parts(path)[sheet])
    for ref, xml in before.items():
        if re.match(r"[A-Z]+", ref).group(0) not in computed:
            assert after[ref] == xml, ref
    remarks, hours = f"{table.letter('remarks')}2", f"{table.letter('ce_public_2021')}3"
    assert b"<f>" in after[remarks] and b"<v>" in after[remarks] and b"<v>32</v>" in after[hours]
    # the next refresh reads the cached results and goes ahead (nothing was lost)
    again = refresh(path, now=NOW, user="测试")
    assert again.book.table("applicants").rows[0].values_by_key["remarks"] == "备注"
    assert again.book.table("applicants").rows[1].values_by_key["ce_public_2021"] == 32
    assert _cells(_parts(path)[sheet])[hours] == after[hours]


def _soffice_csv(book: Path, out: Path) -> dict[str, list[list[str]]]:
    profile = out / "profile"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", CSV_FILTER,
                    "--outdir", str(out), str(book)], check=True, capture_output=True, timeout=300)
    sheets = {}
    for p in out.glob(f"{book.stem}-*.csv"):
        with open(p, encoding="utf-8", newline="") as fh:
            sheets[p.stem.removeprefix(book.stem + "-")] = list(csv.reader(fh))
    return sheets


def _shown(value: object, kind: str) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@pytest.mark.libreoffice
def test_libreoffice_reads_the_refreshed_rich_register_with_the_same_values(rich, tmp_path):
    require_tools("soffice")
    path, _ = rich
    original = tmp_path / "原台账.xlsx"
    shutil.copyfile(path, original)
    report = refresh(path, now=NOW, user="测试")
    before, after = _soffice_csv(original, tmp_path / "a"), _soffice_csv(path, tmp_path / "b")
    for sheet, rows in before.items():          # every sheet the refresh does not own reads the same
        if sheet not in OWNED_SHEETS:
            assert after[sheet] == rows, sheet
    table = report.book.table("applicants")
    computed = {c.key: c for c in schema.APPLICANT_COMPUTED}
    index = {key: ord(letter[-1]) - 65 + 26 * (len(letter) == 2) * (ord(letter[0]) - 64)
             for key in computed if (letter := table.letter(key))}
    old_rows, new_rows = before[schema.APPLICANT_SHEET], after[schema.APPLICANT_SHEET]
    for row in table.rows:
        got, was = new_rows[row.number - 1], old_rows[row.number - 1]
        for i, text in enumerate(was):
            if i not in index.values():
                assert got[i] == text, (row.number, i)              # inputs: as before
        for key, i in index.items():
            expected = _shown(report.evaluation.computed[row.number].get(key), computed[key].kind)
            assert got[i] == expected, (row.number, key, got[i], expected)
    log = after[schema.LOG_SHEET]
    assert log[-1][2] == "刷新计算" and log[-1][3] == "61"


# ---------------------------------------------------------------------------------------
# failures of the issue, one test each


def _set_inputs(path: Path, values: dict[tuple[int, str], object]) -> None:
    wb = load_workbook(path)
    ws = wb[schema.APPLICANT_SHEET]
    table = read_book(path).table("applicants")
    for (row, key), value in values.items():
        cell = ws[f"{table.letter(key)}{row}"]
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"          # text, as a clerk types it after an apostrophe
    wb.save(path)


def test_text_that_looks_like_a_formula_is_written_as_text(book):
    link = '=HYPERLINK("http://example.com","点这里")'
    _set_inputs(book, {(2, "name"): "=1+1", (2, "app_id"): "=1+1", (3, "specialty"): link,
                       (4, "target_title"): "-1+1"})
    refresh(book, now=NOW, user="测试")
    parts = _parts(book)
    for name, xml in parts.items():
        if name.startswith("xl/worksheets/"):
            assert b"<f>" not in xml and b"<f " not in xml, name
    wb = load_workbook(book)
    texts = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value in ("=1+1", link, "-1+1")]
    where = {c.parent.title for c in texts}
    assert {schema.DASHBOARD_SHEET, schema.FINGERPRINT_SHEET} <= where
    for cell in texts:
        if cell.parent.title != schema.APPLICANT_SHEET:       # what the refresh wrote
            assert cell.data_type == "s" and cell.quotePrefix, (cell.parent.title, cell.coordinate)


def test_a_value_far_below_never_stretches_the_table(book):
    adapter = PackageAdapter(book)
    letter = read_book(book).table("applicants").letter("problems")
    adapter.write_cells(schema.APPLICANT_SHEET, {(63, letter): "新行", (1_048_576, letter): "远处"},
                        {letter: "@"}, table="tblApplicants")
    adapter.commit()
    wb = load_workbook(book, read_only=False)
    ws = wb[schema.APPLICANT_SHEET]
    assert ws.tables["tblApplicants"].ref.endswith("63")          # the adjacent row joins, the far one does not
    assert ws[f"{letter}1048576"].value == "远处"
    assert book.stat().st_size < 2 * SAMPLE.stat().st_size


def test_the_log_row_goes_under_its_headers_below_a_title_row(book):
    wb = load_workbook(book)
    ws = wb[schema.LOG_SHEET]
    ws.insert_rows(1)
    ws["A1"] = "操作日志（请勿删除）"
    ws.merge_cells("A1:E1")
    table = ws.tables["tblLog"]
    before = ws.max_row
    table.ref = table.autoFilter.ref = f"A2:E{before}"
    wb.save(book)
    refresh(book, now=NOW, user="测试")
    ws = load_workbook(book)[schema.LOG_SHEET]
    last = [c.value for c in ws[ws.max_row]]
    assert last[:4] == [NOW, "测试", "刷新计算", 61] and ws.max_row == before + 1
    assert ws["A1"].value == "操作日志（请勿删除）" and ws.tables["tblLog"].ref == f"A2:E{before + 1}"


def test_hand_edits_in_computed_columns_are_named_with_their_old_value(book, capsys):
    refresh(book, now=NOW, user="测试")
    _set_inputs(book, {(2, "eligibility"): "符合（科长特批）"})
    letter = read_book(book).table("applicants").letter("eligibility")
    assert main(["refresh", str(book), "--as-of", "2024-09-05 10:00"]) == 1      # done; the sample's errors remain
    out = capsys.readouterr().out
    assert f"{schema.APPLICANT_SHEET}!{letter}2（资格审查）：原为“符合（科长特批）”" in out
    log = read_book(book).table("log").rows[-1].values_by_key["detail"]
    assert "覆盖手工修改的计算列1处" in log and "原为“符合（科长特批）”" in log


def test_a_full_disk_is_a_chinese_refusal_with_nothing_left_behind(book, monkeypatch, capsys):
    original = book.read_bytes()

    def no_space(self, target, **options):
        with open(target, "wb") as fh:
            fh.write(b"PK partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Package, "save", no_space)
    assert main(["refresh", str(book), "--as-of", "2024-09-05 10:00"]) == 2
    err = capsys.readouterr().err
    assert "磁盘空间不足" in err and "No space" not in err and "Errno" not in err
    assert book.read_bytes() == original
    assert list(book.parent.glob(TEMP_PREFIX + "*")) == []
    assert not (book.parent / "备份").exists() or list((book.parent / "备份").iterdir()) == []


def test_a_full_disk_during_fsync_is_refused_too(book, monkeypatch):
    original = book.read_bytes()
    monkeypatch.setattr(safe_write.os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
    with pytest.raises(WriteRefused, match="磁盘空间不足"):
        refresh(book, now=NOW, user="测试")
    assert book.read_bytes() == original and list(book.parent.glob(TEMP_PREFIX + "*")) == []


def test_a_full_disk_while_the_register_sheet_streams_out_is_refused_too(book, monkeypatch):
    """The register sheet is deflated on a thread of its own: a full disk there still
    reaches the caller as the Chinese refusal, with nothing left behind."""
    original = book.read_bytes()
    real = zipfile._ZipWriteFile.write
    written, failed_in = [], []

    def fill_up(self, data):
        written.append(len(data))
        if sum(written) > 100_000:
            failed_in.append(threading.current_thread().name)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(sheetedit, "_BATCH", 4096)          # many pieces, so that some follow the error
    monkeypatch.setattr(zipfile._ZipWriteFile, "write", fill_up)
    with pytest.raises(WriteRefused, match="磁盘空间不足"):
        refresh(book, now=NOW, user="测试")
    assert book.read_bytes() == original and list(book.parent.glob(TEMP_PREFIX + "*")) == []
    assert failed_in == ["xlsx-write"]


def test_the_background_writer_hands_its_error_over_and_never_blocks():
    calls = []

    def failing(data):
        calls.append(data)
        raise OSError(errno.EIO, "I/O error")

    with pytest.raises(OSError, match="I/O error"):
        with zipcopy.Background(failing, depth=1) as write:
            for i in range(200):          # the queue holds one piece: a writer that stopped would block this
                write(b"%d" % i)
    assert calls == [b"0"]
    with zipcopy.Background(calls.append) as write:
        for piece in (b"a", b"", b"b"):
            write(piece)
    assert calls == [b"0", b"a", b"", b"b"]


def test_a_full_disk_while_backing_up_is_refused_in_chinese(book, monkeypatch):
    original = book.read_bytes()
    monkeypatch.setattr(safe_write.shutil, "copy2",
                        lambda *a, **k: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    with pytest.raises(WriteRefused) as err:
        refresh(book, now=NOW, user="测试")
    assert "磁盘空间不足" in str(err.value) and "No space" not in str(err.value)
    assert book.read_bytes() == original
    assert list(book.parent.glob(TEMP_PREFIX + "*")) == list((book.parent / "备份").glob(TEMP_PREFIX + "*")) == []


def test_stale_temporary_files_of_a_killed_run_are_removed_next_time(book):
    stale = book.parent / f"{TEMP_PREFIX}abc123.xlsx"
    stale.write_bytes(b"PK\x03\x04 half a zip")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    (book.parent / "备份").mkdir()
    stale_backup = book.parent / "备份" / f"{TEMP_PREFIX}def456.xlsx"
    stale_backup.write_bytes(b"half")
    os.utime(stale_backup, (old, old))
    busy = book.parent / f"{TEMP_PREFIX}busy.xlsx"            # a save running right now holds its lock
    busy.write_bytes(b"in progress")
    os.utime(busy, (old, old))
    fd = os.open(busy, os.O_RDWR)
    safe_write._mark_in_use(fd)
    other = book.parent / ".~lock.台账.xlsx.bak"               # not ours: never touched
    other.write_bytes(b"x")
    try:
        refresh(book, now=NOW, user="测试")
    finally:
        os.close(fd)
    assert not stale.exists() and not stale_backup.exists()
    assert busy.exists() and other.exists()
    fresh = book.parent / f"{TEMP_PREFIX}fresh.xlsx"          # newer than the run: left alone
    fresh.write_bytes(b"x")
    assert remove_stale_temps(book.parent, time.time() - 60) == [busy]


def test_windows_marks_the_temporary_file_hidden_and_unhides_it_before_the_replace(book, monkeypatch):
    calls = []
    real_replace = safe_write._replace
    monkeypatch.setattr(safe_write, "_set_hidden", lambda path, hidden: calls.append((path.name, hidden)))
    monkeypatch.setattr(safe_write, "_replace", lambda tmp, target: (calls.append(("replace", tmp.name)),
                                                                      real_replace(tmp, target)))
    refresh(book, now=NOW, user="测试")
    names = {name for name, _ in calls if name != "replace"}
    assert len(names) == 2 and all(n.startswith(TEMP_PREFIX) for n in names)
    order = [c[1] if c[0] != "replace" else "replace" for c in calls]
    assert order == [True, False, True, False, "replace"]        # the backup's temporary copy, then the new file


def test_a_libreoffice_lock_is_named_as_libreoffice(book, capsys):
    (book.parent / f".~lock.{book.name}#").write_text("x")
    assert main(["refresh", str(book)]) == 2
    err = capsys.readouterr().err
    assert "LibreOffice" in err and "Excel 或 WPS" not in err


def test_a_shared_formula_in_a_computed_cell_is_refused_by_name(book):
    parts = _parts(book)
    sheet = _part_of(book, schema.APPLICANT_SHEET)
    letter = read_book(book).table("applicants").letter("problems")
    xml = parts[sheet]
    for row, f in ((2, f'<f t="shared" ref="{letter}2:{letter}3" si="0">1+1</f>'), (3, '<f t="shared" si="0"/>')):
        cell = re.search(rb'<c r="' + f"{letter}{row}".encode() + rb'"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
        xml = xml[:cell.start()] + f'<c r="{letter}{row}">{f}<v>2</v></c>'.encode() + xml[cell.end():]
    parts[sheet] = xml
    _write_parts(book, parts)
    original = book.read_bytes()
    with pytest.raises(WriteRefused, match=f"{letter}2单元格是一组共享公式的起点"):
        refresh(book, now=NOW, user="测试")
    assert book.read_bytes() == original


def test_a_plain_formula_in_a_computed_cell_is_replaced_and_the_calc_chain_dropped(book):
    parts = _parts(book)
    sheet = _part_of(book, schema.APPLICANT_SHEET)
    letter = read_book(book).table("applicants").letter("fee_due")
    _cell_formula(parts, sheet, f"{letter}2", "500+50", "550", kind="n")
    parts["xl/calcChain.xml"] = f'<calcChain xmlns="{MAIN}"><c r="{letter}2" i="3"/></calcChain>'.encode()
    _add_rel(parts, "xl/_rels/workbook.xml.rels", "rIdCalc", "calcChain", "calcChain.xml")
    _override(parts, "xl/calcChain.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml")
    _write_parts(book, parts)
    refresh(book, now=NOW, user="测试")
    after = _parts(book)
    assert "xl/calcChain.xml" not in after and b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"<f>" not in _cells(after[sheet])[f"{letter}2"]
    assert_consistent_package(book)


def test_a_register_saved_by_libreoffice_with_shared_strings_refreshes(book, tmp_path):
    require_tools("soffice")
    out = tmp_path / "lo"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(book)], check=True, capture_output=True,
                   timeout=300)
    saved = out / book.name
    strings = _parts(saved)["xl/sharedStrings.xml"]
    report = refresh(saved, now=NOW, user="测试")
    assert report.rows == 61 and _parts(saved)["xl/sharedStrings.xml"] == strings
    assert read_book(saved).table("applicants").rows[0].values_by_key["eligibility"] == \
        report.evaluation.computed[2]["eligibility"]
    assert_consistent_package(saved)


# ---------------------------------------------------------------------------------------
# the writer on odd but valid sheet XML


def _tiny(path: Path, sheet_xml: bytes) -> Path:
    """A one-sheet package around the given worksheet XML."""
    parts = {
        "[Content_Types].xml": ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                                'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                                'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                                'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                'worksheet+xml"/></Types>').encode(),
        "_rels/.rels": (f'<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" Type="{R_NS}/officeDocument" '
                        'Target="xl/workbook.xml"/></Relationships>').encode(),
        "xl/workbook.xml": (f'<x:workbook xmlns:x="{MAIN}" xmlns:r="{R_NS}"><x:sheets><x:sheet name="表" sheetId="1" '
                            'r:id="rId1"/></x:sheets></x:workbook>').encode(),
        "xl/_rels/workbook.xml.rels": (f'<Relationships xmlns="{PKG_RELS}"><Relationship Id="rId1" '
                                       f'Type="{R_NS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
                                       ).encode(),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    _write_parts(path, parts)
    return path


def test_streaming_in_tiny_chunks_writes_the_same_bytes(book, tmp_path, monkeypatch):
    """The sheet is read in chunks: rows cut at any byte give the same result."""
    twin = tmp_path / "twin.xlsx"
    shutil.copyfile(book, twin)
    refresh(book, now=NOW, user="测试")
    monkeypatch.setattr(sheetedit, "_CHUNK", 97)
    refresh(twin, now=NOW, user="测试")
    a, b = _parts(book), _parts(twin)
    assert a.keys() == b.keys()
    assert all(a[n] == b[n] for n in a if n.startswith("xl/worksheets/sheet"))


def test_rows_and_cells_without_references_and_a_prefixed_namespace(tmp_path):
    sheet = (f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row><x:c t="inlineStr"><x:is><x:t>甲</x:t></x:is>'
             '</x:c><x:c><x:v>1</x:v></x:c></x:row><x:row><x:c><x:v>2</x:v></x:c></x:row>'
             '</x:sheetData></x:worksheet>').encode()
    path = _tiny(tmp_path / "t.xlsx", sheet)
    pkg = Package(path)
    edit = pkg.sheet("表")
    edit.set(1, "D", "丁")
    edit.set(2, "A", 20)
    edit.set(4, "B", dt.date(2024, 9, 10), CellStyle(number_format="yyyy-mm-dd"))
    pkg.save(tmp_path / "out.xlsx")
    pkg.close()
    xml = _parts(tmp_path / "out.xlsx")["xl/worksheets/sheet1.xml"]
    assert xml.startswith(b"<x:worksheet") and b"<c " not in xml
    ws = load_workbook(tmp_path / "out.xlsx")["表"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [
        ["甲", 1, None, "丁"], [20, None, None, None], [None] * 4, [None, dt.datetime(2024, 9, 10), None, None]]
    assert ws["B4"].number_format == "yyyy-mm-dd"


def test_equal_values_of_different_types_keep_their_own_type(tmp_path):
    """Cells are built from a memo of values: True, 1 and 1.0 are equal in Python, yet
    each is written as what it is (and a date stays a date, a time of day a time)."""
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>0</v></c></row></sheetData></worksheet>'
    path = _tiny(tmp_path / "m.xlsx", sheet.encode())
    values = [True, 1, 1.0, 1.5, False, 0, 0.0, dt.date(2024, 9, 5), dt.datetime(2024, 9, 5), dt.datetime(2024, 9, 5, 8)]
    pkg = Package(path)
    edit = pkg.sheet("表")
    for row in (1, 2):                                   # the second row is built from the memo
        for i, value in enumerate(values, start=2):
            edit.set(row, i, value)
    pkg.save(tmp_path / "m-out.xlsx")
    pkg.close()
    ws = load_workbook(tmp_path / "m-out.xlsx")["表"]
    for row in ws.iter_rows(min_row=1, max_row=2, min_col=2):
        got = [c.value for c in row]
        assert [type(v) for v in got] == [bool, int, int, float, bool, int, int, dt.datetime, dt.datetime, dt.datetime]
        assert got[:7] == [True, 1, 1, 1.5, False, 0, 0]
        assert [c.number_format for c in row[7:]] == ["yyyy-mm-dd", "yyyy-mm-dd", "yyyy-mm-dd hh:mm"]
        assert got[9] == dt.datetime(2024, 9, 5, 8)


def test_each_cell_keeps_the_format_it_was_last_written_in(tmp_path):
    """The queue keeps one format per column and notes the cells written in another:
    every cell still comes out in the format of its last write."""
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>0</v></c></row></sheetData></worksheet>'
    path = _tiny(tmp_path / "f.xlsx", sheet.encode())
    money, share, text = (CellStyle(number_format="0.00"), CellStyle(number_format="0%"),
                          CellStyle(number_format="@"))
    pkg = Package(path)
    edit = pkg.sheet("表")
    edit.set_rows([(1, [("B", 1.5)]), (2, [("B", 2.5)]), (3, [("B", 3.5)])], {"B": money})
    edit.set(2, "B", 0.25, share)                         # another format than its column's
    edit.set_rows([(3, [("B", 0.5)]), (4, [("B", 0.75)])], {"B": share})
    edit.set(3, "B", 3.5, money)                          # back to the column's format
    edit.set(4, "C", "甲", text)
    pkg.save(tmp_path / "f-out.xlsx")
    pkg.close()
    ws = load_workbook(tmp_path / "f-out.xlsx")["表"]
    assert [(ws[f"B{r}"].value, ws[f"B{r}"].number_format) for r in range(1, 5)] == [
        (1.5, "0.00"), (0.25, "0%"), (3.5, "0.00"), (0.75, "0%")]
    assert (ws["C4"].value, ws["C4"].number_format) == ("甲", "@")


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
VALUES = st.one_of(TEXT, st.integers(-10**12, 10**12), st.booleans(), st.none(),
                   st.floats(allow_nan=False, allow_infinity=False, width=32),
                   st.dates(dt.date(1900, 3, 1), dt.date(9999, 12, 31)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(VALUES, min_size=1, max_size=6))
def test_any_value_is_written_as_a_value_of_its_own_type(tmp_path, values):
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1"><v>0</v></c></row></sheetData></worksheet>'
    path = _tiny(tmp_path / "h.xlsx", sheet.encode())
    pkg = Package(path)
    edit = pkg.sheet("表")
    for i, value in enumerate(values, start=2):
        edit.set(1, i, value)
    pkg.save(tmp_path / "h-out.xlsx")
    pkg.close()
    xml = _parts(tmp_path / "h-out.xlsx")["xl/worksheets/sheet1.xml"]
    assert b"<f>" not in xml
    assert_valid_sheet(xml, "h")
    row = [c.value for c in next(load_workbook(tmp_path / "h-out.xlsx")["表"].iter_rows())][1:]
    for got, value in zip(row + [None] * len(values), values):
        if isinstance(value, str):
            expected = xlsx_cells.clean_text(value)
            assert got == (expected or None)
        elif isinstance(value, bool):
            assert got is value
        elif isinstance(value, dt.date):
            assert got == dt.datetime(value.year, value.month, value.day)
        elif isinstance(value, float):
            assert got == pytest.approx(value, rel=1e-15, abs=0)
        else:
            assert got == value


ROW_PIECES = st.sampled_from([b'<c r="A1"><v>1</v></c>', b"<c/>", b'<c t="inlineStr"><is><t>&lt;row&gt;</t></is></c>',
                              b"\n  ", b"", b'<c r="B1" s="3"/>'])


@st.composite
def _row_elements(draw):
    """A run of ``<row>`` elements as Excel, LibreOffice and hand-written files have them."""
    prefix = draw(st.sampled_from([b"", b"x:"]))
    rows = []
    for n in range(1, draw(st.integers(0, 6)) + 1):
        attrs = draw(st.sampled_from([b"", b' r="%d"' % n, b' r="%d" spans="1:3" ht="15"' % n, b"\n r='%d'" % n]))
        if draw(st.booleans()):
            rows.append(b"<" + prefix + b"row" + attrs + draw(st.sampled_from([b"/>", b" />"])))
        else:
            inner = b"".join(draw(st.lists(ROW_PIECES, max_size=4))).replace(b"<c", b"<" + prefix + b"c")
            inner = inner.replace(b"</c>", b"</" + prefix + b"c>")
            rows.append(b"<" + prefix + b"row" + attrs + b">" + inner + b"</" + prefix + b"row" +
                        draw(st.sampled_from([b"", b" ", b"\n"])) + b">")
    return prefix, b"".join(rows) + b"<" + prefix + b"rowBreaks/>"


@settings(max_examples=200, deadline=None)
@given(rows=_row_elements(), data=st.data())
def test_rows_are_found_as_the_row_pattern_finds_them_even_cut_short(rows, data):
    """The plain-search row finder agrees with the row pattern on every complete row and
    says "not complete yet" for a row cut off by the end of a chunk."""
    prefix, xml = rows
    buf = xml[:data.draw(st.integers(0, len(xml)))]
    expected = [m.span() for m in xlsx_rows.row_pattern(prefix).finditer(buf)]
    found, pos = [], 0
    while True:
        start, end = xlsx_rows.find_row(buf, pos, b"<" + prefix + b"row", b"</" + prefix + b"row")
        if end < 0:
            break
        found.append((start, end))
        pos = end
    assert found == expected
    assert start < 0 or start >= (expected[-1][1] if expected else 0)      # what is left starts after them


def test_the_adapter_hands_its_sheets_over_and_still_finds_the_headers(tmp_path):
    """values() hands the sheets to the caller (a refresh holds the register once); asked
    again, the adapter reads the file again; append_row still finds the log's headers."""
    from addin.book.inplace import PackageAdapter

    path = tmp_path / "台账.xlsx"
    shutil.copyfile(SAMPLE, path)
    adapter = PackageAdapter(path)
    first = adapter.values()
    again = adapter.values()
    assert first is not again
    assert [s.rows for s in first.values()] == [s.rows for s in again.values()]
    assert len(first[schema.APPLICANT_SHEET].rows) > 60
    row = adapter.append_row(schema.LOG_SHEET, "tblLog", {"操作": "测试", "说明": "交接之后"}, {})
    adapter.commit()
    log = load_workbook(path)[schema.LOG_SHEET]
    headers = [c.value for c in log[1]]
    assert log.cell(row, headers.index("操作") + 1).value == "测试"
    assert log.cell(row, headers.index("说明") + 1).value == "交接之后"


def test_refresh_exits_0_when_done_and_1_when_done_with_errors_in_the_register(tmp_path, capsys):
    """As its --help says: 0 done; 1 done, but the register holds errors (the cells are
    written all the same); the clean new register gives 0."""
    clean = tmp_path / "新台账.xlsx"
    assert main(["new", str(clean)]) == 0
    assert main(["refresh", str(clean)]) == 0
    assert "错误0条" in capsys.readouterr().out
    with_errors = tmp_path / "台账.xlsx"
    shutil.copyfile(SAMPLE, with_errors)
    assert main(["refresh", str(with_errors), "--as-of", "2024-09-05 10:00"]) == 1
    out = capsys.readouterr().out
    assert "已刷新" in out and re.search(r"错误[1-9]\d*条", out)
