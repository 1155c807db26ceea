"""safe_write: backups, atomic replace, refusals (lock, read-only, foreign parts) and
crash safety under SIGKILL."""

from __future__ import annotations

import os
import random
import re
import signal
import stat
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from addin.book import safe_write
from addin.errors import WriteRefused
from addin.book.locks import lock_file
from addin.book.safe_write import TEMP_PREFIX, check_writable, foreign_parts, safe_save, snapshot

REPO = Path(__file__).resolve().parents[1]
APPLICANTS = "申报人员"
DASHBOARD = "统计"

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL = R_NS + "/"
XDR_HEAD = ('<xdr:wsDr xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" '
            'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
            f'xmlns:r="{R_NS}">')
ANCHOR_FROM_TO = ('<xdr:from><xdr:col>4</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>'
                  '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>7</xdr:col><xdr:colOff>0</xdr:colOff>'
                  '<xdr:row>8</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>')
PIC_ANCHOR = (
    '<xdr:twoCellAnchor editAs="oneCell">' + ANCHOR_FROM_TO +
    '<xdr:pic><xdr:nvPicPr><xdr:cNvPr id="2" name="图片 1"/><xdr:cNvPicPr><a:picLocks noChangeAspect="1"/>'
    '</xdr:cNvPicPr></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/><a:stretch><a:fillRect/></a:stretch>'
    '</xdr:blipFill><xdr:spPr><a:xfrm><a:off x="2743200" y="190500"/><a:ext cx="1828800" cy="1333500"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:twoCellAnchor>')
SHAPE_ANCHOR = (
    '<xdr:twoCellAnchor>' + ANCHOR_FROM_TO +
    '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="3" name="文本框 2"/><xdr:cNvSpPr txBox="1"/>'
    '</xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="2743200" y="190500"/><a:ext cx="1828800" cy="1333500"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr vertOverflow="clip" '
    'horzOverflow="clip" wrap="square" rtlCol="0" anchor="t"/><a:lstStyle/><a:p><a:r><a:rPr lang="zh-CN" '
    'altLang="en-US" sz="1100"/><a:t>请于8月30日前提交</a:t></a:r></a:p></xdr:txBody></xdr:sp>'
    '<xdr:clientData/></xdr:twoCellAnchor>')
# a slicer as Excel writes it: the Choice is the slicer, the Fallback a text box saying so
SLICER_ANCHOR = (
    '<xdr:twoCellAnchor editAs="oneCell">' + ANCHOR_FROM_TO +
    '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
    '<mc:Choice xmlns:sle15="http://schemas.microsoft.com/office/drawing/2012/slicer" Requires="sle15">'
    '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="4" name="单位"/><xdr:cNvGraphicFramePr/>'
    '</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
    '<a:graphicData uri="http://schemas.microsoft.com/office/drawing/2010/slicer">'
    '<sle:slicer xmlns:sle="http://schemas.microsoft.com/office/drawing/2010/slicer" name="单位"/>'
    '</a:graphicData></a:graphic></xdr:graphicFrame></mc:Choice><mc:Fallback>'
    '<xdr:sp macro="" textlink=""><xdr:nvSpPr><xdr:cNvPr id="0" name=""/><xdr:cNvSpPr><a:spLocks noTextEdit="1"/>'
    '</xdr:cNvSpPr></xdr:nvSpPr><xdr:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="1828800" cy="2524125"/></a:xfrm>'
    '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></xdr:spPr><xdr:txBody><a:bodyPr/><a:lstStyle/><a:p>'
    '<a:r><a:rPr lang="zh-CN" altLang="en-US" sz="1100"/><a:t>此形状代表表切片器。</a:t></a:r></a:p>'
    '</xdr:txBody></xdr:sp></mc:Fallback></mc:AlternateContent><xdr:clientData/></xdr:twoCellAnchor>')


# --------------------------------------------------------------------------------------
# fixtures and helpers


