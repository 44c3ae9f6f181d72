"""Every setting of the 便民代办服务管理系统, with the numbers of 建政发〔2022〕33号.

Each value can be overridden by an environment variable of the same name (policy numbers
included, so a new year's subsidy or a changed deduction needs no code change).
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))

# Secret keys that must never be used outside development (Superset's check_secret_key).
KNOWN_DEFAULT_SECRET_KEYS = frozenset({"", "changeme", "secret", "dev", "\2\1thisismyscretkey\1\2\\e\\y\\y\\h"})


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_decimal(name: str, default: str) -> Decimal:
    return Decimal(_env(name, default))


def _env_int(name: str, default: int) -> int:
    return int(_env(name, str(default)))


def _env_month_day(name: str, default: str) -> tuple[int, int]:
    month, day = _env(name, default).split("-")
    return int(month), int(day)


def load_secret_key(instance_dir: Path = INSTANCE_DIR) -> str:
    """SECRET_KEY from the environment, else one generated into instance/ on first run."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = instance_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


class Config:
    # --- the township and the policy (建政发〔2022〕33号) -----------------------------
    TOWNSHIP_NAME = _env("TOWNSHIP_NAME", "建宁乡")
    POLICY_DOCUMENT = "建政发〔2022〕33号"
    # §二(四)1 每村每年 5000 元
    ANNUAL_SUBSIDY_PER_VILLAGE = _env_decimal("ANNUAL_SUBSIDY_PER_VILLAGE", "5000.00")
    # §二(四)2 ①–⑤ 扣除当月补助
    DEDUCTION_AMOUNTS = {
        "1": _env_decimal("DEDUCTION_REFUSED_REQUEST", "30.00"),
        "2": _env_decimal("DEDUCTION_TRAINING_ABSENCE", "30.00"),
        "3": _env_decimal("DEDUCTION_OFF_DUTY", "50.00"),
        "4": _env_decimal("DEDUCTION_LATE_REPORT", "30.00"),
        "5": _env_decimal("DEDUCTION_INCOMPLETE_LEDGER", "10.00"),
    }
    # §五(一)4 月汇总表: the go-live month ("YYYY-MM"); a report is required from it on and ④ is
    # never settled for an earlier month. Empty: the month of the first report ever submitted.
    MONTHLY_REPORTS_FROM = _env("MONTHLY_REPORTS_FROM", "")
    # §二(四)2 ①②③任何一种累计发生 3 次的，予以解聘
    STRIKE_THRESHOLD = _env_int("STRIKE_THRESHOLD", 3)
    # §五(一)3 一般事项需在3个工作日内完成; §五(二)4 三个工作日内报送
    DEFAULT_PROMISED_WORKDAYS = _env_int("DEFAULT_PROMISED_WORKDAYS", 3)
    SUBMIT_WITHIN_WORKDAYS = _env_int("SUBMIT_WITHIN_WORKDAYS", 3)
    # §二(一)2 年龄原则上在 50 周岁以下
    AGENT_MAX_AGE = _env_int("AGENT_MAX_AGE", 50)
    # §二(三)1 坐班时间：夏季 9:00–11:30, 15:00–18:00；冬季 9:00–11:30, 14:30–17:30
    SUMMER_STARTS = _env_month_day("SUMMER_STARTS", "05-01")
    WINTER_STARTS = _env_month_day("WINTER_STARTS", "10-01")
    SUMMER_HOURS = _env("SUMMER_HOURS", "09:00-11:30,15:00-18:00")
    WINTER_HOURS = _env("WINTER_HOURS", "09:00-11:30,14:30-17:30")
    SIGNIN_GRACE_MINUTES = _env_int("SIGNIN_GRACE_MINUTES", 0)
    # §二(四)4 乡纪检办负责监督检查 — the number shown on public pages
    SUPERVISION_PHONE = _env("SUPERVISION_PHONE", "0731-84561234")
    SERVICE_CENTER_PHONE = _env("SERVICE_CENTER_PHONE", "0731-84561000")

    # --- database -------------------------------------------------------------------
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(INSTANCE_DIR / "bmdb.sqlite3")
    )
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # --- Flask-AppBuilder ----------------------------------------------------------
    APP_NAME = _env("APP_NAME", "建宁乡便民代办服务管理系统")
    APP_THEME = ""
    FAB_SECURITY_MANAGER_CLASS = "app.security.BmSecurityManager"
    FAB_INDEX_VIEW = "app.views.home.HomeView"
    FAB_CREATE_DB = False  # Alembic owns the schema (STYLE §8)
    # Roles are declared in code (FAB_ROLES regexes, app.security.build_roles) and need no
    # permission rows, so start-up does not write to the database.
    FAB_UPDATE_PERMS = False
    FAB_ADD_SECURITY_VIEWS = True
    FAB_API_SWAGGER_UI = False  # Swagger UI loads from a CDN; /api/v1/_openapi serves the spec
    FAB_API_MAX_PAGE_SIZE = 200
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Admin"
    AUTH_ROLE_PUBLIC = "Public"
    AUTH_USER_REGISTRATION = False
    AUTH_RATE_LIMITED = True
    AUTH_RATE_LIMIT = _env("AUTH_RATE_LIMIT", "10 per 5 minute")
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    PUBLIC_RATE_LIMIT = _env("PUBLIC_RATE_LIMIT", "120 per minute")
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = "app.security.password_complexity"
    JWT_ACCESS_TOKEN_EXPIRES = 8 * 3600

    # --- language: Chinese first ----------------------------------------------------
    BABEL_DEFAULT_LOCALE = "zh"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = {
        "zh": {"flag": "cn", "name": "中文"},
        "en": {"flag": "gb", "name": "English"},
    }
    TIMEZONE = "Asia/Shanghai"

    # --- web security ---------------------------------------------------------------
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    UPLOAD_FOLDER = str(INSTANCE_DIR / "uploads")
    IMG_UPLOAD_FOLDER = str(INSTANCE_DIR / "uploads" / "photos")
    IMG_UPLOAD_URL = "/photos/"
    IMG_SIZE = (300, 400, True)

    ENV_NAME = _env("APP_ENV", "development")
    TESTING = False
    DEBUG = False
