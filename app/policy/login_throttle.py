"""Throttling of failed logins (issue 10 §3): pure rules, no database, no clock.

A counter (one per account name, one per client address) counts the failed logins of a
window; the failure that reaches the limit locks the counter for ``lock``. A successful
login is never counted; it clears its account's counter (not the address's).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ThrottleRule:
    max_failures: int
    window: dt.timedelta
    lock: dt.timedelta


@dataclass(frozen=True)
class CounterState:
    failures: int = 0
    first_failure_at: dt.datetime | None = None
    locked_until: dt.datetime | None = None


def is_locked(state: CounterState, now: dt.datetime) -> bool:
    return state.locked_until is not None and state.locked_until > now


def minutes_left(state: CounterState, now: dt.datetime) -> int:
    """Whole minutes until the lock ends, rounded up (at least 1 while locked)."""
    if not is_locked(state, now):
        return 0
    return max(1, math.ceil((state.locked_until - now).total_seconds() / 60))


def after_failure(state: CounterState, now: dt.datetime, rule: ThrottleRule) -> tuple[CounterState, bool]:
    """The counter after one more failure at ``now``, and whether this failure locked it."""
    if is_locked(state, now):
        return state, False
    expired = state.first_failure_at is None or now - state.first_failure_at >= rule.window
    if expired or state.locked_until is not None:  # a new window, or the first try after a lock
        state = CounterState(0, now, None)
    failures = state.failures + 1
    if failures >= rule.max_failures:
        return CounterState(failures, state.first_failure_at, now + rule.lock), True
    return CounterState(failures, state.first_failure_at, None), False
