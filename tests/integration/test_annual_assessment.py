"""年度考核 as a workflow (issue 15 §3, 第二条（四）2): gathered from the records, proposed by
``policy.annual_assessment.propose_grade``, decided by the township; 不合格 → 应予解聘."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Agent, AnnualAssessment, AssessmentEvidence, AuditLog, SignIn
from app.services import annual as svc
from app.services import deductions as ds
from app.services import supervision as ss
from app.services.calendar import work_calendar
from app.services.errors import Conflict, ValidationFailed
from tests.factories import case_row

DAY = dt.date(2026, 1, 20)
NOW = dt.datetime(2026, 1, 20, 10, 0)


def off_duty(world, at: dt.datetime):
    return ss.create_inspection(
        {"inspected_at": at, "inspector": "乡纪检办 张三", "village_id": world.village_a, "on_duty": False},
        now=NOW,
    )


def sign_every_workday(agent_id: int, village_id: int, year: int) -> int:
    cal = work_calendar()
    day, n = dt.date(year, 1, 1), 0
    while day.year == year:
        if cal.is_workday(day):
            db.session.add(
                SignIn(
                    agent_id=agent_id,
                    village_id=village_id,
                    day=day,
                    signed_at=dt.datetime.combine(day, dt.time(8, 55)),
                )
            )
            n += 1
        day += dt.timedelta(days=1)
    db.session.commit()
    return n


def start(world, year=2025, agent=None):
    return svc.start_assessment({"agent_id": agent or world.agent_a, "year": year}, day=DAY)


def test_three_off_duty_findings_propose_fail_with_the_reason(app, world):
    with app.app_context():
        for d in (dt.datetime(2025, 3, 4, 10), dt.datetime(2025, 6, 10, 10), dt.datetime(2025, 11, 11, 10)):
            off_duty(world, d)
        item = start(world)
        assert item.status == "draft"
        inputs = svc.inputs_of(item)
        assert inputs.deduction_counts == {"3": 3} and inputs.deduction_total == Decimal("150.00")
        assert inputs.strikes == {"3": 3}
        svc.propose(item, {"version": item.version}, day=DAY)
        assert item.status == "proposed" and item.proposed_grade == "fail"
        assert item.proposal_reasons[0] == "③督查检查不在岗本次聘任期内已累计3次，依照第二条（四）2予以解聘"


def test_clean_year_proposes_excellent_and_the_decision_is_listed_and_audited(app, world):
    with app.app_context():
        n = sign_every_workday(world.agent_a, world.village_a, 2025)
        # two cases closed on time (3 working days), from the monthly aggregate
        for i, month in enumerate((3, 9)):
            received = dt.datetime(2025, month, 3, 9, 30)
            case_row(
                world.village_a,
                world.agent_a,
                f"QS-2025-{i:04d}",
                received,
                status="completed",
                closed_at=received + dt.timedelta(days=2),
                registered_at=received,
            )
        item = start(world)
        inputs = svc.inputs_of(item)
        assert inputs.signin_days == n == inputs.workdays
        assert (inputs.completed, inputs.on_time, inputs.received, inputs.late_entry) == (2, 2, 2, 0)
        svc.propose(item, {"version": item.version}, day=DAY)
        assert item.proposed_grade == "pass"  # no 调查问卷/走访/座谈 yet
        assert "尚未录入调查问卷" in item.proposal_reasons[0]
        svc.record_visit(
            item,
            {"version": item.version, "day": "2026-01-12", "household": "张大爷家", "findings": "群众反映代办及时"},
            day=DAY,
        )
        assert item.status == "draft"
        with pytest.raises(Conflict) as exc:
            svc.decide(item, {"version": item.version, "grade": "excellent", "reason": "全年无扣款"}, day=DAY)
        assert "请先生成提议等次" in exc.value.message
        svc.propose(item, {"version": item.version}, day=DAY)
        assert item.proposed_grade == "excellent", item.proposal_reasons
        svc.decide(item, {"version": item.version, "grade": "excellent", "reason": "全年无扣款，群众满意"}, day=DAY)
        assert (item.status, item.grade, item.decided_by) == ("decided", "excellent", "系统")
        assert [a.agent_id for a in svc.excellent_agents(2025)] == [world.agent_a]
        assert svc.excellent_agents(2024) == []
        logged = db.session.execute(
            select(func.count(AuditLog.id)).where(
                AuditLog.table_name == "annual_assessment", AuditLog.row_id == item.id
            )
        ).scalar()
        assert logged >= 3


def test_fail_decision_is_an_alert_until_dismissed(app, world):
    with app.app_context():
        item = start(world, agent=world.agent_b)
        svc.propose(item, {"version": item.version}, day=DAY)
        svc.decide(item, {"version": item.version, "grade": "fail", "reason": "入户走访群众普遍不满意"}, day=DAY)
        [alert] = ds.strike_alerts()
        assert alert.agent.id == world.agent_b and alert.should_dismiss
        assert "2025年度考核不合格" in alert.messages()[0]
        from app.services.agents import dismiss_agent

        dismiss_agent(
            db.session.get(Agent, world.agent_b), "2026-01-21", "年度考核不合格，予以解聘", today=dt.date(2026, 1, 21)
        )
        assert ds.strike_alerts() == []


def test_survey_and_talk_evidence(app, world):
    with app.app_context():
        item = start(world)
        svc.record_survey(
            item, {"version": item.version, "day": "2026-01-10", "respondents": "20", "satisfied": "10"}, day=DAY
        )
        svc.record_talk(
            item,
            {
                "version": item.version,
                "day": "2026-01-11",
                "person": "村民代表刘某",
                "findings": "有推诿现象",
                "negative": "y",
            },
            day=DAY,
        )
        inputs = svc.inputs_of(item)
        assert (inputs.survey_count, inputs.survey_respondents, inputs.survey_satisfied) == (1, 20, 10)
        assert (inputs.talks, inputs.talks_negative) == (1, 1)
        svc.propose(item, {"version": item.version}, day=DAY)
        assert item.proposed_grade == "fail" and "调查问卷满意率50.0%，低于60.0%" in item.proposal_reasons


def _nothing_saved(world):
    return db.session.execute(select(func.count(AssessmentEvidence.id))).scalar() == 0


def test_bad_input_is_refused_in_chinese_and_saves_nothing(app, world):
    with app.app_context():
        with pytest.raises(ValidationFailed) as exc:
            svc.start_assessment({"agent_id": 9999, "year": 2025}, day=DAY)
        assert exc.value.errors["agent_id"] == ["所选代办员不存在"]
        with pytest.raises(ValidationFailed) as exc:
            svc.start_assessment({"agent_id": world.agent_a, "year": 2027}, day=DAY)
        assert "不能晚于今年" in exc.value.message
        assert db.session.execute(select(func.count(AnnualAssessment.id))).scalar() == 0
        item = start(world)
        with pytest.raises(ValidationFailed) as exc:
            start(world)
        assert "已录入" in exc.value.message
        with pytest.raises(ValidationFailed) as exc:
            svc.record_visit(
                item, {"version": item.version, "day": "2026-02-01", "household": "张家", "findings": "好"}, day=DAY
            )
        assert exc.value.errors["day"] == ["日期不能晚于今天"]
        with pytest.raises(ValidationFailed) as exc:
            svc.record_survey(
                item, {"version": item.version, "day": "2026-01-10", "respondents": "5", "satisfied": "6"}, day=DAY
            )
        assert exc.value.errors["satisfied"] == ["满意份数应在0到收回份数之间"]
        with pytest.raises(ValidationFailed) as exc:
            svc.record_visit(item, {"version": item.version, "day": "2026-01-10"}, day=DAY)
        assert set(exc.value.errors) == {"household", "findings"}
        assert _nothing_saved(world)
        svc.propose(item, {"version": item.version}, day=DAY)
        with pytest.raises(ValidationFailed) as exc:
            svc.decide(item, {"version": item.version, "grade": "good", "reason": "x"}, day=DAY)
        assert "考核等次" in exc.value.message
        with pytest.raises(ValidationFailed) as exc:
            svc.decide(item, {"version": item.version, "grade": "pass"}, day=DAY)
        assert exc.value.errors["reason"] == ["决定理由为必填项"]
        with pytest.raises(Conflict) as exc:
            svc.decide(item, {"version": item.version - 1, "grade": "pass", "reason": "一般"}, day=DAY)
        assert "已被其他人修改" in exc.value.message
        with pytest.raises(ValidationFailed):
            svc.decide(item, {"grade": "pass", "reason": "一般"}, day=DAY)
        db.session.expire_all()
        item = db.session.get(AnnualAssessment, item.id)
        assert (item.status, item.grade) == ("proposed", None)


# --- the pages -------------------------------------------------------------------------------


def _pk(app, agent_id, year=2025) -> int:
    with app.app_context():
        return db.session.execute(
            select(AnnualAssessment.id).where(AnnualAssessment.agent_id == agent_id, AnnualAssessment.year == year)
        ).scalar_one()


def follow(c, r) -> str:
    """The page a form's redirect lands on (the anchor dropped: the test client keeps it)."""
    assert r.status_code == 302, r.status_code
    return c.get(r.headers["Location"].split("#")[0]).get_data(as_text=True)


