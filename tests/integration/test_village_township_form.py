"""所属乡镇 on the village and agent forms, moving a village, names per township (issue 15 §1)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Agent, Village
from app.services.errors import ValidationFailed
from tests.factories import agent_data, make_id

MOVE_REFUSED = "“石桥村”已列入补助发放表，不能再改所属乡镇：已核定的补助不能随村转走"


def _options(html: str) -> list[tuple[bool, str, str]]:
    """(selected, value, text) of the 所属乡镇 select."""
    m = re.search(r'<select[^>]*name="township_id".*?</select>', html, re.S)
    if m is None:
        return []
    return [
        ("selected" in attrs, value, text)
        for attrs, value, text in re.findall(r'<option([^>]*?)value="([^"]*)"[^>]*>([^<]*)</option>', m.group(0))
    ]


def _village(code: str) -> Village | None:
    return db.session.execute(select(Village).where(Village.code == code)).scalar()


def _form(**extra) -> dict:
    return {"name": "荷塘村", "code": "HT", "supplement_per_year": "0", "active": "y", **extra}


def test_the_dropdown_is_shown_to_admin_and_hidden_from_a_township_user(app, login, world, county):
    admin = login("admin")
    for page in ("/village/add", f"/village/edit/{world.village_b}", "/agent/add", f"/agent/edit/{world.agent_b}"):
        options = _options(admin.get(page).get_data(as_text=True))
        assert [text for _, _, text in options] == ["（请选择）", "建宁乡", "演示镇（虚构）"], page
    edit = _options(admin.get(f"/village/edit/{world.village_b}").get_data(as_text=True))
    assert [text for selected, _, text in edit if selected] == ["演示镇（虚构）"]  # the village's own
    for user, village in (("zhongxin", world.village_a), ("b_zhongxin", world.village_b)):
        c = login(user)
        for page in ("/village/add", f"/village/edit/{village}", "/agent/add"):
            r = c.get(page)
            html = r.get_data(as_text=True)
            assert r.status_code == 200 and 'name="township_id"' not in html and "所属乡镇" not in html, (user, page)


def test_the_only_township_is_preselected(app, login, world):
    options = _options(login("admin").get("/village/add").get_data(as_text=True))
    assert [t for _, _, t in options] == ["建宁乡"]  # no blank choice: the browser sends the only one
    r = login("admin").post("/village/add", data=_form())
    assert r.status_code == 302
    with app.app_context():
        assert _village("HT").township.name == "建宁乡"


def test_admin_creates_a_village_in_township_b(app, login, world, county):
    admin = login("admin")
    r = admin.post("/village/add", data=_form())
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "请选择所属乡镇" in html  # two townships: say which
    r = admin.post("/village/add", data=_form(township_id="9999"))
    assert r.status_code == 200 and "所属乡镇不存在" in r.get_data(as_text=True)
    r = admin.post("/village/add", data=_form(township_id="不是数字"))
    assert r.status_code == 200 and "请选择所属乡镇" in r.get_data(as_text=True)
    with app.app_context():
        assert _village("HT") is None
    r = admin.post("/village/add", data=_form(township_id=str(county.township_b)))
    assert r.status_code == 302
    with app.app_context():
        assert _village("HT").township_id == county.township_b
    # township B's staff see it, township A's do not
    assert "荷塘村" in login("b_zhongxin").get("/village/list/").get_data(as_text=True)
    assert "荷塘村" not in login("zhongxin").get("/village/list/").get_data(as_text=True)


def test_a_township_user_cannot_create_or_move_villages_into_another_township(app, login, api_token, world, county):
    c = login("zhongxin")  # township A
    # a forged 所属乡镇 on the form is no field of theirs: the village goes to their own township
    assert c.post("/village/add", data=_form(township_id=str(county.township_b))).status_code == 302
    with app.app_context():
        village = _village("HT")
        assert village.township_id == county.township_a
        version = village.version
    r = c.post(f"/village/edit/{village.id}", data=_form(township_id=str(county.township_b), version=version))
    assert r.status_code == 302
    with app.app_context():
        assert _village("HT").township_id == county.township_a
    # another township's village is not theirs to open or edit
    assert c.get(f"/village/edit/{world.village_b}").status_code == 404
    assert c.post(f"/village/edit/{world.village_b}", data=_form(name="石桥村", code="SQ")).status_code == 404
    # the API answers in Chinese, never a 500
    headers = api_token("zhongxin")
    r = c.post(
        "/api/v1/village/",
        json={"name": "云湖村", "code": "YH", "township_id": county.township_b, "supplement_per_year": "0"},
        headers=headers,
    )
    assert r.status_code == 422 and "所属乡镇不存在" in r.json["errors"]["township_id"][0]
    r = c.put(
        f"/api/v1/village/{village.id}", json={"township_id": county.township_b, "version": version}, headers=headers
    )
    assert r.status_code == 422, r.get_data(as_text=True)
    assert "乡镇账号不能把村改到其他乡镇" in r.json["errors"]["township_id"][0]
    with app.app_context():
        assert _village("HT").township_id == county.township_a
        assert _village("YH") is None


def test_moving_a_village_with_payout_lines_is_refused(app, login, world, county, clock):
    from app.services.payouts import compute_sheet

    clock.set("2026-10-08 09:30")
    with app.app_context():
        sheet = compute_sheet({"quarter": "2026Q3", "township_id": county.township_b})
        assert {line.village_id for line in sheet.lines} == {world.village_b}
        version = db.session.get(Village, world.village_b).version
    admin = login("admin")
    r = admin.post(
        f"/village/edit/{world.village_b}",
        data=_form(name="石桥村", code="SQ", township_id=str(county.township_a), version=version),
    )
    assert r.status_code == 200 and MOVE_REFUSED in r.get_data(as_text=True)
    with app.app_context():
        village = db.session.get(Village, world.village_b)
        assert (village.township_id, village.version, village.name) == (county.township_b, version, "石桥村")
        # editing anything else of it is still fine
        from app.services.villages import update_village

        update_village(village, {"secretary_name": "陈志强", "version": version})
        assert village.secretary_name == "陈志强"


def test_a_sheet_of_its_township_covering_the_village_also_holds_it(app, world, county, clock):
    """No line of the village yet (it had no agent when the sheet was computed), but the
    township's sheet covers a quarter the village existed in."""
    from app.services.payouts import compute_sheet
    from app.services.villages import update_village

    clock.set("2026-10-08 09:30")
    with app.app_context():
        village = db.session.get(Village, world.village_b)
        village.created_at = dt.datetime(2026, 1, 5, 8, 0)
        db.session.commit()
        sheet = compute_sheet({"quarter": "2026Q3", "township_id": county.township_b})
        for line in list(sheet.lines):
            db.session.delete(line)
        db.session.commit()
        with pytest.raises(ValidationFailed) as err:
            update_village(village, {"township_id": county.township_a, "version": village.version})
        assert str(err.value.errors["township_id"][0]) == MOVE_REFUSED
        db.session.rollback()
        assert db.session.get(Village, world.village_b).township_id == county.township_b


