"""Reading cells as officers type them, and matching headers."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import uscc

from shuniu.core.validators import _uscc_is_valid, normalize_code
from shuniu.imports import cells
from shuniu.imports.kinds.orgs import COLUMNS
from shuniu.imports.spec import header_key, match_headers


@pytest.mark.parametrize("value", [
    "2016-01-02", "2016/1/2", "2016.1.2", "2016年1月2日", "2016年01月02日", "20160102", "２０１６－０１－０２",
    " 2016-01-02 00:00:00 ", dt.date(2016, 1, 2), dt.datetime(2016, 1, 2, 9, 30), 42371, 42371.0, 20160102,
])
def test_dates_in_every_usual_spelling(value):
    assert cells.date(value) == dt.date(2016, 1, 2)


@pytest.mark.parametrize("value", ["2016-02-30", "明年", "2016-1", "1/2/2016", -5])
def test_what_is_not_a_date_is_an_error_naming_the_formats(value):
    with pytest.raises(cells.CellError) as info:
        cells.date(value)
    assert info.value.code == "date" and "2016年1月2日" in info.value.message


def test_excel_serials_follow_the_1900_date_system():
    assert cells.date(1) == dt.date(1900, 1, 1)
    assert cells.date(59) == dt.date(1900, 2, 28)
    assert cells.date(61) == dt.date(1900, 3, 1)
    assert cells.date(45658) == dt.date(2025, 1, 1)


@pytest.mark.parametrize("value,expected", [("是", True), ("否", False), ("Y", True), ("no", False), ("有", True),
                                            ("无", False), (1, True), (0.0, False), (True, True), ("", None),
                                            ("√", True)])
def test_yes_and_no(value, expected):
    assert cells.boolean(value) is expected


def test_a_yes_no_cell_with_something_else_is_an_error():
    with pytest.raises(cells.CellError) as info:
        cells.boolean("也许")
    assert info.value.code == "boolean"


@pytest.mark.parametrize("value,expected", [
    ("５１３２０４０４ＭＪ０００００１２Ｘ", "51320404MJ000001 2X".replace(" ", "")), (320404006000.0, "320404006000"),
    (320404, "320404"), (" 3204 04 ", "320404"), ("abc", "ABC"), ("5132-0404－MJ", "51320404MJ"),
])
def test_codes_fold_full_width_and_numbers(value, expected):
    assert cells.code(value) == expected


@pytest.mark.parametrize("value,expected", [(5.0, 5), ("１２", 12), ("12人", 12), ("1,200", 1200), ("3.5", "3.5"),
                                            ("若干", "若干")])
def test_integers(value, expected):
    assert cells.integer(value) == expected


def test_header_keys_ignore_width_spaces_marks_and_case():
    assert header_key("名称*") == header_key(" 名 称 ") == header_key("名称（必填）") == "名称"
    assert header_key("Region_Code") == header_key("region code") == header_key("ＲＥＧＩＯＮ－ＣＯＤＥ")


def test_the_header_row_is_found_under_title_rows():
    rows = [["某某区 2026 年社会组织名单"], [], ["序号", "组织名称", "统一社会信用代码", "类型", "地区代码", "登记级别"], ["1"]]
    match = match_headers(rows, COLUMNS)
    assert match.row == 2 and not match.errors
    assert match.index == {"name": 1, "uscc": 2, "type": 3, "region_code": 4, "registration_level": 5}
    assert match.ignored == ["序号"]


def test_two_columns_for_one_field_are_an_error():
    match = match_headers([["名称", "组织名称", "类型", "所在地区代码", "登记管理机关级别"]], COLUMNS)
    assert [e.code for e in match.errors] == ["header_duplicate"]


_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXYZIOSV"


@given(st.text(alphabet=_USCC_CHARS, min_size=16, max_size=19))
def test_the_fast_uscc_check_agrees_with_python_stdnum(body):
    candidates = [body, body[:17] + uscc.calc_check_digit(body[:17]) if len(body) >= 17 and all(
        c in "0123456789ABCDEFGHJKLMNPQRTUWXY" for c in body[:17]) else body]
    for number in candidates:
        assert _uscc_is_valid(normalize_code(number)) is uscc.is_valid(number)
