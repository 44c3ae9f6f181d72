"""签到考勤 views (SPEC §7, 坐班): the agent's one-tap daily sign-in, today's board, the
sign-in records and the monthly attendance overview — over ``services.signin``.
"""

from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..extensions import db
from ..models import SignIn
from ..policy.office_hours import describe_schedule
from ..services import signin as signin_service
from ..services.calendar import now_local
from ..services.errors import DomainError
from ..services.settings import office_hours
from .base import ReadOnlyModelView, can, expose, has_access, interface, month_arg


class SignInView(ReadOnlyModelView):
    datamodel = interface(SignIn)
    class_permission_name = "SignIn"
    route_base = "/signin"
    list_title = _l("签到记录")
    show_title = _l("签到详情")
    list_template = "supervision/list.html"
    base_permissions = ["can_read", "can_sign"]
    exclude_route_methods = {"delete", "add", "edit"}
    default_view = "today"

    list_columns = ["day", "village", "agent", "signed_at", "late"]
    show_columns = ["day", "village", "agent", "signed_at", "late", "note"]
    search_columns = ["day", "village", "agent", "late"]
    order_columns = ["day", "village", "signed_at"]
    base_order = ("day", "desc")
    label_columns = {
        "day": _l("日期"),
        "village": _l("村"),
        "agent": _l("代办员"),
        "signed_at": _l("签到时间"),
        "late": _l("迟到"),
        "note": _l("备注"),
    }
    formatters_columns = {
        "late": lambda v: (
            Markup('<span class="label label-warning">{}</span>').format(_l("迟到")) if v else str(_l("按时"))
        ),
        "signed_at": lambda v: f"{v:%H:%M}" if v else "",
    }

    def list_toolbar(self) -> str:
        return Markup(
            '<a class="btn btn-sm btn-default" href="{}">{}</a> <a class="btn btn-sm btn-default" href="{}">{}</a>'
        ).format(url_for("SignInView.today"), _l("今日签到"), url_for("SignInView.overview"), _l("月度考勤统计"))

    @expose("/today")
    @has_access
    @permission_name("read")
    def today(self):
        """The agent's one-tap sign-in (phone); for other users, today's sign-ins."""
        now = now_local()
        agent = signin_service.agent_of_user(g.user)
        mine = signin_service.signin_of(agent.id, now.date()) if agent else None
        summary = None
        if agent is not None:
            rows = signin_service.month_overview(now.year, now.month, agent.village_id, now)
            summary = next((r.summary for r in rows if r.agent.id == agent.id), None)
        board = [] if agent is not None else signin_service.today_board(now)
        # whose hours: the agent's village's township, else the user's village or township
        place = agent.village if agent is not None else (g.user.village or g.user.township)
        return self.render_template(
            "supervision/signin_today.html",
            title=_l("每日签到"),
            now=now,
            agent=agent,
            mine=mine,
            summary=summary,
            board=board,
            status=signin_service.today_status(now, place),
            can_sign=can("can_sign", "SignIn") and agent is not None and agent.status == "active",
            schedule=describe_schedule(office_hours(place)),
            weekday="一二三四五六日"[now.weekday()],
        )

    @expose("/sign", methods=["POST"])
    @has_access
    @permission_name("sign")
    def sign(self):
        agent = signin_service.agent_of_user(g.user)
        try:
            row = signin_service.sign_in(agent)
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "warning" if exc.status == 409 else "danger")
        else:
            if row.late:
                flash(_l("已签到（%(t)s），迟于坐班开始时间，记为迟到", t=row.signed_at.strftime("%H:%M")), "warning")
            else:
                flash(_l("签到成功（%(t)s）", t=row.signed_at.strftime("%H:%M")), "success")
        return redirect(url_for("SignInView.today"))

    @expose("/overview")
    @has_access
    @permission_name("read")
    def overview(self):
        """Per agent and month: working days, signed, on time, late, missing."""
        year, month = month_arg()
        now = now_local()
        rows = signin_service.month_overview(year, month, None, now)
        return self.render_template(
            "supervision/signin_overview.html",
            title=_l("签到考勤统计"),
            year=year,
            month=month,
            rows=rows,
            now=now,
        )


def register(appbuilder) -> None:
    from .menu import CATEGORY_LABELS, add_menu_view

    supervision = {"category": "Supervision", "category_label": CATEGORY_LABELS["Supervision"]}
    add_menu_view(appbuilder, SignInView, "SignIn", _l("每日签到"), "fa-check-square-o", "Supervision")
    appbuilder.add_link(
        "SignIn", href="SignInView.overview", label=_l("签到考勤统计"), icon="fa-calendar-check-o", **supervision
    )


__all__ = ["SignInView", "register"]
