"""Writing the zip members of a new package: a member like an old one (:func:`member_like`,
its name, date, method and attributes, deflated at the level asked), one copied raw —
same compressed bytes and CRC, no inflate or deflate (:func:`copy_raw`) — and a part
deflated on a thread of its own (:class:`Background`) so that the deflate overlaps the
patching of the next rows.
"""

from __future__ import annotations

import copy
import queue
import struct
import threading
import zipfile

from .opc import PatchRefused


class Background:
    """``write`` called on a thread of its own, so that deflating a part (zlib lets go of
    the interpreter while it works) overlaps the patching of the rows that follow; at
    most ``depth`` pieces wait. An error of ``write`` is raised in the caller, at its
    next write or at the end of the ``with`` block."""

    def __init__(self, write, depth: int = 2):
        self._write = write
        self._queue: queue.Queue = queue.Queue(depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-write", daemon=True)

    def __enter__(self) -> "Background":
        self._thread.start()
        return self

    def __call__(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(data)

    def _run(self) -> None:
        while (data := self._queue.get()) is not None:
            if self._error is None:               # after an error the rest is only drained
                try:
                    self._write(data)
                except BaseException as exc:      # handed to the caller
                    self._error = exc

    def __exit__(self, kind, _exc, _tb) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None and kind is None:
            raise self._error


def member_like(info: zipfile.ZipInfo, level: int | None = None) -> zipfile.ZipInfo:
    """A new member like ``info`` (name, date, compression method, attributes), deflated
    at ``level`` (None: zlib's default)."""
    clone = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    clone.compress_type = info.compress_type
    clone.external_attr = info.external_attr
    clone.create_system = info.create_system
    set_level(clone, level)
    return clone


def set_level(info: zipfile.ZipInfo, level: int | None) -> None:
    """The compression level zipfile uses for a member it writes (``compress_level``
    since Python 3.13, ``_compresslevel`` before; the old name remains an alias)."""
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", level)


def write_member(out: zipfile.ZipFile, info: zipfile.ZipInfo, data: bytes) -> None:
    out.writestr(info, data)


def copy_raw(source: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile) -> None:
    """Copy one member's compressed bytes unchanged (no inflate, no deflate)."""
    if info.flag_bits & 0x1:          # encrypted members: re-encode is impossible, copy as data
        out.writestr(info, source.read(info.filename))
        return
    fp = source.fp
    fp.seek(info.header_offset)
    header = fp.read(30)
    if len(header) != 30 or header[:4] != b"PK\x03\x04":
        raise PatchRefused(f"工作簿中的“{info.filename}”部件已损坏，无法安全写入")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    fp.seek(info.header_offset + 30 + name_len + extra_len)
    raw = fp.read(info.compress_size)
    if len(raw) != info.compress_size:
        raise PatchRefused(f"工作簿中的“{info.filename}”部件不完整，无法安全写入")
    clone = copy.copy(info)
    clone.flag_bits &= ~0x08          # sizes and CRC go in the local header, no data descriptor
    clone.extra = _without_zip64(info.extra)
    clone.header_offset = out.fp.tell()
    out.fp.write(clone.FileHeader(zip64=info.file_size > zipfile.ZIP64_LIMIT or
                                  info.compress_size > zipfile.ZIP64_LIMIT))
    out.fp.write(raw)
    out.filelist.append(clone)
    out.NameToInfo[clone.filename] = clone
    out.start_dir = out.fp.tell()
    out._didModify = True


def _without_zip64(extra: bytes) -> bytes:
    """The extra field without its ZIP64 record (FileHeader writes a fresh one if needed)."""
    out, i = b"", 0
    while i + 4 <= len(extra):
        kind, size = struct.unpack("<HH", extra[i:i + 4])
        if kind != 0x0001:
            out += extra[i:i + 4 + size]
        i += 4 + size
    return out
