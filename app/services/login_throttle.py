"""Failed-login throttling (issue 10 §3): per account name and per client address.

The counters live in the ``login_throttle`` table, so every app process (waitress threads,
several servers behind one nginx) sees the same state and the single-process default needs
no extra server. Successful logins never count: they clear their account's counter. A lock
and its lifting by an Admin are written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models.login_throttle import SCOPE_ACCOUNT, SCOPE_ADDRESS, LoginThrottle
from ..policy.login_throttle import CounterState, ThrottleRule, after_failure, is_locked, minutes_left
from . import clock
from .audit import record_event
from .errors import NotFound

log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return clock.utcnow().replace(tzinfo=None)


def rule(scope: str) -> ThrottleRule:
    cfg = current_app.config
    limit = cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"] if scope == SCOPE_ACCOUNT else cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    return ThrottleRule(
        max_failures=max(1, int(limit)),
        window=dt.timedelta(minutes=int(cfg["LOGIN_FAILURE_WINDOW_MINUTES"])),
        lock=dt.timedelta(minutes=int(cfg["LOGIN_LOCK_MINUTES"])),
    )


def account_key(username) -> str:
    return str(username or "").strip().lower()[:255]


def _keys(username, address) -> list[tuple[str, str]]:
    keys = []
    if account_key(username):
        keys.append((SCOPE_ACCOUNT, account_key(username)))
    if address:
        keys.append((SCOPE_ADDRESS, str(address)[:255]))
    return keys


def _state(row: LoginThrottle | None) -> CounterState:
    if row is None:
        return CounterState()
    return CounterState(row.failures, row.first_failure_at, row.locked_until)


def _row(scope: str, key: str, *, for_update: bool = False) -> LoginThrottle | None:
    stmt = select(LoginThrottle).where(LoginThrottle.scope == scope, LoginThrottle.key == key)
    if for_update:
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).scalar_one_or_none()


def locked_minutes(username, address, now: dt.datetime | None = None) -> int:
    """Minutes until this account or address may try again (0 = not locked)."""
    now = now or _now()
    return max((minutes_left(_state(_row(scope, key)), now) for scope, key in _keys(username, address)), default=0)


def lock_message(minutes: int) -> str:
    return str(_l("登录失败次数过多，请 %(m)s 分钟后再试", m=minutes))


def record_failure(username, address, now: dt.datetime | None = None) -> None:
    """Count one failed login for the account and the address; lock what reached its limit."""
    now = now or _now()
    for scope, key in _keys(username, address):
        for attempt in range(2):  # a concurrent first failure may insert the row first
            try:
                _count(scope, key, now)
                db.session.commit()
                break
            except IntegrityError:
                db.session.rollback()
                if attempt:
                    log.warning("login throttle: could not count a failure for %s %s", scope, key)


def _count(scope: str, key: str, now: dt.datetime) -> None:
    row = _row(scope, key, for_update=True)
    if row is None:
        row = LoginThrottle(scope=scope, key=key, failures=0)
        db.session.add(row)
    state, locked = after_failure(_state(row), now, rule(scope))
    row.failures, row.first_failure_at, row.locked_until = state.failures, state.first_failure_at, state.locked_until
    row.last_failure_at = now
    db.session.flush()
    if locked:
        what = _l("账号") if scope == SCOPE_ACCOUNT else _l("地址")
        record_event(
            "lock",
            "login_throttle",
            row_id=row.id,
            summary=str(
                _l(
                    "%(what)s %(key)s 登录失败 %(n)s 次，锁定 %(m)s 分钟",
                    what=what,
                    key=key,
                    n=state.failures,
                    m=int(rule(scope).lock.total_seconds() // 60),
                )
            ),
            changes={
                "scope": scope,
                "key": key,
                "failures": state.failures,
                "locked_until": clock.to_local(state.locked_until).isoformat(timespec="minutes"),
            },
            account="system",
        )


def record_success(username) -> None:
    """A successful login never counts; it clears its account's failures."""
    row = _row(SCOPE_ACCOUNT, account_key(username), for_update=True) if account_key(username) else None
    if row is not None and (row.failures or row.locked_until):
        row.failures, row.first_failure_at, row.locked_until = 0, None, None
        db.session.commit()


def record_attempt(username, user, address) -> None:
    """The SecurityManager's hook after every password check (form and API)."""
    if user is None:
        record_failure(username, address)
    else:
        record_success(username)


def active_locks(now: dt.datetime | None = None):
    """Counters locked now (for the Admin view)."""
    now = now or _now()
    return LoginThrottle.locked_until > now


def lift(counter_id: int, now: dt.datetime | None = None) -> LoginThrottle:
    """An Admin lifts a lock: the counter starts again from zero (audited)."""
    now = now or _now()
    row = db.session.get(LoginThrottle, counter_id)
    if row is None:
        raise NotFound(_l("该锁定记录不存在"))
    was_locked = is_locked(_state(row), now)
    row.failures, row.first_failure_at, row.locked_until = 0, None, None
    db.session.flush()
    record_event(
        "unlock",
        "login_throttle",
        row_id=row.id,
        summary=str(_l("解除 %(key)s 的登录锁定", key=row.key)),
        changes={"scope": row.scope, "key": row.key, "was_locked": was_locked},
    )
    db.session.commit()
    return row
