"""督查考核 rules — 政策第二条（三）1、5, 第二条（四）2–4, 第五条（一）4, SPEC §6–§8."""

from datetime import date, datetime, time

import pytest

from app.policy import PolicyViolation
from app.policy.deductions import DeductionCode
from app.policy.office_hours import OfficeHours
from app.policy.supervision import (
    assessment_dismisses,
    attendance_summary,
    check_attendance_mark,
    check_off_duty_finding,
    check_rectification,
    check_report_month,
    check_signin,
    complaint_event_date,
    counts_as_strike,
    deduction_month,
    deduction_quarter,
    is_late_signin,
    is_training_strike,
    report_costs_deduction,
    report_deduction_month,
    report_state,
)
from app.policy.workdays import WorkCalendar

pytestmark = pytest.mark.dates

CAL = WorkCalendar()
HOURS = OfficeHours()
SUMMER_WORKDAY = date(2026, 7, 15)  # Wednesday
WINTER_WORKDAY = date(2026, 11, 26)  # Thursday


def at(d: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(d, time(hh, mm))


# --- 不在岗 only during 坐班时间 ------------------------------------------------------------------


def test_noon_on_a_summer_working_day_cannot_be_off_duty():
    """Summer hours 上午9:00—11:30，下午3:00—6:00: at 12:00 the point is closed."""
    with pytest.raises(PolicyViolation) as exc:
        check_off_duty_finding(at(SUMMER_WORKDAY, 12), False, CAL, HOURS)
    assert exc.value.field == "on_duty"
    assert exc.value.code == "off_duty_outside_hours"
    message = str(exc.value)
    assert "不在坐班时间内" in message and "上午9:00—11:30，下午3:00—6:00" in message


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (at(SUMMER_WORKDAY, 9), True),
        (at(SUMMER_WORKDAY, 11, 29), True),
        (at(SUMMER_WORKDAY, 11, 30), False),  # session end is exclusive
        (at(SUMMER_WORKDAY, 14, 45), False),  # winter afternoon starts 14:30, summer 15:00
        (at(SUMMER_WORKDAY, 15), True),
        (at(SUMMER_WORKDAY, 17, 59), True),
        (at(SUMMER_WORKDAY, 18), False),
        (at(WINTER_WORKDAY, 14, 45), True),
        (at(WINTER_WORKDAY, 17, 30), False),
        (at(WINTER_WORKDAY, 8, 59), False),
        (at(date(2026, 11, 28), 10), False),  # Saturday
        (at(date(2026, 10, 2), 10), False),  # National Day holiday
        (at(date(2026, 10, 10), 10), True),  # make-up working Saturday (调休)
    ],
)
def test_off_duty_finding_only_while_seated(moment, allowed):
    if allowed:
        check_off_duty_finding(moment, False, CAL, HOURS)
    else:
        with pytest.raises(PolicyViolation):
            check_off_duty_finding(moment, False, CAL, HOURS)


def test_on_duty_is_always_a_valid_finding():
    check_off_duty_finding(at(SUMMER_WORKDAY, 12), True, CAL, HOURS)
    check_off_duty_finding(at(date(2026, 11, 28), 23), True, CAL, HOURS)


def test_township_overrides_count_for_the_off_duty_rule():
    cal = WorkCalendar({SUMMER_WORKDAY: False})
    with pytest.raises(PolicyViolation):
        check_off_duty_finding(at(SUMMER_WORKDAY, 10), False, cal, HOURS)


def test_rectification_dates():
    d = date(2026, 11, 3)
    assert check_rectification(d, None, None, date(2026, 11, 26)) == []
    assert check_rectification(d, date(2026, 11, 10), date(2026, 11, 9), date(2026, 11, 26)) == []
    problems = check_rectification(d, date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 26))
    assert [p.field for p in problems] == ["rectify_by", "rectified_on"]
    future = check_rectification(d, None, date(2026, 11, 27), date(2026, 11, 26))
    assert [p.code for p in future] == ["rectified_in_future"]


# --- trainings ② ------------------------------------------------------------------------------


def test_only_unexcused_absence_is_a_strike():
    assert is_training_strike("absent")
    assert not is_training_strike("excused")
    assert not is_training_strike("present")


def test_no_absentees_before_a_training_takes_place():
    with pytest.raises(PolicyViolation) as exc:
        check_attendance_mark(date(2026, 12, 3), "absent", date(2026, 11, 26))
    assert "尚未召开" in str(exc.value)
    check_attendance_mark(date(2026, 12, 3), "excused", date(2026, 11, 26))
    check_attendance_mark(date(2026, 11, 26), "absent", date(2026, 11, 26))


# --- attribution: 扣除当月补助 -------------------------------------------------------------------------


def test_complaint_is_attributed_to_the_month_of_verification():
    """① “经乡政府核实属实后，扣除当月补助30元”."""
    assert complaint_event_date(date(2026, 9, 28), date(2026, 10, 8)) == date(2026, 10, 8)
    assert deduction_month(complaint_event_date(date(2026, 9, 28), date(2026, 10, 8))) == (2026, 10)
    assert complaint_event_date(date(2026, 9, 28), None) == date(2026, 9, 28)


def test_event_months_and_quarters():
    assert deduction_month(date(2026, 9, 30)) == (2026, 9)
    assert deduction_month(datetime(2026, 10, 1, 0, 5)) == (2026, 10)
    assert deduction_quarter(2026, 9) == (2026, 3)
    assert deduction_quarter(2026, 10) == (2026, 4)
    # ④ belongs to the month whose report was late, not to the month it was found.
    assert report_deduction_month(2026, 9) == (2026, 9)


