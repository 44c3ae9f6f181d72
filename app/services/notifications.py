"""The notification outbox (issue 14 §3): what the jobs and the case flow tell whom, the bell
and 我的提醒, and the delivery of the outside channels with retries.

- :func:`notify` writes one row per recipient and channel — in-app for every user, e-mail for a
  user with an address when SMTP is configured, one 企业微信 row for a group (a village code or
  ``"township"``) that has a robot — and never writes the same event to the same recipient twice
  (``dedupe_key``; ``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL).
- :func:`case_closed` — the one line ``services.cases.transition_case`` calls after its commit:
  the 办结通知 to the applicant by SMS when a phone and a gateway are configured. It never raises:
  the case is already saved, a broken outbox must not turn that into an error.
- :func:`deliver_due` (the ``deliver`` job) sends what is due, one row and one commit at a time;
  a failure waits ``backoff_delay`` (attempts, next_attempt_at) and gives up after
  ``NOTIFY_MAX_ATTEMPTS``; one failing channel never holds up another.

Times on the rows are township wall-clock time (naive), like the jobs' ``now``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from flask import current_app
from flask_appbuilder.security.sqla.models import Role
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..models import BmUser, Case, Notification, Village
from ..models.notification import (
    CHANNEL_EMAIL,
    CHANNEL_INAPP,
    CHANNEL_SMS,
    CHANNEL_WECOM,
    STATUS_FAILED,
    STATUS_PENDING,
    STATUS_SENT,
)
from ..notify import DeliveryError, Outgoing, backoff_delay, channels_from_config
from ..notify.wecom import TOWNSHIP
from ..policy.phone import mask_phone
from ..policy.roles import ROLE_ADMIN, ROLE_DISCIPLINE, ROLE_TOWNSHIP
from . import clock
from .common import session
from .errors import NotFound
from .settings import township_name

log = logging.getLogger(__name__)

KIND_LABELS = {
    "case_due_soon": _l("即将到期"),
    "case_overdue": _l("已超期"),
    "case_overdue_township": _l("超期未办结"),
    "report_month_end": _l("月汇总表报送提醒"),
    "report_deduction": _l("逾期扣款④"),
    "strike_warning": _l("考核警告"),
    "strike_dismiss": _l("应予解聘"),
    "calendar_next_year": _l("工作日历未配置"),
    "case_completed": _l("办结通知"),
    "bad_rating_due_soon": _l("差评整改即将到期"),
    "bad_rating_overdue": _l("差评整改超期"),
}
CHANNEL_LABELS = {
    CHANNEL_INAPP: _l("站内提醒"),
    CHANNEL_WECOM: _l("企业微信"),
    CHANNEL_EMAIL: _l("电子邮件"),
    CHANNEL_SMS: _l("短信"),
}
STATUS_LABELS = {STATUS_PENDING: _l("待发送"), STATUS_SENT: _l("已发送"), STATUS_FAILED: _l("发送失败")}
ABOUT_CASE = "case"
ABOUT_AGENT = "agent"
ABOUT_REPORT = "monthly_report"
ABOUT_VILLAGE = "village"
ABOUT_BAD_RATING = "bad_rating"


@dataclass
class Notice:
    """One event to tell: ``event`` names it (the same event is told once per recipient)."""

    kind: str
    event: str
    text: str
    village_id: int | None = None
    about: tuple[str, int] | None = None
    params: dict = field(default_factory=dict)
    # the township the event belongs to (issue 15 §1); None: the village's, or — for a
    # township-wide event — each recipient's own
    township_id: int | None = None


def channels() -> dict:
    """The configured outside channels (from the environment, see ``config.py``)."""
    return channels_from_config(current_app.config)


def _dedupe_key(event: str, channel: str, who: str) -> str:
    key = f"{event}|{channel}|{who}"
    if len(key) <= 255:
        return key
    return f"{event[:180]}~{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def _address_key(address: str) -> str:
    """Outside addresses (phones, e-mail) appear in the key only as a hash."""
    return "a" + hashlib.sha256(address.strip().lower().encode()).hexdigest()[:24]


def _row(notice: Notice, channel: str, *, user_id=None, address=None, now, township_id=None) -> dict:
    who = f"u{user_id}" if user_id is not None else (address if channel == CHANNEL_WECOM else _address_key(address))
    inapp = channel == CHANNEL_INAPP
    return {
        "dedupe_key": _dedupe_key(notice.event, channel, who),
        "event_key": notice.event[:200],
        "kind": notice.kind,
        "recipient_user_id": user_id,
        "recipient_address": address,
        "village_id": notice.village_id,
        "township_id": notice.township_id or township_id,
        "about_type": notice.about[0] if notice.about else None,
        "about_id": notice.about[1] if notice.about else None,
        "text": notice.text,
        "params": dict(notice.params),
        "channel": channel,
        "status": STATUS_SENT if inapp else STATUS_PENDING,
        "attempts": 0,
        "next_attempt_at": None if inapp else now,
        "last_error": None,
        "created_at": now,
        "sent_at": now if inapp else None,
        "read_at": None,
    }


def _insert_new(rows: list[dict]) -> int:
    """Insert the rows whose dedupe key is new; the number inserted. No commit."""
    if not rows:
        return 0
    s = session()
    dialect = s.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(Notification).values(rows).on_conflict_do_nothing(index_elements=["dedupe_key"])
        return max(0, s.execute(stmt).rowcount or 0)
    added = 0
    for row in rows:  # other engines: one savepoint per row
        try:
            with s.begin_nested():
                s.add(Notification(**row))
            added += 1
        except IntegrityError:
            pass
    return added


def notify(notice: Notice, users: Iterable[BmUser] = (), group: str | None = None, now=None) -> int:
    """Tell ``users`` (in-app; e-mail when configured) and the 企业微信 ``group`` (a village code
    or ``"township"``) about ``notice``, each once ever. Commits; the number of new rows."""
    now = now or clock.now_local()
    configured = channels()
    mail = configured.get(CHANNEL_EMAIL)
    users = [u for u in users if u is not None]
    townships = _townships_of(notice, users)
    if notice.township_id is None and notice.village_id is not None:
        notice = replace(notice, township_id=townships.get(("v", notice.village_id)))
    rows = []
    seen = set()
    for user in users:
        if user.id in seen or not getattr(user, "active", True):
            continue
        seen.add(user.id)
        own = user.township_id or townships.get(("v", user.village_id))
        if notice.township_id is not None and own is not None and own != notice.township_id:
            continue  # another township's staff: not theirs to be told
        rows.append(_row(notice, CHANNEL_INAPP, user_id=user.id, now=now, township_id=own))
        if mail is not None and mail.accepts(user.email or ""):
            rows.append(_row(notice, CHANNEL_EMAIL, user_id=user.id, address=user.email, now=now, township_id=own))
    robot = configured.get(CHANNEL_WECOM)
    if group and robot is not None and robot.accepts(group):
        rows.append(_row(notice, CHANNEL_WECOM, address=group, now=now))
    added = _insert_new(rows)
    session().commit()
    return added


def _townships_of(notice: Notice, users: list[BmUser]) -> dict[tuple[str, int], int]:
    """{("v", village id): township id} for the notice's village and the users' villages."""
    ids = {notice.village_id} | {u.village_id for u in users}
    ids.discard(None)
    if not ids:
        return {}
    rows = session().execute(
        select(Village.id, Village.township_id).where(Village.id.in_(ids)).execution_options(skip_village_scope=True)
    )
    return {("v", vid): tid for vid, tid in rows}


def told(events: Iterable[str]) -> set[str]:
    """Which of ``events`` have been told to someone already (to skip them in bulk)."""
    events = list(dict.fromkeys(events))
    found: set[str] = set()
    for i in range(0, len(events), 500):
        chunk = events[i : i + 500]
        found |= set(
            session().execute(select(Notification.event_key).where(Notification.event_key.in_(chunk))).scalars()
        )
    return found


# --- who is told ----------------------------------------------------------------------------


def users_with_roles(*roles: str) -> list[BmUser]:
    """Active accounts holding one of ``roles`` (township-wide staff), by id."""
    stmt = (
        select(BmUser)
        .join(BmUser.roles)
        .where(Role.name.in_(roles), BmUser.active.is_(True))
        .order_by(BmUser.id)
        .distinct()
    )
    return list(session().execute(stmt).scalars())


def township_staff() -> list[BmUser]:
    """乡便民中心."""
    return users_with_roles(ROLE_TOWNSHIP)


def supervisors() -> list[BmUser]:
    """乡便民中心 and 乡纪检办 (strike alerts)."""
    return users_with_roles(ROLE_TOWNSHIP, ROLE_DISCIPLINE)


def calendar_keepers() -> list[BmUser]:
    """Who configures the working calendar: 乡便民中心 and Admin."""
    return users_with_roles(ROLE_TOWNSHIP, ROLE_ADMIN)


def user_by_id(user_id: int | None) -> BmUser | None:
    return session().get(BmUser, user_id) if user_id else None


# --- 办结通知 to the applicant ---------------------------------------------------------------


def case_closed(case: Case, to_status: str) -> None:
    """After a case step was committed: a 办结 tells the applicant by SMS when the case has a
    mobile number and a gateway is configured. Never raises (the case is saved already)."""
    if to_status != "completed":
        return
    try:
        _enqueue_case_completed(case)
    except Exception:  # noqa: BLE001 — the outbox must never break the request that closed the case
        log.exception("办结通知未能写入发送队列（%s）", getattr(case, "id", "?"))
        session().rollback()


def completed_text(case: Case) -> tuple[str, dict]:
    item = case.service_item.name if case.service_item else str(_l("代办事项"))
    phone = (case.village.service_phone if case.village else None) or current_app.config.get("SERVICE_CENTER_PHONE", "")
    params = {
        "case_number": case.case_number,
        "item": item,
        "village": case.village.name if case.village else "",
        "phone": phone or "",
        "township": township_name(case.village),
    }
    text = str(
        _l(
            "【%(township)s便民服务】您委托%(village)s便民代办点办理的“%(item)s”（%(case_number)s）已办结。"
            "如有疑问请致电%(phone)s。",
            **params,
        )
    )
    return text, params


def _enqueue_case_completed(case: Case) -> None:
    sms = channels().get(CHANNEL_SMS)
    phone = (case.applicant_phone or "").strip()
    if sms is None or not sms.accepts(phone):
        return
    text, params = completed_text(case)
    notice = Notice("case_completed", f"case.completed:{case.id}", text, case.village_id, (ABOUT_CASE, case.id), params)
    _insert_new([_row(notice, CHANNEL_SMS, address=phone, now=clock.now_local())])
    session().commit()


# --- delivery -------------------------------------------------------------------------------


@dataclass
class DeliveryResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def text(self) -> str:
        return str(_l("发送%(s)s条，待重试%(r)s条，放弃%(f)s条", s=self.sent, r=self.retrying, f=self.failed))


def due_rows(now, limit: int = 200) -> list[int]:
    stmt = (
        select(Notification.id)
        .where(
            Notification.status == STATUS_PENDING,
            Notification.channel != CHANNEL_INAPP,
            or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    return list(session().execute(stmt).scalars())


def deliver_due(now=None, limit: int = 200) -> DeliveryResult:
    """Send every outside row that is due, each in its own transaction."""
    now = now or clock.now_local()
    configured = channels()
    result = DeliveryResult()
    for row_id in due_rows(now, limit):
        row = session().get(Notification, row_id)
        if row is None or row.status != STATUS_PENDING:
            continue
        _attempt(row, configured.get(row.channel), now, result)
        session().commit()
    return result


def _attempt(row: Notification, channel, now, result: DeliveryResult) -> None:
    cfg = current_app.config
    try:
        if channel is None:
            raise DeliveryError(str(_l("渠道未配置")))
        channel.send(
            Outgoing(
                row.recipient_address or "",
                row.text,
                subject=str(KIND_LABELS.get(row.kind, "")),
                params=row.params or {},
                kind=row.kind,
            )
        )
    except Exception as exc:  # noqa: BLE001 — any failure of one row is that row's failure only
        row.attempts += 1
        row.last_error = (str(exc) if isinstance(exc, DeliveryError) else type(exc).__name__)[:255]
        if row.attempts >= int(cfg.get("NOTIFY_MAX_ATTEMPTS", 8)):
            row.status, row.next_attempt_at = STATUS_FAILED, None
            result.failed += 1
        else:
            delay = backoff_delay(
                row.attempts,
                int(cfg.get("NOTIFY_RETRY_BASE_SECONDS", 60)),
                int(cfg.get("NOTIFY_RETRY_MAX_SECONDS", 21600)),
            )
            row.next_attempt_at = now + delay
            result.retrying += 1
        return
    row.attempts += 1
    row.status, row.sent_at, row.next_attempt_at, row.last_error = STATUS_SENT, now, None, None
    result.sent += 1


@dataclass
class OutboxSummary:
    counts: dict  # {(channel, status): n}
    problems: list[Notification]  # outside rows waiting for a retry or given up, newest first


def outbox_summary(limit: int = 30) -> OutboxSummary:
    """For the administrator: the outbox by channel and status, and the rows in trouble."""
    counts = {
        (channel, status): int(n)
        for channel, status, n in session().execute(
            select(Notification.channel, Notification.status, func.count(Notification.id)).group_by(
                Notification.channel, Notification.status
            )
        )
    }
    problems = (
        session()
        .execute(
            select(Notification)
            .where(
                Notification.channel != CHANNEL_INAPP,
                or_(Notification.status == STATUS_FAILED, Notification.attempts > 0),
                Notification.status != STATUS_SENT,
            )
            .order_by(Notification.id.desc())
            .limit(limit)
        )
        .scalars()
        .all()
    )
    return OutboxSummary(counts, list(problems))


def masked_address(row: Notification) -> str:
    """An outside address as the administrator's page shows it (phones and e-mail masked)."""
    address = row.recipient_address or ""
    if row.channel == CHANNEL_SMS:
        return mask_phone(address)
    if row.channel == CHANNEL_EMAIL and "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return address


