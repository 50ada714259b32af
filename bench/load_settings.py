"""Settings of bench/bench_load.py's gunicorn: production settings, plus the bench-only floor URLs.

Never used by a deployment. The floor views (bench/floor.py) are reachable only under this settings module:
production's ROOT_URLCONF does not know them.
"""

from husky_support.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.floor"
# Plain static storage: the manifest storage needs a collectstatic run, and static files are not measured.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
