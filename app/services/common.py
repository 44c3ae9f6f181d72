"""Small helpers shared by the services: the session, the actor, optimistic locking."""

from __future__ import annotations

from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .errors import Conflict, DomainError, ValidationFailed

VERSION_REQUIRED = _l("请先读取记录并带上 version（版本号）后重试")
VERSION_INVALID = _l("version（版本号）应为读取记录时得到的整数，请重新读取记录后重试")
STALE_MESSAGE = _l("该记录已被其他人修改，请刷新页面后重新编辑")


def session():
    return db.session


@contextmanager
def atomic():
    """Roll the session back when a use case fails half-way (nothing saved)."""
    try:
        yield
    except (DomainError, IntegrityError):
        session().rollback()
        raise


def check_version(item, expected, *, required: bool = True) -> None:
    """Refuse a write based on a stale copy (two people editing the same record).

    Every write to a versioned record names the version it was based on: missing or malformed
    is 422 (nothing is written on a guess), a different one is 409. The database compares it
    again when the row is written (``version_id_col``), so two writes of the same version
    never both succeed. ``required=False`` (the steps of a case's lifecycle, which check the
    case's state themselves) lets a request without a version through; a malformed one is
    still refused."""
    if expected is None or (isinstance(expected, str) and not expected.strip()):
        if not required:
            return
        raise ValidationFailed(errors={"version": [VERSION_REQUIRED]})
    if isinstance(expected, bool) or not isinstance(expected, (int, str)):
        raise ValidationFailed(errors={"version": [VERSION_INVALID]})
    text = str(expected).strip()
    if not text.isdigit() or len(text) > 10:
        raise ValidationFailed(errors={"version": [VERSION_INVALID]})
    if int(text) != item.version:
        raise Conflict(STALE_MESSAGE)


def commit() -> None:
    db.session.commit()


def rollback() -> None:
    db.session.rollback()
