"""《建宁乡各村便民代办补助发放表》 — 政策第二条（四）1、3, SPEC §9, with exact figures."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.policy.money import rmb_upper
from app.policy.payout import (
    AgentTerm,
    VillageTerm,
    allocate_capped,
    compute_quarter,
    credited_days,
    last_finished_quarter,
    quarter_bounds,
    render_notes,
    sheet_actions,
    sheet_totals,
    split_share,
)

D = Decimal
QS = VillageTerm(1, "青山村", "QS")
SQ = VillageTerm(2, "石桥村", "SQ")
FL = VillageTerm(3, "枫林村", "FL")
TY = VillageTerm(4, "桃源村", "TY", supplement_per_year=D("1200.00"))
HT = VillageTerm(5, "荷塘村", "HT")
LONG_AGO = date(2024, 1, 1)


def one(lines, agent_id):
    [line] = [x for x in lines if x.agent_id == agent_id]
    return line


def money(line) -> dict[str, str]:
    return {k: str(v) for k, v in line.money().items()}


# --- a full quarter ------------------------------------------------------------------------


def test_full_quarter_without_deductions_is_1250():
    [line] = compute_quarter(2026, 3, [QS], [AgentTerm(11, 1, "王秀兰", LONG_AGO)])
    assert [str(m.gross) for m in line.months] == ["416.67", "416.67", "416.66"]
    assert [m.days for m in line.months] == [31, 31, 30]
    assert money(line) == {
        "gross": "1250.00",
        "d1": "0.00",
        "d2": "0.00",
        "d3": "0.00",
        "d4": "0.00",
        "d5": "0.00",
        "deductions_total": "0.00",
        "net_township": "1250.00",
        "village_supplement": "0.00",
        "total": "1250.00",
    }
    assert line.agent_name == "王秀兰" and line.village_name == "青山村"
    assert render_notes(line.notes) == ""


def test_the_annual_subsidy_is_a_setting():
    [line] = compute_quarter(2027, 1, [QS], [AgentTerm(11, 1, "王秀兰", LONG_AGO)], annual=D("6000"))
    assert [str(m.gross) for m in line.months] == ["500.00", "500.00", "500.00"]
    assert line.total == D("1500.00")


# --- deductions -----------------------------------------------------------------------------


def test_deductions_in_several_months_and_codes():
    deductions = {
        (11, 7): {"1": D("30"), "5": D("10")},
        (11, 8): {"3": D("50")},
        (11, 9): {"4": D("30"), "5": D("20")},  # two ⑤ of 10 in September
    }
    [line] = compute_quarter(2026, 3, [QS], [AgentTerm(11, 1, "王秀兰", LONG_AGO)], deductions)
    assert money(line) == {
        "gross": "1250.00",
        "d1": "30.00",
        "d2": "0.00",
        "d3": "50.00",
        "d4": "30.00",
        "d5": "30.00",
        "deductions_total": "140.00",
        "net_township": "1110.00",
        "village_supplement": "0.00",
        "total": "1110.00",
    }
    assert [str(m.net) for m in line.months] == ["376.67", "366.67", "366.66"]
    assert sum(line.deductions.values()) == line.deductions_total


def test_deductions_of_other_agents_and_months_do_not_count():
    deductions = {(99, 7): {"3": D("50")}, (11, 10): {"3": D("50")}, (11, 6): {"1": D("30")}}
    [line] = compute_quarter(2026, 3, [QS], [AgentTerm(11, 1, "王秀兰", LONG_AGO)], deductions)
    assert line.deductions_total == 0 and line.total == D("1250.00")


def test_a_month_whose_deductions_exceed_its_share_nets_zero():
    # July: ten off-duty findings (10 × 50 = 500) against a share of 416.67
    deductions = {(11, 7): {"3": D("500")}, (11, 8): {"5": D("10")}}
    [line] = compute_quarter(2026, 3, [QS], [AgentTerm(11, 1, "王秀兰", LONG_AGO)], deductions)
    july, august, september = line.months
    assert july.recorded_total == D("500.00") and july.taken_total == D("416.67")
    assert july.net == D("0.00") and july.capped
    assert august.net == D("406.67") and not august.capped
    assert money(line)["d3"] == "416.67" and money(line)["d5"] == "10.00"
    assert line.deductions_total == D("426.67")
    assert line.net_township == D("823.33")  # 0 + 406.67 + 416.66
    assert render_notes(line.notes) == "7月扣款500.00元超过当月应发，实扣416.67元"


def test_the_cap_is_taken_from_the_last_codes_first():
    # hired 16 September: September's 208.33 cannot cover 2×① + 3×③ + 2×⑤ = 230
    deductions = {(11, 9): {"1": D("60"), "3": D("150"), "5": D("20")}}
    [line] = compute_quarter(2026, 3, [QS], [AgentTerm(11, 1, "王秀兰", date(2026, 9, 16))], deductions)
    assert line.gross == D("208.33")
    assert line.deductions == {"1": D("60.00"), "2": D("0.00"), "3": D("148.33"), "4": D("0.00"), "5": D("0.00")}
    assert line.deductions_total == D("208.33") == sum(line.deductions.values())
    assert line.net_township == D("0.00") and line.total == D("0.00")


def test_allocate_capped():
    assert allocate_capped(D("60"), {"3": D("50"), "5": D("40")}) == {
        "1": D("0.00"),
        "2": D("0.00"),
        "3": D("50.00"),
        "4": D("0.00"),
        "5": D("10.00"),
    }
    assert allocate_capped(D("416.67"), {"1": D("30")})["1"] == D("30.00")
    assert sum(allocate_capped(D("0"), {"1": D("30")}).values()) == 0
    with pytest.raises(ValueError):
        allocate_capped(D("10"), {"6": D("1")})
    with pytest.raises(ValueError):
        allocate_capped(D("10"), {"1": D("-1")})


# --- proration ------------------------------------------------------------------------------


def test_agent_appointed_on_the_16th_of_a_30_day_month():
    # April has 30 days; 16–30 April = 15 days: 416.67 × 15 / 30 = 208.335 → 208.34 (half up)
    [line] = compute_quarter(2026, 2, [QS], [AgentTerm(11, 1, "王秀兰", date(2026, 4, 16))])
    april, may, june = line.months
    assert (april.days, april.days_in_month, april.gross) == (15, 30, D("208.34"))
    assert (may.gross, june.gross) == (D("416.67"), D("416.66"))
    assert line.gross == D("1041.67") and line.total == D("1041.67")
    assert render_notes(line.notes) == "4月16日到岗"


def test_agent_dismissed_mid_month_without_successor():
    # 1–10 July: 416.67 × 10 / 31 = 134.409… → 134.41; nothing after
    [line] = compute_quarter(2026, 3, [QS], [AgentTerm(11, 1, "王秀兰", LONG_AGO, date(2026, 7, 10))])
    assert [str(m.gross) for m in line.months] == ["134.41", "0.00", "0.00"]
    assert line.total == D("134.41")
    assert render_notes(line.notes) == "7月10日解聘"


@pytest.mark.parametrize("successor_start", [date(2026, 8, 16), date(2026, 8, 15)])
def test_change_of_agent_mid_quarter_gives_two_lines(successor_start):
    agents = [
        AgentTerm(11, 3, "赵春梅", LONG_AGO, date(2026, 8, 15)),
        AgentTerm(12, 3, "孙丽华", successor_start),
    ]
    lines = compute_quarter(2026, 3, [FL], agents)
    assert [x.agent_name for x in lines] == ["赵春梅", "孙丽华"]
    old, new = lines
    # August (31 days): 1–15 for the outgoing agent, 16–31 for the new one. A handover on
    # the same day is paid once, to the outgoing agent.
    assert [m.days for m in old.months] == [31, 15, 0]
    assert [m.days for m in new.months] == [0, 16, 30]
    assert [str(m.gross) for m in old.months] == ["416.67", "201.61", "0.00"]  # 6250.05 / 31
    assert [str(m.gross) for m in new.months] == ["0.00", "215.06", "416.66"]
    assert old.total == D("618.28") and new.total == D("631.72")
    assert old.total + new.total == D("1250.00")  # the village's quarter, not a cent more or less
    assert render_notes(old.notes) == "8月15日解聘"
    assert render_notes(new.notes) == f"8月{successor_start.day}日到岗"


def test_split_share_adds_up_exactly():
    # 416.67 over 10 + 10 + 11 days of a 31-day month: 134.41 + 134.41 + 147.85 = 416.67
    parts = split_share(D("416.67"), [10, 10, 11], 31)
    assert parts == [D("134.41"), D("134.41"), D("147.85")]
    assert sum(parts) == D("416.67")


def test_credited_days_pays_a_day_once_per_village():
    first, last = date(2026, 8, 1), date(2026, 8, 31)
    a = AgentTerm(1, 1, "a", LONG_AGO, date(2026, 8, 20))
    b = AgentTerm(2, 1, "b", date(2026, 8, 10))  # overlapping terms (bad data): no double pay
    assert credited_days([a, b], first, last) == [20, 11]
    assert credited_days([AgentTerm(3, 1, "c", date(2026, 9, 1))], first, last) == [0]


# --- the village supplement ---------------------------------------------------------------


def test_village_supplement_for_an_agent_who_is_not_a_deputy_cadre():
    # 1200 a year → 300 a quarter → 100 a month
    [line] = compute_quarter(2026, 3, [TY], [AgentTerm(11, 4, "胡小燕", LONG_AGO)])
    assert [str(m.supplement) for m in line.months] == ["100.00", "100.00", "100.00"]
    assert line.village_supplement == D("300.00") and line.total == D("1550.00")


def test_no_village_supplement_for_a_deputy_cadre():
    [line] = compute_quarter(2026, 3, [TY], [AgentTerm(11, 4, "胡小燕", LONG_AGO, deputy=True)])
    assert line.village_supplement == D("0.00") and line.total == D("1250.00")
    assert render_notes(line.notes) == "副职兼任，不发村级补助"


def test_village_supplement_is_prorated_and_not_reduced_by_deductions():
    # 1000 a year → 250.00 a quarter → 83.33 + 83.33 + 83.34; hired 16 April (15/30)
    village = VillageTerm(4, "桃源村", "TY", supplement_per_year=D("1000"))
    deductions = {(11, 4): {"3": D("300")}}
    [line] = compute_quarter(2026, 2, [village], [AgentTerm(11, 4, "胡小燕", date(2026, 4, 16))], deductions)
    assert [str(m.supplement) for m in line.months] == ["41.67", "83.33", "83.34"]  # 83.33 × 15/30 = 41.665
    assert line.village_supplement == D("208.34")
    assert line.months[0].net == D("0.00")  # April's 208.34 fully deducted
    assert line.net_township == D("833.33") and line.total == D("1041.67")


# --- the sheet ------------------------------------------------------------------------------


def _sheet():
    villages = [HT, QS, SQ, FL, TY]
    agents = [
        AgentTerm(11, 1, "王秀兰", LONG_AGO),
        AgentTerm(12, 2, "李明", LONG_AGO),
        AgentTerm(13, 3, "赵春梅", LONG_AGO, date(2026, 8, 15)),
        AgentTerm(14, 3, "孙丽华", date(2026, 8, 16)),
        AgentTerm(15, 4, "胡小燕", date(2026, 9, 16)),
        AgentTerm(16, 5, "黄志勇", LONG_AGO, date(2026, 6, 30)),  # left before the quarter
    ]
    deductions = {
        (12, 7): {"1": D("30"), "5": D("10")},
        (12, 8): {"3": D("50")},
        (12, 9): {"4": D("30"), "5": D("20")},
    }
    return compute_quarter(2026, 3, villages, agents, deductions)


def test_a_line_per_agent_and_an_empty_line_for_a_village_without_agent():
    lines = _sheet()
    assert [(x.village_name, x.agent_name) for x in lines] == [
        ("枫林村", "赵春梅"),
        ("枫林村", "孙丽华"),
        ("荷塘村", "（空缺）"),
        ("青山村", "王秀兰"),
        ("石桥村", "李明"),
        ("桃源村", "胡小燕"),
    ]
    vacant = lines[2]
    assert vacant.agent_id is None and vacant.total == 0
    assert render_notes(vacant.notes) == "本季度无在岗代办员"
    assert [str(x.total) for x in lines] == ["618.28", "631.72", "0.00", "1250.00", "1110.00", "258.33"]
    tay = lines[-1]  # 208.33 + supplement 100 × 15/30
    assert (tay.gross, tay.village_supplement) == (D("208.33"), D("50.00"))


def test_sum_of_lines_is_the_total_and_its_capitals():
    lines = _sheet()
    totals = sheet_totals(lines)
    assert totals.total == sum((x.total for x in lines), D(0)) == D("3868.33")
    assert totals.gross == D("3958.33")
    assert totals.deductions == {"1": D("30.00"), "2": D("0.00"), "3": D("50.00"), "4": D("30.00"), "5": D("30.00")}
    assert totals.deductions_total == D("140.00")
    assert totals.net_township == D("3818.33")
    assert totals.village_supplement == D("50.00")
    assert totals.net_township + totals.village_supplement == totals.total
    assert totals.total_upper == "叁仟捌佰陆拾捌元叁角叁分" == rmb_upper(D("3868.33"))


def test_an_inactive_village_without_agent_is_left_out():
    closed = VillageTerm(9, "旧村", "JC", active=False)
    assert compute_quarter(2026, 3, [closed], []) == []


def test_dates_of_quarters():
    assert last_finished_quarter(date(2026, 11, 26)) == (2026, 3)
    assert last_finished_quarter(date(2026, 1, 1)) == (2025, 4)
    assert last_finished_quarter(date(2026, 4, 1)) == (2026, 1)
    assert quarter_bounds(2026, 3) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_bounds(2024, 1) == (date(2024, 1, 1), date(2024, 3, 31))


def test_detail_keeps_the_working():
    [line] = compute_quarter(2026, 3, [QS], [AgentTerm(11, 1, "王秀兰", LONG_AGO)], {(11, 7): {"3": D("50")}})
    detail = line.detail()
    assert detail["village_name"] == "青山村" and detail["start"] == "2024-01-01" and detail["end"] is None
    assert detail["months"][0] == {
        "year": 2026,
        "month": 7,
        "days_in_month": 31,
        "days": 31,
        "share": "416.67",
        "gross": "416.67",
        "recorded": {"3": "50.00"},
        "taken": {"3": "50.00"},
        "capped": False,
        "net": "366.67",
        "supplement": "0.00",
    }


def test_sheet_actions_follow_the_workflow():
    """计算 → 草稿 (重新计算, 审核) → 已审核 (发放, 退回重算) → 已发放 (frozen); every sheet prints and exports."""
    assert sheet_actions(None) == {"compute"}
    assert sheet_actions("draft") == {"recompute", "approve", "print", "export"}
    assert sheet_actions("approved") == {"pay", "reopen", "print", "export"}
    assert sheet_actions("paid") == {"print", "export"}
    assert sheet_actions("unknown") == set()


def test_a_quarter_lists_every_active_village_once_even_without_agents():
    lines = compute_quarter(2026, 3, [SQ, QS, VillageTerm(9, "旧村", "ZZ", active=False)], [])
    assert [(line.village_code, line.agent_id) for line in lines] == [("QS", None), ("SQ", None)]
