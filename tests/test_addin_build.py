"""The Excel add-in as built on Linux (issue: add-in): the package, the VBA project as
olevba/olefile read it, the ribbon against the Python allow-list, the UDF wrappers
against the Python UDFs, the MS-OVBA compressor against oletools' decompressor, the
compound-file writer against olefile, reproducibility, and install-addin."""

from __future__ import annotations

import argparse
import hashlib
import inspect
import io
import re
import sys
import warnings
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path, PurePosixPath

import olefile
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
with warnings.catch_warnings():          # oletools' pyparsing grammar warns on import
    warnings.simplefilter("ignore", DeprecationWarning)
    from oletools.olevba import VBA_Parser, VBA_Project, decompress_stream

import udfs
from addin.excel import build, cfb, ovba, udfwrap
from addin.excel.build import BuildError, build_addin, stubs_dir
from addin.excel.install import InstallRefused, config_text, install, portable_path, read_config
from addin.excel.ribbon import ACTIONS
from addin.excel.vbaproject import Module, VBAProjectError, crlf, project_id, vba_project_bin

CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
UI_NS = "{http://schemas.microsoft.com/office/2006/01/customui}"
OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
EXPECTED_MODULES = {"ConfigSheet.cls", "ThisWorkbook.cls", "ZhichengRibbon.bas", "xlwings.bas", "xlwings_udfs.bas"}


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_addin(tmp_path_factory.mktemp("dist")).path


@pytest.fixture(scope="module")
def parts(built) -> dict[str, bytes]:
    with zipfile.ZipFile(built) as z:
        assert z.testzip() is None
        return {n: z.read(n) for n in z.namelist()}


@pytest.fixture(scope="module")
def macros(built) -> dict[str, str]:
    parser = VBA_Parser(str(built))
    assert parser.detect_vba_macros()
    found = {vba_filename: code for _, _, vba_filename, code in parser.extract_macros()}
    parser.close()
    return found


@pytest.fixture(scope="module")
def project(parts):
    ole = olefile.OleFileIO(io.BytesIO(parts["xl/vbaProject.bin"]), raise_defects=olefile.DEFECT_INCORRECT)
    return ole


# --- the package ---------------------------------------------------------------------------

def test_the_addin_is_named_in_ascii_and_titled_in_chinese(built, parts):
    assert built.name == "zhicheng.xlam"
    core = ET.fromstring(parts["docProps/core.xml"])
    assert core.find("{http://purl.org/dc/elements/1.1/}title").text == "职称评审台账"


def test_every_part_has_a_content_type_and_every_override_a_part(parts):
    types = ET.fromstring(parts["[Content_Types].xml"])
    defaults = {d.get("Extension").lower(): d.get("ContentType") for d in types.iter(f"{CT_NS}Default")}
    overrides = {o.get("PartName"): o.get("ContentType") for o in types.iter(f"{CT_NS}Override")}
    for name in parts:
        if name == "[Content_Types].xml":
            continue
        part = "/" + name
        assert part in overrides or name.rsplit(".", 1)[-1].lower() in defaults, f"no content type for {name}"
    for part in overrides:
        assert part.lstrip("/") in parts, f"override for a missing part {part}"
    assert overrides["/xl/workbook.xml"] == "application/vnd.ms-excel.addin.macroEnabled.main+xml"
    assert overrides["/xl/vbaProject.bin"] == "application/vnd.ms-office.vbaProject"


def test_xml_parts_are_well_formed_and_relationships_resolve(parts):
    for name, data in parts.items():
        if name.endswith((".xml", ".rels")):
            ET.fromstring(data)
    for rels_name in [n for n in parts if n.endswith(".rels")]:
        base = PurePosixPath(rels_name).parent.parent
        for rel in ET.fromstring(parts[rels_name]).iter(f"{REL_NS}Relationship"):
            target = rel.get("Target")
            resolved = target.lstrip("/") if target.startswith("/") else str(base / target).lstrip("./")
            assert resolved in parts, f"{rels_name}: {target} missing"


def test_the_ribbon_uses_the_2006_relationship_type_with_the_2006_namespace(parts):
    rels = {r.get("Target"): r for r in ET.fromstring(parts["_rels/.rels"]).iter(f"{REL_NS}Relationship")}
    assert rels["customUI/customUI.xml"].get("Type") == \
        "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
    assert rels["xl/workbook.xml"].get("Type") == OFFICE_DOCUMENT
    assert ET.fromstring(parts["customUI/customUI.xml"]).tag == f"{UI_NS}customUI"
    assert parts["customUI/customUI.xml"] == (stubs_dir() / "customUI.xml").read_bytes()


