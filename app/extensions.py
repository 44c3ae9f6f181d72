"""Extension singletons; bound to the app in create_app()."""

from flask_appbuilder import AppBuilder
from flask_appbuilder.utils.legacy import get_sqla_class
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate

db = get_sqla_class()()
appbuilder = AppBuilder(update_perms=True)
migrate = Migrate()
# Rate limits for anonymous public pages (FAB has its own limiter for the login form).
public_limiter = Limiter(key_func=get_remote_address, default_limits=[])
