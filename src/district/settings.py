"""The one settings module. Everything that differs between machines comes from the
environment (or a ``.env`` file in the working directory); `.env.example` lists and
explains every variable, and a test checks that it does.

Bad values fail loudly with :class:`~django.core.exceptions.ImproperlyConfigured`, and a
placeholder secret key is refused when debug is off.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

PACKAGE_DIR = Path(__file__).resolve().parent
# In a checkout (src layout) the project root holds pyproject.toml, data/ and var/.
PROJECT_DIR = PACKAGE_DIR.parent.parent
IN_CHECKOUT = (PROJECT_DIR / "pyproject.toml").is_file()

load_dotenv(Path.cwd() / ".env", override=False)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
PLACEHOLDER_SECRET = "change-me"  # the value .env.example ships with


def env_str(name: str, default: str) -> str:
    """A string variable; ``NAME_FILE`` (a path) takes precedence, for container secrets."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _default_data_dir() -> Path:
    if IN_CHECKOUT:
        return PROJECT_DIR / "var"
    return Path.home() / ".local" / "share" / "district"


# --- core -------------------------------------------------------------------------------

DEBUG = env_bool("DISTRICT_DEBUG", False)
DATA_DIR = Path(env_str("DISTRICT_DATA_DIR", str(_default_data_dir()))).expanduser()
# The vendored demo data set (boundaries, OSM, POIs, messages, Polis, briefing).
DEMO_DATA_DIR = Path(env_str("DISTRICT_DEMO_DATA_DIR", str(PROJECT_DIR / "data"))).expanduser()

SECRET_KEY = env_str("DISTRICT_SECRET_KEY", "")
if not SECRET_KEY or SECRET_KEY == PLACEHOLDER_SECRET:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DISTRICT_SECRET_KEY is missing or still the placeholder while DISTRICT_DEBUG is off. "
            'Set it to a long random value, e.g. python -c "import secrets; '
            'print(secrets.token_urlsafe(50))".'
        )
    SECRET_KEY = "insecure-development-key-used-only-when-DISTRICT_DEBUG-is-on"

ALLOWED_HOSTS = env_list(
    "DISTRICT_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] + (["*"] if DEBUG else [])
)
CSRF_TRUSTED_ORIGINS = env_list("DISTRICT_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "district.core",
    # geo before accounts: demo loaders run in this order, and departments name subdistricts.
    "district.geo",
    "district.accounts",
    "district.cases",
    "district.participation",
    "district.lifecircle",
    "district.custody",
    "district.indicators",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "district.core.handlers.PublicDataGZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "district.core.handlers.DistrictErrorMiddleware",
]

ROOT_URLCONF = "district.urls"
WSGI_APPLICATION = "district.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "district.core.context.platform",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------

SQLITE_PATH = DATA_DIR / "district.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
try:
    _db: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=60))
except ValueError as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL={DATABASE_URL!r} is not a database URL ({exc}). "
        "Use sqlite:////absolute/path.sqlite3 or postgres://user@host:5432/name."
    ) from exc
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # Writers queue instead of failing; IMMEDIATE takes the write lock at BEGIN so two
        # transactions cannot both read and then deadlock upgrading to a write.
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif _db["ENGINE"] == "django.db.backends.postgresql":
    _db.setdefault("OPTIONS", {})
else:
    raise ImproperlyConfigured(
        f"DATABASE_URL uses {_db['ENGINE']}; district supports SQLite and PostgreSQL."
    )
DATABASES = {"default": _db}
# The custody ledger's hot path prepares its statements on PostgreSQL (district.custody.
# ledger.sql); turn off behind a transaction-mode connection pooler that cannot keep them.
DATABASE_PREPARED_STATEMENTS = env_bool("DISTRICT_DB_PREPARED", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- security ---------------------------------------------------------------------------

SECURE_COOKIES = env_bool("DISTRICT_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("DISTRICT_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- language and time ------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS: list[Path] = []  # each app keeps its own locale/ folder
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- static and media -------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # serve from the apps' static folders without collectstatic
WHITENOISE_AUTOREFRESH = DEBUG
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DISTRICT_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE

# --- background tasks -------------------------------------------------------------------
# One mechanism on both databases: Django's task API (django-tasks) with the ORM backend;
# `district worker` runs workers, several processes may run at once.
TASKS = {
    "default": {
        "BACKEND": env_str("DISTRICT_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- platform ---------------------------------------------------------------------------

# Side of a square grid cell in metres (CJ/T 349 unit grids are about 100 m; the demo uses
# 250 m so a cell holds enough cases and homes to mean something).
GRID_CELL_M = env_int("DISTRICT_GRID_CELL_M", 250, minimum=50)
# The 6-digit object-type prefix of a grid code (CJ/T 349 layout); see docs/geo.md.
GRID_OBJECT_TYPE = env_str("DISTRICT_GRID_OBJECT_TYPE", "000000")
if len(GRID_OBJECT_TYPE) != 6 or not GRID_OBJECT_TYPE.isdigit():
    raise ImproperlyConfigured(
        f"DISTRICT_GRID_OBJECT_TYPE={GRID_OBJECT_TYPE!r} must be exactly six digits."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DISTRICT_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
