"""全县汇总 (issue 15 §1): the county dashboard of 县政务服务中心 (and Admin) — one row per township."""

from __future__ import annotations

from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from ..policy.money import money_text
from ..services import county as county_service
from .base import month_arg
from .menu import add_menu_view


class CountyDashboardView(BaseView):
    route_base = "/county"
    class_permission_name = "CountyDashboard"
    default_view = "index"
    method_permission_name = {"index": "read"}

    @expose("/")
    @has_access
    def index(self):
        year, month = month_arg()
        board = county_service.county_board(year, month)
        return self.render_template(
            "dashboard/county.html",
            board=board,
            month_value=f"{year}-{month:02d}",
            money=money_text,
            title=_l("全县汇总"),
        )


def register(appbuilder) -> None:
    add_menu_view(appbuilder, CountyDashboardView(), "CountyDashboard", _l("全县汇总"), "fa-globe", "Supervision")
