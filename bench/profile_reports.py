"""Which report figures cost what: queries and SQL time per figure, on the database a `bench_reports.py --keep`
run left.

    .venv/bin/python bench/profile_reports.py --db husky_bench_reports --who MTS --period 30d [--sql]

For each figure of the viewer's report: its headline now, its headline in the previous period and its
breakdowns, each with its queries, SQL milliseconds and wall milliseconds (in-process, the view left out).
"""

from __future__ import annotations

import argparse
import os
import sys
import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE", "husky_bench_reports"))
    parser.add_argument("--who", default="MTS", choices=["MTS", "distributor", "reseller", "Dell"])
    parser.add_argument("--period", default="30d")
    parser.add_argument("--filters", default="", help="extra query string, e.g. country=DK")
    parser.add_argument("--sql", action="store_true", help="print each query slower than 20 ms")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "husky_support.settings.test")
    import django

    django.setup()
    from urllib.parse import parse_qsl

    from django.db import connection

    from bench.bench_reports import NOW
    from partners.models import User
    from partners.reports.registry import figures_for
    from partners.reports.service import report_context

    user = User.objects.get(username=f"bench-{args.who.lower()}")
    params = {"period": args.period, **dict(parse_qsl(args.filters))}
    for figure in figures_for(report_context(user, params, now=NOW).kind):  # warm: calendars, content types
        warm = report_context(user, params, now=NOW)
        figure.headline(warm, warm.period), figure.headline(warm, warm.previous), figure.detail(warm)
    ctx = report_context(user, params, now=NOW)
    log: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        started = clock.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            log.append(((clock.perf_counter() - started) * 1000, sql))

    print(f"{'figure / part':<40} {'queries':>8} {'SQL ms':>8} {'wall ms':>8}")
    total_q, total_sql, total_wall = 0, 0.0, 0.0
    with connection.execute_wrapper(timed):
        for figure in figures_for(ctx.kind):
            for part, call in (
                ("now", lambda f=figure: f.headline(ctx, ctx.period)),
                ("previous", lambda f=figure: f.headline(ctx, ctx.previous)),
                ("detail", lambda f=figure: f.detail(ctx)),
            ):
                log.clear()
                started = clock.perf_counter()
                call()
                wall = (clock.perf_counter() - started) * 1000
                sql = sum(ms for ms, _ in log)
                total_q, total_sql, total_wall = total_q + len(log), total_sql + sql, total_wall + wall
                print(f"{figure.key + ' ' + part:<40} {len(log):8d} {sql:8.0f} {wall:8.0f}")
                if args.sql:
                    for ms, text in log:
                        if ms > 20:
                            print(f"    {ms:7.0f} ms  {text[:400]}")
    print(f"{'total':<40} {total_q:8d} {total_sql:8.0f} {total_wall:8.0f}")


if __name__ == "__main__":
    main()
