"""How long each dispatch sweep (dispatch/sweeps.py) takes over 10,000 and 100,000 dispatches of which 1 % are
due, and over 100,000 with only 100 due: the time should follow what is due, not how many rows exist.

Run from the repository root:
    .venv/bin/python bench/bench_dispatch_sweeps.py                      # SQLite (in memory)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/husky_h8 .venv/bin/python bench/bench_dispatch_sweeps.py

It creates a throw-away test database (PostgreSQL: `<name>_sweeps_bench`, dropped at the end), bulk-inserts
scheduled dispatches with one delivered part each, sets every due-time in the future except for the due
share, and drains each sweep batch by batch as the beat job would, then runs it once more (nothing due: the
idempotent re-run). Notifications are stored rows written by the sweep; the send task (not run here) emails them.
Columns: "× first" is the time against the first run of the same sweep (10,000 rows, 100 due, one commit per
item), "SQL/due" the statements sent per due item, "SQL ms/due" the time spent waiting on them (commits not
included), "commit" how many due items share a transaction.
"""

from __future__ import annotations

import os
import random
import sys
import time as clock
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "husky_support.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
BATCH = 5_000
# (rows, due per sweep)
# (dispatches, due, due items per commit): the first run commits each item on its own, as the sweeps did before
# husky_support.locking.apply_in_commit_groups, beside the same load committed by groups (the "× each" column).
RUNS = [(10_000, 100, 1), (10_000, 100, 50), (100_000, 1_000, 50), (100_000, 100, 50)]
# due-time field of each sweep, on Dispatch (d) or Part (p)
SWEEP_FIELDS = [
    ("window_reminders", "d", "window_reminder_due_at"),
    ("schedule_freezes", "d", "free_window_closes_at"),
    ("nbd_missed", "d", "nbd_missed_due_at"),
    ("part_return_warnings", "p", "return_warning_due_at"),
    ("part_returns_overdue", "p", "return_overdue_at"),
]


def _fixtures():
    from cases.models import Case
    from partners.models import Organisation

    distributor = Organisation.objects.create(
        name="Bench distributor", kind="distributor", country="DK", timezone="Europe/Copenhagen"
    )
    reseller = Organisation.objects.create(
        distributor=distributor, name="Bench reseller", kind="reseller", country="DK", timezone="Europe/Copenhagen"
    )
    dell = Organisation.objects.create(name="Bench Dell", kind="dell", country="US", timezone="America/Chicago")
    case = Case.objects.create(
        number="HSK-2026-900000",
        reseller=reseller,
        title="Bench case",
        category="hardware",
        component="motherboard",
        site_city="Copenhagen",
        site_country="DK",
        site_timezone="Europe/Copenhagen",
        state="l3_dell",
        created_at=NOW,
        updated_at=NOW,
    )
    return case, dell


def _load(rows: int, due: int, case, dell) -> None:
    """Bulk-insert `rows` scheduled dispatches with a part each; `due` of them due for every sweep."""
    from dispatch.models import Dispatch, Part

    rng = random.Random(rows + due)
    due_rows = {name: set(rng.sample(range(rows), due)) for name, _, _ in SWEEP_FIELDS}
    future = NOW + timedelta(days=30)
    for start in range(0, rows, BATCH):
        chunk = range(start, min(start + BATCH, rows))

        def when(name: str, i: int) -> datetime:
            return NOW - timedelta(minutes=1 + i % 60) if i in due_rows[name] else future + timedelta(minutes=i % 600)

        dispatches = Dispatch.objects.bulk_create(
            [
                Dispatch(
                    case=case,
                    dell_org=dell,
                    kind="onsite",
                    state="scheduled",
                    qualified_at=NOW - timedelta(days=3),
                    site_timezone="Europe/Copenhagen",
                    site_country="DK",
                    visit_start_at=future,
                    visit_end_at=future + timedelta(hours=3),
                    window_reminder_due_at=when("window_reminders", i),
                    free_window_closes_at=when("schedule_freezes", i),
                    nbd_missed_due_at=when("nbd_missed", i),
                    created_at=NOW,
                    updated_at=NOW,
                )
                for i in chunk
            ]
        )
        Part.objects.bulk_create(
            [
                Part(
                    dispatch=d,
                    part_number="0X3D66",
                    description="System board",
                    delivered_on=date(2026, 11, 20),
                    return_due_on=date(2026, 11, 30),
                    return_warning_due_at=when("part_return_warnings", i),
                    return_overdue_at=when("part_returns_overdue", i),
                    created_at=NOW,
                )
                for i, d in zip(chunk, dispatches, strict=True)
            ]
        )


def _clear() -> None:
    from cases.models import CaseEvent
    from dispatch.models import Dispatch

    CaseEvent.objects.all().delete()
    Dispatch.objects.all().delete()  # parts cascade


def _drain(sweep) -> tuple[int, float, int, float]:
    """Due items done, seconds, SQL statements sent (savepoints included) and seconds spent waiting on them
    (commits excluded): what each item costs the database, the rest being Python."""
    statements = 0
    in_sql = 0.0

    def count(execute, sql, params, many, context):
        nonlocal statements, in_sql
        statements += 1
        sent = clock.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            in_sql += clock.perf_counter() - sent

    started = clock.perf_counter()
    done = 0
    with connection.execute_wrapper(count):
        while True:
            result = sweep(now=NOW)
            done += result.done
            if not result.more:
                break
    return done, clock.perf_counter() - started, statements, in_sql


def main() -> None:
    from dispatch import sweeps
    from husky_support import locking
    from partners.models import Notification

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        db.setdefault("TEST", {})["NAME"] = f"{db['NAME']}_sweeps_bench"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        case, dell = _fixtures()
        print(f"database: {connection.vendor}; notifications stored, not sent; batch {sweeps.SWEEP_BATCH}")
        header = (
            f"{'sweep':<22} {'rows':>8} {'due':>6} {'done':>6} {'seconds':>8} {'ms/due':>7} {'re-run s':>9} "
            f"{'× first':>7} {'SQL/due':>7} {'SQL ms/due':>10} {'commit':>6}"
        )
        print(header)
        print("-" * len(header))
        baseline: dict[str, float] = {}
        for rows, due, group in RUNS:
            locking.COMMIT_GROUP = group
            _clear()
            _load(rows, due, case, dell)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE dispatch_dispatch; ANALYZE dispatch_part")
            for (name, _, _), sweep in zip(SWEEP_FIELDS, sweeps.SWEEPS, strict=True):
                done, seconds, statements, in_sql = _drain(sweep)
                again, rerun, _, _ = _drain(sweep)
                assert again == 0, f"{name} did {again} twice"
                baseline.setdefault(name, seconds)
                ratio = seconds / baseline[name]
                print(
                    f"{name:<22} {rows:>8,} {due:>6,} {done:>6,} {seconds:>8.3f} {1000 * seconds / max(done, 1):>7.2f} "
                    f"{rerun:>9.4f} {ratio:>7.1f} {statements / max(done, 1):>7.1f} "
                    f"{1000 * in_sql / max(done, 1):>10.2f} {'each' if group == 1 else f'by {group}':>6}"
                )
        print(f"({Notification.objects.count():,} notifications stored)")
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
