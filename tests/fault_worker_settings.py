"""Settings of the worker processes the kill tests start (tests/faults.py WorkerProcess): the test settings
on the test's database (PostgreSQL: the test database pytest-django made), its own Redis and an SMTP sink,
with the broker's unacknowledged tasks looked at every second instead of every ~100 s, so a task of a
killed worker comes back as soon as its (short) visibility timeout has passed. With HUSKY_FAULT_BEAT_EVERY, a
beat sends every scheduled job that often (seconds) instead of its production schedule."""

import os

from husky_support.settings.test import *  # noqa: F403
from husky_support.settings.test import CELERY_BEAT_SCHEDULE, CELERY_BROKER_TRANSPORT_OPTIONS, DATABASES

DATABASES["default"]["NAME"] = os.environ["HUSKY_FAULT_DB_NAME"]
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["HUSKY_FAULT_SMTP_PORT"])
EMAIL_USE_TLS = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
if os.environ.get("HUSKY_FAULT_BEAT_EVERY"):
    CELERY_BEAT_SCHEDULE = {
        name: {**entry, "schedule": float(os.environ["HUSKY_FAULT_BEAT_EVERY"])}
        for name, entry in CELERY_BEAT_SCHEDULE.items()
    }
