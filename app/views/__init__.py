"""Menu and view registration. Menu keys are English (permission names); labels Chinese.

Each feature module here has ``register(appbuilder)`` that adds its views (with
``add_menu_view`` from :mod:`app.views.menu`); ``register_views`` calls them in menu order. The REST resources
are registered by :func:`app.api.register_apis`.
"""

from __future__ import annotations

from .menu import CATEGORY_LABELS, add_menu_view

__all__ = ["CATEGORY_LABELS", "add_menu_view", "register_views"]


def register_views(appbuilder) -> None:
    """Every feature's views, in menu order (a missing module fails here, loudly)."""
    from . import (
        accountability,
        accounts,
        annual,
        attachments,
        audit,
        backup,
        branding,
        cases,
        catalog,
        county,
        dashboard,
        deductions,
        exports,
        imports,
        jobs,
        notifications,
        payouts,
        ratings,
        reports,
        signin,
        supervision,
        villages,
    )

    for feature in (
        branding,
        dashboard,
        county,
        cases,
        attachments,
        signin,
        supervision,
        ratings,
        deductions,
        annual,
        accountability,
        reports,
        payouts,
        exports,
        villages,
        catalog,
        audit,
        backup,
        jobs,
        accounts,
        notifications,
        imports,
    ):
        feature.register(appbuilder)
