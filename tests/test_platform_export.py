"""Reading the platform's export without pandas (issue 18.5): a .csv through the csv
module in the encodings the import has always tried, its headers named as pandas named
them (the alias mapping and the reports depend on the names), rows it cannot place
refused, never shifted; the import path does not load pandas."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from addin.book.importer import import_export
from addin.book.platform_export import column_names, read_export
from addin.book.reader import read_book
from addin.cli import main
from addin.errors import WriteRefused
from conftest import make_id
from exports import write_export

ROOT = Path(__file__).resolve().parents[1]


# --- the column names, as pandas gave them (its results recorded from pandas 3.1 read_csv) --------------

@pytest.mark.parametrize("headers, names", [
    (["a", "", " ", "b"], ["a", "Unnamed: 1", " ", "b"]),
    (["a", "a", "b", "b", "b"], ["a", "a.1", "b", "b.1", "b.2"]),
    (["a", "a", "a.1", "a"], ["a", "a.2", "a.1", "a.3"]),                       # a name the export has is skipped
    (["a", "", "l", "Unnamed: 1", "l"], ["a", "Unnamed: 1.1", "l", "Unnamed: 1", "l.1"]),   # a blank one gives way
    (["1", "2.0", "True"], ["1", "2.0", "True"]),
])
def test_csv_headers_are_named_as_pandas_named_them(headers, names):
    assert column_names(headers, strip=False) == names


def test_xlsx_headers_are_stripped_and_whole_numbers_lose_their_point():
    assert column_names([" 姓名 ", None, 2024.0, "姓名"]) == ["姓名", "Unnamed: 1", "2024", "姓名.1"]


# --- .csv files ---------------------------------------------------------------------------------------

def _csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_a_csv_is_read_in_utf8_with_or_without_bom_or_gbk(tmp_path, encoding):
    path = _csv(tmp_path / "导出.csv", "身份证号,姓名,备注\n65290119900101001X,张三,\"有逗号, 也有\n换行\"\n", encoding)
    table = read_export(path)
    assert table.headers == ["身份证号", "姓名", "备注"]                  # no BOM left on the first header
    assert table.rows == [(2, {"身份证号": "65290119900101001X", "姓名": "张三", "备注": "有逗号, 也有\n换行"})]


def test_id_numbers_and_codes_stay_text(tmp_path):
    path = _csv(tmp_path / "导出.csv", "身份证号,毕业院校代码,年份\n652901199001010012,001,2020\n")
    assert read_export(path).rows[0][1] == {"身份证号": "652901199001010012", "毕业院校代码": "001", "年份": "2020"}


def test_a_csv_in_another_encoding_is_refused_with_a_chinese_message(tmp_path):
    path = tmp_path / "导出.csv"
    path.write_bytes("身份证号,姓名\n".encode("utf-8") + b"\xff\xfe\x80,x\n")
    with pytest.raises(WriteRefused, match="无法识别“导出.csv”的文字编码"):
        read_export(path)


def test_blank_lines_are_skipped_and_rows_keep_the_number_excel_shows(tmp_path):
    path = _csv(tmp_path / "导出.csv", "\n身份证号,姓名\n\n1,甲\n   \n,\n2,乙\n")
    table = read_export(path)
    assert table.headers == ["身份证号", "姓名"]
    assert table.rows == [(4, {"身份证号": "1", "姓名": "甲"}), (6, {"身份证号": "", "姓名": ""}),
                          (7, {"身份证号": "2", "姓名": "乙"})]


def test_short_rows_are_blank_to_the_right_and_empty_trailing_fields_are_ignored(tmp_path):
    path = _csv(tmp_path / "导出.csv", "a,b,c\n1\n4,5,6,,\n")
    assert read_export(path).rows == [(2, {"a": "1", "b": "", "c": ""}), (3, {"a": "4", "b": "5", "c": "6"})]


def test_a_row_with_a_value_beyond_the_headers_is_refused_never_shifted(book, tmp_path, capsys):
    """pandas took the first column of such a file as its index and shifted every value
    one column left (or crashed on a later row): the values cannot be placed, so the file
    is refused and nothing is written."""
    newcomer = make_id("652926", "19930303", "777")
    path = _csv(tmp_path / "导出.csv", f"身份证号,姓名,系列,拟申报职称\n{newcomer},新人,工程系列,工程师,多出的值\n")
    with pytest.raises(WriteRefused, match="第2行有5个值，多于标题行的4列"):
        read_export(path)
    before = book.read_bytes()
    assert main(["import", str(book), str(path)]) == 2
    assert "多于标题行" in capsys.readouterr().err
    assert book.read_bytes() == before


@pytest.mark.parametrize("text", ["", "\n\n", "   \n"])
def test_an_empty_csv_is_refused_not_a_crash(book, tmp_path, capsys, text):
    path = _csv(tmp_path / "导出.csv", text)
    assert read_export(path).headers == []
    before = book.read_bytes()
    assert main(["import", str(book), str(path)]) == 2
    assert "找不到身份证号列" in capsys.readouterr().err
    assert book.read_bytes() == before


def test_more_rows_than_the_limit_are_refused(tmp_path, monkeypatch):
    from addin import data

    monkeypatch.setitem(data.limits(), "intake_max_rows", 3.0)
    path = _csv(tmp_path / "导出.csv", "身份证号\n" + "1\n" * 4)
    with pytest.raises(WriteRefused, match="超过导入文件的上限3行"):
        read_export(path)
    assert len(read_export(_csv(tmp_path / "三行.csv", "身份证号\n" + "1\n" * 3)).rows) == 3


CELL = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 5).flatmap(lambda w: st.tuples(st.lists(CELL, min_size=w, max_size=w),
                                                     st.lists(st.lists(CELL, min_size=w, max_size=w), max_size=5))),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), st.sampled_from(["\n", "\r\n"]))
def test_any_grid_written_as_csv_reads_back_cell_for_cell(tmp_path, grid, encoding, newline):
    headers, body = grid
    # csv.writer leaves a value holding a lone \r unquoted when lines end in \n: that file is ambiguous
    assume(newline == "\r\n" or not any("\r" in v for row in [headers, *body] for v in row))
    if not [h for h in headers if h.strip(" \t")] and len(headers) == 1:
        headers = ["x"]                                   # a header line of spaces is a blank line
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows([headers, *body])
    path = tmp_path / "导出.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    table = read_export(path)
    assert table.headers == column_names(headers, strip=False)
    kept = [row for row in body if not (len(row) == 1 and row[0] and not row[0].strip(" \t"))]
    assert [[values[h] for h in table.headers] for _, values in table.rows] == kept
    numbers = [n for n, _ in table.rows]
    assert numbers == sorted(numbers) and all(n >= 2 for n in numbers)


# --- the import with them ---------------------------------------------------------------------------------

def test_an_alias_file_in_gbk_adds_its_columns(book, tmp_path):
    """``--aliases``: a CSV saved by Excel on a Chinese Windows (GBK) maps the export's own
    words to the register's headers."""
    first = read_book(book).table("applicants").rows[0].values_by_key
    export = write_export(tmp_path / "导出.csv", [{"公民号": first["id_number"], "系列": first["series"],
                                                  "拟申报职称": first["target_title"], "单位全称": "另一个单位"}])
    alias = _csv(tmp_path / "别名.csv", "导出列名,台账列名\n公民号,身份证号\n单位全称,工作单位\n", "gbk")
    report = import_export(book, export, alias_file=alias, user="测试")
    assert report.unmapped == [] and report.added == []
    assert [c for c in report.conflicts if "工作单位" in c and "另一个单位" in c]
    with pytest.raises(WriteRefused, match="身份证号"):
        import_export(book, export, user="测试")                 # without the alias file: no ID column


def test_the_import_path_does_not_load_pandas():
    """pandas was imported by the importer alone and loaded with it; the ribbon's actions
    and the import run without it (it is no dependency any more; numpy neither, though
    openpyxl loads it where it is installed, as here for the tests' scipy)."""
    code = ("import sys; import addin.excel.actions, addin.usecases.register, addin.book.importer; "
            "sys.exit(['pandas'] if 'pandas' in sys.modules else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    dependencies = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert "pandas" not in dependencies
