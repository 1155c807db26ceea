"""Bad input never crashes check or refresh: each bad cell is a finding with its place."""

import datetime as dt
import shutil

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from addin.book import schema
from addin.rules.dates import normalise_text
from addin.book.evaluate import evaluate
from addin.book.reader import book_from_values, read_book, workbook_values
from addin.book.refresh import refresh
from addin.book.sample import SAMPLE

NOW = dt.datetime(2024, 9, 5, 10, 0)
SAMPLE_VALUES = workbook_values(load_workbook(SAMPLE))
HEADERS = list(SAMPLE_VALUES[schema.APPLICANT_SHEET][0])
INPUTS = [c for c in schema.APPLICANT_INPUTS + schema.APPLICANT_INPUTS_2]
TYPED = [c for c in INPUTS if c.kind in ("date", "bool", "year")] + [c for c in INPUTS if c.choices and c.kind == "text"]

garbage = st.one_of(
    st.text(min_size=1, max_size=30).filter(lambda t: t.strip() and not t.strip().isdigit()),
    st.sampled_from(["#N/A", "#VALUE!", "#REF!", "去年", "2024-02-30", "13/45/2024", "x" * 5000, "=SUM(A1)", "是的吧"]),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12),
    st.integers(min_value=-10**12, max_value=10**12),
    st.booleans(),
)


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(min_value=1, max_value=60), st.sampled_from(range(len(INPUTS))), garbage),
                min_size=1, max_size=12))
def test_garbage_in_input_cells_never_crashes_and_is_located(edits):
    rows = [list(r) for r in SAMPLE_VALUES[schema.APPLICANT_SHEET]]
    for row_index, col_index, value in edits:
        column = INPUTS[col_index]
        rows[row_index][HEADERS.index(column.header)] = value
    values = dict(SAMPLE_VALUES, **{schema.APPLICANT_SHEET: rows})
    book = book_from_values(values)
    ev = evaluate(book, now=NOW)
    assert len(ev.computed) == len(book.table("applicants").rows)
    located = {(f.sheet, f.row, f.column) for f in ev.findings}
    for row_index, col_index, value in edits:
        column = INPUTS[col_index]
        final = rows[row_index][HEADERS.index(column.header)]
        if final is not value:
            continue       # a later edit of the same cell won
        letter = get_column_letter(HEADERS.index(column.header) + 1)
        # "-", "—", "/" and "无" in a date column mean "none" on purpose (addin/rules/dates.py)
        must_flag = (column.kind in ("date", "year") and isinstance(value, str) and value.strip()
                     and normalise_text(value) not in ("-", "—", "/", "无")
                     and not any(ch.isdigit() for ch in value)) or \
                    (column in TYPED and isinstance(value, str) and value in ("#N/A", "#VALUE!", "#REF!", "去年", "是的吧"))
        stage = ev.stages.get(row_index + 1)
        if must_flag and stage is not None and stage.out and column.kind not in ("date", "year"):
            must_flag = False     # an ended application (不予受理/视为放弃) keeps errors only: no reminders (issue 16 B.7)
        if must_flag:
            assert (schema.APPLICANT_SHEET, row_index + 1, letter) in located, (column.header, value)


def test_garbage_everywhere_in_a_real_file_refreshes(tmp_path):
    path = tmp_path / "乱填.xlsx"
    shutil.copyfile(SAMPLE, path)
    wb = load_workbook(path)
    for sheet in (schema.APPLICANT_SHEET, schema.REVIEW_SHEET, schema.PAYMENT_SHEET, schema.HOLIDAY_SHEET,
                  schema.SETTINGS_SHEET, schema.RULES_SHEET):
        ws = wb[sheet]
        for col in range(1, ws.max_column + 1):
            ws.cell(row=2, column=col, value="#N/A" if col % 3 else "乱码？")
            ws.cell(row=3, column=col, value=None)
    wb.save(path)
    report = refresh(path, now=NOW, user="测试")
    where = {f.sheet for f in report.evaluation.findings}
    assert {schema.APPLICANT_SHEET, schema.REVIEW_SHEET, schema.PAYMENT_SHEET, schema.HOLIDAY_SHEET,
            schema.SETTINGS_SHEET, schema.RULES_SHEET} <= where
    assert read_book(path).table("applicants").rows     # still readable afterwards
