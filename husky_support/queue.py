"""The one seam through which services queue background work: by task name, after the transaction
commits. Services never import their own app's tasks (tasks import services), so there are no import
circles, and a publish that fails after the commit never turns a committed action into an error."""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from django.db import transaction

__all__ = ["enqueue_after_commit", "publish", "registered_task_names"]

logger = logging.getLogger(__name__)


@cache
def _tasks() -> Any:
    from husky_support.celery import app  # the Celery app reads Django settings; keep this module light

    app.loader.import_default_modules()  # every app's tasks module, as a worker loads them at start
    return app.tasks


def registered_task_names() -> frozenset[str]:
    return frozenset(_tasks())


def publish(task_name: str, *args: Any, **kwargs: Any) -> bool:
    """Hand the task to the broker now. A broker that is down or slow is logged with the task and its
    arguments and reported as False: the work it stands for is stored (a notification row, an outbox
    event, a due time), so a sweep picks it up later. An unknown name is a programming error and raises."""
    task = _tasks()[task_name]  # KeyError: not a registered task name
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except Exception:  # noqa: BLE001 — any broker failure: the commit stands, the sweep re-queues
        logger.exception("Could not queue %s args=%r kwargs=%r; a sweep will pick the work up", task_name, args, kwargs)
        return False
    return True


def enqueue_after_commit(task_name: str, *args: Any, **kwargs: Any) -> None:
    """Queue `task_name(*args, **kwargs)` once the current transaction commits (at once outside one);
    nothing is queued if it rolls back."""
    transaction.on_commit(lambda: publish(task_name, *args, **kwargs))
