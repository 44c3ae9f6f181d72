"""What every channel shares: the message, the error, the retry delay."""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class DeliveryError(Exception):
    """The channel could not deliver; the text never carries a secret (URL key, password)."""


@dataclass(frozen=True)
class Outgoing:
    """One message for one address of one channel."""

    address: str  # 企业微信: a village code or "township"; e-mail: an address; SMS: a mobile number
    text: str
    subject: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
    kind: str = ""


class Channel(Protocol):
    name: str

    def accepts(self, address: str) -> bool:
        """Whether this channel can reach ``address`` (a group with a webhook, …)."""

    def send(self, message: Outgoing) -> None:
        """Deliver or raise :class:`DeliveryError`."""


def backoff_delay(attempts: int, base_seconds: int = 60, cap_seconds: int = 6 * 3600) -> dt.timedelta:
    """The wait after the ``attempts``-th failed attempt: base · 2^(attempts−1), at most ``cap``
    (60 s, 2 min, 4 min, … 6 h by default)."""
    attempts = max(1, int(attempts))
    seconds = base_seconds * (2 ** min(attempts - 1, 30))
    return dt.timedelta(seconds=min(seconds, cap_seconds))


def post_json(url: str, body: Mapping, headers: Mapping[str, str] | None = None, timeout: float = 10) -> bytes:
    """POST ``body`` as UTF-8 JSON; any failure (connection, HTTP status ≥ 400) is a
    :class:`DeliveryError` naming the status only — never the URL, which may hold a key."""
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured https URL)
            return response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"连接失败：{type(reason).__name__}") from None
