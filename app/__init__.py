"""Application factory: extensions, views, CLI — nothing else."""

from __future__ import annotations

import logging
import os

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from .extensions import appbuilder, db, migrate, public_limiter


def create_app(config_object: object | str = "config.Config", **overrides) -> Flask:
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    app.config.from_object(config_object)
    app.config.update(overrides)
    _check_secret_key(app)

    from .security import build_roles, password_complexity

    app.config["FAB_ROLES"] = build_roles()
    app.config["FAB_PASSWORD_COMPLEXITY_VALIDATOR"] = password_complexity
    from .web import LOG_FORMAT, install_request_id_logging

    install_request_id_logging()
    logging.basicConfig(format=LOG_FORMAT)

    from .api.base import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    # One CSRFProtect per app: FAB exempts its API blueprints on it, and a shared instance
    # would keep every app's blueprints (and views) alive.
    CSRFProtect(app)
    public_limiter.init_app(app)

    with app.app_context():
        from . import models  # noqa: F401  (registers every table)
        from .api import register_apis
        from .public import register_public
        from .services import audit  # noqa: F401  (audit listeners)
        from .views import register_views
        from .web import register_web

        # One AppBuilder per app: FAB keeps registered views on the instance, so a second
        # app in the same process (tests) starts from a clean one.
        appbuilder.__init__(base_template="bm/base.html")
        appbuilder.init_app(app, db.session)
        register_views(appbuilder)
        register_apis(appbuilder)
        register_public(app)
        register_web(app)

    from .commands import register as register_commands

    register_commands(app)
    _freeze_startup_objects(app)
    return app


_frozen = False


def _freeze_startup_objects(app: Flask) -> None:
    """Move the ~280k objects of the started app into the collector's permanent generation
    (``gc.freeze()``), once per process: they live as long as the process, and a full
    collection otherwise walks them all (~270 ms pauses measured inside the quarterly payout
    compute at 400 villages). Once per process, so test processes that build many apps do
    not pin each one. ``GC_FREEZE=False`` turns it off."""
    global _frozen
    if _frozen or not app.config.get("GC_FREEZE", True):
        return
    import gc

    gc.collect()
    gc.freeze()
    _frozen = True


def _check_secret_key(app: Flask) -> None:
    """Production (the default) refuses a weak or known SECRET_KEY; only APP_ENV=development
    set explicitly lets one through (Superset's check_secret_key)."""
    from config import load_secret_key, weak_secret_key_reason

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key()
    reason = weak_secret_key_reason(app.config["SECRET_KEY"])
    if reason and app.config.get("ENV_NAME") != "development":
        raise RuntimeError(
            f"拒绝启动：{reason}。请把环境变量 SECRET_KEY 设为至少 32 个字符的随机字符串，"
            "例如 python3 -c 'import secrets; print(secrets.token_hex(32))'；"
            "仅在本机开发时可设 APP_ENV=development。"
        )
