"""Opening a workbook package safely: what it is, and whether it is safe to inflate.

Every reader and writer of a workbook file opens it through :func:`open_package`, which
tells a password-protected workbook (an OLE compound file holding an
``EncryptedPackage`` stream) and a damaged or renamed file apart, and refuses a package
whose parts would inflate beyond the bounds of ``addin/data/limits.csv`` (a "zip bomb":
a 284 KB file whose sheet XML inflates to 210 MB) before inflating any of them. The
bounds come from the zip's central directory, and :mod:`zipfile` never returns more
than the declared size of a member (it checks the CRC at the end), so a lying header
cannot get past them either.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

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


def check_package(zf: zipfile.ZipFile, name: str = "工作簿") -> None:
    """Refuse (:class:`PackageRefused`) a package whose parts inflate beyond the bounds,
    by the sizes the central directory declares; nothing is inflated here."""
    part_max = data.limit("part_max_mb") * MB
    total_max = data.limit("package_max_mb") * MB
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


def open_package(path: Path) -> zipfile.ZipFile:
    """The workbook's zip package, checked by :func:`check_package`; refuses with a Chinese
    message naming what the file is when it is not a readable workbook."""
    path = Path(path)
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise PackageRefused(describe_non_zip(path)) from None
    except OSError as exc:
        raise PackageRefused(f"无法读取“{path.name}”：{exc.strerror or exc}") from None
    try:
        check_package(zf, path.name)
    except PackageRefused:
        zf.close()
        raise
    return zf
