"""Test settings: the embedded defaults unless DATABASE_URL / REDIS_URL are given (CI's second run)."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("HUSKY_VAR_DIR", tempfile.mkdtemp(prefix="husky-test-"))

from .base import *  # noqa: E402, F403
from .base import CACHES, DATABASES, REST_FRAMEWORK, VAR_DIR  # noqa: E402

SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# Argon2 is deliberately slow; tests only need hashes that verify.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(VAR_DIR) / "uploads"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not SQLite's shared in-memory database: there the live server's threads share the test's
    # connection and its table locks ("database table is locked") ignore the busy timeout, so a browser test
    # writing while the page still requests could fail at random. On a file every thread has its own
    # connection, and base's WAL journal and 20 s timeout make a writer wait its turn. The file sits in this
    # process's own VAR_DIR; pytest-django appends the xdist worker's id (_gw0, _gw1) to the name as well.
    DATABASES["default"]["TEST"] = {"NAME": str(Path(VAR_DIR) / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The pool keeps connections across tests' database switches; plain connections are simpler here.
    DATABASES["default"]["OPTIONS"].pop("pool", None)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # Each run gets its own key space so throttle counters from earlier runs never leak in.
    CACHES["default"]["KEY_PREFIX"] = f"husky-test-{os.getpid()}"
# Throttle counters live in the cache and are keyed by user id, which the next test's database reuses:
# left at production rates, one busy test would throttle an unrelated later one. The throttle tests set
# their own rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {name: "100000/min" for name in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]},
}
CELERY_TASK_ALWAYS_EAGER = False
# Django's live server needs a string here; nothing links to it, downloads go through the portal's views.
MEDIA_URL = "/__uploads_are_never_served_directly__/"
# The fault tests run a real receiver on 127.0.0.1; the SSRF tests switch these off again.
WEBHOOKS_ALLOW_HTTP = True
WEBHOOKS_ALLOW_LOOPBACK = True
# A failed publish pauses publishing for this long in production; tests see every publish attempted.
HUSKY_PUBLISH_PAUSE_AFTER_FAILURE_SECONDS = 0
