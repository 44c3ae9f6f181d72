"""App-level web plumbing: error pages, out-of-scope handling, request hooks,
security headers (CSP with per-request nonces), request ids in the log, the failed-login
throttle on the login form and ``POST /api/v1/security/login``.

Agents' photos are served by ``AgentView.photo`` (logged in, village-scoped) and the public
``public.agent_photo`` (the on-duty agent of an active village) — never from a bare folder."""

from __future__ import annotations

import logging
import re
import secrets
import uuid

from flask import (
    Flask,
    g,
    has_request_context,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from .extensions import db
from .policy.roles import village_of
from .security import OutOfScope, current_user_or_none
from .services import login_throttle
from .services.audit import record_access_denied
from .services.errors import DomainError

log = logging.getLogger(__name__)

# The login endpoints whose failures are throttled (FAB's form view and its REST login).
FORM_LOGIN_ENDPOINT = "AuthDBView.login"
API_LOGIN_ENDPOINT = "SecurityApi.login"
# Cookie-authenticated API writes need the CSRF token; these API endpoints take no cookie.
CSRF_EXEMPT_API_ENDPOINTS = {API_LOGIN_ENDPOINT, "SecurityApi.refresh"}
_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


# --------------------------------------------------------------------------------------
# Request ids in every log record
# --------------------------------------------------------------------------------------
def current_request_id() -> str:
    if has_request_context():
        return g.get("request_id") or "-"
    return "-"


def install_request_id_logging() -> None:
    """Give every log record a ``request_id`` (``-`` outside a request), once per process."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "bm_request_id", False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = current_request_id()
        return record

    factory.bm_request_id = True
    logging.setLogRecordFactory(factory)


def csp_nonce() -> str:
    """This request's CSP nonce (FAB's templates call it through ``baselib.get_nonce()``)."""
    if not has_request_context():
        return ""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def log_denied_access(status_code: int) -> None:
    """Record a village user's request that ended in 404 (possible probing of other villages)."""
    user = current_user_or_none()
    village_id = village_of(user)
    if village_id is None:
        return
    record_access_denied(user, village_id, request.method, request.full_path, status_code)


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_web(app: Flask) -> None:
    from .policy.periods import chinese_date, chinese_datetime
    from .services.documents import unbroken_ranges

    app.jinja_env.filters["cn_date"] = chinese_date  # 2026年12月1日 on printed documents
    app.jinja_env.filters["cn_datetime"] = chinese_datetime
    app.jinja_env.filters["unbroken_ranges"] = unbroken_ranges  # 9:00—11:30 never split over lines

    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.appbuilder.sm.login_attempt_listener = login_throttle.record_attempt

    @app.before_request
    def take_request_id():
        incoming = request.headers.get(app.config.get("REQUEST_ID_HEADER", "X-Request-ID"), "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.before_request
    def refuse_locked_login():
        if request.method != "POST" or request.endpoint not in (FORM_LOGIN_ENDPOINT, API_LOGIN_ENDPOINT):
            return None
        if request.endpoint == API_LOGIN_ENDPOINT:
            body = request.get_json(silent=True)
            username = body.get("username") if isinstance(body, dict) else None
        else:
            username = request.form.get("username")
        minutes = login_throttle.locked_minutes(username if isinstance(username, str) else None, request.remote_addr)
        if not minutes:
            return None
        message = login_throttle.lock_message(minutes)
        headers = {"Retry-After": str(minutes * 60)}
        if request.endpoint == API_LOGIN_ENDPOINT:
            return jsonify(message=message), 429, headers
        return _notice(429, _l("暂时无法登录"), message), 429, headers

    @app.before_request
    def csrf_for_cookie_api_writes():
        """FAB exempts its API blueprints from CSRF; a write authenticated by the session
        cookie (not by a JWT) must still carry the token (form field or X-CSRFToken header)."""
        if not app.config.get("WTF_CSRF_ENABLED", True) or request.method not in _WRITE_METHODS:
            return
        if not request.path.startswith("/api/") or request.endpoint in CSRF_EXEMPT_API_ENDPOINTS:
            return
        if request.headers.get("Authorization", "").lower().startswith("bearer "):
            return
        if app.config.get("SESSION_COOKIE_NAME", "session") not in request.cookies:
            return
        app.extensions["csrf"].protect()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers[app.config.get("REQUEST_ID_HEADER", "X-Request-ID")] = current_request_id()
        return response

    @app.route("/users/resetmypassword/")
    def resetmypassword_alias():
        return redirect(url_for(type(app.appbuilder.sm).resetmypasswordview.__name__ + ".this_form_get"))

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        message = str(_l("缺少或无效的 CSRF 令牌，请刷新页面后重试"))
        if _wants_json():
            return jsonify(message=message), 400
        return _notice(400, _l("请求已失效"), message), 400

    @app.errorhandler(413)
    def too_large(exc):
        limit_mb = (app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024)
        message = str(_l("提交的内容过大（上限 %(mb)s MB），请缩小文件后重试", mb=limit_mb))
        if _wants_json():
            return jsonify(message=message), 413
        return _notice(413, _l("提交的内容过大"), message), 413

    @app.errorhandler(429)
    def too_many(exc):
        message = str(_l("访问过于频繁，请稍后再试"))
        if _wants_json():
            return jsonify(message=message), 429
        return _notice(429, _l("访问过于频繁"), message), 429

    @app.errorhandler(OutOfScope)
    def out_of_scope(exc):
        db.session.rollback()
        return _error(404)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        db.session.rollback()
        if _wants_json():
            return jsonify(exc.as_dict()), exc.status
        return render_template(
            "bm/error.html",
            code=exc.status,
            message=exc.message,
            base_template=app.appbuilder.base_template,
            appbuilder=app.appbuilder,
        ), exc.status

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

    def _notice(code: int, title, message: str):
        """A page styled like the login page (lockout, 413, 429)."""
        return render_template(
            "bm/notice.html",
            code=code,
            title=str(title),
            message=message,
            base_template=app.appbuilder.base_template,
            appbuilder=app.appbuilder,
        )

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
            render_template(
                "bm/error.html",
                code=code,
                message=message,
                base_template=app.appbuilder.base_template,
                appbuilder=app.appbuilder,
            ),
            code,
        )
