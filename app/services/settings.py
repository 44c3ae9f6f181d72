"""Policy settings from the app config, as the policy layer's types."""

from __future__ import annotations

from decimal import Decimal

from flask import current_app

from ..policy.office_hours import OfficeHours, parse_sessions


def office_hours() -> OfficeHours:
    cfg = current_app.config
    return OfficeHours(
        summer_start=tuple(cfg["SUMMER_STARTS"]),
        winter_start=tuple(cfg["WINTER_STARTS"]),
        summer=parse_sessions(cfg["SUMMER_HOURS"]),
        winter=parse_sessions(cfg["WINTER_HOURS"]),
    )


def deduction_amounts() -> dict[str, Decimal]:
    return {code: Decimal(str(v)) for code, v in current_app.config["DEDUCTION_AMOUNTS"].items()}


def annual_subsidy() -> Decimal:
    return Decimal(str(current_app.config["ANNUAL_SUBSIDY_PER_VILLAGE"]))


def strike_threshold() -> int:
    return int(current_app.config["STRIKE_THRESHOLD"])


def township_name() -> str:
    return current_app.config["TOWNSHIP_NAME"]


def bad_rating_due_workdays() -> int:
    """差评整改反馈 within this many working days of the rating (issue 14 §1)."""
    return int(current_app.config.get("BAD_RATING_DUE_WORKDAYS", 15))
