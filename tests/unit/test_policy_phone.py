"""Mobile and service phone numbers, masking — SPEC §2, §3, §12."""

import pytest

from app.policy import PolicyViolation
from app.policy.phone import mask_phone, normalize_mobile, normalize_service_phone


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        " 138 1234 5678 ",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "8613812345678",
        "008613812345678",
        "１３８１２３４５６７８",  # full-width digits from a Chinese input method
        "13812345678\n",  # pasted with a line break
    ],
)
def test_normalize_mobile_accepts_common_forms(value):
    assert normalize_mobile(value) == "13812345678"


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mobile_prefix_1_3_to_9(prefix):
    number = prefix + "012345678"
    assert normalize_mobile(number) == number


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "12812345678",  # second digit 2
        "23812345678",  # does not start with 1
        "1381234567a",
        "0731-84561234",  # a landline is not a mobile
    ],
)
def test_normalize_mobile_rejects(value):
    with pytest.raises(PolicyViolation) as caught:
        normalize_mobile(value)
    assert caught.value.field == "phone"
    assert str(caught.value) == "手机号码应为11位，以1开头"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0731-84561234", "0731-84561234"),
        ("073184561234", "0731-84561234"),
        ("0731 84561234", "0731-84561234"),
        ("0731 8456 1234", "0731-84561234"),
        ("(0731)84561234", "0731-84561234"),
        ("（0731）84561234", "0731-84561234"),
        ("0731-8456123", "0731-8456123"),  # 7-digit local number
        ("010-62751234", "010-62751234"),
        ("01062751234", "010-62751234"),  # 010 is a 3-digit area code
        ("02087654321", "020-87654321"),  # so is 02x
        ("075522345678", "0755-22345678"),
        ("138 1234 5678", "13812345678"),  # a mobile is a valid service phone too
    ],
)
def test_normalize_service_phone(value, expected):
    assert normalize_service_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "84561234",  # no area code
        "731-84561234",  # area code must start with 0
        "07312-84561234",  # area code too long
        "0731-845612",  # local number too short
        "0731-845612345",  # too long
        "0731-04561234",  # local number cannot start with 0
        "12345",
        "电话",
    ],
)
def test_normalize_service_phone_rejects(value):
    with pytest.raises(PolicyViolation) as caught:
        normalize_service_phone(value)
    assert caught.value.field == "phone"
    assert str(caught.value) == "电话号码格式不正确（手机号11位，或区号-座机号）"


def test_mask_mobile():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+86 138-1234-5678") == "138****5678"


def test_mask_landline_keeps_area_code_and_last_four():
    assert mask_phone("0731-84561234") == "0731-****1234"
    assert mask_phone("073184561234") == "0731-****1234"
    assert mask_phone("010-62751234") == "010-****1234"
    assert mask_phone("0731-8456123") == "0731-****6123"


@pytest.mark.parametrize("value", [None, "", "  "])
def test_mask_nothing(value):
    assert mask_phone(value) == ""


def test_mask_unrecognised_value_shows_only_last_four():
    assert mask_phone("12345678") == "****5678"
    assert mask_phone("123") == "***"
