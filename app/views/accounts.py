"""登录锁定 (issue 10 §3): the failed-login counters, and the Admin's “解除锁定”."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_appbuilder.actions import action
from flask_babel import lazy_gettext as _l

from ..models.login_throttle import SCOPE_ACCOUNT, LoginThrottle
from ..services import clock, login_throttle
from ..services.errors import DomainError
from .base import READ_WRITE, BmModelView, interface

SCOPES = {SCOPE_ACCOUNT: _l("账号"), "address": _l("来源地址")}


def _local(value) -> str:
    return f"{clock.to_local(value):%Y-%m-%d %H:%M}" if value else ""


class LoginLockView(BmModelView):
    """Admin only (the role has every permission; no other role lists ``LoginLock``)."""

    datamodel = interface(LoginThrottle)
    class_permission_name = "LoginLock"
    route_base = "/loginlock"
    method_permission_name = {**READ_WRITE, "unlock": "write"}
    exclude_route_methods = {"add", "edit", "delete", "download"}
    list_title = _l("登录锁定")
    show_title = _l("登录锁定记录")
    list_columns = ["scope", "key", "failures", "last_failure_at", "locked_until"]
    show_columns = ["scope", "key", "failures", "first_failure_at", "last_failure_at", "locked_until"]
    search_columns = ["scope", "key"]
    base_order = ("locked_until", "desc")
    label_columns = {
        "scope": _l("类型"),
        "key": _l("账号或地址"),
        "failures": _l("窗口内失败次数"),
        "first_failure_at": _l("首次失败时间"),
        "last_failure_at": _l("最近失败时间"),
        "locked_until": _l("锁定至"),
    }
    description_columns = {"locked_until": _l("北京时间；为空或已过去表示未锁定")}
    formatters_columns = {
        "scope": lambda v: str(SCOPES.get(v, v)),
        "first_failure_at": _local,
        "last_failure_at": _local,
        "locked_until": _local,
    }

    @action("unlock", _l("解除锁定"), _l("解除所选账号或地址的登录锁定？"), "fa-unlock")
    def unlock(self, items):
        items = items if isinstance(items, list) else [items]
        try:
            for item in items:
                login_throttle.lift(item.id)
        except DomainError as exc:
            flash(exc.message, "danger")
        else:
            flash(_l("已解除 %(n)s 项登录锁定", n=len(items)), "success")
        return redirect(url_for(".list"))


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, LoginLockView, "LoginLock", _l("登录锁定"), "fa-lock", "System")
