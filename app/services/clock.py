"""The one clock of the application: every rule that needs "now" asks here (or is handed
``now``/``today`` by its caller). Nothing else in ``app/`` reads the wall clock.

Times are the township's wall-clock time (``TIMEZONE``, Asia/Shanghai), stored naive.
Tests pin the clock with ``time-machine`` (``tests/conftest.py``); because this module reads
``datetime.now`` at call time, a pinned clock reaches every rule.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TIMEZONE = "Asia/Shanghai"


def township_tz() -> ZoneInfo:
    name = current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE) if has_app_context() else DEFAULT_TIMEZONE
    return ZoneInfo(name)


def utcnow() -> dt.datetime:
    """Now in UTC, aware."""
    return dt.datetime.now(dt.UTC)


def now_local() -> dt.datetime:
    """The township's wall-clock time, naive (how times are stored)."""
    return utcnow().astimezone(township_tz()).replace(tzinfo=None)


def today() -> dt.date:
    """The township's date."""
    return utcnow().astimezone(township_tz()).date()


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    """A stored UTC timestamp (naive, as ``Timestamped.created_at``) in township time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(township_tz()).replace(tzinfo=None)
