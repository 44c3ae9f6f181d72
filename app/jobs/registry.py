"""The job registry: ``@job("name", schedule=daily("08:00"), title=_l("…"))``.

A job is a function of ``now`` (township wall-clock time, naive) that returns a short Chinese
summary. It must be idempotent — running it twice, or late, changes nothing more than running
it once — because a runner may start it again after a crash, and ``flask jobs run NAME`` may
be called by hand at any time. The runner (:mod:`app.jobs.runner`) holds the job's database
lock while it runs and writes the run log.

A schedule says when a job is due: :func:`daily` (once a day from a time on) or :func:`every`
(every n minutes). ``flask jobs run`` and the in-process scheduler both run a job when its
last start lies before the schedule's latest slot (:meth:`Schedule.last_slot`) — so a job
missed while the machine was off runs at the next tick.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Schedule:
    kind: str  # "daily" / "every"
    at: dt.time | None = None
    minutes: int = 0

    def last_slot(self, now: dt.datetime) -> dt.datetime:
        """The latest moment ≤ ``now`` at which the job was due."""
        if self.kind == "daily":
            slot = dt.datetime.combine(now.date(), self.at)
            return slot if slot <= now else slot - dt.timedelta(days=1)
        midnight = dt.datetime.combine(now.date(), dt.time())
        passed = int((now - midnight).total_seconds() // 60)
        return midnight + dt.timedelta(minutes=passed - passed % self.minutes)

    def is_due(self, last_start: dt.datetime | None, now: dt.datetime) -> bool:
        return last_start is None or last_start < self.last_slot(now)

    def describe(self) -> str:
        if self.kind == "daily":
            return str(_l("每天 %(t)s", t=self.at.strftime("%H:%M")))
        return str(_l("每 %(n)s 分钟", n=self.minutes))


def daily(at: str) -> Schedule:
    """Once a day from ``at`` ("07:30") on."""
    hour, minute = at.split(":")
    return Schedule("daily", at=dt.time(int(hour), int(minute)))


def every(minutes: int) -> Schedule:
    """Every ``minutes`` minutes (slots counted from midnight)."""
    if minutes < 1 or 1440 % minutes:
        raise ValueError("minutes must divide a day")
    return Schedule("every", minutes=minutes)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[dt.datetime], str]
    schedule: Schedule
    title: str
    lock_minutes: int | None = None  # None: the setting JOBS_LOCK_MINUTES
    # quiet: a run that did nothing (returned "") leaves no run-log row (``deliver`` every minute)
    quiet: bool = False


#: Every registered job by name, in registration order (``app/jobs/__init__.py`` imports the
#: job modules).
JOBS: dict[str, Job] = {}


def job(name: str, *, schedule: Schedule, title, lock_minutes: int | None = None, quiet: bool = False):
    """Register the decorated ``func(now) -> str`` as job ``name``."""

    def register(func: Callable[[dt.datetime], str]):
        if name in JOBS and JOBS[name].func is not func:
            raise ValueError(f"job {name!r} registered twice")
        JOBS[name] = Job(name, func, schedule, title, lock_minutes, quiet)
        return func

    return register
