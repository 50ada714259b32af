"""The Reports section at scale: p50/p95 of each organisation's report and its SQL queries per request.

Run from the repository root (PostgreSQL on 127.0.0.1:5432):
    .venv/bin/python bench/bench_reports.py                         # 100,000 cases, 20,000 dispatches
    .venv/bin/python bench/bench_reports.py --cases 20000 --dispatches 4000 --requests 10 --keep

It (re)creates the PostgreSQL database BENCH_DATABASE (default `husky_bench_reports`, loopback only), migrates
it, loads a year of cases (most closed, as in a real archive) with a timeline row each, units, dispatches,
fees, parts and transfers, then asks for each organisation's report in-process through Django's test client
(the view, the figures and the SQL; no network or gunicorn in the way) a bounded number of times, prints the
table and drops the database (unless --keep). Nothing leaves the machine and it always stops by itself.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time as clock
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

PG_DB = os.environ.get("BENCH_DATABASE", "husky_bench_reports")
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
STATE_MIX = [
    ("closed", 0.70),
    ("resolved", 0.08),
    ("l1_reseller", 0.04),
    ("l2_mts_queue", 0.06),
    ("l2_mts_investigating", 0.06),
    ("awaiting_partner", 0.03),
    ("l3_dell", 0.03),
]
COUNTRIES = [
    ("DK", "Europe/Copenhagen"),
    ("SE", "Europe/Stockholm"),
    ("DE", "Europe/Berlin"),
    ("NL", "Europe/Amsterdam"),
    ("US", "America/New_York"),
    ("NO", "Europe/Oslo"),
]
OFFICE = {day: [["08:00", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')


def drop_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "husky_support.settings.test")
    import django

    django.setup()


def load(n_cases: int, n_dispatches: int, seed: int) -> dict:
    """Organisations, teams, units, cases with timelines, dispatches; returns the users to ask as."""
    from cases.models import Case, CaseEvent, Team, TeamCountry
    from dispatch.models import Dispatch, Fee, Part
    from partners.kinds import OrgKind
    from partners.models import Organisation, User
    from servicetags.models import ServiceTagTransfer, Unit, UnitModel

    rng = random.Random(seed)
    mts = Organisation.objects.create(name="Bench MTS", kind=OrgKind.MTS, country="DK", timezone="Europe/Copenhagen")
    dell = Organisation.objects.create(name="Bench Dell", kind=OrgKind.DELL, country="US", timezone="America/Chicago")
    for name, countries, zone, holidays in [
        ("Nordics", ["DK", "SE", "NO"], "Europe/Copenhagen", "DK"),
        ("Central Europe", ["DE", "NL"], "Europe/Berlin", "DE"),
        ("Americas", ["US"], "America/New_York", "US"),
    ]:
        team = Team.objects.create(name=name, timezone=zone, weekly_hours=OFFICE, holiday_country=holidays)
        TeamCountry.objects.bulk_create([TeamCountry(team=team, country=c) for c in countries])
    teams = {tc.country: tc.team_id for tc in TeamCountry.objects.all()}
    distributors, resellers = [], []
    for d in range(5):
        distributor = Organisation.objects.create(
            name=f"Bench Distributor {d}", kind=OrgKind.DISTRIBUTOR, country="DK", timezone="Europe/Copenhagen"
        )
        distributors.append(distributor)
        resellers += [
            Organisation.objects.create(
                name=f"Bench Reseller {d}-{r}",
                kind=OrgKind.RESELLER,
                country="DK",
                timezone="Europe/Copenhagen",
                distributor=distributor,
            )
            for r in range(8)
        ]
    users = {
        "MTS": User.objects.create_user("bench-mts", organisation=mts),
        "distributor": User.objects.create_user("bench-distributor", organisation=distributors[0]),
        "reseller": User.objects.create_user("bench-reseller", organisation=resellers[0]),
        "Dell": User.objects.create_user("bench-dell", organisation=dell),
    }
    models = [m.value for m in UnitModel]
    units = []
    for i in range(max(n_cases // 5, 10)):
        country, zone = rng.choice(COUNTRIES)
        confirmed = rng.random() < 0.9
        units.append(
            Unit(
                service_tag=f"B{i:06d}"[:7],
                model=rng.choice(models),
                warranty_start_on=date(2025, 1, 1),
                warranty_end_on=date(2029, 1, 1),
                nbd_onsite=True,
                reseller=rng.choice(resellers),
                end_customer_name="Bench customer",
                shipped_on=date(2025, 1, 1) + timedelta(days=rng.randrange(690)),
                location_confirmed=confirmed,
                location_confirmed_at=NOW - timedelta(days=rng.randrange(300)) if confirmed else None,
                address_line1="Street 1",
                city="City",
                country=country,
                timezone=zone,
            )
        )
    units = Unit.objects.bulk_create(units, batch_size=5000)
    weights = [w for _s, w in STATE_MIX]
    states = [s for s, _w in STATE_MIX]
    cases = []
    for i in range(n_cases):
        unit = rng.choice(units)
        state = rng.choices(states, weights)[0]
        created = NOW - timedelta(minutes=rng.randrange(365 * 24 * 60))
        escalated = created + timedelta(hours=rng.randrange(1, 48)) if state != "l1_reseller" else None
        answered = escalated + timedelta(hours=rng.randrange(1, 12)) if escalated and rng.random() < 0.9 else None
        finished = state in ("resolved", "closed")
        resolved = (answered or escalated or created) + timedelta(days=rng.randrange(1, 10)) if finished else None
        cases.append(
            Case(
                number=f"HSK-B-{i:08d}",
                reseller_id=unit.reseller_id,
                unit=unit,
                title="Bench case",
                category="hardware",
                component=rng.choice(["hard_drive", "power_supply", "memory", "network"]),
                site_country=unit.country,
                site_timezone=unit.timezone,
                priority=rng.choice(["p1_critical", "p2_high", "p3_normal", "p4_low"]),
                state=state,
                team_id=teams.get(unit.country),
                escalated_at=escalated,
                first_responded_at=answered,
                first_response_due_at=escalated + timedelta(hours=8) if escalated and not answered else None,
                resolved_at=resolved,
                resolved_at_l1=finished and escalated is None,
                closed_at=resolved + timedelta(days=14) if state == "closed" and resolved else None,
                created_at=created,
                updated_at=resolved or answered or escalated or created,
            )
        )
    cases = Case.objects.bulk_create(cases, batch_size=5000)
    events = []
    for case in cases:
        events.append(CaseEvent(case=case, kind="created", at=case.created_at, to_state="l1_reseller"))
        if case.state != "l1_reseller":
            events.append(
                CaseEvent(
                    case=case,
                    kind="transition",
                    at=case.updated_at,
                    from_state="l1_reseller",
                    to_state=case.state,
                    action="escalate_to_mts",
                )
            )
        if case.escalated_at and rng.random() < 0.05:
            events.append(
                CaseEvent(
                    case=case,
                    kind="sla_breached",
                    at=case.escalated_at + timedelta(hours=8),
                    internal=True,
                    data={"target": "first_response"},
                )
            )
    CaseEvent.objects.bulk_create(events, batch_size=10000)
    hardware = [c for c in cases if c.escalated_at is not None]
    dispatches = []
    for case in rng.sample(hardware, min(n_dispatches, len(hardware))):
        created = case.escalated_at + timedelta(hours=rng.randrange(1, 24))
        done = case.state in ("resolved", "closed")
        dispatches.append(
            Dispatch(
                case=case,
                dell_org=dell,
                kind="onsite",
                state="completed" if done else "scheduled",
                denial_count=1 if rng.random() < 0.1 else 0,
                last_denial_reason="Service tag not found",
                qualified_at=created,
                site_timezone=case.site_timezone,
                site_country=case.site_country,
                unit_id=case.unit_id,  # the case's copies, as dispatch.services keeps them
                component=case.component,
                team_id=case.team_id,
                escalated_at=case.escalated_at,
                nbd_target_on=created.date() + timedelta(days=1),
                created_at=created,
                updated_at=created,
                finished_at=created + timedelta(days=2) if done else None,
            )
        )
    dispatches = Dispatch.objects.bulk_create(dispatches, batch_size=5000)
    Fee.objects.bulk_create(
        [Fee(dispatch=d, kind="late_reschedule", reason="Late", recorded_at=d.created_at) for d in dispatches[::20]]
    )
    Part.objects.bulk_create(
        [
            Part(
                dispatch=d,
                part_number="P-1",
                description="Drive",
                created_at=d.created_at,
                return_due_on=d.created_at.date() + timedelta(days=10),
                returned_on=d.created_at.date() + timedelta(days=rng.randrange(3, 14)) if rng.random() < 0.8 else None,
            )
            for d in dispatches[::4]
        ]
    )
    ServiceTagTransfer.objects.bulk_create(
        [
            ServiceTagTransfer(
                unit=u,
                filed_by_org_id=u.reseller_id,
                status="submitted",
                address_line1="Street 2",
                city="City",
                country=u.country,
                timezone=u.timezone,
                expected_confirmation_on=date(2026, 11, 1) + timedelta(days=i % 60),
            )
            for i, u in enumerate(units[:: max(len(units) // 2000, 1)])
        ]
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return users


def snapshot_backlog() -> None:
    """What the hourly beat job (cases.tasks.backlog_snapshots_task) keeps up to date: every day's backlog
    rollup up to NOW, taken here in one go (a production archive has them from the day it started)."""
    from cases import rollups

    started, taken = clock.perf_counter(), 0
    while batch := rollups.take_snapshots(now=NOW):
        taken += batch
    print(f"took {taken:,} backlog snapshots in {clock.perf_counter() - started:.0f} s")


def measure(users: dict, requests: int) -> list[tuple[str, float, float, int]]:
    from django.db import connection
    from django.test import Client

    executed = []

    def count(execute, sql, params, many, context):  # every statement, whatever resets Django's query log
        executed.append(sql)
        return execute(sql, params, many, context)

    rows = []
    asks = [
        ("MTS, API, last 30 days", "MTS", "/api/v1/reports/?period=30d"),
        ("MTS, API, last 90 days", "MTS", "/api/v1/reports/?period=90d"),
        ("MTS, page, last 30 days", "MTS", "/reports/?period=30d"),
        ("MTS, API, 30 days, country DK", "MTS", "/api/v1/reports/?period=30d&country=DK"),
        ("distributor, API, last 30 days", "distributor", "/api/v1/reports/?period=30d"),
        ("reseller, API, last 30 days", "reseller", "/api/v1/reports/?period=30d"),
        ("reseller, page, last 30 days", "reseller", "/reports/?period=30d"),
        ("Dell, API, last 30 days", "Dell", "/api/v1/reports/?period=30d"),
    ]
    for label, who, url in asks:
        client = Client()
        client.force_login(users[who])
        assert client.get(url).status_code == 200  # warm: calendars, content types, templates
        executed.clear()
        with connection.execute_wrapper(count):
            client.get(url)
        queries = len(executed)
        times = []
        for _ in range(requests):
            started = clock.perf_counter()
            response = client.get(url)
            times.append((clock.perf_counter() - started) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        rows.append((label, statistics.median(times), p95, queries))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--dispatches", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="measure the database a --keep run left")
    args = parser.parse_args()
    if not args.reuse:
        recreate_database()
    try:
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if args.reuse:
            from partners.models import User

            names = {"MTS": "mts", "distributor": "distributor", "reseller": "reseller", "Dell": "dell"}
            users = {kind: User.objects.get(username=f"bench-{name}") for kind, name in names.items()}
        else:
            started = clock.perf_counter()
            users = load(args.cases, args.dispatches, args.seed)
            took = clock.perf_counter() - started
            print(f"loaded {args.cases:,} cases and {args.dispatches:,} dispatches in {took:.0f} s")
        snapshot_backlog()
        # The reports read the clock at the edge: the data set ends at NOW, so ask as if it were NOW.
        import time_machine

        with time_machine.travel(NOW, tick=True):
            rows = measure(users, args.requests)
        print(f"\n{'report':<34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for label, p50, p95, queries in rows:
            print(f"{label:<34} {p50:8.0f} {p95:8.0f} {queries:8d}")
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database()


if __name__ == "__main__":
    main()
