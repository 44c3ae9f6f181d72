"""Case deadlines — 政策第五条（一）3 定期办结制, 第五条（二）4 报送, SPEC §5.

- 报送 (submit-by): "在三个工作日内向乡便民服务中心各服务窗口上报相关审批材料。对于急办件则
  应采取即时报送" — received + 3 working days, an urgent case (急办件) the same day;
- 办结 (complete-by): "必须在承诺时限内办结……一般事项需在3个工作日内完成" — received + the
  item's promised working days (default 3);
- "如遇特殊情况无法在规定期限内办结的，必须向申请人说明原因" — extensions, which move the
  deadline but never erase the original one.

Working days come from :class:`~app.policy.workdays.WorkCalendar`; the acceptance day
itself is not counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from .workdays import WorkCalendar

#: 第五条（一）3 "一般事项需在3个工作日内完成", 第五条（二）4 "在三个工作日内……上报".
DEFAULT_WORKDAYS = 3


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def submit_deadline(
    received_at: datetime | date,
    urgent: bool,
    cal: WorkCalendar,
    days: int = DEFAULT_WORKDAYS,
) -> date:
    """报送期限: ``days`` working days after the received date; 急办件 the received date itself."""
    received = _as_date(received_at)
    if urgent:
        return received
    return cal.add_workdays(received, days)


def complete_deadline(
    received_at: datetime | date,
    promised_days: int | None,
    cal: WorkCalendar,
    days_default: int = DEFAULT_WORKDAYS,
) -> date:
    """办结期限: the item's promised working days (承诺时限) after the received date.

    ``promised_days`` of ``None`` means the item has none set: ``days_default`` applies.
    """
    days = days_default if promised_days is None else promised_days
    return cal.add_workdays(_as_date(received_at), days)


def effective_deadline(complete_by: date, extensions: Sequence[date]) -> date:
    """The deadline in force: the latest extension date, or ``complete_by`` when there is none.

    Extensions are kept side by side (never overwritten); the one reaching furthest wins,
    whatever order they are passed in, and an extension never brings a deadline forward.
    """
    return max([complete_by, *extensions])


def is_overdue(deadline: date, closed_on: date | None, today: date) -> bool:
    """超期: still open after the deadline day, or closed after it."""
    deadline = _as_date(deadline)
    if closed_on is not None:
        return _as_date(closed_on) > deadline
    return _as_date(today) > deadline


def is_due_soon(deadline: date, closed_on: date | None, today: date, cal: WorkCalendar) -> bool:
    """临期: open, not yet overdue, with at most one working day left.

    Same as ``cal.workdays_between(today, deadline) <= 1``, computed without walking
    towards a far-away deadline.
    """
    if closed_on is not None or is_overdue(deadline, None, today):
        return False
    return _as_date(deadline) < cal.add_workdays(_as_date(today), 2)


def calendar_warning(dates: Iterable[date | None], cal: WorkCalendar) -> str | None:
    """The warning shown next to deadlines that fall in a year whose calendar is unknown.

    ``None`` when every year is configured. The message names the year(s), e.g.
    "2027年工作日历尚未配置，期限按周末休息估算，请乡便民中心录入当年法定节假日安排".
    """
    years = cal.unconfigured_years(*dates)
    if not years:
        return None
    return str(
        _l(
            "%(years)s年工作日历尚未配置，期限按周末休息估算，请乡便民中心录入当年法定节假日安排",
            years="、".join(str(y) for y in years),
        )
    )
