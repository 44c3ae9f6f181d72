"""The monthly statistics report (村级便民服务报送事项办理情况统计表) — 政策第五条（一）4, SPEC §8.

"按月填写……并于每月月底前将本月的统计表报乡便民服务中心（注：没有情况每月报空表）";
a report not submitted by the end of the month's last day is late — deduction ④ of 第二条（四）2.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

from .errors import PolicyViolation


def report_due_date(year: int, month: int) -> date:
    """The last day of the month: the report is due by its end (月底前)."""
    return date(year, month, calendar.monthrange(year, month)[1])


def report_deadline(year: int, month: int) -> datetime:
    """The last moment a report counts as on time: 23:59:59.999999 of the month's last day."""
    return datetime.combine(report_due_date(year, month), time.max)


def _naive(dt: datetime) -> datetime:
    return dt.replace(tzinfo=None)


def is_report_late(
    submitted_at: datetime | None, year: int, month: int, now: datetime
) -> bool:
    """Late when submitted after the month's last day, or still not submitted once that day
    has passed. Times are local wall-clock times."""
    deadline = report_deadline(year, month)
    if submitted_at is not None:
        return _naive(submitted_at) > deadline
    return _naive(now) > deadline


def month_of(d: date) -> tuple[int, int]:
    """``(year, month)`` of a date."""
    return d.year, d.month


def previous_month(year: int, month: int) -> tuple[int, int]:
    """The month before ``(year, month)``: ``(2026, 1)`` → ``(2025, 12)``."""
    return (year - 1, 12) if month == 1 else (year, month - 1)


_MONTH_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", re.ASCII)


def parse_month(text: str) -> tuple[int, int]:
    """``"2026-09"`` (also ``2026-9``, ``2026/09``, ``2026年9月``) → ``(2026, 9)``."""
    match = _MONTH_RE.fullmatch((text or "").strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        raise PolicyViolation(
            _l("月份格式应为“年-月”，例如2026-09"), field="month", code="month_format"
        )
    return int(match.group(1)), int(match.group(2))
