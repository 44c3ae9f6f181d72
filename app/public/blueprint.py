"""The blueprint of the public pages at /public/ (GET only, one rate limit for all)."""

from __future__ import annotations

from flask import Blueprint, current_app

from ..extensions import public_limiter

public_bp = Blueprint("public", __name__, url_prefix="/public")

# One limit for every page of the blueprint, read from the config at request time.
public_limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"])(public_bp)


def register_public(app) -> None:
    """Called by the factory (``create_app``): the routes are on the blueprint already."""
    app.register_blueprint(public_bp)
