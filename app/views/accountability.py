"""追责问责 pages (第五条（一）3, 第六条（四）, issue 15 §3): the records (list, show with the
decision form), a new record (from a candidate or by hand) and the candidate list — cases past
their deadline without an extension and complaints verified true, not yet in a record.

Writes go through :mod:`app.services.accountability`; reads through the ORM (village scoping
applies: a row out of scope is a 404).
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder.security.decorators import permission_name
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from ..extensions import db
from ..models import Accountability, Agent, Case, Complaint
from ..models.enums import (
    ACCOUNTABILITY_DECISIONS,
    ACCOUNTABILITY_KINDS,
    ACCOUNTABILITY_STATUSES,
    ACCOUNTABILITY_SUBJECTS,
    label,
)
from ..services import accountability as service
from ..services.calendar import today
from ..services.errors import DomainError
from .base import BmModelView, ShowExtra, can, code_formatter, expose, has_access, interface


def _ids_arg(name: str) -> list[int]:
    return sorted({int(v) for v in request.args.getlist(name) if v.isdigit() and len(v) < 10})


class AccountabilityView(ShowExtra, BmModelView):
    datamodel = interface(Accountability)
    class_permission_name = "Accountability"
    route_base = "/accountability"
    method_permission_name = {
        **BmModelView.method_permission_name,
        "new": "write",
        "decide": "write",
        "candidates": "read",
    }
    exclude_route_methods = {"delete", "add", "edit"}
    list_template = "supervision/list.html"
    show_template = "accountability/show.html"
    list_title = _l("追责问责")
    show_title = _l("追责问责详情")

    list_columns = ["village", "subject", "agent", "user", "kind", "status", "decision", "decided_on", "created_at"]
    show_columns = [
        "village",
        "subject",
        "agent",
        "user",
        "kind",
        "description",
        "created_by",
        "created_at",
        "status",
        "decision",
        "decided_on",
        "decision_note",
        "decided_by",
    ]
    search_columns = ["village", "agent", "subject", "kind", "status", "decision", "decided_on"]
    order_columns = ["decided_on", "created_at", "status"]
    base_order = ("created_at", "desc")
    label_columns = {
        "village": _l("村"),
        "subject": _l("追责对象"),
        "agent": _l("代办员"),
        "user": _l("村党支部书记"),
        "kind": _l("问题类别"),
        "description": _l("问题描述"),
        "created_by": _l("登记人"),
        "created_at": _l("登记时间（UTC）"),
        "status": _l("状态"),
        "decision": _l("处理决定"),
        "decided_on": _l("决定日期"),
        "decision_note": _l("决定说明"),
        "decided_by": _l("决定人"),
    }
    formatters_columns = {
        "subject": code_formatter(ACCOUNTABILITY_SUBJECTS),
        "kind": code_formatter(ACCOUNTABILITY_KINDS),
        "status": code_formatter(ACCOUNTABILITY_STATUSES),
        "decision": code_formatter(ACCOUNTABILITY_DECISIONS),
        "user": lambda u: (u.first_name or u.username) if u else "",
        "created_at": lambda v: f"{v:%Y-%m-%d %H:%M}" if v else "",
    }

    def list_toolbar(self) -> str:
        links = [(url_for("AccountabilityView.candidates"), _l("候选（超时未办结、群众反映属实）"))]
        if can("can_write", "Accountability"):
            links.append((url_for("AccountabilityView.new"), _l("登记追责问责")))
        return Markup(" ").join(
            Markup('<a class="btn btn-sm btn-default" href="{}">{}</a>').format(href, text) for href, text in links
        )

    def show_extra(self, pk) -> dict:
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return {}
        return {
            "item": item,
            "decisions": ACCOUNTABILITY_DECISIONS,
            "can_write": can("can_write", "Accountability"),
            "can_read_cases": can("can_read", "Case"),
            "can_read_complaints": can("can_read", "Complaint"),
            "dismiss_due": item.decision == "dismiss" and item.agent is not None and item.agent.status != "dismissed",
            "can_dismiss": can("can_write", "Agent"),
            "today": today(),
        }

    @expose("/candidates")
    @has_access
    @permission_name("read")
    def candidates(self):
        day = today()
        found = service.candidates(day)
        return self.render_template(
            "accountability/candidates.html",
            title=_l("追责问责候选"),
            cases=found.cases,
            complaints=found.complaints,
            today=day,
            can_write=can("can_write", "Accountability"),
        )

    @expose("/new", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def new(self):
        """登记追责问责: prefilled from a candidate (``?case=<id>`` / ``?complaint=<id>``)."""
        values: dict = {}
        if request.method == "POST":
            values = request.form.to_dict()
            values["case_ids"] = request.form.getlist("case_ids")
            values["complaint_ids"] = request.form.getlist("complaint_ids")
            try:
                item = service.create_record(values)
            except DomainError as exc:
                db.session.rollback()
                for messages in exc.errors.values():
                    for m in messages:
                        flash(m, "danger")
                if not exc.errors:
                    flash(exc.message, "danger")
            else:
                flash(_l("已登记追责问责，待作出处理决定"), "success")
                return redirect(url_for("AccountabilityView.show", pk=item.id))
            case_ids = [int(v) for v in values["case_ids"] if str(v).isdigit()]
            complaint_ids = [int(v) for v in values["complaint_ids"] if str(v).isdigit()]
        else:
            case_ids, complaint_ids = _ids_arg("case"), _ids_arg("complaint")
        cases = list(db.session.execute(select(Case).where(Case.id.in_(case_ids or [0]))).scalars())
        complaints = list(db.session.execute(select(Complaint).where(Complaint.id.in_(complaint_ids or [0]))).scalars())
        if not values:
            first = cases[0] if cases else (complaints[0] if complaints else None)
            if first is not None:
                values = {"subject": "agent", "agent_id": str(first.agent_id or ""), "kind": "overdue" if cases else ""}
                if complaints and not cases:
                    values["kind"] = "shirking" if complaints[0].refused_request else "attitude"
        agents = list(
            db.session.execute(
                select(Agent).where(Agent.level == "village", Agent.village_id.is_not(None)).order_by(Agent.village_id)
            ).scalars()
        )
        return self.render_template(
            "accountability/new.html",
            title=_l("登记追责问责"),
            values=values,
            cases=cases,
            complaints=complaints,
            agents=agents,
            secretaries=service.secretaries(),
            subjects=ACCOUNTABILITY_SUBJECTS,
            kinds=ACCOUNTABILITY_KINDS,
        )

    @expose("/decide/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("write")
    def decide(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        try:
            service.decide(item, request.form.to_dict())
        except DomainError as exc:
            db.session.rollback()
            for messages in exc.errors.values() or [[exc.message]]:
                for m in messages:
                    flash(m, "danger")
        else:
            flash(_l("已作出处理决定：%(d)s", d=label(ACCOUNTABILITY_DECISIONS, item.decision)), "success")
        return redirect(url_for("AccountabilityView.show", pk=pk) + "#bm-decision")


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, AccountabilityView, "Accountability", _l("追责问责"), "fa-gavel", "Supervision")


__all__ = ["AccountabilityView", "register"]
