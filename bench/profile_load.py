"""Profile bench/bench_load.py's endpoints in-process, counting calls (cProfile), on its database.

Run after bench/bench_load.py (it reuses the endpoints, session cookies and tokens of that run, written to
bench/out/bench_load_spec.json):

    .venv/bin/python bench/profile_load.py --db husky_bench_load_10000 --only queue,cases_mts -n 20

Prints, per endpoint, the function calls and SQL queries per request and the top functions by own time and
by call count. Counting calls, not wall time: the machine is shared, so the calls are what compares.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="the bench database (with its case count)")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys")
    parser.add_argument("-n", type=int, default=20, help="profiled requests per endpoint")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--spec", default=str(ROOT / "bench" / "out" / "bench_load_spec.json"))
    parser.add_argument("--sql", action="store_true", help="print the SQL of one request too")
    parser.add_argument("--dump", default="", help="save each endpoint's profile as <dump>.<key>.prof")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative, ncalls)")
    args = parser.parse_args()
    spec = json.loads(Path(args.spec).read_text())
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.load_settings",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}",
            "REDIS_URL": args.redis,
            "SECRET_KEY": spec.get("secret", "x" * 50),  # the run's: its sessions' auth hashes are keyed by it
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "*",
            "API_RATE_USER": "1000000/min",
            "LOG_LEVEL": "WARNING",
            "HUSKY_VAR_DIR": str(ROOT / "bench" / "out" / "var"),
            "STATIC_ROOT": str(ROOT / "bench" / "out" / "static"),
        }
    )
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    only = {k for k in args.only.split(",") if k}
    for ep in spec["endpoints"]:
        if only and ep["key"] not in only:
            continue
        if ep["key"] == "transition":
            continue  # it consumes cases; bench_load.py measures it
        client = Client()
        headers = {k: v for k, v in ep["headers"].items() if k != "Cookie"}
        for part in ep["headers"].get("Cookie", "").split("; "):
            if part:
                name, _, value = part.partition("=")
                client.cookies[name] = value

        def call(client=client, ep=ep, headers=headers):
            if ep["method"] == "POST":
                return client.post(
                    ep["path"], data=ep["body"], content_type="application/json", secure=True, headers=headers
                )
            return client.get(ep["path"], secure=True, headers=headers)

        for _ in range(3):
            warm = call()  # caches, the session, the first compile of each template
        queries: list[str] = []

        def note(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(note):
            call()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.n):
            response = call()
        profile.disable()
        stats = pstats.Stats(profile)
        if args.dump:
            stats.dump_stats(f"{args.dump}.{ep['key']}.prof")
        calls = stats.total_calls // args.n  # type: ignore[attr-defined]
        print(
            f"\n=== {ep['label']}: status {warm.status_code}/{response.status_code}, {len(response.content)} bytes, "
            f"{len(queries)} queries, {calls:,} function calls a request"
        )
        if args.sql:
            for i, sql in enumerate(queries, 1):
                print(f"  [{i}] {sql[:400]}")
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(args.top)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[-6000:])


if __name__ == "__main__":
    main()
