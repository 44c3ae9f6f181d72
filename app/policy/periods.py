"""Months and quarters: the one home for "which month/quarter is this, and how is it labelled?".

Pure (no clock: ``today`` is always passed in). The policy counts money by quarter
(五、（二）: 补助按季度发放) and reports by month (四、（三）: 每月报送汇总表).
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from .errors import PolicyViolation

_CN_QUARTER = {1: "一", 2: "二", 3: "三", 4: "四"}
_MONTH_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", re.ASCII)
_QUARTER_RE = re.compile(r"(\d{4})\s*-?\s*[Qq]([1-4])", re.ASCII)


def month_of(d: date) -> tuple[int, int]:
    """``(year, month)`` of a date."""
    return d.year, d.month


def previous_month(year: int, month: int) -> tuple[int, int]:
    """The month before ``(year, month)``: ``(2026, 1)`` → ``(2025, 12)``."""
    return (year - 1, 12) if month == 1 else (year, month - 1)


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


def month_label(year: int, month: int) -> str:
    """``month_label(2026, 9)`` → ``"2026年9月"`` (the sheets' and documents' wording)."""
    return f"{year}年{month}月"


def chinese_date(day: date | None) -> str:
    """2026年12月1日 — the form of dates on every printed document and export ("" for none)."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def chinese_datetime(moment: datetime | None) -> str:
    """2026年12月1日 9:05 ("" for none)."""
    return f"{chinese_date(moment)} {moment.hour}:{moment.minute:02d}" if moment else ""
