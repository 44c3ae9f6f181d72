"""``flask users add USERNAME --role … --password …`` — accounts from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import appbuilder, db
from ..models import Township, Village
from ..policy.roles import ROLES, TOWNSHIP_ROLES, check_account_scope
from ..security import password_complexity
from ..services.audit import acting_as

users = AppGroup("users", help="用户管理")


@users.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES), help="角色")
@click.option("--village", "village_code", default=None, help="所属村代码（村级角色必填）")
@click.option("--township", "township_code", default=None, help="所属乡镇代码（乡便民中心、乡纪检办必填）")
@click.option("--password", required=True, help="密码（至少10位，含三类字符）")
@click.option("--name", default=None, help="姓名")
def users_add(
    username: str, role: str, village_code: str | None, township_code: str | None, password: str, name: str | None
) -> None:
    """新增账号：村级角色用 --village，乡级角色用 --township，县级和 Admin 都不用。"""
    sm = appbuilder.sm
    if sm.find_user(username=username):
        raise click.ClickException(str(_l("用户名“%(u)s”已存在", u=username)))
    village = township = None
    if village_code:
        village = db.session.execute(select(Village).where(Village.code == village_code.upper())).scalar()
        if village is None:
            raise click.ClickException(str(_l("村代码“%(c)s”不存在", c=village_code)))
    if township_code:
        township = db.session.execute(select(Township).where(Township.code == township_code.upper())).scalar()
        if township is None:
            raise click.ClickException(str(_l("乡镇代码“%(c)s”不存在", c=township_code)))
    if township is None and role in TOWNSHIP_ROLES:
        only = db.session.execute(select(Township).limit(2)).scalars().all()
        township = only[0] if len(only) == 1 else None  # a single-township deployment needs no --township
    for problem in check_account_scope({role}, village.id if village else None, township.id if township else None):
        hint = {
            "village_missing": _l("村级角色必须用 --village 指定所属村代码"),
            "village_not_allowed": _l("乡级角色不能指定所属村"),
            "township_missing": _l("乡便民中心、乡纪检办必须用 --township 指定所属乡镇代码"),
        }.get(problem.code, problem)
        raise click.ClickException(str(hint))
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
        if village is not None or township is not None:
            user.village_id = village.id if village else None
            user.township_id = township.id if township else None
            db.session.commit()
    click.echo(str(_l("已创建账号 %(u)s（%(r)s）", u=username, r=role)))