def test_moving_a_village_without_payout_history_is_allowed(app, login, world, county):
    with app.app_context():
        version = db.session.get(Village, world.village_b).version
    r = login("admin").post(
        f"/village/edit/{world.village_b}",
        data=_form(name="石桥村", code="SQ", township_id=str(county.township_a), version=version),
    )
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Village, world.village_b).township_id == county.township_a
        assert db.session.get(Agent, world.agent_b).township_id == county.township_a  # the agent comes along
    assert "石桥村" in login("zhongxin").get("/village/list/").get_data(as_text=True)
    assert "石桥村" not in login("b_zhongxin").get("/village/list/").get_data(as_text=True)


def test_village_names_per_township_codes_county_wide(app, world, county):
    from app.security import scoped_to_township
    from app.services.villages import create_village, update_village

    with app.app_context():
        # 青山村 is township A's: township B may have one too
        b = create_village({"name": "青山村", "code": "QSB", "township_id": county.township_b})
        assert b.township_id == county.township_b
        with pytest.raises(ValidationFailed) as err:
            create_village({"name": "青山村", "code": "QSC", "township_id": county.township_a})
        assert str(err.value.errors["name"][0]) == "村名“青山村”已存在"
        with scoped_to_township(county.township_b), pytest.raises(ValidationFailed) as err:
            create_village({"name": "青山村", "code": "QSD"})  # now B has one too
        assert str(err.value.errors["name"][0]) == "村名“青山村”已存在"
        db.session.rollback()
        with pytest.raises(ValidationFailed) as err:  # a code in any township
            create_village({"name": "新村", "code": "qs", "township_id": county.township_b})
        assert str(err.value.errors["code"][0]) == "村代码“QS”已存在"
        db.session.rollback()
        # renaming into a clash within the township, and moving into one
        b = db.session.get(Village, b.id)
        with pytest.raises(ValidationFailed) as err:
            update_village(b, {"name": "石桥村", "version": b.version})
        assert str(err.value.errors["name"][0]) == "村名“石桥村”已存在"
        db.session.rollback()
        b = db.session.get(Village, b.id)
        with pytest.raises(ValidationFailed) as err:
            update_village(b, {"township_id": county.township_a, "version": b.version})
        assert str(err.value.errors["name"][0]) == "村名“青山村”已存在"
        db.session.rollback()
        assert db.session.get(Village, b.id).township_id == county.township_b


