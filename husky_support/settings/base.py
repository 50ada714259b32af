"""Settings shared by every environment. Environment-specific modules import * from here.

Everything a deployment changes comes from environment variables; the defaults give an embedded
setup with no services: SQLite under var/, a filesystem Celery broker and a local-memory cache.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("HUSKY_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Under /api/ a refused CSRF check answers JSON with a code (401 without a session), never Django's page.
CSRF_FAILURE_VIEW = "husky_support.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_countries",  # only for its translated country names (locale files), read through husky_support.geo
    "partners",
    "servicetags",
    "cases",
    "dispatch",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "husky_support.middleware.RefuseNulInUrlMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # django-otp's OTPMiddleware, reading the session's device only when something asks (not on every request).
    "partners.middleware.LazyOTPMiddleware",
    # Pages are private unless a view opts out with @login_not_required.
    "husky_support.middleware.SignInRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "partners.middleware.ViewerTimezoneMiddleware",
    # After the login requirement: a session that owes its second factor reaches only the 2FA pages.
    "partners.middleware.SecondFactorMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "husky_support.urls"
WSGI_APPLICATION = "husky_support.wsgi.application"
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "partners.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
DATABASE_POOL_OPTIONS: dict[str, Any] = {}
if DATABASE_URL:
    _db = dj_database_url.parse(DATABASE_URL)
    if _db["ENGINE"] == "django.db.backends.postgresql":
        DATABASE_POOL_OPTIONS = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 10),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 3),
        }
        _db.setdefault("OPTIONS", {})
        # Bounded waits (README "Failure modes"): a database that is down, restarting or hanging answers a
        # clean 503 within seconds instead of holding the request. connect_timeout bounds opening a
        # connection; statement_timeout ends a query stuck behind a lock or a runaway plan, and
        # idle_in_transaction_session_timeout a transaction left open; TCP keepalives and tcp_user_timeout
        # notice a peer that vanished (a failover, a dropped route) instead of waiting on a dead socket.
        _db["OPTIONS"].setdefault("connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 3))
        # JIT off (README "Reports", speed): the portal's queries are short aggregates whose plans PostgreSQL
        # estimates as costly on a large archive; compiling them took longer than running them (Dell's report
        # 0.55 s -> 2-3 s). DATABASE_JIT=1 gives the server's default back.
        _db["OPTIONS"].setdefault(
            "options",
            f"-c statement_timeout={env_int('DATABASE_STATEMENT_TIMEOUT_MS', 30_000)}"
            f" -c idle_in_transaction_session_timeout={env_int('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', 60_000)}"
            + ("" if env_bool("DATABASE_JIT", False) else " -c jit=off"),
        )
        _db["OPTIONS"].setdefault("keepalives", 1)
        _db["OPTIONS"].setdefault("keepalives_idle", env_int("DATABASE_KEEPALIVES_IDLE", 30))
        _db["OPTIONS"].setdefault("keepalives_interval", 10)
        _db["OPTIONS"].setdefault("keepalives_count", 3)
        _db["OPTIONS"].setdefault("tcp_user_timeout", env_int("DATABASE_TCP_USER_TIMEOUT_MS", 10_000))
        if env_bool("DATABASE_POOL", True):
            # Django 5.1+ psycopg pool; persistent connections must then stay off. A request waits at most
            # `timeout` seconds for a connection (then 503), and each connection is checked before it is
            # handed out (husky_support/dbpool.py), so after a database restart the first request gets a
            # fresh connection, not a dead one.
            _db["OPTIONS"]["pool"] = DATABASE_POOL_OPTIONS
            _db["CONN_MAX_AGE"] = 0
        else:
            _db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
        _db["CONN_HEALTH_CHECKS"] = True
    DATABASES = {"default": _db}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "husky.sqlite3"),
            "OPTIONS": {
                # Web, worker and beat share the file: WAL lets readers run beside one writer,
                # IMMEDIATE takes the write lock up front instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
    # The reports' covering indexes carry extra columns (INCLUDE) that only PostgreSQL keeps; SQLite builds the
    # same indexes without them, which is all the embedded demo needs, so its warning is noise to a newcomer.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and broker -------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Its own Redis in docker-compose.yml (CACHE_URL), and a cache that is down or slow degrades to misses
    # (husky_support/cache.py) within a second instead of failing the request.
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "husky_support.cache.DegradingRedisCache",
            "LOCATION": os.environ.get("CACHE_URL", REDIS_URL),
            "KEY_PREFIX": "husky",
            "OPTIONS": {
                "socket_connect_timeout": env_int("CACHE_CONNECT_TIMEOUT", 1),
                "socket_timeout": env_int("CACHE_SOCKET_TIMEOUT", 1),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions read from the cache and fall back to the database: one query fewer on every page view,
# and signing out or deactivating a user still ends the session on the server.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "partners.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Brute-force lockout: per username and address, so one attacker cannot lock out a whole office.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "partners.auth.lockout_response"
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0)

# Two-factor sign-in (TOTP + recovery codes) is required for MTS users and organisation admins when on;
# production turns it on, the local demo leaves it off (REQUIRE_2FA=1 to try it). Optional for everyone else.
HUSKY_REQUIRE_2FA = env_bool("REQUIRE_2FA", False)
OTP_TOTP_ISSUER = "Husky Support"

SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation: store UTC, show each viewer their own zone ------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files ------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Uploads live outside the web root and are only ever served through a view that checks visibility.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "uploads"))
MEDIA_URL: str | None = None
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750
DATA_UPLOAD_MAX_NUMBER_FILES = 10
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Email --------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Husky Support <support@husky.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security headers that hold everywhere --------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # Bootstrap components set inline style attributes; scripts stay strictly same-origin.
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- REST API ------------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "partners.auth.TokenAuthentication",
        "partners.auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "husky_support.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "husky_support.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Writes take JSON only (a form body answers 415): a form cannot say "false" for an omitted flag.
    # Uploads opt in to multipart on their own action.
    "DEFAULT_PARSER_CLASSES": ["husky_support.api.parsers.SafeJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "husky_support.api.throttling.UserRateThrottle",  # one cache round trip a call
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_RATE_ANON", "60/min"),
        "user": os.environ.get("API_RATE_USER", "1200/min"),
        "token_obtain": os.environ.get("API_RATE_TOKEN_OBTAIN", "10/min"),
    },
    "NUM_PROXIES": env_int("PROXY_COUNT", 0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
KNOX_TOKEN_MODEL = "partners.ApiToken"  # noqa: S105 - a model path, not a secret
# knox's own migrations create its default token table even when the model is swapped for ours;
# that orphan table would hold a foreign key to users. Its models are then synced, and the swapped
# one is skipped, so no knox table exists at all.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "AUTH_HEADER_PREFIX": "Token",
    "TOKEN_TTL": timedelta(days=env_int("API_TOKEN_TTL_DAYS", 365)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 20,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Husky Support API",
    "DESCRIPTION": (
        "Cases, units, service-tag transfers and Dell dispatches for the Husky IVO support chain. "
        "Authenticate with `Authorization: Token <key>` (obtain one at `POST /api/v1/auth/token/`). "
        "Errors are JSON objects with a machine-readable `code` and a human `message`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Tags from the first path segment after the prefix: one per resource (cases, units, transfers, ...).
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "husky_support.api.schema.add_error_responses",
    ],
    # One schema name per domain vocabulary, shared by every resource that uses it.
    "ENUM_NAME_OVERRIDES": {
        "OrgKindEnum": "partners.kinds.OrgKind",
        "CaseStateEnum": "cases.models.STATE_CHOICES",
        "DispatchKindEnum": "dispatch.models.DISPATCH_KIND_CHOICES",
        "DispatchStateEnum": "dispatch.models.DISPATCH_STATE_CHOICES",
        "VisitOutcomeEnum": "dispatch.models.OUTCOME_CHOICES",
        "FeeKindEnum": "dispatch.models.FEE_KIND_CHOICES",
        "ClearanceEnum": "dispatch.models.CLEARANCE_CHOICES",
    },
}

# --- Celery -------------------------------------------------------------------------------------
# The longest a task may run (then it is killed) and the broker's visibility timeout: a task whose worker
# died unacknowledged is handed to another worker after CELERY_VISIBILITY_TIMEOUT seconds, so it must outlast
# the longest run and the longest retry countdown (2 minutes, husky_support/celery.py), and no more.
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 600)
# Publishing never hangs a request: a broker that does not answer is given up after a few seconds (the
# commit stands, the failure is logged, the redelivery sweep queues the work later).
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECT_TIMEOUT", 2)
# After a failed publish, the process does not try the broker again for this long (a request after commit
# costs at most one timeout while the broker is away).
HUSKY_PUBLISH_PAUSE_AFTER_FAILURE_SECONDS = env_int("HUSKY_PUBLISH_PAUSE_AFTER_FAILURE_SECONDS", 5)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
if REDIS_URL:
    CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, int | str | bool] = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
        "socket_timeout": env_int("CELERY_BROKER_SOCKET_TIMEOUT", 3),
        "socket_keepalive": True,
        "health_check_interval": 25,
    }
else:
    # Embedded default: kombu's filesystem transport needs no server, survives restarts (messages
    # are files) and is shared by every process on the machine through var/broker/.
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# Every task is idempotent, so it is safe to redeliver one whose worker died mid-run.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Deadlines live in the database; beat runs short scans. Never schedule work with a long eta or
# countdown: Redis redelivers such tasks after its visibility timeout.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# Stored work whose task was lost (broker down at commit, a Redis without persistence, a killed worker) is
# queued again by this sweep (husky_support.queue redeliveries), at most this many rows per kind a run.
HUSKY_REDELIVER_BATCH = env_int("HUSKY_REDELIVER_BATCH", 500)
CELERY_BEAT_SCHEDULE["husky-redeliver"] = {"task": "husky_support.redeliver_task", "schedule": 60.0}

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        "axes": {"level": "WARNING"},
    },
}

# --- Product settings ---------------------------------------------------------------------------
# Absolute links in emails (workers have no request to take the host from).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
HUSKY_DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "husky-demo")
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- cases ---------------------------------------------------------------------------------------
from celery.schedules import crontab  # noqa: E402 - kept beside the beat jobs that use it

_MB = 1024 * 1024
# Attachments: the file itself, and what a zip may expand to (entries and bytes), so a zip bomb is refused.
CASES_ATTACHMENT_MAX_BYTES = env_int("CASES_ATTACHMENT_MAX_MB", 100) * _MB
CASES_ARCHIVE_MAX_MEMBERS = env_int("CASES_ARCHIVE_MAX_MEMBERS", 20_000)
CASES_ARCHIVE_MAX_UNCOMPRESSED_BYTES = env_int("CASES_ARCHIVE_MAX_UNCOMPRESSED_MB", 2048) * _MB
# SLA targets per priority in business hours of the owning team (docs/rules.md rule 7), used until MTS admins
# store a policy for the priority (sla-policies/): first response, then each next update.
CASES_SLA_TARGET_HOURS = {
    "p1_critical": env_int("CASES_SLA_P1_HOURS", 4),
    "p2_high": env_int("CASES_SLA_P2_HOURS", 8),
    "p3_normal": env_int("CASES_SLA_P3_HOURS", 24),
    "p4_low": env_int("CASES_SLA_P4_HOURS", 72),
}
CASES_SLA_NEXT_UPDATE_HOURS = {
    "p1_critical": env_int("CASES_SLA_P1_UPDATE_HOURS", 4),
    "p2_high": env_int("CASES_SLA_P2_UPDATE_HOURS", 8),
    "p3_normal": env_int("CASES_SLA_P3_UPDATE_HOURS", 24),
    "p4_low": env_int("CASES_SLA_P4_UPDATE_HOURS", 72),
}
# A running target is a near-breach once this share of its business time has passed.
CASES_SLA_NEAR_BREACH_RATIO = float(os.environ.get("CASES_SLA_NEAR_BREACH_RATIO", "0.8"))
CASES_SLA_SWEEP_BATCH = env_int("CASES_SLA_SWEEP_BATCH", 500)
CELERY_BEAT_SCHEDULE["cases-sla-sweep"] = {
    "task": "cases.tasks.sweep_sla_breaches_task",
    "schedule": crontab(minute="*"),  # every minute: a P1 near-breach warning is worth minutes
}
# The notification path (partners.notifications) needs no beat job of its own: the redelivery sweep
# ("husky-redeliver", every minute) queues the emails that fell due and were not sent, the daily digests
# (08:00 in each person's zone) and immediate ones whose task was lost alike.
# The monthly report (partners.reports.monthly): hourly, so the first business day in every zone is met within
# the hour; a run after a downtime sends what was missed, and a month is never sent twice.
CELERY_BEAT_SCHEDULE["partners-monthly-reports"] = {
    "task": "partners.tasks.monthly_reports_task",
    "schedule": crontab(minute=7),
}
# The reports' backlog rollup (cases.rollups): hourly, so each zone's day that ended is counted within the hour;
# a run after a downtime takes the missing days, the most recent first.
CELERY_BEAT_SCHEDULE["cases-backlog-snapshots"] = {
    "task": "cases.tasks.backlog_snapshots_task",
    "schedule": crontab(minute=17),
}
# The domain of each notification email's Message-ID (empty: SITE_URL's host name).
NOTIFICATIONS_MESSAGE_ID_DOMAIN = os.environ.get("NOTIFICATIONS_MESSAGE_ID_DOMAIN", "")
# Lists count their rows exactly up to this many, then say "more than N" instead of counting every row.
CASES_LIST_COUNT_CAP = env_int("CASES_LIST_COUNT_CAP", 10_000)
# A case creation's Idempotency-Key (per organisation) returns the first case for this long, then may be reused.
CASES_IDEMPOTENCY_KEY_HOURS = env_int("CASES_IDEMPOTENCY_KEY_HOURS", 24)
CELERY_BEAT_SCHEDULE["cases-auto-close-resolved"] = {
    "task": "cases.tasks.auto_close_resolved_cases_task",
    "schedule": crontab(minute="*/15"),
}

# --- servicetags ---------------------------------------------------------------------------------
# docs/rules.md rule 6: remind the reseller of a unit shipped more than N days ago without a confirmed
# service-tag transfer; past the second threshold hand it to its distributor's assistance queue.
TRANSFER_REMINDER_DAYS = env_int("TRANSFER_REMINDER_DAYS", 3)
TRANSFER_ASSIST_DAYS = env_int("TRANSFER_ASSIST_DAYS", 10)
CELERY_BEAT_SCHEDULE["servicetags-transfer-reminders"] = {
    "task": "servicetags.tasks.send_transfer_reminders_task",
    "schedule": crontab(hour=6, minute=0),  # daily, 06:00 UTC
}

# --- dispatch ------------------------------------------------------------------------------------
# Fee amounts per kind as (amount, ISO 4217 currency); a kind left out is charged "per contract".
DISPATCH_FEES: dict[str, tuple[str, str]] = {}
# Reschedule-window reminders and freezes (rule 4), NBD missed (rule 1) and part returns: short scans
# of indexed due-times, so a few minutes is cheap and keeps the site-local deadlines sharp.
CELERY_BEAT_SCHEDULE["dispatch-sweeps"] = {
    "task": "dispatch.tasks.dispatch_sweeps_task",
    "schedule": crontab(minute="*/5"),
}

# --- partners: outgoing webhooks -----------------------------------------------------------------
# Production refuses http and our own network (loopback, private, link-local, metadata), checked after
# DNS resolution on every attempt; local.py and test.py allow http and 127.0.0.1 for a local receiver.
WEBHOOKS_ALLOW_HTTP = env_bool("WEBHOOKS_ALLOW_HTTP", False)
WEBHOOKS_ALLOW_LOOPBACK = env_bool("WEBHOOKS_ALLOW_LOOPBACK", False)
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = env_int("WEBHOOKS_CONNECT_TIMEOUT_SECONDS", 3)
WEBHOOKS_READ_TIMEOUT_SECONDS = env_int("WEBHOOKS_READ_TIMEOUT_SECONDS", 5)
# Retries: 30 s doubling up to 6 h between attempts (±20 % jitter), given up 3 days after the first.
WEBHOOKS_RETRY_BASE_SECONDS = env_int("WEBHOOKS_RETRY_BASE_SECONDS", 30)
WEBHOOKS_RETRY_CAP_SECONDS = env_int("WEBHOOKS_RETRY_CAP_SECONDS", 6 * 3600)
WEBHOOKS_GIVE_UP_AFTER_SECONDS = env_int("WEBHOOKS_GIVE_UP_AFTER_SECONDS", 3 * 86400)
# An endpoint is disabled (admins emailed) once every attempt failed for a day and at least 10 times.
WEBHOOKS_DISABLE_AFTER_FAILURES = env_int("WEBHOOKS_DISABLE_AFTER_FAILURES", 10)
WEBHOOKS_DISABLE_AFTER_SECONDS = env_int("WEBHOOKS_DISABLE_AFTER_SECONDS", 86400)
# During a rotation the old secret signs too (two signatures) for this long.
WEBHOOKS_ROTATION_WINDOW_SECONDS = env_int("WEBHOOKS_ROTATION_WINDOW_SECONDS", 86400)
# A claimed delivery is left alone this long; it must outlast a batch of attempts at full timeouts.
WEBHOOKS_LEASE_SECONDS = env_int("WEBHOOKS_LEASE_SECONDS", 120)
WEBHOOKS_RELAY_BATCH = env_int("WEBHOOKS_RELAY_BATCH", 10)
WEBHOOKS_RELAY_MAX_SECONDS = env_int("WEBHOOKS_RELAY_MAX_SECONDS", 60)
WEBHOOKS_MAX_PER_ORG = env_int("WEBHOOKS_MAX_PER_ORG", 10)
WEBHOOKS_REDELIVER_MAX = env_int("WEBHOOKS_REDELIVER_MAX", 10_000)
# The relay is started when an event commits; this sweep catches what that missed (a crash, a retry due).
CELERY_BEAT_SCHEDULE["partners-relay-webhooks"] = {
    "task": "partners.tasks.relay_webhooks_task",
    "schedule": 15.0,
}