def png_bytes(width: int = 4, height: int = 3) -> bytes:
    """A valid RGB PNG built by hand (Pillow is not a dependency)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = b"".join(b"\x00" + b"\xcc\x22\x22" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_workbook(path: Path, rows: int = 20, dashboard: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = APPLICANTS
    ws.append(["序号", "姓名", "身份证号", "工作单位", "拟申报职称", "学时"])
    for i in range(1, rows + 1):
        ws.append([i, f"人员{i}", f"65290119900101{i:04d}", "阿克苏地区公路管理局", "工程师", 90 + i % 7])
    if dashboard:
        dash = wb.create_sheet(DASHBOARD)
        dash.append(["职称", "人数"])
        dash.append(["工程师", rows])
    wb.save(path)
    return path


def sheet_part(index: int) -> str:
    return f"xl/worksheets/sheet{index}.xml"


def inject(path: Path, *, sheet: int = 1, rels: list[tuple[str, str]] = (), element: str = "",
           parts: dict[str, bytes] | None = None, overrides: dict[str, str] | None = None,
           defaults: dict[str, str] | None = None) -> list[str]:
    """Add parts to an openpyxl-made workbook the way Excel links them: relationships from
    the sheet (type, target relative to the sheet), an element in the sheet XML (format
    it with the new relationship ids), content types. Returns the new relationship ids."""
    parts = dict(parts or {})
    with zipfile.ZipFile(path) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    sheet_name = sheet_part(sheet)
    rels_name = f"xl/worksheets/_rels/sheet{sheet}.xml.rels"
    rels_xml = entries.get(rels_name, b'<Relationships xmlns="http://schemas.openxmlformats.org/'
                                      b'package/2006/relationships"></Relationships>').decode()
    ids = []
    for n, (rtype, target) in enumerate(rels):
        rid = f"rIdX{n + 1}"
        ids.append(rid)
        rels_xml = rels_xml.replace(
            "</Relationships>",
            f'<Relationship Id="{rid}" Type="{rtype}" Target="{target}"/></Relationships>')
    if rels:
        entries[rels_name] = rels_xml.encode()
    if element:
        xml = entries[sheet_name].decode()
        snippet = element.format(*ids).replace(" r:id=", f' xmlns:r="{R_NS}" r:id=')
        # schema order: ... drawing, legacyDrawing, legacyDrawingHF, picture, ..., tableParts, extLst
        before = ("<legacyDrawing ", "<tableParts", "<extLst", "</worksheet>")
        if not snippet.startswith("<drawing"):
            before = before[1:]
        anchor = next(a for a in before if a in xml)
        xml = xml.replace(anchor, snippet + anchor, 1)
        entries[sheet_name] = xml.encode()
    types = entries["[Content_Types].xml"].decode()
    for ext, ctype in (defaults or {}).items():
        types = types.replace("<Default ", f'<Default Extension="{ext}" ContentType="{ctype}" /><Default ', 1)
    for part, ctype in (overrides or {}).items():
        types = types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{ctype}" /></Types>')
    entries["[Content_Types].xml"] = types.encode()
    entries.update(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return ids


def add_drawing(path: Path, anchors: str, *, sheet: int = 1, drawing_rels: str = "",
                parts: dict[str, bytes] | None = None, defaults: dict[str, str] | None = None) -> None:
    drawing = "xl/drawings/drawing9.xml"
    all_parts = {drawing: (XDR_HEAD + anchors + "</xdr:wsDr>").encode(), **(parts or {})}
    if drawing_rels:
        all_parts["xl/drawings/_rels/drawing9.xml.rels"] = (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + drawing_rels + "</Relationships>").encode()
    inject(path, sheet=sheet, rels=[(REL + "drawing", "../drawings/drawing9.xml")],
           element='<drawing r:id="{0}"/>', parts=all_parts, defaults=defaults,
           overrides={drawing: "application/vnd.openxmlformats-officedocument.drawing+xml"})


def add_picture(path: Path, sheet: int = 1) -> None:
    add_drawing(path, PIC_ANCHOR, sheet=sheet,
                drawing_rels=f'<Relationship Id="rId1" Type="{REL}image" Target="../media/image1.png"/>',
                parts={"xl/media/image1.png": png_bytes()}, defaults={"png": "image/png"})


def temp_leftovers(folder: Path) -> list[Path]:
    return sorted(folder.glob(TEMP_PREFIX + "*"))


def backups(folder: Path, stem: str = "台账") -> list[Path]:
    pattern = re.compile(rf"^{re.escape(stem)}-\d{{8}}-\d{{6}}-\d{{6}}\.xlsx$")
    return sorted(p for p in folder.glob("*") if pattern.match(p.name))


def assert_untouched(path: Path, old: bytes) -> None:
    """Nothing was written: same bytes, no temporary file, no backup."""
    assert path.read_bytes() == old
    assert temp_leftovers(path.parent) == []
    backup_dir = path.parent / "备份"
    assert not backup_dir.exists() or list(backup_dir.iterdir()) == []


def editing_save(path: Path, value: object = "已修改", cell: str = "B2"):
    def save(tmp: Path) -> None:
        wb = openpyxl.load_workbook(path)
        wb[APPLICANTS][cell] = value
        wb.save(tmp)
    return save


@pytest.fixture
def book(tmp_path) -> Path:
    return make_workbook(tmp_path / "台账.xlsx")


# --------------------------------------------------------------------------------------
# saving, backups


def test_save_replaces_atomically_and_keeps_backup(book):
    old = book.read_bytes()
    old_inode = book.stat().st_ino
    backup = safe_save(book, editing_save(book, "新值"))
    assert backup is not None and backup.parent == book.parent / "备份"
    assert re.fullmatch(r"台账-\d{8}-\d{6}-\d{6}\.xlsx", backup.name)
    assert backup.read_bytes() == old
    assert openpyxl.load_workbook(book)[APPLICANTS]["B2"].value == "新值"
    assert book.stat().st_ino != old_inode          # a new file was moved in, not rewritten in place
    assert temp_leftovers(book.parent) == []
    assert temp_leftovers(backup.parent) == []


def test_only_newest_backups_are_kept(book):
    backup_dir = book.parent / "备份"
    backup_dir.mkdir()
    # files that are not backups of 台账.xlsx must survive pruning
    others = [backup_dir / "台账-2024-20200101-000000-000000.xlsx",   # backup of 台账-2024.xlsx
              backup_dir / "台账-说明.txt",
              backup_dir / "台账-20200101-000000-000000.xlsm"]
    for other in others:
        other.write_bytes(b"other")
    versions, made = [], []
    for i in range(5):
        versions.append(book.read_bytes())
        made.append(safe_save(book, editing_save(book, f"第{i}次"), keep_backups=3))
    kept = backups(backup_dir)
    assert kept == sorted(made[-3:])
    assert [p.read_bytes() for p in sorted(made[-3:])] == versions[-3:]
    assert all(not p.exists() for p in made[:2])
    assert all(p.read_bytes() == b"other" for p in others)
    assert openpyxl.load_workbook(book)[APPLICANTS]["B2"].value == "第4次"


def test_custom_backup_dir(book, tmp_path):
    old = book.read_bytes()
    backup = safe_save(book, editing_save(book), backup_dir=tmp_path / "elsewhere" / "bak")
    assert backup.parent == tmp_path / "elsewhere" / "bak" and backup.read_bytes() == old
    assert not (book.parent / "备份").exists()


def test_new_workbook_is_created_without_backup(tmp_path):
    target = tmp_path / "新台账.xlsx"
    result = safe_save(target, lambda tmp: make_workbook(tmp))
    assert result is None
    assert openpyxl.load_workbook(target).sheetnames == [APPLICANTS, DASHBOARD]
    assert not (tmp_path / "备份").exists()
    assert temp_leftovers(tmp_path) == []
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


def test_permission_bits_are_kept(book):
    os.chmod(book, 0o640)
    safe_save(book, editing_save(book))
    assert stat.S_IMODE(book.stat().st_mode) == 0o640


def test_keep_backups_must_be_positive(book):
    with pytest.raises(ValueError):
        safe_save(book, editing_save(book), keep_backups=0)


# --------------------------------------------------------------------------------------
# refusals: lock files, read-only, missing file


@pytest.mark.parametrize("lock_name", ["~$职称评审台账2024.xlsx", "~$评审台账2024.xlsx",
                                       ".~lock.职称评审台账2024.xlsx#"])
def test_lock_file_refuses(tmp_path, lock_name):
    book = make_workbook(tmp_path / "职称评审台账2024.xlsx")
    lock = tmp_path / lock_name
    lock.write_bytes(b"\x06zhangsan")
    assert lock_file(book) == lock
    old = book.read_bytes()
    called = []
    with pytest.raises(WriteRefused) as err:
        safe_save(book, lambda tmp: called.append(tmp))
    program = "LibreOffice" if lock_name.startswith(".~lock.") else "Excel 或 WPS"
    assert f"正在被 {program} 打开" in str(err.value) and lock_name in str(err.value)
    assert called == []
    assert_untouched(book, old)
    assert lock.exists()                       # someone else's file: left alone


def test_lock_file_short_name(tmp_path):
    book = make_workbook(tmp_path / "台账.xlsx")
    assert lock_file(book) is None
    (tmp_path / "~$台账.xlsx").write_bytes(b"x")
    assert lock_file(book) == tmp_path / "~$台账.xlsx"
    with pytest.raises(WriteRefused):
        check_writable(book)


def test_lock_appearing_during_save_refuses(book):
    old = book.read_bytes()

    def save(tmp):
        editing_save(book)(tmp)
        (book.parent / ("~$" + book.name)).write_bytes(b"x")   # Excel opened it meanwhile

    with pytest.raises(WriteRefused, match="锁文件"):
        safe_save(book, save)
    assert_untouched(book, old)


def test_lock_on_new_workbook_refuses(tmp_path):
    (tmp_path / "~$新台账.xlsx").write_bytes(b"x")
    with pytest.raises(WriteRefused):
        safe_save(tmp_path / "新台账.xlsx", lambda tmp: make_workbook(tmp))
    assert not (tmp_path / "新台账.xlsx").exists() and temp_leftovers(tmp_path) == []


@pytest.fixture
def restore_mode():
    saved: list[tuple[Path, int]] = []

    def remember(path: Path) -> Path:
        saved.append((path, stat.S_IMODE(path.stat().st_mode)))
        return path
    yield remember
    for path, mode in reversed(saved):
        os.chmod(path, mode)


def test_read_only_file_refuses(book, restore_mode):
    old = book.read_bytes()
    os.chmod(restore_mode(book), 0o444)
    with pytest.raises(WriteRefused, match="只读"):
        safe_save(book, editing_save(book))
    with pytest.raises(WriteRefused, match="只读"):
        check_writable(book)
    assert_untouched(book, old)


def test_read_only_folder_refuses(book, restore_mode):
    old = book.read_bytes()
    os.chmod(restore_mode(book.parent), 0o555)
    with pytest.raises(WriteRefused, match="文件夹.*只读"):
        safe_save(book, editing_save(book))
    with pytest.raises(WriteRefused, match="只读"):
        safe_save(book.parent / "新台账.xlsx", lambda tmp: make_workbook(tmp))
    os.chmod(book.parent, 0o755)
    assert_untouched(book, old)


def test_missing_file_refuses_check(tmp_path):
    with pytest.raises(WriteRefused, match="找不到工作簿"):
        check_writable(tmp_path / "无此文件.xlsx")
    with pytest.raises(WriteRefused, match="不存在"):
        safe_save(tmp_path / "无此文件夹" / "台账.xlsx", lambda tmp: make_workbook(tmp))


# --------------------------------------------------------------------------------------
# failures during the save


def test_save_raising_midway_changes_nothing(book):
    old = book.read_bytes()

    def save(tmp):
        tmp.write_bytes(b"PK\x03\x04 half written")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        safe_save(book, save)
    assert_untouched(book, old)


def test_save_writing_garbage_is_refused(book):
    old = book.read_bytes()
    with pytest.raises(WriteRefused, match="不是完整的 Excel 文件"):
        safe_save(book, lambda tmp: tmp.write_bytes(b"this is not a zip"))
    assert_untouched(book, old)


def test_save_writing_truncated_zip_is_refused(book):
    old = book.read_bytes()
    with pytest.raises(WriteRefused):
        safe_save(book, lambda tmp: tmp.write_bytes(old[: len(old) // 2]))
    assert_untouched(book, old)


def test_save_writing_nothing_is_refused(book):
    old = book.read_bytes()
    with pytest.raises(WriteRefused):
        safe_save(book, lambda tmp: None)
    assert_untouched(book, old)


def test_zip_without_content_types_is_refused(book):
    old = book.read_bytes()

    def save(tmp):
        with zipfile.ZipFile(tmp, "w") as zf:
            zf.writestr("xl/workbook.xml", "<workbook/>")

    with pytest.raises(WriteRefused):
        safe_save(book, save)
    assert_untouched(book, old)


def test_replace_permission_error_is_refused(book, monkeypatch):
    old = book.read_bytes()
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) == book:
            raise PermissionError(13, "The process cannot access the file")
        return real_replace(src, dst)

    monkeypatch.setattr(safe_write.os, "replace", replace)
    with pytest.raises(WriteRefused, match="无法替换工作簿"):
        safe_save(book, editing_save(book))
    assert_untouched(book, old)


def test_change_by_someone_else_during_save_is_refused(book):
    def save(tmp):
        editing_save(book, "我的修改")(tmp)
        time.sleep(0.01)
        wb = openpyxl.load_workbook(book)           # a colleague saves meanwhile
        wb[APPLICANTS]["B3"] = "同事的修改"
        wb.save(book)

    old = book.read_bytes()
    with pytest.raises(WriteRefused, match="被其他程序或其他人修改"):
        safe_save(book, save)
    wb = openpyxl.load_workbook(book)
    assert wb[APPLICANTS]["B3"].value == "同事的修改" and wb[APPLICANTS]["B2"].value != "我的修改"
    assert temp_leftovers(book.parent) == []
    # the version from before the colleague's save exists nowhere else: its backup is kept
    assert [p.read_bytes() for p in backups(book.parent / "备份")] == [old]


def test_change_between_load_and_save_is_refused(book):
    state = snapshot(book)
    wb = openpyxl.load_workbook(book)              # the caller loads first (as refresh does)
    wb[APPLICANTS]["B2"] = "我的修改"
    time.sleep(0.01)
    other = openpyxl.load_workbook(book)           # a colleague saves meanwhile
    other[APPLICANTS]["B3"] = "同事的修改"
    other.save(book)
    theirs = book.read_bytes()
    with pytest.raises(WriteRefused, match="被其他程序或其他人修改"):
        safe_save(book, wb.save, unchanged_since=state)
    assert_untouched(book, theirs)
    safe_save(book, wb.save, unchanged_since=snapshot(book))   # an up-to-date state passes
    assert openpyxl.load_workbook(book)[APPLICANTS]["B2"].value == "我的修改"


def test_macros_must_survive(tmp_path):
    book = make_workbook(tmp_path / "台账.xlsm")
    inject(book, parts={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"},
           overrides={"xl/vbaProject.bin": "application/vnd.ms-office.vbaProject"})
    old = book.read_bytes()

    def save(keep_vba):
        def inner(tmp):
            wb = openpyxl.load_workbook(book, keep_vba=keep_vba)
            wb[APPLICANTS]["B2"] = "x"
            wb.save(tmp)
        return inner

    with pytest.raises(WriteRefused, match="宏"):
        safe_save(book, save(False))
    assert book.read_bytes() == old and temp_leftovers(tmp_path) == []
    safe_save(book, save(True))
    with zipfile.ZipFile(book) as zf:
        assert zf.read("xl/vbaProject.bin") == b"\xd0\xcf\x11\xe0 fake vba"


# --------------------------------------------------------------------------------------
# foreign parts


def refused_for_foreign(book: Path, expected: str) -> None:
    """safe_save refuses, names the part, and writes nothing."""
    old = book.read_bytes()
    called = []
    with pytest.raises(WriteRefused) as err:
        safe_save(book, lambda tmp: called.append(tmp))
    assert expected in str(err.value) and expected in err.value.reasons
    assert "拒绝写入" in str(err.value)
    assert called == []
    assert_untouched(book, old)


def rebuilt(labels: str, sheet: str = DASHBOARD) -> str:
    """The refusal for what sits on a sheet the refresh rebuilds."""
    return f"“{sheet}”工作表由本程序在每次刷新时重建，其中的{labels}会丢失；请把它们移到其他工作表"


def test_clean_workbook_has_no_foreign_parts(book):
    assert foreign_parts(book) == []
    check_writable(book)


def test_image_on_a_clerk_sheet_is_kept_not_refused(book):
    add_picture(book)
    openpyxl.load_workbook(book)                   # the fixture is a readable workbook
    assert foreign_parts(book) == []
    check_writable(book)


def test_image_on_own_sheet_is_refused(book):
    add_picture(book, sheet=2)
    assert foreign_parts(book) == [rebuilt("图片")]
    refused_for_foreign(book, rebuilt("图片"))


def add_chart(path: Path, sheet_name: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet_name]
    chart = BarChart()
    chart.title = "各职称人数"
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=ws.max_row), titles_from_data=True)
    ws.add_chart(chart, "H2")
    wb.save(path)


def test_chart_on_data_sheet_is_kept(book):
    add_chart(book, APPLICANTS)
    assert foreign_parts(book) == []


def test_chart_on_own_sheet_is_ours(book):
    add_chart(book, DASHBOARD)
    assert foreign_parts(book) == []
    assert foreign_parts(book, own_sheets="统计") == []
    assert safe_save(book, editing_save(book)) is not None
    assert openpyxl.load_workbook(book)[APPLICANTS]["B2"].value == "已修改"


def test_shape_on_a_clerk_sheet_is_kept(book):
    add_drawing(book, SHAPE_ANCHOR)
    assert foreign_parts(book) == []


def test_shape_on_own_sheet_is_refused(book):
    add_drawing(book, SHAPE_ANCHOR, sheet=2)
    assert foreign_parts(book) == [rebuilt("形状或文本框")]


def test_openpyxl_really_loses_shapes(book, tmp_path):
    """Why the writer edits in place: an openpyxl round trip drops the text box."""
    add_drawing(book, SHAPE_ANCHOR)
    resaved = tmp_path / "resaved.xlsx"
    openpyxl.load_workbook(book).save(resaved)
    with zipfile.ZipFile(resaved) as zf:
        assert not any("请于8月30日前提交" in zf.read(n).decode("utf-8", "replace")
                       for n in zf.namelist() if n.endswith(".xml"))


def test_slicer_is_reported_once_not_as_its_fallback_shape(book):
    add_drawing(book, SLICER_ANCHOR, sheet=2)
    assert foreign_parts(book) == [rebuilt("切片器")]
    add_drawing(book, SLICER_ANCHOR)          # on a clerk's sheet: kept
    assert foreign_parts(book) == [rebuilt("切片器")]


def test_pivot_table_on_own_sheet_is_refused(book):
    pivot = ('<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'name="数据透视表1" cacheId="1" dataCaption="值"><location ref="A3:B7" firstHeaderRow="1" '
             'firstDataRow="1" firstDataCol="1"/></pivotTableDefinition>')
    inject(book, sheet=2, rels=[(REL + "pivotTable", "../pivotTables/pivotTable1.xml")],
           parts={"xl/pivotTables/pivotTable1.xml": pivot.encode()},
           overrides={"xl/pivotTables/pivotTable1.xml":
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.pivotTable+xml"})
    assert foreign_parts(book) == [rebuilt("数据透视表")]
    refused_for_foreign(book, rebuilt("数据透视表"))


def test_workbook_level_pivot_parts_are_kept(book):
    inject(book, parts={"xl/pivotCache/pivotCacheDefinition1.xml": b"<pivotCacheDefinition/>"})
    assert foreign_parts(book) == []


@pytest.mark.parametrize("rtype, target, label", [
    (REL + "ctrlProp", "../ctrlProps/ctrlProp1.xml", "表单控件"),
    (REL + "control", "../activeX/activeX1.xml", "ActiveX 控件"),
    (REL + "oleObject", "../embeddings/oleObject1.bin", "嵌入的对象"),
    (REL + "package", "../embeddings/文档1.docx", "嵌入的对象"),
    ("http://schemas.microsoft.com/office/2007/relationships/slicer", "../slicers/slicer1.xml", "切片器"),
    ("http://schemas.microsoft.com/office/2011/relationships/timeline", "../timelines/timeline1.xml", "日程表"),
    ("http://schemas.microsoft.com/office/2017/10/relationships/threadedComment",
     "../threadedComments/threadedComment1.xml", "新式批注"),
])
def test_other_parts_on_own_sheet_are_refused_and_kept_elsewhere(book, rtype, target, label):
    part = "xl/" + target[3:]
    inject(book, rels=[(rtype, target)], parts={part: b"<x/>"})
    assert foreign_parts(book) == []
    inject(book, sheet=2, rels=[(rtype, target)], parts={part: b"<x/>"})
    found = foreign_parts(book)
    assert len(found) == 1 and found[0].startswith(f"“{DASHBOARD}”工作表由本程序") and label in found[0]


def test_legacy_form_control_is_foreign_but_comment_vml_is_not(book):
    vml = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
           'xmlns:x="urn:schemas-microsoft-com:office:excel"><v:shape id="_x0000_s1025" type="#_x0000_t201">'
           '<x:ClientData ObjectType="Button"><x:FmlaMacro>[0]!刷新</x:FmlaMacro></x:ClientData></v:shape></xml>')
    inject(book, sheet=2, rels=[(REL + "vmlDrawing", "../drawings/vmlDrawing1.vml")],
           element='<legacyDrawing r:id="{0}"/>', parts={"xl/drawings/vmlDrawing1.vml": vml.encode()},
           defaults={"vml": "application/vnd.openxmlformats-officedocument.vmlDrawing"})
    assert foreign_parts(book) == [rebuilt("表单控件（按钮、复选框、下拉框等）")]
    note = vml.replace('ObjectType="Button"', 'ObjectType="Note"')
    inject(book, sheet=2, parts={"xl/drawings/vmlDrawing1.vml": note.encode()})
    assert foreign_parts(book) == []


def test_background_picture_on_own_sheet_is_refused(book):
    inject(book, sheet=2, rels=[(REL + "image", "../media/image1.png")], element='<picture r:id="{0}"/>',
           parts={"xl/media/image1.png": png_bytes()}, defaults={"png": "image/png"})
    openpyxl.load_workbook(book)
    assert foreign_parts(book) == [rebuilt("工作表背景图片")]


@pytest.mark.parametrize("part", ["xl/richData/rdrichvalue.xml", "xl/connections.xml", "xl/model/item.data"])
def test_workbook_level_parts_are_kept(book, part):
    inject(book, parts={part: b"<x/>"})
    assert foreign_parts(book) == []


def test_chartsheet_is_kept(book):
    wb = openpyxl.load_workbook(book)
    cs = wb.create_chartsheet("人数图")
    chart = BarChart()
    chart.add_data(Reference(wb[APPLICANTS], min_col=6, min_row=1, max_row=5))
    cs.add_chart(chart)
    wb.save(book)
    assert foreign_parts(book) == []


def test_a_strict_open_xml_package_is_refused(book):
    with zipfile.ZipFile(book) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    entries["xl/workbook.xml"] = entries["xl/workbook.xml"].replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    with zipfile.ZipFile(book, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    found = foreign_parts(book)
    assert len(found) == 1 and "严格 Open XML" in found[0]


def test_comments_validation_formats_tables_names_are_not_foreign(book):
    wb = openpyxl.load_workbook(book)
    ws = wb[APPLICANTS]
    ws["B2"].comment = Comment("请核对姓名", "人事科")
    dv = DataValidation(type="list", formula1='"工程师,高级工程师,助理工程师"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("E2:E21")
    ws.conditional_formatting.add("F2:F21", CellIsRule(operator="lessThan", formula=["90"],
                                                        fill=PatternFill("solid", fgColor="FFC7CE")))
    ws.add_table(Table(displayName="申报表", ref="A1:F21"))
    wb.defined_names["截止日"] = DefinedName("截止日", attr_text=f"'{APPLICANTS}'!$A$1")
    wb.save(book)
    with zipfile.ZipFile(book) as zf:                # the fixture really has these parts
        names = zf.namelist()
    assert any(n.startswith("xl/comments") for n in names)
    assert any(n.endswith(".vml") for n in names)
    assert any(n.startswith("xl/tables/") for n in names)
    assert foreign_parts(book) == []


def test_several_parts_are_all_listed(book):
    add_chart(book, DASHBOARD)        # ours: not listed (added first: openpyxl would drop the others)
    add_picture(book)                 # on a clerk's sheet: kept
    assert foreign_parts(book) == []
    add_drawing(book, SHAPE_ANCHOR, sheet=2)
    inject(book, sheet=2, rels=[(REL + "pivotTable", "../pivotTables/pivotTable1.xml")],
           parts={"xl/pivotTables/pivotTable1.xml": b"<pivotTableDefinition/>"})
    found = foreign_parts(book)
    assert len(found) == 1 and "形状或文本框" in found[0] and "数据透视表" in found[0]


def test_check_foreign_false_skips_the_check(book):
    add_drawing(book, SHAPE_ANCHOR, sheet=2)
    safe_save(book, editing_save(book), check_foreign=False)
    assert openpyxl.load_workbook(book)[APPLICANTS]["B2"].value == "已修改"


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04garbage"])
def test_not_a_zip_is_refused(tmp_path, content):
    bad = tmp_path / "台账.xlsx"
    bad.write_bytes(content)
    with pytest.raises(WriteRefused, match="不是有效的 Excel 文件"):
        foreign_parts(bad)
    with pytest.raises(WriteRefused, match="不是有效的 Excel 文件"):
        safe_save(bad, lambda tmp: make_workbook(tmp))
    assert_untouched(bad, content)


def test_zip_that_is_not_a_workbook_is_refused(tmp_path):
    bad = tmp_path / "台账.xlsx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(WriteRefused, match="不是有效的 Excel 文件"):
        foreign_parts(bad)


# --------------------------------------------------------------------------------------
# crash safety

CHILD = """
import sys
from pathlib import Path
import openpyxl
from addin.book.safe_write import safe_save
path, marker = Path(sys.argv[1]), sys.argv[2]
def save(tmp):
    wb = openpyxl.load_workbook(path)
    wb["申报人员"]["B2"] = marker
    wb.save(tmp)