def _township_agent(**extra) -> dict:
    data = {
        "name": "乡级乙",
        "id_number": make_id(dt.date(1990, 5, 6), "321"),
        "phone": "13973100009",
        "level": "township",
        "window_unit": "镇便民服务中心",
        "committee_decided_on": dt.date(2023, 12, 20),
        **extra,
    }
    return agent_data(None, **data)


def test_agent_township_admin_chooses_township_user_gets_their_own(app, world, county):
    from app.security import scoped_to_township
    from app.services.agents import create_agent, update_agent

    with app.app_context():
        with pytest.raises(ValidationFailed) as err:  # two townships: which one hires them?
            create_agent(_township_agent())
        assert str(err.value.errors["township_id"][0]) == "请选择所属乡镇"
        db.session.rollback()
        agent = create_agent(_township_agent(township_id=county.township_b))
        assert agent.township_id == county.township_b
        with scoped_to_township(county.township_a):
            own = create_agent(_township_agent(id_number=make_id(dt.date(1990, 5, 7), "322")))
            assert own.township_id == county.township_a
            with pytest.raises(ValidationFailed) as err:
                create_agent(
                    _township_agent(id_number=make_id(dt.date(1990, 5, 8), "323"), township_id=county.township_b)
                )
            assert str(err.value.errors["township_id"][0]) == "所属乡镇不存在"
        db.session.rollback()
        # a village agent's township is their village's: a different choice is refused
        with pytest.raises(ValidationFailed) as err:
            create_agent(
                agent_data(
                    db.session.get(Village, world.village_a),
                    id_number=make_id(dt.date(1992, 1, 1), "111"),
                    status="candidate",
                    township_id=county.township_b,
                )
            )
        assert str(err.value.errors["township_id"][0]) == "所在村“青山村”属于建宁乡，与所选乡镇不一致"
        db.session.rollback()
        # an edit that does not name the township keeps the hiring township
        agent = db.session.get(Agent, agent.id)
        update_agent(agent, {"window_unit": "镇政务服务窗口", "version": agent.version})
        assert agent.township_id == county.township_b


def test_admin_hires_a_township_agent_for_township_b_on_the_form(app, login, world, county):
    form = {
        "name": "乡级丙",
        "id_number": make_id(dt.date(1990, 5, 9), "324"),
        "phone": "13973100010",
        "education": "college",
        "level": "township",
        "window_unit": "镇便民服务中心",
        "appointment_kind": "hired",
        "committee_decided_on": "2023-12-20",
        "hired_on": "2024-01-01",
        "status": "active",
    }
    admin = login("admin")
    r = admin.post("/agent/add", data=form)
    assert r.status_code == 200 and "请选择所属乡镇" in r.get_data(as_text=True)
    r = admin.post("/agent/add", data={**form, "township_id": str(county.township_b)})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        agent = db.session.execute(select(Agent).where(Agent.name == "乡级丙")).scalar_one()
        assert agent.township_id == county.township_b
    assert "乡级丙" in login("b_zhongxin").get("/agent/list/").get_data(as_text=True)
    assert "乡级丙" not in login("zhongxin").get("/agent/list/").get_data(as_text=True)


# --- the catalog: names unique within (category, county catalog + the township's additions) ---
def _item(category_id: int, name: str, code: str | None = None, **extra) -> dict:
    data = {"category_id": category_id, "name": name, "window": "乡便民服务中心窗口", **extra}
    if code:
        data["code"] = code
    return data


@pytest.fixture
def category(app, world):
    from app.models import ServiceCategory

    with app.app_context():
        cat = ServiceCategory(code="06", name="农业农村")
        db.session.add(cat)
        db.session.commit()
        return cat.id


