"""考核扣款 ①–⑤ and three strikes — 政策第二条（四）2, SPEC §7."""

from decimal import Decimal

import pytest

from app.policy.deductions import (
    DEFAULT_AMOUNTS,
    STRIKE_CODES,
    DeductionCode,
    apply_monthly_cap,
    code_for,
    deduction_amount,
    strike_counts,
    strike_status,
)

D = DeductionCode


def test_codes_symbols_and_labels():
    assert [(c.value, c.symbol, str(c.label)) for c in DeductionCode] == [
        ("1", "①", "群众反映不受理代办事项（经核实）"),
        ("2", "②", "无故不参加集中学习培训会议"),
        ("3", "③", "督查检查不在岗"),
        ("4", "④", "未按时报送月汇总表"),
        ("5", "⑤", "台账填写不完整"),
    ]


def test_code_is_a_str_enum():
    assert D.OFF_DUTY == "3"
    assert D("3") is D.OFF_DUTY


@pytest.mark.parametrize("value", [D.LATE_REPORT, "4", 4, "④", " 4 "])
def test_coerce(value):
    assert D.coerce(value) is D.LATE_REPORT


@pytest.mark.parametrize("value", ["6", 0, "", "⑥"])
def test_coerce_rejects_unknown(value):
    with pytest.raises(ValueError):
        D.coerce(value)


# --- amounts -------------------------------------------------------------------------------


def test_policy_amounts():
    assert dict(DEFAULT_AMOUNTS) == {
        D.REFUSED_REQUEST: Decimal("30.00"),
        D.TRAINING_ABSENCE: Decimal("30.00"),
        D.OFF_DUTY: Decimal("50.00"),
        D.LATE_REPORT: Decimal("30.00"),
        D.INCOMPLETE_LEDGER: Decimal("10.00"),
    }


@pytest.mark.parametrize(
    ("code", "amount"),
    [("1", "30.00"), ("2", "30.00"), ("3", "50.00"), ("4", "30.00"), ("5", "10.00")],
)
def test_deduction_amount_defaults(code, amount):
    result = deduction_amount(code)
    assert result == Decimal(amount)
    assert isinstance(result, Decimal)
    assert result.as_tuple().exponent == -2


def test_default_amounts_cannot_be_changed_by_accident():
    with pytest.raises(TypeError):
        DEFAULT_AMOUNTS[D.OFF_DUTY] = Decimal(0)  # type: ignore[index]


def test_amounts_from_settings_keyed_by_value():
    # config.py keys DEDUCTION_AMOUNTS by "1".."5".
    settings = {"1": Decimal("40.00"), "3": "60", "5": 15}
    assert deduction_amount(D.REFUSED_REQUEST, settings) == Decimal("40.00")
    assert deduction_amount("3", settings) == Decimal("60.00")
    assert deduction_amount(5, settings) == Decimal("15.00")
    assert deduction_amount(D.LATE_REPORT, settings) == Decimal("30.00")  # falls back


def test_amounts_keyed_by_member_or_int():
    assert deduction_amount("2", {D.TRAINING_ABSENCE: Decimal(25)}) == Decimal("25.00")
    assert deduction_amount("2", {2: Decimal(20)}) == Decimal("20.00")


# --- three strikes -------------------------------------------------------------------------


def test_strike_codes_are_1_2_3():
    assert STRIKE_CODES == (D.REFUSED_REQUEST, D.TRAINING_ABSENCE, D.OFF_DUTY)
    assert [c.value for c in STRIKE_CODES] == ["1", "2", "3"]


def test_strike_counts_only_count_1_2_3():
    events = [D.OFF_DUTY, "3", D.LATE_REPORT, "5", 5, D.REFUSED_REQUEST, "③"]
    assert strike_counts(events) == {
        D.REFUSED_REQUEST: 1,
        D.TRAINING_ABSENCE: 0,
        D.OFF_DUTY: 3,
    }


def test_strike_counts_of_nothing():
    assert strike_counts([]) == {
        D.REFUSED_REQUEST: 0,
        D.TRAINING_ABSENCE: 0,
        D.OFF_DUTY: 0,
    }


def test_no_strikes():
    status = strike_status(strike_counts([]))
    assert (status.warnings, status.dismiss, status.should_dismiss) == ([], [], False)
    assert status.messages() == []


def test_one_strike_is_nothing_yet():
    status = strike_status(strike_counts([D.OFF_DUTY]))
    assert status.warnings == [] and status.dismiss == []


def test_two_of_one_kind_warn():
    status = strike_status(strike_counts([D.TRAINING_ABSENCE, D.TRAINING_ABSENCE]))
    assert status.warnings == [D.TRAINING_ABSENCE]
    assert status.dismiss == []
    assert status.should_dismiss is False
    assert [str(m) for m in status.messages()] == ["②无故不参加集中学习培训会议已累计2次，再发生1次将予以解聘"]


