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
from app.models import Village
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


def _row_urls(view, rule, row_id: int):
    """The URLs of ``rule`` about row ``row_id``: ``<pk>`` is the row, ``<name>`` each action,
    any other argument a sample value (an id of 1, a word) — the row's check must come first."""
    args = set(rule.arguments)
    if "pk" not in args:
        return []
    names = list(view.actions) if "name" in args else [None]
    urls = []
    for name in names:
        url = re.sub(r"<(?:\w+:)?pk>", str(row_id), rule.rule)
        if name is not None:
            url = re.sub(r"<(?:\w+:)?name>", name, url)
        url = re.sub(r"<int:\w+>", "1", url)
        url = re.sub(r"<(?:\w+:)?\w+>", "x", url)
        urls.append(url)
    return urls


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
                for url in _row_urls(view, rule, b_id):
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


# --- townships (issue 15 §1): the same mechanism one level up ---------------------------------
# 石桥村 (SQ) is in 演示镇（虚构）; 青山村 (QS) in 建宁乡. Text only township A's rows carry:
A_MARKERS = ("青山村", "QS2026-0001", "申请人QS", "13800000001", "反映QS", "差评QS")
TOWNSHIP_A_USERS = ("zhongxin", "jijian")
TOWNSHIP_B_USERS = ("b_zhongxin", "b_jijian")


@pytest.fixture
def county_scoped(app, world, county):
    """The county world, then one row of every village-owned table in both villages, and a
    township-wide reminder (no village) to each township's 乡便民中心."""
    from app.models import Notification, PayoutLine, PayoutSheet

    with app.app_context():
        rows = populate_scoped_rows(world)
        sheet_b = PayoutSheet(township_id=county.township_b, year=2026, quarter=3)
        db.session.add(sheet_b)
        db.session.flush()
        db.session.get(PayoutLine, rows[PayoutLine][world.village_b]).sheet_id = sheet_b.id
        for user, township, name in (
            ("zhongxin", county.township_a, "建宁乡"),
            ("b_zhongxin", county.township_b, "演示镇"),
        ):
            uid = world.users.get(user) or county.users[user]
            db.session.add(
                Notification(
                    dedupe_key=f"test:wide:{township}|inapp|u{uid}",
                    event_key=f"test:wide:{township}",
                    kind="calendar_next_year",
                    recipient_user_id=uid,
                    village_id=None,
                    township_id=township,
                    text=f"【提醒】{name}乡镇级提醒",
                    channel="inapp",
                    status="sent",
                    created_at=dt.datetime(2026, 11, 6, 8, 0),
                )
            )
        db.session.commit()
        return rows


def _text_of(r) -> str:
    """A response as text: pages as they are, xlsx exports cell by cell, gzip unpacked."""
    import gzip
    import io

    data = r.get_data()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v
        )
    return data.decode("utf-8", errors="replace")


def _none_of(body: str, markers, where: str) -> None:
    for marker in markers:
        assert marker not in body, f"{where}: shows the other township's “{marker}”"


def test_township_users_see_none_of_the_other_township(app, login, county_scoped, world, county):
    """Every parameterless page (lists, add forms' dropdowns, exports, dashboards, 我的提醒),
    also with the other township's village as a filter, for both townships' staff."""
    rules = [
        r
        for r in app.url_map.iter_rules()
        if "GET" in r.methods
        and not r.arguments
        and not r.rule.startswith(SKIP_PREFIXES)
        and not r.rule.endswith("/template")  # the import templates' example row names 青山村
    ]
    cases = [(u, B_MARKERS + ("演示镇乡镇级提醒",), world.village_b) for u in TOWNSHIP_A_USERS]
    cases += [(u, A_MARKERS + ("建宁乡乡镇级提醒",), world.village_a) for u in TOWNSHIP_B_USERS]
    seen = 0
    for username, markers, other in cases:
        c = login(username)
        for rule in rules:
            for query in ("", f"?_flt_0_village={other}&village_id={other}&village={other}"):
                r = c.get(rule.rule + query)
                assert r.status_code < 500, (username, rule.rule, r.status_code)
                if r.status_code == 200:
                    _none_of(_text_of(r), markers, f"{username} GET {rule.rule}{query}")
                    seen += 1
    assert seen > 20


def test_township_b_user_gets_404_on_township_a_rows(app, login, county_scoped, world):
    checked = 0
    c = login("b_zhongxin")
    for view in _views(app):
        model = view.datamodel.obj
        if model not in county_scoped and model.__name__ not in ("Village", "Agent"):
            continue
        a_id = {"Village": world.village_a, "Agent": world.agent_a}.get(model.__name__) or county_scoped[model][
            world.village_a
        ]
        for rule in _rules_of(app, view.blueprint.name):
            for url in _row_urls(view, rule, a_id):
                for method in sorted(rule.methods & {"GET", "POST"}):
                    r = c.open(url, method=method, data={})
                    assert r.status_code in (403, 404, 405), (method, url, r.status_code)
                    _none_of(r.get_data(as_text=True), A_MARKERS, f"b_zhongxin {method} {url}")
                    checked += 1
    assert checked > 10