def test_catalog_names_per_township_codes_county_wide(app, world, county, category):
    from app.security import scoped_to_township
    from app.services.catalog import create_item, update_item

    def refused(data, field="name"):
        with pytest.raises(ValidationFailed) as err:
            create_item(data)
        db.session.rollback()
        return str(err.value.errors[field][0])

    with app.app_context():
        county_item = create_item(_item(category, "农机购置补贴代办"))
        assert county_item.township_id is None
        with scoped_to_township(county.township_b):
            # a township's addition may not repeat a county item's name …
            assert refused(_item(category, "农机购置补贴代办")) == "本类别中的事项“农机购置补贴代办”已存在"
            own = create_item(_item(category, "农业保险理赔代办"))
            assert own.township_id == county.township_b
            # … nor its own
            assert refused(_item(category, "农业保险理赔代办")) == "本类别中的事项“农业保险理赔代办”已存在"
            # a code is unique in the whole county, whoever's item has it
            assert refused(_item(category, "别的事项", code=county_item.code), "code").startswith("事项编码“")
            assert (
                refused(_item(category, "别的事项", township_id=county.township_a), "township_id") == "所属乡镇不存在"
            )
        with scoped_to_township(county.township_a):
            # two townships may each add the same name; township A's numbering skips B's codes
            other = create_item(_item(category, "农业保险理赔代办"))
            assert other.township_id == county.township_a and other.code != own.code
            assert refused(_item(category, "X", code=own.code), "code") == f"事项编码“{own.code}”已存在"
        # Admin adding for a township sees that township's items, not all townships'
        assert refused(_item(category, "农业保险理赔代办", township_id=county.township_b)).endswith("已存在")
        c = create_item(_item(category, "土地流转代办", township_id=county.township_b))
        assert c.township_id == county.township_b
        d = create_item(_item(category, "土地流转代办", township_id=county.township_a))
        assert d.township_id == county.township_a
        # a county item may not take a name some township already shows beside it
        assert refused(_item(category, "土地流转代办")).endswith("已存在")
        assert refused(_item(category, "X", township_id=9999), "township_id") == "所属乡镇不存在"
        # renaming checks the same set; an item stays county or township
        d = db.session.get(type(d), d.id)
        with pytest.raises(ValidationFailed) as err:
            update_item(d, {"name": "农机购置补贴代办"})
        assert "已存在" in str(err.value.errors["name"][0])
        db.session.rollback()
        d = db.session.get(type(d), d.id)
        with pytest.raises(ValidationFailed) as err:
            update_item(d, {"township_id": None})
        assert "不能修改" in str(err.value.errors["township_id"][0])
        db.session.rollback()
        d = db.session.get(type(d), d.id)
        update_item(d, {"name": "土地经营权流转代办"})
        assert d.name == "土地经营权流转代办" and d.township_id == county.township_a


def test_catalog_form_township_choice_for_admin_only(app, login, world, county, category):
    from app.models import ServiceItem

    admin = login("admin")
    options = _options(admin.get("/serviceitem/add").get_data(as_text=True))
    assert [t for _, _, t in options] == ["县目录（各乡镇通用）", "建宁乡", "演示镇（虚构）"]
    assert 'name="township_id"' not in login("zhongxin").get("/serviceitem/add").get_data(as_text=True)
    form = {"category": str(category), "name": "农业保险理赔代办", "window": "镇窗口", "promised_days": "5", "fee": "0"}
    assert admin.post("/serviceitem/add", data={**form, "township_id": str(county.township_b)}).status_code == 302
    r = admin.post("/serviceitem/add", data={**form, "township_id": str(county.township_b)})
    assert r.status_code == 200 and "本类别中的事项“农业保险理赔代办”已存在" in r.get_data(as_text=True)
    assert login("zhongxin").post("/serviceitem/add", data=form).status_code == 302  # township A's own
    with app.app_context():
        rows = db.session.execute(select(ServiceItem.township_id).where(ServiceItem.name == "农业保险理赔代办"))
        assert sorted(rows.scalars()) == sorted([county.township_a, county.township_b])
    # the lists say whose item and whose agent it is
    html = admin.get("/serviceitem/list/?_flt_0_name=农业保险理赔代办").get_data(as_text=True)
    assert "<th" in html and "目录" in html and "演示镇（虚构）" in html and "建宁乡" in html
    html = login("b_zhongxin").get("/serviceitem/list/").get_data(as_text=True)
    assert "演示镇（虚构）" in html and "建宁乡" not in html.split("</nav>", 1)[-1]
    with app.app_context():
        from app.services.catalog import create_item

        create_item({"category_id": category, "name": "县级通用事项", "window": "县窗口", "promised_days": 5, "fee": 0})
    assert "县目录" in login("b_zhongxin").get("/serviceitem/list/").get_data(as_text=True)


def test_the_agent_list_names_each_agents_township(app, login, world, county):
    html = login("admin").get("/agent/list/").get_data(as_text=True)
    assert "所属乡镇" in html and "演示镇（虚构）" in html and "建宁乡" in html
    html = login("zhongxin").get("/agent/list/").get_data(as_text=True)
    assert "建宁乡" in html and "演示镇（虚构）" not in html
