"""`manage.py seed_demo`: demo data for every app, idempotent, then the logins."""

import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand

# Each app may ship a `demo` module with `seed()`; they run in dependency order.
DEMO_APPS = ["partners", "servicetags", "cases", "dispatch"]


class Command(BaseCommand):
    help = "Create or refresh the demo organisations, users, units, cases and dispatches."

    def handle(self, *args, **options):
        logins: list[tuple[str, str]] = []
        for app in DEMO_APPS:
            if importlib.util.find_spec(f"{app}.demo") is None:
                continue
            module = importlib.import_module(f"{app}.demo")
            result = module.seed()
            if app == "partners":
                logins = result
            elif result:
                self.stdout.write(f"  {app}: {result}")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Sign in at http://127.0.0.1:8000/ with:"))
        for username, description in logins:
            self.stdout.write(f"  {username:<14} {settings.HUSKY_DEMO_PASSWORD:<14} {description}")