def test_the_decision_flow_on_the_pages(app, login, world, clock):
    clock.set("2026-01-20 10:00")
    c = login("zhongxin")
    r = c.post("/assessment/add", data={"agent": str(world.agent_a), "year": "2025"})
    assert r.status_code == 302
    pk = _pk(app, world.agent_a)
    html = c.get(f"/assessment/show/{pk}").get_data(as_text=True)
    assert "系统汇总的年度情况" in html and "签到率" in html and "尚未生成提议等次" in html
    assert "请先生成提议等次，再作决定" in html

    html = follow(c, c.post(f"/assessment/propose/{pk}", data={"version": "1"}))
    assert "已重新汇总并生成提议等次：合格" in html and "尚未录入调查问卷、入户走访或个别座谈" in html

    with app.app_context():
        version = db.session.get(AnnualAssessment, pk).version
    r = c.post(
        f"/assessment/evidence/{pk}/visit",
        data={"version": str(version), "day": "2026-01-30", "household": "张大爷家", "findings": "满意"},
    )
    assert "日期不能晚于今天" in follow(c, r)
    r = c.post(
        f"/assessment/evidence/{pk}/visit",
        data={
            "version": str(version),
            "day": "2026-01-12",
            "household": "张大爷家",
            "findings": "服务态度差",
            "negative": "y",
        },
    )
    html = follow(c, r)
    assert "已录入入户走访" in html and "张大爷家" in html and "补充材料后尚未重新提议" in html

    with app.app_context():
        version = db.session.get(AnnualAssessment, pk).version
    c.post(f"/assessment/propose/{pk}", data={"version": str(version)})
    r = c.post(f"/assessment/decide/{pk}", data={"version": "1", "grade": "pass", "reason": "x"})
    assert "该记录已被其他人修改" in follow(c, r)
    with app.app_context():
        version = db.session.get(AnnualAssessment, pk).version
    r = c.post(
        f"/assessment/decide/{pk}",
        data={"version": str(version), "grade": "fail", "reason": "走访群众反映服务态度差"},
    )
    html = follow(c, r)
    assert "已决定：2025年度考核不合格" in html
    assert "2025年度考核不合格，依照政策第二条（四）2应予解聘" in html and "办理解聘" in html
    assert "2025年度考核不合格" in c.get("/strikes/").get_data(as_text=True)
    assert "2025年度没有考核为优秀的代办员" in c.get("/assessment/excellent?year=2025").get_data(as_text=True)
    # the agent's record page lists it, with a link to the assessment
    html = c.get(f"/strikes/agent/{world.agent_a}").get_data(as_text=True)
    assert "走访群众反映服务态度差" in html and f"/assessment/show/{pk}" in html


