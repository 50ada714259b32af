"""Profile bench/bench_load.py's endpoints in-process, counting calls (cProfile), on its database.

Run after bench/bench_load.py (it reuses the endpoints, session cookies and tokens of that run, written to
bench/out/bench_load_spec.json):

    .venv/bin/python bench/profile_load.py --db husky_bench_load_10000 --only queue,cases_mts -n 20

Prints, per endpoint, the function calls and SQL queries per request and the top functions by own time and
by call count. Counting calls, not wall time: the machine is shared, so the calls are what compares.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import inprocess  # noqa: E402  (after the path: run as a script)


def main() -> None:
    found = inprocess.parser(__doc__, rounds=20, rounds_help="profiled requests per endpoint")
    found.add_argument("--top", type=int, default=25)
    found.add_argument("--sql", action="store_true", help="print the SQL of one request too")
    found.add_argument("--dump", default="", help="save each endpoint's profile as <dump>.<key>.prof")
    found.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumulative, ncalls)")
    args = found.parse_args()
    spec = inprocess.setup(args)
    from django.db import connection

    only = {k for k in args.only.split(",") if k}
    for ep in spec["endpoints"]:
        if only and ep["key"] not in only:
            continue
        if ep["key"] == "transition":
            continue  # it consumes cases; bench_load.py measures it
        call = inprocess.caller(ep)

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
