"""我要反映 — the public form for 群众反映/举报 and the status page of its query code
(政策第二条（四）4; :mod:`app.services.public_reports`).

- ``/public/<code>/report``: GET the form, POST a report (CSRF, the challenge, a rate limit per
  address for POST: ``PUBLIC_REPORT_RATE_LIMIT``); success → ``/public/report/done``.
- ``/public/report/done``: the query code of the report just filed (kept in this browser's session).
- ``/public/report/status``: enter the code (POST, rate-limited: ``PUBLIC_REPORT_STATUS_RATE_LIMIT``)
  → 已收到 / 核实中 / 已办结 and a date; an unknown code gets the same page saying so.

No page here is cached (each carries a CSRF token or a query code).
"""

from __future__ import annotations

from flask import abort, current_app, make_response, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l

from ..extensions import public_limiter
from ..policy.public_reports import QUERY_CODE_LENGTH
from ..services import public_reports as service
from ..services.errors import NotFound, ValidationFailed
from . import data
from .blueprint import public_bp

SESSION_KEY = "public_report_code"
NO_STORE = "no-store"


def _report_limit() -> str:
    return current_app.config.get("PUBLIC_REPORT_RATE_LIMIT") or "5 per hour"


def _status_limit() -> str:
    return current_app.config.get("PUBLIC_REPORT_STATUS_RATE_LIMIT") or "30 per hour"


def _render(template: str, http_status: int = 200, place=None, **context):
    """``place``: the village (or its township id) whose township's contacts the page shows."""
    response = make_response(render_template(template, contacts=data.contacts(place), **context), http_status)
    response.headers["Cache-Control"] = NO_STORE
    return response


def _form_page(target, form: dict | None = None, errors: dict | None = None, status: int = 200):
    return _render(
        "public/report.html",
        status,
        target,
        target=target,
        form=form or {},
        errors=errors or {},
        kinds=service.KINDS,
        challenge=service.new_challenge(),
        max_chars=current_app.config.get("PUBLIC_REPORT_MAX_CHARS") or 1000,
    )


@public_bp.route("/<code>/report", methods=["GET", "POST"])
@public_limiter.limit(_report_limit, methods=["POST"], override_defaults=False)
def report(code: str):
    target = service.target(code)
    if target is None:
        abort(404)
    if request.method == "GET":
        return _form_page(target)
    form = {k: request.form.get(k, "") for k in ("content", "complainant", "complainant_phone", "agent_id", "kind")}
    try:
        query_code = service.submit(code, request.form, request.remote_addr)
    except NotFound:
        abort(404)
    except ValidationFailed as exc:
        return _form_page(target, form, exc.errors, exc.status)
    session[SESSION_KEY] = {"code": query_code, "village": target.name, "township_id": target.township_id}
    return redirect(url_for("public.report_done"), code=303)


@public_bp.route("/report/done")
def report_done():
    filed = session.get(SESSION_KEY)
    if not isinstance(filed, dict) or not filed.get("code"):
        return redirect(url_for("public.report_status"))
    township_id = filed.get("township_id")
    return _render(
        "public/report_done.html",
        place=township_id if isinstance(township_id, int) else None,
        code=filed["code"],
        village=filed.get("village"),
    )


@public_bp.route("/report/status", methods=["GET", "POST"])
@public_limiter.limit(_status_limit, methods=["POST"], override_defaults=False)
def report_status():
    entered = (request.form.get("code") or "").strip()[: QUERY_CODE_LENGTH * 3] if request.method == "POST" else ""
    found = service.status_of(entered) if request.method == "POST" else None
    return _render(
        "public/report_status.html",
        asked=request.method == "POST",
        entered=entered,
        status=found,
        not_found=_l("没有查到这个查询码对应的反映。请核对查询码（共10位，不含数字0、1和字母O、I、L）后重新输入。"),
    )
