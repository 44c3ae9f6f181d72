"""Base of the REST resources (SPEC §14): FAB ModelRestApi, writes through services.

Same services and the same village scoping as the web forms; validation errors are 422
with the Chinese message per field; out-of-scope or missing rows are 404; no hard deletes.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..services.errors import DomainError

API_READ_WRITE = {
    "get": "read",
    "get_list": "read",
    "info": "read",
    "post": "write",
    "put": "write",
    "delete": "write",
}


class BmModelRestApi(ModelRestApi):
    method_permission_name = API_READ_WRITE
    include_route_methods = {"get", "get_list", "info", "post", "put"}
    allow_browser_login = True
    service_create: Callable | None = None
    service_update: Callable | None = None

    def error_response(self, exc: DomainError):
        db.session.rollback()
        return self.response(exc.status, **exc.as_dict())

    def response_404(self):
        return self.response(404, message=str(_l("记录不存在或无权访问")))

    def _json_body(self):
        if not request.is_json:
            return None
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else None

    def post_headless(self):
        if self.service_create is None:
            return self.response(405, message=str(_l("不支持此操作")))
        body = self._json_body()
        if body is None:
            return self.response_400(message=str(_l("请求体应为 JSON 对象")))
        try:
            item = type(self).service_create(body)
        except DomainError as exc:
            return self.error_response(exc)
        return self.response(201, id=item.id, result=self.show_model_schema.dump(item))

    def put_headless(self, pk):
        if self.service_update is None:
            return self.response(405, message=str(_l("不支持此操作")))
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            return self.response_404()
        body = self._json_body()
        if body is None:
            return self.response_400(message=str(_l("请求体应为 JSON 对象")))
        try:
            item = type(self).service_update(item, body)
        except DomainError as exc:
            return self.error_response(exc)
        return self.response(200, id=item.id, result=self.show_model_schema.dump(item))
