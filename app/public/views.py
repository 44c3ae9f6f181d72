"""Routes of the public pages (GET only; the 我要反映 form posts: ``report.py``)."""

from __future__ import annotations

import io
import os

from flask import abort, make_response, render_template, request, send_file, send_from_directory
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from ..exports.qr import qr_inline_svg, qr_png, qr_svg
from ..services import calendar as calendar_service
from ..services import ratings as rating_service
from ..services.photos import photo_path
from . import data
from .blueprint import public_bp
from .data import public_url

CACHE = "private, max-age=60"  # browsers only: a shared cache must never keep a response with a session cookie


def _page(template: str, place=None, **context):
    """A public page with the contacts of ``place``'s township (the deployment's without one)."""
    response = make_response(render_template(template, contacts=data.contacts(place), **context))
    response.headers["Cache-Control"] = CACHE
    return response


@public_bp.route("/")
def index():
    """Every active village under its township's heading (issue 15 §1)."""
    now = calendar_service.now_local()
    groups = data.township_groups()
    # open now? by the townships' hours when they all keep the same (else each group shows its own)
    state = data.current_state(now, groups[0] if groups else None)
    return _page("public/index.html", groups=groups, state=state)


@public_bp.route("/<code>")
def village(code: str):
    v = data.village(code)
    if v is None:
        abort(404)
    now = calendar_service.now_local()
    url = public_url("public.village", code=v.code)
    return _page(
        "public/village.html",
        v,  # its township's name, supervision phone and office hours
        village=v,
        state=data.current_state(now, v),
        catalog=data.catalog(v),
        months=data.published_months(v.code, now.date()),
        rating_months=rating_service.public_counts(v.code, now.date()),
        page_url=url,
        qr=qr_inline_svg(url, scale=4),
    )


def _qr(code: str, kind: str):
    v = data.village(code)
    if v is None:
        abort(404)
    url = public_url("public.village", code=v.code)
    body, mimetype = (qr_png(url), "image/png") if kind == "png" else (qr_svg(url), "image/svg+xml")
    response = send_file(
        io.BytesIO(body),
        mimetype=mimetype,
        as_attachment=bool(request.args.get("download")),
        download_name=f"{v.name}便民代办二维码.{kind}",
        max_age=3600,
    )
    response.cache_control.public = False
    response.cache_control.private = True
    return response


@public_bp.route("/<code>/qr.png")
def qr_png_download(code: str):
    return _qr(code, "png")


@public_bp.route("/<code>/qr.svg")
def qr_svg_download(code: str):
    return _qr(code, "svg")


@public_bp.route("/<code>/photo.jpg")
def agent_photo(code: str):
    """The on-duty agent's photo of an active village (公示牌, public page) — that one only."""
    path = photo_path(data.agent_photo_name(code))
    if path is None:
        abort(404)
    folder, name = os.path.split(path)
    response = send_from_directory(folder, name, mimetype="image/jpeg", max_age=3600)
    response.cache_control.public = False
    response.cache_control.private = True
    return response


def _error(code: int, message):
    return make_response(
        render_template("public/error.html", code=code, message=message, contacts=data.contacts()), code
    )


@public_bp.errorhandler(404)
def not_found(exc):
    return _error(404, _l("没有找到这个村的便民代办公开信息，请核对二维码或网址。"))


@public_bp.errorhandler(429)
def too_many(exc):
    if request.method == "POST":
        return _error(429, _l("提交过于频繁，请稍后再试；紧急情况请直接拨打乡纪检办监督电话。"))
    return _error(429, _l("访问过于频繁，请稍后再试。"))


@public_bp.errorhandler(CSRFError)
def form_expired(exc):
    return _error(400, _l("页面已过期或提交无效，没有保存任何内容。请返回刷新页面后重新填写。"))


@public_bp.errorhandler(405)
def not_allowed(exc):
    return _error(405, _l("公开页面只能查看，不支持此操作。"))


from . import report  # noqa: E402, F401  (我要反映: its routes on the same blueprint)
