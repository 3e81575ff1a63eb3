"""One settings module, driven by environment variables (see docs/deploy.md).

With no variables set, Branchwork runs on a SQLite file under ``var/`` with console e-mail:
the embedded default. ``BRANCHWORK_ENV=production`` turns on the production safeguards and
refuses to start without a secret key, allowed hosts and a database URL.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("BRANCHWORK_VAR_DIR", BASE_DIR.parent / "var"))

ENVIRONMENTS = ("development", "test", "production")
ENV = os.environ.get("BRANCHWORK_ENV", "development")
if ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(
        f"BRANCHWORK_ENV must be one of {', '.join(ENVIRONMENTS)}, not {ENV!r}"
    )
PRODUCTION = ENV == "production"


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number above zero, not {raw!r}")
    return value


def _networks(name: str) -> list[str]:
    """A comma-separated list of addresses or networks (``127.0.0.1,10.0.0.0/8``)."""
    listed = [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]
    for item in listed:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks, not {item!r}"
            ) from None
    return listed


def _secret_key() -> str:
    key = os.environ.get("BRANCHWORK_SECRET_KEY")
    if key:
        if len(key) < 40:
            raise ImproperlyConfigured("BRANCHWORK_SECRET_KEY must be at least 40 characters")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("BRANCHWORK_SECRET_KEY is required in production")
    # Development and tests: a random key kept in var/ so sessions survive restarts.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def database_from_url(url: str) -> dict[str, object]:
    """Turn ``sqlite:///path`` or ``postgres://user:pass@host:port/name`` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        name = unquote(parts.path[1:] if parts.path.startswith("//") else parts.path) or ":memory:"
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    if parts.scheme in ("postgres", "postgresql"):
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if not parts.path.strip("/"):
            raise ImproperlyConfigured("DATABASE_URL for PostgreSQL must name a database")
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.strip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(query.pop("host", parts.hostname or "")),
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": query,
        }
    raise ImproperlyConfigured(
        f"DATABASE_URL scheme {parts.scheme!r} is not supported: use sqlite:/// or postgres://"
    )


