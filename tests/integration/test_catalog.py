"""代办事项目录 (SPEC §4, policy 第四条): township staff add, correct and retire items;
everyone reads them; the 一次性告知单 of an item prints."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, ServiceCategory, ServiceItem
from app.services import catalog
from app.services.errors import ValidationFailed
from tests.factories import make_case
from tests.integration.test_cases_support import clock_fixture, items_fixture  # noqa: F401 - fixtures


def _cat(code: str) -> int:
    return db.session.execute(select(ServiceCategory.id).where(ServiceCategory.code == code)).scalar_one()


def test_seeded_catalog_has_the_ten_categories_of_the_policy(app, items):
    with app.app_context():
        names = db.session.execute(select(ServiceCategory.name).order_by(ServiceCategory.code)).scalars().all()
        assert len(names) == 10 and names[0] == "养老医疗保险" and names[-1] == "便民工具使用"


def test_items_are_numbered_in_their_category_and_validated(app, items):
    with app.app_context():
        item = catalog.create_item(
            {
                "category_id": _cat("04"),
                "name": "无犯罪记录证明代办",
                "window": "乡派出所",
                "materials": "身份证\n户口簿\n\n",
                "promised_days": "5",
            }
        )
        assert item.code.startswith("04") and item.materials == ["身份证", "户口簿"] and item.active
        assert item.fee == Decimal("0.00")
        with pytest.raises(ValidationFailed) as err:
            catalog.create_item(
                {
                    "category_id": _cat("04"),
                    "name": "无犯罪记录证明代办",
                    "window": "",
                    "promised_days": "99",
                    "fee": "-2",
                    "materials": ["身份证", "身份证"],
                }
            )
        errors = err.value.errors
        assert errors["window"] == ["办理窗口为必填项"]
        assert "0至60" in errors["promised_days"][0] and "负数" in errors["fee"][0] and "重复" in errors["materials"][0]
        with pytest.raises(ValidationFailed) as err:
            catalog.create_item({"category_id": _cat("04"), "name": "无犯罪记录证明代办", "window": "窗口"})
        assert "已存在" in err.value.errors["name"][0]
        with pytest.raises(ValidationFailed) as err:
            catalog.create_item({"category_id": 999, "name": "x", "window": "y"})
        assert err.value.errors["category_id"] == ["请选择事项类别"]


def test_moving_an_item_to_another_category_moves_its_cases(app, world, items, clock):
    case_id = make_case(app, world, items)
    with app.app_context():
        catalog.update_item(db.session.get(ServiceItem, items["0101"]), {"category_id": _cat("02")})
        assert db.session.get(Case, case_id).category_id == _cat("02")


def test_new_category_gets_the_next_number(app, items):
    with app.app_context():
        cat = catalog.create_category({"name": "农村产权交易代办"})
        assert cat.code == "11"
        with pytest.raises(ValidationFailed):
            catalog.create_category({"name": "农村产权交易代办"})


def test_township_adds_and_retires_items_through_the_pages(app, items, login):
    c = login("zhongxin")
    assert "代办事项目录" in c.get("/serviceitem/list/").get_data(as_text=True)
    r = c.post(
        "/serviceitem/add",
        data={
            "category": str(_id(app, ServiceCategory, "06")),
            "name": "农业保险理赔代办",
            "window": "乡农业综合服务窗口",
            "materials": "身份证\n银行卡\n受灾照片",
            "promised_days": "5",
            "fee": "0",
            "active": "y",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        item = db.session.execute(select(ServiceItem).where(ServiceItem.name == "农业保险理赔代办")).scalar_one()
        assert item.materials == ["身份证", "银行卡", "受灾照片"] and item.code.startswith("06")
        item_id = item.id
    page = c.get(f"/serviceitem/edit/{item_id}").get_data(as_text=True)
    assert "身份证\n银行卡\n受灾照片" in page
    r = c.post(
        f"/serviceitem/edit/{item_id}",
        data={
            "category": str(_id(app, ServiceCategory, "06")),
            "name": "农业保险理赔代办",
            "window": "乡农业综合服务窗口",
            "materials": "身份证\n银行卡",
            "promised_days": "5",
            "fee": "0",
        },
    )
    assert r.status_code == 302
    with app.app_context():
        item = db.session.get(ServiceItem, item_id)
        assert item.active is False and item.materials == ["身份证", "银行卡"]  # unticked 启用 = retired
    r = c.post(
        "/serviceitem/add",
        data={"category": str(_id(app, ServiceCategory, "06")), "name": "", "window": "", "promised_days": "abc"},
    )
    assert r.status_code == 200 and "必填" in r.get_data(as_text=True)
    assert c.get(f"/serviceitem/delete/{item_id}").status_code == 404


def _id(app, model, code):
    with app.app_context():
        return db.session.execute(select(model.id).where(model.code == code)).scalar_one()


def test_villages_read_the_catalog_but_cannot_change_it(app, items, login, api_token):
    for user in ("qs_daiban", "qs_shuji"):
        c = login(user)
        assert c.get("/serviceitem/list/").status_code == 200
        assert c.get(f"/serviceitem/show/{items['0101']}").status_code == 200
        assert c.get("/serviceitem/add").status_code == 403
        assert c.get("/servicecategory/add").status_code == 403
        assert c.get(f"/casedoc/item/{items['0101']}").status_code == 200
    h = api_token("qs_daiban")
    c = app.test_client()
    assert c.get("/api/v1/serviceitem/", headers=h).json["count"] >= 50
    assert c.post("/api/v1/serviceitem/", json={"name": "x"}, headers=h).status_code == 403


def test_township_manages_items_through_the_api(app, items, api_token):
    h = api_token("zhongxin")
    c = app.test_client()
    with app.app_context():
        cat = _cat("09")
    r = c.post(
        "/api/v1/serviceitem/",
        json={
            "category_id": cat,
            "name": "燃气费代缴",
            "window": "村便民服务代办点",
            "materials": ["缴费户号"],
            "promised_days": 1,
        },
        headers=h,
    )
    assert r.status_code == 201 and r.json["result"]["code"].startswith("09")
    r = c.put(f"/api/v1/serviceitem/{r.json['id']}", json={"active": False, "fee": "abc"}, headers=h)
    assert r.status_code == 422 and "应为金额" in r.json["errors"]["fee"][0]
