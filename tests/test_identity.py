"""Identity numbers: normalise, validate, explain each failure, extract, mask."""

import datetime as dt

import pytest
from hypothesis import given, strategies as st
from stdnum.cn import ric

from addin.rules.identity import check_id, id_message, mask_id, normalise_id
from conftest import make_id

GOOD = make_id("652901", "19900101", "123")     # sequence 123: odd -> male
WOMAN = make_id("652928", "19851231", "044")


def test_a_valid_number_gives_birth_date_and_sex():
    parsed = check_id(GOOD)
    assert parsed.finding is None
    assert parsed.value.birth_date == dt.date(1990, 1, 1)
    assert parsed.value.sex == "男"
    assert check_id(WOMAN).value.sex == "女"


@pytest.mark.parametrize("typed", [
    " " + GOOD + " ", "'" + GOOD, GOOD[:6] + " " + GOOD[6:14] + " " + GOOD[14:],
    GOOD.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}), GOOD + "\u3000",
])
def test_typing_slips_are_repaired(typed):
    assert check_id(typed).value.number == GOOD


def test_lower_case_x_is_accepted():
    body = next(b for b in (f"65290119900101{i:03d}" for i in range(1000)) if ric.calc_check_digit(b + "0") == "X")
    assert check_id(body + "x").value.number == body + "X"


@pytest.mark.parametrize("raw, message", [
    (GOOD[:15], "15位旧身份证号"),
    (GOOD[:17], "应为18位，实为17位"),
    (GOOD + "1", "应为18位，实为19位"),
    (float(GOOD[:15] + "000"), "存成了数字"),
    ("6.52901E+17", "存成了数字"),
    (int(GOOD[:15] + "000"), "存成了数字"),
    (GOOD[:6] + "19901301" + GOOD[14:], "出生日期19901301不存在"),
    (GOOD[:6] + "19900230" + GOOD[14:], "出生日期19900230不存在"),
    (GOOD[:-1] + ("1" if GOOD[-1] != "1" else "2"), "校验位错误"),
    (GOOD[:5] + "A" + GOOD[6:], "非法字符“A”"),
    (make_id("000000", "19900101", "123"), "地区码000000不存在"),
])
def test_each_failure_is_explained_specifically(raw, message):
    parsed = check_id(raw)
    assert parsed.value is None
    assert message in parsed.finding.message


def test_blank_is_not_a_finding_but_the_cell_message_says_empty():
    assert check_id(None).blank and check_id("").blank
    assert id_message(None) == "身份证号为空"
    assert id_message(GOOD) == ""


def test_mask_hides_the_birth_date_and_keeps_length():
    masked = mask_id(GOOD)
    assert masked == GOOD[:6] + "********" + GOOD[14:]
    assert len(masked) == 18 and "19900101" not in masked
    assert mask_id("abc") == "*" * 18
    assert mask_id(None) == ""


births = st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2008, 12, 31))
areas = st.sampled_from(["652901", "652902", "652922", "652924", "652925", "652926", "652927", "652928",
                         "652929", "110105", "650102"])


@given(areas, births, st.integers(min_value=0, max_value=999))
def test_generated_numbers_round_trip(area, birth, seq):
    number = make_id(area, birth.strftime("%Y%m%d"), f"{seq:03d}")
    parsed = check_id(number)
    assert parsed.finding is None
    assert parsed.value.birth_date == birth
    assert parsed.value.sex == ("男" if seq % 2 else "女")
    assert check_id(number.lower()).value == parsed.value
    assert check_id(" '" + number).value == parsed.value
    assert birth.strftime("%Y%m%d") not in mask_id(number)


@given(areas, births, st.integers(min_value=0, max_value=999), st.integers(min_value=0, max_value=16),
       st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(area, birth, seq, position, delta):
    number = make_id(area, birth.strftime("%Y%m%d"), f"{seq:03d}")
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1:]
    assert check_id(changed).finding is not None


@given(st.one_of(st.text(max_size=30), st.integers(), st.floats(), st.none(), st.booleans()))
def test_never_raises(raw):
    parsed = check_id(raw)
    assert parsed.value is None or parsed.finding is None
    assert isinstance(normalise_id(raw), str)
    assert isinstance(mask_id(raw), str)
