"""The eligibility endpoint under load: p50/p95 latency and requests/s through gunicorn, plus the in-process table.

Run from the repository root:
    .venv/bin/python bench/bench_eligibility_api.py                 # throwaway SQLite
    .venv/bin/python bench/bench_eligibility_api.py --db postgres   # PG database husky_bench_elig (created, dropped)

It builds a throwaway database, seeds units across 50 countries with coverage rows, starts gunicorn on
127.0.0.1 (2 sync workers, production settings), sends a bounded number of GET
/api/v1/units/{tag}/eligibility/ requests from a few threads over loopback, stops gunicorn and removes
what it created. Nothing leaves the machine and it always stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time as clock
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere
sys.path.insert(0, str(ROOT / "bench"))

import bench_eligibility_inprocess as inprocess  # noqa: E402 (needs the sys.path lines above)

PYTHON = sys.executable
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "husky_bench_elig"
USERNAME = "bench-reseller"


# --- seeding (runs in a child process with the bench environment) ------------------------------------


def seed(n_units: int, rng_seed: int) -> None:
    """Create a distributor, a reseller with a token, coverage rows and units in 50 countries; print JSON."""
    import django

    django.setup()
    from dispatch.models import Coverage
    from husky_support import geo
    from partners.kinds import OrgKind, Role
    from partners.models import Organisation, User
    from partners.services import token_create
    from servicetags.models import Unit

    rng = random.Random(rng_seed)
    distributor = Organisation.objects.create(
        name="Bench Distribution", kind=OrgKind.DISTRIBUTOR, country="DK", timezone="Europe/Copenhagen"
    )
    reseller = Organisation.objects.create(
        name="Bench Reseller",
        kind=OrgKind.RESELLER,
        country="US",
        timezone="America/Los_Angeles",
        distributor=distributor,
    )
    user = User.objects.create_user(USERNAME, organisation=reseller, role=Role.ADMIN)
    _token, key = token_create(actor=user, user=user, name="bench")
    for country in inprocess.COUNTRIES:
        Coverage.objects.update_or_create(
            country=country,
            defaults={
                "onsite_available": rng.random() < 0.95,
                "nbd_available": rng.random() < 0.85,
                "kyhd_available": rng.random() < 0.8,
            },
        )
    units = []
    for n in range(n_units):
        country = inprocess.COUNTRIES[n % len(inprocess.COUNTRIES)]
        start = datetime(2020, 1, 1).date() + timedelta(days=rng.randrange(3000))
        units.append(
            Unit(
                service_tag=f"B{n:05d}",
                model="IVO350R",
                warranty_start_on=start,
                warranty_end_on=start + timedelta(days=5 * 365),
                nbd_onsite=rng.random() < 0.8,
                kyhd=rng.random() < 0.5,
                reseller=reseller,
                end_customer_name="Bench customer",
                address_line1="1 Bench Street",
                city="Bench City",
                country=country,
                timezone=rng.choice(geo.timezones_for_country(country)),
                location_confirmed=rng.random() < 0.8,
            )
        )
    Unit.objects.bulk_create(units, batch_size=500)
    print(json.dumps({"token": key, "tags": [u.service_tag for u in units]}))


# --- the load run -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_urls(base: str, tags: list[str], n: int, rng: random.Random) -> list[str]:
    zones = [z for c in inprocess.COUNTRIES for z in inprocess.geo.timezones_for_country(c)]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    span = int((datetime(2030, 12, 31, tzinfo=UTC) - start).total_seconds())
    urls = []
    for _ in range(n):
        moment = (start + timedelta(seconds=rng.randrange(span))).astimezone(inprocess.ZoneInfo(rng.choice(zones)))
        params = {"qualified_at": moment.isoformat(timespec="seconds")}
        if rng.random() < 0.5:
            params["partner_timezone"] = rng.choice(zones)
        if rng.random() < 0.05:
            params["site_country"] = rng.choice(inprocess.COUNTRIES)
        urls.append(f"{base}/api/v1/units/{rng.choice(tags)}/eligibility/?{urllib.parse.urlencode(params)}")
    return urls


def fetch(url: str, token: str) -> tuple[float, int]:
    headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (a loopback http URL we built)
    began = clock.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback URL we built)
            response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return clock.perf_counter() - began, status


def wait_until_up(base: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    deadline = clock.monotonic() + seconds
    while clock.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited early; see its output above.")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            clock.sleep(0.3)
    raise SystemExit("gunicorn did not answer /healthz within 30 s.")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--n", type=int, default=10_000, help="questions for the in-process table")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-inprocess", action="store_true")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed_only:
        seed(args.units, args.seed)
        return

    if not args.skip_inprocess:
        print("== In-process (bench/bench_eligibility_inprocess.py) ==")
        sys.argv = [sys.argv[0], "--n", str(args.n), "--seed", str(args.seed)]
        inprocess.main()
        print()

    var_dir = Path(tempfile.mkdtemp(prefix="husky-bench-elig-"))
    (var_dir / "static").mkdir()  # whitenoise wants STATIC_ROOT to exist; the API serves no static files
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "husky_support.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "HUSKY_VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir / "static"),
        "API_RATE_USER": "1000000/min",  # the benchmark measures the endpoint, not the throttle
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if args.db == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            admin.execute(f"CREATE DATABASE {PG_DB}")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        env["REDIS_URL"] = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    else:
        env["ALLOW_SQLITE_IN_PRODUCTION"] = "1"
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)

    gunicorn = None
    try:
        subprocess.run([PYTHON, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        seeded = subprocess.run(
            [PYTHON, __file__, "--seed-only", "--units", str(args.units), "--seed", str(args.seed)],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        data = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "husky_support.wsgi", "-b", f"127.0.0.1:{port}"]
            + ["-w", str(args.workers), "--log-level", "warning"],
            env=env,
            cwd=ROOT,
        )
        wait_until_up(base, gunicorn)

        rng = random.Random(args.seed)
        warmup = make_urls(base, data["tags"], 50 * args.workers, rng)
        urls = make_urls(base, data["tags"], args.requests, rng)
        with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            list(pool.map(lambda u: fetch(u, data["token"]), warmup))  # loads each worker's calendars
            began = clock.perf_counter()
            results = list(pool.map(lambda u: fetch(u, data["token"]), urls))
            elapsed = clock.perf_counter() - began

        latencies = [1000 * seconds for seconds, _status in results]
        statuses: dict[int, int] = {}
        for _seconds, status in results:
            statuses[status] = statuses.get(status, 0) + 1
        print(f"== API: GET /api/v1/units/{{tag}}/eligibility/ ({args.db}, gunicorn {args.workers} sync workers) ==")
        print(
            f"{args.requests:,} requests, {args.concurrency} client threads, {args.units:,} units in "
            f"{len(inprocess.COUNTRIES)} countries, token auth, loopback"
        )
        print(f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} {'req/s':>8}  statuses")
        print("-" * 60)
        print(
            f"{statistics.median(latencies):>8.1f} {percentile(latencies, 95):>8.1f} {percentile(latencies, 99):>8.1f} "
            f"{max(latencies):>8.1f} {args.requests / elapsed:>8.0f}  {dict(sorted(statuses.items()))}"
        )
        if set(statuses) != {200}:
            raise SystemExit("Some requests did not answer 200.")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(timeout=15)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        if args.db == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
