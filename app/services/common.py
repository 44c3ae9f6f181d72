"""Small helpers shared by the services: the session, the actor, optimistic locking."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..extensions import db
from .errors import Conflict


def session():
    return db.session


def check_version(item, expected) -> None:
    """Refuse a write based on a stale copy (two people editing the same record)."""
    if expected in (None, ""):
        return
    try:
        expected = int(expected)
    except (TypeError, ValueError):
        expected = -1
    if expected != item.version:
        raise Conflict(_l("该记录已被其他人修改，请刷新页面后重新编辑"))


def commit() -> None:
    db.session.commit()


def rollback() -> None:
    db.session.rollback()
