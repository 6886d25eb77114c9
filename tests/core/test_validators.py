"""USCC (GB 32100-2015) and citizen ID number (GB 11643-1999) validation."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from shuniu.core.validators import normalize_code, validate_id_number, validate_phone, validate_uscc
from tests.factories import make_id_number, make_uscc

REAL_USCC = "53100000500019795A"  # a national foundation's real code


def _flip_last(code: str) -> str:
    return code[:-1] + ("B" if code[-1] != "B" else "C")


def test_a_real_uscc_passes():
    assert validate_uscc(REAL_USCC) == REAL_USCC


def test_generated_usccs_pass():
    for n in (0, 1, 42, 9_999_999):
        code = make_uscc(n)
        assert validate_uscc(code) == code


def test_a_mistyped_uscc_is_rejected_naming_field_and_rule():
    with pytest.raises(ValidationError) as info:
        validate_uscc(_flip_last(REAL_USCC))
    messages = info.value.message_dict
    assert list(messages) == ["uscc"]
    assert "GB 32100-2015" in messages["uscc"][0]
    assert "统一社会信用代码" in messages["uscc"][0]
    assert "校验码" in messages["uscc"][0]  # the reason: the check character


def test_a_uscc_of_wrong_length_is_rejected_with_the_length_reason():
    with pytest.raises(ValidationError) as info:
        validate_uscc(REAL_USCC[:-1])
    assert "长度" in info.value.message_dict["uscc"][0]


def test_the_uscc_error_names_the_field_given_by_the_caller():
    with pytest.raises(ValidationError) as info:
        validate_uscc(_flip_last(REAL_USCC), field="org_uscc")
    assert list(info.value.message_dict) == ["org_uscc"]


def test_a_full_width_uscc_is_normalized():
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in REAL_USCC)
    assert full_width != REAL_USCC
    assert validate_uscc(full_width) == REAL_USCC


def test_a_lower_case_spaced_uscc_is_normalized():
    assert validate_uscc(" 5310 0000-5000 19795a ") == REAL_USCC


def test_normalize_code_maps_full_width_digits_and_letters():
    assert normalize_code("１１０１０５ａｂ－ｃ") == "110105ABC"


def test_a_valid_id_number_passes():
    number = make_id_number(7, "110105")
    assert validate_id_number(number) == number


def test_an_id_number_with_lower_case_x_is_normalized():
    # Find a generated number whose check digit is X.
    number = next(n for n in (make_id_number(i) for i in range(200)) if n.endswith("X"))
    assert validate_id_number(number[:-1] + "x") == number


def test_a_full_width_id_number_is_normalized():
    number = make_id_number(11)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert validate_id_number(full_width) == number


def test_a_mistyped_id_number_is_rejected_naming_field_and_rule():
    number = make_id_number(3)
    wrong = number[:-1] + ("1" if number[-1] != "1" else "2")
    with pytest.raises(ValidationError) as info:
        validate_id_number(wrong)
    messages = info.value.message_dict
    assert list(messages) == ["id_number"]
    assert "GB 11643-1999" in messages["id_number"][0]
    assert "公民身份号码" in messages["id_number"][0]


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda n: n[:-1] + ("1" if n[-1] != "1" else "2"), id="check digit"),
        pytest.param(lambda n: n[:10] + "13" + n[12:-1] + "0", id="month 13"),
        pytest.param(lambda n: n + "5", id="19 digits"),
    ],
)
def test_the_id_number_error_never_contains_the_full_number(mangle):
    number = mangle(make_id_number(5))
    with pytest.raises(ValidationError) as info:
        validate_id_number(number)
    text = " ".join(info.value.messages)
    assert number not in text
    assert number[6:14] not in text  # nor the birth date
    assert number[:6] in text  # but enough to find the row: the county of issue


def test_an_unknown_county_in_an_id_number_is_rejected():
    body = "999999" + "19900101" + "123"
    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(ValidationError) as info:
        validate_id_number(number)
    assert "GB 11643-1999" in info.value.message_dict["id_number"][0]


@pytest.mark.parametrize("raw, expected", [("13912345678", "13912345678"), ("+86 139-1234-5678", "13912345678"),
                                           ("0519-8888 1234", "051988881234")])
def test_phone_numbers_are_normalized(raw, expected):
    assert validate_phone(raw) == expected


def test_a_malformed_phone_number_is_rejected_naming_field():
    with pytest.raises(ValidationError) as info:
        validate_phone("12ab")
    assert list(info.value.message_dict) == ["phone"]
