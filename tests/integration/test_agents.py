"""Agents (SPEC §3): validation by form and API, eligibility, appointment chain, masking."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from app.extensions import db
from app.models import Agent, AuditLog
from tests.factories import agent_data, make_id


def _form(world, **extra) -> dict:
    data = agent_data(None, village_id=world.village_a)
    data = {**data, **extra}
    form = {}
    for k, v in data.items():
        if k == "village_id":
            form["village"] = str(v) if v else ""
        elif isinstance(v, bool):
            if v:
                form[k] = "y"
        elif v is not None:
            form[k] = str(v)
    return form


def _count(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count(Agent.id))).scalar()


def test_bad_id_check_digit_is_refused_in_chinese_and_nothing_saved(app, login, world):
    c = login("zhongxin")
    before = _count(app)
    good = make_id(dt.date(1992, 3, 4), "321")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    r = c.post("/agent/add", data=_form(world, name="赵六", id_number=bad, status="candidate"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "身份证号校验位不正确" in html
    assert 'value="赵六"' in html  # the user's input stays on the form
    assert _count(app) == before


def test_grid_worker_and_junior_school_are_refused(app, login, world):
    c = login("zhongxin")
    before = _count(app)
    r = c.post(
        "/agent/add",
        data=_form(
            world,
            name="钱七",
            id_number=make_id(dt.date(1993, 1, 1), "111"),
            is_grid_worker=True,
            education="junior",
            status="candidate",
        ),
    )
    html = r.get_data(as_text=True)
    assert "不得由全科网格员担任" in html
    assert "高中、中专同等学历及以上" in html
    assert _count(app) == before


def test_age_over_50_on_the_hire_date_needs_an_override_reason(app, login, world):
    c = login("zhongxin")
    birth = dt.date(1975, 1, 2)  # 51 on the hire date 2026-02-01
    form = _form(world, name="孙八", id_number=make_id(birth, "223"), status="candidate", hired_on="2026-02-01")
    r = c.post("/agent/add", data=form)
    html = r.get_data(as_text=True)
    assert "年龄原则上在50周岁以下，截至2026-02-01年满51周岁" in html and "请填写破格聘任理由" in html
    assert _count(app) == 2
    form["age_override_reason"] = "熟悉村情，群众公认，经两委会议研究同意"
    r = c.post("/agent/add", data=form)
    assert r.status_code == 302
    with app.app_context():
        agent = db.session.execute(select(Agent).where(Agent.name == "孙八")).scalar_one()
        assert agent.age_on(dt.date(2026, 2, 1)) == 51
        assert agent.age_override_reason.startswith("熟悉村情")
        assert agent.gender == "M" and agent.birth_date == birth


def test_agent_hired_at_48_is_edited_at_51_without_a_reason(app, login, world, monkeypatch):
    from app.services import clock

    monkeypatch.setattr(clock, "today", lambda: dt.date(2026, 12, 1))
    c = login("zhongxin")
    form = _form(world, name="孙八", id_number=make_id(dt.date(1975, 6, 1), "223"), status="candidate")
    assert form["hired_on"] == "2024-01-01"
    assert c.post("/agent/add", data=form).status_code == 302  # 48 on the hire date
    with app.app_context():
        agent = db.session.execute(select(Agent).where(Agent.name == "孙八")).scalar_one()
        pk, version = agent.id, agent.version
        assert agent.age_on(dt.date(2026, 12, 1)) == 51
    r = c.post(f"/agent/edit/{pk}", data={**form, "phone": "13973100055", "version": str(version)})
    assert r.status_code == 302, r.get_data(as_text=True)
    with app.app_context():
        agent = db.session.get(Agent, pk)
        assert agent.phone == "13973100055" and not agent.age_override_reason
    page = c.get(f"/agent/show/{pk}").get_data(as_text=True)
    assert "1975-06-01（51周岁）" in page  # the age today, by the one clock


def test_candidate_without_hire_date_is_checked_on_the_meeting_date(app, login, world):
    c = login("zhongxin")
    # 50 on the 党员、村民代表会议 date 2025-05-31, although 51 today
    form = _form(
        world,
        name="孙八",
        id_number=make_id(dt.date(1975, 6, 1), "223"),
        status="candidate",
        hired_on="",
        filed_on="",
        approved_on="2025-05-31",
        nominated_on="2025-05-20",
    )
    assert c.post("/agent/add", data=form).status_code == 302


def test_township_agent_needs_the_party_committee_decision_not_the_village_chain(app, login, world):
    c = login("zhongxin")
    form = _form(
        world,
        name="吴十",
        id_number=make_id(dt.date(1990, 9, 9), "335"),
        village_id=None,
        level="township",
        window_unit="乡便民服务中心民政窗口",
    )
    r = c.post("/agent/add", data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "在岗的乡级代办员须填写党委（扩大）会议研究决定日期（第二条（二）2）" in html
    assert _count(app) == 2
    r = c.post("/agent/add", data={**form, "committee_decided_on": "2024-01-02"})
    assert "聘任日期（2024-01-01）不能早于党委（扩大）会议研究决定日期（2024-01-02）" in r.get_data(as_text=True)
    r = c.post("/agent/add", data={**form, "committee_decided_on": "2023-12-20"})
    assert r.status_code == 302
    with app.app_context():
        agent = db.session.execute(select(Agent).where(Agent.name == "吴十")).scalar_one()
        assert agent.committee_decided_on == dt.date(2023, 12, 20)
        # the village chain (两委提名 / 党员村民代表会议 / 备案) is not kept for 乡级 agents
        assert (agent.nominated_on, agent.approved_on, agent.filed_on) == (None, None, None)
        assert agent.village_id is None


def test_village_agent_keeps_the_village_chain_and_no_committee_date(app, api_token, world):
    headers = api_token("zhongxin")
    body = {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in agent_data(None, village_id=world.village_a).items()
    }
    body.update(
        name="郑一",
        id_number=make_id(dt.date(1992, 2, 2), "777"),
        status="candidate",
        committee_decided_on="2023-12-01",
    )
    r = app.test_client().post("/api/v1/agent/", json=body, headers=headers)
    assert r.status_code == 201, r.json
    assert r.json["result"]["committee_decided_on"] is None
    assert r.json["result"]["approved_on"] == "2023-12-12"


def test_second_active_agent_in_a_village_is_refused(app, login, world):
    c = login("zhongxin")
    r = c.post("/agent/add", data=_form(world, name="周九", id_number=make_id(dt.date(1990, 9, 9), "333")))
    assert "每村只能有一名在岗村级代办员" in r.get_data(as_text=True)


def test_active_status_needs_the_appointment_chain_in_order(app, login, world):
    c = login("zhongxin")
    r = c.post(
        "/agent/add",
        data=_form(
            world,
            name="吴十",
            id_number=make_id(dt.date(1990, 9, 9), "335"),
            village_id=world.village_b,
            status="candidate",
            filed_on="2023-12-01",
            approved_on="2023-12-05",
        ),
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert _count(app) == 2
    assert "“乡政府审核备案”日期（2023-12-01）不能早于“党员、村民代表会议通过”日期（2023-12-05）" in html


def test_api_validation_is_422_with_chinese_field_messages(app, api_token, world):
    headers = api_token("zhongxin")
    c = app.test_client()
    body = {
        k: (v.isoformat() if isinstance(v, dt.date) else v)
        for k, v in agent_data(None, village_id=world.village_a).items()
    }
    body.update(name="郑一", id_number="430123199001011235", phone="12345", status="candidate")
    r = c.post("/api/v1/agent/", json=body, headers=headers)
    assert r.status_code == 422
    assert "身份证号" in " ".join(r.json["errors"]["id_number"])
    assert "手机号码" in " ".join(r.json["errors"]["phone"])
    r = c.post("/api/v1/agent/", json={"name": "x", "hired_on": "2026-02-30"}, headers=headers)
    assert r.status_code == 422
    assert any("日期" in m for m in r.json["errors"]["hired_on"])
    r = c.post("/api/v1/agent/", data="not json", headers=headers)
    assert r.status_code == 400
    assert _count(app) == 2


def test_api_creates_agent_and_audit_records_masked_numbers(app, api_token, world):
    headers = api_token("zhongxin")
    body = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in agent_data(None).items()}
    body.update(
        name="冯二",
        id_number=make_id(dt.date(1995, 5, 5), "444"),
        phone="13973100099",
        level="township",
        window_unit="乡便民服务中心社保窗口",
        committee_decided_on="2023-12-20",
    )
    r = app.test_client().post("/api/v1/agent/", json=body, headers=headers)
    assert r.status_code == 201, r.json
    with app.app_context():
        log = db.session.execute(
            select(AuditLog).where(
                AuditLog.table_name == "agent", AuditLog.row_id == r.json["id"], AuditLog.action == "create"
            )
        ).scalar_one()
        assert log.user_name == "zhongxin"
        assert log.changes["name"] == [None, "冯二"]
        assert "*" in log.changes["id_number"][1] and "*" in log.changes["phone"][1]


def test_update_is_audited_old_to_new(app, login, world):
    c = login("zhongxin")
    with app.app_context():
        version = db.session.get(Agent, world.agent_a).version
    form = _form(world, phone="13973100077", version=str(version))
    r = c.post(f"/agent/edit/{world.agent_a}", data=form)
    assert r.status_code == 302
    with app.app_context():
        log = (
            db.session.execute(
                select(AuditLog)
                .where(AuditLog.table_name == "agent", AuditLog.action == "update")
                .order_by(AuditLog.id.desc())
            )
            .scalars()
            .first()
        )
        assert log.user_name == "zhongxin" and log.row_id == world.agent_a
        assert log.changes == {"phone": ["139****0001", "139****0077"]}


def test_concurrent_edit_is_refused(app, login, world):
    c = login("zhongxin")
    with app.app_context():
        version = db.session.get(Agent, world.agent_a).version
    r = c.post(f"/agent/edit/{world.agent_a}", data=_form(world, phone="13973100077", version=str(version)))
    assert r.status_code == 302
    r = c.post(f"/agent/edit/{world.agent_a}", data=_form(world, phone="13973100088", version=str(version)))
    assert "已被其他人修改" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Agent, world.agent_a).phone == "13973100077"


def test_lists_mask_numbers_detail_full_for_township_only(app, login, world):
    with app.app_context():
        agent = db.session.get(Agent, world.agent_a)
        full_id, full_phone = agent.id_number, agent.phone
    secretary = login("qs_shuji")
    html = secretary.get("/agent/list/").get_data(as_text=True)
    assert full_id not in html and "430123********" in html
    html = secretary.get(f"/agent/show/{world.agent_a}").get_data(as_text=True)
    assert full_id not in html and full_phone not in html
    township = login("zhongxin")
    assert full_id not in township.get("/agent/list/").get_data(as_text=True)
    html = township.get(f"/agent/show/{world.agent_a}").get_data(as_text=True)
    assert full_id in html and full_phone in html
    own = login("qs_daiban")  # the agent's own record
    assert full_id in own.get(f"/agent/show/{world.agent_a}").get_data(as_text=True)


def test_dismissal_needs_date_and_reason(app, login, world):
    c = login("zhongxin")
    with app.app_context():
        version = db.session.get(Agent, world.agent_a).version
    r = c.post(f"/agent/edit/{world.agent_a}", data=_form(world, status="dismissed", version=str(version)))
    assert "解聘" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Agent, world.agent_a).status == "active"
    r = c.post(
        f"/agent/edit/{world.agent_a}",
        data=_form(
            world,
            status="dismissed",
            dismissed_on="2026-11-20",
            dismissal_reason="督查检查不在岗累计3次，予以解聘",
            version=str(version),
        ),
    )
    assert r.status_code == 302
    with app.app_context():
        assert db.session.get(Agent, world.agent_a).status == "dismissed"


def test_secretary_cannot_add_or_edit_agents(app, login, world):
    c = login("qs_shuji")
    assert c.get("/agent/add").status_code == 403
    assert c.post(f"/agent/edit/{world.agent_a}", data=_form(world)).status_code == 403


def test_strikes_show_on_agent_list_and_page(app, login, world):
    import datetime as dt
    from decimal import Decimal

    from app.models import Deduction

    with app.app_context():
        for n in range(1, 3):
            db.session.add(
                Deduction(
                    code="3",
                    agent_id=world.agent_a,
                    village_id=world.village_a,
                    year=2026,
                    month=n,
                    occurred_on=dt.date(2026, n, 5),
                    amount=Decimal("50.00"),
                    source_type="inspection",
                    source_id=n,
                )
            )
        db.session.commit()
    c = login("zhongxin")
    assert "两次警示" in c.get("/agent/list/").get_data(as_text=True)
    with app.app_context():
        db.session.add(
            Deduction(
                code="3",
                agent_id=world.agent_a,
                village_id=world.village_a,
                year=2026,
                month=3,
                occurred_on=dt.date(2026, 3, 5),
                amount=Decimal("50.00"),
                source_type="inspection",
                source_id=3,
            )
        )
        db.session.commit()
    assert "应予解聘" in c.get("/agent/list/").get_data(as_text=True)
    page = c.get(f"/agent/show/{world.agent_a}").get_data(as_text=True)
    assert "应予解聘" in page and "累计3次" in page


def test_api_detail_shows_full_numbers_to_township_and_own_agent_only(app, api_token, world):
    with app.app_context():
        agent = db.session.get(Agent, world.agent_a)
        full_id, full_phone = agent.id_number, agent.phone
    c = app.test_client()
    url = f"/api/v1/agent/{world.agent_a}"
    pruned = url + "?q=(columns:!(name,id_number_detail,phone_detail))"
    for username, full in (("qs_shuji", False), ("zhongxin", True), ("qs_daiban", True)):
        headers = api_token(username)
        for address in (url, pruned):
            result = c.get(address, headers=headers).json["result"]
            shown = (result["id_number_detail"], result["phone_detail"])
            assert (shown == (full_id, full_phone)) is full, (username, address, shown)
            if not full:
                assert shown[0].startswith("430123****") and full_phone not in shown[1]
    listed = c.get("/api/v1/agent/", headers=api_token("zhongxin")).json["result"]
    assert all(full_id != row["id_number_masked"] and "*" in row["phone_masked"] for row in listed)
