"""The working-day calendar as the township maintains it (SPEC §5).

``work_calendar()`` gives a ``WorkCalendar`` with the database overrides, loaded once per
request (or per call outside a request). Overrides take precedence over chinesecalendar.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import select

from ..models import CalendarDay, CalendarYear
from ..policy.workdays import WorkCalendar
from . import clock


def _load() -> WorkCalendar:
    from ..extensions import db

    rows = db.session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all()
    complete = db.session.execute(select(CalendarYear.year).where(CalendarYear.complete.is_(True))).scalars().all()
    return WorkCalendar({day: bool(is_workday) for day, is_workday in rows}, complete_years=complete)


def work_calendar() -> WorkCalendar:
    if has_request_context():
        cal = g.get("_work_calendar")
        if cal is None:
            cal = g._work_calendar = _load()
        return cal
    return _load()


def forget_calendar() -> None:
    """After the overrides change, the next ``work_calendar()`` reloads them."""
    if has_request_context():
        g.pop("_work_calendar", None)


# The one clock lives in ``services/clock.py``; these names stay for their many callers.
today = clock.today
now_local = clock.now_local
