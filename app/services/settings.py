"""Policy settings from the app config, as the policy layer's types.

Per township (issue 15 §1): each function takes an optional ``township`` — a ``Township``, a
``Village`` (its township is meant) or None — and returns that township's own value when it
has one, else the ``config.py`` default. Callers that know the village pass it (payouts,
deductions, public page, export titles, office hours of a village's agent)."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app

from ..policy.office_hours import OfficeHours, parse_sessions


def _township(township):
    """A Township from a Township, a Village or None."""
    if township is None:
        return None
    if hasattr(township, "township_id") and not hasattr(township, "annual_subsidy"):
        return getattr(township, "township", None)
    return township


def _month_day(value: str | None, default) -> tuple[int, int]:
    if not value:
        return tuple(default)
    month, day = value.split("-")
    return int(month), int(day)


def office_hours(township=None) -> OfficeHours:
    cfg = current_app.config
    t = _township(township)
    return OfficeHours(
        summer_start=_month_day(getattr(t, "summer_starts", None), cfg["SUMMER_STARTS"]),
        winter_start=_month_day(getattr(t, "winter_starts", None), cfg["WINTER_STARTS"]),
        summer=parse_sessions(getattr(t, "summer_hours", None) or cfg["SUMMER_HOURS"]),
        winter=parse_sessions(getattr(t, "winter_hours", None) or cfg["WINTER_HOURS"]),
    )


def deduction_amounts(township=None) -> dict[str, Decimal]:
    amounts = {code: Decimal(str(v)) for code, v in current_app.config["DEDUCTION_AMOUNTS"].items()}
    own = getattr(_township(township), "deduction_amounts", None) or {}
    amounts.update({str(code): Decimal(str(v)) for code, v in own.items() if v not in (None, "")})
    return amounts


def annual_subsidy(township=None) -> Decimal:
    own = getattr(_township(township), "annual_subsidy", None)
    if own is not None:
        return Decimal(str(own))
    return Decimal(str(current_app.config["ANNUAL_SUBSIDY_PER_VILLAGE"]))


def strike_threshold() -> int:
    return int(current_app.config["STRIKE_THRESHOLD"])


def township_name(township=None) -> str:
    t = _township(township)
    if t is not None and getattr(t, "name", None):
        return t.name
    return current_app.config["TOWNSHIP_NAME"]


def county_name() -> str:
    """``COUNTY_NAME`` of the deployment ("" when unset: the pages say 全县 instead)."""
    return (current_app.config.get("COUNTY_NAME") or "").strip()


def supervision_phone(township=None) -> str:
    return getattr(_township(township), "supervision_phone", None) or current_app.config["SUPERVISION_PHONE"]


def public_base_url(township=None) -> str:
    """The deployment's ``PUBLIC_BASE_URL`` plus the township's own path, when it has one."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    path = (getattr(_township(township), "public_base_path", None) or "").strip("/")
    return f"{base}/{path}" if path else base


def bad_rating_due_workdays() -> int:
    """差评整改反馈 within this many working days of the rating (issue 14 §1)."""
    return int(current_app.config.get("BAD_RATING_DUE_WORKDAYS", 15))
