"""Opening a workbook package safely: what it is, and whether it is safe to inflate.

Every reader and writer of a workbook file opens it through :func:`open_package`, which
tells a password-protected workbook (an OLE compound file holding an
``EncryptedPackage`` stream) and a damaged or renamed file apart, and refuses a package
whose parts would inflate beyond the bounds of ``addin/data/limits.csv`` (a "zip bomb":
a 284 KB file whose sheet XML inflates to 210 MB) before inflating any of them. The
bounds come from the zip's central directory, and :mod:`zipfile` never returns more
than the declared size of a member (it checks the CRC at the end), so a lying header
cannot get past them either. A workbook the tool only takes in (the finance office's
file, the platform's export) has a smaller bound (``intake_max_mb``).

:func:`check_integrity` then inflates, in bounded pieces, the parts the reader does not
read itself, and refuses a package with a damaged part (a wrong checksum, deflate data
that does not inflate, an encrypted or unknown compression) or an XML part declaring a
document type (``<!DOCTYPE``, the door to entity expansion: Excel never writes one). The
reader checks the worksheets as it reads them, so every command — ``check`` as well as
the writers, which copy or parse those parts later — refuses such a file the same way,
before anything is written (:func:`damaged`, :func:`describe_damage`).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from pathlib import Path
from typing import Iterable

from .. import data
from .safe_write import WriteRefused

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"      # OLE compound file (CFB): old .xls, encrypted .xlsx
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
SNIFF_BYTES = 64 * 2**20                                # how much of an OLE file is searched for the stream
MB = 2**20


class PackageRefused(WriteRefused):
    """The file cannot be read safely (not a workbook, encrypted, or absurd); nothing was
    read or written. The message is Chinese and names the file."""


def describe_non_zip(path: Path) -> str:
    """Why a file that is not a zip package cannot be read, in Chinese."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except OSError as exc:
        return f"无法读取“{path.name}”：{exc.strerror or exc}"
    if head.startswith(OLE_MAGIC):
        if ENCRYPTED_STREAM in head:
            return (f"“{path.name}”设置了打开密码（文件已加密），本软件无法读取。请在 Excel 或 WPS 中打开它，"
                    f"在“文件—信息—保护工作簿—用密码进行加密”中删除密码并保存，再试一次")
        return f"“{path.name}”是旧版 Excel（.xls）格式的文件，请在 Excel 或 WPS 中另存为 .xlsx 后再试"
    return f"“{path.name}”不是有效的 Excel 工作簿（文件已损坏，或是改了扩展名的其他文件）"


def check_package(zf: zipfile.ZipFile, name: str = "工作簿", *, total_mb: float | None = None) -> None:
    """Refuse (:class:`PackageRefused`) a package whose parts inflate beyond the bounds,
    by the sizes the central directory declares; nothing is inflated here. ``total_mb``
    replaces the bound of the whole (a smaller one for the workbooks the tool takes in)."""
    part_max = data.limit("part_max_mb") * MB
    total_max = (total_mb if total_mb is not None else data.limit("package_max_mb")) * MB
    ratio_max = data.limit("ratio_max")
    ratio_from = data.limit("ratio_min_part_mb") * MB
    total = 0
    for info in zf.infolist():
        total += info.file_size
        if info.file_size > part_max:
            raise PackageRefused(f"“{name}”中的部件 {info.filename} 解压后有{info.file_size / MB:,.0f} MB，"
                                 f"超过上限{part_max / MB:,.0f} MB，拒绝读取（文件可能已损坏或被恶意构造）")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size >= ratio_from and ratio > ratio_max:
            raise PackageRefused(f"“{name}”中的部件 {info.filename} 压缩比异常（{info.compress_size / MB:,.1f} MB "
                                 f"解压后为{info.file_size / MB:,.0f} MB，{ratio:,.0f}倍，上限{ratio_max:,.0f}倍），"
                                 f"拒绝读取（文件可能已损坏或被恶意构造）")
    if total > total_max:
        raise PackageRefused(f"“{name}”解压后合计{total / MB:,.0f} MB，超过上限{total_max / MB:,.0f} MB，拒绝读取")


