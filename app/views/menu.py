"""Our menu categories: keys are English (permission names), labels Chinese."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "Ledger": _l("代办台账"),
    "Supervision": _l("督查考核"),
    "Money": _l("补助发放"),
    "Basics": _l("村与代办员"),
    "System": _l("系统"),
}


def add_menu_view(appbuilder, view, name: str, label, icon: str, category: str | None) -> None:
    """Add a view under one of our menu categories (``name`` = its permission resource)."""
    if category is None:
        appbuilder.add_view_no_menu(view)
        return
    appbuilder.add_view(view, name, label=label, icon=icon, category=category, category_label=CATEGORY_LABELS[category])
