"""``flask demo [--scale N]`` — a demo township: villages, agents, accounts, then the demo
cases, supervision data and payouts (each step idempotent)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from seeds import demo_cases, demo_payouts, demo_supervision
from seeds.demo import DEMO_PASSWORD, DEMO_PREPARER, create_demo
from seeds.reference import seed_reference

from ..services import maintenance
from ..services.audit import acting_as

# After the villages and accounts, in this order: the payouts reflect the demo deductions.
DEMO_STEPS = (demo_cases.run, demo_supervision.run, demo_payouts.run)


@click.command("demo")
@click.option("--scale", default=0, type=int, help="额外生成的受理登记规模（用于性能测试）")
@with_appcontext
def demo(scale: int) -> None:
    """演示数据：建宁乡 12 个村和演示镇（虚构）3 个村、代办员、各角色账号。"""
    with acting_as("flask demo", person=DEMO_PREPARER):
        seed_reference()
        result = create_demo()
        for step in DEMO_STEPS:
            step(scale=scale)
    click.echo(maintenance.refresh_statistics())
    click.echo(
        f"演示乡已就绪：{result['villages']} 个村（另有演示镇（虚构）3 个村）。演示账号（密码均为 {DEMO_PASSWORD}）："
    )
    for username, role, village in result["accounts"]:
        click.echo(f"  {username:<12} {role:<6} {village}")