def test_assessment_pages_permissions(app, login, world, clock):
    clock.set("2026-01-20 10:00")
    with app.app_context():
        svc.start_assessment({"agent_id": world.agent_b, "year": 2025}, day=DAY)
    pk = _pk(app, world.agent_b)
    assert login("jijian").post("/assessment/add", data={}).status_code in (302, 403)
    assert login("jijian").post(f"/assessment/decide/{pk}", data={}).status_code in (302, 403)
    with app.app_context():
        assert db.session.get(AnnualAssessment, pk).status == "draft"
    assert login("jijian").get(f"/assessment/show/{pk}").status_code == 200
    r = login("zhongxin").post("/assessment/add", data={"agent": str(world.agent_a), "year": "2030"})
    assert "不能晚于今年" in r.get_data(as_text=True)


def test_a_case_closed_after_its_three_working_days_is_not_on_time(app, world):
    """第五条（一）3: 一般事项需在3个工作日内完成 — a case received Monday 2025-03-03 is due Thursday
    03-06; closed on the 10th it is late and counts against the 按时办结率."""
    from app.policy.annual_assessment import propose_grade
    from app.policy.deadlines import complete_deadline

    with app.app_context():
        received = dt.datetime(2025, 3, 3, 9, 30)
        due = complete_deadline(received, 3, work_calendar())
        assert due == dt.date(2025, 3, 6)
        case_row(
            world.village_a,
            world.agent_a,
            "QS-2025-0101",
            received,
            status="completed",
            due_on=due,
            closed_at=dt.datetime(2025, 3, 5, 16),
            registered_at=received,
        )
        case_row(
            world.village_a,
            world.agent_a,
            "QS-2025-0102",
            received,
            status="completed",
            due_on=due,
            closed_at=dt.datetime(2025, 3, 10, 16),
            closed_late=True,
            registered_at=received,
        )
        inputs = svc.inputs_of(start(world))
        assert (inputs.completed, inputs.on_time) == (2, 1)
        grade, reasons = propose_grade(inputs, svc.thresholds())
        assert grade == "fail" and "按时办结率50.0%" in reasons[0]


