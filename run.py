"""Entry point: ``python run.py`` upgrades the database schema and serves the app.

Honours HOST (default 127.0.0.1), PORT (default 5000), DATABASE_URL and SECRET_KEY. The scheduled
jobs run in this process (APScheduler, app/jobs/scheduler.py) unless JOBS_IN_PROCESS=0.
``flask --app run.py …`` gives the commands of app/cli.py.
"""

from __future__ import annotations

import os

from app import create_app

app = create_app()


def main() -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    from app.jobs.scheduler import start_scheduler

    scheduler = start_scheduler(app)
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    from waitress import serve

    print(f"便民代办服务管理系统：http://{host}:{port}/")
    if scheduler is not None:
        print("定时任务：已在本进程运行（JOBS_IN_PROCESS=0 可关闭，改用 cron / systemd 定时器）")
    try:
        serve(app, host=host, port=port, threads=8)
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


if __name__ == "__main__":
    main()