def test_the_config_sheet_holds_only_our_keys(parts):
    workbook = ET.fromstring(parts["xl/workbook.xml"])
    sheets = [s.get("name") for s in workbook.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet")]
    assert sheets == ["zhicheng.conf"]
    assert b"felix" not in parts["xl/workbook.xml"]                 # the template's author path is gone
    strings = [t.text for t in ET.fromstring(parts["xl/sharedStrings.xml"]).iter(
        "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}t")]
    assert strings == ["UDF MODULES", "udfs", "ADD_WORKBOOK_TO_PYTHONPATH", "false"]
    assert b'<dimension ref="A1:B2" />' in parts["xl/worksheets/sheet1.xml"]
    assert b'codeName="ConfigSheet"' in parts["xl/worksheets/sheet1.xml"]
    assert b'codeName="ThisWorkbook"' in parts["xl/workbook.xml"]


def test_two_builds_are_byte_identical(built, tmp_path):
    again = build_addin(tmp_path / "again").path
    assert hashlib.sha256(again.read_bytes()).hexdigest() == hashlib.sha256(built.read_bytes()).hexdigest()
    with zipfile.ZipFile(again) as z:
        names = z.namelist()
        assert names[0] == "[Content_Types].xml" and names[1:] == sorted(names[1:])
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}


# --- the VBA project -----------------------------------------------------------------------

