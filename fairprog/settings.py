"""FairProg settings: every value comes from the environment, with safe defaults.

With no environment set, FairProg runs on SQLite under ``var/`` and an on-disk Celery
transport, so a machine with only Python can run it; they make their folders when first
used, as settings only compute values. ``.env.example`` lists every variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from fairprog import spreadsheet

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The environment wins over the file; FAIRPROG_ENV_FILE names another file than .env.
env.read_env(env.str("FAIRPROG_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

# Read after .env, so a value there counts as much as one in the environment.
VAR_DIR = Path(env.str("FAIRPROG_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)

_INSECURE_DEV_KEY = "django-insecure-fairprog-development-only"
SECRET_KEY = env.str("SECRET_KEY", default=_INSECURE_DEV_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment "
        "(or set DEBUG=true for local development)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "fairprog.apps.FairProgAdminConfig",  # the admin, with the dashboard as its index
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "corsheaders",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "django_ratelimit",
    "import_export",
    "axes",
    "proposals",
    "artifacts",
]

MIDDLEWARE = [
    # First: an anonymous GET it has kept is answered before any other middleware runs, and
    # what it keeps is the response as all of them left it (fairprog/page_cache.py).
    "fairprog.page_cache.PublicPageCacheMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (see the block below).
    "fairprog.csp.CSPMiddleware",
    # 400 for NUL and other control characters in the path, query, cookies or form.
    "fairprog.middleware.ControlCharacterMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # ETag from the content for every GET that has none of its own (304 when it matches).
    "django.middleware.http.ConditionalGetMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fairprog.urls"
WSGI_APPLICATION = "fairprog.wsgi.application"

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
                "csp.context_processors.nonce",  # CSP_NONCE, for the few nonced inline blocks
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["ENGINE"] = "fairprog.sqlite"  # Django's; also makes the file's folder
    # A file-backed test database lets a separate worker process see test data.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test-db.sqlite3")
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Cache ----------------------------------------------------------------
# Per-process memory by default; with several processes set CACHE_URL=redis://…
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
# Whole answers to anonymous visitors, kept until the catalogue changes (settings_cache.py).
from fairprog.settings_cache import *  # noqa: E402, F403

# django-ratelimit counts in this cache. It lists only third-party Redis clients as
# supported, though Django's own Redis cache increments atomically too; the per-process
# memory cache of the embedded default counts per process, which one web process makes exact.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["default"]["BACKEND"].endswith("LocMemCache"):
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
# SQLite ignores the covering indexes' INCLUDE columns (PostgreSQL uses them): nothing to act on.
if DATABASES["default"]["ENGINE"] == "fairprog.sqlite":
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# --- Time -----------------------------------------------------------------
# Instants are stored in UTC; TIME_ZONE is the program's own time zone, used to
# show dates to staff and to place deadlines that have no zone of their own.
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True
# One date style on pages and in the admin, instants labelled with their zone.
FORMAT_MODULE_PATH = ["fairprog.formats"]

# --- Static files ---------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
# Production serves hashed, compressed files built by collectstatic; development
# and tests serve straight from the apps' static folders.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# Then found on each request too, so STATIC_ROOT (collectstatic makes it) need not exist.
WHITENOISE_AUTOREFRESH = DEBUG or not STATIC_MANIFEST
WHITENOISE_MANIFEST_STRICT = False

# --- E-mail ---------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="FairProg <noreply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Absolute links in e-mail (confirmation, unsubscribe, the cycle's page) start with this.
# Unset, it is where `make run` serves (HOST and PORT), so `PORT=9000 make run` links to :9000.
_RUN_HOST = env.str("HOST", default="127.0.0.1")
_RUN_HOST = "127.0.0.1" if _RUN_HOST in ("", "0.0.0.0", "::") else _RUN_HOST  # noqa: S104
_RUN_URL = f"http://{_RUN_HOST}:{env.int('PORT', default=8000)}"
SITE_URL = env.str("SITE_URL", default=_RUN_URL).rstrip("/")

# OAI-PMH (/oai): records per page, the repository's identifier (default: SITE_URL's
# host) and how long a resumption token stays good.
OAI_PAGE_SIZE = env.int("OAI_PAGE_SIZE", default=500)
OAI_REPOSITORY_ID = env.str("OAI_REPOSITORY_ID", default="")
OAI_TOKEN_SECONDS = env.int("OAI_TOKEN_SECONDS", default=86400)

# --- Deadline reminders ------------------------------------------------------
# How often beat runs the reminder scan.
REMINDER_SCAN_SECONDS = env.int("REMINDER_SCAN_SECONDS", default=300)
# A delivery queued but still pending after this many seconds is queued again by the scan.
REMINDER_REQUEUE_SECONDS = env.int("REMINDER_REQUEUE_SECONDS", default=600)
# Transient SMTP failures are retried this many times, with exponential backoff and jitter.
REMINDER_MAX_RETRIES = env.int("REMINDER_MAX_RETRIES", default=6)
# Hours a subscription confirmation link stays valid.
REMINDER_CONFIRMATION_HOURS = env.int("REMINDER_CONFIRMATION_HOURS", default=72)
# Subscription form submissions allowed per client address (django-ratelimit rate).
REMINDER_SUBSCRIBE_RATE = env.str("REMINDER_SUBSCRIBE_RATE", default="10/h")
# django-ratelimit reads the client's address from the one place every limit does.
RATELIMIT_IP_META_KEY = "fairprog.clientip.client_ip"

# --- Artifact link checks ------------------------------------------------------
# Requests in flight at once, to one host at once, and seconds between starts to one host.
LINKCHECK_CONCURRENCY = env.int("LINKCHECK_CONCURRENCY", default=50)
LINKCHECK_PER_HOST = env.int("LINKCHECK_PER_HOST", default=2)
LINKCHECK_HOST_INTERVAL = env.float("LINKCHECK_HOST_INTERVAL", default=1.0)
# Seconds to connect, and for a whole request.
LINKCHECK_CONNECT_TIMEOUT = env.float("LINKCHECK_CONNECT_TIMEOUT", default=10.0)
LINKCHECK_TIMEOUT = env.float("LINKCHECK_TIMEOUT", default=30.0)
LINKCHECK_MAX_REDIRECTS = env.int("LINKCHECK_MAX_REDIRECTS", default=10)
# Retries of timeouts, resets, 5xx and 429, the first after about LINKCHECK_BACKOFF seconds.
LINKCHECK_RETRIES = env.int("LINKCHECK_RETRIES", default=2)
LINKCHECK_BACKOFF = env.float("LINKCHECK_BACKOFF", default=2.0)
# The most bytes of a response body the checker ever reads (to spot challenge pages).
LINKCHECK_MAX_BYTES = env.int("LINKCHECK_MAX_BYTES", default=65536)
# Named in the checker's User-Agent, so site operators know who is calling and why.
LINKCHECK_CONTACT_URL = env.str("LINKCHECK_CONTACT_URL", default=f"{SITE_URL}/about/link-checker/")
# Networks the checker may reach although they are not public (CIDRs, comma-separated).
# For tests and intranets only: empty means only globally routable addresses.
LINKCHECK_ALLOWED_NETWORKS = env.list("LINKCHECK_ALLOWED_NETWORKS", default=[])
# A URL that answers whenever the network is up (e.g. https://doi.org/): when it cannot be
# reached either, a run whose links all failed records "not checked: no network". Empty: a
# run is judged offline when links on several hosts all failed without an answer.
LINKCHECK_REFERENCE_URL = env.str("LINKCHECK_REFERENCE_URL", default="")
# A link is broken after this many consecutive failed checks spanning at least this long.
LINKCHECK_BROKEN_AFTER = env.int("LINKCHECK_BROKEN_AFTER", default=3)
LINKCHECK_BROKEN_HOURS = env.float("LINKCHECK_BROKEN_HOURS", default=48)
# Recheck intervals: working links, and failing, broken or blocked ones.
LINKCHECK_HEALTHY_DAYS = env.float("LINKCHECK_HEALTHY_DAYS", default=7)
LINKCHECK_FAILING_DAYS = env.float("LINKCHECK_FAILING_DAYS", default=1)
# How often beat looks for due links, and how many links one check task takes.
LINKCHECK_SWEEP_SECONDS = env.int("LINKCHECK_SWEEP_SECONDS", default=900)
LINKCHECK_BATCH = env.int("LINKCHECK_BATCH", default=500)
# Days each check is kept (a link's latest check is always kept).
LINKCHECK_RETENTION_DAYS = env.int("LINKCHECK_RETENTION_DAYS", default=365)
# The weekly digest of newly broken links also goes to each artifact's award PI.
LINKCHECK_DIGEST_TO_PI = env.bool("LINKCHECK_DIGEST_TO_PI", default=False)

# --- Output discovery (DataCite, Crossref, OpenAlex, Zenodo, GitHub) ----------
# Read after .env like every other value; one module, as each source has seven settings.
from fairprog.settings_discovery import *  # noqa: E402, F403

# --- Open data ----------------------------------------------------------------
# Where export_open_data writes its snapshots and /data/ serves the current one from.
OPEN_DATA_DIR = Path(env.str("OPEN_DATA_DIR", default=str(VAR_DIR / "opendata")))
# SPDX id of the licence the open-data files are published under.
OPEN_DATA_LICENSE = env.str("OPEN_DATA_LICENSE", default="CC0-1.0")

# --- Security -------------------------------------------------------------
# Reverse proxies in front of FairProg that append the client's address to
# X-Forwarded-For. 0: the connection's peer is the client and the header is ignored.
# Every limit keyed by address (API throttles, forms, admin lockout) follows it.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)
# Admin login lockout (django-axes): after this many failed logins for one username, or
# from one address, further attempts are refused for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "fairprog.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "fairprog.lockout.lockout_response"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, so a locked-out login stops here
    "django.contrib.auth.backends.ModelBackend",
    # Researchers sign in by an e-mailed link (django-sesame), never by password.
    "sesame.backends.ModelBackend",
]
# A sign-in link works once, within this many minutes; a researcher's session ends after
# this many minutes without a request; sign-in links asked for per address and per client.
SESAME_MAX_AGE = 60 * env.int("RESEARCHER_LINK_MINUTES", default=15)
SESAME_ONE_TIME = True
RESEARCHER_IDLE_MINUTES = env.int("RESEARCHER_IDLE_MINUTES", default=60)
RESEARCHER_SIGNIN_RATE = env.str("RESEARCHER_SIGNIN_RATE", default="20/h")
# On by default outside DEBUG, so `check --deploy` is clean in production.
_secure = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_secure)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_secure)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_secure)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if _secure else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=_secure)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=_secure)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# The health check is polled over plain HTTP by load balancers.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# --- Content-Security-Policy ---------------------------------------------------
# Scripts, styles, images, fonts and connections come from this site only; no inline script
# or style runs unless the page allowed it by nonce (request.csp_nonce, CSP_NONCE in
# templates) or, for the inline JSON blocks, by hash (fairprog.csp). No plug-ins, no <base>
# elsewhere, no framing, forms post only here. The API docs add data: images (Swagger UI's
# icons) in fairprog/api_urls.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# --- Celery ---------------------------------------------------------------
_broker_dir = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
        "max_retries": 2,
    }
# Publishing must never hang a web request when the broker is down.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=3.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django support closes the database connection around every task unless told to
# reuse it; a new PostgreSQL connection per task costs more than a reminder's whole send.
# Connections are still dropped when obsolete (CONN_MAX_AGE) or broken: see fairprog/celery.py.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Apps' tasks are autodiscovered; the project package is not an app, so list it.
CELERY_IMPORTS = ["fairprog.tasks"]
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "fairprog.celery:BeatScheduler"  # Celery's; also makes the file's folder


def _scan(task: str, seconds: int) -> dict[str, object]:
    """A scan beat queues every ``seconds``; one still waiting when the next is due expires."""
    return {"task": task, "schedule": seconds, "options": {"expires": seconds}}


CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "scan-deadline-reminders": _scan("proposals.tasks.reminders_scan_task", REMINDER_SCAN_SECONDS),
    "sweep-artifact-links": _scan("artifacts.tasks.links_sweep_task", LINKCHECK_SWEEP_SECONDS),
    "prune-link-checks": {
        "task": "artifacts.tasks.link_checks_prune_task",
        "schedule": 24 * 60 * 60,
    },
    "record-link-health-of-the-day": {
        "task": "artifacts.tasks.link_health_day_task",
        "schedule": crontab(minute=50, hour=23),  # the day's history for the dashboard
    },
    "weekly-broken-links-digest": {
        "task": "artifacts.tasks.links_digest_task",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    "export-open-data": {
        "task": "artifacts.tasks.open_data_export_task",
        "schedule": crontab(minute=30, hour=3),  # 03:30 UTC (CELERY_TIMEZONE)
    },
    "discovery": {"task": "artifacts.tasks.discovery_run_task", "schedule": crontab(15, 2, "sun")},
    # 07:30 UTC: the reviewers' digest of the last day's submissions and edits.
    "submissions-digest": {
        "task": "artifacts.tasks.submissions_digest_task",
        "schedule": crontab(30, 7),
    },
    "clear-expired-sessions": {
        "task": "fairprog.tasks.sessions_clear_expired",
        "schedule": 24 * 60 * 60,
    },
}

# --- Imports and queueing -------------------------------------------------
# Seconds a request may wait on the broker to queue work (one try, no retries; failures logged).
QUEUE_PUBLISH_TIMEOUT = env.float("QUEUE_PUBLISH_TIMEOUT", default=1.0)
# Where uploaded NSF files wait for their import; workers on other machines need it shared.
IMPORT_UPLOAD_DIR = Path(env.str("IMPORT_UPLOAD_DIR", default=str(VAR_DIR / "imports")))
STORAGES["imports"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(IMPORT_UPLOAD_DIR)},  # type: ignore[dict-item]
}
# Largest file the admin upload accepts, in bytes (larger ones: manage.py import_nsf_awards).
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=512 * 1024 * 1024)
# Zip archives are refused above this many bytes expanded (all members together).
IMPORT_MAX_EXPANDED_BYTES = env.int("IMPORT_MAX_EXPANDED_BYTES", default=1024 * 1024 * 1024)
# Zip archives are refused when a member or the whole expands more than this many times.
IMPORT_MAX_ZIP_RATIO = env.int("IMPORT_MAX_ZIP_RATIO", default=100)
# Zip archives are refused with more than this many members.
IMPORT_MAX_ZIP_ENTRIES = env.int("IMPORT_MAX_ZIP_ENTRIES", default=100_000)
# A JSON object document larger than this is refused (JSON lists of awards are streamed).
IMPORT_MAX_JSON_OBJECT_BYTES = env.int("IMPORT_MAX_JSON_OBJECT_BYTES", default=32 * 1024 * 1024)
# Seconds between the heartbeats of a running import.
IMPORT_HEARTBEAT_SECONDS = env.float("IMPORT_HEARTBEAT_SECONDS", default=10.0)
# A running import silent this long is marked interrupted (its worker died).
IMPORT_RUN_STALE_SECONDS = env.int("IMPORT_RUN_STALE_SECONDS", default=300)
# A run still queued after this many seconds is queued again (its message was lost).
IMPORT_REQUEUE_SECONDS = env.int("IMPORT_REQUEUE_SECONDS", default=300)
# How often beat looks for interrupted and lost import runs.
IMPORT_RECOVER_SECONDS = env.int("IMPORT_RECOVER_SECONDS", default=60)
# Seconds an import pauses after each document and batch: for tests of interruption; keep 0.
IMPORT_PAUSE_SECONDS = env.float("IMPORT_PAUSE_SECONDS", default=0.0)
CELERY_BEAT_SCHEDULE["recover-import-runs"] = _scan(
    "proposals.tasks.import_runs_recover_task", IMPORT_RECOVER_SECONDS
)

# --- Attachments: staff-only files on proposals and awards (settings_attachments.py) -------
from fairprog.settings_attachments import *  # noqa: E402, F403

STORAGES["attachments"] = attachment_storage(VAR_DIR)  # noqa: F405

# --- Django REST framework -----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_PERMISSION_CLASSES": ["fairprog.api.StaffWriteOrReadOnly"],
    # Staff scripts send "Authorization: Token <key>" (tokens are made in the admin).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # JSON only: people read the interactive documentation at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["fairprog.api.OrjsonRenderer"],
    # Writes take JSON only: a form cannot say null, nor a list of one item from one item.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["fairprog.api.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "fairprog.api.StableCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["fairprog.clientip.AnonThrottle"],
    # Refused service calls (DomainError) become 400s with per-field messages here, once.
    "EXCEPTION_HANDLER": "fairprog.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": env.str("API_ANON_RATE", default="120/minute")},
    "PAGE_SIZE": 20,
}
# Community websites read the public API, feeds and open-data files from their own origins.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/(api|feeds|data)/.*$"
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]
SPECTACULAR_SETTINGS = {
    "TITLE": "FairProg API",
    "DESCRIPTION": (
        "Public data of the Fairness in AI program: the open-source artifacts its funded "
        "projects release, the funded projects (awards), cycles, public deadlines and "
        "organizations. Reading needs no credentials; program staff write with a token "
        "(`Authorization: Token <key>`). Lists use cursor pagination (`cursor`, `page_size` "
        "up to 100)."
    ),
    "VERSION": "1.0.0",
    # Interactive docs work offline: Swagger UI is served from our own static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "ArtifactKindEnum": "artifacts.models.Artifact.Kind",
        "LinkStateEnum": "artifacts.models.LinkState",
        "ArtifactLinkStateEnum": "artifacts.models.LINK_STATES",
        "DeadlineKindEnum": "proposals.models.Deadline.Kind",
        "OrganizationKindEnum": "proposals.models.Organization.Kind",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fairprog.api_descriptions.add_error_responses",
    ],
}

# --- Admin exports (django-import-export) ---------------------------------
# CSV and XLSX whose every text cell is safe to open in a spreadsheet (fairprog.spreadsheet).
EXPORT_FORMATS = [spreadsheet.CSV, spreadsheet.XLSX]
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Exporting a model needs the permission to view it (not only staff status).
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- Logging --------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes announces itself at INFO in every process (six times in `make run`).
    "loggers": {"axes.apps": {"level": "WARNING"}},
}
