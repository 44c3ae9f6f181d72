"""签到考勤: the agent's daily one-tap sign-in and the monthly attendance overview
(政策第二条（三）1 坐班, 第二条（四）3 “考核各村日常签到考勤情况”, SPEC §6).

Sign-ins cost no deduction by themselves (they are not among ①–⑤); the township reads the
overview when assessing the agents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from ..models import Agent, SignIn, Township, Village
from ..policy import PolicyViolation
from ..policy.office_hours import OfficeHours, describe_hours, is_open
from ..policy.periods import month_bounds
from ..policy.supervision import AttendanceSummary, attendance_summary, check_signin, is_late_signin
from .calendar import now_local, work_calendar
from .common import session
from .errors import Conflict, Forbidden, ValidationFailed
from .settings import office_hours


def grace_minutes() -> int:
    return int(current_app.config.get("SIGNIN_GRACE_MINUTES", 0) or 0)


def agent_of_user(user) -> Agent | None:
    """The agent record linked to a login account (村代办员)."""
    if user is None or getattr(user, "id", None) is None:
        return None
    return session().execute(select(Agent).where(Agent.user_id == user.id)).scalar()


def signin_of(agent_id: int, day: dt.date) -> SignIn | None:
    return session().execute(select(SignIn).where(SignIn.agent_id == agent_id, SignIn.day == day)).scalar()


def sign_in(agent: Agent | None, now: dt.datetime | None = None) -> SignIn:
    """One tap: today's sign-in of the agent, late when after the first session's start."""
    now = (now or now_local()).replace(microsecond=0)
    if agent is None:
        raise Forbidden(_l("您的账号没有关联代办员，不能签到；请联系乡便民服务中心"))
    if agent.status != "active" or agent.village_id is None:
        raise Forbidden(_l("只有在岗的村级代办员需要签到"))
    existing = signin_of(agent.id, now.date())
    if existing is not None:
        raise Conflict(_l("今天已于%(t)s签到，无需重复签到", t=existing.signed_at.strftime("%H:%M")))
    cal, hours = work_calendar(), office_hours(agent.village)  # the village's township's hours
    try:
        check_signin(now, cal, hours)
    except PolicyViolation as exc:
        raise ValidationFailed.of(exc, field="signed_at") from None
    row = SignIn(
        agent_id=agent.id,
        village_id=agent.village_id,
        day=now.date(),
        signed_at=now,
        late=is_late_signin(now, cal, hours, grace_minutes()),
    )
    session().add(row)
    try:
        session().commit()
    except IntegrityError:  # a second tap at the same moment
        session().rollback()
        raise Conflict(_l("今天已签到，无需重复签到")) from None
    return row


@dataclass
class TodayStatus:
    day: dt.date
    workday: bool
    hours_text: str
    open_now: bool


def today_status(now: dt.datetime | None = None, place=None) -> TodayStatus:
    """Today's seated hours at ``place`` (a village or township: its township's hours; none:
    the deployment's)."""
    now = now or now_local()
    cal, hours = work_calendar(), office_hours(place)
    return TodayStatus(
        now.date(), cal.is_workday(now.date()), describe_hours(now.date(), cal, hours), is_open(now, cal, hours)
    )


def hours_by_village(village_ids) -> dict[int, OfficeHours]:
    """{village id: its township's seated hours} in one query, one OfficeHours per township."""
    ids = {v for v in village_ids if v is not None}
    if not ids:
        return {}
    per_township: dict[int, OfficeHours] = {}
    out = {}
    for village_id, township in session().execute(
        select(Village.id, Township).join(Township, Township.id == Village.township_id).where(Village.id.in_(ids))
    ):
        if township.id not in per_township:
            per_township[township.id] = office_hours(township)
        out[village_id] = per_township[township.id]
    return out


@dataclass
class AgentMonth:
    agent: Agent
    summary: AttendanceSummary


def agents_in_post_during(first: dt.date, last: dt.date, village_id: int | None = None) -> list[Agent]:
    stmt = (
        select(Agent)
        .where(
            Agent.level == "village",
            Agent.status.in_(("active", "dismissed")),
            or_(Agent.hired_on.is_(None), Agent.hired_on <= last),
            or_(Agent.dismissed_on.is_(None), Agent.dismissed_on >= first),
        )
        .order_by(Agent.village_id, Agent.id)
    )
    if village_id:
        stmt = stmt.where(Agent.village_id == village_id)
    return list(session().execute(stmt).scalars())


def month_overview(
    year: int, month: int, village_id: int | None = None, now: dt.datetime | None = None
) -> list[AgentMonth]:
    """Per agent in post during the month: working days, signed, on time, late, missing —
    up to today (today counts as missing only after its seated hours)."""
    now = now or now_local()
    first, last = month_bounds(year, month)
    agents = agents_in_post_during(first, last, village_id)
    if not agents or first > now.date():
        return [AgentMonth(a, AttendanceSummary(0, 0, 0, 0, 0)) for a in agents]
    by_agent: dict[int, dict[dt.date, dt.datetime]] = {}
    for agent_id, day, signed_at in (
        session()
        .execute(
            select(SignIn.agent_id, SignIn.day, SignIn.signed_at).where(
                SignIn.agent_id.in_([a.id for a in agents]), SignIn.day >= first, SignIn.day <= last
            )
        )
        .all()
    ):
        by_agent.setdefault(agent_id, {})[day] = signed_at
    cal, hours_of = work_calendar(), hours_by_village({a.village_id for a in agents})
    out = []
    for agent in agents:
        hours = hours_of.get(agent.village_id) or office_hours()
        until = min(last, now.date())
        if agent.status == "dismissed" and agent.dismissed_on:
            until = min(until, agent.dismissed_on)
        summary = attendance_summary(
            year,
            month,
            by_agent.get(agent.id, {}),
            cal,
            hours,
            until=until,
            since=agent.hired_on,
            until_time=now.time() if until == now.date() else None,
            grace_minutes=grace_minutes(),
        )
        out.append(AgentMonth(agent, summary))
    return out


@dataclass
class TodayRow:
    agent: Agent
    signin: SignIn | None


def today_board(now: dt.datetime | None = None) -> list[TodayRow]:
    """Who has signed in today (township: every village; a village user: their own)."""
    now = now or now_local()
    agents = agents_in_post_during(now.date(), now.date())
    agents = [a for a in agents if a.status == "active"]
    rows = (
        {
            s.agent_id: s
            for s in session()
            .execute(select(SignIn).where(SignIn.day == now.date(), SignIn.agent_id.in_([a.id for a in agents])))
            .scalars()
        }
        if agents
        else {}
    )
    return [TodayRow(a, rows.get(a.id)) for a in agents]


__all__ = [
    "AgentMonth",
    "TodayRow",
    "TodayStatus",
    "agent_of_user",
    "agents_in_post_during",
    "hours_by_village",
    "month_overview",
    "sign_in",
    "signin_of",
    "today_board",
    "today_status",
]
