"""Flask commands (SPEC §14): seed, demo, users add."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import lazy_gettext as _l

from .extensions import appbuilder, db
from .policy.roles import ROLES, VILLAGE_ROLES
from .security import password_complexity
from .services.audit import acting_as


def register_cli(app: Flask) -> None:
    @app.cli.command("seed")
    def seed() -> None:
        """参考数据：角色与代办事项目录（幂等，可每次启动时运行）。"""
        from seeds.reference import seed_reference

        with acting_as("flask seed"):
            result = seed_reference()
        click.echo(
            f"角色新增 {len(result['roles'])} 个，事项分类新增 {result['categories']} 个，代办事项新增 {result['items']} 个，"
            f"按目录种子更新 {result['updated']} 个，乡便民中心维护的 {len(result['kept'])} 个未覆盖。"
        )

    @app.cli.command("demo")
    @click.option("--scale", default=0, type=int, help="额外生成的受理登记规模（用于性能测试）")
    def demo(scale: int) -> None:
        """演示数据：12 个村、代办员、各角色账号。"""
        from seeds.demo import DEMO_PASSWORD, DEMO_PREPARER, create_demo
        from seeds.reference import seed_reference

        with acting_as("flask demo", person=DEMO_PREPARER):
            seed_reference()
            result = create_demo()
            for step in demo_steps():
                step(scale=scale)
        click.echo(f"演示乡已就绪：{result['villages']} 个村。演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, village in result["accounts"]:
            click.echo(f"  {username:<12} {role:<6} {village}")

    users = AppGroup("users", help="用户管理")

    @users.command("add")
    @click.argument("username")
    @click.option("--role", required=True, type=click.Choice(ROLES), help="角色")
    @click.option("--village", "village_code", default=None, help="所属村代码（村级角色必填）")
    @click.option("--password", required=True, help="密码（至少10位，含三类字符）")
    @click.option("--name", default=None, help="姓名")
    def users_add(username: str, role: str, village_code: str | None, password: str, name: str | None) -> None:
        """新增账号。"""
        from sqlalchemy import select

        from .models import Village

        sm = appbuilder.sm
        if sm.find_user(username=username):
            raise click.ClickException(str(_l("用户名“%(u)s”已存在", u=username)))
        village = None
        if role in VILLAGE_ROLES and not village_code:
            raise click.ClickException(str(_l("村级角色必须用 --village 指定所属村代码")))
        if village_code:
            village = db.session.execute(select(Village).where(Village.code == village_code.upper())).scalar()
            if village is None:
                raise click.ClickException(str(_l("村代码“%(c)s”不存在", c=village_code)))
            if role not in VILLAGE_ROLES:
                raise click.ClickException(str(_l("乡级角色不能指定所属村")))
        try:
            password_complexity(password)
        except PasswordComplexityValidationError as exc:
            raise click.ClickException(str(exc)) from None
        with acting_as("flask users add"):
            user = sm.add_user(
                username=username,
                first_name=name or username,
                last_name="",
                email=f"{username}@jianning.invalid",
                role=sm.find_role(role),
                password=password,
            )
            if not user:
                raise click.ClickException(str(_l("账号创建失败，请先运行 flask seed 初始化角色")))
            if village is not None:
                user.village_id = village.id
                db.session.commit()
        click.echo(str(_l("已创建账号 %(u)s（%(r)s）", u=username, r=role)))

    app.cli.add_command(users)

    for module_name in FEATURE_CLI:
        module = _optional(module_name)
        if module is not None:
            module.register_cli(app)


# Feature modules that add commands (``register_cli(app)``) or demo data (``run(scale=…)``).
FEATURE_CLI = (
    "app.exports.cli",
    "app.services.calendar_cli",
    "app.services.supervision_cli",
    "app.services.backup_cli",
)
DEMO_STEPS = ("seeds.demo_cases", "seeds.demo_supervision", "seeds.demo_payouts")


def _optional(module_name: str):
    from importlib import import_module

    try:
        return import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return None


def demo_steps() -> list:
    return [m.run for m in map(_optional, DEMO_STEPS) if m is not None]
