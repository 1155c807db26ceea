"""A source-only VBA project (vbaProject.bin) written from module texts (MS-OVBA).

What goes in, per MS-OVBA 2.2-2.3:

- ``VBA/_VBA_PROJECT``: the 7-byte header with version 0xFFFF and no p-code, which tells
  Office to compile the project from source when it opens it (what xlwings' own
  add-ins ship);
- ``VBA/dir``: the compressed project information, references (OLE Automation and the
  Office object library, which defines ``IRibbonControl``) and one record set per
  module, each with text offset 0 (the module stream is compressed source only);
- one ``VBA/<module>`` stream per module: the compressed source;
- ``PROJECT`` (the text project properties with the module list and unprotected
  CMG / DPB / GC values) and ``PROJECTwm`` (module names in MBCS and UTF-16).

Everything is deterministic: the project id is derived from the project name, the
encryption seed and filler bytes are fixed, so the same sources give the same bytes.
"""

from __future__ import annotations

import re
import struct
import uuid
from dataclasses import dataclass
from typing import Sequence

from . import ovba
from .cfb import write_compound_file

CODEPAGE = 1252                       # the codepage of the project texts (sources are ASCII)
LCID = 0x0409
SYSKIND_WIN64 = 0x00000003            # as in xlwings' generated add-ins; Office recompiles anyway
VBA_PROJECT_HEADER = bytes.fromhex("CC61FFFF000100")   # 2.3.4.1: Reserved1, Version 0xFFFF, Reserved2/3
HOST_EXTENDER = "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000"

#: (name, LibidRegistered) of the references, as in xlwings' shipped add-in
REFERENCES = (
    ("stdole", r"*\G{00020430-0000-0000-C000-000000000046}#2.0#0#C:\Windows\System32\stdole2.tlb#OLE Automation"),
    ("Office", r"*\G{2DF8D04C-5BFA-101B-BDE5-00AA0044DE52}#2.0#0#C:\Program Files\Common Files\Microsoft Shared"
               r"\OFFICE16\MSO.DLL#Microsoft Office 16.0 Object Library"),
)

MODULE, DOCUMENT, CLASS = "module", "document", "class"
_IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")


class VBAProjectError(ValueError):
    """A module the writer cannot store faithfully."""


@dataclass(frozen=True)
class Module:
    """One VBA module: its name, its kind, and its source exactly as stored in its
    stream (CRLF line ends, ``Attribute`` lines included)."""

    name: str
    source: str
    kind: str = MODULE

    def encoded(self) -> bytes:
        try:
            return self.source.encode("ascii")
        except UnicodeEncodeError as exc:
            raise VBAProjectError(f"VBA module {self.name}: only ASCII text can be stored "
                                  f"(codepage {CODEPAGE}); found {self.source[exc.start]!r}") from exc


