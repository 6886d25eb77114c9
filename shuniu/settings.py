"""Settings for shuniu, configured entirely from the environment.

With no configuration at all the project runs on a SQLite file under ``var/``, a local-memory cache
and an in-process job queue, so ``make demo`` works on a laptop with only Python. Secrets that are
not given in the environment are generated once into ``var/`` (never committed).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("SHUNIU_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_from_env_or_file(env_name: str, filename: str, nbytes: int = 32) -> str:
    """Return the secret from the environment, else from ``var/<filename>``, creating it once."""
    value = os.environ.get(env_name)
    if value:
        return value
    path = VAR_DIR / filename
    if not path.exists():
        # Written with 0600 so that a shared laptop does not leak the key to other users.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


SECRET_KEY = _secret_from_env_or_file("SHUNIU_SECRET_KEY", "secret_key", 50)
# Keys for personal data: one encrypts ID and phone numbers (AES-GCM), the other keys the lookup hash.
SHUNIU_ENCRYPTION_KEY = _secret_from_env_or_file("SHUNIU_ENCRYPTION_KEY", "encryption_key", 32)
SHUNIU_HASH_KEY = _secret_from_env_or_file("SHUNIU_HASH_KEY", "hash_key", 32)

DEBUG = os.environ.get("SHUNIU_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("SHUNIU_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("SHUNIU_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",
    "shuniu.core",
    "shuniu.accounts",
    "shuniu.audit",
    "shuniu.regions",
    "shuniu.rulesettings",
    "shuniu.registry",
    "shuniu.party",
    "shuniu.coverage",
    "shuniu.cases",
    "shuniu.organizing",
    "shuniu.passes",
    "shuniu.transfers",
    "shuniu.mobile",
    "shuniu.development",
    "shuniu.orglife",
    "shuniu.annualreports",
    "shuniu.demo",
    "shuniu.imports",
    "shuniu.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shuniu.accounts.login_security.IdleSessionMiddleware",
    "shuniu.core.middleware.DefaultLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shuniu.web.middleware.QueryStringMiddleware",
    # Last, as django-axes asks: it turns a login refused during a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# ---- security: login, sessions, CSP, HTTPS ----
# Every number and switch comes from the environment; docs/deploy.md lists the production set.


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def _env_flag(name: str, default: bool = False) -> bool:
    # A mistyped switch must not quietly leave HTTPS protections off: anything unknown is an error.
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0, not {value!r}")


# Failed logins (django-axes, see accounts/login_security.py): SHUNIU_LOGIN_FAILURE_LIMIT failures for
# one username, or SHUNIU_LOGIN_ADDRESS_FAILURE_LIMIT from one address (higher: an office's people
# share its address), within SHUNIU_LOGIN_COOLOFF_MINUTES lock that username or address for as long,
# the right password included. `shuniu unlock` lifts a lockout early.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_HANDLER = "shuniu.accounts.login_security.LoginAttempts"
AXES_FAILURE_LIMIT = _env_int("SHUNIU_LOGIN_FAILURE_LIMIT", 5)
SHUNIU_LOGIN_ADDRESS_FAILURE_LIMIT = _env_int("SHUNIU_LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = dt.timedelta(minutes=_env_int("SHUNIU_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A lockout lasts the cool-off from the failure that caused it, as the lockout page says; attempts
# during it are refused (and audited) without prolonging it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "shuniu.accounts.login_security.lockout_response"
AXES_CLIENT_IP_CALLABLE = "shuniu.accounts.login_security.client_address"
# Successful logins go to the audit log (action "login"); axes' own access log would repeat them.
AXES_DISABLE_ACCESS_LOG = True
# Its records name usernames and addresses: listed with `shuniu axes_list_attempts`, not in the
# admin site that officers use too; the audit log has every login event.
AXES_ENABLE_ADMIN = False

# Sessions end after SHUNIU_SESSION_IDLE_MINUTES without a request (IdleSessionMiddleware keeps an
# active one alive).
SHUNIU_SESSION_IDLE_MINUTES = _env_int("SHUNIU_SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = SHUNIU_SESSION_IDLE_MINUTES * 60

# API requests per token (or per signed-in user of a session), e.g. "600/m"; periods s, m, h, d.
SHUNIU_API_RATE = os.environ.get("SHUNIU_API_RATE", "600/m").strip()

# HTTPS. SHUNIU_HTTPS=1: the site is served over HTTPS only (secure cookies, HSTS, http redirected).
# SHUNIU_BEHIND_PROXY=1: requests come through a reverse proxy (nginx) that sets X-Forwarded-Proto
# and appends the client to X-Forwarded-For; only with the app server unreachable except through it.
SHUNIU_HTTPS = _env_flag("SHUNIU_HTTPS")
SHUNIU_BEHIND_PROXY = _env_flag("SHUNIU_BEHIND_PROXY")
# Proxies that each append an address to X-Forwarded-For (nginx alone: 1).
SHUNIU_PROXY_COUNT = max(_env_int("SHUNIU_PROXY_COUNT", 1), 1)
if SHUNIU_BEHIND_PROXY:
    # Without it Django takes a request that nginx received over HTTPS for plain HTTP, and refuses
    # the browser's https:// Origin on every login as a CSRF failure.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = SHUNIU_HTTPS
CSRF_COOKIE_SECURE = SHUNIU_HTTPS
SECURE_SSL_REDIRECT = _env_flag("SHUNIU_SSL_REDIRECT", SHUNIU_HTTPS)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/ping$"]
SECURE_HSTS_SECONDS = _env_int("SHUNIU_HSTS_SECONDS", 365 * 24 * 3600 if SHUNIU_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_flag("SHUNIU_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = _env_flag("SHUNIU_HSTS_PRELOAD", False)
# Preloading commits a whole registered domain (hstspreload.org) and is decided by whoever runs that
# domain, not by one application on a subdomain of it; SHUNIU_HSTS_PRELOAD=1 opts in. (Read below.)
_SECURITY_SILENCED = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp): scripts, styles, fonts and data only from this site. The pages
# have no inline script, style or handler (shuniu.js applies what the templates give as data-*);
# data: images are ECharts' and Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

ROOT_URLCONF = "shuniu.urls"
WSGI_APPLICATION = "shuniu.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'shuniu.sqlite3'}"),
        conn_max_age=int(os.environ.get("SHUNIU_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a generator or import writes; a busy timeout avoids
    # "database is locked" under light concurrency.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The covering indexes of registry.SocialOrg use INCLUDE, which only PostgreSQL has; on SQLite the
# same index is made without the included columns, which is what we want there.
SILENCED_SYSTEM_CHECKS = ["models.W040", *_SECURITY_SILENCED]
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # Instances sharing one Redis keep their cache keys (tokens, rate counts, import progress) apart
    # with a prefix of their own, as they keep their queues apart with SHUNIU_JOB_QUEUE.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": os.environ.get("SHUNIU_CACHE_PREFIX", "")}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# ---- imports and jobs (limits, Redis timeouts) ----
# Documented in docs/deploy.md ("Import limits", "Redis timeouts").
# What an uploaded spreadsheet may be: checked before any parser runs (shuniu/imports/guard.py).
SHUNIU_IMPORT_MAX_UPLOAD_MB = float(os.environ.get("SHUNIU_IMPORT_MAX_UPLOAD_MB", "50"))
SHUNIU_IMPORT_MAX_EXPANDED_MB = float(os.environ.get("SHUNIU_IMPORT_MAX_EXPANDED_MB", "800"))
SHUNIU_IMPORT_MAX_RATIO = int(os.environ.get("SHUNIU_IMPORT_MAX_RATIO", "100"))
SHUNIU_IMPORT_MAX_MEMBERS = int(os.environ.get("SHUNIU_IMPORT_MAX_MEMBERS", "1000"))
SHUNIU_IMPORT_MAX_ROWS = int(os.environ.get("SHUNIU_IMPORT_MAX_ROWS", "1000000"))
SHUNIU_IMPORT_MAX_COLUMNS = int(os.environ.get("SHUNIU_IMPORT_MAX_COLUMNS", "100"))
SHUNIU_IMPORT_MAX_CELLS = int(os.environ.get("SHUNIU_IMPORT_MAX_CELLS", "10000000"))

# ---- the three passes ----
# How long an evaluation grade (等级评估) is valid from its decision: 5 years under the Measures for the
# Evaluation of Social Organizations (《社会组织评估管理办法》, MCA order 39, 2010).
SHUNIU_EVALUATION_VALID_YEARS = int(os.environ.get("SHUNIU_EVALUATION_VALID_YEARS", "5"))

# The child process that parses an upload: its address space (0: parse in the calling process)
# and its time.
SHUNIU_IMPORT_READ_MEMORY_MB = float(os.environ.get("SHUNIU_IMPORT_READ_MEMORY_MB", "2048"))
SHUNIU_IMPORT_READ_SECONDS = int(os.environ.get("SHUNIU_IMPORT_READ_SECONDS", "300"))
# Uploaded files (var/imports/) older than this are removed, previewed or not.
SHUNIU_IMPORT_UPLOAD_MAX_AGE_HOURS = float(os.environ.get("SHUNIU_IMPORT_UPLOAD_MAX_AGE_HOURS", "24"))
# A commit whose job has not refreshed its heartbeat for this long is reported as failed.
SHUNIU_IMPORT_HEARTBEAT_TIMEOUT = float(os.environ.get("SHUNIU_IMPORT_HEARTBEAT_TIMEOUT", "60"))
# Django's own bounds on a request: the non-file part of a form, and the size of an uploaded file
# kept in memory (larger ones are streamed to a temporary file, and an import upload over
# SHUNIU_IMPORT_MAX_UPLOAD_MB is not stored at all: shuniu/imports/views.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# Case attachments (scanned approvals, minutes) are kept through Django's storage API: a folder
# under SHUNIU_VAR_DIR by default; set SHUNIU_STORAGE_BACKEND (e.g. "storages.backends.s3.S3Storage",
# after `pip install django-storages[s3]` and its AWS_* settings) to keep them elsewhere. They are
# never served as static files: the case pages stream them after a scope check.
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": os.environ.get("SHUNIU_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
                **({"OPTIONS": {"location": str(MEDIA_ROOT)}} if "SHUNIU_STORAGE_BACKEND" not in os.environ else {})},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The daily digest of each user's inbox by e-mail (``shuniu digest``, run by cron): off unless set,
# and it needs Django's mail settings (EMAIL_HOST, EMAIL_PORT, DEFAULT_FROM_EMAIL, ...).
SHUNIU_DIGEST = os.environ.get("SHUNIU_DIGEST", "0") == "1"
EMAIL_HOST = os.environ.get("SHUNIU_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SHUNIU_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("SHUNIU_EMAIL_FROM", "shuniu@localhost")
# The largest attachment accepted, in MB (a scanned multi-page approval is a few MB).
SHUNIU_ATTACHMENT_MAX_MB = float(os.environ.get("SHUNIU_ATTACHMENT_MAX_MB", "20"))
# Seconds a Redis connect or command may take (cache, token cache, job queue), so that a stalled
# Redis costs a request at most this long instead of hanging it.
SHUNIU_REDIS_CONNECT_TIMEOUT = float(os.environ.get("SHUNIU_REDIS_CONNECT_TIMEOUT", "1"))
SHUNIU_REDIS_TIMEOUT = float(os.environ.get("SHUNIU_REDIS_TIMEOUT", "1.5"))
if REDIS_URL:
    _redis_cache: dict = CACHES["default"]
    _redis_cache["OPTIONS"] = {"socket_connect_timeout": SHUNIU_REDIS_CONNECT_TIMEOUT,
                               "socket_timeout": SHUNIU_REDIS_TIMEOUT}

# Django's four checks, with our messages (shuniu/accounts/passwords.py).
AUTH_PASSWORD_VALIDATORS = [{"NAME": f"shuniu.accounts.passwords.{name}"} for name in (
    "UserAttributeSimilarityValidator", "MinimumLengthValidator", "CommonPasswordValidator",
    "NumericPasswordValidator")]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("SHUNIU_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHUNIU_LOG_LEVEL", "WARNING")},
}

# ---- personal data: ID-number refusals ----
# A registration refused because the ID number belongs to a member tells most users nothing more
# (shuniu.party.privacy); a user refused more than LIMIT distinct numbers within WINDOW seconds may
# not have any number checked until the window ends (API 429). Counted in the cache (Redis in
# production, so that every worker sees the same count).
SHUNIU_ID_REFUSALS_LIMIT = int(os.environ.get("SHUNIU_ID_REFUSALS_LIMIT", "20"))
SHUNIU_ID_REFUSALS_WINDOW_SECONDS = int(os.environ.get("SHUNIU_ID_REFUSALS_WINDOW_SECONDS", "60"))
