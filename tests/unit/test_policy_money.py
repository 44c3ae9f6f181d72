"""Subsidy money — 政策第二条（四）1、3, SPEC §9."""

from datetime import date
from decimal import Decimal

import pytest

from app.policy import PolicyViolation
from app.policy.money import days_served, monthly_shares, prorate, q2, quarter_share, rmb_upper, to_decimal
from app.policy.periods import month_bounds, parse_quarter, quarter_months, quarter_of

# --- q2 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("2.345"), "2.35"),
        (Decimal("2.344"), "2.34"),
        (Decimal("-2.345"), "-2.35"),  # half away from zero
        (Decimal("0.005"), "0.01"),
        ("416.666", "416.67"),
        (5000, "5000.00"),
        (Decimal(1250), "1250.00"),
        (2.675, "2.68"),  # as written, not as the binary float 2.67499…
    ],
)
def test_q2_rounds_half_up(value, expected):
    result = q2(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_to_decimal_refuses_bool():
    with pytest.raises(TypeError):
        to_decimal(True)


# --- 每村每年5000元 → quarters and months --------------------------------------------------------


def test_quarter_share_of_5000():
    assert quarter_share() == Decimal("1250.00")
    assert quarter_share(Decimal(6000)) == Decimal("1500.00")


def test_monthly_shares_of_5000():
    shares = monthly_shares()
    assert shares == (Decimal("416.67"), Decimal("416.67"), Decimal("416.66"))
    assert sum(shares) == Decimal("1250.00")
    assert all(s.as_tuple().exponent == -2 for s in shares)


@pytest.mark.parametrize(
    ("annual", "expected"),
    [
        ("6000", ("500.00", "500.00", "500.00")),
        ("5001", ("416.75", "416.75", "416.75")),  # quarter 1250.25
        ("5002", ("416.83", "416.83", "416.84")),  # quarter 1250.50
        ("100", ("8.33", "8.33", "8.34")),
        ("0", ("0.00", "0.00", "0.00")),
    ],
)
def test_monthly_shares_always_sum_to_the_quarter(annual, expected):
    shares = monthly_shares(Decimal(annual))
    assert shares == tuple(Decimal(x) for x in expected)
    assert sum(shares) == quarter_share(Decimal(annual))


def test_monthly_shares_sum_for_many_amounts():
    for cents in range(500000, 500400):
        annual = Decimal(cents) / 100
        assert sum(monthly_shares(annual)) == quarter_share(annual)


# --- proration -----------------------------------------------------------------------------


def test_full_month_keeps_the_share():
    assert prorate(Decimal("416.67"), 31, 31) == Decimal("416.67")
    assert prorate(Decimal("416.66"), 30, 30) == Decimal("416.66")


def test_partial_month_by_calendar_days():
    # Hired 2026-09-16: 15 of September's 30 days.
    assert prorate(Decimal("416.66"), 15, 30) == Decimal("208.33")
    # 1 day of 31: 416.67 / 31 = 13.4409… → 13.44
    assert prorate(Decimal("416.67"), 1, 31) == Decimal("13.44")
    # 10 of 31: 134.409… → 134.41
    assert prorate(Decimal("416.67"), 10, 31) == Decimal("134.41")


def test_prorate_rounds_half_up():
    # 0.05 * 1/2 = 0.025 → 0.03
    assert prorate(Decimal("0.05"), 1, 2) == Decimal("0.03")


def test_prorate_clamps_days():
    assert prorate(Decimal("416.67"), 0, 31) == Decimal("0.00")
    assert prorate(Decimal("416.67"), -3, 31) == Decimal("0.00")
    assert prorate(Decimal("416.67"), 40, 31) == Decimal("416.67")
    with pytest.raises(ValueError):
        prorate(Decimal("416.67"), 1, 0)


# --- quarters and months ------------------------------------------------------------------------


def test_quarter_months():
    assert quarter_months(2026, 1) == [(2026, 1), (2026, 2), (2026, 3)]
    assert quarter_months(2026, 3) == [(2026, 7), (2026, 8), (2026, 9)]
    assert quarter_months(2026, 4) == [(2026, 10), (2026, 11), (2026, 12)]
    with pytest.raises(ValueError):
        quarter_months(2026, 5)


@pytest.mark.parametrize("text", ["2026Q3", "2026q3", "2026-Q3", " 2026 Q3 "])
def test_parse_quarter(text):
    assert parse_quarter(text) == (2026, 3)


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "26Q3", "2026", "", None, "Q3-2026", "２０２６Q3x"])
def test_parse_quarter_rejects(text):
    with pytest.raises(PolicyViolation) as caught:
        parse_quarter(text)
    assert caught.value.field == "quarter"
    assert str(caught.value) == "季度格式应为“年份Q季度”，例如2026Q3"


def test_quarter_of():
    assert quarter_of(2026, 1) == (2026, 1)
    assert quarter_of(2026, 9) == (2026, 3)
    assert quarter_of(2026, 10) == (2026, 4)


