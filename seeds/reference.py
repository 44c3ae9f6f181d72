"""Reference data: roles and the service catalog. Idempotent (STYLE §7): roles and categories
exist → skip; catalog items the seed owns are brought up to the seed's version, items the
township added or edited are never overwritten."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select, update

from app.extensions import appbuilder, db
from app.models import Case, ServiceCategory, ServiceItem
from app.policy.roles import ROLES

from .catalog import CATALOG_VERSION, CATEGORIES, ITEMS


def ensure_roles() -> list[str]:
    """The five roles of SPEC §1 exist (their permissions live in code: FAB_ROLES)."""
    created = []
    sm = appbuilder.sm
    for name in (*ROLES, sm.auth_role_public):
        if sm.find_role(name) is None:
            sm.add_role(name)
            created.append(name)
    return created


#: The reference fields the seed owns on an item (never ``active``: retiring is the township's).
SEED_FIELDS = (
    "name",
    "window",
    "legal_basis",
    "materials",
    "procedure",
    "promised_days",
    "fee",
    "mode",
    "needs_verification",
    "applicant_fields",
    "pays_on_behalf",
)


def _seed_values(item: dict) -> dict:
    return {
        "name": item["name"],
        "window": item["window"],
        "legal_basis": item["legal_basis"],
        "materials": list(item["materials"]),
        "procedure": item["procedure"],
        "promised_days": int(item["promised_days"]),
        "fee": Decimal(item["fee"]),
        "mode": item.get("mode", "promised"),
        "needs_verification": bool(item.get("needs_verification", False)),
        "applicant_fields": list(item.get("applicant_fields", ["id_number"])),
        "pays_on_behalf": bool(item.get("pays_on_behalf", False)),
    }


def ensure_catalog() -> tuple[int, int]:
    """The ten categories of policy §四 and their items, keyed by code.

    Categories: exists → skip. Items: missing → added, owned by the seed (``owner="seed"``,
    ``seed_version=CATALOG_VERSION``). An item the seed owns whose ``seed_version`` is older
    than :data:`seeds.catalog.CATALOG_VERSION` gets the seed's reference fields
    (:data:`SEED_FIELDS`; its category too). Items the township added or edited by hand
    (``owner="township"``, set by :func:`app.services.catalog.update_item`) are never
    overwritten. Returns (new categories, new items); see :func:`catalog_changes` for the
    updated/kept counts.
    """
    result = catalog_changes()
    return result["categories"], result["items"]


def catalog_changes() -> dict:
    """What :func:`ensure_catalog` did: new categories and items, items updated from the seed,
    and the codes of items kept as the township edited them."""
    new_categories = new_items = updated = 0
    kept: list[str] = []
    by_code = {c.code: c for c in db.session.execute(select(ServiceCategory)).scalars()}
    for cat in CATEGORIES:
        if cat["code"] not in by_code:
            obj = ServiceCategory(code=cat["code"], name=cat["name"], description=cat["description"])
            db.session.add(obj)
            by_code[cat["code"]] = obj
            new_categories += 1
    db.session.flush()
    existing = {i.code: i for i in db.session.execute(select(ServiceItem)).scalars()}
    for item in ITEMS:
        values = _seed_values(item)
        category_id = by_code[item["category"]].id
        current = existing.get(item["code"])
        if current is None:
            db.session.add(
                ServiceItem(
                    code=item["code"],
                    category_id=category_id,
                    active=True,
                    owner="seed",
                    seed_version=CATALOG_VERSION,
                    **values,
                )
            )
            new_items += 1
            continue
        if current.owner != "seed":
            kept.append(current.code)
            continue
        if (current.seed_version or 0) >= CATALOG_VERSION:
            continue
        if current.category_id != category_id:
            current.category_id = category_id
            db.session.execute(update(Case).where(Case.service_item_id == current.id).values(category_id=category_id))
        for key, value in values.items():
            if getattr(current, key) != value:
                setattr(current, key, value)
        current.seed_version = CATALOG_VERSION
        updated += 1
    db.session.commit()
    return {"categories": new_categories, "items": new_items, "updated": updated, "kept": kept}


def seed_reference() -> dict:
    roles = ensure_roles()
    changes = catalog_changes()
    return {"roles": roles, **changes}
