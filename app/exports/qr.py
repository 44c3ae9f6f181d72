"""QR codes of the public pages (segno), for the notice board and the printed notices — an
output writer: it gets an address and returns PNG/SVG bytes, no request, no database.

A QR code pinned on a village notice board must open from a villager's phone, so its address
is ``PUBLIC_BASE_URL`` (config / environment), never the address a township clerk happened to
use to reach the system. Without it (or with a loopback / private one) the address of the
request is used (:func:`public_address`) and the print pages warn the staff
(:func:`reachable_by_villagers`).
"""

from __future__ import annotations

import io
import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

import segno
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

#: Host names that only this machine or a local network resolves.
LOCAL_SUFFIXES = (".localhost", ".local", ".lan", ".home", ".internal", ".intranet", ".localdomain")
UNREACHABLE_WARNING = _l("二维码地址为本机地址，村民手机无法打开；请设置 PUBLIC_BASE_URL")


def reachable_by_villagers(base_url: str | None) -> bool:
    """Whether a villager's phone on the public internet can open ``base_url``: an http(s)
    address whose host is a public IP or a dotted domain name — not empty, not ``localhost``,
    not a loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local or reserved
    address, and not a local-only name (``bm.local``, ``server``)."""
    if not base_url:
        return False
    parts = urlsplit(base_url.strip())
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in ("http", "https") or not host:
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host != "localhost" and "." in host and not host.endswith(LOCAL_SUFFIXES)
    return not (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_unspecified or ip.is_reserved or ip.is_multicast
    )


def public_address(configured_base: str | None, request_root: str, path: str) -> str:
    """The absolute address of a public page (QR codes, shared links): ``path`` under
    ``PUBLIC_BASE_URL`` when configured, else under the root of the request (no double /)."""
    return (configured_base or request_root).strip().rstrip("/") + path


@dataclass(frozen=True)
class QrTarget:
    """What a print page shows for a QR code: the code, the URL under it, and the warning."""

    url: str
    svg: Markup
    reachable: bool

    @property
    def warning(self) -> str | None:
        return None if self.reachable else str(UNREACHABLE_WARNING)


def qr_target(url: str, scale: int = 4) -> QrTarget:
    """The QR code of ``url`` to embed in a print page, with the warning when villagers cannot open it."""
    return QrTarget(url, qr_inline_svg(url, scale=scale), reachable_by_villagers(url))


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
