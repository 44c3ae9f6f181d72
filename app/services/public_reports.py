"""群众反映/举报 from the public page (网上反映, 政策第二条（四）4, 第二条（四）2①).

A villager, without logging in, files a report about their village's service point or its
on-duty agent. It becomes an ordinary complaint of the township's flow
(:func:`app.services.supervision.create_complaint`: the same validation, the same duplicate
fingerprint, the audit log, ① when 乡纪检办 verifies it as a refusal) — received today, channel
网上反映, result 待核实, source "public". The villager gets a query code; with it
:func:`status_of` tells 已收到 / 核实中 / 已办结 and a date, nothing else.

Against flooding (the rules in :mod:`app.policy.public_reports`): a signed arithmetic challenge
with a minimum fill time and a honeypot, one report per challenge, a daily cap per submitting
address (counted in the database, so it holds across processes), on top of the web layer's
rate limit per address.

Everything runs ``with unscoped()``: a public form is public even when a village user is
logged in on the same browser.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..models import Agent, Complaint, Village
from ..policy import PolicyViolation
from ..policy.phone import normalize_service_phone
from ..policy.public_reports import (
    Challenge,
    PublicStatus,
    address_digest,
    check_challenge,
    check_content,
    format_query_code,
    make_challenge,
    new_query_code,
    normalize_query_code,
    plain_text,
    public_status,
    query_digest,
)
from ..security import unscoped
from . import clock
from .audit import acting_as
from .common import session
from .errors import Conflict, NotFound, ValidationFailed
from .public import CODE_RE
from .supervision import create_complaint

#: How the audit log names the public form as the actor of a 网上反映.
PUBLIC_ACTOR = "public report form"
KINDS = {"refused": _l("代办员不受理我的代办事项"), "other": _l("其他问题（推诿拖延、收取费用、服务态度等）")}
NAME_MAX = 30


class DailyLimitReached(ValidationFailed):
    """Too many reports from one address today (the web layer answers 429)."""

    status = 429


@dataclass(frozen=True)
class ReportTarget:
    """The village a report is about and the agents it may name (the on-duty 村级 agents)."""

    code: str
    name: str
    agents: tuple[tuple[int, str], ...]
    township_id: int | None = None  # the village's township: the page's contacts (issue 15 §1)


def _secret() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode("utf-8")


def _setting(name: str, default: int) -> int:
    value = current_app.config.get(name)
    return default if value in (None, "") else int(value)


def _epoch() -> int:
    return int(clock.utcnow().timestamp())


def new_challenge() -> Challenge:
    return make_challenge(_secret(), _epoch())


def _village(code: str) -> Village | None:
    if not CODE_RE.fullmatch(code or ""):
        return None
    stmt = select(Village).where(Village.code == code.upper(), Village.active.is_(True))
    return session().execute(stmt).scalar_one_or_none()


def _on_duty(village_id: int) -> list[Agent]:
    stmt = (
        select(Agent)
        .where(Agent.village_id == village_id, Agent.level == "village", Agent.status == "active")
        .order_by(Agent.hired_on.desc(), Agent.id.desc())
    )
    return list(session().execute(stmt).scalars())


def target(code: str) -> ReportTarget | None:
    """The active village of ``code`` and its on-duty agents, or ``None`` (→ 404)."""
    with unscoped():
        village = _village(code)
        if village is None:
            return None
        return ReportTarget(
            village.code, village.name, tuple((a.id, a.name) for a in _on_duty(village.id)), village.township_id
        )


def _fail(field: str, message) -> ValidationFailed:
    return ValidationFailed(errors={field: [message]})


def _clean(data: Mapping, village: Village, agents: list[Agent]) -> dict:
    """The report's fields as the complaint flow takes them; every problem at once."""
    errors: dict[str, list] = {}
    values: dict = {}

    def check(field: str, fn):
        try:
            values[field] = fn()
        except PolicyViolation as exc:
            errors.setdefault(field, []).append(exc.message)

    max_chars = _setting("PUBLIC_REPORT_MAX_CHARS", 1000)
    check("content", lambda: check_content(data.get("content"), max_chars))
    check("complainant", lambda: plain_text(data.get("complainant"), NAME_MAX, "complainant") or None)
    phone = (data.get("complainant_phone") or "").strip()
    check("complainant_phone", lambda: normalize_service_phone(phone) if phone else None)
    kind = data.get("kind")
    if kind not in KINDS:
        errors["kind"] = [_l("请选择反映的问题")]
    agent_id = (data.get("agent_id") or "").strip()
    on_duty = {str(a.id): a.id for a in agents}
    if agent_id and agent_id not in on_duty:
        errors["agent_id"] = [_l("所选代办员不是本村在岗代办员，请重新选择")]
    if errors:
        raise ValidationFailed(errors=errors)
    values.update(village_id=village.id, agent_id=on_duty.get(agent_id), refused_request=kind == "refused")
    return values


