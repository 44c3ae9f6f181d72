"""What the first screen shows: who you are, your scope, and the figures you may see."""

from __future__ import annotations

from sqlalchemy import func, select

from ..models import Agent, Village
from ..security import VILLAGE_ROLES


def home_context(user) -> dict:
    from ..extensions import db

    roles = [r.name for r in user.roles]
    villages = db.session.execute(select(func.count(Village.id)).where(Village.active.is_(True))).scalar()
    agents_active = db.session.execute(
        select(func.count(Agent.id)).where(Agent.status == "active", Agent.level == "village")
    ).scalar()
    villages_without_agent = db.session.execute(
        select(Village.name)
        .where(Village.active.is_(True))
        .where(~select(Agent.id).where(Agent.village_id == Village.id, Agent.status == "active").exists())
        .order_by(Village.code)
    ).scalars().all()
    return {
        "user": user,
        "roles": roles,
        "village": user.village,
        "is_village_user": any(r in VILLAGE_ROLES for r in roles),
        "villages": villages,
        "agents_active": agents_active,
        "villages_without_agent": villages_without_agent,
    }
