"""The first screen: a landing page for visitors, the dashboard for everyone logged in."""

from __future__ import annotations

from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from ..policy.roles import ROLE_COUNTY, has_role
from ..services.home import home_context
from .dashboard_pages import home_dashboard


class HomeView(IndexView):
    index_template = "bm/index.html"

    @expose("/")
    def index(self):
        user = g.user
        if user is None or not user.is_authenticated:
            return self.render_template(self.index_template, appbuilder=self.appbuilder, home=None)
        if has_role(user, ROLE_COUNTY):  # 县政务服务中心: the county dashboard is its home
            return redirect(url_for("CountyDashboardView.index"))
        can_read = self.appbuilder.sm.has_access("can_read", "Dashboard")
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder, home=home_dashboard(home_context(user, can_read))
        )
