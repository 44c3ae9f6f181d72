"""Every ``flask`` command (SPEC §14) — an entry point like the views and the API: commands
call services, security, exports and policy, never views/api/public.

``register(app)`` adds them all; each module is imported here explicitly, so a missing or
broken one fails at start instead of a command silently disappearing.
"""

from __future__ import annotations

from flask import Flask

from . import backup, calendar, demo, export, imports, jobs, reports, seed, stats, users

COMMANDS = (
    seed.seed,
    demo.demo,
    users.users,
    export.export,
    calendar.calendar,
    reports.reports,
    backup.backup,
    backup.restore,
    imports.imports,
    jobs.jobs,
    stats.stats,
)


def register(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
