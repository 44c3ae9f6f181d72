"""What the public pages (and the printed notices) may show — policy §二(四)4, §三2 公开原则,
§六(四), SPEC §10.

Exactly: the village's name, service-point address and service phone (the village's number,
not the agent's personal mobile); the agent's name and photo; today's office hours and
whether the point is open now; the active service catalog with materials, time limits and
fees (一次性告知); the supervision and service-centre phones — of the village's own township
(issue 15 §1: its name, supervision phone and office hours); and per month, once the
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
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..models import Agent, MonthlyReport, ServiceCategory, ServiceItem, Township, Village
from ..policy.office_hours import describe_schedule
from ..policy.opening import OpenState, open_state
from ..security import unscoped
from . import calendar as calendar_service
from .common import session
from .dashboard import CaseFigures, month_figures, published_totals
from .settings import county_name, office_hours, supervision_phone, township_name

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
    township_id: int | None = None  # whose contacts and office hours the village's pages show

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


@dataclass(frozen=True)
class TownshipGroup:
    """The public index's heading of one township and its active villages."""

    name: str
    code: str
    supervision_phone: str
    schedule: str
    villages: list[PublicVillage]
    township_id: int | None = None


def _township(place) -> Township | None:
    """The township of a public page's place: a ``Township``, a ``Village``, anything carrying a
    ``township_id`` (``PublicVillage``, ``PublicCase``, ``ReportTarget``), a township id, or None."""
    if place is None or isinstance(place, Township):
        return place
    if isinstance(place, Village):
        return place.township
    township_id = place if isinstance(place, int) else getattr(place, "township_id", None)
    if township_id is None:
        return None
    with unscoped():
        return session().get(Township, township_id)


def _deployment_township() -> tuple[Township | None, bool]:
    """(the only township or None, whether there are several)."""
    with unscoped():
        townships = session().execute(select(Township).order_by(Township.code).limit(2)).scalars().all()
    return (townships[0] if len(townships) == 1 else None), len(townships) > 1


def area_name() -> str:
    """The county's name for county-wide public pages: ``COUNTY_NAME``, else 全县."""
    return county_name() or str(_l("全县"))


def contacts(place=None) -> dict:
    """Whose page it is and whom to call: the place's township (issue 15 §1) — its name
    (``township``), supervision phone and office hours (``schedule``); ``place`` as
    :func:`_township` takes it. Without a place (the index, error pages): the only township's,
    or — several townships — the county's name (``county`` True) and every township's
    supervision phone (``township_phones``: [(name, phone)], by code)."""
    cfg = current_app.config
    township = _township(place)
    several = False
    if township is None and place is None:
        township, several = _deployment_township()
    phones = []
    if several:
        with unscoped():
            every = session().execute(select(Township).order_by(Township.code)).scalars().all()
        phones = [(t.name, supervision_phone(t)) for t in every]
    return {
        "township_phones": phones,
        "township": area_name() if several else township_name(township),
        "county": several,
        "supervision_phone": supervision_phone(township),
        "center_phone": cfg.get("SERVICE_CENTER_PHONE"),
        "policy": cfg.get("POLICY_DOCUMENT"),
        "schedule": str(describe_schedule(office_hours(township))),
    }


def current_state(now: dt.datetime | None = None, place=None) -> OpenState:
    """Open now? By the office hours of the place's township (第二条（三）1; issue 15 §1);
    without a place, the only township's (the config's when there are several)."""
    township = _township(place)
    if township is None and place is None:
        township = _deployment_township()[0]
    with unscoped():
        cal = calendar_service.work_calendar()
    return open_state(now or calendar_service.now_local(), cal, office_hours(township))


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
    return PublicVillage(v.code, v.name, v.address, v.service_phone, agent, v.township_id)


def _active_villages() -> list[Village]:
    """Active villages by township code, then village code (their townships loaded)."""
    return list(
        session()
        .execute(
            select(Village)
            .join(Village.township)
            .options(contains_eager(Village.township))  # one join: ordered by and loaded
            .where(Village.active.is_(True))
            .order_by(Township.code, Village.code)
        )
        .scalars()
    )


def villages() -> list[PublicVillage]:
    """Every active village, by township code then village code."""
    with unscoped():
        rows = _active_villages()
        agents = _agents_by_village(rows)
        return [_public(v, agents.get(v.id)) for v in rows]


def township_groups() -> list[TownshipGroup]:
    """The public index by township (issue 15 §1): each township with its contacts and its
    active villages, by township code then village code; townships without one are left out."""
    with unscoped():
        rows = _active_villages()
        agents = _agents_by_village(rows)
        groups: dict[int, TownshipGroup] = {}
        for v in rows:
            group = groups.get(v.township_id)
            if group is None:
                t = v.township
                group = groups[v.township_id] = TownshipGroup(
                    t.name, t.code, supervision_phone(t), str(describe_schedule(office_hours(t))), [], t.id
                )
            group.villages.append(_public(v, agents.get(v.id)))
    return list(groups.values())


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


def catalog(place=None) -> list[dict]:
    """The active service catalog by category: name, window, materials, time limit, fee — the
    county catalog plus the additions of the place's township (``place`` as :func:`_township`)."""
    township = _township(place)
    own = ServiceItem.township_id.is_(None)
    if township is not None:
        own = own | (ServiceItem.township_id == township.id)
    with unscoped():
        cats = list(session().execute(select(ServiceCategory).order_by(ServiceCategory.code)).scalars())
        items = list(
            session()
            .execute(select(ServiceItem).where(ServiceItem.active.is_(True), own).order_by(ServiceItem.code))
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
