"""Menu and view registration. Menu keys are English (permission names); labels Chinese.

Each feature module here has ``register(appbuilder)`` that adds its views and APIs (with
``add_menu_view`` below); FEATURES fixes the menu order.
"""

from __future__ import annotations

import logging
from importlib import import_module

from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)

CATEGORY_LABELS = {
    "Ledger": _l("代办台账"),
    "Supervision": _l("督查考核"),
    "Money": _l("补助发放"),
    "Basics": _l("村与代办员"),
    "System": _l("系统"),
}
FEATURES = (
    "dashboard",
    "cases",
    "signin",
    "supervision",
    "deductions",
    "reports",
    "payouts",
    "exports",
    "villages",
    "catalog",
    "audit",
    "backup",
    "accounts",
)


def add_menu_view(appbuilder, view, name: str, label, icon: str, category: str | None) -> None:
    """Add a view under one of our menu categories (``name`` = its permission resource)."""
    if category is None:
        appbuilder.add_view_no_menu(view)
        return
    appbuilder.add_view(view, name, label=label, icon=icon, category=category, category_label=CATEGORY_LABELS[category])


def register_views(appbuilder) -> None:
    for feature in FEATURES:
        try:
            module = import_module(f"{__name__}.{feature}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{feature}":
                raise
            log.warning("feature %s not present", feature)
            continue
        module.register(appbuilder)
    # The OpenAPI document at /api/v1/_openapi, without FAB's Swagger UI (it loads a CDN).
    from flask_appbuilder.api.manager import OpenApi

    appbuilder.add_api(OpenApi)
