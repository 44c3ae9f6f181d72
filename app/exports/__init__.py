"""xlsx exports (SPEC §11): plain Python data in, print-ready A4 workbooks out.

No Flask, no database here (this room imports only ``app.policy``, the standard library and
XlsxWriter) — the services layer queries (scoped and masked) and passes rows in:

* ``xlsx`` — the writer helpers; ``write_table`` streams any number of rows in constant memory;
* ``letterhead`` — 填报单位 and the signature lines every table carries;
* ``ledger`` / ``monthly`` / ``deductions`` — the layouts of 便民代办登记台账, 月汇总表, 扣款明细;
* ``payout`` — the fixed layout of the 补助发放表.
"""

from app.exports.payout import PayoutRow, write_payout_sheet
from app.exports.xlsx import Column, write_table

__all__ = ["Column", "PayoutRow", "write_payout_sheet", "write_table"]
