"""The workbook file edited in place: the command line's :class:`WorkbookAdapter`.

A refresh (or an import) changes only what the product owns, inside the existing
package (:mod:`addin.book.xlsxpatch`): the cells it writes in their rows, the 统计
sheet, the hidden fingerprint sheet, the formats those cells need and the tables'
ranges. Every other part of the file — other sheets, pictures, charts, pivot tables,
slicers, comments, Excel 2010+ extensions, WPS parts, macros, cached formula results —
is copied byte for byte. The new file replaces the old one through
:func:`addin.book.safe_write.safe_save` (locks, read-only, backup, temporary file in the
same folder, fsync, atomic replace, refusal when the file changed since it was read).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Mapping, Sequence

from openpyxl.chart import BarChart, Reference
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.xml.functions import tostring

from .. import data
from . import schema
from .adapter import Blocks, CellsByRow, columns_by_header
from .dashboard import DashboardLayout, dashboard_layout
from .reader import fingerprints_from
from .safe_write import WriteRefused, check_writable, safe_save, snapshot
from .reader import OWN_SHEETS
from .stream import SheetValues, read_values as stream_values
from .workbook import COMPUTED_FILL
from .xlsxpatch import (CHART_CT, DOC_REL_NS, DRAWING_CT, REL_TYPE, CellStyle, CellWriter, Package, cell_xml,
                        escape_attr, sheet_xml, styled)

DRAWING_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"


def read_values(path: Path) -> tuple[dict[str, SheetValues], dict[str, str]]:
    """Every worksheet as the one streaming reader gives it (:mod:`addin.book.stream`:
    every row that holds data whatever the dimension element says, cached results for
    formula cells) and the fingerprints of the hidden sheet."""
    values = stream_values(path)
    return values, fingerprints_from(values.pop(schema.FINGERPRINT_SHEET, None))


class PackageAdapter:
    """The workbook file, edited in place and saved safely."""

    def __init__(self, path: Path, *, write: bool = True):
        self.path = Path(path)
        if write:
            check_writable(self.path)
        self._state = snapshot(self.path)
        self._values, self._fingerprints = read_values(self.path)
        search = int(data.limit("header_search_rows"))
        self._heads = {name: SheetValues(name, sheet.rows[:search]) for name, sheet in self._values.items()}
        self._totals = {name: sheet.totals for name, sheet in self._values.items() if sheet.totals}
        self.pkg = Package(self.path) if write else None
        self._table_rows: dict[tuple[str, str], set[int]] = {}
        if write:
            self._refuse_uncached_formulas()

    def _refuse_uncached_formulas(self) -> None:
        """A formula whose result the file does not hold would read as empty: refuse
        rather than compute from blanks (this writer never drops a cached result, but a
        file saved by another program may lack them)."""
        gaps = [f"{name}!{ref}" for name, sheet in self._values.items() if name not in OWN_SHEETS
                for ref in sheet.uncached]
        if gaps:
            self.pkg.close()
            raise WriteRefused("台账中有公式没有保存计算结果（" + "、".join(gaps[:5]) + ("等" if len(gaps) > 5 else "") +
                               "），读取时会被当作空白。请先在 Excel 或 WPS 中打开台账并保存一次，再刷新；未写入。")

    def values(self) -> dict[str, list[Sequence[object]]]:
        """Every worksheet as read (:func:`read_values`). The sheets are handed over: the
        adapter keeps only the first rows of each (where :meth:`append_row` finds the
        headers), so that a refresh does not hold the register twice; asked again, it
        reads the file again."""
        values = self._values if self._values is not None else read_values(self.path)[0]
        self._values = None
        return values

    def fingerprints(self) -> dict[str, str]:
        return dict(self._fingerprints)

    def sheet_names(self) -> list[str]:
        """The worksheets' names, in the workbook's order."""
        return list(self._heads)

    def refusals(self) -> list[str]:
        """What would stop a write of this file (things on the sheets a refresh rebuilds,
        Strict OOXML), in Chinese; [] when a write can go ahead."""
        from .safe_write import foreign_parts

        return foreign_parts(self.path)

    def close(self) -> None:
        if self.pkg is not None:
            self.pkg.close()

    # -- cells ------------------------------------------------------------------------

    def write_cells(self, sheet, cells, formats, table=None) -> None:
        self._write(sheet, cells, formats, table, COMPUTED_FILL)

    def write_inputs(self, sheet, cells, formats, table=None) -> None:
        self._write(sheet, cells, formats, table, None)

    def _write(self, sheet: str, cells: Mapping[tuple[int, str], object], formats: Mapping[str, str],
               table: str | None, fill) -> None:
        edit = self.pkg.sheet(sheet)
        totals = self._totals.get(sheet)
        if totals:
            rows = {row for row, _cells in cells.by_row()} if isinstance(cells, CellsByRow) else {r for r, _l in cells}
            if rows & totals:
                raise _totals_row_refusal(sheet, min(rows & totals))
        styles = {letter: CellStyle(number_format=fmt, fill=fill) for letter, fmt in formats.items()}
        rows = (cells.by_row() if isinstance(cells, CellsByRow)
                else ((row, ((letter, value),)) for (row, letter), value in cells.items()))
        written = edit.set_rows(rows, styles, CellStyle(number_format="General", fill=fill))
        if table and written:
            self._grow(sheet, table, written)

    def _grow(self, sheet: str, table: str, rows: set[int]) -> None:
        """Extend a table over the written rows that follow it without a gap (a value far
        below the register never stretches the table to the end of the sheet)."""
        known = self._table_rows.setdefault((sheet, table), set())
        known |= rows
        bounds = self.pkg.table_ref(sheet, table)
        if bounds is None:
            return
        last = bounds[2]
        while last + 1 in known:
            last += 1
        if last > bounds[2]:
            if bounds[2] in self._totals.get(sheet, ()):
                raise _totals_row_refusal(sheet, bounds[2])
            self.pkg.set_table_ref(sheet, table, last)

    def append_row(self, sheet, table, values, formats) -> int:
        if sheet not in self._heads:
            raise WriteRefused(f"工作簿缺少“{sheet}”工作表，未写入")
        columns = columns_by_header(sheet, _header_row(self._heads[sheet], values), values)
        edit = self.pkg.sheet(sheet)
        row = max([edit.last_row(), 1, *edit.writes]) + 1
        for header, index in columns.items():
            edit.set(row, index, values[header], CellStyle(number_format=formats.get(header, "General")))
        self._grow(sheet, table, {row})
        return row

    # -- the sheets the product owns --------------------------------------------------

    def replace_dashboard(self, title: str, blocks: Blocks, now: dt.datetime) -> None:
        layout = dashboard_layout(title, blocks)
        name = schema.DASHBOARD_SHEET
        pkg = self.pkg
        info = pkg.sheet_info(name)
        if info is None:
            part = pkg.add_sheet(name, b"")
        else:
            part = info.part
            _drop_drawings(pkg, part)
        drawing_rid = _add_chart(pkg, part, name, layout) if layout.chart else None
        pkg.replace_sheet(name, _dashboard_xml(pkg, layout, drawing_rid))
        pkg.defined_name("_xlnm.Print_Area", name,
                         f"{quote_sheetname(name)}!$A$1:${get_column_letter(layout.last_col)}${layout.last_row}")

    def write_fingerprints(self, fingerprints: dict[str, str]) -> None:
        pkg = self.pkg
        ns = pkg.ns
        rows = [("申报编号", "计算值摘要（由系统维护）"), *fingerprints.items()]
        body = [b"<sheetData>"]
        text = CellStyle(number_format="@")
        cells = CellWriter(pkg.styles, pkg.date1904)
        for r, (app_id, digest) in enumerate(rows, start=1):
            row = b"%d" % r
            body.append(b'<row r="' + row + b'">' + cells.cell(b"A" + row, app_id, text) +
                        cells.cell(b"B" + row, digest, text) + b"</row>")
        body.append(b"</sheetData>")
        xml = sheet_xml(ns, body)
        if pkg.sheet_info(schema.FINGERPRINT_SHEET) is None:
            pkg.add_sheet(schema.FINGERPRINT_SHEET, xml, hidden=True)
        else:
            pkg.replace_sheet(schema.FINGERPRINT_SHEET, xml)

    def commit(self) -> Path | None:
        # the parts written anew are deflated at limits.csv's level: speed against file size
        level = int(data.limit("deflate_level"))

        def save(tmp: Path) -> None:
            try:
                self.pkg.save(tmp, level=level)
            finally:
                self.pkg.close()         # Windows cannot replace a file that is still open
        return safe_save(self.path, save, unchanged_since=self._state)


def _totals_row_refusal(sheet: str, row: int) -> WriteRefused:
    """A write that would go into, or below, an Excel table's totals row (表设计 > 汇总行):
    refused rather than overwrite its SUBTOTAL formulas, or leave it inside the table."""
    return WriteRefused(f"“{sheet}”的表格开启了汇总行（第{row}行，Excel 的“表设计—汇总行”）：新的一行要加在汇总行之前，"
                        f"本程序不移动汇总行（引用它的公式会错位）。请在 Excel 中取消勾选“汇总行”并保存，运行本操作后再勾选；"
                        f"未写入任何内容。")


def _header_row(sheet: SheetValues, headers: Mapping[str, object]) -> tuple:
    """The first row holding every header of ``headers`` (a title row may sit above the
    headers); row 1 when none does (columns_by_header then names what is missing)."""
    wanted = set(headers)
    for _number, cells in sheet.rows:
        found = {str(v).strip() for v in cells.values() if v is not None}
        if wanted <= found:
            return tuple(cells.get(i) for i in range(max(cells) + 1))
    return sheet.first_row()


# ---------------------------------------------------------------------------------------
# the dashboard as sheet XML


def _dashboard_xml(pkg: Package, layout: DashboardLayout, drawing_rid: str | None) -> bytes:
    ns, styles = pkg.ns, pkg.styles
    last_col = get_column_letter(layout.last_col)
    parts = [b'<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>',
             f'<dimension ref="A1:{last_col}{layout.last_row}"/>'.encode(),
             b'<sheetViews><sheetView workbookViewId="0" showGridLines="0"/></sheetViews>',
             b'<sheetFormatPr defaultRowHeight="15"/>', b"<cols>"]
    for c, width in enumerate(layout.widths, start=1):
        parts.append(f'<col min="{c}" max="{c}" width="{width:g}" customWidth="1"/>'.encode())
    parts.append(b"</cols><sheetData>")
    by_row: dict[int, list] = {}
    for placed in layout.cells:
        by_row.setdefault(placed.row, []).append(placed)
    rows = sorted(set(by_row) | set(layout.heights))
    for r in rows:
        height = layout.heights.get(r)
        attrs = f' ht="{height:g}" customHeight="1"' if height else ""
        parts.append(f'<row r="{r}"{attrs}>'.encode())
        for placed in sorted(by_row.get(r, []), key=lambda p: p.col):
            style = styles.xf(0, styled(placed.style, placed.value))
            parts.append(cell_xml(ns, f"{get_column_letter(placed.col)}{r}", placed.value, style, pkg.date1904))
        parts.append(b"</row>")
    parts.append(b"</sheetData>")
    if layout.merges:
        parts.append(f'<mergeCells count="{len(layout.merges)}">'.encode())
        for r1, c1, r2, c2 in layout.merges:
            parts.append(f'<mergeCell ref="{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"/>'.encode())
        parts.append(b"</mergeCells>")
    parts.append(b'<printOptions horizontalCentered="1"/>'
                 b'<pageMargins left="0.5" right="0.5" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                 b'<pageSetup paperSize="9" orientation="landscape" fitToWidth="1" fitToHeight="0"/>')
    header = escape_attr(f'&C&"等线,Bold"{schema.DASHBOARD_SHEET}')
    parts.append(f"<headerFooter><oddHeader>{header}</oddHeader>"
                 f"<oddFooter>&amp;C第 &amp;P 页，共 &amp;N 页</oddFooter></headerFooter>".encode())
    if layout.breaks:
        parts.append(f'<rowBreaks count="{len(layout.breaks)}" manualBreakCount="{len(layout.breaks)}">'.encode())
        for r in layout.breaks:
            parts.append(f'<brk id="{r}" max="16383" man="1"/>'.encode())
        parts.append(b"</rowBreaks>")
    if drawing_rid:
        parts.append(f'<drawing r:id="{drawing_rid}"/>'.encode())
    return sheet_xml(ns, parts)


def _drop_drawings(pkg: Package, sheet_part: str) -> None:
    """Remove the drawing (and its charts) of a sheet the product rebuilds; only ever
    reached when the drawing holds nothing but charts (see safe_write.inplace_refusals)."""
    for _rid, rtype, drawing in pkg.rels(sheet_part):
        if not rtype.endswith("/drawing"):
            continue
        for _id, ctype, target in pkg.rels(drawing):
            for _i, _t, extra in pkg.rels(target):          # chart styles, colours, user shapes
                pkg.remove(extra)
                pkg.set_override(extra, None)
            _remove_part(pkg, target)
        _remove_part(pkg, drawing)
        pkg.remove_rels_to(sheet_part, drawing)


def _remove_part(pkg: Package, part: str) -> None:
    from .xlsxpatch import rels_path
    pkg.remove(part)
    if pkg.exists(rels_path(part)):
        pkg.remove(rels_path(part))
    pkg.set_override(part, None)


def _add_chart(pkg: Package, sheet_part: str, sheet: str, layout: DashboardLayout) -> str:
    spot = layout.chart
    chart = BarChart()
    chart.type = "col"
    chart.y_axis.title = "人数"
    chart.legend = None
    quoted = quote_sheetname(sheet)
    chart.add_data(Reference(range_string=f"{quoted}!$B${spot.header_row}:$B${spot.last_row}"),
                   titles_from_data=True)
    chart.set_categories(Reference(range_string=f"{quoted}!$A${spot.first_row}:$A${spot.last_row}"))
    chart_part = pkg.unique_part("xl/charts/chart{}.xml")
    pkg.write(chart_part, tostring(chart._write()))
    pkg.set_override(chart_part, CHART_CT)
    drawing_part = pkg.unique_part("xl/drawings/drawing{}.xml")
    pkg.write(drawing_part, b"")                       # reserve the name
    chart_rid = pkg.add_rel(drawing_part, REL_TYPE + "chart", chart_part)
    anchor = (f'<xdr:twoCellAnchor editAs="oneCell">'
              f'<xdr:from><xdr:col>0</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{spot.top_row - 1}</xdr:row>'
              f'<xdr:rowOff>0</xdr:rowOff></xdr:from>'
              f'<xdr:to><xdr:col>{spot.last_col}</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{spot.bottom_row}</xdr:row>'
              f'<xdr:rowOff>0</xdr:rowOff></xdr:to>'
              f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="图表 1"/>'
              f'<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/>'
              f'<a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="{C_NS}">'
              f'<c:chart xmlns:c="{C_NS}" r:id="{chart_rid}"/></a:graphicData></a:graphic></xdr:graphicFrame>'
              f'<xdr:clientData/></xdr:twoCellAnchor>')
    pkg.write(drawing_part, (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                             f'<xdr:wsDr xmlns:xdr="{DRAWING_NS}" xmlns:a="{A_NS}" xmlns:r="{DOC_REL_NS}">'
                             f'{anchor}</xdr:wsDr>').encode())
    pkg.set_override(drawing_part, DRAWING_CT)
    return pkg.add_rel(sheet_part, REL_TYPE + "drawing", drawing_part)