# --- 作废 / 更正 of evidence (kept, struck through, no longer counted) -----------------------


def _talk(item, findings="有推诿现象", negative="y", **extra):
    data = {"version": item.version, "day": "2026-01-11", "person": "村民代表刘某", "findings": findings}
    if negative:
        data["negative"] = negative
    return svc.record_talk(item, {**data, **extra}, day=DAY)


def test_a_wrong_talk_is_corrected_and_the_old_row_is_kept_but_no_longer_counts(app, world):
    with app.app_context():
        item = start(world)
        wrong = _talk(item)
        svc.propose(item, {"version": item.version}, day=DAY)
        assert svc.inputs_of(item).talks_negative == 1 and item.status == "proposed"
        fixed = _talk(
            item, findings="记录有误：群众反映服务热情", negative=None, replaces=str(wrong.id), reason="录入时选错"
        )
        assert item.status == "draft"  # the proposal must be made again
        assert fixed.replaces_id == wrong.id
        db.session.refresh(wrong)
        assert wrong.voided and wrong.void_reason == "更正：录入时选错" and wrong.voided_by
        inputs = svc.inputs_of(item)
        assert (inputs.talks, inputs.talks_negative) == (1, 0)
        rows = db.session.execute(select(func.count(AssessmentEvidence.id))).scalar()
        assert rows == 2  # nothing deleted
        changes = db.session.scalars(
            select(AuditLog).where(AuditLog.table_name == "assessment_evidence", AuditLog.row_id == wrong.id)
        ).all()
        assert any("void_reason" in (a.changes or {}) for a in changes)