def expected_xlwings() -> str:
    text = build.XLWINGS_BAS.read_text(encoding="ascii")
    return crlf(text.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "zhicheng"'))


def test_olevba_returns_exactly_our_sources_and_the_xlwings_module(macros):
    assert set(macros) == EXPECTED_MODULES
    for path in sorted(stubs_dir().glob("*.bas")) + sorted(stubs_dir().glob("*.cls")):
        assert macros[path.name] == crlf(path.read_text(encoding="utf-8")), path.name
    assert macros["xlwings.bas"] == expected_xlwings()
    assert 'Public Const PROJECT_NAME As String = "zhicheng"' in macros["xlwings.bas"]
    assert macros["xlwings_udfs.bas"] == crlf(udfwrap.wrapper_source("udfs", udfwrap.udfs_of(udfs)))


def test_the_project_is_source_only_and_olevba_parses_it_strictly(parts, project):
    assert project.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("CC61FFFF000100")
    parser = VBA_Parser("addin.xlam", data=parts["xl/vbaProject.bin"])
    vba_root, project_path, dir_path = parser.find_vba_projects()[0]
    vba = VBA_Project(parser.ole_file, vba_root, project_path, dir_path, relaxed=False)
    vba.parse_project_stream()
    list(vba.parse_modules())
    assert vba.projectname == "Zhicheng" and vba.codepage == 1252
    assert {m.name: (m.textoffset, m.type) for m in vba.modules} == {
        "ConfigSheet": (0, 0x22), "ThisWorkbook": (0, 0x22), "ZhichengRibbon": (0, 0x21), "xlwings": (0, 0x21),
        "xlwings_udfs": (0, 0x21)}
    parser.close()


def test_the_project_stream_lists_the_modules_unprotected(project):
    text = project.openstream("PROJECT").read().decode("cp1252")
    assert text.endswith("\r\n\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")
    pid = project_id("Zhicheng")
    assert lines[0] == f'ID="{pid}"'
    assert {"Document=ThisWorkbook/&H00000000", "Document=ConfigSheet/&H00000000", "Module=ZhichengRibbon",
            "Module=xlwings", "Module=xlwings_udfs"} <= set(lines)
    values = dict(line.split("=", 1) for line in lines if line[:4] in ("CMG=", "DPB=", "GC=\""))
    decoded = {k: ovba.decrypt(v.strip('"')) for k, v in values.items()}
    assert decoded["CMG"][2] == bytes(4)             # not protected
    assert decoded["DPB"][2] == b"\x00"              # no password
    assert decoded["GC"][2] == b"\xff"               # visible
    assert all(v[1] == ovba.project_key(pid) for v in decoded.values())
    wm = project.openstream("PROJECTwm").read()
    assert wm.endswith(b"\x00\x00") and b"x\x00l\x00w\x00i\x00n\x00g\x00s\x00_\x00u\x00d\x00f\x00s\x00" in wm


def test_sources_that_cannot_be_stored_are_refused():
    with pytest.raises(VBAProjectError):
        vba_project_bin("P", [Module("A", crlf('Attribute VB_Name = "A"\n\' 中文注释'))])
    with pytest.raises(VBAProjectError):
        vba_project_bin("P", [Module("A", crlf('Attribute VB_Name = "B"'))])
    with pytest.raises(VBAProjectError):
        vba_project_bin("A", [Module("A", crlf('Attribute VB_Name = "A"'))])


# --- the ribbon against the Python side ----------------------------------------------------------

def ribbon_controls(parts) -> list[dict]:
    return [dict(el.attrib) for el in ET.fromstring(parts["customUI/customUI.xml"]).iter() if "onAction" in el.attrib]


def test_every_onaction_has_a_matching_ribbon_sub(parts, macros):
    controls = ribbon_controls(parts)
    assert len(controls) == len(ACTIONS) >= 12
    for c in controls:
        module, sub = c["onAction"].split(".")
        assert re.search(rf"^Sub {sub}\(control As IRibbonControl\)\r$", macros[f"{module}.bas"], re.M), c["onAction"]


def test_the_one_callback_passes_the_tag_to_the_python_dispatcher(macros):
    code = macros["ZhichengRibbon.bas"]
    assert code.count("RunPython") == 1
    assert 'RunPython "import addin.excel.ribbon as r; r.dispatch(\'" & control.Tag & "\')"' in code
    statements = [line.strip() for line in code.split("\r\n")
                  if line.strip() and not line.strip().startswith(("'", "Attribute", "Option"))]
    assert statements == ["Sub OnAction(control As IRibbonControl)",
                          'RunPython "import addin.excel.ribbon as r; r.dispatch(\'" & control.Tag & "\')"',
                          "End Sub"]                           # no logic in VBA


def test_every_button_tag_is_allowed_and_resolves_to_a_callable(parts):
    import importlib

    module, _, func = "addin.excel.ribbon.dispatch".rpartition(".")
    assert callable(getattr(importlib.import_module(module), func))
    controls = ribbon_controls(parts)
    tags = [c["tag"] for c in controls]
    assert len(tags) == len(set(tags))
    assert set(tags) == set(ACTIONS)
    for c in controls:
        assert re.fullmatch(r"[A-Za-z0-9_.:-]+", c["tag"])
        action = ACTIONS[c["tag"]]
        assert callable(action.run) and list(inspect.signature(action.run).parameters) == ["s"]
        assert action.label == c["label"], c["tag"]
        assert c.get("imageMso") and re.search(r"[\u4e00-\u9fff]", c["label"])
    labels = {c["label"] for c in controls}
    assert {"刷新计算", "校验", "生成材料（全部）", "生成材料（选中行）", "评审会名单", "公示名单", "导出财务表", "导入缴费",
            "导入平台数据", "节假日与参数", "关于", "抽取评委"} <= labels


def test_the_build_refuses_a_ribbon_tag_outside_the_allow_list(tmp_path):
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for p in stubs_dir().iterdir():
        (stubs / p.name).write_bytes(p.read_bytes())
    xml = (stubs / "customUI.xml").read_text(encoding="utf-8").replace('tag="about"', 'tag="about;rm"')
    (stubs / "customUI.xml").write_text(xml, encoding="utf-8")
    with pytest.raises(BuildError, match="允许列表"):
        build_addin(tmp_path / "out", stubs=stubs)


# --- the UDF wrappers ------------------------------------------------------------------------

def test_the_udf_module_wraps_every_udf_with_its_arguments(macros):
    code = macros["xlwings_udfs.bas"]
    assert code.startswith('Attribute VB_Name = "xlwings_udfs"\r\n')
    assert '#Const App = "Microsoft Excel"' in code
    declared = dict(re.findall(r"^Function (\w+)\(([^)]*)\)\r$", code, re.M))
    assert list(declared) == list(udfs.__all__)
    for name in udfs.__all__:
        params = inspect.signature(getattr(udfs, name)).parameters.values()
        expected = ", ".join(("Optional " if p.default is not p.empty else "") + udfwrap.vba_name(p.name) for p in params)
        assert declared[name] == expected, name
        args = ", ".join(udfwrap.vba_name(p.name) for p in params)
        assert f'{name} = XLPy.CallUDF("udfs", "{name}", Array({args}), ActiveWorkbook, Application.Caller)' in code


def test_no_vba_parameter_is_a_vba_keyword(macros):
    for params in re.findall(r"^Function \w+\(([^)]*)\)\r$", macros["xlwings_udfs.bas"], re.M):
        for p in params.split(", "):
            name = p.removeprefix("Optional ")
            assert name.lower() not in udfwrap.VBA_RESERVED and re.fullmatch(r"[A-Za-z]\w*", name), name
    # the two UDFs whose Python names are VBA keywords (End, Date)
    assert "Function ZC_NETWORKDAYS(start, end_, Optional holidays)" in macros["xlwings_udfs.bas"]


def test_the_wrapper_text_is_xlwings_own_for_the_reference_example():
    text = udfwrap.wrapper_source("myudfs", [udfwrap.UDF("add_scaled", ("x", "y", "scale"), (False, False, True))])
    assert text.split("\n", 4)[4] == (
        "Function add_scaled(x, y, Optional scale)\n"
        '    #If App = "Microsoft Excel" Then\n'
        "        If TypeOf Application.Caller Is Range Then On Error GoTo failed\n"
        '        add_scaled = XLPy.CallUDF("myudfs", "add_scaled", Array(x, y, scale), ActiveWorkbook, Application.Caller)\n'
        "        Exit Function\n"
        "    #Else\n"
        '        add_scaled = XLPy.CallUDF("myudfs", "add_scaled", Array(x, y, scale))\n'
        "        Exit Function\n"
        "    #End If\n"
        "failed:\n"
        "    add_scaled = Err.Description\n"
        "End Function\n\n")


# --- MS-OVBA compression, proved by oletools' decompressor ------------------------------------------

def roundtrip(data: bytes) -> bytes:
    return bytes(decompress_stream(bytearray(ovba.compress(data))))


BOUNDARIES = [0, 1, 2, 3, 4, 7, 8, 9, 4093, 4094, 4095, 4096, 4097, 4098, 8191, 8192, 8193, 12288, 12289]


@pytest.mark.parametrize("size", BOUNDARIES)
def test_compression_round_trips_at_the_chunk_boundaries(size):
    text = (b"Attribute VB_Name = \"M\"\r\nSub A()\r\n    x = 1\r\nEnd Sub\r\n" * 400)[:size]
    assert roundtrip(text) == text
    runs = b"a" * size
    assert roundtrip(runs) == runs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.binary(max_size=3 * 4096 + 17),
                 st.integers(min_value=0, max_value=3).flatmap(
                     lambda k: st.binary(min_size=max(0, k * 4096 - 5), max_size=k * 4096 + 5))))
