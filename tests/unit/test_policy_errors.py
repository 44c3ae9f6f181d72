"""PolicyViolation: Chinese message, field and code."""

import pickle

import pytest
from flask_babel import lazy_gettext as _l

import app.policy
from app.policy import PolicyViolation


def test_package_exports_policy_violation_and_lists_modules():
    assert app.policy.PolicyViolation is PolicyViolation
    for module in (
        "idcard",
        "phone",
        "eligibility",
        "workdays",
        "deadlines",
        "office_hours",
    ):
        assert module in app.policy.__doc__
    for module in ("deductions", "money", "reports", "errors"):
        assert module in app.policy.__doc__


def test_is_a_value_error_with_chinese_str():
    exc = PolicyViolation(_l("身份证号应为18位"), field="id_number", code="id_length")
    assert isinstance(exc, ValueError)
    assert str(exc) == "身份证号应为18位"
    assert exc.field == "id_number"
    assert exc.code == "id_length"
    assert str(exc.message) == "身份证号应为18位"


def test_defaults_and_plain_string_message():
    exc = PolicyViolation("电话号码格式不正确（手机号11位，或区号-座机号）")
    assert exc.field is None
    assert exc.code == "invalid"
    assert str(exc) == "电话号码格式不正确（手机号11位，或区号-座机号）"


def test_raised_and_caught_as_value_error():
    with pytest.raises(ValueError, match="身份证号"):
        raise PolicyViolation(_l("身份证号前17位应为数字"), field="id_number", code="id_digits")


def test_survives_pickling_with_field_and_code():
    exc = PolicyViolation(_l("手机号码应为11位，以1开头"), field="phone", code="mobile")
    copy = pickle.loads(pickle.dumps(exc))
    assert (str(copy), copy.field, copy.code) == (
        "手机号码应为11位，以1开头",
        "phone",
        "mobile",
    )


def test_repr_names_field_and_code():
    exc = PolicyViolation("x", field="f", code="c")
    assert repr(exc) == "PolicyViolation('x', field='f', code='c')"