def open_package(path: Path, *, intake: bool = False) -> zipfile.ZipFile:
    """The workbook's zip package, checked by :func:`check_package`; refuses with a Chinese
    message naming what the file is when it is not a readable workbook. ``intake``: a
    workbook the tool only takes in (finance file, platform export), bounded by
    ``intake_max_mb`` as a whole."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise PackageRefused(describe_non_zip(path)) from None
    except OSError as exc:
        from .safe_write import os_reason

        raise PackageRefused(f"无法读取“{path.name}”：{os_reason(exc)}") from None
    try:
        check_package(zf, path.name, total_mb=data.limit("intake_max_mb") if intake else None)
    except PackageRefused:
        zf.close()
        raise
    return zf


# --- damage ------------------------------------------------------------------------------------

HEAD_BYTES = 64 * 1024                     # where an XML part's prolog (and a DOCTYPE) must be
CHUNK = 1 << 20                            # inflated at a time: memory stays bounded
_DOCTYPE = tuple(word.encode(encoding) for word in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le",
                                                                                               "utf-16-be"))
_XML_PART = re.compile(r"\.(?:xml|rels|vml)$", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff]")


def damaged(name: str, detail: str) -> str:
    """The one refusal of a damaged workbook, for every command (nothing read or written)."""
    return (f"“{name}”已损坏（{detail}），无法读取，未写入任何内容。请用 Excel 或 WPS 打开它（按提示修复），"
            f"另存为新文件后再试")


def describe_damage(exc: BaseException, part: str | None = None) -> str:
    """What is wrong with a package, in Chinese, from the exception met reading it."""
    text = str(exc)
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in text:
        found = re.search(r"'([^']+)'", text)
        part = found.group(1) if found else part
    of = f"部件 {part} 的" if part else ""
    if isinstance(exc, zipfile.BadZipFile) and "CRC" in text:
        return f"{of}校验和不符"
    if isinstance(exc, zlib.error):
        return f"{of}压缩数据无法解压"
    if isinstance(exc, EOFError):
        return "文件不完整（可能复制或下载时被截断）"
    if isinstance(exc, NotImplementedError):
        return f"{of}压缩方式不受支持"
    if isinstance(exc, RuntimeError) and "encrypted" in text:
        return f"{of}内容被加密"
    if _CJK.search(text):                          # already said in Chinese
        return text
    kind = type(exc).__name__
    if "xml" in kind.lower() or "syntax" in kind.lower():
        return f"{of}XML 不完整或格式错误"
    return f"{of}内容无法读取（{kind}）"


def declares_doctype(head: bytes) -> bool:
    """Whether the start of an XML part declares a document type or an entity (Excel never
    writes one; an entity may expand without bound or read another file)."""
    return any(word in head for word in _DOCTYPE)


def _verify_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Inflate one member in bounded pieces: its checksum is checked at its end (zipfile),
    and the start of an XML part is searched for a document type."""
    with zf.open(info) as stream:
        head = stream.read(HEAD_BYTES)
        if _XML_PART.search(info.filename) and declares_doctype(head):
            raise PackageRefused(damaged(Path(zf.filename or "").name or "工作簿",
                                         f"部件 {info.filename} 含有文档类型（DOCTYPE）或实体声明，"
                                         f"Excel 保存的文件不会有，为安全起见不读取"))
        while stream.read(CHUNK):
            pass


def check_integrity(zf: zipfile.ZipFile, name: str, *, skip: Iterable[str] = ()) -> None:
    """Refuse (:class:`PackageRefused`, Chinese) a package with a damaged member or an XML
    part declaring a document type: every member but ``skip`` (the parts the caller reads
    whole anyway, which zipfile checks as they are read) is inflated in bounded pieces."""
    skipped = set(skip)
    for info in zf.infolist():
        if info.filename in skipped or info.is_dir():
            continue
        try:
            _verify_member(zf, info)
        except PackageRefused:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
            raise PackageRefused(damaged(name, describe_damage(exc, info.filename))) from None
        except OSError as exc:
            from .safe_write import os_reason

            raise PackageRefused(f"无法读取“{name}”：{os_reason(exc)}") from None
