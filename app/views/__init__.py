"""Menu and view registration. Menu keys are English (permission names); labels Chinese."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

CATEGORY_LABELS = {
    "Ledger": _l("代办台账"),
    "Supervision": _l("督查考核"),
    "Money": _l("补助发放"),
    "Basics": _l("村与代办员"),
    "System": _l("系统"),
}


def register_views(appbuilder) -> None:
    from ..api.villages import AgentApi, VillageApi
    from .audit import AuditLogView
    from .villages import AgentView, VillageView

    def add(view, name, label, icon, category):
        appbuilder.add_view(
            view,
            name,
            label=label,
            icon=icon,
            category=category,
            category_label=CATEGORY_LABELS[category],
        )

    add(VillageView, "Village", _l("行政村"), "fa-home", "Basics")
    add(AgentView, "Agent", _l("代办员"), "fa-user", "Basics")
    add(AuditLogView, "AuditLog", _l("审计日志"), "fa-history", "System")
    appbuilder.add_api(VillageApi)
    appbuilder.add_api(AgentApi)