def test_compression_round_trips_random_bytes(data):
    out = roundtrip(data)
    if ovba.padded_raw_chunk(data):       # MS-OVBA pads a short raw chunk with zeros (2.4.1.3.10)
        assert out[:len(data)] == data and set(out[len(data):]) <= {0} and len(out) % 4096 == 0
    else:
        assert out == data


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Sub End If Then Dim As x = 1 ' \r\n\t()\"&.")), max_size=9000))
def test_compression_round_trips_vba_like_text(text):
    data = text.encode("ascii")
    assert roundtrip(data) == data
    assert not ovba.padded_raw_chunk(data) or len(data) % 4096 > 3000


def test_compression_round_trips_the_real_modules_and_actually_compresses():
    modules, _ = build.project_modules()
    for m in modules:
        data = m.encoded()
        packed = ovba.compress(data)
        assert roundtrip(data) == data, m.name
        if len(data) > 1000:
            assert len(packed) < 0.6 * len(data), m.name


def test_compression_copy_tokens_use_the_position_dependent_split():
    # a repeat after 300 bytes needs a 9-bit offset field (2.4.1.3.19.1)
    block = bytes(range(256)) + bytes(range(44))
    data = block + block
    packed = ovba.compress(data)
    assert len(packed) < len(data) and roundtrip(data) == data


def test_encryption_reproduces_the_values_excel_wrote_in_the_template():
    with zipfile.ZipFile(build.TEMPLATE) as z:
        ole = olefile.OleFileIO(io.BytesIO(z.read("xl/vbaProject.bin")))
    text = ole.openstream("PROJECT").read().decode("cp1252")
    pid = re.search(r'^ID="([^"]+)"', text, re.M).group(1)
    for key, expected in (("CMG", bytes(4)), ("DPB", b"\x00"), ("GC", b"\xff")):
        value = re.search(rf'^{key}="([0-9A-F]+)"', text, re.M).group(1)
        version, project_key, data, ignored = ovba.decrypt(value)
        assert (version, project_key, data) == (2, ovba.project_key(pid), expected)
        assert ovba.encrypt(data, pid, seed=int(value[:2], 16), ignored=ignored) == value


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=64), st.integers(0, 255))
def test_encryption_round_trips(data, seed):
    assert ovba.decrypt(ovba.encrypt(data, "{00000000-0000-0000-0000-000000000000}", seed))[2] == data


