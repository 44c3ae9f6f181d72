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


def run(scale: int = 0, today: dt.date | None = None) -> dict:
    today = today or township_today()
    year, quarter = last_finished_quarter(today)
    sheet = payouts.get_sheet(year, quarter)
    if sheet is not None:
        return {"sheet": sheet.id, "created": False}
    sheet = payouts.compute_sheet({"quarter": f"{year}Q{quarter}"}, today=today)
    try:
        payouts.approve_sheet(sheet, {"version": sheet.version, "note": "演示数据"}, today=today)
    except DomainError:  # e.g. the sources changed in between: leave the draft for a person
        pass
    return {"sheet": sheet.id, "created": True}
