"""Reference data: roles and the service catalog. Idempotent: exists → skip (STYLE §7)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import appbuilder, db
from app.models import ServiceCategory, ServiceItem
from app.security import ROLES

from .catalog import CATEGORIES, ITEMS


def ensure_roles() -> list[str]:
    """The five roles of SPEC §1 exist (their permissions live in code: FAB_ROLES)."""
    created = []
    sm = appbuilder.sm
    for name in (*ROLES, sm.auth_role_public):
        if sm.find_role(name) is None:
            sm.add_role(name)
            created.append(name)
    return created


def ensure_catalog() -> tuple[int, int]:
    """The ten categories of policy §四 and their items, keyed by code; never overwrites."""
    new_categories = new_items = 0
    by_code = {c.code: c for c in db.session.execute(select(ServiceCategory)).scalars()}
    for cat in CATEGORIES:
        if cat["code"] not in by_code:
            obj = ServiceCategory(code=cat["code"], name=cat["name"], description=cat["description"])
            db.session.add(obj)
            by_code[cat["code"]] = obj
            new_categories += 1
    db.session.flush()
    existing = set(db.session.execute(select(ServiceItem.code)).scalars())
    for item in ITEMS:
        if item["code"] in existing:
            continue
        db.session.add(
            ServiceItem(
                code=item["code"],
                category_id=by_code[item["category"]].id,
                name=item["name"],
                window=item["window"],
                legal_basis=item["legal_basis"],
                materials=list(item["materials"]),
                procedure=item["procedure"],
                promised_days=int(item["promised_days"]),
                fee=Decimal(item["fee"]),
                active=True,
            )
        )
        new_items += 1
    db.session.commit()
    return new_categories, new_items


def seed_reference() -> dict:
    roles = ensure_roles()
    categories, items = ensure_catalog()
    return {"roles": roles, "categories": categories, "items": items}
