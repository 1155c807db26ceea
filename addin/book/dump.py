"""A canonical text rendering of a workbook: values, formats, tables, drop-downs,
names and print setup. Two workbooks with the same rendering are the same for every
purpose the product cares about; used to detect stale committed workbooks and to
prove that a refresh changed nothing but what it may change."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook


def _value(v: object) -> str:
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, float) and v.is_integer():
        return repr(int(v))
    return repr(v)


def sheet_lines(ws, *, values: bool = True, styles: bool = True) -> list[str]:
    out = [f"# sheet {ws.title} state={ws.sheet_state} freeze={ws.freeze_panes}"]
    out.append(f"  print orientation={ws.page_setup.orientation} paper={ws.page_setup.paperSize} "
               f"titles={ws.print_title_rows} footer={ws.oddFooter.center.text!r}")
    for letter, dim in sorted(ws.column_dimensions.items()):
        out.append(f"  col {letter} width={dim.width} format={dim.number_format}")
    for table in sorted(ws.tables.values(), key=lambda t: t.displayName):
        out.append(f"  table {table.displayName} ref={table.ref} style={table.tableStyleInfo.name if table.tableStyleInfo else None}")
    for dv in ws.data_validations.dataValidation:
        out.append(f"  validation {dv.sqref} type={dv.type} formula={dv.formula1} prompt={dv.prompt!r}")
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None and not (styles and cell.has_style and cell.fill.fgColor.rgb not in (None, "00000000")):
                continue
            parts = []
            if values:
                parts.append(_value(cell.value))
            if styles:
                parts.append(f"fmt={cell.number_format} fill={cell.fill.fgColor.rgb} bold={cell.font.b}")
            out.append(f"  {cell.coordinate} " + " ".join(parts))
    return out


def dump(path: Path, *, skip_sheets: tuple[str, ...] = ()) -> list[str]:
    wb = load_workbook(path)
    out = [f"sheets {wb.sheetnames}"]
    for name, defined in sorted(wb.defined_names.items()):
        out.append(f"name {name} = {defined.attr_text}")
    for ws in wb.worksheets:
        if ws.title in skip_sheets:
            out.append(f"# sheet {ws.title} (skipped)")
            continue
        out += sheet_lines(ws)
    return out
