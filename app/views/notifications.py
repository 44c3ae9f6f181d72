"""The bell and 我的提醒 (issue 14 §3): every role sees the unread count of their own in-app
notifications in the navbar and lists them at ``/notifications/`` (mark one or all read).

Only the user's own rows are listed, and the outbox is village-scoped like every other table,
so a village user never reaches another village's notification — by list or by URL (404).
"""

from __future__ import annotations

from flask import abort, current_app, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from ..services import clock
from ..services import notifications as service
from ..services.errors import NotFound

#: Where “查看” of a notification leads (the record it is about), by about_type.
ABOUT_ENDPOINTS = {
    service.ABOUT_CASE: "CaseView.show",
    service.ABOUT_AGENT: "AgentView.show",
    service.ABOUT_REPORT: "MonthlyReportView.show",
    service.ABOUT_VILLAGE: "VillageView.show",
    service.ABOUT_BAD_RATING: "BadRatingView.show",
}


def about_url(row) -> str | None:
    endpoint = ABOUT_ENDPOINTS.get(row.about_type or "")
    if endpoint is None or row.about_id is None:
        return None
    try:
        return url_for(endpoint, pk=row.about_id)
    except BuildError:
        return None


def _user_id() -> int | None:
    user = getattr(g, "user", None)
    return user.id if user is not None and getattr(user, "is_authenticated", False) else None


class NotificationView(BaseView):
    route_base = "/notifications"
    class_permission_name = "Notification"
    base_permissions = ["can_read"]
    method_permission_name = {"mine": "read", "read_one": "read", "read_all": "read"}
    default_view = "mine"

    @expose("/")
    @has_access
    def mine(self):
        page = request.args.get("page", "1")
        box = service.inbox(
            _user_id(),
            page=int(page) if page.isdigit() and len(page) < 6 else 1,
            unread_only=request.args.get("unread") == "1",
        )
        return self.render_template(
            "notifications/mine.html",
            title=_l("我的提醒"),
            box=box,
            unread_only=request.args.get("unread") == "1",
            kinds=service.KIND_LABELS,
            about_url=about_url,
            local=clock.to_local,
        )

    @expose("/read/<int:pk>", methods=["POST"])
    @has_access
    def read_one(self, pk: int):
        try:
            row = service.mark_read(pk, _user_id())
        except NotFound:
            abort(404)
        target = about_url(row) if request.form.get("open") == "1" else None
        return redirect(target or url_for("NotificationView.mine", unread=request.args.get("unread") or None))

    @expose("/read-all", methods=["POST"])
    @has_access
    def read_all(self):
        service.mark_all_read(_user_id())
        return redirect(url_for("NotificationView.mine"))


def unread_notifications() -> int:
    """The navbar bell's count (0 for anonymous visitors)."""
    user_id = _user_id()
    if user_id is None:
        return 0
    try:
        return service.unread_count(user_id)
    except Exception:  # noqa: BLE001 — a missing table (not yet upgraded) must not break every page
        return 0


def register(appbuilder) -> None:
    appbuilder.add_view_no_menu(NotificationView())
    current_app.jinja_env.globals["bm_unread_notifications"] = unread_notifications
