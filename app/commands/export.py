"""``flask --app run.py export KIND … -o FILE.xlsx`` (SPEC §14) — the exports of SPEC §11.

KIND: ``ledger`` (便民代办登记台账), ``monthly`` (月汇总表), ``payout`` (补助发放表),
``deductions`` (扣款明细), ``annual`` (年度统计, ``--year 2026``). Options, as on screen: ``--village CODE``, ``--month 2026-09``,
``--quarter 2026Q3``, ``--from/--to YYYY-MM-DD`` (ledger). With ``--village`` the export runs
under that village's scope (the same mechanism as a village user's request). ID numbers and
phones are masked unless ``--full-numbers`` is given. The file is written to a temporary name
next to FILE and renamed when complete, so a failed export never leaves half a file.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import nullcontext

import click
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..security import scoped_to
from ..services import exports as export_service
from ..services.audit import acting_as
from ..services.calendar import today
from ..services.errors import DomainError, ValidationFailed
from .base import error_lines, person_named


@click.command("export")
@click.argument("kind", type=click.Choice(["ledger", "monthly", "payout", "deductions", "annual"]), metavar="KIND")
@click.option("-o", "--output", required=True, help="输出文件（.xlsx）")
@click.option("--village", "village", default=None, help="村代码，如 QS")
@click.option("--month", default=None, help="月份，如 2026-09")
@click.option("--quarter", default=None, help="季度，如 2026Q3")
@click.option("--year", default=None, help="年度（年度统计），如 2026")
@click.option("--from", "date_from", default=None, help="受理日期起（台账），如 2026-09-01")
@click.option("--to", "date_to", default=None, help="受理日期止（台账），如 2026-09-30")
@click.option("--full-numbers", is_flag=True, default=False, help="台账中显示完整身份证号和手机号（默认脱敏）")
@click.option("--by", "by", default=None, help="制表人姓名，或其登录名（取该用户的姓名）；不填则留空手签")
@with_appcontext
def export(kind, output, village, month, quarter, year, date_from, date_to, full_numbers, by) -> None:
    """导出 Excel：KIND 为 ledger=便民代办登记台账、monthly=月汇总表、payout=补助发放表、deductions=扣款明细、annual=年度统计。"""
    if not output.lower().endswith(".xlsx"):
        raise click.ClickException(str(_l("输出文件名应以 .xlsx 结尾")))
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise click.ClickException(str(_l("输出目录不存在：%(d)s", d=folder)))
    data = {"village": village, "month": month, "quarter": quarter, "year": year, "from": date_from, "to": date_to}
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", prefix=".export-", dir=folder)
    os.close(fd)
    try:
        with acting_as("flask export", person=person_named(by)):
            try:
                options = export_service.parse_options(data)
                scope = scoped_to(options.village.id) if options.village is not None else nullcontext()
                with scope:
                    rows = _write(kind, tmp, options, full_numbers)
            except DomainError as exc:
                raise click.ClickException("；".join(error_lines(exc))) from None
        os.replace(tmp, output)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    click.echo(str(_l("已导出 %(n)s 行：%(f)s", n=rows, f=output)))


def _write(kind: str, path: str, options, full_numbers: bool) -> int:
    if kind == "ledger":
        return _write_ledger(path, options, full_numbers)
    if options.date_from or options.date_to:
        raise ValidationFailed(errors={"from": [_l("--from/--to 只用于台账（ledger）")]})
    if kind == "annual":
        return _write_annual(path, options)
    if options.year:
        raise ValidationFailed(errors={"year": [_l("--year 只用于年度统计（annual）")]})
    if kind == "monthly":
        return _write_monthly(path, options)
    if kind == "deductions":
        return _write_deductions(path, options)
    return _write_payout(path, options)


def _write_ledger(path: str, options, full_numbers: bool) -> int:
    village = options.village
    if options.sheet_id:
        raise ValidationFailed(_l("台账不能按发放表导出"))
    date_from, date_to = options.date_range()
    query = export_service.ledger_query(
        village_id=village.id if village else None, date_from=date_from, date_to=date_to
    )
    rows = export_service.write_ledger(
        path, query, scope_text=options.describe(), village=village, full_numbers=full_numbers
    )
    if full_numbers:  # audited like the web's “含完整证件号码”
        filters = {"village": village.code if village else None, "from": options.date_from, "to": options.date_to}
        export_service.record_full_numbers("ledger", {k: str(v) for k, v in filters.items() if v}, rows)
        db.session.commit()
    return rows


def _write_monthly(path: str, options) -> int:
    if options.month is None:
        raise ValidationFailed(errors={"month": [_l("月汇总表须用 --month 指定月份，例如 --month 2026-09")]})
    return export_service.write_monthly(path, *options.month, village=options.village, today=today())


def _write_deductions(path: str, options) -> int:
    village = options.village
    year = months = None
    if options.month:
        year, months = options.month[0], [options.month[1]]
    elif options.quarter:
        year, months = options.quarter[0], export_service.quarter_month_numbers(*options.quarter)
    query = export_service.deductions_query(village_id=village.id if village else None, year=year, months=months)
    return export_service.write_deductions(path, query, scope_text=options.describe(), village=village)


def _write_payout(path: str, options) -> int:
    if options.month:
        raise ValidationFailed(errors={"month": [_l("补助发放表按季度导出，请用 --quarter，例如 --quarter 2026Q3")]})
    sheet = export_service.find_sheet(options)
    query = export_service.payout_lines_query(sheet)
    return export_service.write_payout(path, sheet, query)


def _write_annual(path: str, options) -> int:
    if options.month or options.quarter:
        raise ValidationFailed(errors={"year": [_l("年度统计按年度导出，请用 --year，例如 --year 2026")]})
    return export_service.write_annual(path, options.year or today().year, village=options.village, today=today())
