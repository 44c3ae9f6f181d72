"""QR codes of the public pages (segno), for the notice board and the printed notices."""

from __future__ import annotations

import io

import segno
from flask import current_app, request, url_for
from markupsafe import Markup


def public_url(endpoint: str, **values) -> str:
    """Absolute URL of a public page: ``PUBLIC_BASE_URL`` when configured (the address
    villagers reach, e.g. behind a reverse proxy), else the address of this request."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or request.url_root).rstrip("/")
    return base + url_for(endpoint, **values)


def _make(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False)


def qr_png(url: str, scale: int = 12) -> bytes:
    buf = io.BytesIO()
    _make(url).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def qr_svg(url: str, scale: int = 10) -> bytes:
    buf = io.BytesIO()
    _make(url).save(buf, kind="svg", scale=scale, border=4, xmldecl=True, svgns=True, title=url)
    return buf.getvalue()


def qr_inline_svg(url: str, scale: int = 4) -> Markup:
    """An ``<svg>`` element to embed in a page (prints sharp at any size)."""
    return Markup(_make(url).svg_inline(scale=scale, border=2, omitsize=True))