def test_month_bounds():
    assert month_bounds(2026, 2) == (date(2026, 2, 1), date(2026, 2, 28))
    assert month_bounds(2028, 2) == (date(2028, 2, 1), date(2028, 2, 29))
    assert month_bounds(2026, 12) == (date(2026, 12, 1), date(2026, 12, 31))


# --- days served -------------------------------------------------------------------------------

SEP_START, SEP_END = date(2026, 9, 1), date(2026, 9, 30)


def test_days_served_whole_month():
    assert days_served(SEP_START, SEP_END, date(2025, 1, 1), None) == 30


def test_hire_day_counts():
    assert days_served(SEP_START, SEP_END, date(2026, 9, 16), None) == 15
    assert days_served(SEP_START, SEP_END, date(2026, 9, 30), None) == 1


def test_dismissal_day_counts():
    assert days_served(SEP_START, SEP_END, date(2025, 1, 1), date(2026, 9, 10)) == 10
    assert days_served(SEP_START, SEP_END, date(2025, 1, 1), date(2026, 9, 1)) == 1


def test_hired_and_dismissed_within_the_month():
    assert days_served(SEP_START, SEP_END, date(2026, 9, 5), date(2026, 9, 5)) == 1
    assert days_served(SEP_START, SEP_END, date(2026, 9, 5), date(2026, 9, 14)) == 10


def test_not_in_post_that_month():
    assert days_served(SEP_START, SEP_END, date(2026, 10, 1), None) == 0
    assert days_served(SEP_START, SEP_END, date(2025, 1, 1), date(2026, 8, 31)) == 0


def test_no_hire_date_means_no_lower_bound():
    assert days_served(SEP_START, SEP_END, None, None) == 30


# --- 人民币大写 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        # From the brief / SPEC.
        ("1250.00", "壹仟贰佰伍拾元整"),
        ("0", "零元整"),
        ("1005.30", "壹仟零伍元叁角"),
        ("100000.05", "壹拾万元零伍分"),
        ("60000.00", "陆万元整"),
        ("5000", "伍仟元整"),
        ("416.67", "肆佰壹拾陆元陆角柒分"),
        ("416.66", "肆佰壹拾陆元陆角陆分"),
        # Examples of 《正确填写票据和结算凭证的基本规定》.
        ("1409.50", "壹仟肆佰零玖元伍角"),
        ("6007.14", "陆仟零柒元壹角肆分"),
        ("1680.32", "壹仟陆佰捌拾元叁角贰分"),
        ("107000.53", "壹拾万柒仟元伍角叁分"),
        ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
        ("325.04", "叁佰贰拾伍元零肆分"),
        # 壹拾 is always written out.
        ("10", "壹拾元整"),
        ("15", "壹拾伍元整"),
        ("110", "壹佰壹拾元整"),
        ("100000", "壹拾万元整"),
        # Zeros.
        ("101", "壹佰零壹元整"),
        ("1001", "壹仟零壹元整"),
        ("1010", "壹仟零壹拾元整"),
        ("10001", "壹万零壹元整"),
        ("10010", "壹万零壹拾元整"),
        ("100700", "壹拾万零柒佰元整"),
        ("1000000", "壹佰万元整"),
        ("1002000", "壹佰万贰仟元整"),
        ("1000200", "壹佰万零贰佰元整"),
        ("20.50", "贰拾元伍角"),
        ("20.05", "贰拾元零伍分"),
        ("20.55", "贰拾元伍角伍分"),
        # Below one yuan.
        ("0.50", "伍角"),
        ("0.05", "伍分"),
        ("0.55", "伍角伍分"),
        ("0.01", "壹分"),
        # 亿.
        ("100000000", "壹亿元整"),
        ("100000001", "壹亿零壹元整"),
        ("110000000", "壹亿壹仟万元整"),
        ("101000000", "壹亿零壹佰万元整"),
        ("100010000", "壹亿零壹万元整"),
        ("1000010000", "壹拾亿零壹万元整"),
        ("123456789.12", "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元壹角贰分"),
        ("1000000000000", "壹万亿元整"),
        # Rounding and sign.
        ("2.005", "贰元零壹分"),
        ("0.004", "零元整"),
        ("-12.50", "负壹拾贰元伍角"),
        ("-0.001", "零元整"),
        ("-1250", "负壹仟贰佰伍拾元整"),
    ],
)
def test_rmb_upper(amount, words):
    assert rmb_upper(Decimal(amount)) == words


def test_rmb_upper_accepts_int_and_str():
    assert rmb_upper(1250) == "壹仟贰佰伍拾元整"
    assert rmb_upper("1005.3") == "壹仟零伍元叁角"


def test_rmb_upper_limit():
    assert rmb_upper(Decimal("9999999999999999.99")).endswith("玖元玖角玖分")
    with pytest.raises(ValueError):
        rmb_upper(Decimal(10000000000000000))
