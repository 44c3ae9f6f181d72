"""Past periods (issue 15 §3): ``parse_period``, ``parse_year``, ``check_not_future`` and the
year as a Period — pure, today passed in."""

from __future__ import annotations

import datetime as dt

import pytest

from app.policy import PolicyViolation
from app.policy.periods import Period, check_not_future, is_current, parse_period, parse_year

TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("2026-09", Period.month(2026, 9)),
        ("2026-9", Period.month(2026, 9)),
        ("2026年9月", Period.month(2026, 9)),
        ("2026Q3", Period.quarter(2026, 3)),
        ("2026q1", Period.quarter(2026, 1)),
        ("2026年第四季度", Period.quarter(2026, 4)),
        ("2025", Period.year(2025)),
        ("2025年", Period.year(2025)),
    ],
)
def test_parse_period(text, want):
    assert parse_period(text) == want
    assert parse_period(want.text) == want  # the URL form reads back


@pytest.mark.parametrize("text", ["", "abc", "2026-13", "2026-00", "2026Q5", "26", "1899", "2026-09-01", "２０２６"])
def test_parse_period_refuses_in_chinese(text):
    with pytest.raises(PolicyViolation) as exc:
        parse_period(text)
    assert "期间格式应为" in str(exc.value.message)


def test_year_period_labels_months_and_neighbours():
    y = Period.year(2025)
    assert (y.first, y.last, y.label, y.text) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31), "2025年", "2025")
    assert len(y.months()) == 12 and y.next() == Period.year(2026) and y.previous() == Period.year(2024)
    assert Period.containing("year", TODAY) == Period.year(2026) and y.enclosing() is None
    assert Period.month(2026, 12).enclosing() == Period.quarter(2026, 4)
    assert Period.quarter(2026, 4).enclosing() == Period.year(2026)


def test_future_periods_are_refused_the_current_one_is_not():
    assert check_not_future(Period.month(2026, 11), TODAY) == Period.month(2026, 11)
    assert check_not_future(Period.year(2026), TODAY) == Period.year(2026)
    assert is_current(Period.quarter(2026, 4), TODAY) and not is_current(Period.quarter(2026, 3), TODAY)
    for later in (Period.month(2026, 12), Period.quarter(2027, 1), Period.year(2027)):
        with pytest.raises(PolicyViolation) as exc:
            check_not_future(later, TODAY)
        assert f"{later.label}尚未开始" in str(exc.value.message)


def test_parse_year():
    assert parse_year("2026") == 2026 and parse_year(" 2025年 ") == 2025
    for bad in ("20x5", "1999", "2101", ""):
        with pytest.raises(PolicyViolation) as exc:
            parse_year(bad)
        assert "年份格式应为四位数字" in str(exc.value.message)
