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
KNOWN_DEFAULT_SECRET_KEYS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "secretkey",
        "secret-key",
        "secret_key",
        "dev",
        "development",
        "test",
        "password",
        "default",
        "superset",
        "flask",
        "your-secret-key",
        "\2\1thisismyscretkey\1\2\\e\\y\\y\\h",
    }
)
# A production key has at least this many characters (secrets.token_hex(32) gives 64).
MIN_SECRET_KEY_LENGTH = 32


def weak_secret_key_reason(key: str | None) -> str | None:
    """Why ``key`` must not sign sessions in production, or None when it is fit."""
    key = key or ""
    if key.strip().lower() in KNOWN_DEFAULT_SECRET_KEYS or key in KNOWN_DEFAULT_SECRET_KEYS:
        return "SECRET_KEY 是公开的默认值"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"SECRET_KEY 少于 {MIN_SECRET_KEY_LENGTH} 个字符"
    return None


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
    # The county a deployment of several townships serves (issue 15 §1), e.g. "建宁县": the brand
    # county accounts and the public index see. Empty: “全县” stands in for it.
    COUNTY_NAME = _env("COUNTY_NAME", "").strip()
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
    # §二(四)2 年度考核: the policy names no marks for 优秀 / 不合格 beyond the dismissal count, so
    # these are the township's settings (fractions), read by policy.annual_assessment.Thresholds
    # for the proposed grade — the township still decides. 优秀 needs each rate at least:
    ANNUAL_EXCELLENT_ON_TIME_RATE = _env_decimal("ANNUAL_EXCELLENT_ON_TIME_RATE", "0.95")  # §五(一)3 按时办结
    ANNUAL_EXCELLENT_SAME_DAY_RATE = _env_decimal("ANNUAL_EXCELLENT_SAME_DAY_RATE", "0.95")  # §五(一)2 当日受理
    ANNUAL_EXCELLENT_SIGNIN_RATE = _env_decimal("ANNUAL_EXCELLENT_SIGNIN_RATE", "0.95")  # §二(四)3 签到考勤
    ANNUAL_EXCELLENT_TRAINING_RATE = _env_decimal("ANNUAL_EXCELLENT_TRAINING_RATE", "0.90")  # §二(三)2 培训
    ANNUAL_EXCELLENT_GOOD_RATE = _env_decimal("ANNUAL_EXCELLENT_GOOD_RATE", "0.90")  # 好评率
    ANNUAL_EXCELLENT_SURVEY_RATE = _env_decimal("ANNUAL_EXCELLENT_SURVEY_RATE", "0.90")  # 调查问卷满意率
    # 不合格 is proposed below these (or at this many negative 走访/座谈 findings):
    ANNUAL_FAIL_ON_TIME_RATE = _env_decimal("ANNUAL_FAIL_ON_TIME_RATE", "0.60")
    ANNUAL_FAIL_SURVEY_RATE = _env_decimal("ANNUAL_FAIL_SURVEY_RATE", "0.60")
    ANNUAL_FAIL_NEGATIVE_FINDINGS = _env_int("ANNUAL_FAIL_NEGATIVE_FINDINGS", 3)
    # §五(一)3 一般事项需在3个工作日内完成; §五(二)4 三个工作日内报送
    DEFAULT_PROMISED_WORKDAYS = _env_int("DEFAULT_PROMISED_WORKDAYS", 3)
    SUBMIT_WITHIN_WORKDAYS = _env_int("SUBMIT_WITHIN_WORKDAYS", 3)
    # §五(一)2 当日受理制: a received time at most this many working days back; further back only
    # 乡便民中心/Admin with a reason (kept on the case)
    MAX_BACKDATE_WORKDAYS = _env_int("MAX_BACKDATE_WORKDAYS", 3)
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
    # §二(四)4, §六(四) the address villagers' phones open (QR codes on the printed notices and
    # shared links), e.g. https://bm.jianning.gov.cn; unset: the address of the request, and the
    # print pages warn that a QR code of this machine's address cannot be opened by villagers.
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "").strip()
    # Colours of the rates on the dashboards (fractions; not policy numbers, the township's choice):
    # 按时办结率 and 当日登记率 are green from DASHBOARD_RATE_GOOD, 签到率 from DASHBOARD_SIGNIN_GOOD;
    # any of them is amber from DASHBOARD_RATE_WARN up to its green mark, red below it.
    DASHBOARD_RATE_GOOD = 0.95
    DASHBOARD_SIGNIN_GOOD = 0.9
    DASHBOARD_RATE_WARN = 0.8
    # County-scale dashboards (issue 11, the monthly aggregate): up to this many villages the
    # township's first screen lists every village; above it the villages with a problem (超期,
    # 月汇总表未报送, strikes, no agent) and the full table one click away (/dashboard/villages).
    DASHBOARD_FULL_TABLE_VILLAGES = _env_int("DASHBOARD_FULL_TABLE_VILLAGES", 30)
    DASHBOARD_PROBLEM_ROWS = _env_int("DASHBOARD_PROBLEM_ROWS", 20)  # of those, on the first screen

    # --- database -------------------------------------------------------------------
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or ("sqlite:///" + str(INSTANCE_DIR / "bmdb.sqlite3"))
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
    # Flask-Limiter's AUTH_RATE_LIMIT counted every login, successful ones too (the 11th colleague
    # logging in from the office's one address was refused): failed logins are throttled by
    # app.services.login_throttle instead, in the database (shared by every app process).
    AUTH_RATE_LIMITED = False
    LOGIN_MAX_FAILURES_PER_ACCOUNT = _env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 30)
    LOGIN_FAILURE_WINDOW_MINUTES = _env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
    LOGIN_LOCK_MINUTES = _env_int("LOGIN_LOCK_MINUTES", 15)
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    PUBLIC_RATE_LIMIT = _env("PUBLIC_RATE_LIMIT", "120 per minute")
    FAB_PASSWORD_COMPLEXITY_ENABLED = True
    FAB_PASSWORD_COMPLEXITY_VALIDATOR = "app.security.password_complexity"
    # REST API tokens (seconds): an access token lives 1 h; POST /api/v1/security/refresh with the
    # refresh token (login with "refresh": true) gives a new one, for JWT_REFRESH_TOKEN_EXPIRES.
    JWT_ACCESS_TOKEN_EXPIRES = _env_int("JWT_ACCESS_TOKEN_EXPIRES", 3600)
    JWT_REFRESH_TOKEN_EXPIRES = _env_int("JWT_REFRESH_TOKEN_EXPIRES", 7 * 24 * 3600)

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
    # Served over HTTPS (behind nginx with TLS): SESSION_COOKIE_SECURE=1 marks the session and
    # remember-me cookies Secure. Never a forced HTTPS redirect in the app (TLS ends at nginx).
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    UPLOAD_FOLDER = str(INSTANCE_DIR / "uploads")  # agents' photos under UPLOAD_FOLDER/photos
    # Agents' photos (app/services/photos.py): upload size, pixels before decoding (decompression
    # bombs), and the box a stored photo is shrunk to (re-encoded as JPEG, metadata stripped).
    PHOTO_MAX_BYTES = _env_int("PHOTO_MAX_BYTES", 5 * 1024 * 1024)
    PHOTO_MAX_PIXELS = _env_int("PHOTO_MAX_PIXELS", 40_000_000)
    PHOTO_MAX_SIZE = (_env_int("PHOTO_MAX_WIDTH", 600), _env_int("PHOTO_MAX_HEIGHT", 800))
    IMG_UPLOAD_FOLDER = str(INSTANCE_DIR / "uploads" / "photos")
    IMG_UPLOAD_URL = "/photos/"
    IMG_SIZE = (300, 400, True)

    # --- backups (flask backup / 系统 → 备份与恢复) -----------------------------------
    BACKUP_DIR = _env("BACKUP_DIR", str(INSTANCE_DIR / "backups"))
    # retention after each backup: the newest of each of the last 14 days and 12 months that have one
    BACKUP_KEEP_DAILY = _env_int("BACKUP_KEEP_DAILY", 14)
    BACKUP_KEEP_MONTHLY = _env_int("BACKUP_KEEP_MONTHLY", 12)

    # --- 我要反映: 群众反映/举报 from the public page (app/public/report.py, issue 14 §2) -------
    # POSTs per address (Flask-Limiter strings), on top of PUBLIC_RATE_LIMIT for every page.
    PUBLIC_REPORT_RATE_LIMIT = _env("PUBLIC_REPORT_RATE_LIMIT", "5 per hour")
    PUBLIC_REPORT_STATUS_RATE_LIMIT = _env("PUBLIC_REPORT_STATUS_RATE_LIMIT", "30 per hour")
    # reports per address and day, counted in the database (holds across app processes)
    PUBLIC_REPORT_DAILY_MAX = _env_int("PUBLIC_REPORT_DAILY_MAX", 10)
    PUBLIC_REPORT_MAX_CHARS = _env_int("PUBLIC_REPORT_MAX_CHARS", 1000)
    # the challenge: a form sent back sooner (a script) or later (a stale page) is refused
    PUBLIC_REPORT_MIN_SECONDS = _env_int("PUBLIC_REPORT_MIN_SECONDS", 5)
    PUBLIC_REPORT_MAX_AGE_MINUTES = _env_int("PUBLIC_REPORT_MAX_AGE_MINUTES", 120)

    # production unless APP_ENV=development is set explicitly (make run sets it): production
    # refuses a weak or known SECRET_KEY.
    ENV_NAME = _env("APP_ENV", "production")
    # X-Request-ID: taken from the request when a proxy sends one, else generated; logged with
    # every error and sent back in the response.
    REQUEST_ID_HEADER = "X-Request-ID"

    # --- case search and long lists (issue 11) -----------------------------------------
    # A list counts its rows up to LIST_COUNT_CAP and shows “超过 10,000 条” above it; its pages
    # reach as deep as the cap (page 500 at 20 rows a page), narrower searches go further.
    LIST_COUNT_CAP = _env_int("LIST_COUNT_CAP", 10_000)
    # --- 好差评 by the applicant (issue 14 §1) ------------------------------------------
    # 差评整改反馈 within this many working days of the rating (国办发〔2019〕51号: 15).
    BAD_RATING_DUE_WORKDAYS = _env_int("BAD_RATING_DUE_WORKDAYS", 15)
    # POSTs of the public rating page /public/rate/<token>, per address (GETs: PUBLIC_RATE_LIMIT).
    RATING_POST_RATE_LIMIT = _env("RATING_POST_RATE_LIMIT", "10 per hour")

    TESTING = False
    DEBUG = False

    # --- case attachments 材料附件 (issue 15 §3; app/services/attachments.py, storage.py) ------
    # ATTACHMENT_STORAGE=local keeps files under UPLOAD_FOLDER/attachments (in the backups);
    # =s3 an S3-compatible store (MinIO, OSS/COS in S3 mode) named by the S3_* settings.
    ATTACHMENT_STORAGE = _env("ATTACHMENT_STORAGE", "local")
    ATTACHMENT_MAX_BYTES = _env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
    ATTACHMENT_MAX_PER_CASE = _env_int("ATTACHMENT_MAX_PER_CASE", 20)
    S3_ENDPOINT_URL = _env("S3_ENDPOINT_URL", "") or None
    S3_BUCKET = _env("S3_BUCKET", "")
    S3_ACCESS_KEY_ID = _env("S3_ACCESS_KEY_ID", "") or None
    S3_SECRET_ACCESS_KEY = _env("S3_SECRET_ACCESS_KEY", "") or None
    S3_REGION = _env("S3_REGION", "us-east-1")
    # a request carries one file plus the form: room for the largest attachment (else 413)
    MAX_CONTENT_LENGTH = max(MAX_CONTENT_LENGTH, ATTACHMENT_MAX_BYTES + 1024 * 1024)
    # --- Excel import of villages, agents, accounts (issue 15 §2, services/imports.py) ------
    # The largest upload (bytes; a bigger file gets a Chinese message), the most data rows in
    # one file, and where an uploaded file waits between the dry run and “确认导入” (default
    # UPLOAD_FOLDER/imports; files older than IMPORT_KEEP_HOURS are removed).
    IMPORT_MAX_BYTES = _env_int("IMPORT_MAX_BYTES", 5 * 1024 * 1024)
    IMPORT_MAX_ROWS = _env_int("IMPORT_MAX_ROWS", 20_000)
    IMPORT_FOLDER = _env("IMPORT_FOLDER", "")
    IMPORT_KEEP_HOURS = _env_int("IMPORT_KEEP_HOURS", 24)
    # --- scheduled jobs and notifications (issue 14 §3: app/jobs, app/notify) ----------
    # `python run.py` / `make run` runs the jobs in-process (APScheduler) unless JOBS_IN_PROCESS=0
    # (then: cron or a systemd timer calling `flask --app run.py jobs run`, see the README).
    # Never under tests. The scheduler looks every JOBS_TICK_SECONDS for what is due.
    JOBS_IN_PROCESS = _env("JOBS_IN_PROCESS", "1") != "0"
    JOBS_TICK_SECONDS = _env_int("JOBS_TICK_SECONDS", 60)
    # A job's lock expires after this long (a runner that died leaves a stale lock behind).
    JOBS_LOCK_MINUTES = _env_int("JOBS_LOCK_MINUTES", 30)
    # The run log (job_run) keeps this many days per job.
    JOBS_LOG_KEEP_DAYS = _env_int("JOBS_LOG_KEEP_DAYS", 60)
    # Outside channels, each optional; secrets only from the environment.
    # 企业微信 group robots: the township's webhook, and per village "QS=https://…;SQ=https://…"
    WECOM_WEBHOOK_URL = _env("WECOM_WEBHOOK_URL", "").strip()
    WECOM_WEBHOOK_URLS = {
        k.strip().upper(): v.strip()
        for k, _, v in (p.partition("=") for p in _env("WECOM_WEBHOOK_URLS", "").replace("\n", ";").split(";"))
        if k.strip() and v.strip()
    }
    SMTP_HOST = _env("SMTP_HOST", "").strip()
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USER = _env("SMTP_USER", "")
    SMTP_PASSWORD = _env("SMTP_PASSWORD", "")
    SMTP_FROM = _env("SMTP_FROM", "")
    SMTP_FROM_NAME = _env("SMTP_FROM_NAME", "")
    SMTP_STARTTLS = _env("SMTP_STARTTLS", "0") == "1"
    SMTP_SSL = _env("SMTP_SSL", "0") == "1"
    # SMS gateway (provider-neutral HTTP POST): 办结通知 to the applicant
    SMS_GATEWAY_URL = _env("SMS_GATEWAY_URL", "").strip()
    SMS_GATEWAY_KEY = _env("SMS_GATEWAY_KEY", "")
    SMS_TEMPLATE_CASE_COMPLETED = _env("SMS_TEMPLATE_CASE_COMPLETED", "")
    NOTIFY_HTTP_TIMEOUT = _env_int("NOTIFY_HTTP_TIMEOUT", 10)
    # Retries: wait NOTIFY_RETRY_BASE_SECONDS · 2^(n−1) after the n-th failure (at most
    # NOTIFY_RETRY_MAX_SECONDS); give up after NOTIFY_MAX_ATTEMPTS.
    NOTIFY_RETRY_BASE_SECONDS = _env_int("NOTIFY_RETRY_BASE_SECONDS", 60)
    NOTIFY_RETRY_MAX_SECONDS = _env_int("NOTIFY_RETRY_MAX_SECONDS", 6 * 3600)
    NOTIFY_MAX_ATTEMPTS = _env_int("NOTIFY_MAX_ATTEMPTS", 8)