def test_void_needs_a_reason_is_once_only_and_not_after_the_decision(app, world):
    with app.app_context():
        item = start(world)
        row = _talk(item)
        with pytest.raises(ValidationFailed) as exc:
            svc.void_evidence(item, row.id, {"version": item.version, "reason": "  "}, day=DAY)
        assert "作废原因为必填项" in str(exc.value.errors)
        assert not db.session.get(AssessmentEvidence, row.id).voided
        with pytest.raises(ValidationFailed):  # a correction needs its reason too
            _talk(item, replaces=str(row.id))
        with pytest.raises(ValidationFailed) as exc:  # and the same kind
            svc.record_evidence(
                item,
                "visit",
                {
                    "version": item.version,
                    "day": "2026-01-11",
                    "household": "张家",
                    "findings": "好",
                    "replaces": str(row.id),
                    "reason": "x",
                },
                day=DAY,
            )
        assert "同一类别" in str(exc.value.errors)
        assert db.session.execute(select(func.count(AssessmentEvidence.id))).scalar() == 1
        svc.void_evidence(item, row.id, {"version": item.version, "reason": "重复录入"}, day=DAY)
        assert svc.inputs_of(item).talks == 0
        with pytest.raises(Conflict) as exc:
            svc.void_evidence(item, row.id, {"version": item.version, "reason": "再次"}, day=DAY)
        assert "已作废" in str(exc.value)
        other = _talk(item)
        svc.propose(item, {"version": item.version}, day=DAY)
        svc.decide(item, {"version": item.version, "grade": "pass", "reason": "合格"}, day=DAY)
        with pytest.raises(Conflict) as exc:
            svc.void_evidence(item, other.id, {"version": item.version, "reason": "晚了"}, day=DAY)
        assert "已决定" in str(exc.value)
        assert not db.session.get(AssessmentEvidence, other.id).voided


def test_void_and_correct_on_the_page(app, login, world, clock):
    clock.set("2026-01-20 10:00")
    with app.app_context():
        item = start(world)
        row = _talk(item)
        pk, eid, version = item.id, row.id, item.version
    c = login("zhongxin")
    html = c.get(f"/assessment/show/{pk}?correct={eid}").get_data(as_text=True)
    assert "更正个别座谈" in html and f'name="replaces" value="{eid}"' in html and "有推诿现象</textarea>" in html
    r = c.post(
        f"/assessment/evidence/{pk}/talk",
        data={
            "version": str(version),
            "day": "2026-01-11",
            "person": "村民代表刘某",
            "findings": "群众满意",
            "replaces": str(eid),
            "reason": "记错了",
        },
    )
    html = follow(c, r)
    assert "已更正个别座谈，原记录已作废并保留" in html
    assert "<s>有推诿现象</s>" in html and "更正：记错了" in html and "见更正记录" in html
    with app.app_context():
        new = db.session.scalars(select(AssessmentEvidence).where(AssessmentEvidence.replaces_id == eid)).one()
        version = db.session.get(AnnualAssessment, pk).version
        new_id = new.id
    r = c.post(f"/assessment/evidence/{pk}/void/{new_id}", data={"version": str(version), "reason": ""})
    assert "作废原因为必填项" in follow(c, r)
    # 乡纪检办 reads but does not write; another village's agent cannot reach it
    assert login("jijian").post(f"/assessment/evidence/{pk}/void/{new_id}", data={"reason": "x"}).status_code in (
        302,
        403,
    )
    r = c.post(f"/assessment/evidence/{pk}/void/{new_id}", data={"version": str(version), "reason": "重复"})
    assert "已作废该个别座谈记录" in follow(c, r)
    with app.app_context():
        assert db.session.get(AssessmentEvidence, new_id).void_reason == "重复"
        assert svc.inputs_of(db.session.get(AnnualAssessment, pk)).talks == 0
    r = c.post(f"/assessment/evidence/{pk}/void/999999", data={"version": str(version + 1), "reason": "x"})
    assert r.status_code in (302, 404)