def crlf(text: str) -> str:
    """Normalise line ends to CRLF, the VBA storage form, ending with one CRLF."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    return "\r\n".join(lines) + "\r\n"


def project_id(name: str) -> str:
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:zhicheng:vba-project:{name}")).upper() + "}"


# --- the dir stream (2.3.4.2) ---------------------------------------------------------------

def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def _u16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _mbcs(text: str) -> bytes:
    return text.encode("cp1252")


def _text_pair(rid: int, text: str, reserved: int) -> bytes:
    """A record with an MBCS text followed by its Unicode twin (Reserved id, size, text)."""
    return _rec(rid, _mbcs(text)) + struct.pack("<HI", reserved, len(_u16(text))) + _u16(text)


def dir_stream(name: str, modules: Sequence[Module]) -> bytes:
    out = bytearray()
    # PROJECTINFORMATION
    out += _rec(0x0001, struct.pack("<I", SYSKIND_WIN64))
    out += _rec(0x0002, struct.pack("<I", LCID))
    out += _rec(0x0014, struct.pack("<I", LCID))                    # LCIDINVOKE
    out += _rec(0x0003, struct.pack("<H", CODEPAGE))
    out += _rec(0x0004, _mbcs(name))                                 # PROJECTNAME
    out += _text_pair(0x0005, "", 0x0040)                            # PROJECTDOCSTRING
    out += _text_pair(0x0006, "", 0x003D)                            # PROJECTHELPFILEPATH (twice)
    out += _rec(0x0007, struct.pack("<I", 0))                        # PROJECTHELPCONTEXT
    out += _rec(0x0008, struct.pack("<I", 0))                        # PROJECTLIBFLAGS
    out += struct.pack("<HIIH", 0x0009, 4, 1, 0)                     # PROJECTVERSION 1.0
    out += _text_pair(0x000C, "", 0x003C)                            # PROJECTCONSTANTS
    # PROJECTREFERENCES: REFERENCENAME + REFERENCEREGISTERED
    for ref_name, libid in REFERENCES:
        out += _text_pair(0x0016, ref_name, 0x003E)
        lib = _mbcs(libid)
        out += _rec(0x000D, struct.pack("<I", len(lib)) + lib + struct.pack("<IH", 0, 0))
    # PROJECTMODULES
    out += _rec(0x000F, struct.pack("<H", len(modules)))
    out += _rec(0x0013, struct.pack("<H", 0xFFFF))                   # PROJECTCOOKIE
    for m in modules:
        out += _rec(0x0019, _mbcs(m.name))                           # MODULENAME
        out += _rec(0x0047, _u16(m.name))                            # MODULENAMEUNICODE
        out += _text_pair(0x001A, m.name, 0x0032)                    # MODULESTREAMNAME
        out += _text_pair(0x001C, "", 0x0048)                        # MODULEDOCSTRING
        out += _rec(0x0031, struct.pack("<I", 0))                    # MODULEOFFSET: source only
        out += _rec(0x001E, struct.pack("<I", 0))                    # MODULEHELPCONTEXT
        out += _rec(0x002C, struct.pack("<H", 0xFFFF))               # MODULECOOKIE
        out += struct.pack("<HI", 0x0021 if m.kind == MODULE else 0x0022, 0)   # MODULETYPE
        out += struct.pack("<HI", 0x002B, 0)                         # module terminator
    out += struct.pack("<HI", 0x0010, 0)                             # dir terminator
    return bytes(out)


# --- PROJECT and PROJECTwm (2.3.1, 2.3.3) ------------------------------------------------

def project_stream(name: str, modules: Sequence[Module]) -> bytes:
    pid = project_id(name)
    lines = [f'ID="{pid}"']
    for m in modules:
        lines.append({MODULE: f"Module={m.name}", CLASS: f"Class={m.name}",
                      DOCUMENT: f"Document={m.name}/&H00000000"}[m.kind])
    lines += [
        f'Name="{name}"',
        'HelpContextID="0"',
        'VersionCompatible32="393222000"',
        f'CMG="{ovba.encrypt(bytes(4), pid)}"',        # protection state: none
        f'DPB="{ovba.encrypt(bytes(1), pid)}"',        # password: none
        f'GC="{ovba.encrypt(bytes([0xFF]), pid)}"',    # visibility: visible
        "",
        "[Host Extender Info]",
        HOST_EXTENDER,
        "",
        "[Workspace]",
    ]
    lines += [f"{m.name}=0, 0, 0, 0, C" for m in modules]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("cp1252")


def project_wm(modules: Sequence[Module]) -> bytes:
    return b"".join(_mbcs(m.name) + b"\x00" + _u16(m.name) + b"\x00\x00" for m in modules) + b"\x00\x00"


# --- the whole project ----------------------------------------------------------------------

def check_modules(modules: Sequence[Module]) -> None:
    names = [m.name.lower() for m in modules]
    if len(set(names)) != len(names):
        raise VBAProjectError(f"duplicate VBA module names: {sorted(n for n in names if names.count(n) > 1)}")
    for m in modules:
        if not _IDENTIFIER.match(m.name):
            raise VBAProjectError(f"invalid VBA module name {m.name!r}")
        if m.kind not in (MODULE, DOCUMENT, CLASS):
            raise VBAProjectError(f"{m.name}: unknown module kind {m.kind!r}")
        first = m.source.split("\r\n", 1)[0]
        if first != f'Attribute VB_Name = "{m.name}"':
            raise VBAProjectError(f"{m.name}: the source must start with Attribute VB_Name = \"{m.name}\"")
        if "\r\n" not in m.source or re.search(r"(?<!\r)\n|\r(?!\n)", m.source):
            raise VBAProjectError(f"{m.name}: line ends must be CRLF")


def vba_project_bin(project_name: str, modules: Sequence[Module]) -> bytes:
    """The bytes of xl/vbaProject.bin for ``modules`` (order kept)."""
    if not _IDENTIFIER.match(project_name):
        raise VBAProjectError(f"invalid VBA project name {project_name!r}")
    check_modules(modules)
    if project_name.lower() in {m.name.lower() for m in modules}:
        raise VBAProjectError("the project name must differ from every module name")
    streams = {
        "PROJECT": project_stream(project_name, modules),
        "PROJECTwm": project_wm(modules),
        "VBA/_VBA_PROJECT": VBA_PROJECT_HEADER,
        "VBA/dir": ovba.compress(dir_stream(project_name, modules)),
    }
    for m in modules:
        source = m.encoded()
        if ovba.padded_raw_chunk(source):
            raise VBAProjectError(f"{m.name}: the source does not compress (not VBA text?)")
        streams[f"VBA/{m.name}"] = ovba.compress(source)
    return write_compound_file(streams)
