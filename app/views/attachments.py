"""材料附件 of a case: upload, open (inline) / download, 作废 — the section on the case page
(``templates/cases/_attachments.html``). Every write goes through :mod:`app.services.attachments`.

Permissions are the case's: ``Case`` can_read opens a file, can_write uploads and retires
(代办员 of the case's village, 乡便民中心). Rows are fetched through the ORM session, so a case
or attachment of another village is a 404, as everywhere. Never on a public page.
"""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Case
from ..services import attachments as service
from ..services.errors import DomainError, NotFound
from .base import expose, has_access


def _back(case_id: int):
    return redirect(url_for("CaseView.show", pk=case_id) + "#bm-attachments")


def _flash_error(exc: DomainError) -> None:
    messages = [m for msgs in exc.errors.values() for m in msgs] or [exc.message]
    for message in messages:
        flash(message, "danger")


class CaseAttachmentView(BaseView):
    route_base = "/caseattach"
    class_permission_name = "Case"
    method_permission_name = {"upload": "write", "retire": "write", "file": "read"}
    base_permissions = ["can_read", "can_write"]
    default_view = "file"

    @staticmethod
    def _case(pk) -> Case:
        case = db.session.execute(select(Case).where(Case.id == pk)).scalar()
        if case is None:
            abort(404)
        return case

    @staticmethod
    def _attachment(pk):
        try:
            return service.get_attachment(pk)
        except NotFound:
            abort(404)

    @expose("/upload/<int:pk>", methods=["POST"])
    @has_access
    def upload(self, pk):
        case = self._case(pk)
        try:
            att = service.upload_attachment(case, request.files.get("file"), {"title": request.form.get("title")})
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
        else:
            flash(_l("已上传附件：%(name)s", name=att.name), "success")
        return _back(case.id)

    @expose("/retire/<int:pk>", methods=["POST"])
    @has_access
    def retire(self, pk):
        att = self._attachment(pk)
        case_id = att.case_id
        try:
            service.retire_attachment(
                att, {"reason": request.form.get("reason"), "version": request.form.get("version")}
            )
        except DomainError as exc:
            db.session.rollback()
            _flash_error(exc)
        else:
            flash(_l("附件已作废（文件仍保留在台账中）：%(name)s", name=att.name), "success")
        return _back(case_id)

    @expose("/file/<int:pk>", methods=["GET"])
    @has_access
    def file(self, pk):
        att = self._attachment(pk)
        chunks = service.open_stream(att)
        inline = request.args.get("download") != "1"
        return Response(
            chunks,
            mimetype=att.content_type,
            direct_passthrough=True,
            headers={
                "Content-Length": str(att.size),
                "Content-Disposition": service.content_disposition(att, inline=inline),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-store",
            },
        )


def register(appbuilder) -> None:
    appbuilder.add_view_no_menu(CaseAttachmentView)


__all__ = ["CaseAttachmentView", "register"]
