"""A small writer of Compound File Binary files (MS-CFB), enough for a vbaProject.bin.

olefile reads these files but cannot create them, so the add-in builder writes them
itself. Version 3 (512-byte sectors), streams under 4096 bytes in the mini stream
(64-byte mini sectors), one FAT without DIFAT sectors (files up to ~7 MB), no
timestamps and no CLSIDs: the output depends only on the streams given.

Siblings under a storage are linked as a sorted chain of right siblings, all black
(MS-CFB 2.6.4 orders them by name length, then by upper-case name); it is the layout
Excel itself writes for vbaProject.bin (checked on xlwings' shipped add-ins).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
ENDOFCHAIN = 0xFFFFFFFE
FREESECT = 0xFFFFFFFF
FATSECT = 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
_HEADER_DIFAT = 109
_PER_FAT_SECTOR = SECTOR // 4

STORAGE, STREAM, ROOT = 1, 2, 5


class CFBError(ValueError):
    """A name or size this writer does not support."""


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, "_Entry"] = field(default_factory=dict)
    sid: int = 0
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    start: int = ENDOFCHAIN
    size: int = 0


def sort_key(name: str) -> tuple[int, str]:
    """MS-CFB 2.6.4: shorter names first, then by the upper-cased name."""
    return len(name), name.upper()


def _tree(streams: dict[str, bytes]) -> _Entry:
    root = _Entry("Root Entry", ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            child = node.children.setdefault(part, _Entry(part, STORAGE))
            if child.kind != STORAGE:
                raise CFBError(f"{path}: “{part}” is a stream, not a storage")
            node = child
        name = parts[-1]
        if name in node.children:
            raise CFBError(f"duplicate entry {path}")
        node.children[name] = _Entry(name, STREAM, bytes(data))
    return root


def _check_name(name: str) -> None:
    if not name or len(name) > 31 or any(c in name for c in "/\\:!"):
        raise CFBError(f"invalid compound file entry name {name!r}")


def _ordered(root: _Entry) -> list[_Entry]:
    """Entries in directory order (root first, then breadth first, siblings sorted)."""
    out = [root]
    i = 0
    while i < len(out):
        node = out[i]
        for child in sorted(node.children.values(), key=lambda e: sort_key(e.name)):
            _check_name(child.name)
            out.append(child)
        i += 1
    for sid, entry in enumerate(out):
        entry.sid = sid
    for entry in out:
        kids = sorted(entry.children.values(), key=lambda e: sort_key(e.name))
        if kids:
            entry.child = kids[0].sid
            for a, b in zip(kids, kids[1:]):
                a.right = b.sid
    return out


def _chain(first: int, count: int) -> list[int]:
    return [first + i + 1 if i + 1 < count else ENDOFCHAIN for i in range(count)]


def write_compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` (paths like ``"VBA/dir"``; storages implied)."""
    entries = _ordered(_tree(streams))
    stream_entries = [e for e in entries if e.kind == STREAM]
    small = [e for e in stream_entries if len(e.data) < MINI_CUTOFF]
    big = [e for e in stream_entries if len(e.data) >= MINI_CUTOFF]

    # the mini stream and its allocation table
    mini_fat: list[int] = []
    mini_stream = bytearray()
    for e in small:
        e.size = len(e.data)
        count = math.ceil(len(e.data) / MINI_SECTOR)
        e.start = len(mini_fat) if count else ENDOFCHAIN
        mini_fat += _chain(len(mini_fat), count)
        mini_stream += e.data + bytes(count * MINI_SECTOR - len(e.data))

    n_dir = math.ceil(len(entries) * 128 / SECTOR)
    n_minifat = math.ceil(len(mini_fat) * 4 / SECTOR)
    n_mini_container = math.ceil(len(mini_stream) / SECTOR)
    big_counts = [math.ceil(len(e.data) / SECTOR) for e in big]
    others = n_dir + n_minifat + n_mini_container + sum(big_counts)
    n_fat = 1
    while n_fat * _PER_FAT_SECTOR < others + n_fat:
        n_fat += 1
    if n_fat > _HEADER_DIFAT:
        raise CFBError("compound file too large for a FAT without DIFAT sectors")

    fat: list[int] = [FATSECT] * n_fat
    dir_start = len(fat)
    fat += _chain(dir_start, n_dir)
    minifat_start = len(fat) if n_minifat else ENDOFCHAIN
    fat += _chain(len(fat), n_minifat)
    root = entries[0]
    root.start = len(fat) if n_mini_container else ENDOFCHAIN
    root.size = len(mini_stream)
    fat += _chain(len(fat), n_mini_container)
    for e, count in zip(big, big_counts):
        e.start, e.size = len(fat), len(e.data)
        fat += _chain(len(fat), count)
    total = len(fat)
    fat += [FREESECT] * (n_fat * _PER_FAT_SECTOR - total)

    def pad(data: bytes, unit: int = SECTOR, filler: bytes = b"\x00") -> bytes:
        rest = -len(data) % unit
        return data + filler * (rest // len(filler))

    body = bytearray()
    body += b"".join(struct.pack("<I", v) for v in fat)
    directory = b"".join(_dir_entry(e) for e in entries)
    body += pad(directory, SECTOR, _EMPTY_ENTRY)
    minifat_bytes = b"".join(struct.pack("<I", v) for v in mini_fat)
    body += pad(minifat_bytes, SECTOR, struct.pack("<I", FREESECT))
    body += pad(bytes(mini_stream))
    for e in big:
        body += pad(e.data)
    if len(body) != total * SECTOR:
        raise AssertionError("sector layout mismatch")

    difat = list(range(n_fat)) + [FREESECT] * (_HEADER_DIFAT - n_fat)
    header = (SIGNATURE + bytes(16)
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, MINI_CUTOFF, minifat_start, n_minifat,
                            ENDOFCHAIN, 0)
              + b"".join(struct.pack("<I", v) for v in difat))
    if len(header) != SECTOR:
        raise AssertionError("header size")
    return bytes(header + body)


def _dir_entry(e: _Entry) -> bytes:
    name = e.name.encode("utf-16-le")
    start = e.start if e.kind != STORAGE else 0
    size = e.size if e.kind != STORAGE else 0
    return (name + bytes(64 - len(name))
            + struct.pack("<HBB", len(name) + 2, e.kind, 1)        # color 1 = black
            + struct.pack("<III", e.left, e.right, e.child)
            + bytes(16)                                            # CLSID
            + struct.pack("<I", 0)                                 # state bits
            + bytes(16)                                            # creation and modification times
            + struct.pack("<IQ", start, size))


_EMPTY_ENTRY = (bytes(64) + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM)
                + bytes(16 + 4 + 16) + struct.pack("<IQ", 0, 0))
