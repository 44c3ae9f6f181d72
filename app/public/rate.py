"""好差评 by the applicant: GET/POST /public/rate/<token> (issue 14 §1).

No login — the case's unguessable token is the key. The page shows the case number, the
item, the village and the status, never a name, ID number or phone. A closed case (办结,
不予受理, 已答复, 已转介) may be rated once, and the rating changed for 24 hours. The form is a
Flask-WTF form (CSRF token); POSTs have their own limit per address (``RATING_POST_RATE_LIMIT``).
"""

from __future__ import annotations

from flask import current_app, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Optional

from ..extensions import public_limiter
from ..policy import ratings as policy
from ..services import ratings as service
from ..services.errors import DomainError, NotFound
from . import data
from .blueprint import public_bp

NO_STORE = "private, no-store"  # the page carries a CSRF token and the applicant's own answer


def _post_limit() -> str:
    return current_app.config["RATING_POST_RATE_LIMIT"]


def _choices(mapping) -> list[tuple[str, str]]:
    return [(str(k), v) for k, v in mapping.items()]


def _scores() -> list[tuple[str, str]]:
    return [(str(n), _l("%(n)s星", n=n)) for n in (5, 4, 3, 2, 1)]


class RatingForm(FlaskForm):
    level = RadioField(_l("总体评价"), choices=_choices(policy.LEVELS), validators=[Optional()], validate_choice=False)
    score_efficiency = RadioField(_l("服务效率"), choices=_scores(), validators=[Optional()], validate_choice=False)
    score_competence = RadioField(_l("服务水平"), choices=_scores(), validators=[Optional()], validate_choice=False)
    score_attitude = RadioField(_l("服务态度"), choices=_scores(), validators=[Optional()], validate_choice=False)
    comment = TextAreaField(_l("意见建议（选填）"), validators=[Optional()])
    callback_phone = StringField(
        _l("回访电话（选填，留下号码即为实名评价，乡便民中心会回访）"), validators=[Optional()]
    )


def _page(status: int, **context):
    # the contacts of the case's village's township (issue 15 §1)
    contacts = data.contacts(context["case"])
    response = make_response(render_template("public/rate.html", contacts=contacts, **context), status)
    response.headers["Cache-Control"] = NO_STORE
    return response


def _not_found():
    response = make_response(
        render_template(
            "public/error.html",
            code=404,
            message=_l("没有找到这个评价页面，请核对回执上的二维码或网址。"),
            contacts=data.contacts(),
        ),
        404,
    )
    response.headers["Cache-Control"] = NO_STORE
    return response


def _prefill(form: RatingForm, rating) -> None:
    if rating is None or request.method == "POST":
        return
    form.level.data = str(rating.level)
    for key in policy.ASPECTS:
        value = getattr(rating, key)
        getattr(form, key).data = str(value) if value else None
    form.comment.data = rating.comment


@public_bp.route("/rate/<token>", methods=["GET", "POST"])
@public_limiter.limit(_post_limit, methods=["POST"])
def rate(token: str):
    try:
        case = service.public_case(token)
    except NotFound:
        return _not_found()
    form = RatingForm()
    _prefill(form, case.rating)
    errors: dict = {}
    if request.method == "POST":
        if not form.validate():
            errors = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
        else:
            try:
                service.rate(token, {name: form[name].data for name in service.RATING_SPEC})
            except NotFound:
                return _not_found()
            except DomainError as exc:
                errors = exc.errors or {"__all__": [exc.message]}
            else:
                return redirect(url_for("public.rate", token=token, done=1), code=303)
    return _page(
        422 if errors else 200,
        case=case,
        form=form,
        errors=errors,
        levels=policy.LEVELS,
        aspects=policy.ASPECTS,
        done=bool(request.args.get("done")) and case.rating is not None,
    )
