"""The one seam through which services queue background work: by task name, after the transaction
commits. Services never import their own app's tasks (tasks import services), so there are no import
circles, and a publish that fails after the commit never turns a committed action into an error.

Work that must happen is stored before it is queued (a notification row, an outbox delivery): the queued
task is only a wake-up call. Each app registers, in its AppConfig.ready(), a *redelivery*: a function that
lists the stored rows that are due and still undone (read through a partial index), and the task that does
them. One beat task (husky_support.celery.redeliver_task) re-publishes what is due, so a broker that was
down at commit time, a Redis that lost its queue or a worker killed mid-task delays the work, never loses
it; the task claims each row under its lock, so a row queued twice is still done once."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import transaction

__all__ = [
    "Redelivery",
    "enqueue_after_commit",
    "publish",
    "redeliver_due",
    "redeliveries",
    "register_redelivery",
    "registered_task_names",
]

logger = logging.getLogger(__name__)

# Monotonic time until which publishing is skipped after a broker failure (one list: mutable, no global).
_broker_down_until = [0.0]

# Due rows are listed by id: (now, limit) -> ids, oldest due first, at most `limit`.
DueRows = Callable[[datetime, int], Iterable[int]]


@cache
def _tasks() -> Any:
    from django.utils.module_loading import autodiscover_modules

    from husky_support.celery import app  # the Celery app reads Django settings; keep this module light

    # Every app's tasks module, as a worker loads them at start (not through Celery's loader: its Django
    # fixup runs the system checks, and this is called from one).
    autodiscover_modules("tasks")
    return app.tasks


def registered_task_names() -> frozenset[str]:
    return frozenset(_tasks())


def publish(task_name: str, *args: Any, **kwargs: Any) -> bool:
    """Hand the task to the broker now. A broker that is down or slow is logged with the task and its
    arguments and reported as False: the work it stands for is stored (a notification row, an outbox
    event, a due time), so the redelivery sweep picks it up later. The wait is bounded by the broker
    timeouts in settings (CELERY_BROKER_CONNECTION_TIMEOUT, CELERY_TASK_PUBLISH_RETRY_POLICY, the
    transport's socket timeouts). An unknown name is a programming error and raises."""
    task = _tasks()[task_name]  # KeyError: not a registered task name
    if time.monotonic() < _broker_down_until[0]:
        logger.warning(
            "Not queueing %s args=%r kwargs=%r: the broker failed a moment ago; a sweep will queue the work",
            task_name,
            args,
            kwargs,
        )
        return False
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception:  # noqa: BLE001 — any broker failure: the commit stands, the sweep re-queues
        logger.exception("Could not queue %s args=%r kwargs=%r; a sweep will pick the work up", task_name, args, kwargs)
        # A hanging broker costs one timeout, not one per publish: later publishes in this process skip it
        # for a few seconds (their work is stored, the sweep queues it).
        _broker_down_until[0] = time.monotonic() + settings.HUSKY_PUBLISH_PAUSE_AFTER_FAILURE_SECONDS
        return False
    return True


def enqueue_after_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue `task_name(*args, **kwargs)` once the current transaction commits (at once outside one);
    nothing is queued if it rolls back. Never raises after the commit (see publish)."""
    transaction.on_commit(lambda: publish(task_name, *args, **kwargs), robust=True)


@dataclass(frozen=True)
class Redelivery:
    """Stored work that a lost task must not lose. `due(now, limit)` lists the ids of rows that should
    have been done by now and were not (through an index, oldest first). `task_name` is queued with one
    id each; when `batched`, once without arguments (a relay that claims its own due rows); when `as_list`,
    once with the list of ids (a task that claims each row of a batch under its lock)."""

    name: str
    task_name: str
    due: DueRows
    batched: bool = False
    as_list: bool = False


_REDELIVERIES: dict[str, Redelivery] = {}


def register_redelivery(
    name: str, task_name: str, due: DueRows, *, batched: bool = False, as_list: bool = False
) -> None:
    """Called from an AppConfig.ready(); registering one name again replaces it (ready() may run twice)."""
    _REDELIVERIES[name] = Redelivery(name=name, task_name=task_name, due=due, batched=batched, as_list=as_list)


def redeliveries() -> tuple[Redelivery, ...]:
    return tuple(_REDELIVERIES.values())


def redeliver_due(*, now: datetime, limit: int) -> dict[str, int]:
    """Re-publish every registered redelivery's due rows, at most `limit` each. Idempotent: a row queued
    twice is claimed once by its task. Stops publishing for an entry as soon as the broker refuses (it is
    still down: the next beat tries again). Returns how many tasks it queued per entry."""
    queued: dict[str, int] = {}
    for entry in redeliveries():
        ids = list(entry.due(now, limit))
        count = 0
        if entry.batched:
            count = int(bool(ids) and publish(entry.task_name))
        elif entry.as_list:
            count = int(bool(ids) and publish(entry.task_name, ids))
        else:
            for pk in ids:
                if not publish(entry.task_name, pk):
                    break
                count += 1
        if ids:
            logger.info("Redelivery %s: %d due, %d queued", entry.name, len(ids), count)
        queued[entry.name] = count
    return queued


@checks.register()
def check_redelivery_task_names(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Start-up check: every redelivery names a registered task (a typo fails `manage.py check`, the
    web process and the worker at start, not a beat run at night)."""
    known = registered_task_names()
    return [
        checks.Error(
            f"Redelivery {entry.name!r} names the task {entry.task_name!r}, which no app registers.",
            id="husky_support.E001",
        )
        for entry in redeliveries()
        if entry.task_name not in known
    ]
