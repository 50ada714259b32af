"""The deployment files stay in step with the settings a user would rely on."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_stack_has_one_beat_and_a_persistent_broker():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(services)
    assert "--appendonly" in services["redis"]["command"]
    assert "yes" in services["redis"]["command"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DJANGO_SETTINGS_MODULE"] == "husky_support.settings.production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert "SECRET_KEY" in env
    # The broker never evicts a queued task; the cache has a Redis of its own (its crash fails no request).
    assert "noeviction" in services["redis"]["command"]
    assert (
        services["web"]["environment"]["CACHE_URL"].split("/")[2]
        != services["web"]["environment"]["REDIS_URL"].split("/")[2]
    )


def test_production_waits_are_bounded():
    """A database or broker that hangs costs a request seconds, not minutes (README "Failure modes")."""
    script = (
        "import json; from django.conf import settings as s; db = s.DATABASES['default']; "
        "print(json.dumps({'options': db['OPTIONS'], 'checks': db['CONN_HEALTH_CHECKS'], "
        "'broker': s.CELERY_BROKER_TRANSPORT_OPTIONS, 'connect': s.CELERY_BROKER_CONNECTION_TIMEOUT, "
        "'cache': s.CACHES['default']}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "husky_support.settings.production",
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://husky@db.invalid:5432/husky",
        "REDIS_URL": "redis://broker.invalid:6379/0",
        "CACHE_URL": "redis://cache.invalid:6379/0",
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    options = found["options"]
    assert options["connect_timeout"] <= 5
    assert "statement_timeout=30000" in options["options"]
    assert "jit=off" in options["options"]  # README "Reports": compiling the report plans cost more than running them
    assert options["keepalives"] == 1
    assert options["pool"]["timeout"] <= 5
    assert found["checks"] is True  # pooled connections are checked before they are handed out
    assert 300 <= found["broker"]["visibility_timeout"] <= 900  # minutes, longer than the longest task
    assert found["broker"]["socket_timeout"] <= 5
    assert found["connect"] <= 5
    assert found["cache"]["BACKEND"] == "husky_support.cache.DegradingRedisCache"


def test_readme_names_the_two_commands_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make run" in readme
    assert "make test" in readme
    assert "make test" in ci


def test_husky_port_moves_the_demo_banner_the_web_process_and_email_links():
    make = shutil.which("make")
    assert make is not None
    plan = subprocess.run(  # noqa: S603 - fixed argv, our own Makefile
        [make, "-n", "run", "HUSKY_PORT=8123"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert "http://127.0.0.1:8123 " in plan
    assert "runserver 127.0.0.1:${HUSKY_PORT:-8000}" in (ROOT / "Procfile.dev").read_text()
    # Make exports the port to honcho, so the web process reads the same value.
    assert "export HUSKY_PORT" in (ROOT / "Makefile").read_text()
    site_url = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SITE_URL)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={
            **{k: v for k, v in os.environ.items() if k != "SITE_URL"},
            "DJANGO_SETTINGS_MODULE": "husky_support.settings.local",
            "HUSKY_PORT": "8123",
        },
    ).stdout.strip()
    assert site_url == "http://127.0.0.1:8123"


def test_production_keeps_the_settings_that_make_a_lost_worker_or_broker_harmless():
    """README "Failure modes", "Which settings make this hold": the Celery app as a production worker reads it
    acknowledges late, requeues the task of a lost worker, reserves one task at a time, and hands a dead
    worker's task on only after the longest run and the longest retry wait; the relay's lease covers one batch."""
    script = (
        "import json; from django.conf import settings as s; from husky_support.celery import app, HuskyTask; "
        "c = app.conf; print(json.dumps({'acks_late': c.task_acks_late, "
        "'reject_on_worker_lost': c.task_reject_on_worker_lost, 'prefetch': c.worker_prefetch_multiplier, "
        "'time_limit': c.task_time_limit, 'soft_time_limit': c.task_soft_time_limit, "
        "'visibility': c.broker_transport_options['visibility_timeout'], "
        "'ignore_result': c.task_ignore_result, 'eager': c.task_always_eager, "
        "'beat': sorted(e['task'] for e in c.beat_schedule.values()), "
        "'backoff_max': HuskyTask.retry_backoff_max, 'max_retries': HuskyTask.max_retries, "
        "'autoretry': [e.__module__ + '.' + e.__name__ for e in HuskyTask.autoretry_for], "
        "'lease': s.WEBHOOKS_LEASE_SECONDS, 'batch': s.WEBHOOKS_RELAY_BATCH, "
        "'send': s.WEBHOOKS_CONNECT_TIMEOUT_SECONDS + s.WEBHOOKS_READ_TIMEOUT_SECONDS}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "husky_support.settings.production",
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "postgres://husky@db.invalid:5432/husky",
        "REDIS_URL": "redis://broker.invalid:6379/0",
    }
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", f"import django; django.setup(); {script}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["acks_late"] is True  # a task is acknowledged when it is done, not when it is taken
    assert found["reject_on_worker_lost"] is True  # a pool child killed mid-task: the task goes back at once
    assert found["prefetch"] == 1  # a killed worker holds at most one unacknowledged task per process
    assert found["eager"] is False
    # A dead worker's task is handed on only after the longest run and the longest retry countdown.
    assert found["soft_time_limit"] < found["time_limit"] < found["visibility"]
    assert found["time_limit"] + found["backoff_max"] < found["visibility"]
    assert found["max_retries"] <= 10
    assert {"django.db.utils.OperationalError", "django.db.utils.InterfaceError"} <= set(found["autoretry"])
    # The stored-work sweep and the relay are scheduled: a lost wake-up call delays work, never loses it.
    assert {"husky_support.redeliver_task", "partners.tasks.relay_webhooks_task"} <= set(found["beat"])
    # One relay batch is sent within its lease, so no second relay takes a delivery still being sent.
    assert found["batch"] * found["send"] < found["lease"]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    broker = compose["services"]["redis"]["command"]
    assert broker[broker.index("--appendonly") + 1] == "yes"
    assert broker[broker.index("--appendfsync") + 1] in {"everysec", "always"}
