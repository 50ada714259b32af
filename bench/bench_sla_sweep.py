"""The SLA breach sweep at scale: it reads only what is due (partial indexes), so its cost grows with the due
rows, not with the table. Prints a table for 10,000 / 100,000 / 1,000,000 cases with 1 % due.

    .venv/bin/python bench/bench_sla_sweep.py                 # 10k, 100k, 1M on SQLite under var/bench
    .venv/bin/python bench/bench_sla_sweep.py --sizes 10000 100000

Per size it builds a fresh SQLite database (migrate, one template case, the rest by one INSERT ... SELECT
over a recursive sequence), then times: finding every due row (the sweep's two index range scans), one
sweep batch of 100 recorded alerts (row lock, timeline row, notifications), and for contrast a scan of
every open case. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time as clock
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(os.environ.get("BENCH_DIR", str(ROOT / "var" / "bench")))


def setup(size: int) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    db = WORK / f"sweep-{size}.sqlite3"
    db.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "husky_support.settings.local")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(size: int, now: datetime) -> None:
    from django.db import connection

    from cases.models import Case
    from partners.models import Organisation

    distributor = Organisation.objects.create(name="D", kind="distributor", country="DK", timezone="Europe/Copenhagen")
    reseller = Organisation.objects.create(
        name="R", kind="reseller", country="DK", timezone="Europe/Copenhagen", distributor=distributor
    )
    template = Case.objects.create(
        number="T-0", reseller=reseller, title="t", category="software", created_at=now, updated_at=now
    )
    columns = [f.column for f in Case._meta.concrete_fields if f.column != "id"]
    fmt = "%Y-%m-%d %H:%M:%S"
    past, near_past, future = (
        (now - timedelta(hours=1)).strftime(fmt),
        (now - timedelta(minutes=5)).strftime(fmt),
        (now + timedelta(days=2)).strftime(fmt),
    )
    chosen = {
        "number": "'B-' || i",
        "state": "'l2_mts_queue'",
        # 1 % due: every 200th row past its due time, every 200th (offset 100) past its near-breach moment.
        "sla_due_at": f"CASE WHEN i % 200 = 0 THEN '{past}' ELSE '{future}' END",
        "sla_near_at": f"CASE WHEN i % 100 = 0 THEN '{near_past}' ELSE '{future}' END",
        "first_response_due_at": f"CASE WHEN i % 200 = 0 THEN '{past}' ELSE '{future}' END",
        "sla_alerted": "0",
    }
    select = ", ".join(chosen.get(column, f"tpl.{column}") for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO cases_case ({', '.join(columns)}) "  # noqa: S608 - our own column names
            f"WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {size - 1}) "
            f"SELECT {select} FROM seq, cases_case tpl WHERE tpl.id = {template.pk}"
        )
        cursor.execute("ANALYZE")


def timed(function, repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        started = clock.perf_counter()
        function()
        samples.append((clock.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(size: int) -> dict:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    setup(size)
    started = clock.perf_counter()
    load(size, now)
    load_s = clock.perf_counter() - started
    from django.db import connection

    from cases import breaches
    from cases.models import Case

    due = len(set(breaches.due_breach(now, 10**9)) | set(breaches.due_near_breach(now, 10**9)))
    find_ms = timed(lambda: (breaches.due_breach(now, 10**9), breaches.due_near_breach(now, 10**9)))
    batch = breaches.due_breach(now, 100)
    started = clock.perf_counter()
    for pk in batch:
        breaches.record_sla_alert(pk, now=now)
    record_ms = (clock.perf_counter() - started) * 1000 / max(len(batch), 1)
    scan_ms = timed(lambda: list(Case.objects.filter(state="l2_mts_queue").values_list("sla_due_at", flat=True)), 3)
    query = Case.objects.filter(sla_alerted__lt=2, sla_due_at__lte=now).order_by("sla_due_at").values("pk")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " / ".join(row[-1] for row in cursor.fetchall())
    connection.close()
    return {
        "size": size,
        "due": due,
        "load_s": load_s,
        "find_ms": find_ms,
        "record_ms": record_ms,
        "scan_ms": scan_ms,
        "plan": plan,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = measure(args.child)
        print(repr(result))
        return
    import ast
    import subprocess

    rows = []
    for size in args.sizes:  # one process per size: a fresh Django and database connection each
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size)], check=True, capture_output=True, text=True, cwd=ROOT
        )
        rows.append(ast.literal_eval(out.stdout.strip().splitlines()[-1]))
    print(
        f"{'cases':>10} {'due':>7} {'find all due ms':>16} {'ms/due row':>11} {'record ms/alert':>16} "
        f"{'scan open ms':>13}  plan of the breach query"
    )
    for row in rows:
        print(
            f"{row['size']:>10,} {row['due']:>7,} {row['find_ms']:>16.1f} {row['find_ms'] / max(row['due'], 1):>11.4f} "
            f"{row['record_ms']:>16.2f} {row['scan_ms']:>13.1f}  {row['plan']}"
        )
    for size in args.sizes:
        (WORK / f"sweep-{size}.sqlite3").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
