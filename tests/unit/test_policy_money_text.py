"""How a page writes an amount (``policy.money.money_text``): the one display rule of the
payout sheet, the deduction lists and the monthly summaries."""

from decimal import Decimal

import pytest

from app.policy.money import money_text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("1250"), "1,250.00"),
        (Decimal("416.67"), "416.67"),
        (1250, "1,250.00"),
        ("50", "50.00"),
        (Decimal("0"), "0.00"),
        (Decimal("-30"), "-30.00"),
        (Decimal("1234567.5"), "1,234,567.50"),
        (Decimal("2.345"), "2.35"),  # rounded half-up like q2, never half-even
        (0.1, "0.10"),  # a float through its decimal text
    ],
)
def test_money_text(value, text):
    assert money_text(value) == text


@pytest.mark.parametrize("value", [None, ""])
def test_no_amount_is_blank(value):
    assert money_text(value) == ""
