"""``flask stats rebuild [--village CODE] [--from YYYY-MM]`` — rebuild the monthly aggregate
(``app/models/stats.py``) from the cases and sign-ins. The aggregate keeps itself right on every
change made through the session; rebuild after bulk maintenance outside it (a restored backup,
a raw SQL fix) — running it again changes nothing."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from ..services import stats as stats_service
from ..services.errors import DomainError
from .base import error_lines

stats = AppGroup("stats", help="月度统计")


@stats.command("rebuild")
@click.option("--village", "village", default=None, help="只重建该村（村代码，如 QS）")
@click.option("--from", "first", default=None, help="从该月起重建（如 2026-01）")
def rebuild(village: str | None, first: str | None) -> None:
    """按受理登记和签到记录重建月度统计（可重复执行）。"""
    try:
        result = stats_service.rebuild(village, first)
    except DomainError as exc:
        raise click.ClickException("；".join(error_lines(exc))) from None
    scope = result["village"] or str(_l("全部村"))
    since = f"{result['from'][0]}-{result['from'][1]:02d}" if result["from"] else str(_l("全部月份"))
    click.echo(str(_l("月度统计已重建：%(v)s，%(f)s，共 %(n)s 个村月。", v=scope, f=since, n=result["rows"])))
