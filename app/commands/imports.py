"""``flask --app run.py import villages|agents|users FILE.xlsx [--township CODE] [--dry-run]`` and
``flask --app run.py import template villages|agents|users -o FILE.xlsx`` (issue 15 §2).

The same checks as the web page (``services/imports.py``): every bad row is listed (row,
column, message) and the exit code is 1; with no bad row the file is saved in one
transaction (all rows or none), or only checked with ``--dry-run``.
"""

from __future__ import annotations

import os
import sys
from contextlib import nullcontext

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Township
from ..security import scoped_to_township
from ..services import imports as import_service
from ..services.audit import acting_as
from ..services.errors import DomainError
from .base import error_lines

imports = AppGroup("import", help="Excel 导入：行政村、代办员、用户账号")


def _read(path: str) -> bytes:
    if not os.path.isfile(path):
        raise click.ClickException(str(_l("文件不存在：%(p)s", p=path)))
    try:
        import_service.check_size(os.path.getsize(path))
    except DomainError as exc:
        raise click.ClickException("；".join(error_lines(exc))) from None
    with open(path, "rb") as fh:
        return fh.read()


def _township_scope(code: str | None):
    """--township CODE: the import runs as that township's (villages go into it, village codes
    are looked up in it); without it, the whole deployment's."""
    if not code:
        return nullcontext()
    township = db.session.execute(select(Township).where(Township.code == code.strip().upper())).scalar()
    if township is None:
        raise click.ClickException(str(_l("乡镇代码“%(c)s”不存在", c=code)))
    return scoped_to_township(township.id)


def _run(kind: str, path: str, dry_run: bool, township: str | None = None) -> None:
    data = _read(path)
    with acting_as("flask import"), _township_scope(township):
        try:
            if dry_run:
                result = import_service.dry_run(kind, data)
            else:
                result = import_service.import_file(kind, data, filename=os.path.basename(path))
        except DomainError as exc:
            raise click.ClickException("；".join(error_lines(exc))) from None
    what = import_service.KIND_NAMES[kind]
    if result.ignored_headers:
        click.echo(str(_l("已忽略无法识别的列：%(cols)s", cols="、".join(result.ignored_headers))), err=True)
    if not result.ok:
        click.echo(
            str(
                _l("有问题 %(bad)s 行（共 %(n)s 行），没有保存任何记录：", bad=len(result.bad_rows), n=len(result.rows))
            ),
            err=True,
        )
        for line in result.error_lines():
            click.echo("  " + line, err=True)
        sys.exit(1)
    if dry_run:
        click.echo(str(_l("检查通过：共 %(n)s 行%(what)s均可导入（--dry-run，未保存）", n=len(result.rows), what=what)))
    else:
        click.echo(str(_l("已导入%(what)s %(n)s 条", what=what, n=result.saved)))


def _kind_command(kind: str, help_text: str):
    @click.argument("file", type=click.Path(dir_okay=False))
    @click.option("--dry-run", is_flag=True, default=False, help="只检查，不保存")
    @click.option("--township", default=None, help="导入到该乡镇（乡镇代码）")
    def command(file: str, dry_run: bool, township: str | None) -> None:
        _run(kind, file, dry_run, township)

    command.__doc__ = help_text
    return imports.command(kind)(command)


_kind_command(import_service.KIND_VILLAGES, "从 Excel 导入行政村。")
_kind_command(import_service.KIND_AGENTS, "从 Excel 导入代办员。")
_kind_command(import_service.KIND_USERS, "从 Excel 导入用户账号。")


@imports.command("template")
@click.argument("kind", type=click.Choice(import_service.KINDS))
@click.option("-o", "--output", required=True, help="输出文件（.xlsx）")
def template(kind: str, output: str) -> None:
    """写出导入模板：表头、示例行、下拉选项和填写说明。"""
    if not output.lower().endswith(".xlsx"):
        raise click.ClickException(str(_l("输出文件名应以 .xlsx 结尾")))
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise click.ClickException(str(_l("输出目录不存在：%(d)s", d=folder)))
    _name, data = import_service.template(kind)
    with open(output, "wb") as fh:
        fh.write(data)
    click.echo(str(_l("已写出导入模板：%(p)s", p=output)))