def test_township_b_user_cannot_put_rows_into_township_a(app, login, county_scoped, world):
    """Posting add forms (and editing its own rows) with township A's village never lands there."""
    c = login("b_zhongxin")
    tried = 0
    for view in _views(app):
        model = view.datamodel.obj
        if model not in county_scoped:
            continue
        with app.test_request_context():
            fields = list(view.add_form()._fields)
        target = {k: str(world.village_a) for k in ("village", "village_id") if k in fields}
        if "agent" in fields:
            target["agent"] = str(world.agent_a)
        if not target:
            continue
        before = _count_in(app, model, world.village_a)
        data = _copy_as_form(app, view, county_scoped[model][world.village_b], target)
        c.post(f"{view.route_base}/add", data=data)
        c.post(f"{view.route_base}/edit/{county_scoped[model][world.village_b]}", data=data)
        assert _count_in(app, model, world.village_a) == before, view.route_base
        with app.app_context(), unscoped():
            row = db.session.get(model, county_scoped[model][world.village_b])
            assert row.scope_village_id() == world.village_b, view.route_base
        tried += 1
    assert tried >= 3


def test_township_b_apis_hide_township_a(app, api_token, county_scoped, world):
    headers = api_token("b_zhongxin")
    c = app.test_client()
    checked = 0
    for api in _apis(app):
        model = api.datamodel.obj
        if model not in county_scoped and model.__name__ not in ("Village", "Agent"):
            continue
        a_id = {"Village": world.village_a, "Agent": world.agent_a}.get(model.__name__) or county_scoped[model][
            world.village_a
        ]
        base = f"/api/v1/{api.resource_name}"
        r = c.get(f"{base}/", headers=headers)
        if r.status_code == 200:
            assert a_id not in r.json.get("ids", []), base
            _none_of(r.get_data(as_text=True), A_MARKERS, f"GET {base}/")
        r = c.get(f"{base}/{a_id}", headers=headers)
        assert r.status_code in (403, 404), (base, r.status_code)
        r = c.put(f"{base}/{a_id}", json={"notes": "x"}, headers=headers)
        assert r.status_code in (403, 404, 405), (base, r.status_code)
        checked += 1
    assert checked >= 3


def test_the_county_user_reads_every_township_and_writes_nothing(app, login, county_scoped, world):
    c = login("xian")
    body = c.get("/village/list/").get_data(as_text=True)
    assert "青山村" in body and "石桥村" in body
    body = c.get("/agent/list/").get_data(as_text=True)
    assert "王秀兰" in body and "李明" in body
    for url in ("/village/add", "/agent/add", "/users/list/"):
        assert c.get(url).status_code in (302, 403), url
    for view in _views(app):
        model = view.datamodel.obj
        if model not in county_scoped:
            continue
        row = county_scoped[model][world.village_a]
        before = _count_in(app, model, world.village_a)
        r = c.post(f"{view.route_base}/edit/{row}", data={"notes": "县里改"})
        assert r.status_code in (302, 403, 404, 405), (view.route_base, r.status_code)
        assert _count_in(app, model, world.village_a) == before
    with app.app_context(), unscoped():
        from app.models import AuditLog, BmUser

        xian = db.session.execute(select(BmUser).where(BmUser.username == "xian")).scalar()
        changed = db.session.execute(
            select(func.count()).select_from(AuditLog).where(AuditLog.user_id == xian.id, AuditLog.action != "denied")
        ).scalar()
    assert changed == 0


#: Pages that take a period or a village code (issue 15 §3): the crawl above calls them only
#: without their arguments. ``{b}`` is village B's code.
PERIOD_URLS = (
    "/?period=2025",
    "/?period=2026Q3",
    "/dashboard/village/{b}?period=2025Q4",
    "/dashboard/villages?period=2025",
    "/dashboard/data/township?period=2025",
    "/dashboard/data/village?code={b}&period=2025",
    "/export/annual?year=2026",
    "/export/annual?year=2026&village={b}",
)


def test_period_and_code_urls_hide_village_b(app, login, scoped, world):
    """A village user asking for village B (or everything) through a period URL gets their own
    village's figures or a refusal — never a row or a figure of village B."""
    with app.app_context():
        b_code = db.session.get(Village, world.village_b).code
    for username in VILLAGE_USERS:
        c = login(username)
        for url in PERIOD_URLS:
            r = c.get(url.format(b=b_code))
            assert r.status_code < 500, (username, url, r.status_code)
            if r.status_code == 200:
                _no_b(_text_of(r), f"{username} GET {url}")
