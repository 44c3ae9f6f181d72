"""Base of the REST resources (SPEC §14): FAB ModelRestApi, writes through services.

Same services and the same village scoping as the web forms; validation errors are 422
with the Chinese message per field; out-of-scope or missing rows are 404; no hard deletes.

Never a 500 for bad input (SPEC §14): ``safe`` (used by every endpoint of ours and around
FAB's own handlers) turns a domain error, a stale write (409), an unreadable body or query
(400) and a value the database cannot hold (422) into a Chinese answer. Writes to a
versioned record need the ``version`` read with it (422 without, 409 when stale).

The OpenAPI document describes each request body from the service's field declarations
(types, formats, the accepted codes of every enum), so a client — and the fuzzer in
``tests/integration/test_fuzz_api.py`` — knows what to send.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

import prison
from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.hooks import before_request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter

from ..extensions import db
from ..services.errors import DomainError, ValidationFailed, from_database_error
from ..services.fields import INT_MAX, Field, choices_text, describe, to_int

log = logging.getLogger(__name__)

API_READ_WRITE = {
    "get": "read",
    "get_list": "read",
    "info": "read",
    "post": "write",
    "put": "write",
    "delete": "write",
}

BODY_MESSAGE = _l("请求体应为 JSON 对象")
QUERY_MESSAGE = _l("查询参数 q 的格式不正确（应为 rison 或 JSON，如 q=(page:0,page_size:20)）")
VALUE_MESSAGE = _l("查询条件中的值无效或超出范围")
SERVER_MESSAGE = _l("服务器内部错误，请稍后重试或联系管理员")
#: ``version`` of an action that may create its record (needed only when it exists already).
OPTIONAL_VERSION = Field(to_int, _l("版本号（读取记录时得到的 version；填写后过期则 409）"))
VERSION_SCHEMA = {"type": "integer", "minimum": 1, "description": "读取记录时得到的 version；过期则 409"}


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in every route: a number beyond an ``Integer`` column matches nothing (404)
    instead of reaching the database (OverflowError on SQLite, DataError on PostgreSQL)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def _answer(api: BmModelRestApi, exc: BaseException):
    """The response for ``exc``, or None when it is a real fault (re-raised by the caller)."""
    if isinstance(exc, DomainError):
        return api.error_response(exc)
    if isinstance(exc, SQLAlchemyError):
        mapped = from_database_error(exc)
        if mapped is None and isinstance(exc.__cause__ or getattr(exc, "orig", None), (OverflowError, ValueError)):
            mapped = ValidationFailed(VALUE_MESSAGE)  # a parameter the driver refused
        return api.error_response(mapped) if mapped is not None else None
    if isinstance(exc, (OverflowError, RecursionError)):
        return api.error_response(ValidationFailed(VALUE_MESSAGE))
    return None


def safe(f: Callable) -> Callable:
    """FAB's ``safe`` with our answers: domain errors and refusals of the database as 4xx
    in Chinese; anything else is logged and a Chinese 500."""

    @functools.wraps(f)
    def wraps(self, *args, **kwargs):
        try:
            return f(self, *args, **kwargs)
        except BadRequest as exc:
            return self.response_400(message=str(exc.description or exc))
        except HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - every error gets an answer
            answer = _answer(self, exc)
            if answer is not None:
                return answer
            db.session.rollback()
            log.exception(exc)
            return self.response_500(message=str(SERVER_MESSAGE))

    return wraps


class BmModelRestApi(ModelRestApi):
    method_permission_name = API_READ_WRITE
    include_route_methods = {"get", "get_list", "info", "post", "put"}
    allow_browser_login = True
    service_create: Callable | None = None
    service_update: Callable | None = None
    #: The service's field declarations, for the OpenAPI request bodies: ``{"post": SPEC,
    #: "put": SPEC, "<action>": SPEC}``. Undeclared PUT/POST bodies fall back to the columns.
    request_specs: Mapping[str, Mapping[str, Field]] = {}

    # -- answers --------------------------------------------------------------------
    def error_response(self, exc: DomainError):
        db.session.rollback()
        return self.response(exc.status, **exc.as_dict())

    def response_404(self):
        return self.response(404, message=str(_l("记录不存在或无权访问")))

    def response_400(self, message: str | None = None):
        # FAB's own refusals (of the rison ``q`` argument, of a filter) are English.
        if not message or message.startswith(("Not a valid rison", "Not a valid json")) or "rison" in message.lower():
            message = str(QUERY_MESSAGE)
        elif not any("\u4e00" <= ch <= "\u9fff" for ch in message):
            message = str(_l("请求参数不正确（%(m)s）", m=message))
        return super().response_400(message=message)

    def response_500(self, message: str | None = None):
        return super().response_500(message=str(SERVER_MESSAGE))

    @before_request(only=["get", "get_list", "info"])
    def _readable_query(self):
        """FAB's rison decorator answers only its parser's own error; any other failure of the
        parser (a malformed number, nesting too deep) would be a 500."""
        value = request.args.get("q")
        if not value:
            return None
        try:
            prison.loads(value)
        except prison.decoder.ParserException:
            return None  # FAB tries JSON, then answers 400 (in Chinese, see response_400)
        except Exception:  # noqa: BLE001 - ValueError, RecursionError … of the parser
            return self.response_400(message=str(QUERY_MESSAGE))
        return None

    def _json_body(self):
        if not request.is_json:
            return None
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nesting deeper than the parser can follow
            return None
        return body if isinstance(body, dict) else None

    # -- FAB's handlers, guarded -----------------------------------------------------
    @safe
    def get_headless(self, pk, **kwargs):
        return super().get_headless(pk, **kwargs)

    @safe
    def get_list_headless(self, **kwargs):
        return super().get_list_headless(**kwargs)

    @safe
    def info_headless(self, **kwargs):
        return super().info_headless(**kwargs)

    @safe
    def post_headless(self):
        if self.service_create is None:
            return self.response(405, message=str(_l("不支持此操作")))
        return self.call_service(type(self).service_create, status=201)

    @safe
    def put_headless(self, pk):
        if self.service_update is None:
            return self.response(405, message=str(_l("不支持此操作")))
        return self.call_service(type(self).service_update, pk)

    # -- the one path of a write: row, body, service, answer ---------------------------
    def call_service(
        self,
        service_fn: Callable,
        pk: int | None = None,
        *,
        status: int = 200,
        reply: Callable[[Any], Any] | None = None,
    ):
        """Every write endpoint (POST, PUT and the custom actions) in one place:

        1. with ``pk``, the row through the scoped datamodel — missing or outside the caller's
           village is the same 404 (which the app logs as a denied access);
        2. the JSON body, which must be an object (400 ``请求体应为 JSON 对象`` otherwise);
        3. ``service_fn(row, body)`` (``service_fn(body)`` without ``pk``);
        4. a refusal — a ``DomainError`` or what the database refused — answered through the
           one adapter (``_answer``: ``DomainError.status`` and ``from_database_error``), a
           real fault left to ``safe`` (500);
        5. ``reply(result)``, by default ``status`` with the record as the show schema dumps it.
        """
        row = None
        if pk is not None:
            row = self.datamodel.get(pk, self._base_filters)
            if row is None:
                return self.response_404()
        body = self._json_body()
        if body is None:
            return self.response_400(message=str(BODY_MESSAGE))
        try:
            result = service_fn(body) if pk is None else service_fn(row, body)
        except (DomainError, SQLAlchemyError) as exc:
            answer = _answer(self, exc)
            if answer is None:
                raise
            return answer
        return reply(result) if reply is not None else self.record_response(result, status)

    def record_response(self, item, status: int = 200):
        """``{"id", "result"}`` with the record as the show schema dumps it."""
        return self.response(status, id=item.id, result=self.show_model_schema.dump(item))

    # -- the OpenAPI document --------------------------------------------------------
    def _versioned(self) -> bool:
        return hasattr(self.datamodel.obj, "version")

    def _body_schema(
        self, spec: Mapping[str, Field], fallback: Mapping | None, *, required: bool, version: bool
    ) -> dict:
        fallback = dict((fallback or {}).get("properties") or {})
        props: dict[str, dict] = {}
        needed: list[str] = []
        for name, field in spec.items():
            schema = describe(field.convert)
            column = fallback.get(name) or {}
            if not schema:
                schema = {k: v for k, v in column.items() if k in ("type", "format", "maxLength")}
            elif schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
                if "maxLength" in column:
                    schema["maxLength"] = column["maxLength"]
            choices = schema.pop("x-choices", None)
            label = str(field.label)
            schema.setdefault("description", f"{label}：{choices_text(choices)}" if choices else label)
            if not field.required:
                schema["nullable"] = True
            elif required:
                needed.append(name)
            props[name] = schema
        if version:
            props["version"] = dict(VERSION_SCHEMA)
            needed.append("version")
        out: dict = {"type": "object", "properties": props}
        if needed:
            out["required"] = needed
        return out

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        schemas = api_spec.components.schemas
        for method, name in (("post", self.add_model_schema_name), ("put", self.edit_model_schema_name)):
            spec = self.request_specs.get(method)
            current = schemas.get(name)
            if spec is not None:
                schemas[name] = self._body_schema(
                    spec, current, required=method == "post", version=method == "put" and self._versioned()
                )
            elif current is not None and method == "put" and self._versioned():
                current.setdefault("properties", {})["version"] = dict(VERSION_SCHEMA)
                current["required"] = sorted({*current.get("required", []), "version"})

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs) -> None:
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        name = getattr(func, "__name__", "")
        params = re.findall(r"{(\w+)}", path or "")
        for method in methods or ():
            op = operations.setdefault(method.lower(), {})
            op.setdefault("responses", {"200": {"description": str(_l("成功"))}})
            if self.get_method_permission(name):
                op.setdefault("security", [{"jwt": []}, {"api_key": []}])
            op["responses"].setdefault("400", {"description": str(_l("请求格式不正确"))})
            op["responses"].setdefault("422", {"description": str(_l("输入有误（中文说明在 message 与 errors 中）"))})
            declared = {p.get("name") for p in op.get("parameters", []) if isinstance(p, dict)}
            for param in params:
                if param not in declared:
                    op.setdefault("parameters", []).append(
                        {"in": "path", "name": param, "required": True, "schema": {"type": "integer"}}
                    )
            if method.upper() == "POST" and name in self.request_specs and name not in ("post", "put"):
                spec, version = self.request_specs[name], name in self.versioned_actions
                op["requestBody"] = {
                    "required": True,
                    "content": {
                        "application/json": {"schema": self._body_schema(spec, None, required=True, version=version)}
                    },
                }
                op["responses"].setdefault("409", {"description": str(_l("记录已被其他人修改（version 过期）"))})

    #: Actions on a versioned record that need the ``version`` read with it.
    versioned_actions: frozenset[str] = frozenset()
