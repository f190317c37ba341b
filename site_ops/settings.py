"""Settings for site-ops, read from environment variables.

With no variables set, the app runs embedded: SQLite in WAL mode and the
in-memory channel layer, in one uvicorn process. DATABASE_URL switches to
PostgreSQL and REDIS_URL to the Redis channel layer; the README lists the
production variables.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from site_ops import speedups

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_number(name: str, default, *, kind=int, least=None):
    """A number from the environment, or the reason it is not one, naming the variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = kind(value.strip())
    except ValueError:
        words = "a whole number" if kind is int else "a number"
        raise ImproperlyConfigured(f"{name} must be {words}, not {value!r}.") from None
    if least is not None and not number >= least:
        raise ImproperlyConfigured(f"{name} must be at least {least}, not {value!r}.")
    return number


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    # The key never lives in the repository: take it from the environment, or
    # generate one on first run into a file that git ignores.
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = Path(os.environ.get("SECRET_KEY_FILE", BASE_DIR / ".secret_key"))
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(64)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "rooms.views.csrf_failure"

INSTALLED_APPS = [
    # daphne first, so that runserver serves websockets too.
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "site_ops.login_attempts.LoginAttemptsConfig",  # django-axes
    # The live spine, what every group stands on, then one app per group
    # (each registers its boards; the control screen's are listed first).
    "site_ops",
    "site_ops.upkeep",
    "rooms",
    "groups.control",
    "groups.general",
    "groups.transfers",
    "groups.catering",
    "groups.disinfection",
    "groups.security",
    "groups.medical",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "site_ops.middleware.refuse_control_characters",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "site_ops.middleware.refuse_selections_not_numbers",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "site_ops.middleware.no_store_for_staff",
    "site_ops.middleware.acting_user",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "site_ops.middleware.signed_out_htmx",
    "site_ops.middleware.method_not_allowed_page",
    "site_ops.middleware.NumbersOutOfRange",
    # Last, as django-axes asks, so that it sees the login outcome.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "site_ops.urls"
ASGI_APPLICATION = "site_ops.asgi.application"

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
                "rooms.context_processors.staff",
            ],
        },
    }
]

# The speed-ups (site_ops/speedups/README.md), all on unless SPEEDUPS=0.
SPEEDUPS = speedups.ENABLED

# Database: embedded SQLite unless DATABASE_URL says otherwise.
DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if SPEEDUPS:
        # Django's backend, keeping closed connections for the next request.
        DATABASES["default"]["ENGINE"] = "site_ops.speedups.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so that two
        # writers queue instead of failing half-way with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Browser tests run the server in another process, which cannot see an
    # in-memory database, so the test database is a file.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test_db.sqlite3")}
else:
    # Named explicitly so that the browser tests' server process finds it.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Upkeep (site_ops/upkeep): nightly backups and the scheduled jobs, run by
# the server process itself; SCHEDULED_JOBS=0 leaves them to a systemd timer
# (docs/deploy.md). Backups go beside the database unless BACKUP_DIR says otherwise.
SCHEDULED_JOBS = env_bool("SCHEDULED_JOBS", True)
# The board clock (site_ops/clock.py): what time alone changes on the boards
# (an overdue task, the next meal round) is sent from the server once per
# board, just after each minute turns; BOARD_CLOCK=0 switches it off.
BOARD_CLOCK = env_bool("BOARD_CLOCK", True)
BOARD_CLOCK_SECONDS = 60.0
_beside_database = "sqlite" in DATABASES["default"]["ENGINE"]
BACKUP_DIR = Path(
    os.environ.get("BACKUP_DIR")
    or (Path(DATABASES["default"]["NAME"]).parent if _beside_database else BASE_DIR) / "backups"
)
BACKUP_KEEP = env_number("BACKUP_KEEP", 14, least=1)
BACKUP_AT = os.environ.get("BACKUP_AT", "03:00")

# Channel layer: in-memory for one process, Redis for several. CHANNEL_LAYER
# picks channels_redis's pub/sub layer or its core (list-based) layer;
# bench/README.md has the figures behind the default.
REDIS_URL = os.environ.get("REDIS_URL")
REDIS_LAYERS = {
    "pubsub": "site_ops.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": REDIS_LAYERS[os.environ.get("CHANNEL_LAYER", "core")],
            "CONFIG": {
                # redis-py refuses a command once its pool holds 100
                # connections, and the core layer takes one per command in
                # flight: a few hundred boards closing at once exceed that.
                #
                # A socket's read of its messages is a blocking pop that Redis
                # answers after 5 seconds when nothing came, and redis-py gives
                # up on a reply after 5 seconds as well: whenever the server
                # was busy as the answer came, the read failed, dropped its
                # connection, and a message popped at that moment was lost
                # (tests/test_redis_layer.py). The reply is awaited longer.
                "hosts": [{"address": REDIS_URL, "max_connections": 2000, "socket_timeout": 15}],
                "prefix": os.environ.get("CHANNEL_PREFIX", "site-ops"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "site_ops.speedups.layers.InMemoryChannelLayer"
            if SPEEDUPS
            else "channels.layers.InMemoryChannelLayer"
        }
    }

# Seconds between a board's heartbeats. The heartbeat compares the client's
# sequence number with the board's and resends the board when it fell behind.
LIVE_HEARTBEAT_SECONDS = env_number("LIVE_HEARTBEAT_SECONDS", 10.0, kind=float, least=0.1)
AUTH_USER_MODEL = "auth.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rooms.backends.StaffBackend",
]
# Throttle per username *and* address, so that one person guessing at a
# shared site Wi-Fi does not lock out everyone else behind the same address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_number("AXES_FAILURE_LIMIT", 5, least=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env_number("PROXY_COUNT", 0, least=0) or None
# Wrong passwords for this many different logins from one address within
# the cool-off refuse every login from it (rooms.views.spraying).
LOGIN_SPRAY_LIMIT = env_number("LOGIN_SPRAY_LIMIT", 10, least=1)
# Forwarded headers are believed only behind the proxy docs/deploy.md sets
# up (PROXY_COUNT): anyone can send X-Forwarded-For to get round the throttle.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600  # one shift
# Django's database sessions, read by a statement built once (every request and socket reads one).
SESSION_ENGINE = "site_ops.speedups.sessions"
X_FRAME_OPTIONS = "DENY"

# Behind TLS (the production layout), every cookie is secure and HSTS is on.
if env_bool("HTTPS"):
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", 31536000, least=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy (django-csp): scripts only from this site's own
# files, no inline script and no eval (htmx is configured in base.html to
# need neither); style attributes stay allowed (a board's column count).
# Sockets connect to this same host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # What Django refuses before any view runs (a body too large, too many
    # fields, a bad host) is one line, not a traceback: it is the sender's
    # mistake or an attack, and the log must stay readable.
    "filters": {
        "one_line": {"()": "site_ops.middleware.OneLine"},
        "refusals_one_line": {"()": "site_ops.middleware.RefusalsOneLine"},
        "redis_outage_one_line": {"()": "site_ops.pubsub.OutageOneLine"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "one_line": {"class": "logging.StreamHandler", "filters": ["one_line"]},
    },
    "loggers": {
        "django.security": {"handlers": ["one_line"], "level": "WARNING", "propagate": False},
        "django.request": {"filters": ["refusals_one_line"], "level": "WARNING"},
        # (A logger's filters apply to what it logs itself, not its children's.)
        "channels_redis.pubsub": {"filters": ["redis_outage_one_line"], "level": "WARNING"},
        "channels_redis.core": {"filters": ["redis_outage_one_line"], "level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
