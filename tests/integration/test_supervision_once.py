"""Supervision records are never doubled (issue 9 §8, policy §二(四)2, SPEC §7).

The same inspection saved twice once made two ③ and a “两次警示” — one step from dismissal.
A second record of the same event is refused with a Chinese message naming the first one,
by the service check and, for two users saving at the same moment, by the unique index
(threads; on SQLite and, with TEST_DATABASE_URL, on PostgreSQL). After saving, the user lands
on the record, which shows the deduction it created and the agent's strike count.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Complaint, Deduction, Inspection, TrainingAttendance
from tests.integration.test_supervision import active_deductions, count, inspection_form

DUPLICATE = "该代办员在2026年11月24日10:15已有一条督查记录（第{id}号），请勿重复录入"


def _only_id(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(model.id)).scalar_one()


# --- inspections ------------------------------------------------------------------------------


def test_saving_an_inspection_lands_on_it_with_its_deduction_and_the_strike_count(app, login, world):
    c = login("jijian")
    r = c.post("/inspection/add", data=inspection_form(world))
    pk = _only_id(app, Inspection)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/inspection/show/{pk}")
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "由此产生的扣款" in html and "③督查检查不在岗" in html and "50.00" in html
    assert "王秀兰累计情况（①②③任何一种累计3次予以解聘）" in html and "③1" in html
    assert "查看代办员考核档案" in html


def test_the_same_inspection_twice_is_refused_naming_the_first(app, login, world):
    c = login("jijian")
    assert c.post("/inspection/add", data=inspection_form(world)).status_code == 302
    pk = _only_id(app, Inspection)
    # the same minute, typed again (seconds differ)
    r = c.post("/inspection/add", data=inspection_form(world, inspected_at="2026-11-24 10:15:40"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert DUPLICATE.format(id=pk) in html and "未保存" in html
    assert count(app, Inspection) == 1
    assert active_deductions(app) == [("3", Decimal("50.00"), 2026, 11, world.agent_a)]
    page = c.get(f"/agent/show/{world.agent_a}").get_data(as_text=True)
    assert "两次警示" not in page


def test_the_api_answers_409_for_a_doubled_inspection(app, api_token, world):
    c = app.test_client()
    headers = api_token("jijian")
    body = {"inspected_at": "2026-11-24T10:15:00", "village_id": world.village_a, "on_duty": False}
    r = c.post("/api/v1/inspection/", json=body, headers=headers)
    assert r.status_code == 201, r.get_json()
    first = r.json["id"]
    r = c.post("/api/v1/inspection/", json={**body, "inspected_at": "2026-11-24T10:15:30"}, headers=headers)
    assert r.status_code == 409
    assert r.json["errors"]["inspected_at"] == [DUPLICATE.format(id=first)]
    # another minute is another inspection; moving it onto the first one is refused too
    r = c.post("/api/v1/inspection/", json={**body, "inspected_at": "2026-11-24T15:30:00"}, headers=headers)
    assert r.status_code == 201
    second = r.json["id"]
    r = c.put(f"/api/v1/inspection/{second}", json={"inspected_at": "2026-11-24T10:15:00"}, headers=headers)
    assert r.status_code == 409 and DUPLICATE.format(id=first) in r.json["message"]
    assert count(app, Inspection) == 2
    assert len(active_deductions(app, code="3")) == 2


def _race(app, n: int, work) -> list:
    """Run ``work()`` in ``n`` threads at once, each with its own app context and session."""
    start = threading.Barrier(n)
    results: list = []

    def run() -> None:
        try:
            with app.app_context():
                start.wait()
                try:
                    results.append(work())
                finally:
                    db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.mark.parametrize("threads", [2, 4])
def test_two_users_saving_the_same_inspection_at_once_make_one_record_and_one_deduction(app, world, threads):
    from app.services.errors import Conflict
    from app.services.supervision import create_inspection

    data = {
        "inspected_at": "2026-11-24T10:15:00",
        "village_id": world.village_a,
        "on_duty": False,
        "inspector": "乡纪检办 张三",
    }
    results = _race(app, threads, lambda: create_inspection(data).id)
    saved = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(saved) == 1, results
    assert len(refused) == threads - 1, results
    assert all(str(e.message) == DUPLICATE.format(id=saved[0]) for e in refused)
    assert count(app, Inspection) == 1
    assert active_deductions(app) == [("3", Decimal("50.00"), 2026, 11, world.agent_a)]


# --- complaints -------------------------------------------------------------------------------


def complaint_form(world, **extra) -> dict:
    data = {
        "received_on": "2026-11-10",
        "channel": "visit",
        "village": str(world.village_a),
        "refused_request": "y",
        "content": "代办员不受理医保缴费代办",
        "result": "true",
        "verified_on": "2026-11-12",
    }
    data.update(extra)
    return data


def test_saving_a_complaint_lands_on_it_and_the_same_complaint_is_refused(app, login, world):
    c = login("jijian")
    r = c.post("/complaint/add", data=complaint_form(world))
    pk = _only_id(app, Complaint)
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/complaint/show/{pk}")
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "①群众反映不受理代办事项（经核实）" in html and "30.00" in html and "①1" in html
    # the same complaint again, typed with other spaces and line breaks around it
    r = c.post("/complaint/add", data=complaint_form(world, content="  代办员不受理医保缴费代办\r\n"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert f"青山村在2026年11月10日（反映渠道：来访）已有一条内容相同的群众反映记录（第{pk}号），请勿重复录入" in html
    assert count(app, Complaint) == 1
    assert active_deductions(app) == [("1", Decimal("30.00"), 2026, 11, world.agent_a)]
    # the same words by telephone on that day are another complaint
    assert c.post("/complaint/add", data=complaint_form(world, channel="phone", result="pending")).status_code == 302
    assert count(app, Complaint) == 2


def test_two_users_saving_the_same_complaint_at_once_make_one_record(app, world):
    from app.services.errors import Conflict
    from app.services.supervision import create_complaint

    data = {
        "received_on": "2026-11-10",
        "channel": "phone",
        "village_id": world.village_a,
        "content": "反映代办员不在岗",
        "result": "true",
        "verified_on": "2026-11-12",
        "verified_by": "乡纪检办",
    }
    results = _race(app, 3, lambda: create_complaint(data, day=dt.date(2026, 11, 26)).id)
    saved = [r for r in results if isinstance(r, int)]
    assert len(saved) == 1, results
    assert all(isinstance(r, Conflict) and f"（第{saved[0]}号）" in r.message for r in results if r not in saved)
    assert count(app, Complaint) == 1
    assert len(active_deductions(app, code="1")) == 1


# --- training attendance ----------------------------------------------------------------------------


def test_an_attendee_is_listed_once_per_training(app, login, api_token, world):
    headers = api_token("zhongxin")
    r = app.test_client().post(
        "/api/v1/training/", json={"title": "便民代办政策培训", "held_on": "2026-11-20"}, headers=headers
    )
    assert r.status_code == 201, r.get_json()
    training = r.json["id"]
    with app.app_context():
        row = db.session.execute(
            select(TrainingAttendance).where(
                TrainingAttendance.training_id == training, TrainingAttendance.agent_id == world.agent_a
            )
        ).scalar_one()
        row_id = row.id
    r = login("zhongxin").post(
        "/attendance/add", data={"training": str(training), "agent": str(world.agent_a), "attendance": "absent"}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert f"王秀兰已在“便民代办政策培训”的应参加名单中（第{row_id}号出勤记录），请修改原记录，勿重复录入" in html
    assert count(app, TrainingAttendance, TrainingAttendance.agent_id == world.agent_a) == 1
    assert count(app, Deduction) == 0


def test_a_record_marked_duplicate_by_the_migration_can_be_corrected_and_never_costs(app, world):
    """Migration 0003 marks an old copy ``duplicate_of_id``; saving it again (e.g. once its
    quarter is reopened) is not refused as a duplicate and voids its deduction."""
    from app.services.supervision import create_inspection, update_inspection

    data = {
        "inspected_at": "2026-11-24T10:15:00",
        "village_id": world.village_a,
        "on_duty": False,
        "inspector": "乡纪检办 张三",
    }
    with app.app_context():
        first = create_inspection(data)
        copy = Inspection(
            inspected_at=first.inspected_at,
            inspector="乡纪检办 张三",
            village_id=world.village_a,
            agent_id=world.agent_a,
            on_duty=False,
            duplicate_of_id=first.id,
        )
        db.session.add(copy)
        db.session.flush()
        db.session.add(
            Deduction(
                code="3",
                agent_id=world.agent_a,
                village_id=world.village_a,
                year=2026,
                month=11,
                occurred_on=first.inspected_at.date(),
                amount=Decimal("50.00"),
                source_type="inspection",
                source_id=copy.id,
                state="active",
            )
        )
        db.session.commit()
        copy_id, first_id = copy.id, first.id
        update_inspection(db.session.get(Inspection, copy_id), {"problems": "与前一条为同一次检查"})
        row = db.session.execute(select(Deduction).where(Deduction.source_id == copy_id)).scalar_one()
        assert row.state == "void"
        assert row.void_reason == f"重复录入的督查记录（与第{first_id}号为同一次检查），扣款撤销"
    assert active_deductions(app) == [("3", Decimal("50.00"), 2026, 11, world.agent_a)]
