"""Webhook delivery throughput: deliveries per second one Celery worker sustains against a local receiver,
and how long a backlog of N events (default 10,000) takes to drain.

Run from the repository root (PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 must be running):
    .venv/bin/python bench/bench_webhooks.py                  # 10,000 events, worker concurrency 1 then 2
    .venv/bin/python bench/bench_webhooks.py --n 2000 --concurrency 1

For each concurrency it (re)creates the PostgreSQL database `husky_h10` (loopback only), migrates
it, writes N events for one organisation with one endpoint (the outbox rows record_event writes, in bulk),
starts a real Celery worker on Redis and one relay task per pool process, and times until no delivery is
pending. The receiver is a threaded HTTP server on 127.0.0.1 in this process that answers 200 and counts
webhook-ids (so duplicates would show). Also measures record_event itself: events written per second in
the transaction of a case comment. Drops the database and stops the worker by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

PYTHON = sys.executable
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_DB = os.environ.get("BENCH_DATABASE", "husky_h10")  # dropped and recreated by the bench
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")


def bench_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "husky_support.settings.local",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{PG_DB}",
            "REDIS_URL": REDIS_URL,
            "HUSKY_VAR_DIR": str(ROOT / "bench" / "out" / "var"),
            "WEBHOOKS_RELAY_MAX_SECONDS": "900",  # one relay task drains the whole backlog
            "LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra or {})
    return env


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')


def drop_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


# --- in the child process (Django configured for the bench database) ---------------------------------


def child_load(n: int, url: str) -> None:
    """One reseller with an endpoint at `url`, one case, and N events with their pending deliveries."""
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from cases import services as case_services
    from partners.integrations import endpoints
    from partners.integrations.models import Event, EventRecipient, WebhookDelivery
    from partners.integrations.outbox import new_public_id
    from partners.kinds import OrgKind, Role
    from partners.models import Organisation, User
    from servicetags.models import Unit

    now = timezone.now()
    distributor = Organisation.objects.create(
        name="Bench Distributor", kind=OrgKind.DISTRIBUTOR, country="DK", timezone="Europe/Copenhagen"
    )
    reseller = Organisation.objects.create(
        name="Bench Reseller",
        kind=OrgKind.RESELLER,
        country="DK",
        timezone="Europe/Copenhagen",
        distributor=distributor,
    )
    Organisation.objects.create(name="Bench MTS", kind=OrgKind.MTS, country="DK", timezone="Europe/Copenhagen")
    admin = User.objects.create_user("bench-admin", organisation=reseller, role=Role.ADMIN, email="a@bench.invalid")
    unit = Unit.objects.create(
        service_tag="BNCH001", model="IVO350R", reseller=reseller, end_customer_name="Bench A/S",
        address_line1="Havnegade 1", city="Copenhagen", postal_code="1058", country="DK", timezone="Europe/Copenhagen",
        warranty_start_on=now.date(), warranty_end_on=now.date().replace(year=now.year + 3),
    )  # fmt: skip
    case, _ = case_services.case_create(
        actor=admin,
        now=now,
        values={"title": "Bench case", "category": "software", "unit": unit, "users_impacted": 3,
                "in_production": True, "failure_description": "x", "troubleshooting_done": "y"},
    )  # fmt: skip

    # record_event's own cost: comments, each with its event, recipients and deliveries, one transaction each.
    endpoint, _secret = endpoints.endpoint_create(actor=admin, values={"url": url}, now=now)
    comments = 300
    started = time.perf_counter()
    for i in range(comments):
        case_services.comment_create(actor=admin, case=case, body=f"Comment {i}", now=now)
    record_seconds = time.perf_counter() - started
    WebhookDelivery.objects.all().delete()

    payload = dict(EventRecipient.objects.filter(organisation=reseller).first().data)
    with transaction.atomic():
        events = Event.objects.bulk_create(
            [
                Event(
                    public_id=new_public_id(),
                    type="case.transitioned",
                    object_type="bench",
                    object_id=str(i),
                    sequence=1,
                    occurred_at=now,
                    details={"action": "take"},
                )
                for i in range(n)
            ],  # fmt: skip
            batch_size=2000,
        )
        recipients = EventRecipient.objects.bulk_create(
            [EventRecipient(event=e, organisation=reseller, data=payload) for e in events], batch_size=2000
        )
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(endpoint=endpoint, event=r.event, recipient=r, next_attempt_at=now, created_at=now)
                for r in recipients
            ],
            batch_size=2000,
        )
    print(json.dumps({"record_event_per_second": comments / record_seconds}))


def child_pending() -> None:
    import django

    django.setup()
    from partners.integrations.models import DeliveryAttempt, WebhookDelivery

    print(
        json.dumps(
            {
                "pending": WebhookDelivery.objects.filter(status="pending").count(),
                "attempts": DeliveryAttempt.objects.count(),
            }
        )
    )


# --- the parent ----------------------------------------------------------------------------------------


def run_child(*args: str) -> dict:
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [PYTHON, __file__, "--child", *args], cwd=ROOT, env=bench_env(), capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(n: int, concurrency: int, receiver) -> dict:
    recreate_database()
    subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=bench_env(), check=True
    )
    loaded = run_child("load", str(n), receiver.url)
    receiver.requests.clear()
    queue = f"h10-bench-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(  # noqa: S603
        [PYTHON, "-m", "celery", "-A", "husky_support", "worker", "-Q", queue, f"--concurrency={concurrency}",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT, env=bench_env(), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        os.environ.update({k: v for k, v in bench_env().items() if k in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}})
        import django

        django.setup()
        # Wait for the worker to be up before starting the clock (its start-up is not delivery time).
        from husky_support.celery import app
        from partners.tasks import relay_webhooks_task

        deadline = time.monotonic() + 60
        while not app.control.inspect(destination=None, timeout=0.5).ping() and time.monotonic() < deadline:
            time.sleep(0.2)
        started = time.perf_counter()
        for _ in range(concurrency):
            relay_webhooks_task.apply_async(queue=queue)
        while True:
            time.sleep(0.5)
            if len(receiver.requests) >= n:
                state = run_child("pending")
                if state["pending"] == 0:
                    break
            if time.perf_counter() - started > 1800:
                raise SystemExit("gave up after 30 minutes")
        seconds = time.perf_counter() - started
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        drop_database()
    ids = [r.headers.get("webhook-id") for r in receiver.requests]
    return {
        "concurrency": concurrency,
        "n": n,
        "seconds": seconds,
        "per_second": n / seconds,
        "duplicates": len(ids) - len(set(ids)),
        "record_event_per_second": loaded["record_event_per_second"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="events in the backlog")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2], help="worker pool sizes to try")
    parser.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "husky_support.settings.local")
        if args.child[0] == "load":
            child_load(int(args.child[1]), args.child[2])
        else:
            child_pending()
        return

    from tests.partners.receiver import Receiver

    receiver = Receiver().start()
    try:
        rows = [measure(args.n, c, receiver) for c in args.concurrency]
    finally:
        receiver.stop()
    print()
    print(f"{'worker pool':>11} | {'events':>7} | {'drain time':>10} | {'deliveries/s':>12} | {'duplicates':>10}")
    print(f"{'-' * 11}-+-{'-' * 7}-+-{'-' * 10}-+-{'-' * 12}-+-{'-' * 10}")
    for r in rows:
        print(
            f"{r['concurrency']:>11} | {r['n']:>7,} | {r['seconds']:>9.1f}s | {r['per_second']:>12.0f} | "
            f"{r['duplicates']:>10}"
        )
    print()
    print(f"record_event inside a comment's transaction (3 recipients, 1 endpoint): "
          f"{rows[0]['record_event_per_second']:.0f} comments/s")  # fmt: skip
    print("Receiver: Python's threaded http.server on 127.0.0.1 in the bench process, on the same 2 cores.")


if __name__ == "__main__":
    main()
