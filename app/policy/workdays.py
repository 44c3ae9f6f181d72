"""The working-day calendar deadlines are counted in — SPEC §5, 政策第五条（一）3、（二）4.

Sources, first match wins:

1. township overrides (a table township staff edit): ``True`` = working day, ``False`` = rest day;
2. the ``chinesecalendar`` package — official holidays and make-up working days (调休) for
   the years it knows (1.11.0 knows 2004–2026);
3. the weekend rule: Monday–Friday work, Saturday and Sunday rest.

A year is *configured* when the package knows it or township staff confirmed its State
Council schedule as entered in full (“全年安排已录入”); a few dates entered (元旦 and 春节
only) do not configure a year. For an unconfigured year the weekend rule is an estimate and screens
warn about it (see :func:`app.policy.deadlines.calendar_warning`). Nothing here raises
because a year is unknown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache

import chinese_calendar


def _as_date(d: date) -> date:
    return d.date() if isinstance(d, datetime) else d


@lru_cache(maxsize=256)
def package_knows_year(year: int) -> bool:
    """True when ``chinesecalendar`` has the official schedule of ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def _weekend_rule(d: date) -> bool:
    return d.weekday() < 5


class WorkCalendar:
    """Working days: township overrides → chinesecalendar → Monday–Friday."""

    def __init__(self, overrides: Mapping[date, bool] | None = None, complete_years: Iterable[int] = ()) -> None:
        self._overrides: dict[date, bool] = {_as_date(d): bool(is_work) for d, is_work in (overrides or {}).items()}
        self._complete_years = frozenset(int(y) for y in complete_years)
        self._known: dict[date, bool] = {}  # answers so far (the sources above do not change)

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a working day; never raises for an unknown year. Remembered per day:
        the package's lookup is slow, and deadlines ask for the same days again and again (the
        due day of a month's report for each of 400 villages)."""
        d = _as_date(d)
        known = self._known.get(d)
        if known is None:
            known = self._known[d] = self._lookup(d)
        return known

    def _lookup(self, d: date) -> bool:
        if d in self._overrides:
            return self._overrides[d]
        if package_knows_year(d.year):
            try:
                return bool(chinese_calendar.is_workday(d))
            except NotImplementedError:  # pragma: no cover - package data incomplete
                pass
        return _weekend_rule(d)

    def is_configured_year(self, year: int) -> bool:
        """The package knows ``year``, or township staff confirmed its schedule complete."""
        return year in self._complete_years or package_knows_year(year)

    def add_workdays(self, start: date, n: int) -> date:
        """The day ``n`` working days after ``start``; ``start`` itself is not counted.

        ``n == 0`` gives ``start``. If ``start`` is a rest day counting starts from the next
        working day all the same (received on Saturday + 3 → the 3rd working day after it).
        """
        if n < 0:
            raise ValueError("n must not be negative")
        day = _as_date(start)
        remaining = n
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_workday(day):
                remaining -= 1
        return day

    def workdays_between(self, a: date, b: date) -> int:
        """Working days after ``a`` up to and including ``b`` (0 when ``b`` <= ``a``)."""
        a, b = _as_date(a), _as_date(b)
        count = 0
        day = a + timedelta(days=1)
        while day <= b:
            if self.is_workday(day):
                count += 1
            day += timedelta(days=1)
        return count

    def unconfigured_years(self, *dates: date | None) -> list[int]:
        """The sorted years among ``dates`` (``None`` ignored) that are not configured."""
        years = {_as_date(d).year for d in dates if d is not None}
        return sorted(y for y in years if not self.is_configured_year(y))


def expand_ranges(ranges: Iterable[tuple[date, date, bool]]) -> dict[date, bool]:
    """Turn a schedule entered by ranges into per-day overrides.

    Each ``(first, last, is_workday)`` covers ``first``..``last`` inclusive, e.g. the State
    Council notice "10月1日至7日放假调休，共7天。9月20日（周日）、10月10日（周六）上班" is
    ``[(10-01, 10-07, False), (09-20, 09-20, True), (10-10, 10-10, True)]``. Later ranges
    win where ranges overlap.
    """
    days: dict[date, bool] = {}
    for first, last, is_work in ranges:
        first, last = _as_date(first), _as_date(last)
        if last < first:
            raise ValueError(f"range end {last} is before its start {first}")
        day = first
        while day <= last:
            days[day] = bool(is_work)
            day += timedelta(days=1)
    return days