# --- the compound file writer, read back by olefile ---------------------------------------------

names = st.text(alphabet=st.sampled_from(list("ABCdefXYZ_0123")), min_size=1, max_size=12)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(names, st.binary(max_size=9000), min_size=1, max_size=6),
       st.dictionaries(names, st.binary(max_size=5000), max_size=4))
def test_compound_files_read_back_with_olefile(top, nested):
    streams = {k: v for k, v in top.items()}
    streams.update({f"VBA/{k}": v for k, v in nested.items()})
    if "VBA" in top:
        streams.pop("VBA")
    data = cfb.write_compound_file(streams)
    ole = olefile.OleFileIO(io.BytesIO(data), raise_defects=olefile.DEFECT_INCORRECT)
    for path, content in streams.items():
        assert ole.openstream(path).read() == content
    assert sorted("/".join(e) for e in ole.listdir()) == sorted(streams)


def test_siblings_are_sorted_as_ms_cfb_orders_them(project):
    vba = [e for e in project.direntries if e and e.name == "VBA"][0]
    chain, sid = [], vba.sid_child
    while sid != cfb.NOSTREAM:
        entry = project.direntries[sid]
        chain.append(entry.name)
        sid = entry.sid_right
    assert chain == sorted(chain, key=cfb.sort_key)
    assert set(chain) == {"dir", "_VBA_PROJECT", "ThisWorkbook", "ConfigSheet", "ZhichengRibbon", "xlwings",
                          "xlwings_udfs"}


# --- the commands ---------------------------------------------------------------------------------

def parser() -> argparse.ArgumentParser:
    from addin.cli import build_parser

    return build_parser()


def test_build_addin_command(tmp_path, capsys):
    args = parser().parse_args(["build-addin", "--out", str(tmp_path / "dist")])
    assert args.handler(args) == 0
    assert (tmp_path / "dist" / "zhicheng.xlam").is_file()
    assert "已构建加载项" in capsys.readouterr().out


def test_install_addin_explains_what_to_do_on_other_systems():
    from addin.errors import Refused

    with pytest.raises(InstallRefused, match="只能在 Windows"):
        install(platform="linux")
    if sys.platform.startswith("win"):
        pytest.skip("this PC is Windows")
    args = parser().parse_args(["install-addin"])
    with pytest.raises(Refused, match="XLSTART"):
        args.handler(args)


def test_install_addin_on_windows_copies_to_xlstart_and_writes_the_user_config(tmp_path, built):
    env = {"APPDATA": str(tmp_path / "AppData" / "Roaming"), "USERPROFILE": str(tmp_path / "home"),
           "LOCALAPPDATA": r"C:\Users\张三\AppData\Local"}
    config = tmp_path / "home" / ".zhicheng" / "zhicheng.conf"
    config.parent.mkdir(parents=True)
    config.write_text('"SHOW CONSOLE","True"\r\n"INTERPRETER_WIN","C:\\old\\python.exe"\r\n', encoding="utf-8")
    report = install(xlam=built, platform="win32", env=env,
                     interpreter=r"C:\Users\张三\AppData\Local\Programs\Python\Python311\python.exe")
    target = tmp_path / "AppData" / "Roaming" / "Microsoft" / "Excel" / "XLSTART" / "zhicheng.xlam"
    assert report.addin == target and target.read_bytes() == built.read_bytes()
    assert read_config(config.read_text(encoding="utf-8")) == [
        ("SHOW CONSOLE", "True"), ("INTERPRETER_WIN", r"%LOCALAPPDATA%\Programs\Python\Python311\python.exe")]
    assert any("XLSTART" in line for line in report.lines)


def test_install_builds_the_addin_itself_when_none_is_given(tmp_path):
    env = {"APPDATA": str(tmp_path / "roaming"), "USERPROFILE": str(tmp_path / "home")}
    report = install(platform="win32", env=env, interpreter=r"C:\Python311\python.exe")
    assert report.addin.stat().st_size > 20_000
    assert report.interpreter == r"C:\Python311\python.exe"


def test_config_file_format_is_what_vba_input_reads():
    assert config_text("", {"INTERPRETER_WIN": r"C:\Python311\python.exe"}) == '"INTERPRETER_WIN","C:\\Python311\\python.exe"\r\n'
    assert portable_path(r"D:\tools\python.exe", {"USERPROFILE": r"C:\Users\a"}) == r"D:\tools\python.exe"
