"""The database lock of a job: a ``job_lock`` row per running job.

Acquire = INSERT the row (the primary key refuses a second one), or — when the row's
``expires_at`` has passed (its runner died) — take it over with one conditional UPDATE; both
are single statements, atomic on SQLite and PostgreSQL alike. Release = DELETE the row if it is
still ours. Each step commits at once, so the lock never waits for the job's own transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..extensions import db
from ..models import JobLock


def acquire(name: str, owner: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
    s = db.session
    s.rollback()  # start from a clean transaction
    try:
        s.execute(insert(JobLock).values(name=name, owner=owner, acquired_at=now, expires_at=now + ttl))
        s.commit()
        return True
    except IntegrityError:
        s.rollback()
    except OperationalError:  # SQLite: another writer held the file past the busy timeout
        s.rollback()
        return False
    try:
        taken = s.execute(
            update(JobLock)
            .where(JobLock.name == name, JobLock.expires_at < now)
            .values(owner=owner, acquired_at=now, expires_at=now + ttl)
            .execution_options(synchronize_session=False)
        ).rowcount
        s.commit()
    except OperationalError:
        s.rollback()
        return False
    return taken == 1


def release(name: str, owner: str) -> None:
    s = db.session
    s.rollback()
    s.execute(
        delete(JobLock).where(JobLock.name == name, JobLock.owner == owner).execution_options(synchronize_session=False)
    )
    s.commit()
