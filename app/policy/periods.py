"""Months and quarters: the one home for "which month/quarter is this, and how is it labelled?".

Pure (no clock: ``today`` is always passed in). The policy counts money by quarter
(五、（二）: 补助按季度发放) and reports by month (四、（三）: 每月报送汇总表).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from .errors import PolicyViolation

_CN_QUARTER = {1: "一", 2: "二", 3: "三", 4: "四"}
#: The quarters' names on screen (translatable); in Chinese the same words as the sheets'.
QUARTER_NAMES = {1: _l("第一季度"), 2: _l("第二季度"), 3: _l("第三季度"), 4: _l("第四季度")}
_MONTH_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", re.ASCII)
_QUARTER_RE = re.compile(r"(\d{4})\s*-?\s*[Qq]([1-4])", re.ASCII)
_YEAR_RE = re.compile(r"(\d{4})\s*年?", re.ASCII)
_CN_QUARTER_RE = re.compile(r"(\d{4})\s*年\s*第?\s*([一二三四1-4])\s*季度?", re.ASCII)
_QUARTER_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
#: The years a period may lie in (a typo like 0202 or 20260 is refused, not looked up).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def month_of(d: date) -> tuple[int, int]:
    """``(year, month)`` of a date."""
    return d.year, d.month


def previous_month(year: int, month: int) -> tuple[int, int]:
    """The month before ``(year, month)``: ``(2026, 1)`` → ``(2025, 12)``."""
    return (year - 1, 12) if month == 1 else (year, month - 1)


def next_month(year: int, month: int) -> tuple[int, int]:
    """The month after ``(year, month)``: ``(2026, 12)`` → ``(2027, 1)``."""
    return (year + 1, 1) if month == 12 else (year, month + 1)


def months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    """Every month from ``first`` to ``last`` inclusive (empty when ``last`` is earlier)."""
    out, ym = [], first
    while ym <= last:
        out.append(ym)
        ym = next_month(*ym)
    return out


def months_back(today: date, n: int) -> list[tuple[int, int]]:
    """The ``n`` months ending with ``today``'s, oldest first: 2026-11-26, 3 → 2026-09…11."""
    keys, ym = [], month_of(today)
    for _ in range(n):
        keys.append(ym)
        ym = previous_month(*ym)
    return keys[::-1]


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-09"`` (also ``2026-9``, ``2026/09``, ``2026年9月``) → ``(2026, 9)``."""
    match = _MONTH_RE.fullmatch((text or "").strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise PolicyViolation(_l("月份格式应为“年-月”，例如2026-09"), field="month", code="month_format")
    return int(match.group(1)), int(match.group(2))


def quarter_of(year: int, month: int) -> tuple[int, int]:
    """The quarter a month belongs to: ``(2026, 8)`` → ``(2026, 3)``."""
    return year, (month - 1) // 3 + 1


def quarter_of_day(day: date) -> tuple[int, int]:
    """The quarter a day belongs to: 2026-08-31 → ``(2026, 3)``."""
    return quarter_of(day.year, day.month)


def quarter_months(year: int, q: int) -> list[tuple[int, int]]:
    """``(year, month)`` of the three months of quarter ``q`` (1–4)."""
    if q not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1–4")
    first = 3 * q - 2
    return [(year, first), (year, first + 1), (year, first + 2)]


def parse_quarter(text: str) -> tuple[int, int]:
    """``"2026Q3"`` (also ``2026q3``, ``2026-Q3``) → ``(2026, 3)``."""
    match = _QUARTER_RE.fullmatch((text or "").strip())
    if match is None:
        raise PolicyViolation(
            _l("季度格式应为“年份Q季度”，例如2026Q3"),
            field="quarter",
            code="quarter_format",
        )
    return int(match.group(1)), int(match.group(2))


def quarter_label(year: int, quarter: int) -> str:
    """``quarter_label(2026, 3)`` → ``"2026年第三季度"`` (the sheets' own wording)."""
    if quarter not in _CN_QUARTER:
        raise ValueError(f"quarter must be 1–4, got {quarter!r}")
    return f"{year}年第{_CN_QUARTER[quarter]}季度"


def quarter_title(year: int, quarter: int) -> str:
    """The quarter on a screen, translatable: ``"2026年第三季度"`` in Chinese (the same words as
    :func:`quarter_label`), ``"2026 Q3"``-like in another language."""
    if quarter not in QUARTER_NAMES:
        raise ValueError(f"quarter must be 1–4, got {quarter!r}")
    return str(_l("%(y)s年%(q)s", y=year, q=QUARTER_NAMES[quarter]))


def recent_quarters(today: date, count: int = 8) -> list[tuple[str, str]]:
    """``("2026Q4", "2026年第四季度")`` for the quarter of ``today`` and the ``count - 1`` before
    it, newest first (the quarter pickers of the payout and export pages)."""
    year, quarter = quarter_of_day(today)
    out = []
    for _ in range(count):
        out.append((f"{year}Q{quarter}", quarter_title(year, quarter)))
        year, quarter = (year - 1, 4) if quarter == 1 else (year, quarter - 1)
    return out


def month_title(year: int, month: int) -> str:
    """The month on a screen, translatable: ``"2026年11月"`` (the sheets' :func:`month_label`, in
    the user's language)."""
    return str(_l("%(y)s年%(m)s月", y=year, m=month))


def month_axis_label(year: int, month: int) -> str:
    """A month on a chart's axis: ``"11月"``, and ``"2027年1月"`` where a year begins."""
    return str(_l("%(y)s年1月", y=year)) if month == 1 else str(_l("%(m)s月", m=month))


@dataclass(frozen=True)
class Period:
    """A month, a quarter or a year: its first and last day, its months, its neighbours, its label."""

    kind: str  # "month" | "quarter" | "year"
    first: date
    last: date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first, last = month_bounds(year, month)
        return cls("month", first, last)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        (y1, m1), _, (y3, m3) = quarter_months(year, quarter)
        return cls("quarter", month_bounds(y1, m1)[0], month_bounds(y3, m3)[1])

    @classmethod
    def year(cls, year: int) -> Period:
        return cls("year", date(year, 1, 1), date(year, 12, 31))

    @property
    def after(self) -> date:
        """The day after the last day (the exclusive end of the period)."""
        return self.last + timedelta(days=1)

    @property
    def label(self) -> str:
        """``"2026年11月"`` / ``"2026年第四季度"`` / ``"2025年"`` (translatable)."""
        if self.kind == "month":
            return month_title(self.first.year, self.first.month)
        if self.kind == "year":
            return year_title(self.first.year)
        return quarter_title(*quarter_of_day(self.first))

    @property
    def text(self) -> str:
        """The period as a URL writes it: ``"2026-09"``, ``"2026Q3"``, ``"2026"`` (:func:`parse_period`)."""
        if self.kind == "month":
            return f"{self.first.year}-{self.first.month:02d}"
        if self.kind == "year":
            return str(self.first.year)
        return "{}Q{}".format(*quarter_of_day(self.first))

    def months(self) -> list[tuple[int, int]]:
        """``(year, month)`` of every month in the period."""
        return months_between(month_of(self.first), month_of(self.last))

    def previous(self) -> Period:
        return self.containing(self.kind, self.first - timedelta(days=1))

    def next(self) -> Period:
        return self.containing(self.kind, self.after)

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last

    @classmethod
    def containing(cls, kind: str, day: date) -> Period:
        """The month or quarter ``day`` falls in."""
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(*quarter_of_day(day))
        if kind == "year":
            return cls.year(day.year)
        raise ValueError(f"kind must be 'month', 'quarter' or 'year', got {kind!r}")

    def enclosing(self) -> Period | None:
        """The next larger period: a month's quarter, a quarter's year; ``None`` for a year."""
        if self.kind == "month":
            return Period.containing("quarter", self.first)
        if self.kind == "quarter":
            return Period.containing("year", self.first)
        return None


#: The kinds of period a dashboard can show, in the selector's order (月 / 季 / 年).
PERIOD_KINDS = {"month": _l("月"), "quarter": _l("季"), "year": _l("年")}


def year_title(year: int) -> str:
    """The year on a screen, translatable: ``"2025年"``."""
    return str(_l("%(y)s年", y=year))


def parse_period(text: str) -> Period:
    """A month, a quarter or a year as written in a URL or typed: ``"2026-09"`` (also
    ``2026年9月``) → that month, ``"2026Q3"`` (also ``2026年第三季度``) → that quarter, ``"2026"``
    (also ``2026年``) → that year. Anything else: a :class:`PolicyViolation` in Chinese."""
    value = (text or "").strip()
    year = None
    if (m := _QUARTER_RE.fullmatch(value)) or (m := _CN_QUARTER_RE.fullmatch(value)):
        year, kind, number = int(m.group(1)), "quarter", _QUARTER_DIGIT[m.group(2)]
    elif (m := _MONTH_RE.fullmatch(value)) and 1 <= int(m.group(2)) <= 12:
        year, kind, number = int(m.group(1)), "month", int(m.group(2))
    elif m := _YEAR_RE.fullmatch(value):
        year, kind, number = int(m.group(1)), "year", 0
    if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
        raise PolicyViolation(
            _l("期间格式应为月份“2026-09”、季度“2026Q3”或年份“2026”"), field="period", code="period_format"
        )
    if kind == "month":
        return Period.month(year, number)
    if kind == "quarter":
        return Period.quarter(year, number)
    return Period.year(year)


def parse_year(text: str) -> int:
    """``"2026"`` (also ``2026年``) → ``2026``; anything else: a Chinese :class:`PolicyViolation`."""
    match = _YEAR_RE.fullmatch((text or "").strip())
    if match is None or not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
        raise PolicyViolation(_l("年份格式应为四位数字，例如2026"), field="year", code="year_format")
    return int(match.group(1))


def check_not_future(period: Period, today: date) -> Period:
    """A period that has begun by ``today`` (the current one or an earlier one); a later one
    is refused: there are no figures of the future."""
    if period.first > today:
        raise PolicyViolation(
            _l("%(p)s尚未开始，只能查看本期或以前的期间", p=period.label), field="period", code="period_future"
        )
    return period


def is_current(period: Period, today: date) -> bool:
    """Whether ``today`` falls in ``period`` (its figures are still moving)."""
    return today in period


def month_period(today: date) -> Period:
    """The month of ``today``."""
    return Period.containing("month", today)


def quarter_period(today: date) -> Period:
    """The quarter of ``today``."""
    return Period.containing("quarter", today)


def month_label(year: int, month: int) -> str:
    """``month_label(2026, 9)`` → ``"2026年9月"`` (the sheets' and documents' wording)."""
    return f"{year}年{month}月"


def chinese_date(day: date | None) -> str:
    """2026年12月1日 — the form of dates on every printed document and export ("" for none)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def chinese_datetime(moment: datetime | None) -> str:
    """2026年12月1日 9:05 ("" for none)."""
    return f"{chinese_date(moment)} {moment.hour}:{moment.minute:02d}" if moment else ""
