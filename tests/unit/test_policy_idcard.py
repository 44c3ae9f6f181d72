"""身份证号 (GB 11643-1999): check digit, parsing, age, masking — SPEC §3, §12."""

from datetime import date

import pytest

from app.policy import PolicyViolation
from app.policy.idcard import (
    IdInfo,
    age_on,
    id_check_digit,
    mask_id_number,
    parse_id_number,
)

# The sample number of GB 11643-1999 itself: born 1949-12-31, female, check digit X.
SAMPLE = "11010519491231002X"


def make_id(region: str, birth: str, seq: str) -> str:
    first17 = region + birth + seq
    return first17 + id_check_digit(first17)


def test_check_digit_of_the_standard_sample():
    assert id_check_digit("11010519491231002") == "X"


@pytest.mark.parametrize(
    ("first17", "expected"),
    [
        ("43012319800101123", "5"),
        ("43012319760815004", "2"),
        ("43012320000229001", "0"),
        ("43012319750601006", "5"),
    ],
)
def test_check_digit_mod_11_2(first17, expected):
    assert id_check_digit(first17) == expected


def test_check_digit_covers_every_remainder():
    # The map is "10X98765432": each remainder 0..10 gives a distinct character.
    seen = {id_check_digit(f"{n:017d}") for n in range(2000)}
    assert seen == set("0123456789X")


def test_check_digit_needs_17_digits():
    with pytest.raises(ValueError):
        id_check_digit("1234")
    with pytest.raises(ValueError):
        id_check_digit("1101051949123100A")


def test_parse_the_sample():
    info = parse_id_number(SAMPLE)
    assert info == IdInfo(number=SAMPLE, birth_date=date(1949, 12, 31), gender="女", region="110105")


def test_parse_normalises_spaces_and_lower_case_x():
    assert parse_id_number(" 110105 19491231 002x ").number == SAMPLE
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert parse_id_number(full_width).number == SAMPLE


def test_gender_from_the_17th_digit():
    # The 17th digit: odd → 男, even → 女.
    assert parse_id_number(make_id("430123", "19800101", "123")).gender == "男"
    assert parse_id_number(make_id("430123", "19800101", "124")).gender == "女"


def test_leap_day_birth_is_valid():
    number = make_id("430123", "20000229", "001")
    assert parse_id_number(number).birth_date == date(2000, 2, 29)


@pytest.mark.parametrize("value", ["", None, "11010519491231002", "11010519491231002X1", "4301"])
def test_length_must_be_18(value):
    with pytest.raises(PolicyViolation) as caught:
        parse_id_number(value)
    assert caught.value.field == "id_number"
    assert caught.value.code == "id_length"
    assert str(caught.value) == "身份证号应为18位"


@pytest.mark.parametrize("value", ["1101051949123100XX", "A1010519491231002X", "11010519491231-02X"])
def test_first_17_must_be_digits(value):
    with pytest.raises(PolicyViolation) as caught:
        parse_id_number(value)
    assert caught.value.code == "id_digits"
    assert str(caught.value) == "身份证号前17位应为数字"


@pytest.mark.parametrize(
    "birth",
    [
        "19490230",  # 30 February
        "20010229",  # not a leap year
        "19491301",  # month 13
        "18991231",  # before 1900
        "20990101",  # in the future
    ],
)
def test_birth_date_must_be_real_past_and_from_1900(birth):
    with pytest.raises(PolicyViolation) as caught:
        parse_id_number(make_id("110105", birth, "002"), today=date(2026, 11, 26))
    assert caught.value.code == "id_birth_date"
    assert str(caught.value) == "身份证号中的出生日期无效"


def test_birth_today_is_accepted_tomorrow_is_not():
    today = date(2026, 11, 26)
    assert parse_id_number(make_id("430123", "20261126", "001"), today=today).birth_date == today
    with pytest.raises(PolicyViolation):
        parse_id_number(make_id("430123", "20261127", "001"), today=today)


def test_wrong_check_digit_is_rejected():
    with pytest.raises(PolicyViolation) as caught:
        parse_id_number("110105194912310021")
    assert caught.value.code == "id_check_digit"
    assert str(caught.value) == "身份证号校验位不正确，请核对后重新输入"


def test_single_digit_typo_is_caught_by_the_check_digit():
    typo = "11010519491231003X"  # sequence digit changed
    with pytest.raises(PolicyViolation) as caught:
        parse_id_number(typo)
    assert caught.value.code == "id_check_digit"


def test_age_on_counts_full_years_exactly_at_the_birthday():
    birth = date(1976, 6, 1)
    assert age_on(birth, date(2026, 5, 31)) == 49
    assert age_on(birth, date(2026, 6, 1)) == 50
    assert age_on(birth, date(2027, 5, 31)) == 50
    assert age_on(birth, date(2027, 6, 1)) == 51


def test_age_on_leap_day_birthday():
    birth = date(2000, 2, 29)
    assert age_on(birth, date(2026, 2, 28)) == 25
    assert age_on(birth, date(2026, 3, 1)) == 26
    assert age_on(birth, date(2028, 2, 29)) == 28


def test_age_on_the_birth_day_is_zero():
    assert age_on(date(2026, 1, 1), date(2026, 1, 1)) == 0


def test_mask_id_number():
    assert mask_id_number("430123197606010038") == "430123********0038"
    assert mask_id_number(SAMPLE) == "110105********002X"
    assert mask_id_number("11010519491231002x") == "110105********002X"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_mask_nothing_is_empty(value):
    assert mask_id_number(value) == ""


def test_mask_short_value_reveals_nothing():
    assert mask_id_number("12345") == "*****"
