"""How days and months are written on the printed documents and exports (policy/periods.py)."""

import datetime as dt

from app.policy.periods import chinese_date, chinese_datetime, month_label


def test_month_label():
    assert month_label(2026, 9) == "2026年9月"
    assert month_label(2026, 12) == "2026年12月"


def test_chinese_date():
    assert chinese_date(dt.date(2026, 12, 1)) == "2026年12月1日"
    assert chinese_date(dt.datetime(2026, 3, 9, 8, 0)) == "2026年3月9日"
    assert chinese_date(None) == ""


def test_chinese_datetime():
    assert chinese_datetime(dt.datetime(2026, 12, 1, 9, 5)) == "2026年12月1日 9:05"
    assert chinese_datetime(dt.datetime(2026, 12, 1, 14, 30)) == "2026年12月1日 14:30"
    assert chinese_datetime(None) == ""
