"""Celery application: configuration comes from Django settings (CELERY_* keys)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "husky_support.settings.local")

app = Celery("husky_support")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
