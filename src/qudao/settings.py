"""Django settings, read from the environment (DESIGN §4).

Safe defaults: DEBUG is off unless asked for; the SQLite database and the fact
store live under ``QUDAO_HOME`` (default ``./var``); ``DATABASE_URL`` switches
the app database to PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _home() -> Path:
    """``$QUDAO_HOME``, else ``./var``. A command started inside the source package
    (``make messages`` runs in ``src/qudao``) must not put a database into the source tree:
    there the project's ``var/`` is used instead."""
    if os.environ.get("QUDAO_HOME"):
        return Path(os.environ["QUDAO_HOME"]).resolve()
    home = Path("var").resolve()
    if home.is_relative_to(BASE_DIR) and (BASE_DIR.parent.parent / "pyproject.toml").exists():
        return BASE_DIR.parent.parent / "var"
    return home


QUDAO_HOME = _home()
QUDAO_HOME.mkdir(parents=True, exist_ok=True)


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_from_url(url: str) -> dict[str, object]:
    """Translate ``postgres://user:pass@host:port/name`` into a Django DATABASES entry."""
    parsed = urlparse(url)
    if parsed.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ValueError(f"DATABASE_URL: unsupported scheme {parsed.scheme!r} (use postgres://)")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parsed.path.lstrip("/")) or "qudao",
        "USER": unquote(parsed.username or ""),
        "PASSWORD": unquote(parsed.password or ""),
        "HOST": parsed.hostname or "",
        "PORT": str(parsed.port or ""),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


DEBUG = _env_bool("DEBUG")
# Development only: a fixed, clearly-marked insecure key; `qudao serve` refuses it unless
# DEBUG is on. `qudao demo` makes a random key for its home ($QUDAO_HOME/secret_key).
DEVELOPMENT_SECRET_KEY = "django-insecure-qudao-development-key-set-SECRET_KEY-in-production"  # noqa: S105
SECRET_KEY_FILE = QUDAO_HOME / "secret_key"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and SECRET_KEY_FILE.exists():
    SECRET_KEY = SECRET_KEY_FILE.read_text(encoding="utf-8").strip()
if not SECRET_KEY:
    if not DEBUG and _env_bool("QUDAO_REQUIRE_SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in production")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    # for its templates and static files: Swagger UI from our own server, not a CDN
    # (blank offline, and unreliable from mainland China)
    "ninja",
    "qudao.core",
    "qudao.territories",
    "qudao.partners",
    "qudao.catalog",
    "qudao.facts",
    "qudao.analytics",
    "qudao.governance",
    "qudao.programs",
    "qudao.recruitment",
    "qudao.collaboration",
    "qudao.deals",
    "qudao.notifications",
    "qudao.feedback",
    "qudao.marketing",
    "qudao.supply",
    "qudao.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qudao.core.middleware.PageMethodsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qudao.core.middleware.SecurityHeadersMiddleware",
    "qudao.core.middleware.UserLanguageMiddleware",
    # after the language is chosen: API errors answer in it
    "qudao.core.problems.ApiProblemMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "qudao.urls"
