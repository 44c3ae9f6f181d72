"""The system's name on every page (navbar brand, <title>, the home page heading) — issue 15 §1.

A village or township user sees their township's system (“演示镇便民代办服务管理系统”), a
county user or Admin the county's when the deployment has several townships, else the only
township's; nobody signed in (the login page) the deployment's ``APP_NAME``.

``bm_app_name()`` is a Jinja global: the first call of a request asks
:func:`app.services.townships.brand_of` and keeps the answer in ``flask.g``, so the navbar, the
title and the heading cost one look-up per request, not one per call.
"""

from __future__ import annotations

import logging

from flask import current_app, g, has_request_context
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from ..security import current_user_or_none
from ..services.townships import Brand, brand_of

log = logging.getLogger(__name__)

COUNTY_UNNAMED = _l("全县便民代办服务管理系统")  # several townships, COUNTY_NAME unset
_G_KEY = "bm_app_name"


def deployment_name() -> str:
    """``APP_NAME`` through gettext: the default is a msgid (app/fab_strings.py), so English
    mode shows its English name."""
    return gettext(current_app.config.get("APP_NAME") or current_app.appbuilder.app_name)


def brand_text(brand: Brand) -> str:
    """The name a :class:`Brand` is written as, in the request's language."""
    if brand.level == "deployment":
        return deployment_name()
    if brand.level == "county" and not brand.name:
        return str(COUNTY_UNNAMED)
    # the default deployment's own township keeps APP_NAME's msgid (and its English name)
    if brand.name + "便民代办服务管理系统" == current_app.config.get("APP_NAME"):
        return deployment_name()
    # the product after the township's or county's name; the placeholder keeps English word order
    return str(_l("%(t)s便民代办服务管理系统", t=brand.name))


def bm_app_name() -> str:
    """The system's name for the signed-in user (see the module's docstring)."""
    if not has_request_context():
        return deployment_name()
    cached = g.get(_G_KEY)
    if cached is None:
        try:
            brand = brand_of(current_user_or_none())
        except SQLAlchemyError:  # a database not yet upgraded must not break every page
            log.exception("township brand look-up failed")
            brand = Brand("deployment")
        cached = brand_text(brand)
        setattr(g, _G_KEY, cached)
    return cached


def register(appbuilder) -> None:
    current_app.jinja_env.globals["bm_app_name"] = bm_app_name
