"""The generic isolation test (SPEC §1): for every registered ModelView, REST API and
parameterless page (lists, add forms with their dropdowns, exports, charts, dashboards),
a user of village A never sees or changes village B's rows.

It enumerates what is registered, so views added later are covered without a new test.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from flask_appbuilder import ModelView
from flask_appbuilder.api import ModelRestApi
from sqlalchemy import func, select

from app.extensions import db
from app.security import unscoped
from tests.factories import populate_scoped_rows

VILLAGE_USERS = ("qs_shuji", "qs_daiban")
# Text that only village B's rows carry.
B_MARKERS = ("石桥村", "SQ2026-", "申请人SQ", "李明", "13800000002", "反映SQ")
SKIP_PREFIXES = (
    "/static",
    "/appbuilder",
    "/logout",
    "/login",
    "/public",
    "/lang",
    "/photos",
    "/swagger",
    "/api/v1/_openapi",
    "/api/v1/openapi",
)


@pytest.fixture
def scoped(app, world):
    with app.app_context():
        return populate_scoped_rows(world)


def _no_b(body: str, where: str) -> None:
    for marker in B_MARKERS:
        assert marker not in body, f"{where}: shows village B's “{marker}”"


def _views(app):
    return [v for v in app.appbuilder.baseviews if isinstance(v, ModelView)]


def _apis(app):
    return [v for v in app.appbuilder.baseviews if isinstance(v, ModelRestApi)]


def _rules_of(app, blueprint: str):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith(blueprint + ".")]


def _count_in(app, model, village_id: int) -> int:
    with app.app_context(), unscoped():
        return db.session.execute(
            select(func.count()).select_from(model).where(model.scope_clause(village_id))
        ).scalar()


def _form_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "y" if value else ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (dt.date, Decimal, int)):
        return str(value)
    if hasattr(value, "id"):
        return str(value.id)
    if isinstance(value, (list, dict)):
        return ""
    return str(value)


def _copy_as_form(app, view, row_id: int, overrides: dict) -> dict:
    """Form data reproducing village A's row (so it would validate), pointed at village B."""
    with app.test_request_context(), unscoped():
        obj = db.session.get(view.datamodel.obj, row_id)
        data = {}
        for name in view.add_form()._fields:
            if name == "csrf_token":
                continue
            data[name] = _form_value(getattr(obj, name, None))
    data.update(overrides)
    return {k: v for k, v in data.items() if v != ""}


def test_world_has_a_row_of_every_scoped_table_in_both_villages(app, world, scoped):
    from app.models import scoped_models

    for model in scoped_models():
        if model.__name__ in ("Village", "BmUser", "Agent"):
            continue
        assert set(scoped[model]) == {world.village_a, world.village_b}, model


def test_every_page_without_arguments_hides_village_b(app, login, scoped, world):
    rules = [
        r
        for r in app.url_map.iter_rules()
        if "GET" in r.methods and not r.arguments and not r.rule.startswith(SKIP_PREFIXES)
    ]
    assert len(rules) > 5
    for username in VILLAGE_USERS:
        c = login(username)
        for rule in rules:
            for query in (
                "",
                f"?_flt_0_village={world.village_b}",
                f"?village_id={world.village_b}&village={world.village_b}",
            ):
                r = c.get(rule.rule + query)
                assert r.status_code < 500, (username, rule.rule, r.status_code)
                if r.status_code == 200:
                    _no_b(r.get_data(as_text=True), f"{username} GET {rule.rule}{query}")


