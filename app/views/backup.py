"""系统 → 备份与恢复 (issue 16): “立即备份” and the list of archives with their sizes and dates.

Admin only: the resource ``Backup`` is in no other role's FAB_ROLES (see app/security.py), and an
archive holds every record of every village. Restoring is a command-line step
(``flask restore``), on purpose: it replaces the whole database.
"""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, send_file, url_for
from flask_appbuilder import BaseView
from flask_appbuilder.baseviews import expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from ..services import backup as backup_service

log = logging.getLogger(__name__)


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(n, 1) / 1024:.0f} KB"


class BackupView(BaseView):
    route_base = "/backups"
    class_permission_name = "Backup"
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"index": "read", "download": "read", "create": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        from flask import current_app

        backups = backup_service.list_backups()
        return self.render_template(
            "backup/index.html",
            title=_l("备份与恢复"),
            backups=backups,
            human_size=human_size,
            backup_dir=backup_service.backup_dir(),
            keep_daily=current_app.config.get("BACKUP_KEEP_DAILY", 14),
            keep_monthly=current_app.config.get("BACKUP_KEEP_MONTHLY", 12),
        )

    @expose("/create", methods=["POST"])
    @has_access
    def create(self):
        try:
            path = backup_service.create_backup()
        except backup_service.BackupError as exc:
            flash(_l("备份失败：%(m)s", m=exc.message), "danger")
        except Exception:  # disk full, permissions …: a message, not a 500
            log.exception("backup from the admin menu failed")
            flash(_l("备份失败，请查看服务器日志"), "danger")
        else:
            flash(_l("已备份：%(name)s（%(size)s）", name=path.name, size=human_size(path.stat().st_size)), "success")
        return redirect(url_for("BackupView.index"))

    @expose("/download/<name>")
    @has_access
    def download(self, name: str):
        match = next((b for b in backup_service.list_backups() if b.name == name), None)
        if match is None:
            abort(404)
        return send_file(match.path, mimetype="application/gzip", as_attachment=True, download_name=match.name)


def register(appbuilder) -> None:
    from .menu import add_menu_view

    add_menu_view(appbuilder, BackupView, "Backup", _l("备份与恢复"), "fa-archive", "System")
