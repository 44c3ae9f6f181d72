"""Failed-login throttle rules (issue 10 §3): 5 failures per account in 15 minutes lock it 15 minutes."""

import datetime as dt

from app.policy.login_throttle import CounterState, ThrottleRule, after_failure, is_locked, minutes_left

RULE = ThrottleRule(max_failures=5, window=dt.timedelta(minutes=15), lock=dt.timedelta(minutes=15))
T0 = dt.datetime(2026, 12, 1, 9, 0)


def _fail(times, start=T0, step=dt.timedelta(minutes=1), state=CounterState()):
    locked_any = False
    for i in range(times):
        state, locked = after_failure(state, start + i * step, RULE)
        locked_any |= locked
    return state, locked_any


def test_fifth_failure_locks_for_fifteen_minutes():
    state, _ = _fail(4)
    assert not is_locked(state, T0 + dt.timedelta(minutes=4))
    state, locked = after_failure(state, T0 + dt.timedelta(minutes=4), RULE)
    assert locked and state.failures == 5
    assert state.locked_until == T0 + dt.timedelta(minutes=19)
    assert minutes_left(state, T0 + dt.timedelta(minutes=4)) == 15
    assert minutes_left(state, T0 + dt.timedelta(minutes=18, seconds=1)) == 1
    assert not is_locked(state, T0 + dt.timedelta(minutes=19))


def test_failures_spread_over_more_than_the_window_never_lock():
    state, locked = _fail(10, step=dt.timedelta(minutes=4))
    assert not locked and state.failures <= 4


def test_failures_while_locked_do_not_extend_the_lock():
    state, _ = _fail(5)
    again, locked = after_failure(state, T0 + dt.timedelta(minutes=10), RULE)
    assert again == state and not locked


def test_after_the_lock_the_count_starts_again():
    state, _ = _fail(5)
    state, locked = after_failure(state, T0 + dt.timedelta(minutes=30), RULE)
    assert state.failures == 1 and not locked and state.locked_until is None
