"""App-level web plumbing: error pages, out-of-scope handling, request hooks.

Agents' photos are served by ``AgentView.photo`` (logged in, village-scoped) and the public
``public.agent_photo`` (the on-duty agent of an active village) — never from a bare folder."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l

from .extensions import db
from .security import OutOfScope, log_denied_access
from .services.errors import DomainError


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_web(app: Flask) -> None:
    from .services.documents import unbroken_ranges
    from .services.exports import chinese_date, chinese_datetime

    app.jinja_env.filters["cn_date"] = chinese_date  # 2026年12月1日 on printed documents
    app.jinja_env.filters["cn_datetime"] = chinese_datetime
    app.jinja_env.filters["unbroken_ranges"] = unbroken_ranges  # 9:00—11:30 never split over lines

    @app.errorhandler(OutOfScope)
    def out_of_scope(exc):
        db.session.rollback()
        return _error(404)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        if _wants_json():
            return jsonify(exc.as_dict()), exc.status
        return render_template("bm/error.html", code=exc.status, message=exc.message, base_template=app.appbuilder.base_template, appbuilder=app.appbuilder), exc.status

    @app.errorhandler(404)
    def not_found(exc):
        return _error(404)

    @app.errorhandler(403)
    def forbidden(exc):
        return _error(403)

    @app.errorhandler(405)
    def not_allowed(exc):
        return _error(405)

    @app.errorhandler(500)
    def server_error(exc):
        db.session.rollback()
        return _error(500)

    @app.after_request
    def log_probe(response):
        if response.status_code == 404:
            log_denied_access(404)
        return response

    def _error(code: int):
        messages = {
            403: _l("您的角色无权进行此操作"),
            404: _l("页面不存在，或您无权查看该记录"),
            405: _l("不支持此操作方式"),
            500: _l("系统出现错误，操作未完成，请稍后重试或联系乡便民服务中心"),
        }
        message = str(messages.get(code, _l("请求无法处理")))
        if _wants_json():
            return jsonify(message=message), code
        return (
            render_template("bm/error.html", code=code, message=message, base_template=app.appbuilder.base_template, appbuilder=app.appbuilder),
            code,
        )
