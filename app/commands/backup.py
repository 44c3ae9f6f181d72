"""``flask backup`` / ``flask restore`` (issue 16) — the same service as the Admin menu's 立即备份.

flask --app run.py backup [-o DIR]          # dated archive into BACKUP_DIR (or DIR), then retention
flask --app run.py restore ARCHIVE [--force]
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import lazy_gettext as _l

from ..services.backup import BackupError, create_backup, prune_backups, restore_backup


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(n, 1) / 1024:.0f} KB"


@click.command("backup")
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="备份目录（默认 BACKUP_DIR，即 instance/backups）",
)
@click.option("--no-prune", is_flag=True, help="本次不按保留策略清理旧备份")
@with_appcontext
def backup(out_dir: Path | None, no_prune: bool) -> None:
    """备份数据库和上传文件到一个带日期的归档（可在系统运行时执行），并按保留策略清理旧备份。"""
    try:
        path = create_backup(out_dir, prune=False)
        removed = [] if no_prune else prune_backups(path.parent)
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(str(_l("已备份：%(path)s（%(size)s）", path=path, size=_size(path.stat().st_size))))
    if removed:
        click.echo(str(_l("按保留策略删除旧备份 %(n)s 个：%(names)s", n=len(removed), names="、".join(removed))))


@click.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="当前数据库不是空的也恢复（先自动备份现有数据）")
@with_appcontext
def restore(archive: Path, force: bool) -> None:
    """从备份归档恢复数据库和上传文件（只恢复到空数据库；校验清单、校验值、行数和版本）。"""
    try:
        result = restore_backup(archive, force=force)
    except BackupError as exc:
        raise click.ClickException(exc.message) from None
    if result.safety_backup:
        click.echo(str(_l("恢复前已备份现有数据：%(path)s", path=result.safety_backup)))
    click.echo(
        str(
            _l(
                "已恢复：%(rows)s 行数据、%(files)s 个上传文件（数据库版本 %(rev)s）。",
                rows=result.rows,
                files=result.uploads,
                rev=result.revision,
            )
        )
    )
    if result.upgraded_to:
        click.echo(str(_l("备份早于本程序，已升级数据库到版本 %(rev)s。", rev=result.upgraded_to)))
