"""Writing a master workbook from the schema: tables, drop-downs, formats, print setup.

Used by ``zhicheng new`` (an empty register for a year), by the sample generator and by
the refresh when it rebuilds the dashboard. Everything about the layout comes from
:mod:`addin.book.schema`; the contents of 参数, 评审条件, 节假日 and 字典 come from the
packaged data (or from last year's workbook).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from .. import __version__
from . import schema
from .schema import COMPUTED_NOTE, Column, Sheet

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
COMPUTED_FILL = PatternFill("solid", fgColor="EDEDED")
COMPUTED_HEADER_FILL = PatternFill("solid", fgColor="BFBFBF")
HEADER_FONT = Font(name="等线", bold=True)
BODY_FONT = Font(name="等线")
THIN = Side(style="thin", color="BFBFBF")
VALIDATION_ROWS = 3000        # drop-downs and formats reach this far below the header
PRINT_FIT_COLUMNS = 12        # sheets up to this many columns print one page wide

#: ASCII defined names for the drop-down lists of 字典 (list name -> defined name)
LIST_NAMES = {
    "性别": "L_sex", "现职称": "L_current_title", "政治面貌": "L_political", "单位性质": "L_employer_type", "申报方式": "L_route",
    "系列": "L_series", "专业": "L_specialty", "职称": "L_title", "职称取得地": "L_title_place",
    "学历": "L_education", "职业技能等级": "L_skill", "考核等次": "L_appraisal", "是否": "L_yesno",
    "普通话等级": "L_mandarin", "民营企业申报依据": "L_private_basis", "状态": "L_status",
    "审核结果": "L_review_result", "缴费方式": "L_payment_method", "节假日类型": "L_holiday_kind",
    "节假日范围": "L_holiday_scope", "申报材料": "L_documents", "任职资格佐证材料": "L_title_documents",
    "回避关系": "L_recusal", "县市": "L_county",
}


def dictionary(lists: Mapping[str, Sequence[str]], titles: Iterable[str], education: Iterable[str]) -> dict[str, list[str]]:
    """The lists written to 字典: the packaged lists plus titles and education."""
    out = {name: list(values) for name, values in lists.items()}
    out["职称"] = list(titles)
    out["现职称"] = ["无", *titles]
    out["学历"] = list(education)
    return out


def _style_header(ws: Worksheet, columns: Sequence[Column]) -> None:
    for i, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=i, value=col.header)
        cell.font = HEADER_FONT
        cell.fill = COMPUTED_HEADER_FILL if col.computed else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(bottom=THIN)
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = col.width
    ws.row_dimensions[1].height = 32


def _format_body(ws: Worksheet, columns: Sequence[Column], last_row: int) -> None:
    """Number formats and shading on the existing rows and, for new rows, on the columns."""
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].number_format = col.number_format
        for row in range(2, last_row + 1):
            cell = ws.cell(row=row, column=i)
            cell.number_format = col.number_format
            if col.computed:
                cell.fill = COMPUTED_FILL


def _format_general_dates(ws: Worksheet, columns: Sequence[Column], last_row: int) -> None:
    """Dates in a column of mixed values show as dates, not as serial numbers; the column
    is aligned left, so numbers, dates and words line up under the header."""
    for i, col in enumerate(columns, start=1):
        if col.kind != "general":
            continue
        for row in range(2, last_row + 1):
            cell = ws.cell(row=row, column=i)
            cell.alignment = Alignment(horizontal="left")
            if isinstance(cell.value, dt.datetime):
                cell.number_format = schema.GENERAL_DATE_FORMATS["datetime"]
            elif isinstance(cell.value, dt.date):
                cell.number_format = schema.GENERAL_DATE_FORMATS["date"]


def _validations(ws: Worksheet, columns: Sequence[Column]) -> None:
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        if col.computed:
            dv = DataValidation(showInputMessage=True, promptTitle="计算列", prompt=COMPUTED_NOTE)
            dv.add(f"{letter}1:{letter}{VALIDATION_ROWS}")
            ws.add_data_validation(dv)
            continue
        if col.choices:
            dv = DataValidation(type="list", formula1=LIST_NAMES[col.choices], allow_blank=True,
                                showErrorMessage=False, showInputMessage=bool(col.note),
                                promptTitle=col.header if col.note else None, prompt=col.note or None)
            dv.add(f"{letter}2:{letter}{VALIDATION_ROWS}")
            ws.add_data_validation(dv)
        elif col.note:
            dv = DataValidation(showInputMessage=True, promptTitle=col.header, prompt=col.note)
            dv.add(f"{letter}1:{letter}{VALIDATION_ROWS}")
            ws.add_data_validation(dv)


def _print_setup(ws: Worksheet, sheet: Sheet) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
    if len(sheet.columns) <= PRINT_FIT_COLUMNS:      # narrow sheets: one page wide
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
    else:                                            # the register: pages across, names repeated
        ws.print_title_cols = "A:B"
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.oddHeader.center.text = f"&\"等线,Bold\"{sheet.name}"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if sheet.table:
        ws.print_title_rows = "1:1"


def write_table(ws: Worksheet, sheet: Sheet, rows: Sequence[Mapping[str, object]]) -> None:
    """A data sheet: header, rows (by key), Excel table, formats, drop-downs, frozen header."""
    cols = sheet.columns
    _style_header(ws, cols)
    for r, record in enumerate(rows, start=2):
        for c, col in enumerate(cols, start=1):
            value = record.get(col.key)
            if value is not None and value != "":
                ws.cell(row=r, column=c, value=value).font = BODY_FONT
    last = max(2, len(rows) + 1)
    _format_body(ws, cols, last)
    _format_general_dates(ws, cols, last)
    ref = f"A1:{get_column_letter(len(cols))}{last}"
    table = Table(displayName=sheet.table, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "C2" if sheet.key == "applicants" else "A2"
    _validations(ws, cols)
    _print_setup(ws, sheet)


def write_lists(ws: Worksheet, lists: Mapping[str, Sequence[str]]) -> list[DefinedName]:
    names = []
    for c, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(c)
        head = ws.cell(row=1, column=c, value=name)
        head.font, head.fill = HEADER_FONT, HEADER_FILL
        for r, value in enumerate(values, start=2):
            ws.cell(row=r, column=c, value=value)
        ws.column_dimensions[letter].width = max(10, 2 + 2 * max((len(v) for v in values), default=4))
        ref = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${max(2, len(values) + 1)}"
        names.append(DefinedName(LIST_NAMES[name], attr_text=ref))
    ws.freeze_panes = "A2"
    return names


README_LINES = (
    ("职称评审台账", "title"),
    ("本工作簿是本年度职称评审的台账（系统记录）。各工作表：", ""),
    ("参数：本年度的时间安排、评审费、继续教育标准、公示天数、联系方式等，规则按此计算。", "item"),
    ("申报人员：每行一份申报。白底列由人工填写；灰底列由“刷新计算”生成，请勿手填（手填会被覆盖并提示）。", "item"),
    ("审核记录：每次提交评审委员会审核的时间与结果（退回后2日内补正，最多提交3次）。", "item"),
    ("缴费：评审费缴费记录（金额、日期、扫码/银行、票据号）。", "item"),
    ("评委、评审会：评审专家与评审会投票。", "item"),
    ("节假日：软件未内置的放假与调休上班日期（如2024年新疆肉孜节、古尔邦节），类型填“休”或“班”。", "item"),
    ("评审条件：各职称对学历、现职称、年限的要求，可按当年评审条件修改。", "item"),
    ("字典：下拉列表的选项。统计：刷新后生成的统计与待办。日志：每次刷新、导入的记录。", "item"),
    ("使用方法：在 Excel 中点击“职称评审”选项卡的“刷新计算”；没有加载项时在命令行运行 zhicheng refresh 台账.xlsx。", ""),
    ("日期可写作 2024-09-12、2024/9/12、2024年9月12日；身份证号请按文本录入。", ""),
    ("颜色说明：蓝色表头为录入列，灰色表头和灰底为计算列。", ""),
)


def write_readme(ws: Worksheet, year: int) -> None:
    ws.column_dimensions["A"].width = 110
    for r, (text, kind) in enumerate(README_LINES, start=1):
        cell = ws.cell(row=r, column=1, value=("· " + text) if kind == "item" else text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        cell.font = Font(name="等线", bold=kind == "title", size=16 if kind == "title" else 11)
    r = len(README_LINES) + 2
    ws.cell(row=r, column=1, value=f"评审年度：{year}　　生成程序：职称评审台账 {__version__}")
    _print_setup(ws, Sheet(schema.README_SHEET, "readme", landscape=False))


def build_workbook(year: int, ce_years: range, tables: Mapping[str, Sequence[Mapping[str, object]]],
                   lists: Mapping[str, Sequence[str]], defence_items: tuple[str, ...] = ()) -> Workbook:
    """A complete master workbook. ``tables`` maps a sheet key (see schema.sheets) to rows by column key."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in schema.sheets(ce_years, defence_items):
        ws = wb.create_sheet(sheet.name)
        if sheet.key == "readme":
            write_readme(ws, year)
        elif sheet.key == "lists":
            for name in write_lists(ws, lists):
                wb.defined_names[name.name] = name
        elif sheet.key == "dashboard":
            ws["A1"] = "统计（点击“刷新计算”或运行 zhicheng refresh 后生成）"
            ws["A1"].font = Font(name="等线", bold=True, size=14)
            _print_setup(ws, sheet)
        else:
            write_table(ws, sheet, tables.get(sheet.key, []))
    wb.properties.creator = "职称评审台账"
    wb.properties.title = f"{year}年度职称评审台账"
    fixed = dt.datetime(year, 1, 1)
    wb.properties.created = wb.properties.modified = fixed
    return wb
