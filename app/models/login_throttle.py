"""Failed-login counters (issue 10 §3), in the database so every app process shares them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model

SCOPE_ACCOUNT = "account"
SCOPE_ADDRESS = "address"


class LoginThrottle(Model):
    """One counter per account name or client address (times in UTC, naive)."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_login_throttle_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(10), nullable=False)  # account / address
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)

    def __repr__(self) -> str:
        return f"{self.scope}:{self.key}"
