"""Anonymous public disclosure pages at /public/ — policy §二(四)4, §三2, §六(四), SPEC §10.

Read-only (GET only), rate-limited (``PUBLIC_RATE_LIMIT``), every read ``with unscoped()``
(see :mod:`app.services.public`). Mobile-first HTML that needs no JavaScript, readable in
WeChat's browser. The factory registers the blueprint (``register_public``).
"""

from __future__ import annotations

from . import rate, views  # noqa: F401  (the routes, on the blueprint)
from .blueprint import public_bp, register_public

__all__ = ["public_bp", "register_public"]
