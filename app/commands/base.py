"""Shared bits of the commands: who ``--by`` names, and a domain error's messages."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import BmUser
from ..services.errors import DomainError


def person_named(by: str | None) -> str | None:
    """``--by``: a user's login gives that user's 姓名; anything else is the 姓名 itself
    (``None`` when blank). The result is the ``person`` of ``acting_as``."""
    if not by or not by.strip():
        return None
    user = db.session.execute(select(BmUser).where(BmUser.username == by.strip())).scalar_one_or_none()
    if user is not None and (user.first_name or "").strip():
        return user.first_name.strip()
    return by.strip()


def error_lines(exc: DomainError) -> list[str]:
    """Every field message of a refusal, else its one message."""
    return [str(m) for messages in exc.errors.values() for m in messages] or [str(exc.message)]
