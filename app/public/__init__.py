"""Anonymous public disclosure pages at /public/ — policy §二(四)4, §三2, §六(四), SPEC §10.

Read-only (GET only), rate-limited (``PUBLIC_RATE_LIMIT``), every read ``with unscoped()``
(see :mod:`app.public.data`). Mobile-first HTML that needs no JavaScript, readable in
WeChat's browser. Registered by :func:`app.views.dashboard.register`.
"""

from __future__ import annotations

from flask import Blueprint, current_app

from ..extensions import public_limiter

public_bp = Blueprint("public", __name__, url_prefix="/public")

# One limit for every page of the blueprint, read from the config at request time.
public_limiter.limit(lambda: current_app.config["PUBLIC_RATE_LIMIT"])(public_bp)

from . import views  # noqa: E402,F401  (routes)

__all__ = ["public_bp"]
