"""`manage.py seed_demo`: demo data for every app, idempotent, then the logins."""

import importlib
import importlib.util
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from husky_support.celery import app as celery_app


def demo_modules() -> list[str]:
    """Each installed app may ship a `demo` module with `seed()`; they run in INSTALLED_APPS order, which lists
    the apps in dependency order. This command names none of the apps above it."""
    return [
        f"{config.name}.demo"
        for config in apps.get_app_configs()
        if Path(config.path).parent == Path(settings.BASE_DIR) and importlib.util.find_spec(f"{config.name}.demo")
    ]


@contextmanager
def history_without_mail() -> Iterator[None]:
    """The demo's history is not news. Its notifications are stored and marked delivered as they would be,
    but their tasks run inline and their mail goes nowhere: without this the worker of `make run` would
    print a backlog of emails about cases "opened" a second ago."""
    saved = celery_app.conf.task_always_eager
    # An inline task still logs "succeeded" and opens the broker's producer pool (kombu's warning about
    # the filesystem broker's missing hostname): neither says anything to someone starting the demo.
    chatty = {name: logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection")}
    levels = {name: logger.level for name, logger in chatty.items()}
    celery_app.conf.task_always_eager = True
    for logger in chatty.values():
        logger.setLevel(logging.ERROR)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            yield
    finally:
        celery_app.conf.task_always_eager = saved
        for name, logger in chatty.items():
            logger.setLevel(levels[name])


class Command(BaseCommand):
    help = "Create or refresh the demo organisations, users, units, cases and dispatches."

    def handle(self, *args, **options):
        logins: list[tuple[str, str]] = []
        with history_without_mail():
            for name in demo_modules():
                result = importlib.import_module(name).seed()
                app = name.removesuffix(".demo")
                if app == "partners":
                    logins = result
                elif result:
                    self.stdout.write(f"  {app}: {result}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Sign in at {settings.SITE_URL}/ with:"))
        for username, description in logins:
            self.stdout.write(f"  {username:<14} {settings.HUSKY_DEMO_PASSWORD:<14} {description}")
