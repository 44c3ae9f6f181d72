"""Demo payouts: the last finished quarter's 补助发放表, computed and approved.

Run by ``flask demo`` after the demo cases and supervision data (``app.commands.demo.DEMO_STEPS``), so
the sheet reflects the demo deductions. Idempotent: a quarter that already has a sheet is
left as it is (an approved sheet is frozen anyway).
"""

from __future__ import annotations

import datetime as dt

from app.policy.payout import last_finished_quarter
from app.services import payouts
from app.services.calendar import today as township_today
from app.services.errors import DomainError
from app.services.townships import all_townships


def run(scale: int = 0, today: dt.date | None = None) -> dict:
    """One sheet per township (issue 15 §1); the result names the first township's."""
    today = today or township_today()
    year, quarter = last_finished_quarter(today)
    results = []
    for township in all_townships():
        sheet = payouts.get_sheet(year, quarter, township.id)
        if sheet is not None:
            results.append({"sheet": sheet.id, "created": False})
            continue
        sheet = payouts.compute_sheet({"quarter": f"{year}Q{quarter}", "township_id": township.id}, today=today)
        try:
            payouts.approve_sheet(sheet, {"version": sheet.version, "note": "演示数据"}, today=today)
        except DomainError:  # e.g. the sources changed in between: leave the draft for a person
            pass
        results.append({"sheet": sheet.id, "created": True})
    return {**results[0], "sheets": [r["sheet"] for r in results]} if results else {"sheet": None, "created": False}
