"""当日受理 / backdating, 立即办 and 报送办 paths, applicant fields, 代缴 money and the catalog seed's
ownership — through the services, the API and the pages (issue 9 §4, §5, §7, §9)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Case, PayoutSheet, ServiceItem
from app.services import cases as svc
from app.services.errors import ValidationFailed
from tests.factories import make_case, proxy_data
from tests.integration.test_cases_support import NOW, acting, clock_fixture, items_fixture  # noqa: F401 - fixtures


def _agent_data(world, items, **extra) -> dict:
    data = proxy_data(world, items)
    data.pop("backdate_reason", None)  # an agent entering today's case gives none
    data.update(extra)
    return data


# --- §4 当日受理 ---------------------------------------------------------------------------------


def test_registered_at_is_the_server_time_and_the_api_says_same_day(app, world, items, clock, api_token):
    h = api_token("qs_daiban")
    c = app.test_client()
    body = _agent_data(world, items, received_at="2026-11-26T09:30:00+08:00")
    r = c.post("/api/v1/case/", json=body, headers=h)
    assert r.status_code == 201, r.json
    got = r.json["result"]
    assert got["registered_at"] == "2026-11-26T10:00:00" and got["same_day"] is True
    assert got["received_at"] == "2026-11-26T09:30"  # every existing field stays
    late = c.post("/api/v1/case/", json=_agent_data(world, items, received_at="2026-11-24T09:30:00+08:00"), headers=h)
    assert late.status_code == 201 and late.json["result"]["same_day"] is False
    listed = c.get("/api/v1/case/", headers=h).json["result"]
    assert sorted(r["same_day"] for r in listed) == [False, True]
    # The other village's agent sees neither (isolation of the new fields).
    other = c.get(f"/api/v1/case/{late.json['id']}", headers=api_token("sq_daiban"))
    assert other.status_code == 404
    assert c.get("/api/v1/case/", headers=api_token("sq_daiban")).json["count"] == 0


def test_late_entry_shows_on_the_page_and_the_list_and_counts_in_the_figures(app, world, items, clock, login):
    late = make_case(app, world, items, received_at="2026-11-24 09:30")
    make_case(app, world, items, received_at="2026-11-26 09:30")
    page = login("qs_daiban").get(f"/case/show/{late}").get_data(as_text=True)
    assert "未当日登记" in page and "2026-11-26 10:00" in page
    listing = login("qs_daiban").get("/case/list/").get_data(as_text=True)
    assert listing.count("bm-late-entry") == 1
    assert login("sq_daiban").get(f"/case/show/{late}").status_code == 404
    from app.services import dashboard, reports

    with app.app_context():
        figures = reports.generate_figures(world.village_a, 2026, 11, now=NOW)
        assert figures["late_entries"] == 1
        month = dashboard.case_figures(dashboard.month_period(NOW.date()), NOW.date())
        assert month[world.village_a].late_entry == 1 and month[world.village_a].same_day_rate == 0.5
        assert world.village_b not in month


def test_an_agent_cannot_backdate_to_2025(app, world, items, clock):
    with acting(app, "qs_daiban"), pytest.raises(ValidationFailed) as err:
        svc.create_case(_agent_data(world, items, received_at="2025-01-02 09:00"))
    assert "早于3个工作日前" in err.value.errors["received_at"][0]
    with app.app_context():
        assert db.session.execute(select(Case.id)).first() is None  # nothing numbered QS2025-0001


def test_township_backdates_with_a_reason_only(app, world, items, clock):
    with acting(app, "zhongxin"):
        with pytest.raises(ValidationFailed) as err:
            svc.create_case(_agent_data(world, items, received_at="2025-01-02 09:00"))
        assert "请填写补登原因" in err.value.errors["backdate_reason"][0]
        case = svc.create_case(
            _agent_data(world, items, received_at="2025-01-02 09:00", backdate_reason="纸质登记簿补录")
        )
        assert case.case_number == "QS2025-0001" and case.backdate_reason == "纸质登记簿补录"
        assert not svc.case_same_day(case)


def test_never_before_hire_never_in_the_future_never_in_an_approved_quarter(app, world, items, clock):
    with acting(app, "zhongxin"):
        with pytest.raises(ValidationFailed) as err:  # the agent was hired on 2024-01-01
            svc.create_case(_agent_data(world, items, received_at="2023-12-29 09:00", backdate_reason="补录"))
        assert "聘任日期（2024-01-01）" in err.value.errors["received_at"][0]
        with pytest.raises(ValidationFailed) as err:
            svc.create_case(_agent_data(world, items, received_at="2026-11-26 11:00"))
        assert "不能晚于当前时间" in err.value.errors["received_at"][0]
        db.session.add(PayoutSheet(year=2026, quarter=3, status="approved"))
        db.session.commit()
        with pytest.raises(ValidationFailed) as err:
            svc.create_case(_agent_data(world, items, received_at="2026-09-30 09:00", backdate_reason="补录"))
        assert "2026年第3季度的补助发放表已审核" in err.value.errors["received_at"][0]
        assert svc.create_case(_agent_data(world, items, received_at="2026-10-08 09:00", backdate_reason="补录"))


def test_max_backdate_is_a_setting(app, world, items, clock):
    app.config["MAX_BACKDATE_WORKDAYS"] = 5
    with acting(app, "qs_daiban"):
        assert svc.create_case(_agent_data(world, items, received_at="2026-11-19 09:00"))  # 5 working days
        with pytest.raises(ValidationFailed):
            svc.create_case(_agent_data(world, items, received_at="2026-11-18 09:00"))


# --- §5 modes and applicant fields ----------------------------------------------------------


def test_seeded_modes(app, world, items):
    with app.app_context():
        modes = dict(db.session.execute(select(ServiceItem.code, ServiceItem.mode)).all())
        assert modes["0401"] == modes["0402"] == "immediate"  # 证明/盖章
        assert {modes[c] for c in ("0901", "0902", "0903", "0904")} == {"immediate"}  # 代缴
        assert {modes[c] for c in ("1001", "1002", "1003", "1004")} == {"immediate"}  # 便民工具
        assert modes["0501"] == "immediate" and modes["0201"] == "forward"
        verify = dict(db.session.execute(select(ServiceItem.code, ServiceItem.needs_verification)).all())
        assert verify["0201"] and verify["0202"] and verify["0203"] and verify["0205"] and not verify["0101"]


def test_immediate_certificate_closes_on_the_spot(app, world, items, clock):
    with acting(app, "qs_daiban"):
        case = svc.create_case(
            _agent_data(
                world, items, service_item_id=items["0401"], received_at="2026-11-26 09:40", materials_received=[]
            )
        )
        assert case.submit_by is None and case.complete_by == dt.date(2026, 11, 26)
        assert "completed" in svc.transitions_for(case)
        svc.transition_case(
            case,
            {
                "to": "completed",
                "window_result": "居住证明已开具并交申请人",
                "reply_at": "2026-11-26 09:55",
                "version": case.version,
            },
        )
        assert case.status == "completed" and not case.closed_late


def test_forward_item_marked_for_verification_is_verified_before_report(app, world, items, clock):
    with acting(app, "qs_daiban"):
        case = svc.create_case(_agent_data(world, items, service_item_id=items["0201"], materials_received=[]))
        assert "submitted" not in svc.transitions_for(case)
        with pytest.raises(ValidationFailed) as err:
            svc.transition_case(case, {"to": "submitted", "submitted_window": "民政窗口", "version": case.version})
        assert "先由村干部调查核实" in err.value.errors["to"][0]
        svc.transition_case(case, {"to": "verifying", "verified_by": "刘建国", "version": case.version})
        svc.transition_case(
            case,
            {"to": "submitted", "submitted_window": "民政窗口", "verify_result": "confirmed", "version": case.version},
        )
        assert case.status == "submitted"


def test_tool_lending_needs_no_id_number(app, world, items, clock):
    with acting(app, "qs_daiban"):
        case = svc.create_case(
            _agent_data(world, items, service_item_id=items["1003"], applicant_id_number=None, materials_received=[])
        )
        assert case.applicant_id_number is None
        with pytest.raises(ValidationFailed) as err:
            svc.create_case(
                _agent_data(
                    world,
                    items,
                    service_item_id=items["1003"],
                    applicant_id_number=None,
                    applicant_phone=None,
                    materials_received=[],
                )
            )
        assert err.value.errors["applicant_phone"] == ["该代办事项须登记申请人联系电话"]


def test_serviceitem_api_exposes_mode(app, world, items, api_token):
    r = app.test_client().get(f"/api/v1/serviceitem/{items['1003']}", headers=api_token("qs_daiban"))
    assert r.status_code == 200
    got = r.json["result"]
    assert got["mode"] == "immediate" and got["applicant_fields"] == ["phone"] and got["pays_on_behalf"] is False
    assert got["owner"] == "seed"


# --- §7 代缴 money -----------------------------------------------------------------------------


def test_medical_insurance_payment_of_400_with_voucher(app, world, items, clock, api_token):
    h = api_token("qs_daiban")
    c = app.test_client()
    body = _agent_data(
        world,
        items,
        service_item_id=items["0105"],
        materials_received=[],
        received_at="2026-11-26T09:00:00+08:00",
        payment_received="400.00",
    )
    r = c.post("/api/v1/case/", json={**body, "fee": "400.00", "receipt_number": "YB1"}, headers=h)
    assert r.status_code == 422 and "不得超过" in r.json["errors"]["fee"][0]  # never a fee
    r = c.post("/api/v1/case/", json=body, headers=h)
    assert r.status_code == 201, r.json
    pk = r.json["id"]
    r = c.post(
        f"/api/v1/case/{pk}/transition",
        json={
            "to": "completed",
            "window_result": "已缴入医保",
            "reply_at": "2026-11-26T09:30",
            "payment_paid": "400.00",
        },
        headers=h,
    )
    assert r.status_code == 422 and "缴费凭证号" in r.json["errors"]["payment_voucher"][0]
    r = c.post(
        f"/api/v1/case/{pk}/transition",
        json={
            "to": "completed",
            "window_result": "已缴入医保",
            "reply_at": "2026-11-26T09:30",
            "payment_paid": "500.00",
            "payment_voucher": "YB20261126001",
        },
        headers=h,
    )
    assert r.status_code == 422 and "不能超过收到的代缴款" in r.json["errors"]["payment_paid"][0]
    r = c.post(
        f"/api/v1/case/{pk}/transition",
        json={
            "to": "completed",
            "window_result": "已缴入医保",
            "reply_at": "2026-11-26T09:30",
            "payment_paid": "400.00",
            "payment_voucher": "YB20261126001",
        },
        headers=h,
    )
    assert r.status_code == 200, r.json
    got = r.json["result"]
    assert got["status"] == "completed" and got["fee"] == "0.00"
    assert (got["payment_received"], got["payment_paid"], got["payment_voucher"]) == (
        "400.00",
        "400.00",
        "YB20261126001",
    )
    assert got["payment_paid_on"] == "2026-11-26"
    from app.services import reports

    with app.app_context():
        assert reports.generate_figures(world.village_a, 2026, 11, now=NOW)["payments"] == {
            "count": 1,
            "received": "400.00",
            "paid": "400.00",
        }
        assert reports.generate_figures(world.village_b, 2026, 11, now=NOW)["payments"]["count"] == 0


def test_payment_refused_on_an_item_that_is_not_a_payment(app, world, items, clock):
    with acting(app, "qs_daiban"), pytest.raises(ValidationFailed) as err:
        svc.create_case(_agent_data(world, items, payment_received="100.00", received_at="2026-11-26 09:00"))
    assert "不是代缴事项" in err.value.errors["payment_received"][0]
    with acting(app, "qs_daiban"), pytest.raises(ValidationFailed) as err:
        svc.create_case(
            _agent_data(
                world,
                items,
                service_item_id=items["0901"],
                applicant_id_number=None,
                payment_received="100.005",
                received_at="2026-11-26 09:00",
            )
        )
    assert "两位小数" in err.value.errors["payment_received"][0]


def test_ledger_export_has_the_new_columns(app, world, items, clock):
    from openpyxl import load_workbook

    from app.services import exports

    make_case(app, world, items, received_at="2026-11-24 09:30")
    with app.app_context():
        import io

        buf = io.BytesIO()
        exports.write_ledger(buf, exports.ledger_query(), full_numbers=False, today=NOW.date())
        ws = load_workbook(io.BytesIO(buf.getvalue())).active
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        header = next(r for r in rows if r and "受理编号" in [str(v) for v in r])
        # one A4 page wide at 8 pt: 未当日登记 rides with the status, 代缴 money with the result
        line = rows[rows.index(header) + 1]
        assert line[header.index("状态")].endswith("（未当日登记）")


# --- §9 the catalog seed -----------------------------------------------------------------------


def test_seed_updates_what_it_owns_and_keeps_township_edits(app, world, items):
    from app.services.catalog import update_item
    from seeds.catalog import CATALOG_VERSION
    from seeds.reference import catalog_changes

    with app.app_context():
        fixed = db.session.execute(select(ServiceItem).where(ServiceItem.code == "0803")).scalar_one()
        assert "国办发〔2019〕24号" not in fixed.legal_basis and "国发〔2018〕11号" in fixed.legal_basis
        # An older installed catalog: 0803 as version 1 with the old text, 0401 edited by the township.
        fixed.legal_basis, fixed.seed_version, fixed.mode = "国办发〔2019〕24号", 1, "promised"
        edited = db.session.execute(select(ServiceItem).where(ServiceItem.code == "0401")).scalar_one()
        db.session.commit()
        update_item(edited, {"window": "村民委员会（党群服务中心一楼）"})
        assert edited.owner == "township"
        edited.seed_version = 1
        db.session.commit()
        result = catalog_changes()
        assert result["updated"] == 1 and result["items"] == 0 and "0401" in result["kept"]
        assert "国发〔2018〕11号" in fixed.legal_basis and fixed.mode == "forward"
        assert fixed.seed_version == CATALOG_VERSION
        assert edited.window == "村民委员会（党群服务中心一楼）"
        # Retiring is not an edit of the reference fields; running the seed again changes nothing.
        from app.services.catalog import retire_item

        other = db.session.execute(select(ServiceItem).where(ServiceItem.code == "0501")).scalar_one()
        retire_item(other)
        assert other.owner == "seed" and other.active is False
        again = catalog_changes()
        assert again["updated"] == 0 and other.active is False


def test_township_added_item_is_the_townships(app, world, items):
    with app.app_context():
        item = db.session.get(ServiceItem, items["0299"])
        assert item.owner == "township" and item.mode == "promised" and item.applicant_fields == ["id_number"]


def test_payment_amount_in_the_case_is_decimal(app, world, items, clock):
    with acting(app, "qs_daiban"):
        case = svc.create_case(
            _agent_data(
                world,
                items,
                service_item_id=items["0903"],
                applicant_id_number=None,
                payment_received="36.50",
                received_at="2026-11-26 09:00",
                materials_received=[],
            )
        )
        assert case.payment_received == Decimal("36.50")
