"""xlsx exports (SPEC §11): plain Python data in, print-ready A4 workbooks out.

No Flask, no database here — the services layer queries (scoped and masked) and passes
rows in.  ``write_table`` streams any number of rows in constant memory; the payout
sheet (补助发放表) has its own fixed layout.
"""

from app.exports.xlsx import Column, write_table

__all__ = ["Column", "PayoutRow", "write_payout_sheet", "write_table"]


def __getattr__(name: str):
    # The payout writer imports app.policy.money; load it only when asked for, so the
    # generic table writer never depends on it.
    if name in ("PayoutRow", "write_payout_sheet"):
        from app.exports import payout

        return getattr(payout, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