WSGI_APPLICATION = "qudao.wsgi.application"
AUTH_USER_MODEL = "core.User"
# Django's backend behind a lockout after repeated failures (core.auth).
AUTHENTICATION_BACKENDS = ["qudao.core.auth.ThrottledModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qudao.core.context_processors.console",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": _database_from_url(os.environ["DATABASE_URL"])}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": QUDAO_HOME / "qudao.sqlite3",
            "OPTIONS": {
                # WAL lets the web server, the worker and the CLI read while one writes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["qudao.formats"]
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")

# What the review's and the detectors' DuckDB may hold in memory before it spills to
# QUDAO_HOME/cache/duckdb (DuckDB's own default is 80 % of the machine).
QUDAO_DUCKDB_MEMORY_LIMIT = os.environ.get("QUDAO_DUCKDB_MEMORY_LIMIT", "1GB")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = QUDAO_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# Background work (imports from the web and the API): a database-backed queue, so no
# extra server is needed; `qudao serve` runs a worker beside the web server.
# The REST API object (the problem-details middleware reads its operations' parameters).
QUDAO_API = "qudao.api.api"

TASKS = {
    "default": {
        "BACKEND": os.environ.get("QUDAO_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Files people attach (violation comments): served only through views that check access.
MEDIA_ROOT = QUDAO_HOME / "media"

DJANGO_TABLES2_TEMPLATE = "core/table.html"
NINJA_PAGINATION_PER_PAGE = 50

# Security headers; HTTPS-only cookies when served behind TLS (QUDAO_HTTPS=1).
_HTTPS = _env_bool("QUDAO_HTTPS")
SESSION_COOKIE_SECURE = _HTTPS
CSRF_COOKIE_SECURE = _HTTPS
SECURE_SSL_REDIRECT = _HTTPS
SECURE_HSTS_SECONDS = 31536000 if _HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _HTTPS
SECURE_HSTS_PRELOAD = _HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _HTTPS else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Deployment settings for the channel team.
# E-mail, for password reset: set QUDAO_EMAIL_HOST (SMTP) or QUDAO_EMAIL_BACKEND (any
# Django mail backend). Without either, no mail is sent and "forgot password" says to ask
# an administrator, who resets it in the admin.
EMAIL_HOST = os.environ.get("QUDAO_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("QUDAO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("QUDAO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("QUDAO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("QUDAO_EMAIL_TLS", "1") == "1"
EMAIL_BACKEND = os.environ.get("QUDAO_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("QUDAO_EMAIL_FROM", "qudao@localhost")
PASSWORD_RESET_TIMEOUT = 3 * 3600  # a reset link works for three hours

_SENDS_MAIL = bool(EMAIL_HOST or os.environ.get("QUDAO_EMAIL_BACKEND"))
QUDAO = {
    "PASSWORD_RESET_BY_EMAIL": _SENDS_MAIL,
    # Mail to people outside (an applicant's confirmation) goes out only where a server is set.
    "SENDS_MAIL": _SENDS_MAIL,
    # Days before an agreement ends that its reminder is raised (each agreement may say).
    "AGREEMENT_REMIND_DAYS": int(os.environ.get("QUDAO_AGREEMENT_REMIND_DAYS", "60")),
    # Where people reach this installation, for the links in mails (e.g. https://qudao.example.com).
    "SITE_URL": os.environ.get("QUDAO_SITE_URL", ""),
    # Webhooks: attempts before giving up, and the first retry's delay (doubled each time).
    "WEBHOOK_MAX_ATTEMPTS": int(os.environ.get("QUDAO_WEBHOOK_MAX_ATTEMPTS", "6")),
    "WEBHOOK_RETRY_SECONDS": int(os.environ.get("QUDAO_WEBHOOK_RETRY_SECONDS", "30")),
    # A month's sell-through or inventory report is due this many days after the month ends
    # (the submission calendar's "late"; the late-report risk rule says 15 too).
    "REPORT_DUE_DAYS": int(os.environ.get("QUDAO_REPORT_DUE_DAYS", "15")),
    # Joint marketing: sales are attributed to a campaign up to this many days after it ends.
    "CAMPAIGN_ATTRIBUTION_DAYS": int(os.environ.get("QUDAO_CAMPAIGN_ATTRIBUTION_DAYS", "30")),
    # Deal registration: days an approved registration keeps its customer, how often it
    # may be extended, and how many days before its end the partner is told.
    "DEAL_PROTECTION_DAYS": int(os.environ.get("QUDAO_DEAL_PROTECTION_DAYS", "90")),
    "DEAL_MAX_EXTENSIONS": int(os.environ.get("QUDAO_DEAL_MAX_EXTENSIONS", "2")),
    "DEAL_EXPIRY_NOTICE_DAYS": int(os.environ.get("QUDAO_DEAL_EXPIRY_NOTICE_DAYS", "14")),
    # Supply alerts: stock covering fewer days than this is a stock-out, more an overstock
    # (each category may set its own); replenishment aims at the cover; an inventory count
    # older than the age limit is not judged.
    "SUPPLY_STOCK_OUT_DAYS": int(os.environ.get("QUDAO_SUPPLY_STOCK_OUT_DAYS", "14")),
    "SUPPLY_OVERSTOCK_DAYS": int(os.environ.get("QUDAO_SUPPLY_OVERSTOCK_DAYS", "120")),
    "SUPPLY_COVER_DAYS": int(os.environ.get("QUDAO_SUPPLY_COVER_DAYS", "45")),
    "SUPPLY_SNAPSHOT_MAX_AGE_DAYS": int(os.environ.get("QUDAO_SUPPLY_SNAPSHOT_MAX_AGE_DAYS", "45")),
    # The public application form: applications taken from one address in an hour.
    "APPLICATIONS_PER_HOUR_PER_ADDRESS": int(
        os.environ.get("QUDAO_APPLICATIONS_PER_HOUR_PER_ADDRESS", "3")
    ),
    # Months by which the fiscal year starts after January (0 = calendar year).
    "FISCAL_YEAR_START_MONTH": int(os.environ.get("QUDAO_FISCAL_YEAR_START_MONTH", "1")),
    "BASE_CURRENCY": os.environ.get("QUDAO_BASE_CURRENCY", "CNY"),
    # "red-up" (common in China) or "green-up".
    "DELTA_COLOURS": os.environ.get("QUDAO_DELTA_COLOURS", "red-up"),
    # Engine of the channel review: "duckdb" (embedded) or "spark" (the spark extra + Java).
    "REVIEW_ENGINE": os.environ.get("QUDAO_REVIEW_ENGINE", "duckdb"),
    # A background job queued longer than this is shown as waiting on the pages.
    "TASK_WAIT_WARNING_SECONDS": int(os.environ.get("QUDAO_TASK_WAIT_WARNING_SECONDS", "60")),
    # An uploaded workbook may unpack to at most this much (bytes counted while inflating).
    "XLSX_MAX_UNPACKED_MB": int(os.environ.get("QUDAO_XLSX_MAX_UNPACKED_MB", "512")),
    # Rebates: a negative payable is a "debit" note to the partner, or an "offset" carried
    # forward against its next payout.
    "REBATE_NEGATIVE_PAYABLE": os.environ.get("QUDAO_REBATE_NEGATIVE_PAYABLE", "debit"),
    # Sell-in lines whose order_id starts so are rebate credit notes: never in a base.
    "REBATE_DOCUMENT_PREFIX": os.environ.get("QUDAO_REBATE_DOCUMENT_PREFIX", "RB-"),
    # Earlier settlement periods computed again (returns restated, voids) for this long.
    "REBATE_RESTATEMENT_MONTHS": int(os.environ.get("QUDAO_REBATE_RESTATEMENT_MONTHS", "12")),
    # Sign-in lockout: this many failures of one account (or one address) within the
    # window lock it for the window.
    "LOGIN_FAILURES_PER_ACCOUNT": int(os.environ.get("QUDAO_LOGIN_FAILURES_PER_ACCOUNT", "5")),
    "LOGIN_FAILURES_PER_ADDRESS": int(os.environ.get("QUDAO_LOGIN_FAILURES_PER_ADDRESS", "20")),
    "LOGIN_LOCKOUT_MINUTES": int(os.environ.get("QUDAO_LOGIN_LOCKOUT_MINUTES", "15")),
    # A worker silent this long is taken for dead: its task goes back to the queue.
    "WORKER_STALE_SECONDS": float(os.environ.get("QUDAO_WORKER_STALE_SECONDS", "20")),
}