def _check_daily_cap(digest: str, day: dt.date) -> None:
    cap = _setting("PUBLIC_REPORT_DAILY_MAX", 10)
    stmt = select(func.count(Complaint.id)).where(Complaint.submitter_digest == digest, Complaint.received_on == day)
    if session().execute(stmt).scalar_one() >= cap:
        raise DailyLimitReached(
            errors={"__all__": [_l("今天从您的网络提交的反映已达%(n)s条，请明天再提交，或拨打乡纪检办监督电话", n=cap)]}
        )


def _ticket_used(nonce: str) -> bool:
    return session().execute(select(Complaint.id).where(Complaint.public_ticket == nonce)).first() is not None


USED_CHALLENGE = _l("这份表单已经提交过，请勿重复提交；如需另行反映，请刷新页面后重新填写")
SAME_CONTENT = _l("今天已收到内容相同的反映，请勿重复提交；如需补充情况，请写明新的情况后再提交")


def submit(code: str, data: Mapping, address: str | None) -> str:
    """File a 网上反映 about the village ``code``; return the query code (``ABCDE-FGHJK``).

    Raises ``NotFound`` (unknown village), ``ValidationFailed`` (bad field or challenge, with
    Chinese messages; nothing saved) or ``DailyLimitReached``."""
    with unscoped(), acting_as(PUBLIC_ACTOR):
        village = _village(code)
        if village is None:
            raise NotFound(_l("没有找到这个村"))
        try:
            nonce = check_challenge(
                _secret(),
                data.get("challenge"),
                data.get("answer"),
                _epoch(),
                honeypot=data.get("website"),
                min_seconds=_setting("PUBLIC_REPORT_MIN_SECONDS", 5),
                max_seconds=_setting("PUBLIC_REPORT_MAX_AGE_MINUTES", 120) * 60,
            )
        except PolicyViolation as exc:
            raise ValidationFailed.of(exc) from None
        values = _clean(data, village, _on_duty(village.id))
        day = clock.today()
        digest = address_digest(_secret(), address)
        _check_daily_cap(digest, day)
        if _ticket_used(nonce):
            raise _fail("__all__", USED_CHALLENGE)
        query = new_query_code()
        extra = {"source": "public", "query_digest": query_digest(query), "public_ticket": nonce}
        try:
            create_complaint(
                {**values, "received_on": day, "channel": "online", "result": "pending"},
                day,
                extra={**extra, "submitter_digest": digest},
            )
        except Conflict:
            raise _fail("content", SAME_CONTENT) from None
        except IntegrityError:
            session().rollback()
            if _ticket_used(nonce):
                raise _fail("__all__", USED_CHALLENGE) from None
            raise
    return format_query_code(query)


def status_of(text: str | None) -> PublicStatus | None:
    """What a query code may learn: 已收到 / 核实中 / 已办结 and a date — or ``None`` for a code
    that is malformed or unknown (the same answer for both)."""
    code = normalize_query_code(text)
    digest = query_digest(code or "-")  # the same work for a malformed code
    with unscoped():
        row = (
            session()
            .execute(
                select(
                    Complaint.result,
                    Complaint.received_on,
                    Complaint.verified_on,
                    Complaint.verification_note,
                    Complaint.followup,
                ).where(Complaint.query_digest == digest, Complaint.source == "public")
            )
            .first()
        )
    if code is None or row is None:
        return None
    result, received_on, verified_on, note, followup = row
    return public_status(result, received_on, verified_on, bool((note or "").strip() or (followup or "").strip()))


__all__ = ["KINDS", "DailyLimitReached", "ReportTarget", "new_challenge", "status_of", "submit", "target"]