def test_detail_edit_delete_action_urls_of_village_b_are_404(app, login, scoped, world):
    checked = 0
    for username in VILLAGE_USERS:
        c = login(username)
        for view in _views(app):
            model = view.datamodel.obj
            if model not in scoped and model.__name__ not in ("Village", "Agent"):
                continue
            b_id = {"Village": world.village_b, "Agent": world.agent_b}.get(model.__name__) or scoped[model][
                world.village_b
            ]
            for rule in _rules_of(app, view.blueprint.name):
                args = set(rule.arguments)
                if "pk" not in args or not args <= {"pk", "name"}:
                    continue
                names = list(view.actions) if "name" in args else [None]
                for name in names:
                    url = re.sub(r"<(?:\w+:)?pk>", str(b_id), rule.rule)
                    if name is not None:
                        url = re.sub(r"<(?:\w+:)?name>", name, url)
                    for method in sorted(rule.methods & {"GET", "POST"}):
                        r = c.open(url, method=method, data={})
                        assert r.status_code in (403, 404, 405), (username, method, url, r.status_code)
                        _no_b(r.get_data(as_text=True), f"{username} {method} {url}")
                        checked += 1
            for name in view.actions:
                r = c.post(f"{view.route_base}/action_post", data={"action": name, "rowid": [str(b_id)]})
                assert r.status_code in (403, 404), (username, view.route_base, name, r.status_code)
    assert checked > 10


def test_forms_cannot_put_rows_into_village_b(app, login, scoped, world):
    """Posting an add form, or editing one's own row, with village B's id never lands in B."""
    for username in VILLAGE_USERS:
        c = login(username)
        for view in _views(app):
            model = view.datamodel.obj
            if model not in scoped:
                continue
            with app.test_request_context():
                fields = list(view.add_form()._fields)
            target = {k: str(world.village_b) for k in ("village", "village_id") if k in fields}
            if "agent" in fields:
                target["agent"] = str(world.agent_b)
            if not target:
                continue
            before = _count_in(app, model, world.village_b)
            data = _copy_as_form(app, view, scoped[model][world.village_a], target)
            c.post(f"{view.route_base}/add", data=data)
            c.post(f"{view.route_base}/edit/{scoped[model][world.village_a]}", data=data)
            assert _count_in(app, model, world.village_b) == before, (username, view.route_base)
            with app.app_context(), unscoped():
                row = db.session.get(model, scoped[model][world.village_a])
                assert row.scope_village_id() == world.village_a, (username, view.route_base)


def test_rest_apis_hide_and_protect_village_b(app, api_token, scoped, world):
    checked = 0
    for username in VILLAGE_USERS:
        headers = api_token(username)
        c = app.test_client()
        for api in _apis(app):
            model = api.datamodel.obj
            if model not in scoped and model.__name__ not in ("Village", "Agent"):
                continue
            a_id = {"Village": world.village_a, "Agent": world.agent_a}.get(model.__name__) or scoped[model][
                world.village_a
            ]
            b_id = {"Village": world.village_b, "Agent": world.agent_b}.get(model.__name__) or scoped[model][
                world.village_b
            ]
            base = f"/api/v1/{api.resource_name}"
            r = c.get(f"{base}/", headers=headers)
            if r.status_code == 200:
                assert b_id not in r.json.get("ids", []), (username, base)
                _no_b(r.get_data(as_text=True), f"{username} GET {base}/")
            r = c.get(f"{base}/{b_id}", headers=headers)
            assert r.status_code in (403, 404), (username, base, r.status_code)
            _no_b(r.get_data(as_text=True), f"{username} GET {base}/{b_id}")
            r = c.put(f"{base}/{b_id}", json={"notes": "x"}, headers=headers)
            assert r.status_code in (403, 404, 405), (username, base, r.status_code)
            r = c.post(f"{base}/{b_id}/transition", json={"to": "voided", "reason": "x"}, headers=headers)
            assert r.status_code in (403, 404, 405), (username, base, r.status_code)
            before = _count_in(app, model, world.village_b)
            body = {"village_id": world.village_b, "agent_id": world.agent_b}
            c.post(f"{base}/", json=body, headers=headers)
            c.put(f"{base}/{a_id}", json=body, headers=headers)
            assert _count_in(app, model, world.village_b) == before, (username, base)
            with app.app_context(), unscoped():
                assert db.session.get(model, a_id).scope_village_id() == world.village_a, (username, base)
            checked += 1
    assert checked >= 4


def test_out_of_scope_requests_are_logged(app, login, world):
    from app.models import AuditLog

    c = login("qs_shuji")
    assert c.get(f"/agent/show/{world.agent_b}").status_code == 404
    with app.app_context():
        rows = db.session.execute(select(AuditLog).where(AuditLog.action == "denied")).scalars().all()
    assert any(f"/agent/show/{world.agent_b}" in (r.summary or "") for r in rows)
