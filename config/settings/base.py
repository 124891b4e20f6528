"""Settings shared by every environment, read from the environment (12-factor).

Zero-setup defaults: a SQLite file and a filesystem Celery broker under ``var/``. Production and
CI set ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` (Redis).
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # the lender console's theme: its templates must come before the admin's own
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "axes",
    "import_export",
    "collateral",
    "registry",
    "registry.alerts",
    "valuation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # after the language is known (413/414 in the caller's language), before a body is read
    "registry.middleware.BodySizeLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "registry.replica.ReadYourWritesMiddleware",
    # last: it turns a locked-out login into its lockout response
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # first, so a locked-out user or address is refused before the password is checked
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Console logins: after 5 failures for one username from one address, locked for an hour.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "console/locked_out.html"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'registry.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep a worker's connection between requests rather than open one per request (0);
# health checks drop one the server has closed before it is used.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
# A streaming replica for the search, priority and list reads (registry.db_routers); a client
# reads its own writes (registry.replica). The test suite mirrors it onto the primary.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL")
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["registry.db_routers.PrimaryReplicaRouter"]
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", default=300)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "registry.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Times are stored in UTC and shown in Asia/Shanghai.
USE_TZ = True
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"

# The consoles' theme (django-unfold): every asset is served from this service, no CDN.
# UNFOLD is the operator's /admin/; CONSOLE_UNFOLD the lenders' /console/.
UNFOLD = {
    "SITE_TITLE": _("Collateral Registry"),
    "SITE_HEADER": _("Collateral Registry"),
    "SITE_SUBHEADER": _("Operator administration"),
    "SITE_URL": "/admin/",
    "SHOW_LANGUAGES": True,
    "SHOW_VIEW_ON_SITE": False,
    "SIDEBAR": {"show_search": True, "show_all_applications": True},
}
CONSOLE_UNFOLD = {
    "SITE_TITLE": _("Collateral Registry"),
    "SITE_HEADER": _("Collateral Registry"),
    "SITE_SUBHEADER": _("Lender console"),
    "SITE_URL": "/console/",
    "SHOW_LANGUAGES": True,
    "SHOW_HISTORY": False,
    "SHOW_VIEW_ON_SITE": False,
    "STYLES": [lambda request: static("console/console.css")],
    "SIDEBAR": {
        "show_search": False,
        "show_all_applications": False,
        "navigation": "registry.console.site.sidebar_navigation",
    },
}
STATIC_ROOT = VAR_DIR / "static"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="registry@localhost")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# unset: "[Collateral Registry] " in the mail's language (担保登记系统 in Chinese)
ALERT_EMAIL_SUBJECT_PREFIX = env.str("ALERT_EMAIL_SUBJECT_PREFIX", default=None)

# Alert webhooks: HMAC-signed POSTs, retried with exponential back-off for a day.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=5.0)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=60)
WEBHOOK_RETRY_MAX_DELAY_SECONDS = env.int("WEBHOOK_RETRY_MAX_DELAY_SECONDS", default=4 * 3600)
WEBHOOK_RETRY_WINDOW_SECONDS = env.int("WEBHOOK_RETRY_WINDOW_SECONDS", default=24 * 3600)
# Receivers on loopback (development, tests) or private networks (a bank's on-premises
# endpoint reached over a private link) must be allowed explicitly: in a shared service they
# would let one lender make the service call its own internal endpoints.
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=False)
WEBHOOK_ALLOW_PRIVATE_NETWORKS = env.bool("WEBHOOK_ALLOW_PRIVATE_NETWORKS", default=False)
# The service's own public host names beyond ALLOWED_HOSTS; webhooks may not point at them.
WEBHOOK_FORBIDDEN_HOSTS = env.list("WEBHOOK_FORBIDDEN_HOSTS", default=[])
# Fernet keys that encrypt webhook secrets at rest; the first encrypts, all decrypt (rotation).
# Empty: one key derived from SECRET_KEY.
WEBHOOK_SECRET_KEYS = env.list("WEBHOOK_SECRET_KEYS", default=[])
# Objections (异议登记) lapse by themselves this many days after filing unless a court or
# arbitration case acceptance is recorded; transfer offers expire if not answered in time.
OBJECTION_LAPSE_DAYS = env.int("OBJECTION_LAPSE_DAYS", default=30)
TRANSFER_OFFER_DAYS = env.int("TRANSFER_OFFER_DAYS", default=14)
# A notification claimed by a sender that died is claimable again after this long.
NOTIFICATION_CLAIM_LEASE_SECONDS = env.int("NOTIFICATION_CLAIM_LEASE_SECONDS", default=600)

# Request bodies: at most this many bytes (413 before parsing) and this deep (400).
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=2 * 1024 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# Longest path and query answered (414 beyond); gunicorn.conf.py lets longer request lines
# through to Django so that the 414 is the API's JSON, not gunicorn's page.
API_MAX_URI_BYTES = env.int("API_MAX_URI_BYTES", default=4096)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "registry.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["registry.permissions.IsOrganizationMember"],
    # The API speaks JSON only (forms and uploads have no place in it).
    "DEFAULT_PARSER_CLASSES": ["registry.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "registry.api.pagination.StrictPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["registry.api.filtering.StrictFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "registry.api.exception_handlers.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["registry.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env.str("API_THROTTLE_RATE", default="1200/min")},
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Collateral Registry API",
    "DESCRIPTION": """
