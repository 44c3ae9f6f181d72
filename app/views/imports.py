"""Excel 导入 of 行政村, 代办员 and 用户账号 (issue 15 §2): upload → 检查结果 → 确认导入.

One page per kind, reached from the buttons on the list pages. 行政村 and 代办员 need the
``can_write`` of ``Village`` / ``Agent`` (乡便民中心, Admin); 用户账号 the resource
``UserImport``, which only Admin's ``.*`` grants. The uploaded file is kept on the server
under a random token between the check and “确认导入”, which checks the same file again:
no row data ever travels through the browser.
"""

from __future__ import annotations

import io

from flask import current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access, permission_name
from flask_babel import lazy_gettext as _l

from ..services import imports as import_service
from ..services.errors import DomainError

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: A result of more rows lists the bad ones and counts the good ones (a page stays light).
LIST_ALL_UP_TO = 500


def _owner() -> int | None:
    user = g.get("user")
    return getattr(user, "id", None)


def _filename(upload) -> str:
    name = (getattr(upload, "filename", "") or "").replace("\\", "/").rsplit("/", 1)[-1]
    return name.strip()[:100]


def _shown_rows(result) -> tuple[list, int]:
    """(rows listed on the page, good rows not listed)."""
    if len(result.rows) <= LIST_ALL_UP_TO:
        return result.rows, 0
    bad = result.bad_rows[:LIST_ALL_UP_TO]
    return bad, len(result.rows) - len(result.bad_rows)


class _ImportView(BaseView):
    kind: str = ""
    list_endpoint: str = ""
    base_permissions = ["can_write"]
    default_view = "upload"

    def _list_url(self) -> str:
        return url_for(self.list_endpoint) if self.list_endpoint else url_for(f"{self.endpoint}.upload")

    def _page(self, *, result=None, token: str = "", filename: str = "", error: str = "", status: int = 200):
        rows, unlisted = _shown_rows(result) if result is not None else ([], 0)
        what = import_service.KIND_NAMES[self.kind]
        return (
            self.render_template(
                "imports/upload.html",
                title=_l("Excel 导入%(what)s", what=what),
                what=what,
                endpoint=self.endpoint,
                list_url=self._list_url(),
                max_mb=import_service.max_size_text(),
                result=result,
                rows=rows,
                unlisted=unlisted,
                token=token,
                filename=filename,
                error=error,
            ),
            status,
        )

    @expose("/", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def upload(self):
        """GET: the upload form; POST: keep the file, check every row, show the result."""
        if request.method == "GET":
            return self._page()
        upload = request.files.get("file")
        if upload is None or not _filename(upload):
            return self._page(error=str(_l("请选择要导入的 Excel（.xlsx）文件")), status=422)
        data = upload.stream.read(import_service.max_bytes() + 1)
        try:
            token = import_service.store_upload(self.kind, data, _owner())
            result = import_service.dry_run(self.kind, data)
        except DomainError as exc:
            return self._page(error=exc.message, status=422)
        if not result.ok:
            import_service.discard_upload(self.kind, token, _owner())
            token = ""
        return self._page(result=result, token=token, filename=_filename(upload))

    @expose("/confirm", methods=["POST"])
    @has_access
    @permission_name("write")
    def confirm(self):
        """“确认导入”: the kept file checked again, then all rows saved, or none."""
        token = request.form.get("token", "")
        filename = request.form.get("filename", "")[:100]
        try:
            data = import_service.claim_upload(self.kind, token, _owner())
            result = import_service.import_file(self.kind, data, filename=filename)
        except DomainError as exc:
            return self._page(error=exc.message, status=422)
        if not result.ok:
            message = str(_l("确认时重新检查未通过（数据已有变化），没有保存任何记录；请改正后重新上传"))
            return self._page(result=result, error=message, filename=filename, status=422)
        what = import_service.KIND_NAMES[self.kind]
        flash(_l("已导入%(what)s %(n)s 条", what=what, n=result.saved), "success")
        return redirect(self._list_url())

    @expose("/template")
    @has_access
    @permission_name("write")
    def template(self):
        """The xlsx template: headers, a valid example row, drop-down lists, notes."""
        name, data = import_service.template(self.kind)
        return send_file(io.BytesIO(data), mimetype=XLSX_MIME, as_attachment=True, download_name=name)


class VillageImportView(_ImportView):
    route_base = "/import/villages"
    class_permission_name = "Village"
    kind = import_service.KIND_VILLAGES
    list_endpoint = "VillageView.list"


class AgentImportView(_ImportView):
    route_base = "/import/agents"
    class_permission_name = "Agent"
    kind = import_service.KIND_AGENTS
    list_endpoint = "AgentView.list"


class UserImportView(_ImportView):
    route_base = "/import/users"
    class_permission_name = "UserImport"
    kind = import_service.KIND_USERS

    def _list_url(self) -> str:
        user_view = current_app.appbuilder.sm.user_view
        return url_for(f"{user_view.endpoint}.list") if user_view is not None else super()._list_url()


def register(appbuilder) -> None:
    for view in (VillageImportView, AgentImportView, UserImportView):
        appbuilder.add_view_no_menu(view)
