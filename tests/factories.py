"""Factories for tests: make_village, make_agent, make_user, build_world; make_case (a case
registered through the service, as a user would) and case_row (a ledger row written straight
to the table, for history the intake rules would refuse)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from app.extensions import appbuilder, db
from app.models import Agent, Case, Village
from app.policy.idcard import id_check_digit
from app.policy.roles import ROLE_ADMIN, ROLE_AGENT, ROLE_DISCIPLINE, ROLE_SECRETARY, ROLE_TOWNSHIP, TOWNSHIP_ROLES
from app.services.agents import create_agent
from app.services.cases import create_case
from app.services.townships import township_for_new
from app.services.villages import create_village

PASSWORD = "Test@Pass2026"
TODAY = dt.date(2026, 11, 26)


def make_id(birth: dt.date = dt.date(1990, 5, 6), seq: str = "123") -> str:
    first17 = f"430123{birth:%Y%m%d}{seq}"
    return first17 + id_check_digit(first17)


def make_village(name: str = "青山村", code: str = "QS", **extra) -> Village:
    return create_village({"name": name, "code": code, "service_phone": "0731-84562001", "active": True, **extra})


def agent_data(village: Village | None, **extra) -> dict:
    hired = dt.date(2024, 1, 1)
    data = {
        "name": "王秀兰",
        "id_number": make_id(),
        "phone": "13973100001",
        "education": "senior",
        "level": "village",
        "village_id": village.id if village else None,
        "appointment_kind": "hired",
        "long_term_resident": True,
        "is_grid_worker": False,
        "nominated_on": hired - dt.timedelta(days=30),
        "approved_on": hired - dt.timedelta(days=20),
        "filed_on": hired - dt.timedelta(days=10),
        "hired_on": hired,
        "status": "active",
    }
    data.update(extra)
    return data


def make_agent(village: Village | None, **extra) -> Agent:
    return create_agent(agent_data(village, **extra), today=TODAY)


def make_user(username: str, role: str, village: Village | None = None, name: str | None = None, township=None):
    """An account; a 乡便民中心/乡纪检办 account is linked to ``township`` (default: the village
    township of a single-township database), as ``check_account_scope`` wants."""
    sm = appbuilder.sm
    if sm.find_role(role) is None:
        sm.add_role(role)
    user = sm.add_user(
        username=username,
        first_name=name or username,
        last_name="",
        email=f"{username}@test.invalid",
        role=sm.find_role(role),
        password=PASSWORD,
    )
    assert user, f"could not create {username}"
    if village is not None:
        user.village_id = village.id
        db.session.commit()
    elif role in TOWNSHIP_ROLES:
        user.township_id = (township or township_for_new()).id
        db.session.commit()
    return user


APPLICANT_ID = make_id(dt.date(1958, 3, 4), "771")


def proxy_data(world, items, **extra) -> dict:
    """The form data of a 代办 case in 青山村 (``items``: the seeded catalog, code → id)."""
    data = {
        "village_id": world.village_a,
        "agent_id": world.agent_a,
        "kind": "proxy",
        "service_item_id": items["0101"],
        "applicant_name": "赵大爷",
        "applicant_id_number": APPLICANT_ID,
        "applicant_phone": "13973112345",
        "voluntary_confirmed": True,
        "received_at": "2026-11-23 09:30",
        "materials_received": ["居民身份证原件及复印件"],
        # Most tests replay an older ledger as the township (no user): say why it is entered late.
        "backdate_reason": "按纸质登记簿补录",
    }
    data.update(extra)
    return data


def make_case(app, world, items, **extra) -> int:
    """A case registered through ``create_case`` (every intake rule applies); its id."""
    with app.app_context():
        return create_case(proxy_data(world, items, **extra)).id


def case_row(
    village_id: int, agent_id: int | None, number: str, received_at: dt.datetime, *, save: bool = True, **fields
) -> Case:
    """A case as the ledger stores it, written straight to the table (no rules, no steps): for
    history a test cannot enter through the service — closed, late, voided, backdated. Defaults:
    an accepted 代办 case of 张大爷 received by visit, due three days later; ``fields`` override
    them. Committed, unless ``save=False`` (the row only, for a caller that adds many at once)."""
    data = {
        "case_number": number,
        "village_id": village_id,
        "agent_id": agent_id,
        "kind": "proxy",
        "applicant_name": "张大爷",
        "channel": "visit",
        "received_at": received_at,
        "voluntary_confirmed": True,
        "status": "accepted",
        "due_on": received_at.date() + dt.timedelta(days=3),
        **fields,
    }
    case = Case(**data)
    if save:
        db.session.add(case)
        db.session.commit()
    return case


@dataclass
class World:
    village_a: int
    village_b: int
    agent_a: int
    agent_b: int
    users: dict = field(default_factory=dict)


def build_world() -> World:
    a = make_village("青山村", "QS")
    b = make_village("石桥村", "SQ")
    agent_a = make_agent(a)
    agent_b = make_agent(b, name="李明", id_number=make_id(dt.date(1991, 2, 3), "456"), phone="13973100002")
    users = {
        "admin": make_user("admin", ROLE_ADMIN),
        "zhongxin": make_user("zhongxin", ROLE_TOWNSHIP, name="乡便民中心"),
        "jijian": make_user("jijian", ROLE_DISCIPLINE, name="乡纪检办"),
        "qs_shuji": make_user("qs_shuji", ROLE_SECRETARY, a, "刘建国"),
        "qs_daiban": make_user("qs_daiban", ROLE_AGENT, a, "王秀兰"),
        "sq_shuji": make_user("sq_shuji", ROLE_SECRETARY, b, "陈志强"),
        "sq_daiban": make_user("sq_daiban", ROLE_AGENT, b, "李明"),
    }
    agent_a.user_id = users["qs_daiban"].id
    agent_b.user_id = users["sq_daiban"].id
    db.session.commit()
    return World(a.id, b.id, agent_a.id, agent_b.id, {k: u.id for k, u in users.items()})


@dataclass
class County:
    """The world as two townships (issue 15 §1): 建宁乡 (JN) with 青山村, and a second, fictitious
    township 演示镇（虚构） (YS) to which 石桥村 moves, with its own 乡便民中心 ``b_zhongxin``; and
    a county account ``xian`` (县政务服务中心)."""

    township_a: int
    township_b: int
    users: dict = field(default_factory=dict)


def build_county(world: World) -> County:
    from app.models import BmUser, Township
    from app.policy.roles import ROLE_COUNTY

    a = db.session.get(Village, world.village_a).township
    b = Township(name="演示镇（虚构）", code="YS")
    db.session.add(b)
    db.session.flush()
    db.session.get(Village, world.village_b).township_id = b.id
    db.session.commit()
    users = {
        "b_zhongxin": make_user("b_zhongxin", ROLE_TOWNSHIP, name="演示镇便民中心", township=b),
        "b_jijian": make_user("b_jijian", ROLE_DISCIPLINE, name="演示镇纪检办", township=b),
        "xian": make_user("xian", ROLE_COUNTY, name="县政务服务中心"),
    }
    assert db.session.get(BmUser, users["b_zhongxin"].id).township_id == b.id
    return County(a.id, b.id, {k: u.id for k, u in users.items()})


def populate_scoped_rows(world: World) -> dict[type, dict[int, int]]:
    """One row of every village-owned table for each of the two villages (ORM, no rules):
    the material of the generic isolation test. Returns {model: {village_id: row id}}."""
    from decimal import Decimal

    from app.models import (
        Accountability,
        AnnualAssessment,
        AssessmentEvidence,
        Case,
        CaseAttachment,
        CaseExtension,
        CaseTransition,
        Complaint,
        Deduction,
        Inspection,
        MonthlyReport,
        MonthlyReportAction,
        PayoutLine,
        PayoutSheet,
        ServiceItem,
        SignIn,
        Training,
        TrainingAttendance,
    )
    from app.models.catalog import ServiceCategory
    from app.models.rating import BadRatingItem, CaseRating

    cat = ServiceCategory(code="01", name="养老医疗保险")
    item = ServiceItem(
        code="0101",
        category=cat,
        name="城乡居民基本养老保险参保登记",
        window="社保窗口",
        materials=["户口簿"],
        promised_days=3,
    )
    training = Training(title="便民代办业务培训", held_on=dt.date(2026, 10, 15))
    sheet = PayoutSheet(year=2026, quarter=3, township_id=db.session.get(Village, world.village_a).township_id)
    db.session.add_all([cat, item, training, sheet])
    db.session.flush()
    out: dict[type, dict[int, int]] = {}
    for n, (vid, aid, code) in enumerate(
        ((world.village_a, world.agent_a, "QS"), (world.village_b, world.agent_b, "SQ")), 1
    ):
        case = Case(
            case_number=f"{code}2026-0001",
            village_id=vid,
            agent_id=aid,
            kind="proxy",
            service_item_id=item.id,
            category_id=cat.id,
            applicant_name=f"申请人{code}",
            applicant_id_number=make_id(dt.date(1960, 1, n), "77" + str(n)),
            applicant_phone=f"1380000000{n}",
            channel="visit",
            received_at=dt.datetime(2026, 11, 2, 9, 30),
            voluntary_confirmed=True,
            status="accepted",
            submit_by=dt.date(2026, 11, 5),
            complete_by=dt.date(2026, 11, 5),
            due_on=dt.date(2026, 11, 5),
        )
        db.session.add(case)
        db.session.flush()
        report = MonthlyReport(
            village_id=vid, agent_id=aid, year=2026, month=10, status="submitted", figures={"total": 0}
        )
        db.session.add(report)
        db.session.flush()
        inspection = Inspection(
            inspected_at=dt.datetime(2026, 11, 3, 10, 0), inspector="乡纪检办", village_id=vid, agent_id=aid
        )
        complaint = Complaint(
            received_on=dt.date(2026, 11, 4), village_id=vid, agent_id=aid, content=f"反映{code}代办员"
        )
        db.session.add_all([inspection, complaint])
        db.session.flush()
        rating = CaseRating(
            case_id=case.id, village_id=vid, level=1, comment=f"差评{code}", given_at=dt.datetime(2026, 11, 4, 9, 0)
        )
        db.session.add(rating)
        db.session.flush()
        rows = {
            Case: case,
            CaseTransition: CaseTransition(case_id=case.id, village_id=vid, to_status="accepted", user_name="t"),
            CaseExtension: CaseExtension(
                case_id=case.id, village_id=vid, new_due=dt.date(2026, 11, 10), reason="窗口审核延长"
            ),
            CaseAttachment: CaseAttachment(
                case_id=case.id,
                village_id=vid,
                name="户口簿首页.jpg",
                content_type="image/jpeg",
                size=3,
                sha256="0" * 64,
                storage="local",
                storage_key=f"att-{n:032x}",
                uploaded_at=dt.datetime(2026, 11, 2, 9, 40),
            ),
            SignIn: SignIn(
                agent_id=aid, village_id=vid, day=dt.date(2026, 11, 2), signed_at=dt.datetime(2026, 11, 2, 8, 55)
            ),
            Inspection: inspection,
            Complaint: complaint,
            TrainingAttendance: TrainingAttendance(
                training_id=training.id, agent_id=aid, village_id=vid, attendance="present"
            ),
            Deduction: Deduction(
                code="3",
                agent_id=aid,
                village_id=vid,
                year=2026,
                month=11,
                occurred_on=dt.date(2026, 11, 3),
                amount=Decimal("50.00"),
                source_type="inspection",
                source_id=inspection.id,
            ),
            AnnualAssessment: AnnualAssessment(
                agent_id=aid, village_id=vid, year=2025, grade="pass", assessed_on=dt.date(2026, 1, 10)
            ),
            MonthlyReport: report,
            CaseRating: rating,
            BadRatingItem: BadRatingItem(
                rating_id=rating.id,
                case_id=case.id,
                village_id=vid,
                rated_at=rating.given_at,
                due_on=dt.date(2026, 11, 25),
            ),
            MonthlyReportAction: MonthlyReportAction(
                report_id=report.id, village_id=vid, action="submit", user_name="t"
            ),
            PayoutLine: PayoutLine(
                sheet_id=sheet.id,
                seq=n,
                village_id=vid,
                agent_id=aid,
                agent_name="x",
                gross=Decimal("1250.00"),
                deductions_total=Decimal("0"),
                net_township=Decimal("1250.00"),
                village_supplement=Decimal("0"),
                total=Decimal("1250.00"),
            ),
        }
        db.session.add_all(rows.values())
        db.session.flush()
        rows[AssessmentEvidence] = AssessmentEvidence(
            assessment_id=rows[AnnualAssessment].id,
            village_id=vid,
            kind="visit",
            day=dt.date(2026, 1, 12),
            household=f"走访户{code}",
            findings="群众满意",
        )
        rows[Accountability] = Accountability(
            village_id=vid, subject="agent", agent_id=aid, kind="other", description=f"追责事项{code}", status="open"
        )
        rows[Accountability].cases = [case]
        db.session.add_all([rows[AssessmentEvidence], rows[Accountability]])
        db.session.flush()
        for model, obj in rows.items():
            out.setdefault(model, {})[vid] = obj.id
    _notification_rows(world, out)
    db.session.commit()
    # the monthly aggregate's rows (issue 11): written by the commit itself (services/stats.py)
    from app.models import VillageMonthCategoryStats, VillageMonthStats

    for model in (VillageMonthStats, VillageMonthCategoryStats):
        for row_id, vid in db.session.execute(db.select(model.id, model.village_id)).all():
            out.setdefault(model, {})[vid] = row_id
    return out


def _notification_rows(world: World, out: dict) -> None:
    """The outbox (issue 14 §3): an in-app reminder to each village's agent about its case."""
    from app.models import Case, Notification

    townships = {vid: db.session.get(Village, vid).township_id for vid in (world.village_a, world.village_b)}
    for vid, user, name in ((world.village_a, "qs_daiban", "青山村"), (world.village_b, "sq_daiban", "石桥村")):
        row = Notification(
            dedupe_key=f"test:{vid}|inapp|u{world.users[user]}",
            event_key=f"test:{vid}",
            kind="case_overdue",
            recipient_user_id=world.users[user],
            village_id=vid,
            township_id=townships[vid],
            about_type="case",
            about_id=out[Case][vid],
            text=f"【已超期】{name}的代办事项已超期",
            channel="inapp",
            status="sent",
            created_at=dt.datetime(2026, 11, 6, 8, 0),
        )
        db.session.add(row)
        db.session.flush()
        out.setdefault(Notification, {})[vid] = row.id
