"""乡镇 (issue 15 §1): which township a new village or account belongs to, and look-ups.

A deployment that has always been one township keeps working without naming it: when the
acting user is not tied to a township and there is exactly one, that one is meant; when there
is none yet (a fresh database before ``flask seed``/``flask demo``), the one named by
``TOWNSHIP_NAME`` (code ``TOWNSHIP_CODE``, default ``JN``) is created.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..models import Township, Village
from ..policy.roles import township_of, village_of
from ..security import current_township_scope, unscoped
from .common import session
from .errors import ValidationFailed
from .settings import county_name, township_name

CHOOSE_TOWNSHIP = _l("请选择所属乡镇")


def township_by_code(code: str | None) -> Township | None:
    if not code:
        return None
    return session().execute(select(Township).where(Township.code == code.strip().upper())).scalar()


def township_by_id(township_id: int | None) -> Township | None:
    return session().get(Township, township_id) if township_id else None


def all_townships() -> list[Township]:
    return list(session().execute(select(Township).order_by(Township.code)).scalars())


def config_township() -> Township:
    """The township of ``TOWNSHIP_NAME``: found by name or code, else created (not committed)."""
    cfg = current_app.config
    name = cfg.get("TOWNSHIP_NAME") or "建宁乡"
    code = (cfg.get("TOWNSHIP_CODE") or "JN").upper()
    found = session().execute(select(Township).where((Township.name == name) | (Township.code == code))).scalar()
    if found is not None:
        return found
    township = Township(name=name, code=code)
    session().add(township)
    session().flush()
    return township


def township_for_new(township_id: int | None = None, *, field: str = "township_id") -> Township:
    """The township a new village (or account) goes to: the one named, else the acting township
    user's own, else the only one (created from the config when there is none)."""
    own = current_township_scope()
    if township_id is not None:
        township = township_by_id(township_id)
        if township is None or (own is not None and township.id != own):
            raise ValidationFailed(errors={field: [_l("所属乡镇不存在")]})
        return township
    if own is not None:
        return session().get(Township, own)
    townships = session().execute(select(Township).limit(2)).scalars().all()
    if len(townships) == 1:
        return townships[0]
    if not townships:
        return config_township()
    raise ValidationFailed(errors={field: [CHOOSE_TOWNSHIP]})


def several_townships() -> bool:
    """More than one township in the deployment (a county): one query of at most two ids."""
    with unscoped():
        return len(session().execute(select(Township.id).limit(2)).all()) > 1


@dataclass(frozen=True)
class Brand:
    """Whose system a user's pages are named after (issue 15 §1).

    ``level``: "deployment" (nobody signed in: the config's APP_NAME), "township" (``name`` is
    the township's) or "county" (``name`` is ``COUNTY_NAME``, "" when unset)."""

    level: str
    name: str = ""


def brand_of(user) -> Brand:
    """A village user's township, a township user's own, a county user's (or Admin's) county
    when the deployment has several townships, else the only township's; anonymous: the
    deployment's. One or two small queries — the web layer keeps the answer for the request."""
    if user is None:
        return Brand("deployment")
    with unscoped():
        village_id = village_of(user)
        if village_id is not None:
            return Brand("township", township_name(session().get(Village, village_id)))
        township_id = township_of(user)
        if township_id is not None:
            return Brand("township", township_name(session().get(Township, township_id)))
        townships = session().execute(select(Township).order_by(Township.code).limit(2)).scalars().all()
    if len(townships) > 1:
        return Brand("county", county_name())
    return Brand("township", township_name(townships[0] if townships else None))
