"""Production: PostgreSQL and Redis from the environment, HTTPS only, secrets never defaulted."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASE_URL, REDIS_URL, SECRET_KEY, env_bool, env_int

if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set in the environment to a random string of at least 50 characters "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
if not DATABASE_URL and not env_bool("ALLOW_SQLITE_IN_PRODUCTION", False):
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL in production (postgres://...).")
if not REDIS_URL and not env_bool("ALLOW_SQLITE_IN_PRODUCTION", False):
    raise ImproperlyConfigured("REDIS_URL must point at Redis in production (redis://...).")

DEBUG = False
# docs/rules.md "Sign-in": two-factor sign-in is required for MTS users and organisation admins.
HUSKY_REQUIRE_2FA = env_bool("REQUIRE_2FA", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
