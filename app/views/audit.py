"""Read-only audit log for Admin and 乡纪检办 (SPEC §12)."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from ..models import AuditLog
from .base import ReadOnlyModelView, interface

ACTIONS = {"create": _l("新增"), "update": _l("修改"), "delete": _l("删除"), "denied": _l("越权或不存在的访问")}


def _changes(value) -> str:
    if not value:
        return ""
    if "path" in value:
        return f"{value.get('method')} {value.get('path')} → {value.get('status')}"
    return "；".join(
        f"{k}: {json.dumps(v[0], ensure_ascii=False)} → {json.dumps(v[1], ensure_ascii=False)}" for k, v in value.items()
    )


class AuditLogView(ReadOnlyModelView):
    datamodel = interface(AuditLog)
    class_permission_name = "AuditLog"
    route_base = "/auditlog"
    list_title = _l("审计日志")
    show_title = _l("审计记录")
    list_columns = ["at", "user_name", "action", "table_name", "row_id", "summary", "changes"]
    show_columns = ["at", "user_name", "action", "table_name", "row_id", "village_id", "summary", "changes"]
    search_columns = ["at", "user_name", "action", "table_name", "row_id", "village_id"]
    base_order = ("id", "desc")
    label_columns = {
        "at": _l("时间（UTC）"),
        "user_name": _l("操作人"),
        "action": _l("操作"),
        "table_name": _l("数据表"),
        "row_id": _l("记录号"),
        "village_id": _l("村编号"),
        "summary": _l("记录"),
        "changes": _l("变更内容（原值 → 新值）"),
    }
    formatters_columns = {"action": lambda v: str(ACTIONS.get(v, v)), "changes": _changes}


def register(appbuilder) -> None:
    from . import add_menu_view

    add_menu_view(appbuilder, AuditLogView, "AuditLog", _l("审计日志"), "fa-history", "System")
