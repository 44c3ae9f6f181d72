"""Intake rules (app/policy/intake.py): 当日受理 and backdating (第五条（一）2, 3 working days),
立即办 / 报送办 paths (第二条（三）4, 第五条（二）3), applicant fields, 代缴 money (第三条5, 第四条9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.policy import case_flow as flow
from app.policy import intake
from app.policy.workdays import WorkCalendar

D = dt.date
T = dt.datetime
# 2026 is known to chinesecalendar; 2027 is not (weekends only) unless overridden: 元旦 2027-01-01
# is a Friday, made a rest day here as the township would enter it.
CAL = WorkCalendar({D(2027, 1, 1): False})


def _codes(findings):
    return [f.code for f in findings]


# --- backdating: at most 3 working days ------------------------------------------------------


def test_three_working_days_back_across_a_weekend():
    # Thursday 2026-11-26: Mon 23rd is 3 working days back (24, 25, 26); Fri 20th is 4.
    assert intake.backdate_workdays(D(2026, 11, 23), D(2026, 11, 26), CAL) == 3
    assert intake.backdate_workdays(D(2026, 11, 20), D(2026, 11, 26), CAL) == 4
    # Monday 2026-11-30: the Wednesday before is 3 back (Thu, Fri, Mon) — the weekend does not count.
    assert intake.backdate_workdays(D(2026, 11, 25), D(2026, 11, 30), CAL) == 3
    now = T(2026, 11, 30, 10, 0)
    assert intake.check_received_at(T(2026, 11, 25, 9, 0), now, CAL) == []
    assert _codes(intake.check_received_at(T(2026, 11, 24, 9, 0), now, CAL)) == ["backdate_too_far"]


def test_three_working_days_across_the_national_day_holiday():
    # 2026-10-01…10-07 are holidays, 10-10 (Saturday) a make-up working day.
    assert intake.backdate_workdays(D(2026, 9, 30), D(2026, 10, 9), CAL) == 2  # 10-08, 10-09
    assert intake.backdate_workdays(D(2026, 9, 30), D(2026, 10, 10), CAL) == 3  # + the make-up Saturday
    assert intake.check_received_at(T(2026, 9, 30, 16, 0), T(2026, 10, 10, 9, 0), CAL) == []
    assert intake.check_received_at(T(2026, 9, 29, 16, 0), T(2026, 10, 10, 9, 0), CAL) != []


def test_three_working_days_across_the_year_boundary():
    # Tuesday 2027-01-05: Mon 01-04, Thu 12-31 and Wed 12-30 lie 1, 2, 3 working days back.
    assert intake.backdate_workdays(D(2026, 12, 30), D(2027, 1, 5), CAL) == 3
    assert intake.backdate_workdays(D(2026, 12, 29), D(2027, 1, 5), CAL) == 4


def test_backdate_needs_township_and_a_reason():
    now = T(2026, 12, 1, 10, 0)
    old = T(2025, 1, 2, 9, 0)  # the case accepted as QS2025-0001
    assert _codes(intake.check_received_at(old, now, CAL)) == ["backdate_too_far"]
    assert "乡便民中心" in str(intake.check_received_at(old, now, CAL)[0].message)
    assert _codes(intake.check_received_at(old, now, CAL, township=True)) == ["reason_missing"]
    assert intake.check_received_at(old, now, CAL, township=True, reason="纸质登记簿补录") == []
    # The setting changes the limit.
    assert intake.check_received_at(T(2026, 11, 20, 9, 0), now, CAL, max_workdays=10) == []


def test_never_in_the_future_before_hire_or_in_an_approved_quarter():
    now = T(2026, 12, 1, 10, 0)
    assert _codes(intake.check_received_at(T(2026, 12, 1, 10, 6), now, CAL)) == ["in_future"]
    assert intake.check_received_at(T(2026, 12, 1, 10, 4), now, CAL) == []  # clock drift
    hired = D(2026, 11, 30)
    assert _codes(intake.check_received_at(T(2026, 11, 27, 9, 0), now, CAL, hired_on=hired)) == ["before_hire"]
    got = intake.check_received_at(
        T(2026, 9, 30, 9, 0), now, CAL, township=True, reason="补录", closed_quarters=[(2026, 3)]
    )
    assert _codes(got) == ["quarter_closed"]
    assert "2026年第3季度" in str(got[0].message)


# --- 当日受理 ------------------------------------------------------------------------------------


def test_registered_same_day_counts_working_days():
    assert intake.registered_same_day(T(2026, 11, 27, 17, 0), T(2026, 11, 27, 17, 30), CAL)
    # Friday's request entered on Saturday: no later working day yet.
    assert intake.registered_same_day(T(2026, 11, 27, 17, 0), T(2026, 11, 28, 9, 0), CAL)
    # ... entered on Monday: 未当日登记.
    assert not intake.registered_same_day(T(2026, 11, 27, 17, 0), T(2026, 11, 30, 9, 0), CAL)
    # Asked on Saturday (out of office hours), entered Monday: the request belongs to Monday.
    assert intake.registered_same_day(T(2026, 11, 28, 10, 0), T(2026, 11, 30, 9, 0), CAL)
    assert not intake.registered_same_day(T(2026, 11, 28, 10, 0), T(2026, 12, 1, 9, 0), CAL)
    # 12-31 → 01-01 (holiday) → 01-04: entered on 01-04 is a later working day.
    assert intake.registered_same_day(T(2026, 12, 31, 16, 0), T(2027, 1, 1, 9, 0), CAL)
    assert not intake.registered_same_day(T(2026, 12, 31, 16, 0), T(2027, 1, 4, 9, 0), CAL)


# --- 立即办 / 报送办 -------------------------------------------------------------------------------


def test_immediate_item_goes_from_accepted_to_completed():
    assert "completed" in flow.allowed_targets("proxy", "accepted", mode="immediate")
    assert "completed" not in flow.allowed_targets("proxy", "accepted", mode="promised")
    assert "completed" not in flow.allowed_targets("proxy", "accepted", mode="forward")
    assert "completed" not in flow.allowed_targets("consult", "registered", mode="immediate")
    facts = flow.StepFacts(
        kind="proxy",
        from_status="accepted",
        to_status="completed",
        values={"window_result": "证明已开具", "reply_at": T(2026, 11, 26, 9, 40)},
        received_at=T(2026, 11, 26, 9, 30),
        at=T(2026, 11, 26, 9, 40),
        now=T(2026, 11, 26, 10, 0),
        mode="immediate",
    )
    assert flow.check_transition(facts, {}) == []
    refused = flow.check_transition(flow.StepFacts(**{**facts.__dict__, "mode": "forward"}), {})
    assert "只有“立即办”事项" in str(refused[0].message)


def test_immediate_case_has_no_submit_deadline():
    submit_by, complete_by = flow.case_deadlines("proxy", T(2026, 11, 26, 9, 0), False, 0, CAL, mode="immediate")
    assert (submit_by, complete_by) == (None, D(2026, 11, 26))


def test_verification_comes_before_report_for_marked_forward_items():
    assert intake.verification_first("forward", True)
    assert not intake.verification_first("forward", False)
    assert not intake.verification_first("immediate", True)
    targets = flow.allowed_targets("proxy", "accepted", mode="forward", verify_first=True)
    assert "submitted" not in targets and "verifying" in targets
    assert "submitted" in flow.allowed_targets("proxy", "verifying", mode="forward", verify_first=True)
    facts = flow.StepFacts(
        kind="proxy",
        from_status="accepted",
        to_status="submitted",
        values={"submitted_window": "民政窗口"},
        received_at=T(2026, 11, 26, 9, 0),
        at=T(2026, 11, 26, 9, 30),
        now=T(2026, 11, 26, 10, 0),
        mode="forward",
        verify_first=True,
    )
    assert "先由村干部调查核实" in str(flow.check_transition(facts, {})[0].message)


def test_applicant_fields_follow_the_item():
    # 1003 便民工具借用: "借用人姓名和联系电话（登记即可）" — no ID number.
    assert intake.check_applicant_fields("proxy", ["phone"], {"applicant_phone": "13973112345"}) == []
    assert _codes(intake.check_applicant_fields("proxy", ["phone"], {})) == ["phone_missing"]
    assert _codes(intake.check_applicant_fields("proxy", ["id_number"], {"applicant_phone": "1"})) == ["id_missing"]
    assert intake.check_applicant_fields("proxy", [], {}) == []
    assert intake.check_applicant_fields("consult", ["id_number", "phone"], {}) == []


# --- 代缴 money ------------------------------------------------------------------------------------


def test_payment_of_400_with_voucher_is_fine_and_never_a_fee():
    d = Decimal
    assert intake.check_payment(True, d("400.00"), d("400.00"), "YB2026-001", D(2026, 11, 26)) == []
    assert intake.check_payment_closing(True, d("400.00"), "YB2026-001") == []
    assert flow.check_fee(Decimal("0.00"), Decimal("0.00"), None) == []  # the fee stays 0


def test_payment_limits_and_closing():
    d = Decimal
    assert _codes(intake.check_payment(True, d("-1"), None, None, None)) == ["negative"]
    assert _codes(intake.check_payment(True, d("1.005"), None, None, None)) == ["precision"]
    assert _codes(intake.check_payment(True, d("100000.01"), None, None, None)) == ["too_large"]
    assert intake.check_payment(True, d("100000.00"), d("100000.00"), None, None) == []
    assert _codes(intake.check_payment(True, d("300.00"), d("400.00"), None, None)) == ["paid_above_received"]
    assert _codes(intake.check_payment(True, None, d("400.00"), None, None)) == ["received_missing"]
    assert _codes(intake.check_payment(False, d("400.00"), None, None, None)) == ["not_payment_item"]
    assert intake.check_payment(False, None, None, None, None) == []
    assert _codes(intake.check_payment_closing(True, d("400.00"), " ")) == ["voucher_missing"]
    assert _codes(intake.check_payment_closing(True, None, "YB1")) == ["paid_missing"]
    assert intake.check_payment_closing(False, None, None) == []
    future = intake.check_payment(True, d("1"), d("1"), None, D(2026, 11, 27), today=D(2026, 11, 26))
    assert _codes(future) == ["in_future"]
