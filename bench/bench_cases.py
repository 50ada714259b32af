"""The triage queue and the cases API at scale: p50/p95 latency, requests/s and SQL queries per request.

Run from the repository root (PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 must be running):
    .venv/bin/python bench/bench_cases.py                    # 100,000 cases, 800 requests per endpoint
    .venv/bin/python bench/bench_cases.py --n 20000 --requests 300 --keep

It (re)creates the PostgreSQL database `husky_bench` (loopback only), migrates it, loads N cases across 40
resellers (most closed, as in a real archive; ~18 % in the MTS queue states), starts gunicorn on 127.0.0.1
with production settings, sends a bounded number of GET requests from a few threads, stops gunicorn and
drops the database (unless --keep). SQL queries per request are counted in-process with the test client.
Nothing leaves the machine and it always stops by itself.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time as clock
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

PYTHON = sys.executable
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_DB = "husky_bench"
# Share of cases per state: a support archive is mostly closed work.
STATE_MIX = [
    ("closed", 0.70),
    ("resolved", 0.08),
    ("l1_reseller", 0.04),
    ("l2_mts_queue", 0.06),
    ("l2_mts_investigating", 0.06),
    ("awaiting_partner", 0.03),
    ("l3_dell", 0.03),
]
ENDPOINTS = [
    ("triage queue page (MTS, default: SLA due)", "/cases/queue/", "session"),
    ("triage queue page 20 (MTS)", "/cases/queue/?page=20", "session"),
    ("triage queue, filtered P1 + DK", "/cases/queue/?priority=p1_critical&country=DK", "session"),
    ("GET /api/v1/cases/ (MTS, all cases)", "/api/v1/cases/", "token"),
    ("GET /api/v1/cases/?open=true&ordering=sla_due_at", "/api/v1/cases/?open=true&ordering=sla_due_at", "token"),
    ("GET /api/v1/cases/ (reseller)", "/api/v1/cases/", "reseller_token"),
]


# One key for every child process and gunicorn, so the session created while loading stays valid.
SECRET = {"key": secrets.token_urlsafe(64)}
SETTINGS = """from husky_support.settings.production import *  # noqa: F403
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
"""


def write_settings() -> None:
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench_cases_settings.py").write_text(SETTINGS)


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            # Production settings with plain static storage: the manifest storage needs collectstatic to
            # find bootstrap's missing .map file (see the report); static files are not what is measured.
            "DJANGO_SETTINGS_MODULE": "bench_cases_settings",
            "PYTHONPATH": str(ROOT / "bench" / "out"),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{PG_DB}",
            "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
            "SECRET_KEY": SECRET["key"],
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "API_RATE_USER": "1000000/min",
            "LOG_LEVEL": "WARNING",
            "HUSKY_VAR_DIR": str(ROOT / "bench" / "out" / "var"),
            "DATABASE_POOL_MAX": "4",
            "STATIC_ROOT": str(ROOT / "bench" / "out" / "static"),
        }
    )
    return env


# --- in the child process (Django configured for the bench database) ---------------------------------


def load_cases(n: int, seed: int) -> dict:
    """Load organisations, users, units and N cases (Django set up); return what was made, for other loaders
    (bench/bench_load.py adds teams, timelines and dispatches on top)."""
    from cases.models import Case, CaseNumberCounter
    from partners.kinds import OrgKind, Role
    from partners.models import Organisation, User
    from servicetags.models import Unit

    rng = random.Random(seed)
    mts_org = Organisation.objects.create(
        name="Bench MTS", kind=OrgKind.MTS, country="DK", timezone="Europe/Copenhagen"
    )
    technicians = [
        User.objects.create_user(f"tech{i}", organisation=mts_org, email=f"tech{i}@bench.invalid") for i in range(20)
    ]
    resellers = []
    for d in range(5):
        distributor = Organisation.objects.create(
            name=f"Bench Distributor {d}", kind=OrgKind.DISTRIBUTOR, country="DK", timezone="Europe/Copenhagen"
        )
        for r in range(8):
            resellers.append(
                Organisation.objects.create(
                    name=f"Bench Reseller {d}-{r}",
                    kind=OrgKind.RESELLER,
                    country=rng.choice(["DK", "SE", "DE"]),
                    timezone="Europe/Copenhagen",
                    distributor=distributor,
                )
            )
    reseller_user = User.objects.create_user("bench-reseller", organisation=resellers[0], role=Role.ADMIN)
    countries = ["DK", "SE", "DE", "NO", "FI", "NL"]
    units = Unit.objects.bulk_create(
        [
            Unit(
                service_tag=f"B{i:06d}",
                model="IVO350R",
                warranty_start_on=datetime(2025, 1, 1).date(),
                warranty_end_on=datetime(2029, 1, 1).date(),
                reseller=resellers[i % len(resellers)],
                end_customer_name=f"Customer {i}",
                address_line1=f"Street {i}",
                city="City",
                postal_code="1000",
                country=countries[i % len(countries)],
                timezone="Europe/Copenhagen",
            )
            for i in range(4000)
        ],
        batch_size=2000,
    )
    now = datetime.now(UTC)
    states = [s for s, _ in STATE_MIX]
    weights = [w for _, w in STATE_MIX]
    priorities = ["p1_critical", "p2_high", "p3_normal", "p4_low"]
    batch: list[Case] = []
    for i in range(n):
        unit = units[rng.randrange(len(units))]
        state = rng.choices(states, weights)[0]
        created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        mts_side = state in {"l2_mts_queue", "l2_mts_investigating"}
        batch.append(
            Case(
                number=f"HSK-{created.year}-{i + 1:06d}",
                reseller_id=unit.reseller_id,
                unit=unit,
                title=f"Bench case {i}: recording gaps on camera group {i % 97}",
                category="hardware" if i % 3 else "software",
                component="hard_drive" if i % 3 else "",
                site_address_line1=unit.address_line1,
                site_city=unit.city,
                site_postal_code=unit.postal_code,
                site_country=unit.country,
                site_timezone=unit.timezone,
                users_impacted=rng.randrange(0, 40),
                in_production=rng.random() < 0.7,
                failure_description="Drive failed. " * 20,
                troubleshooting_done="Reseated. " * 20,
                customer_available_for_diagnostics=True,
                priority=rng.choice(priorities),
                state=state,
                assignee=rng.choice(technicians)
                if state in {"l2_mts_investigating", "awaiting_partner", "l3_dell"}
                else None,
                sla_due_at=now + timedelta(minutes=rng.randrange(-3000, 5000)) if mts_side else None,
                resolved_at=created + timedelta(days=2) if state in {"resolved", "closed"} else None,
                auto_close_due_at=now + timedelta(days=rng.randrange(1, 14)) if state == "resolved" else None,
                closed_at=created + timedelta(days=16) if state == "closed" else None,
                created_at=created,
                updated_at=created,
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    if batch:
        Case.objects.bulk_create(batch)
    CaseNumberCounter.objects.update_or_create(year=now.year, defaults={"last": n + 1})
    return {
        "mts_org": mts_org,
        "technicians": technicians,
        "resellers": resellers,
        "reseller_user": reseller_user,
        "units": units,
        "rng": rng,
    }


def child_load(n: int, seed: int) -> None:
    """Load organisations, users, units and N cases; print the credentials as JSON."""
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection

    from partners.services import token_create

    loaded = load_cases(n, seed)
    technicians, reseller_user = loaded["technicians"], loaded["reseller_user"]
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    tech = technicians[0]
    session = SessionStore()
    session[SESSION_KEY] = str(tech.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = tech.get_session_auth_hash()
    session.create()
    _t, token = token_create(actor=tech, user=tech, name="bench")
    _t, reseller_token = token_create(actor=reseller_user, user=reseller_user, name="bench")
    print(json.dumps({"session": session.session_key, "token": token, "reseller_token": reseller_token}))


def child_queries() -> None:
    """SQL queries per request of each endpoint, and the queue's SQL plan, measured in-process."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from cases import selectors
    from partners.models import User

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False
    tech = User.objects.get(username="tech0")
    reseller = User.objects.get(username="bench-reseller")
    counts = {}
    for label, path, auth in ENDPOINTS:
        client = Client()
        client.force_login(reseller if auth == "reseller_token" else tech)
        client.get(path)  # warm caches (ContentTypes, sessions)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, secure=True)
        counts[label] = (len(ctx.captured_queries), response.status_code)
    qs = selectors.triage_queue(tech, now=timezone.now())[:25]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    open_count = (
        selectors.cases_visible_to(tech)
        .filter(state__in=["l2_mts_queue", "l2_mts_investigating", "awaiting_partner", "l3_dell"])
        .count()
    )
    print(json.dumps({"counts": counts, "plan": plan, "queue_rows": open_count}))


