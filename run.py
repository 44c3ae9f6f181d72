"""Entry point: ``python run.py`` upgrades the database schema and serves the app.

Honours HOST (default 127.0.0.1), PORT (default 5000), DATABASE_URL and SECRET_KEY.
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
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5000"))
    from waitress import serve

    print(f"便民代办服务管理系统：http://{host}:{port}/")
    serve(app, host=host, port=port, threads=8)


if __name__ == "__main__":
    main()