# --- the bell and 我的提醒 ---------------------------------------------------------------------


def _mine(user_id: int):
    return (Notification.recipient_user_id == user_id, Notification.channel == CHANNEL_INAPP)


def unread_count(user_id: int | None) -> int:
    if not user_id:
        return 0
    stmt = select(func.count(Notification.id)).where(*_mine(user_id), Notification.read_at.is_(None))
    return int(session().execute(stmt).scalar() or 0)


@dataclass
class Inbox:
    rows: list[Notification]
    total: int
    unread: int
    page: int
    pages: int


def inbox(user_id: int, page: int = 1, per_page: int = 20, unread_only: bool = False) -> Inbox:
    """The user's in-app notifications, newest first (scoped by village like every list)."""
    where = list(_mine(user_id))
    if unread_only:
        where.append(Notification.read_at.is_(None))
    total = int(session().execute(select(func.count(Notification.id)).where(*where)).scalar() or 0)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = (
        session()
        .execute(
            select(Notification)
            .where(*where)
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
        .scalars()
        .all()
    )
    return Inbox(list(rows), total, unread_count(user_id), page, pages)


def mark_read(notification_id: int, user_id: int, now=None) -> Notification:
    """Mark one of the user's own notifications read (another's, or another village's: 不存在)."""
    row = session().get(Notification, notification_id)
    if row is None or row.recipient_user_id != user_id or row.channel != CHANNEL_INAPP:
        raise NotFound(_l("提醒不存在"))
    if row.read_at is None:
        row.read_at = now or clock.now_local()
        session().commit()
    return row


def mark_all_read(user_id: int, now=None) -> int:
    now = now or clock.now_local()
    result = session().execute(
        update(Notification)
        .where(*_mine(user_id), Notification.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    session().commit()
    return int(result.rowcount or 0)


def about_label(row: Notification) -> str:
    return str(KIND_LABELS.get(row.kind, row.kind))


__all__ = [
    "ABOUT_AGENT",
    "ABOUT_CASE",
    "ABOUT_REPORT",
    "ABOUT_VILLAGE",
    "CHANNEL_LABELS",
    "KIND_LABELS",
    "STATUS_LABELS",
    "TOWNSHIP",
    "DeliveryResult",
    "Inbox",
    "Notice",
    "calendar_keepers",
    "case_closed",
    "deliver_due",
    "inbox",
    "mark_all_read",
    "mark_read",
    "notify",
    "supervisors",
    "township_staff",
    "unread_count",
    "user_by_id",
]
