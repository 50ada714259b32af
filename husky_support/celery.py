"""Celery application: configuration comes from Django settings (CELERY_* keys).

Every task of the project is a `HuskyTask` (the app's task class, so every @shared_task gets it): what is
transient is retried with bounded exponential backoff and jitter, never swallowed: a database that
restarted or dropped the worker's connection (django.db OperationalError, InterfaceError) and a broker
or cache that is away for a moment (kombu OperationalError, redis ConnectionError/TimeoutError). Once
the retries are spent the error is raised and logged as the task's failure; the stored row it was
working on stays undone, so the redelivery sweep (redeliver_task below) queues it again later.

Tasks are acknowledged late and rejected when their worker is lost (CELERY_TASK_ACKS_LATE,
CELERY_TASK_REJECT_ON_WORKER_LOST in settings): safe because every task is idempotent, it claims stored
rows under their lock and marks them done in the same transaction, so a redelivered task finds them done.
A task killed between sending an email and marking it sent sends it once more, with the same Message-ID."""

import os

from celery import Celery, Task
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from kombu.exceptions import OperationalError as BrokerOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "husky_support.settings.local")

# Errors that pass on their own: retried with backoff by every task.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseOperationalError,
    DatabaseInterfaceError,
    BrokerOperationalError,
    RedisConnectionError,
    RedisTimeoutError,
)


class HuskyTask(Task):
    """The shared retry policy (one place). A task adding its own transient errors lists them in
    `autoretry_for=TRANSIENT_ERRORS + (...)`. Backoff doubles from 1 s up to 2 minutes with full jitter,
    8 retries (about 4 minutes in all): always shorter than the broker's visibility timeout."""

    autoretry_for = TRANSIENT_ERRORS
    retry_backoff = True
    retry_backoff_max = 120
    retry_jitter = True
    max_retries = 8


app = Celery("husky_support", task_cls=HuskyTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="husky_support.redeliver_task")
def redeliver_task() -> dict[str, int]:
    """Beat: re-queue stored work whose task was lost (husky_support.queue redeliveries). Idempotent and
    bounded (HUSKY_REDELIVER_BATCH rows per entry a run)."""
    from django.conf import settings
    from django.utils import timezone

    from husky_support.queue import redeliver_due

    return redeliver_due(now=timezone.now(), limit=settings.HUSKY_REDELIVER_BATCH)