safe_save(path, save, keep_backups=3)
"""


def run_child(path: Path, marker: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-c", CHILD, str(path), marker], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigkill_leaves_old_or_new_workbook(tmp_path, record_property):
    book = make_workbook(tmp_path / "台账.xlsx", rows=2000)
    backup_dir = tmp_path / "备份"

    start = time.monotonic()
    proc = run_child(book, "测量")
    _out, err = proc.communicate(timeout=60)
    duration = time.monotonic() - start
    assert proc.returncode == 0, err.decode()
    assert openpyxl.load_workbook(book, read_only=True)[APPLICANTS]["B2"].value == "测量"

    rng = random.Random(20240830)
    outcomes = {"old": 0, "new": 0}
    killed = 0
    for trial in range(20):
        old = book.read_bytes()
        marker = f"第{trial}次"
        proc = run_child(book, marker)
        time.sleep(rng.uniform(0, duration * 1.1))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        _out, err = proc.communicate(timeout=60)
        if proc.returncode == -signal.SIGKILL:
            killed += 1
        else:
            assert proc.returncode == 0, err.decode()
        now = book.read_bytes()
        cell = openpyxl.load_workbook(book, read_only=True)[APPLICANTS]["B2"].value  # always opens
        if now == old:
            outcomes["old"] += 1
        else:
            assert cell == marker, f"trial {trial}: workbook is neither the old nor the new version"
            outcomes["new"] += 1
        if proc.returncode == 0:
            assert cell == marker

    leftovers = temp_leftovers(tmp_path) + temp_leftovers(backup_dir)
    record_property("sigkill_outcomes", f"killed={killed} {outcomes} leftover_temp_files={len(leftovers)}")
    print(f"\nSIGKILL trials: killed={killed}, {outcomes}, "
          f"leftover temp files={len(leftovers)}, one run={duration:.2f}s")
    assert killed >= 5                                 # the trials really interrupted writes
    # every backup, even from killed runs, is a complete workbook
    for backup in backups(backup_dir):
        openpyxl.load_workbook(backup, read_only=True).close()

    # a normal save afterwards works, prunes backups and removes the killed runs' leftovers
    count = len(backups(backup_dir))
    safe_save(book, editing_save(book, "之后"), keep_backups=3)
    assert openpyxl.load_workbook(book)[APPLICANTS]["B2"].value == "之后"
    assert len(backups(backup_dir)) == min(3, count + 1)
    assert temp_leftovers(tmp_path) + temp_leftovers(backup_dir) == []