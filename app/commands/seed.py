"""``flask seed`` — reference data: roles and the service catalogue (idempotent)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from seeds.reference import seed_reference

from ..services.audit import acting_as


@click.command("seed")
@with_appcontext
def seed() -> None:
    """参考数据：角色与代办事项目录（幂等，可每次启动时运行）。"""
    with acting_as("flask seed"):
        result = seed_reference()
    click.echo(
        f"角色新增 {len(result['roles'])} 个，事项分类新增 {result['categories']} 个，代办事项新增 {result['items']} 个，"
        f"按目录种子更新 {result['updated']} 个，乡便民中心维护的 {len(result['kept'])} 个未覆盖。"
    )
