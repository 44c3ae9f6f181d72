"""Headers, requests and error logging (issue 10 §4, §5)."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
from flask_appbuilder import Model

from app.extensions import db
from tests.factories import PASSWORD

HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _assert_security_headers(response):
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert re.search(r"script-src 'self' 'nonce-[A-Za-z0-9_-]{16,}'", csp)
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    return csp


# -- §4 headers ---------------------------------------------------------------------------------
def test_headers_on_an_html_page_a_json_response_and_a_static_file(login, client, world):
    _assert_security_headers(login("zhongxin").get("/case/list/"))
    _assert_security_headers(client.get("/login/"))
    _assert_security_headers(client.get("/public/"))
    api = client.post("/api/v1/security/login", json={"username": "zhongxin", "password": PASSWORD, "provider": "db"})
    assert api.is_json
    _assert_security_headers(api)
    static = client.get("/static/bm/app.css")
    assert static.status_code == 200
    _assert_security_headers(static)
    _assert_security_headers(client.get("/static/appbuilder/js/ab.js"))
    _assert_security_headers(client.get("/no/such/page"))


def test_fab_scripts_carry_this_requests_nonce(login):
    c = login("zhongxin")
    r = c.get("/case/list/")
    nonce = re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
    html = r.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    executable = [s for s in scripts if 'type="application/json"' not in s]
    assert all(f'nonce="{nonce}"' in s for s in executable), [s for s in executable if nonce not in s]
    other = c.get("/case/list/").headers["Content-Security-Policy"]
    assert nonce not in other  # a fresh nonce per response


def test_no_inline_event_handlers_in_templates():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "app" / "templates"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.html")
        if re.search(r"\son[a-z]+\s*=\s*[\"']", p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_session_cookie_secure_when_configured(app, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    r = app.test_client().post("/login/", data={"username": "zhongxin", "password": PASSWORD})
    assert "Secure" in r.headers["Set-Cookie"]
    assert r.status_code == 302 and r.location.startswith("/")  # no forced HTTPS redirect


def test_no_https_redirect_by_default(client, world):
    r = client.get("/login/")
    assert r.status_code == 200 and "Secure" not in r.headers.get("Set-Cookie", "")


def test_413_page_in_chinese(app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    r = client.post("/login/", data={"username": "x" * 4000, "password": "y"})
    assert r.status_code == 413
    html = r.get_data(as_text=True)
    assert "提交的内容过大" in html and 'id="loginbox"' in html and "Request Entity Too Large" not in html
    api = client.post("/api/v1/security/login", data=b"{" + b" " * 4000 + b"}", content_type="application/json")
    assert api.status_code == 413 and "提交的内容过大" in api.json["message"]


def test_429_page_in_chinese(app, world):
    from werkzeug.exceptions import TooManyRequests

    @app.route("/_test/busy")
    def busy():
        raise TooManyRequests()

    r = app.test_client().get("/_test/busy")
    assert r.status_code == 429
    html = r.get_data(as_text=True)
    assert "访问过于频繁，请稍后再试" in html and "Too Many Requests" not in html


# -- §4 CSRF on cookie-authenticated API writes ------------------------------------------------------
@pytest.fixture
def csrf_app(tmp_path):
    from app import create_app

    app = create_app(
        "config.Config",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / ('c' + uuid.uuid4().hex[:6] + '.db')}",
        SECRET_KEY="t-" + uuid.uuid4().hex,
        TESTING=True,
        WTF_CSRF_ENABLED=True,
        RATELIMIT_ENABLED=False,
        FAB_PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
    )
    with app.app_context():
        Model.metadata.create_all(db.engine)
        from tests.factories import build_world

        build_world()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_cookie_authenticated_api_writes_need_the_csrf_token(csrf_app):
    c = csrf_app.test_client()
    token = _csrf(c.get("/login/").get_data(as_text=True))
    assert (
        c.post("/login/", data={"username": "zhongxin", "password": PASSWORD, "csrf_token": token}).status_code == 302
    )
    assert c.get("/api/v1/village/").status_code == 200  # reading with the cookie is fine
    body = {"name": "新村", "code": "XC", "service_phone": "0731-84562009", "active": True}
    refused = c.post("/api/v1/village/", json=body)
    assert refused.status_code == 400 and "CSRF" in refused.json["message"] and "请刷新页面" in refused.json["message"]
    token = _csrf(c.get("/village/add").get_data(as_text=True))
    accepted = c.post("/api/v1/village/", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201, accepted.get_data(as_text=True)


def test_jwt_api_writes_need_no_csrf_token(csrf_app):
    c = csrf_app.test_client()
    r = c.post("/api/v1/security/login", json={"username": "zhongxin", "password": PASSWORD, "provider": "db"})
    assert r.status_code == 200  # the API login itself takes no CSRF token
    headers = {"Authorization": f"Bearer {r.json['access_token']}"}
    body = {"name": "新村", "code": "XC", "service_phone": "0731-84562009", "active": True}
    assert c.post("/api/v1/village/", json=body, headers=headers).status_code == 201


# -- §5 errors are logged -----------------------------------------------------------------------------
def test_unhandled_exception_logged_with_traceback_and_request_id(app, client, world, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/_test/boom")
    def boom():
        raise RuntimeError("boom for the log")

    with caplog.at_level(logging.ERROR):
        r = client.get("/_test/boom", headers={"X-Request-ID": "req-4711"})
    assert r.status_code == 500 and r.headers["X-Request-ID"] == "req-4711"
    assert "系统出现错误" in r.get_data(as_text=True)
    records = [rec for rec in caplog.records if rec.exc_info and "boom for the log" in str(rec.exc_info[1])]
    assert records and records[0].request_id == "req-4711"
    assert "RuntimeError" in caplog.text and "Traceback" in caplog.text


def test_api_500_logged_with_traceback_after_migrations_ran(app, login, world, caplog, monkeypatch, empty_db_url):
    """migrations/env.py must not disable flask_appbuilder.api's logger (python run.py upgrades first)."""
    from flask_migrate import upgrade

    from app import create_app
    from app.api.base import BmModelRestApi

    other = create_app("config.Config", SQLALCHEMY_DATABASE_URI=empty_db_url, SECRET_KEY=uuid.uuid4().hex, TESTING=True)
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        root.handlers = []  # as in `python run.py` before logging is set up: env.py's fileConfig runs
        with other.app_context():
            upgrade()
    finally:
        root.handlers, root.level = saved_handlers, saved_level
    assert not logging.getLogger("flask_appbuilder.api").disabled
    with other.app_context():
        upgrade()  # with logging configured (the usual case): fileConfig is skipped
    assert not logging.getLogger("flask_appbuilder.api").disabled

    def explode(self, **kwargs):
        raise ZeroDivisionError("api boom")

    monkeypatch.setattr(BmModelRestApi, "get_list_headless", explode)
    headers = {"X-Request-ID": "api-req-1"}
    c = app.test_client()
    token = c.post("/api/v1/security/login", json={"username": "zhongxin", "password": PASSWORD, "provider": "db"})
    headers["Authorization"] = f"Bearer {token.json['access_token']}"
    with caplog.at_level(logging.ERROR):
        r = c.get("/api/v1/village/", headers=headers)
    assert r.status_code == 500 and r.headers["X-Request-ID"] == "api-req-1"
    records = [rec for rec in caplog.records if rec.exc_info and isinstance(rec.exc_info[1], ZeroDivisionError)]
    assert records and records[0].name == "flask_appbuilder.api" and records[0].request_id == "api-req-1"


def test_request_id_generated_when_absent_or_malformed(client, world):
    generated = client.get("/login/").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    for bad in ("bad id with spaces", "<script>", "x" * 65):
        assert client.get("/login/", headers={"X-Request-ID": bad}).headers["X-Request-ID"] != bad


def test_log_lines_carry_the_request_id():
    from app.web import LOG_FORMAT

    assert "%(request_id)s" in LOG_FORMAT
    record = logging.getLogger("x").makeRecord("x", logging.ERROR, __file__, 1, "m", (), None)
    assert record.request_id == "-"  # outside a request
