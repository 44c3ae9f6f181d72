"""坐班代办时间 and sign-in (签到) — 政策第二条（三）1, 第二条（四）3, SPEC §6.

"除国家法定节假日之外的每周一到周五，夏季上午9点—11点30分，下午3点—6点，冬季上午9点—11点30分，
下午2点30分—5点30分". Which days are working days comes from the
:class:`~app.policy.workdays.WorkCalendar` (so a make-up Saturday is a seated day and a
holiday is not); the season switch dates are settings (default: summer from 5月1日,
winter from 10月1日).

Times are local wall-clock times (naive datetimes, or the wall-clock part of aware ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from flask_babel import lazy_gettext as _l

from .workdays import WorkCalendar

Session = tuple[time, time]
Season = Literal["summer", "winter"]
SigninStatus = Literal["on_time", "late", "missing", "rest_day"]


@dataclass(frozen=True)
class OfficeHours:
    """The seated hours of 第二条（三）1; season starts are (month, day)."""

    summer_start: tuple[int, int] = (5, 1)
    winter_start: tuple[int, int] = (10, 1)
    summer: tuple[Session, ...] = ((time(9), time(11, 30)), (time(15), time(18)))
    winter: tuple[Session, ...] = (
        (time(9), time(11, 30)),
        (time(14, 30), time(17, 30)),
    )


DEFAULT_OFFICE_HOURS = OfficeHours()


def parse_sessions(text: str) -> tuple[Session, ...]:
    """Sessions from a setting such as ``"09:00-11:30,15:00-18:00"``.

    Raises ``ValueError`` for a malformed value or a session that does not end after it starts.
    """
    sessions = []
    for part in text.split(","):
        start_text, end_text = part.strip().split("-")
        start = time.fromisoformat(start_text.strip())
        end = time.fromisoformat(end_text.strip())
        if end <= start:
            raise ValueError(f"office session {part.strip()!r} ends before it starts")
        sessions.append((start, end))
    return tuple(sorted(sessions))


def season_on(d: date, hours: OfficeHours = DEFAULT_OFFICE_HOURS) -> Season:
    """``"summer"`` from ``summer_start`` (inclusive) until ``winter_start``, else ``"winter"``."""
    md = (d.month, d.day)
    if hours.summer_start <= hours.winter_start:
        in_summer = hours.summer_start <= md < hours.winter_start
    else:  # a summer that spans the new year (only with unusual settings)
        in_summer = md >= hours.summer_start or md < hours.winter_start
    return "summer" if in_summer else "winter"


def sessions_on(d: date, cal: WorkCalendar, hours: OfficeHours = DEFAULT_OFFICE_HOURS) -> tuple[Session, ...]:
    """The seated sessions of day ``d``; empty on a rest day."""
    if isinstance(d, datetime):
        d = d.date()
    if not cal.is_workday(d):
        return ()
    return hours.summer if season_on(d, hours) == "summer" else hours.winter


def is_open(dt: datetime, cal: WorkCalendar, hours: OfficeHours = DEFAULT_OFFICE_HOURS) -> bool:
    """Whether the service point is seated at ``dt`` (session start inclusive, end exclusive)."""
    now = dt.time().replace(tzinfo=None)
    return any(start <= now < end for start, end in sessions_on(dt.date(), cal, hours))


def signin_status(
    signin: datetime | None,
    d: date,
    cal: WorkCalendar,
    hours: OfficeHours = DEFAULT_OFFICE_HOURS,
    grace_minutes: int = 0,
) -> SigninStatus:
    """签到 status of day ``d`` (SPEC §6, 第二条（四）3 "日常签到考勤").

    - ``"rest_day"``: ``d`` is not a working day (nothing expected);
    - ``"missing"``: no sign-in on ``d``;
    - ``"on_time"``: signed in no later than the first session's start plus ``grace_minutes``,
      counted in whole minutes (09:00:59 is 09:00);
    - ``"late"``: signed in after that.
    """
    sessions = sessions_on(d, cal, hours)
    if not sessions:
        return "rest_day"
    if signin is None or signin.date() != d:
        return "missing"
    first_start = datetime.combine(d, sessions[0][0])
    limit = first_start + timedelta(minutes=grace_minutes)
    signed = signin.replace(second=0, microsecond=0, tzinfo=None)
    return "on_time" if signed <= limit else "late"


def _clock(t: time) -> str:
    """``9:00``, ``3:00`` (15:00), ``2:30`` (14:30): 12-hour clock as on a notice board."""
    hour = t.hour - 12 if t.hour > 12 else t.hour
    return f"{hour}:{t.minute:02d}"


def describe_sessions(sessions: tuple[Session, ...]) -> str:
    """``上午9:00—11:30，下午3:00—6:00``; ``今日休息`` when there are no sessions."""
    if not sessions:
        return str(_l("今日休息"))
    parts = []
    for start, end in sessions:
        label = _l("上午") if start.hour < 12 else _l("下午")
        parts.append(f"{label}{_clock(start)}—{_clock(end)}")
    return "，".join(parts)


def describe_hours(d: date, cal: WorkCalendar, hours: OfficeHours = DEFAULT_OFFICE_HOURS) -> str:
    """The seated hours of day ``d`` in words, e.g. ``上午9:00—11:30，下午3:00—6:00``."""
    return describe_sessions(sessions_on(d, cal, hours))


def describe_schedule(hours: OfficeHours = DEFAULT_OFFICE_HOURS) -> str:
    """Both seasons for a notice board, e.g.
    ``夏季（5月1日起）上午9:00—11:30，下午3:00—6:00；冬季（10月1日起）上午9:00—11:30，下午2:30—5:30``.
    """
    summer = _l(
        "夏季（%(month)s月%(day)s日起）%(sessions)s",
        month=hours.summer_start[0],
        day=hours.summer_start[1],
        sessions=describe_sessions(hours.summer),
    )
    winter = _l(
        "冬季（%(month)s月%(day)s日起）%(sessions)s",
        month=hours.winter_start[0],
        day=hours.winter_start[1],
        sessions=describe_sessions(hours.winter),
    )
    return f"{summer}；{winter}"