Register pledges over movable assets and rights (intellectual property, warehouse receipts,
livestock, forest rights), search them before lending, value collateral with haircuts and
receive alerts.

**Authentication.** Every call carries `Authorization: Bearer <api key>`; a missing, wrong or
revoked key gets 401. Keys belong to one lender (organization) and have a role: `viewer`
reads, `officer` also registers, amends, extends, discharges and values, `admin` also changes
the haircut policy.

**Errors.** Field errors come back as 400 in DRF's shape, nested like the request:
`{"grantor": {"id_number": ["..."]}, "collateral": [{}, {"number": ["Check character ..."]}]}`.
Other errors carry `{"detail": "...", "code": "..."}`: 403 `permission_denied`, 404
`not_found`, 409 `invalid_state` (expired or discharged) or `conflict` (with `conflicts`, when
`on_conflict` is `reject`), 422 `idempotency_key_reused`. Nothing is written when a request
fails.

**Retries.** Every POST that writes accepts an `Idempotency-Key` header — registrations and
their amendments, extensions and discharges, objections, transfers, search certificates,
valuations, commodity prices, grantor watches, alert acknowledgements (and the haircut
policy's PUT, which makes a new version each time): the same key and body
replay the first response (header `Idempotent-Replayed: true`) and write nothing more, the
same key with another body gets 422. Keys are kept 48 hours, per organization. A webhook
subscription is the exception: its response carries the signing secret once, and that answer
is never stored to be replayed.

**Times and money.** Times are ISO 8601 with offset (stored in UTC); amounts are decimal
strings. Lists are paginated (`?page=`, 50 per page). Messages follow `Accept-Language`
(`zh-hans` or `en`).
""",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "registry.api.schema.document_error_responses",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # alert enums share field names ("kind", "status") with the registry's
    "ENUM_NAME_OVERRIDES": {
        "AlertKindEnum": "registry.alerts.choices.AlertKind",
        "CollateralKindEnum": "collateral.kinds.collateral_kind_choices",
        "AlertStatusEnum": "registry.alerts.choices.AlertStatus",
        "AlertSeverityEnum": "registry.alerts.choices.AlertSeverity",
        "WatchedIdTypeEnum": "registry.alerts.choices.WatchedIdType",
        "GrantorIdTypeEnum": "collateral.choices.GrantorIdType",
        "ObjectionStatusEnum": "registry.choices.ObjectionStatus",
        "TransferStatusEnum": "registry.choices.TransferStatus",
    },
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport under var/,
# which needs no server and lets `make run` start a worker and beat on a bare machine.
REDIS_URL = env.str("REDIS_URL", default="")
# A task taken by a worker that dies without acknowledging it (SIGKILL, OOM, lost host) goes
# back to the queue this long after it was taken (acks_late below: acknowledged only when done).
# Every task must finish well within it, or a second worker would start it while it runs; the
# time limits below are kept under it.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=300)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        # A dead worker's tasks come back only when a live worker sweeps for them: kombu's
        # default is every 10th call of a 10 s timer (100 s on top of the timeout). One
        # ZRANGE every few seconds per worker is cheap; sweep within a quarter of the timeout.
        "unacked_restore_interval": max(1, min(10, CELERY_VISIBILITY_TIMEOUT // 4)),
        "unacked_restore_throttle": 1,
    }
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # an unreachable or hung Redis must fail a rate-limit check fast, not hold the request
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
    # The transport does not create its folders; without them publishing fails.
    for _folder in ("queue", "control", "processed"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=CELERY_VISIBILITY_TIMEOUT - 30)
CELERY_TASK_SOFT_TIME_LIMIT = env.int(
    "CELERY_TASK_SOFT_TIME_LIMIT", default=CELERY_TASK_TIME_LIMIT - 30
)
if not 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT < CELERY_VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured(
        "Celery limits must satisfy 0 < CELERY_TASK_SOFT_TIME_LIMIT < CELERY_TASK_TIME_LIMIT"
        " < CELERY_VISIBILITY_TIMEOUT, so a running task is never handed to a second worker."
    )
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Ed25519 key that signs search certificates (PEM, PKCS#8). Generated under var/ for development.
SEARCH_CERTIFICATE_SIGNING_KEY = env.str("SEARCH_CERTIFICATE_SIGNING_KEY", default="")
# A search certificate lists every result; above this many it is refused (422), not cut.
SEARCH_CERTIFICATE_MAX_RESULTS = env.int("SEARCH_CERTIFICATE_MAX_RESULTS", default=2000)

# Grantor-ID searches of resident IDs (docs/reliability.md, finding 3): counted in the
# database (the search log), so a Redis outage lifts nothing. (searches, window in seconds)
RESIDENT_ID_SEARCH_QUOTA_PER_ACTOR = (
    env.int("RESIDENT_ID_SEARCH_QUOTA_PER_ACTOR", default=60),
    3600,
)
RESIDENT_ID_SEARCH_QUOTA_PER_ORGANIZATION = (
    env.int("RESIDENT_ID_SEARCH_QUOTA_PER_ORGANIZATION", default=300),
    86400,
)
# Enumeration alarms, per organization within the window: resident-ID searches that found
# nothing, and distinct resident IDs searched that share one region code and last 4.
ENUMERATION_WINDOW_SECONDS = 86400
ENUMERATION_MAX_MISSES = env.int("ENUMERATION_MAX_MISSES", default=20)
ENUMERATION_MAX_SHARED_PATTERN = env.int("ENUMERATION_MAX_SHARED_PATTERN", default=5)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
