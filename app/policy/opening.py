"""Is the service point open now, and when does it open next — 政策第二条（三）1, SPEC §6.

Thin wrappers around :mod:`app.policy.office_hours` for the public pages and notices: the
policy decides which days are seated (the working-day calendar: holidays closed, make-up
Saturdays open) and the session times of the season.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from .office_hours import OfficeHours, describe_hours, describe_schedule, is_open, sessions_on
from .workdays import WorkCalendar

WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))


@dataclass(frozen=True)
class OpenState:
    now: dt.datetime
    open: bool
    today_hours: str  # e.g. 上午9:00—11:30，下午2:30—5:30 / 今日休息
    schedule: str  # both seasons, for the notice board
    next_open: dt.datetime | None
    closes_at: dt.datetime | None

    @property
    def next_open_text(self) -> str:
        return describe_moment(self.next_open, self.now) if self.next_open else ""

    @property
    def closes_at_text(self) -> str:
        return _clock_words(self.closes_at.time()) if self.closes_at else ""


def _clock_words(t: dt.time) -> str:
    label = _l("上午") if t.hour < 12 else _l("下午")
    hour = t.hour - 12 if t.hour > 12 else t.hour
    return f"{label}{hour}:{t.minute:02d}"


def describe_moment(moment: dt.datetime, now: dt.datetime) -> str:
    """``今天下午2:30`` / ``明天上午9:00`` / ``10月8日（周四）上午9:00``."""
    days = (moment.date() - now.date()).days
    if days == 0:
        day = str(_l("今天"))
    elif days == 1:
        day = str(_l("明天"))
    else:
        day = str(_l("%(m)s月%(d)s日（%(w)s）", m=moment.month, d=moment.day, w=str(WEEKDAYS[moment.weekday()])))
    return day + _clock_words(moment.time())


def next_opening(now: dt.datetime, cal: WorkCalendar, hours: OfficeHours, horizon_days: int = 30) -> dt.datetime | None:
    """The start of the next seated session after ``now`` (``None`` beyond ``horizon_days``)."""
    for offset in range(horizon_days + 1):
        day = now.date() + dt.timedelta(days=offset)
        for start, _end in sessions_on(day, cal, hours):
            moment = dt.datetime.combine(day, start)
            if moment > now:
                return moment
    return None


def closing_time(now: dt.datetime, cal: WorkCalendar, hours: OfficeHours) -> dt.datetime | None:
    """When the session running at ``now`` ends (``None`` when closed)."""
    for start, end in sessions_on(now.date(), cal, hours):
        if start <= now.time() < end:
            return dt.datetime.combine(now.date(), end)
    return None


def open_state(now: dt.datetime, cal: WorkCalendar, hours: OfficeHours) -> OpenState:
    now = now.replace(tzinfo=None)
    opened = is_open(now, cal, hours)
    return OpenState(
        now=now,
        open=opened,
        today_hours=describe_hours(now.date(), cal, hours),
        schedule=describe_schedule(hours),
        next_open=None if opened else next_opening(now, cal, hours),
        closes_at=closing_time(now, cal, hours) if opened else None,
    )
