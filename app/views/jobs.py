"""系统 → 定时任务 (issue 14 §3), Admin only (the resource ``Job`` is in no other role): every
job with its schedule and last run, the recent run log, the outbox by channel and status with
the rows waiting for a retry or given up, and “立即运行” for one job."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..jobs import JOBS, run_job
from ..jobs.runner import STATUS_LABELS, TRIGGER_LABELS, last_run
from ..models import JobRun
from ..services import notifications as outbox
from .menu import add_menu_view


class JobsView(BaseView):
    route_base = "/jobs"
    class_permission_name = "Job"
    base_permissions = ["can_read", "can_write"]
    method_permission_name = {"index": "read", "run": "write"}
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        runs = db.session.execute(select(JobRun).order_by(JobRun.id.desc()).limit(50)).scalars().all()
        return self.render_template(
            "notifications/jobs.html",
            title=_l("定时任务"),
            jobs=[(job, last_run(job.name)) for job in JOBS.values()],
            runs=runs,
            status_labels=STATUS_LABELS,
            trigger_labels=TRIGGER_LABELS,
            summary=outbox.outbox_summary(),
            channel_labels=outbox.CHANNEL_LABELS,
            outbox_status=outbox.STATUS_LABELS,
            kinds=outbox.KIND_LABELS,
            masked=outbox.masked_address,
        )

    @expose("/run/<name>", methods=["POST"])
    @has_access
    def run(self, name: str):
        if name not in JOBS:
            abort(404)
        outcome = run_job(name, trigger="manual")
        label = STATUS_LABELS.get(outcome.status, outcome.status)
        detail = outcome.result or outcome.error
        flash(
            f"{name}：{label}" + (f"（{detail}）" if detail else ""), "danger" if outcome.status == "failed" else "info"
        )
        return redirect(url_for("JobsView.index"))


def register(appbuilder) -> None:
    add_menu_view(appbuilder, JobsView, "Job", _l("定时任务"), "fa-clock-o", "System")