def test_three_of_one_kind_dismiss():
    status = strike_status(strike_counts([D.OFF_DUTY] * 3))
    assert status.dismiss == [D.OFF_DUTY]
    assert status.warnings == []
    assert status.should_dismiss is True
    assert [str(m) for m in status.messages()] == ["③督查检查不在岗已累计3次，依照政策第二条（四）2应予解聘"]


def test_more_than_three_still_dismiss():
    status = strike_status({D.REFUSED_REQUEST: 4})
    assert status.dismiss == [D.REFUSED_REQUEST]


def test_different_kinds_do_not_add_up():
    # "以上①、②、③情况任何一种累计发生3次的" — per kind.
    status = strike_status(strike_counts([D.REFUSED_REQUEST, D.TRAINING_ABSENCE, D.OFF_DUTY]))
    assert status.dismiss == [] and status.warnings == []
    status = strike_status(strike_counts([D.REFUSED_REQUEST, D.TRAINING_ABSENCE]))
    assert status.dismiss == [] and status.warnings == []


def test_late_reports_and_ledgers_never_strike():
    status = strike_status(strike_counts([D.LATE_REPORT] * 5 + [D.INCOMPLETE_LEDGER] * 9))
    assert status.dismiss == [] and status.warnings == []


def test_warning_and_dismissal_together():
    counts = strike_counts([D.OFF_DUTY] * 3 + [D.REFUSED_REQUEST] * 2)
    status = strike_status(counts)
    assert status.dismiss == [D.OFF_DUTY]
    assert status.warnings == [D.REFUSED_REQUEST]
    assert len(status.messages()) == 2
    assert "应予解聘" in str(status.messages()[0])


def test_threshold_is_a_parameter():
    counts = strike_counts([D.OFF_DUTY] * 3)
    status = strike_status(counts, threshold=4)
    assert status.dismiss == [] and status.warnings == [D.OFF_DUTY]
    assert "再发生1次" in str(status.messages()[0])
    status = strike_status(strike_counts([D.OFF_DUTY]), threshold=1)
    assert status.dismiss == [D.OFF_DUTY] and status.warnings == []
    with pytest.raises(ValueError):
        strike_status(counts, threshold=0)


def test_strike_status_accepts_counts_keyed_by_value():
    status = strike_status({"2": 3, "4": 7})
    assert status.dismiss == [D.TRAINING_ABSENCE]
    assert status.counts == {D.REFUSED_REQUEST: 0, D.TRAINING_ABSENCE: 3, D.OFF_DUTY: 0}


# --- monthly cap ----------------------------------------------------------------------------

SHARE = Decimal("416.67")


def test_cap_below_share_takes_the_sum():
    taken = apply_monthly_cap(SHARE, [Decimal(30), Decimal(50), Decimal(10)])
    assert taken == Decimal("90.00")


def test_cap_never_exceeds_the_share():
    # 9 inspections not on duty in a month: 450 > 416.67.
    assert apply_monthly_cap(SHARE, [Decimal(50)] * 9) == SHARE
    assert apply_monthly_cap(Decimal("416.66"), [Decimal(50)] * 9) == Decimal("416.66")


def test_cap_exactly_the_share():
    share = Decimal("100.00")
    assert apply_monthly_cap(share, [Decimal(50), Decimal(50)]) == share


def test_cap_with_nothing():
    assert apply_monthly_cap(SHARE, []) == Decimal("0.00")


def test_cap_for_a_prorated_or_empty_share():
    assert apply_monthly_cap(Decimal(0), [Decimal(30)]) == Decimal("0.00")
    assert apply_monthly_cap(Decimal("13.44"), [Decimal(30)]) == Decimal("13.44")


def test_cap_is_never_negative():
    assert apply_monthly_cap(SHARE, [Decimal(-30)]) == Decimal("0.00")
    assert apply_monthly_cap(Decimal(-1), [Decimal(30)]) == Decimal("0.00")


def test_cap_returns_two_place_decimal():
    taken = apply_monthly_cap(SHARE, [Decimal(30)])
    assert isinstance(taken, Decimal)
    assert str(taken) == "30.00"


def test_which_code_a_finding_costs():
    # 第二条（四）2: ① 不受理 (complaint verified), ② 无故缺席培训, ③ 督查不在岗, ④ 月汇总表迟报, ⑤ 台账不完整
    assert code_for("complaint") is D.REFUSED_REQUEST and code_for("complaint").value == "1"
    assert code_for("attendance") is D.TRAINING_ABSENCE
    assert code_for("inspection") is D.OFF_DUTY and deduction_amount(code_for("inspection")) == Decimal("50.00")
    assert code_for("report").value == "4"
    assert code_for("inspection_ledger") is code_for("case_review") is D.INCOMPLETE_LEDGER
    assert deduction_amount(code_for("case_review")) == Decimal("10.00")
    with pytest.raises(ValueError):
        code_for("photo")
