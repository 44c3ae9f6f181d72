"""What the public pages (and the printed notices) may show — policy §二(四)4, §三2 公开原则,
§六(四), SPEC §10.

Exactly: the village's name, service-point address and service phone (the village's number,
not the agent's personal mobile); the agent's name and photo; today's office hours and
whether the point is open now; the active service catalog with materials, time limits and
fees (一次性告知); the supervision and service-centre phones; and per month, once the
village's monthly report is submitted, counts of handled matters. Nothing about applicants.

Every read runs ``with unscoped()``: public data is public even when a village user is
logged in, and a village user's scope must not hide other villages' public pages.

Figures and facts only: the addresses of the pages (the agent's photo, the QR code) are the web
layer's (``app/public/data.py``, ``app/views/dashboard.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import select

from ..models import Agent, MonthlyReport, ServiceCategory, ServiceItem, Village
from ..policy.opening import OpenState, open_state
from ..security import unscoped
from . import calendar as calendar_service
from .common import session
from .dashboard import CaseFigures, month_figures, published_totals
from .settings import office_hours, township_name

CODE_RE = re.compile(r"[A-Za-z]{2,8}")
PUBLISHED_MONTHS = 6


@dataclass(frozen=True)
class PublicAgent:
    name: str
    photo_version: str | None  # None: no photo; it changes with the photo (browser caches)
    photo_url: str | None = None  # the web layer's address of the photo (PublicVillage.with_photo_url)


@dataclass(frozen=True)
class PublicVillage:
    code: str
    name: str
    address: str | None
    service_phone: str | None
    agent: PublicAgent | None

    @property
    def photo_version(self) -> str | None:
        """The version of the on-duty agent's photo (``None``: no photo to show)."""
        return self.agent.photo_version if self.agent else None

    def with_photo_url(self, url: str | None) -> PublicVillage:
        """A copy whose agent carries the address of the photo (built by the web layer)."""
        return replace(self, agent=replace(self.agent, photo_url=url)) if self.agent else self


@dataclass(frozen=True)
class PublishedMonth:
    year: int
    month: int
    figures: dict  # PUBLISHED_KEYS → count, plus "frozen"


def contacts() -> dict:
    cfg = current_app.config
    return {
        "township": township_name(),
        "supervision_phone": cfg.get("SUPERVISION_PHONE"),
        "center_phone": cfg.get("SERVICE_CENTER_PHONE"),
        "policy": cfg.get("POLICY_DOCUMENT"),
    }


def current_state(now: dt.datetime | None = None) -> OpenState:
    """Office hours are the same for every village (第二条（三）1)."""
    with unscoped():
        cal = calendar_service.work_calendar()
    return open_state(now or calendar_service.now_local(), cal, office_hours())


def _on_duty_agents(village_ids: list[int]) -> dict[int, tuple[str, str | None]]:
    """village id → (name, stored photo name) of its current on-duty 村级 agent."""
    if not village_ids:
        return {}
    rows = (
        session()
        .execute(
            select(Agent.village_id, Agent.name, Agent.photo)
            .where(Agent.village_id.in_(village_ids), Agent.level == "village", Agent.status == "active")
            .order_by(Agent.village_id, Agent.hired_on.desc(), Agent.id.desc())
        )
        .all()
    )
    out: dict[int, tuple[str, str | None]] = {}
    for village_id, name, photo in rows:
        out.setdefault(village_id, (name, photo))
    return out


def _agents_by_village(villages: list[Village]) -> dict[int, PublicAgent]:
    on_duty = _on_duty_agents([v.id for v in villages])
    return {
        village_id: PublicAgent(name, photo[:8] if photo else None) for village_id, (name, photo) in on_duty.items()
    }


def agent_photo_name(code: str) -> str | None:
    """The stored photo of the village's current on-duty agent (public: 公示牌, public page)."""
    with unscoped():
        v = _village_row(code)
        if v is None:
            return None
        return _on_duty_agents([v.id]).get(v.id, (None, None))[1]


def _public(v: Village, agent: PublicAgent | None) -> PublicVillage:
    return PublicVillage(v.code, v.name, v.address, v.service_phone, agent)


def villages() -> list[PublicVillage]:
    with unscoped():
        rows = list(session().execute(select(Village).where(Village.active.is_(True)).order_by(Village.code)).scalars())
        agents = _agents_by_village(rows)
        return [_public(v, agents.get(v.id)) for v in rows]


def _village_row(code: str) -> Village | None:
    if not CODE_RE.fullmatch(code or ""):
        return None
    return (
        session()
        .execute(select(Village).where(Village.code == code.upper(), Village.active.is_(True)))
        .scalar_one_or_none()
    )


def village(code: str) -> PublicVillage | None:
    """The public facts of one active village, or ``None`` (→ 404) for an unknown code."""
    with unscoped():
        v = _village_row(code)
        if v is None:
            return None
        return _public(v, _agents_by_village([v]).get(v.id))


def catalog() -> list[dict]:
    """The active service catalog by category: name, window, materials, time limit, fee."""
    with unscoped():
        cats = list(session().execute(select(ServiceCategory).order_by(ServiceCategory.code)).scalars())
        items = list(
            session()
            .execute(select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.code))
            .unique()
            .scalars()
        )
    by_cat: dict[int, list[dict]] = {}
    for it in items:
        by_cat.setdefault(it.category_id, []).append(
            {
                "code": it.code,
                "name": it.name,
                "window": it.window,
                "materials": list(it.materials or []),
                "procedure": it.procedure,
                "promised_days": it.promised_days,
                "fee": it.fee,
                "mode": it.mode,
                "mode_label": it.mode_label,
            }
        )
    return [{"name": c.name, "items": by_cat[c.id]} for c in cats if by_cat.get(c.id)]


def published_months(code: str, today: dt.date | None = None, limit: int = PUBLISHED_MONTHS) -> list[PublishedMonth]:
    """Counts of the village's handled matters for the months whose monthly report has been
    submitted (the report is the publication: checked by the agent, locked, reviewed by the
    township — §六(四)); most recent first. Counts only."""
    today = today or calendar_service.today()
    with unscoped():
        v = _village_row(code)
        if v is None:
            return []
        reports = [
            ((int(y), int(m)), figures)
            for y, m, figures in session().execute(
                select(MonthlyReport.year, MonthlyReport.month, MonthlyReport.figures)
                .where(MonthlyReport.village_id == v.id, MonthlyReport.status == "submitted")
                .order_by(MonthlyReport.year.desc(), MonthlyReport.month.desc())
                .limit(limit)
            )
        ]
        # live counts only for reports without frozen totals (one grouped query)
        missing = [ym for ym, figures in reports if not published_totals(figures, CaseFigures())["frozen"]]
        live = month_figures(v.id, missing, today)
    return [
        PublishedMonth(y, m, published_totals(figures, live.get((y, m), CaseFigures()))) for (y, m), figures in reports
    ]
