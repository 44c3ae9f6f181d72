"""Villages (SPEC §2): validation, 六个一, API."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Village


def _count(app):
    with app.app_context():
        return db.session.execute(select(func.count(Village.id))).scalar()


def test_village_form_validates_in_chinese(app, login, world):
    c = login("zhongxin")
    r = c.post(
        "/village/add", data={"name": "荷塘村", "code": "H1", "service_phone": "12345", "supplement_per_year": "-5"}
    )
    html = r.get_data(as_text=True)
    assert "村代码应为2至6位英文字母" in html
    assert "电话号码格式不正确" in html
    assert "金额不能为负数" in html
    assert _count(app) == 2
    r = c.post("/village/add", data={"name": "青山村", "code": "QS"})
    html = r.get_data(as_text=True)
    # 村代码: FAB's unique check (county-wide); the service says the same for API/CLI
    assert html.count("已经存在") == 1
    # 村名: the service's check, within the township (issue 15 §1)
    r = c.post("/village/add", data={"name": "青山村", "code": "QSX", "supplement_per_year": "0"})
    assert "村名“青山村”已存在" in r.get_data(as_text=True)
    assert _count(app) == 2


def test_six_ones_standard(app, login, world):
    c = login("zhongxin")
    data = {"name": "荷塘村", "code": "ht", "service_phone": "0731-84562004", "active": "y", "supplement_per_year": "0"}
    for attr in ("std_counter", "std_agent", "std_register", "std_card", "std_system", "std_board"):
        data[attr] = "y"
        data[f"{attr}_checked_on"] = "2026-11-01"
    assert c.post("/village/add", data=data).status_code == 302
    with app.app_context():
        v = db.session.execute(select(Village).where(Village.code == "HT")).scalar_one()
        assert v.six_ones_met
        v.std_board = False
        db.session.commit()
        assert not v.six_ones_met and v.six_ones_missing() == ["代办员公示牌"]
    html = c.get("/village/list/").get_data(as_text=True)
    assert "缺1项" in html


def test_village_api(app, api_token, world):
    headers = api_token("zhongxin")
    c = app.test_client()
    r = c.post(
        "/api/v1/village/", json={"name": "梅岭村", "code": "ML", "supplement_per_year": "1200.5"}, headers=headers
    )
    assert r.status_code == 201, r.json
    assert r.json["result"]["supplement_per_year"] in ("1200.50", 1200.5)
    r = c.post("/api/v1/village/", json={"name": "青山村", "code": "qs"}, headers=headers)
    assert r.status_code == 422
    assert "村名“青山村”已存在" in r.json["errors"]["name"][0]
    assert "村代码“QS”已存在" in r.json["errors"]["code"][0]
    r = c.post("/api/v1/village/", json={"name": "", "code": "1"}, headers=headers)
    assert r.status_code == 422
    assert "村名为必填项" in r.json["errors"]["name"][0]
    r = c.put(f"/api/v1/village/{world.village_a}", json={"supplement_per_year": "abc"}, headers=headers)
    assert r.status_code == 422
    r = c.put(f"/api/v1/village/{world.village_a}", json={"secretary_name": "刘建国", "version": 99}, headers=headers)
    assert r.status_code == 409
    assert "已被其他人修改" in r.json["message"]
    assert c.get("/api/v1/village/999999", headers=headers).status_code == 404
    assert c.delete(f"/api/v1/village/{world.village_a}", headers=headers).status_code in (404, 405)


def test_secretary_api_is_read_only(app, api_token, world):
    headers = api_token("qs_shuji")
    c = app.test_client()
    assert c.get(f"/api/v1/village/{world.village_a}", headers=headers).status_code == 200
    assert c.put(f"/api/v1/village/{world.village_a}", json={"secretary_name": "x"}, headers=headers).status_code == 403
    assert c.post("/api/v1/village/", json={"name": "x村", "code": "XX"}, headers=headers).status_code == 403
