"""The notification outbox (issue 14 §3): every reminder is a row per recipient and channel.

A row is never written twice for the same event, recipient and channel (``dedupe_key`` is
unique); the jobs that write them may therefore run as often as they like. In-app rows
(``channel = "inapp"``) are what the bell counts and 我的提醒 lists (``read_at``); the rows of the
outside channels (企业微信 group robot, e-mail, SMS) are sent by the ``deliver`` job with
retries (``attempts``, ``next_attempt_at``) and end ``sent`` or ``failed``.

Village-owned like every other record: a village user sees only the rows of their own village
(and, on 我的提醒, only their own). Township-wide rows have no village.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from .base import Model, VillageScoped

CHANNEL_INAPP = "inapp"
CHANNEL_WECOM = "wecom"
CHANNEL_EMAIL = "email"
CHANNEL_SMS = "sms"
CHANNELS = (CHANNEL_INAPP, CHANNEL_WECOM, CHANNEL_EMAIL, CHANNEL_SMS)

STATUS_PENDING = "pending"
STATUS_SENT = "sent"
STATUS_FAILED = "failed"  # gave up after the last attempt


class Notification(VillageScoped, Model):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_inbox", "recipient_user_id", "channel", "read_at"),
        Index("ix_notification_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # event key + channel + recipient: the same event never reaches the same recipient twice
    dedupe_key: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    event_key: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False)
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # an outside address the channel resolves: a village code / "township" (企业微信 group),
    # an e-mail address, a mobile number (SMS)
    recipient_address: Mapped[str | None] = mapped_column(String(120))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("village.id"), index=True)
    # the township the row belongs to (its village's, or the township of a township-wide row):
    # a township-B user never sees township A's reminders (issue 15 §1)
    township_id: Mapped[int | None] = mapped_column(ForeignKey("township.id"), index=True)
    about_type: Mapped[str | None] = mapped_column(String(30))
    about_id: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)  # SMS template parameters
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default=CHANNEL_INAPP)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default=STATUS_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(255))
    # township wall-clock time, naive, like the jobs' ``now``
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @classmethod
    def scope_clause(cls, village_id: int) -> ColumnElement[bool]:
        return cls.village_id == village_id

    @classmethod
    def township_scope_clause(cls, township_id: int) -> ColumnElement[bool]:
        return cls.township_id == township_id

    def scope_township_id(self) -> int | None:
        return self.township_id

    def __repr__(self) -> str:
        return f"{self.kind}:{self.id}"