SECRET_KEY = _secret_key()
# Keys retired by a rotation (comma-separated): sessions and links made with them still work
# until they expire, and the audit events they signed still verify (access.audit).
SECRET_KEY_FALLBACKS = [
    k for k in os.environ.get("BRANCHWORK_SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]
DEBUG = _bool("BRANCHWORK_DEBUG", ENV == "development")
ALLOWED_HOSTS = [h for h in os.environ.get("BRANCHWORK_ALLOWED_HOSTS", "").split(",") if h]
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise ImproperlyConfigured("BRANCHWORK_ALLOWED_HOSTS is required in production")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

_db_url = os.environ.get("DATABASE_URL")
if not _db_url:
    if PRODUCTION:
        raise ImproperlyConfigured("DATABASE_URL is required in production")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    _db_url = f"sqlite:///{VAR_DIR / 'branchwork.sqlite3'}"
DATABASES = {"default": database_from_url(_db_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_htmx",
    # Before django_tasks_db: its ``db_worker`` command is branchwork.core's (one that outlives
    # a database restart).
    "branchwork.core",
    "django_tasks",
    "django_tasks_db",
    "branchwork.access",
    "branchwork.org",
    "branchwork.people",
    "branchwork.imports",
    "branchwork.activities",
    "branchwork.news",
    "branchwork.care",
    "branchwork.education",
    "branchwork.congress",
    "branchwork.money",
    "branchwork.health",
    "branchwork.home",
    "branchwork.api",
]

MIDDLEWARE = [
    # First, so that everything after it reads the client's address, not the proxy's.
    "branchwork.access.client.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "branchwork.access.middleware.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Before the lifetime check, which says why it signed the user out.
    "django.contrib.messages.middleware.MessageMiddleware",
    "branchwork.access.middleware.SessionLifetimeMiddleware",
    "branchwork.access.middleware.RequireTwoFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "branchwork.urls"
WSGI_APPLICATION = "branchwork.wsgi.application"
AUTH_USER_MODEL = "access.User"
LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "home:my-work"
LOGOUT_REDIRECT_URL = "access:login"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]

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
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour, single use (the token changes with the password)

# Sign-in protection: django-axes locks a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("BRANCHWORK_AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "access/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy, REMOTE_ADDR is the proxy's: X-Forwarded-For is believed only from
# these addresses or networks (e.g. BRANCHWORK_TRUSTED_PROXIES=127.0.0.1 when Caddy or nginx
# runs on the same machine). Empty, the default, believes no one: right when clients reach
# the application directly, or when the application server already rewrites the address.
# Every per-address limit, django-axes included, goes through access.client.client_address.
TRUSTED_PROXIES = _networks("BRANCHWORK_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "branchwork.access.client.client_address_or_none"
# A coarser limit per client address, kept in the shared cache (see access.ratelimit).
SIGNIN_RATE_LIMIT = (int(os.environ.get("BRANCHWORK_SIGNIN_RATE", "30")), 300)
# Searches of the registry per user and minute: far above what typing makes (search-as-you-type
# waits for a pause), far below what harvesting the registry through search would need.
SEARCH_RATE_LIMIT = (int(os.environ.get("BRANCHWORK_SEARCH_RATE", "300")), 60)

SESSION_COOKIE_AGE = 60 * 60 * 8
# The expiry slides while the session is used: access.middleware.SlidingSessionMiddleware
# re-saves it at most every SESSION_REFRESH_SECONDS (not on every request, which would make
# every page a database write).
SESSION_REFRESH_SECONDS = 300
# However often it is used, a sign-in ends this long after it began (access.middleware.
# SessionLifetimeMiddleware), so a stolen phone or a forgotten office computer that someone
# keeps using does not stay signed in for ever. 12 hours is the bound of OWASP ASVS 4 (V3.3.2,
# level 2) and of NIST SP 800-63B (AAL2, the level of our accounts with a second factor).
# It costs volunteers little: the idle limit above already ends a session overnight, so a
# morning's sign-in lasts into the evening, and only someone still at work 12 hours after
# signing in signs in once more. A congress phone keeps its binding when this ends a sign-in
# on it (SESSION_DEVICE_KEYS), so a long congress day costs staff one sign-in, never a vote.
SESSION_ABSOLUTE_AGE = 60 * 60 * _positive_int("BRANCHWORK_SESSION_ABSOLUTE_HOURS", 12)
# Finished export files, and uploaded import files never run, are deleted this many days after
# they were made (a daily job, imports.exports.expire_files): an export is made to be handed
# over, and a copy of personal data kept in the database for ever would outlive every erasure.
STORED_FILE_DAYS = _positive_int("BRANCHWORK_STORED_FILE_DAYS", 7)
# Session keys that belong to the device rather than to the sign-in: a congress phone's
# binding to its delegate (congress.views). They slide while used, like a sign-in, and outlive
# the end of a sign-in on the same phone, so that it keeps voting for the rest of the congress.
SESSION_DEVICE_KEYS = ("congress_delegate", "congress_device")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = PRODUCTION
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = _bool("BRANCHWORK_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

OTP_TOTP_ISSUER = "Branchwork"
# Grants carrying any of these permissions require a verified second factor (cases: the notes
# of discrimination, health and residency cases are as sensitive as the sensitive fields).
TWO_FACTOR_PERMISSIONS = ("sensitive", "cases", "money", "admin")

LANGUAGE_CODE = "ja"
LANGUAGES = [("ko", _("Korean")), ("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("BRANCHWORK_TIME_ZONE", "Asia/Tokyo")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("BRANCHWORK_STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "branchwork_cache",
    }
}
if os.environ.get("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_BACKEND = os.environ.get(
    "BRANCHWORK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = _bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("BRANCHWORK_FROM_EMAIL", "branchwork@localhost")
SITE_URL = os.environ.get("BRANCHWORK_SITE_URL", "http://127.0.0.1:8000")

INVITATION_VALID_DAYS = 7
NINJA_PAGINATION_PER_PAGE = 100
NINJA_PAGINATION_MAX_LIMIT = 500
API_TOKEN_DEFAULT_DAYS = 90

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BRANCHWORK_LOG_LEVEL", "WARNING")},
}
