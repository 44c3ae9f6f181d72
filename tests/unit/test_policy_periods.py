"""Months and quarters (app/policy/periods.py): real dates, month ends, year ends, quarter ends."""

from __future__ import annotations

from datetime import date

import pytest

from app.policy.periods import (
    Period,
    month_axis_label,
    month_period,
    month_title,
    months_back,
    months_between,
    next_month,
    previous_month,
    quarter_label,
    quarter_period,
    quarter_title,
)


def test_next_and_previous_month_across_the_year_end():
    assert next_month(2026, 12) == (2027, 1)
    assert next_month(2026, 2) == (2026, 3)
    assert previous_month(2027, 1) == (2026, 12)


def test_months_between_is_inclusive_and_crosses_years():
    assert months_between((2026, 11), (2027, 2)) == [(2026, 11), (2026, 12), (2027, 1), (2027, 2)]
    assert months_between((2026, 5), (2026, 5)) == [(2026, 5)]
    assert months_between((2026, 6), (2026, 5)) == []


def test_months_back_ends_with_the_current_month():
    assert months_back(date(2026, 11, 26), 12)[0] == (2025, 12)
    assert months_back(date(2026, 11, 26), 12)[-1] == (2026, 11)
    assert months_back(date(2027, 1, 31), 3) == [(2026, 11), (2026, 12), (2027, 1)]


def test_month_period_first_last_and_after():
    feb = month_period(date(2028, 2, 10))  # a leap year
    assert (feb.kind, feb.first, feb.last, feb.after) == (
        "month",
        date(2028, 2, 1),
        date(2028, 2, 29),
        date(2028, 3, 1),
    )
    dec = month_period(date(2026, 12, 31))
    assert (dec.first, dec.last, dec.after) == (date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 1))
    assert dec.months() == [(2026, 12)]
    assert Period.month(2026, 11) == month_period(date(2026, 11, 30))


def test_month_period_neighbours_cross_the_year():
    dec = Period.month(2026, 12)
    assert dec.next() == Period.month(2027, 1)
    assert Period.month(2027, 1).previous() == dec
    assert Period.month(2026, 3).previous() == Period.month(2026, 2)


def test_quarter_period_bounds_and_months():
    q4 = quarter_period(date(2026, 11, 26))
    assert (q4.kind, q4.first, q4.last, q4.after) == (
        "quarter",
        date(2026, 10, 1),
        date(2026, 12, 31),
        date(2027, 1, 1),
    )
    assert q4.months() == [(2026, 10), (2026, 11), (2026, 12)]
    q3 = quarter_period(date(2026, 9, 30))  # a quarter's last day
    assert (q3.first, q3.last) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_period(date(2026, 10, 1)) == q3.next() == Period.quarter(2026, 4)
    assert Period.quarter(2027, 1).previous() == q4
    assert date(2026, 12, 31) in q4 and date(2027, 1, 1) not in q4


def test_containing_refuses_an_unknown_kind():
    with pytest.raises(ValueError):
        Period.containing("week", date(2026, 1, 1))


def test_labels_in_chinese():
    assert month_title(2026, 11) == "2026年11月"
    assert Period.month(2026, 11).label == "2026年11月"
    assert quarter_title(2026, 3) == "2026年第三季度" == quarter_label(2026, 3)  # screen and sheet agree in zh
    assert Period.quarter(2026, 4).label == "2026年第四季度"
    assert month_axis_label(2026, 11) == "11月" and month_axis_label(2027, 1) == "2027年1月"
    with pytest.raises(ValueError):
        quarter_title(2026, 5)


def test_recent_quarters_cross_new_year_newest_first():
    from app.policy.periods import recent_quarters

    assert recent_quarters(date(2027, 1, 1), count=3) == [
        ("2027Q1", "2027年第一季度"),
        ("2026Q4", "2026年第四季度"),
        ("2026Q3", "2026年第三季度"),
    ]