# --- the driver ---------------------------------------------------------------------------------------


def run_child(function: str, *args: str) -> dict:
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r}); import bench.bench_cases as b; b.{function}({', '.join(args)})"
    )
    out = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=bench_env(), capture_output=True, text=True, check=False, timeout=1800
    )
    if out.returncode != 0:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"{function} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')


def drop_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(port: int, path: str, headers: dict[str, str]) -> tuple[float, int]:
    started = clock.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        status = response.status
    finally:
        conn.close()
    return (clock.perf_counter() - started) * 1000, status


def wait_until_up(port: int, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = clock.monotonic() + seconds
    while clock.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            _ms, status = fetch(port, "/healthz", {"X-Forwarded-Proto": "https"})
            if status in (200, 503):
                return
        except OSError:
            clock.sleep(0.2)
    raise SystemExit("gunicorn did not start")


WRK_SCRIPT = """
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout
  io.write(string.format("WRK %f %f %f %d\\n", latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    summary.requests / (summary.duration / 1e6), bad))
end
"""


def measure_with_wrk(port: int, path: str, headers: dict[str, str], seconds: int, connections: int):
    """wrk (C, event loop) costs the 2-core machine far less CPU than Python client threads would."""
    script = ROOT / "bench" / "out" / "report.lua"
    script.write_text(WRK_SCRIPT)
    argv = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(script)]
    for name, value in headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*argv, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    _tag, p50, p95, rps, bad = next(line for line in out.splitlines() if line.startswith("WRK ")).split()
    return float(p50), float(p95), float(rps), int(bad)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000, help="cases to load (default 100,000)")
    parser.add_argument("--requests", type=int, default=800, help="requests per endpoint (bounded)")
    parser.add_argument("--threads", type=int, default=4, help="concurrent client threads")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--keep", action="store_true", help="keep the husky_bench database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database (skip loading)")
    parser.add_argument(
        "--client",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator: wrk when installed (apt-get install wrk), else Python threads",
    )
    parser.add_argument("--seconds", type=int, default=10, help="wrk: seconds per endpoint")
    args = parser.parse_args()

    write_settings()
    env = bench_env()
    started = clock.monotonic()
    if not args.reuse:
        recreate_database()
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=600)
        creds = run_child("child_load", str(args.n), "7")
        (ROOT / "bench" / "out").mkdir(parents=True, exist_ok=True)
        (ROOT / "bench" / "out" / "cases_creds.json").write_text(json.dumps({**creds, "secret": SECRET["key"]}))
    else:
        creds = json.loads((ROOT / "bench" / "out" / "cases_creds.json").read_text())
        SECRET["key"] = creds["secret"]
        env = bench_env()
    loaded = clock.monotonic() - started
    measured = run_child("child_queries")

    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk") is not None)
    port = free_port()
    gunicorn = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "husky_support.wsgi", "-b", f"127.0.0.1:{port}"]
        + ["--workers", str(args.workers), "--log-level", "warning"],
        cwd=ROOT,
        env=env,
    )
    rows = []
    try:
        wait_until_up(port, gunicorn)
        base_headers = {"X-Forwarded-Proto": "https", "Accept": "text/html,application/json"}
        for label, path, auth in ENDPOINTS:
            headers = dict(base_headers)
            if auth == "session":
                headers["Cookie"] = f"__Host-sessionid={creds['session']}"
            else:
                headers["Authorization"] = f"Token {creds['token' if auth == 'token' else 'reseller_token']}"
            for _ in range(20):  # warm-up: connections, pools, caches
                fetch(port, path, headers)
            queries, _status = measured["counts"][label]
            if use_wrk:
                p50, p95, rps, bad = measure_with_wrk(port, path, headers, args.seconds, args.threads)
                rows.append((label, p50, p95, rps, queries, bad))
                continue
            t0 = clock.perf_counter()
            with ThreadPoolExecutor(max_workers=args.threads) as pool:
                results = list(pool.map(lambda _i, p=path, h=headers: fetch(port, p, h), range(args.requests)))
            elapsed = clock.perf_counter() - t0
            latencies = [ms for ms, _status in results]
            bad = sum(1 for _ms, status in results if status != 200)
            rows.append(
                (
                    label,
                    statistics.median(latencies),
                    percentile(latencies, 0.95),
                    len(results) / elapsed,
                    queries,
                    bad,
                )
            )
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
        if not args.keep:
            drop_database()

    print(
        f"\n== Cases at scale: {args.n:,} cases (load {loaded:.0f} s), {measured['queue_rows']:,} in the MTS queue "
        f"states; gunicorn {args.workers} sync workers; "
        + (
            f"wrk, {args.threads} connections, {args.seconds} s each =="
            if use_wrk
            else f"{args.threads} Python client threads, {args.requests} requests each =="
        )
    )
    print(f"| {'endpoint':<52} | {'p50 ms':>7} | {'p95 ms':>7} | {'req/s':>6} | {'SQL/req':>7} | {'non-200':>7} |")
    print(f"|{'-' * 54}|{'-' * 9}|{'-' * 9}|{'-' * 8}|{'-' * 9}|{'-' * 9}|")
    for label, p50, p95, rps, queries, bad in rows:
        print(f"| {label:<52} | {p50:7.1f} | {p95:7.1f} | {rps:6.0f} | {queries:7d} | {bad:7d} |")
    print("\nQueue query plan (first page, default order):")
    for line in measured["plan"]:
        print("   ", line)


if __name__ == "__main__":
    main()
