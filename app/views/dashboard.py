"""Dashboards (chart data, a village's dashboard for the township) and printable notices —
SPEC §10, policy §二(四)4, §三2, §六(二), §六(四).

The dashboards themselves are the home page (``app.views.home``; both screens are built in
``app.views.dashboard_pages``); here are:

- ``/dashboard/village/<code>`` — one village's dashboard (township staff drill down; a
  village user reaches only their own: the lookup is village-scoped, others are 404);
- ``/dashboard/data/township`` and ``/dashboard/data/village`` — chart data (JSON);
- ``/notices/…`` — A4 print pages: 代办事项明白卡, 代办员公示牌 (each with the QR code of
  the village's public page) and the monthly 公开栏 publication of handled matters.
"""

from __future__ import annotations

from flask import abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..exports.qr import QrTarget, public_address, qr_target
from ..extensions import db
from ..models import Agent, Village
from ..policy import PolicyViolation
from ..policy.periods import parse_month, previous_month
from ..policy.roles import is_village_user
from ..services import calendar as calendar_service
from ..services import dashboard as dashboard_service
from ..services import public as public_service
from . import dashboard_pages


def _village_or_404(code: str | None) -> Village:
    """A village the current user may see (the query is village-scoped), else 404."""
    if not code:
        abort(404)
    village = db.session.execute(select(Village).where(Village.code == code.upper())).scalar_one_or_none()
    if village is None:
        abort(404)
    return village


def village_qr(code: str) -> QrTarget:
    """The QR code of a village's public page for the printed notices (at ``PUBLIC_BASE_URL``)."""
    path = url_for("public.village", code=code)
    return qr_target(public_address(current_app.config.get("PUBLIC_BASE_URL"), request.url_root, path))


def _public_village(code: str) -> public_service.PublicVillage | None:
    """The village's public facts, its agent's photo at the public page's address."""
    v = public_service.village(code)
    if v is None or v.photo_version is None:
        return v
    return v.with_photo_url(url_for("public.agent_photo", code=v.code, v=v.photo_version))


def _own_village() -> Village | None:
    user = g.user
    return getattr(user, "village", None) if is_village_user(user) else None


class DashboardView(BaseView):
    route_base = "/dashboard"
    class_permission_name = "Dashboard"
    base_permissions = ["can_read"]
    method_permission_name = {
        "mine": "read",
        "village": "read",
        "villages": "read",
        "township_data": "read",
        "village_data": "read",
    }
    default_view = "mine"

    @expose("/")
    @has_access
    def mine(self):
        """The current user's dashboard: the home page."""
        return redirect(self.appbuilder.get_url_for_index)

    @expose("/village/<code>")
    @has_access
    def village(self, code: str):
        village = _village_or_404(code)
        own = _own_village()
        today = calendar_service.today()
        d = dashboard_pages.village_dashboard(
            village,
            today,
            todo_village_id=None if own else village.id,
            period=dashboard_pages.requested_period(today),
            endpoint="DashboardView.village",
            code=village.code,
        )
        return self.render_template("dashboard/village.html", d=d, is_agent=False, drilldown=own is None)

    @expose("/villages")
    @has_access
    def villages(self):
        """Every village's row of the township dashboard, a page at a time (a village user: their own)."""
        page = request.args.get("page", "1")
        number = int(page) if page.isdigit() and len(page) < 6 else 1
        today = calendar_service.today()
        d = dashboard_pages.village_table_page(
            number,
            problems_only=request.args.get("problems") == "1",
            today=today,
            period=dashboard_pages.requested_period(today),
        )
        return self.render_template("dashboard/villages.html", d=d, title=_l("各村情况"))

    @expose("/data/township")
    @has_access_api
    def township_data(self):
        today = calendar_service.today()
        try:
            period = dashboard_pages.period_from(today)
        except PolicyViolation as exc:
            return jsonify({"message": str(exc.message)}), 400
        return jsonify(dashboard_pages.township_chart_data(today, period))

    @expose("/data/village")
    @has_access_api
    def village_data(self):
        code = request.args.get("code")
        village = _village_or_404(code) if code else _own_village()
        if village is None:
            abort(404)
        today = calendar_service.today()
        try:
            period = dashboard_pages.period_from(today)
        except PolicyViolation as exc:
            return jsonify({"message": str(exc.message)}), 400
        return jsonify(dashboard_pages.village_chart_data(village, today, period))


class NoticeView(BaseView):
    """Printable notices per village (A4, print CSS) — resource "Document"."""

    route_base = "/notices"
    class_permission_name = "Document"
    base_permissions = ["can_read"]
    method_permission_name = {"index": "read", "card": "read", "board": "read", "bulletin": "read"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        villages = (
            db.session.execute(select(Village).where(Village.active.is_(True)).order_by(Village.code)).scalars().all()
        )
        today = calendar_service.today()
        prev = previous_month(today.year, today.month)
        return self.render_template(
            "notices/index.html",
            villages=villages,
            prev_month=f"{prev[0]}-{prev[1]:02d}",
            title=_l("公示材料打印"),
            qr_warning=village_qr(villages[0].code).warning if villages else None,
        )

    def _common(self, village: Village) -> dict:
        target = village_qr(village.code)
        return {
            "village": village,
            "public": _public_village(village.code),
            # the village's township: its name, supervision phone, office hours (issue 15 §1)
            "contacts": public_service.contacts(village),
            "state": public_service.current_state(place=village),
            "page_url": target.url,
            "qr": target.svg,
            "qr_warning": target.warning,
            "today": calendar_service.today(),
        }

    @staticmethod
    def _agent(village: Village) -> Agent | None:
        """The village's agent in post (the same choice as the public page): for the board's mobile."""
        return db.session.execute(
            select(Agent)
            .where(Agent.village_id == village.id, Agent.level == "village", Agent.status == "active")
            .order_by(Agent.hired_on.desc(), Agent.id.desc())
            .limit(1)
        ).scalar_one_or_none()

    @expose("/card/<code>")
    @has_access
    def card(self, code: str):
        village = _village_or_404(code)
        full = request.args.get("materials") == "1"  # with every item's materials (a few pages)
        return render_template(
            "notices/card.html", catalog=public_service.catalog(village), full=full, **self._common(village)
        )

    @expose("/board/<code>")
    @has_access
    def board(self, code: str):
        village = _village_or_404(code)
        return render_template("notices/board.html", agent=self._agent(village), **self._common(village))

    @expose("/bulletin/<code>")
    @has_access
    def bulletin(self, code: str):
        village = _village_or_404(code)
        today = calendar_service.today()
        month_text = request.args.get("month")
        try:
            year, month = parse_month(month_text) if month_text else previous_month(today.year, today.month)
        except PolicyViolation as exc:
            return render_template("notices/bulletin.html", error=exc.message, **self._common(village)), 400
        return render_template(
            "notices/bulletin.html",
            b=dashboard_service.bulletin(village, year, month, today),
            **self._common(village),
        )


def register(appbuilder) -> None:
    from .menu import add_menu_view

    appbuilder.add_view_no_menu(DashboardView)
    add_menu_view(appbuilder, NoticeView, "Document", _l("公示材料打印"), "fa-print", "Basics")
