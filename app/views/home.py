"""The first screen after login."""

from __future__ import annotations

from flask import g
from flask_appbuilder import IndexView, expose

from ..services.home import home_context


class HomeView(IndexView):
    index_template = "bm/index.html"

    @expose("/")
    def index(self):
        user = g.user
        if user is None or not user.is_authenticated:
            return self.render_template(self.index_template, appbuilder=self.appbuilder, home=None)
        return self.render_template(self.index_template, appbuilder=self.appbuilder, home=home_context(user))
