"""Phone numbers: agents' mobiles and villages' service phones.

SPEC §3 (agent mobile, validated), §2 (village service phone, published under 政策第二条（四）4
"服务电话……进行公开"), §12 (phones masked as ``138****5678`` below township staff).
"""

from __future__ import annotations

import re
import unicodedata

from flask_babel import lazy_gettext as _l

from .errors import PolicyViolation

MOBILE_RE = re.compile(r"1[3-9]\d{9}", re.ASCII)
#: Landline local number: 7–8 digits, not starting with 0 or 1 (area code: ``0`` + 2–3 digits).
LOCAL_RE = re.compile(r"[2-9]\d{6,7}", re.ASCII)
#: An area code written apart from the local number: ``0731-…``, ``0731 …``, ``(0731)…``.
_AREA_APART_RE = re.compile(r"[(（]?(0\d{2,3})(?:[)）]\s*|[)）]?[\s\-－—–]+)(\d[\d\s\-]*)", re.ASCII)

_SEPARATORS = re.compile(r"[\s\-－—–()（）]+")


def _compact(value: str | None) -> str:
    """NFKC (full-width digits → ASCII) and drop spaces, dashes and brackets."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or ""))


def _strip_country_code(digits: str) -> str:
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    if digits.startswith("86") and len(digits) == 13:
        return digits[2:]
    return digits


def _mobile_or_none(value: str | None) -> str | None:
    digits = _strip_country_code(_compact(value))
    return digits if MOBILE_RE.fullmatch(digits) else None


def normalize_mobile(value: str | None) -> str:
    """An 11-digit mainland mobile number (``1[3-9]xxxxxxxxx``).

    Spaces and dashes are removed and a ``+86``/``0086``/``86`` prefix is dropped; anything
    else raises :class:`PolicyViolation` (``field="phone"``, ``code="mobile"``).
    """
    mobile = _mobile_or_none(value)
    if mobile is None:
        raise PolicyViolation(_l("手机号码应为11位，以1开头"), field="phone", code="mobile")
    return mobile


def _landline_or_none(value: str | None) -> str | None:
    """``0731-84561234`` from ``0731-84561234``, ``0731 8456 1234``, ``(0731)84561234`` or
    ``073184561234``.

    When the area code is written apart (dash, space or brackets) the split is kept as given;
    for bare digits the national numbering plan decides: ``010`` and ``02x`` are 3-digit area
    codes, every other area code has 4 digits.
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    apart = _AREA_APART_RE.fullmatch(text)
    if apart is not None:
        area, local = apart.group(1), re.sub(r"[\s\-]", "", apart.group(2))
    else:
        digits = _compact(text)
        if not (digits.isascii() and digits.isdigit() and digits.startswith("0")):
            return None
        area_len = 3 if digits[1:2] in ("1", "2") else 4
        area, local = digits[:area_len], digits[area_len:]
    if not LOCAL_RE.fullmatch(local):
        return None
    return f"{area}-{local}"


def normalize_service_phone(value: str | None) -> str:
    """A mobile (normalised as in :func:`normalize_mobile`) or a landline as ``区号-号码``.

    Raises :class:`PolicyViolation` (``field="phone"``, ``code="service_phone"``) otherwise.
    """
    phone = _mobile_or_none(value) or _landline_or_none(value)
    if phone is None:
        raise PolicyViolation(
            _l("电话号码格式不正确（手机号11位，或区号-座机号）"),
            field="phone",
            code="service_phone",
        )
    return phone


def mask_phone(value: str | None) -> str:
    """``138****5678`` for a mobile, ``0731-****1234`` for a landline, ``""`` for nothing.

    A value that is neither keeps only its last 4 characters visible.
    """
    if not value or not value.strip():
        return ""
    mobile = _mobile_or_none(value)
    if mobile is not None:
        return f"{mobile[:3]}****{mobile[-4:]}"
    landline = _landline_or_none(value)
    if landline is not None:
        area, local = landline.split("-")
        return f"{area}-****{local[-4:]}"
    compact = _compact(value)
    if len(compact) <= 4:
        return "*" * len(compact)
    return "*" * (len(compact) - 4) + compact[-4:]