def test_strikes_count_over_the_current_appointment_only():
    hired = date(2025, 3, 1)
    assert counts_as_strike("3", date(2025, 3, 1), hired)
    assert not counts_as_strike("3", date(2025, 2, 28), hired)
    assert counts_as_strike(DeductionCode.REFUSED_REQUEST, date(2024, 1, 1), None)
    assert not counts_as_strike("4", date(2025, 6, 1), hired)  # ④ and ⑤ are not strikes
    assert not counts_as_strike("5", date(2025, 6, 1), hired)


def test_failed_annual_assessment_dismisses():
    assert assessment_dismisses("fail")
    assert not assessment_dismisses("pass")
    assert not assessment_dismisses("excellent")


# --- monthly report ④ ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitted", "now", "state"),
    [
        (datetime(2026, 9, 30, 23, 59), datetime(2026, 10, 5), "on_time"),
        (datetime(2026, 10, 1, 0, 0), datetime(2026, 10, 5), "late"),
        (None, datetime(2026, 9, 30, 23, 0), "not_due"),
        (None, datetime(2026, 10, 1, 0, 0, 1), "missing"),
        (datetime(2026, 9, 12, 10), datetime(2026, 9, 12, 10), "on_time"),
    ],
)
def test_report_state(submitted, now, state):
    assert report_state(2026, 9, submitted, now, WorkCalendar()) == state


def test_late_and_missing_cost_a_deduction():
    assert report_costs_deduction("late")
    assert report_costs_deduction("missing")
    assert not report_costs_deduction("on_time")
    assert not report_costs_deduction("not_due")


def test_an_empty_month_still_needs_a_report():
    """“没有情况每月报空表”: lateness does not depend on the figures at all."""
    # February 2026 ends on a make-up working Saturday: due 02-28, missing on 03-01
    assert report_state(2026, 2, None, datetime(2026, 3, 1, 8), WorkCalendar()) == "missing"


def test_report_state_waits_for_the_next_working_day():
    # October 2026 ends on a Saturday: still "not_due" on Sunday and Monday 11-02
    cal = WorkCalendar()
    assert report_state(2026, 10, None, datetime(2026, 11, 2, 17), cal) == "not_due"
    assert report_state(2026, 10, None, datetime(2026, 11, 3, 8), cal) == "missing"
    assert report_state(2026, 10, datetime(2026, 11, 2, 9), datetime(2026, 11, 3, 8), cal) == "on_time"


def test_reports_are_for_this_month_or_earlier():
    check_report_month(2026, 11, date(2026, 11, 26))
    check_report_month(2025, 12, date(2026, 11, 26))
    with pytest.raises(PolicyViolation) as exc:
        check_report_month(2026, 12, date(2026, 11, 26))
    assert exc.value.code == "report_future"
    with pytest.raises(PolicyViolation):
        check_report_month(2026, 13, date(2026, 11, 26))


# --- sign-in ------------------------------------------------------------------------------------------


def test_signin_on_working_days_until_the_seated_hours_end():
    check_signin(at(WINTER_WORKDAY, 8, 30), CAL, HOURS)
    check_signin(at(WINTER_WORKDAY, 17, 29), CAL, HOURS)
    with pytest.raises(PolicyViolation) as exc:
        check_signin(at(WINTER_WORKDAY, 17, 30), CAL, HOURS)
    assert exc.value.code == "signin_after_hours"
    with pytest.raises(PolicyViolation) as exc:
        check_signin(at(date(2026, 11, 28), 9), CAL, HOURS)
    assert exc.value.code == "signin_rest_day"


def test_late_after_the_first_session_starts():
    assert not is_late_signin(at(WINTER_WORKDAY, 9, 0), CAL, HOURS)
    assert is_late_signin(at(WINTER_WORKDAY, 9, 1), CAL, HOURS)
    assert not is_late_signin(at(WINTER_WORKDAY, 9, 5), CAL, HOURS, grace_minutes=5)


def test_attendance_summary_of_a_month():
    # November 2026: 21 working days. Until Thursday 26th: 19 working days.
    signins = {
        date(2026, 11, 2): at(date(2026, 11, 2), 8, 50),
        date(2026, 11, 3): at(date(2026, 11, 3), 9, 20),  # late
        date(2026, 11, 26): at(date(2026, 11, 26), 8, 58),
    }
    s = attendance_summary(2026, 11, signins, CAL, HOURS, until=date(2026, 11, 26), until_time=time(10))
    assert (s.workdays, s.signed, s.on_time, s.late, s.missing) == (19, 3, 2, 1, 16)
    assert s.late_days == (date(2026, 11, 3),)
    assert date(2026, 11, 4) in s.missing_days


def test_today_is_not_missing_before_its_hours_end():
    s = attendance_summary(
        2026, 11, {}, CAL, HOURS, until=date(2026, 11, 26), since=date(2026, 11, 25), until_time=time(10)
    )
    assert (s.workdays, s.missing) == (1, 1)  # the 25th only
    s = attendance_summary(
        2026, 11, {}, CAL, HOURS, until=date(2026, 11, 26), since=date(2026, 11, 25), until_time=time(18)
    )
    assert (s.workdays, s.missing) == (2, 2)


def test_attendance_skips_holidays_and_counts_makeup_days():
    # October 2026: 1–7 National Day holiday, Saturday 10th a make-up working day.
    s = attendance_summary(2026, 10, {}, CAL, HOURS, until=date(2026, 10, 10))
    assert s.workdays == 3  # 8th, 9th (Thu, Fri) and Saturday the 10th
    assert s.rate == 0.0
    assert attendance_summary(2026, 10, {}, CAL, HOURS, until=date(2026, 10, 7)).rate is None
