"""The public pages' facts with their addresses: :mod:`app.services.public` gathers what a
public page may show; here the web layer adds the URLs (the agent's photo, absolute links for
QR codes) — ``url_for`` and the request live on this side of the line."""

from __future__ import annotations

from flask import current_app, request, url_for

from ..exports.qr import public_address
from ..services import public as public_service
from ..services.public import (  # noqa: F401  (the public pages read these as data.<name>)
    PublicVillage,
    TownshipGroup,
    agent_photo_name,
    catalog,
    contacts,
    current_state,
    published_months,
)


def public_url(endpoint: str, **values) -> str:
    """Absolute URL of a public page at ``PUBLIC_BASE_URL`` (else this request's root)."""
    return public_address(current_app.config.get("PUBLIC_BASE_URL"), request.url_root, url_for(endpoint, **values))


def _with_photo(v: PublicVillage) -> PublicVillage:
    version = v.photo_version
    return v.with_photo_url(url_for("public.agent_photo", code=v.code, v=version) if version else None)


def villages() -> list[PublicVillage]:
    return [_with_photo(v) for v in public_service.villages()]


def township_groups() -> list[TownshipGroup]:
    """The public index: each township with its villages (their photos' addresses added)."""
    groups = public_service.township_groups()
    for group in groups:
        group.villages[:] = [_with_photo(v) for v in group.villages]
    return groups


def village(code: str) -> PublicVillage | None:
    """The public facts of one active village, or ``None`` (→ 404) for an unknown code."""
    v = public_service.village(code)
    return _with_photo(v) if v else None
