"""Every bad input the attack run of issue 10 found is a 4xx with a Chinese message (SPEC §14).

API: 422 ``{"message", "errors"}`` (400 for an unreadable body or query); pages: the form or
the list again with a flash. Nothing is written.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Case, Village
from tests.factories import populate_scoped_rows

HUGE = 10**30


@pytest.fixture
def rows(app, world):
    with app.app_context():
        return populate_scoped_rows(world)


def _case_id(rows, world) -> int:
    return rows[Case][world.village_a]


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# -- integers beyond the columns -----------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/case/99999999999999999999",
        "/api/v1/village/99999999999999999999",
        "/api/v1/payoutsheet/99999999999999999999/lines",
    ],
)
def test_huge_id_in_the_path_is_404(client, api_token, path):
    r = client.get(path, headers=api_token("zhongxin"))
    assert r.status_code == 404
    assert _chinese(r.json["message"])


def test_huge_foreign_key_is_422(client, api_token, world):
    h = api_token("zhongxin")
    r = client.post(
        "/api/v1/case/",
        headers=h,
        json={
            "kind": "consult",
            "village_id": HUGE,
            "agent_id": world.agent_a,
            "applicant_name": "张三",
        },
    )
    assert r.status_code == 422
    assert "数值超出范围" in r.json["errors"]["village_id"][0]


def test_huge_id_on_a_page_is_404(login, rows, world):
    c = login("zhongxin")
    assert c.get("/case/show/99999999999999999999").status_code == 404
    assert c.get("/village/edit/99999999999999999999").status_code == 404
    assert c.get("/village/show/abc").status_code == 404


# -- money ------------------------------------------------------------------------------
@pytest.mark.parametrize("fee", [1e999, 1.5e308, HUGE, "1e999", "NaN", [1], {"a": 1}, True])
def test_absurd_money_is_422(client, api_token, rows, world, fee):
    h = api_token("zhongxin")
    case_id = _case_id(rows, world)
    version = client.get(f"/api/v1/case/{case_id}", headers=h).json["result"]["version"]
    if fee == 1e999:  # as a client would write it: the JSON number 1e999
        r = client.put(
            f"/api/v1/case/{case_id}",
            headers={**h, "Content-Type": "application/json"},
            data=f'{{"fee": 1e999, "version": {version}}}',
        )
    else:
        r = client.put(f"/api/v1/case/{case_id}", headers=h, json={"fee": fee, "version": version})
    assert r.status_code == 422, r.get_data(as_text=True)
    assert "fee" in r.json["errors"] and _chinese(r.json["errors"]["fee"][0])


@pytest.mark.parametrize("resource,field", [("serviceitem", "fee"), ("village", "supplement_per_year")])
def test_absurd_money_on_other_resources(client, api_token, rows, world, resource, field):
    h = api_token("zhongxin")
    listing = client.get(f"/api/v1/{resource}/", headers=h).json
    pk = listing["ids"][0]
    version = client.get(f"/api/v1/{resource}/{pk}", headers=h).json["result"].get("version")
    r = client.put(f"/api/v1/{resource}/{pk}", headers=h, json={field: 1.5e308, "version": version})
    assert r.status_code == 422, r.get_data(as_text=True)
    assert r.json["errors"][field] == [r.json["errors"][field][0]] and "金额过大" in r.json["errors"][field][0]


def test_absurd_fee_on_the_web_form(login, rows, world):
    c = login("zhongxin")
    village = world.village_a
    with c.application.app_context():
        v = db.session.get(Village, village)
        form = {
            "name": v.name,
            "code": v.code,
            "service_phone": v.service_phone or "",
            "active": "y",
            "supplement_per_year": "1e999",
            "version": str(v.version),
        }
    r = c.post(f"/village/edit/{village}", data=form)
    assert r.status_code == 200
    assert "金额过大" in r.get_data(as_text=True)


# -- enums ------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [["visit"], {"a": 1}, 3.5, True])
def test_a_list_or_object_for_an_enum_is_422(client, api_token, world, value):
    r = client.post(
        "/api/v1/case/",
        headers=api_token("qs_daiban"),
        json={
            "kind": "consult",
            "channel": value,
            "applicant_name": "张三",
        },
    )
    assert r.status_code == 422
    assert "channel" in r.json["errors"]


def test_an_invalid_enum_names_the_accepted_codes(client, api_token, world):
    r = client.post(
        "/api/v1/complaint/",
        headers=api_token("jijian"),
        json={
            "received_on": "2026-11-02",
            "village_id": world.village_a,
            "content": "反映问题",
            "channel": "传真",
        },
    )
    assert r.status_code == 422
    message = r.json["errors"]["channel"][0]
    assert "visit（来访）" in message and "phone（电话）" in message
    r = client.post(
        "/api/v1/case/",
        headers=api_token("qs_daiban"),
        json={"kind": "consult", "channel": "传真", "applicant_name": "张"},
    )
    assert "可选：visit（窗口来访）、phone（电话）、home（上门）" in r.json["errors"]["channel"][0]


@pytest.mark.parametrize(
    "resource,field",
    [
        ("agent", "gender"),
        ("agent", "education"),
        ("agent", "level"),
        ("agent", "appointment_kind"),
    ],
)
def test_enum_shapes_on_agents(client, api_token, world, resource, field):
    h = api_token("zhongxin")
    version = client.get(f"/api/v1/agent/{world.agent_a}", headers=h).json["result"]["version"]
    r = client.put(f"/api/v1/agent/{world.agent_a}", headers=h, json={field: ["x"], "version": version})
    assert r.status_code == 422 and field in r.json["errors"]


def test_attendance_shape(client, api_token, rows, world):
    h = api_token("zhongxin")
    training = client.get("/api/v1/training/", headers=h).json["ids"][0]
    r = client.post(
        f"/api/v1/training/{training}/attendance", headers=h, json={"agent_id": world.agent_a, "attendance": {"x": 1}}
    )
    assert r.status_code == 422 and "attendance" in r.json["errors"]


def test_openapi_lists_every_enum(client, api_token):
    doc = client.get("/api/v1/_openapi", headers=api_token("zhongxin")).json
    schemas = doc["components"]["schemas"]
    assert schemas["CaseApi.post"]["properties"]["channel"]["enum"] == ["visit", "phone", "home"]
    assert schemas["AgentApi.put"]["properties"]["education"]["enum"][0] == "primary"
    assert schemas["ComplaintApi.post"]["properties"]["result"]["enum"] == ["pending", "true", "false"]
    assert "version" in schemas["CaseApi.put"]["required"]
    assert schemas["CaseApi.post"]["properties"]["received_at"]["format"] == "date-time"
    assert schemas["InspectionApi.post"]["properties"]["rectify_by"]["format"] == "date"
    attendance = doc["paths"]["/api/v1/training/{pk}/attendance"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert attendance["properties"]["attendance"]["enum"] == ["present", "excused", "absent"]
    reopen = doc["paths"]["/api/v1/payoutsheet/{pk}/reopen"]["post"]["requestBody"]["content"]["application/json"][
        "schema"
    ]
    assert set(reopen["required"]) == {"reason", "version"}


# -- received_at emptied -------------------------------------------------------------------
@pytest.mark.parametrize("value", [None, "", "   "])
def test_received_at_cannot_be_emptied(client, api_token, rows, world, value):
    h = api_token("zhongxin")
    case_id = _case_id(rows, world)
    version = client.get(f"/api/v1/case/{case_id}", headers=h).json["result"]["version"]
    r = client.put(f"/api/v1/case/{case_id}", headers=h, json={"received_at": value, "version": version})
    assert r.status_code == 422
    assert r.json["errors"]["received_at"] == ["受理时间为必填项"]


# -- bodies and queries --------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/api/v1/case/", "/api/v1/village/", "/api/v1/payoutsheet/compute"])
def test_deeply_nested_json_is_400(client, api_token, path):
    r = client.post(path, headers={**api_token("zhongxin"), "Content-Type": "application/json"}, data="[" * 5000)
    assert r.status_code == 400
    assert r.json["message"] == "请求体应为 JSON 对象"


@pytest.mark.parametrize("q", ["(", "-1.2e", "(" * 3000, "(filters:!((col:id,opr:eq,value:99999999999999999999)))"])
def test_unreadable_query_is_4xx_in_chinese(client, api_token, q):
    r = client.get("/api/v1/case/", headers=api_token("zhongxin"), query_string={"q": q})
    assert 400 <= r.status_code < 500, r.get_data(as_text=True)
    assert _chinese(r.json["message"])


def test_nul_byte_is_refused(client, api_token, world):
    r = client.post(
        "/api/v1/case/",
        headers=api_token("qs_daiban"),
        json={
            "kind": "consult",
            "applicant_name": "张\x00三",
            "request_text": "x",
        },
    )
    assert r.status_code == 422
    assert "不允许的控制字符" in r.json["errors"]["applicant_name"][0]
    with client.application.app_context():
        assert not [n for (n,) in db.session.query(Case.applicant_name) if "\x00" in n]


def test_nul_byte_on_a_form(login, world):
    c = login("zhongxin")
    r = c.post(
        "/village/add",
        data={
            "name": "新\x00村",
            "code": "XC",
            "active": "y",
            "supplement_per_year": "0",
            "service_phone": "0731-84562001",
        },
    )
    assert r.status_code == 200
    assert "不允许的控制字符" in r.get_data(as_text=True)


# -- list filters and sorting ----------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/case/list/?_flt_2_village=2",
        "/case/list/?_flt_9_status=x",
        "/signin/list/?_flt_9_agent=1",
        "/attendance/list/?_flt_9_agent=1",
        "/deduction/list/?_flt_9_agent=1",
        "/monthlyreport/list/?_flt_9_village=1",
        "/payoutline/list/?_flt_9_village=1",
        "/agent/list/?_flt_9_village=1",
        "/case/list/?_flt_0_village=99999999999999999999",
        "/case/list/?_flt_0_received_at=notadate",
    ],
)
@pytest.mark.parametrize("user", ["zhongxin", "qs_daiban"])
def test_bad_list_filter_shows_the_list(login, rows, url, user):
    r = login(user).get(url)
    assert r.status_code in (200, 403), (url, r.status_code)
    if r.status_code == 200 and "_flt_2_village" in url:
        assert "筛选条件无效，已忽略" in r.get_data(as_text=True)


@pytest.mark.parametrize("user", ["qs_daiban", "qs_shuji", "zhongxin"])
def test_sort_by_village_as_any_user(login, rows, user):
    r = login(user).get("/case/list/?_oc_CaseView=village&_od_CaseView=asc")
    assert r.status_code == 200
    assert "申请人QS" in r.get_data(as_text=True)


def test_dates_out_of_range_are_422(client, api_token, world):
    r = client.post(
        "/api/v1/inspection/",
        headers=api_token("jijian"),
        json={
            "inspected_at": "9999-12-31T10:00:00",
            "village_id": world.village_a,
            "inspector": "张",
        },
    )
    assert r.status_code == 422 and "inspected_at" in r.json["errors"]
    r = client.post(
        "/api/v1/inspection/",
        headers=api_token("jijian"),
        json={
            "inspected_at": "2026-11-02T10:00:00",
            "village_id": world.village_a,
            "inspector": "张",
            "rectify_by": "0001-01-01",
        },
    )
    assert r.status_code == 422 and "rectify_by" in r.json["errors"]
