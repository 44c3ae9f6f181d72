"""The monthly report deadline — 政策第五条（一）4 "每月月底前", SPEC §8."""

from datetime import date, datetime, timedelta, timezone

import pytest

from app.policy import PolicyViolation
from app.policy.reports import (
    is_report_late,
    month_of,
    parse_month,
    previous_month,
    report_deadline,
    report_due_date,
)


@pytest.mark.parametrize(
    ("year", "month", "due"),
    [
        (2026, 1, date(2026, 1, 31)),
        (2026, 2, date(2026, 2, 28)),
        (2028, 2, date(2028, 2, 29)),
        (2026, 9, date(2026, 9, 30)),
        (2026, 12, date(2026, 12, 31)),
    ],
)
def test_due_on_the_last_day_of_the_month(year, month, due):
    assert report_due_date(year, month) == due


def test_due_even_on_a_holiday():
    # "每月月底前" is a calendar date: September 2026 is due 09-30 (a working day) and
    # a month ending on a weekend is still due that day.
    assert report_due_date(2026, 10) == date(2026, 10, 31)  # Saturday


def test_deadline_is_the_last_moment_of_the_last_day():
    assert report_deadline(2026, 9) == datetime(2026, 9, 30, 23, 59, 59, 999999)


def test_submitted_on_the_last_day_is_on_time():
    submitted = datetime(2026, 9, 30, 23, 59, 59)
    assert is_report_late(submitted, 2026, 9, now=datetime(2026, 10, 5)) is False


def test_submitted_early_is_on_time():
    assert (
        is_report_late(datetime(2026, 9, 25, 10), 2026, 9, now=datetime(2026, 12, 1))
        is False
    )


def test_submitted_after_the_month_is_late():
    assert (
        is_report_late(
            datetime(2026, 10, 1, 0, 0), 2026, 9, now=datetime(2026, 10, 1, 8)
        )
        is True
    )


def test_not_submitted_is_not_late_before_the_day_has_passed():
    assert is_report_late(None, 2026, 9, now=datetime(2026, 9, 30, 23, 59, 59)) is False
    assert is_report_late(None, 2026, 9, now=datetime(2026, 9, 15)) is False


def test_not_submitted_after_the_last_day_is_late():
    assert is_report_late(None, 2026, 9, now=datetime(2026, 10, 1, 0, 0, 1)) is True
    assert is_report_late(None, 2026, 9, now=datetime(2027, 1, 1)) is True


def test_empty_month_report_counts_the_same():
    # 报空表: a report with no cases is judged only by its submission time.
    assert (
        is_report_late(datetime(2026, 2, 28, 17), 2026, 2, now=datetime(2026, 3, 2))
        is False
    )


def test_aware_datetimes_use_wall_clock():
    beijing = timezone(timedelta(hours=8))
    submitted = datetime(2026, 9, 30, 22, 0, tzinfo=beijing)
    assert (
        is_report_late(submitted, 2026, 9, now=datetime(2026, 10, 2, tzinfo=beijing))
        is False
    )


def test_month_of():
    assert month_of(date(2026, 9, 30)) == (2026, 9)
    assert month_of(datetime(2026, 12, 31, 23, 0)) == (2026, 12)


def test_previous_month():
    assert previous_month(2026, 1) == (2025, 12)
    assert previous_month(2026, 10) == (2026, 9)


@pytest.mark.parametrize(
    "text", ["2026-09", "2026-9", "2026/09", "2026.09", "2026年9月", " 2026-09 "]
)
def test_parse_month(text):
    assert parse_month(text) == (2026, 9)


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "2026", "09-2026", "", None, "2026-09-01"]
)
def test_parse_month_rejects(text):
    with pytest.raises(PolicyViolation) as caught:
        parse_month(text)
    assert caught.value.field == "month"
    assert str(caught.value) == "月份格式应为“年-月”，例如2026-09"
