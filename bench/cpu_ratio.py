"""CPU per request of bench/bench_load.py's endpoints in-process, beside the F1 floor, requests interleaved.

Run after bench/bench_load.py (it reuses the endpoints, session cookies and tokens of that run, written to
bench/out/bench_load_spec.json):

    .venv/bin/python bench/cpu_ratio.py --db husky_bench_load_100000 --only queue,case_page -n 150

Each round makes one request to every chosen endpoint and to F1, and times each with the process's own CPU
clock (time.process_time): on a shared machine the wall clock counts the time other programs held the
cores, the process clock does not (it leaves out the database server's time, which bench_load.py's "SQL ms"
shows). Prints the median and the lowest CPU milliseconds a request and their ratios to F1 (F1's CPU divided
by the endpoint's: comparable to bench_load.py's "x F1", without the HTTP server's share).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import inprocess  # noqa: E402  (after the path: run as a script)


def main() -> None:
    args = inprocess.parser(__doc__, rounds=150, rounds_help="rounds (F1 always runs)").parse_args()
    spec = inprocess.setup(args)
    only = {k for k in args.only.split(",") if k}
    calls = {}
    for ep in spec["endpoints"]:
        if ep["key"] != "f1" and (ep.get("floor") or ep["method"] != "GET" or (only and ep["key"] not in only)):
            continue
        calls[ep["key"]] = (ep, inprocess.caller(ep))
    for ep, call in calls.values():
        for _ in range(5):  # caches, the session, the first compile of each template
            status = call().status_code
        if status != ep["expected"]:
            raise SystemExit(f"{ep['label']}: {status}, expected {ep['expected']}")
    cpu: dict[str, list[float]] = {key: [] for key in calls}
    for _ in range(args.n):
        for key, (_ep, call) in calls.items():
            start = time.process_time()
            call()
            cpu[key].append(time.process_time() - start)
    f1_median, f1_low = statistics.median(cpu["f1"]), min(cpu["f1"])
    print(f"{args.n} rounds, CPU ms a request (process clock), ratio = F1's CPU / the endpoint's")
    print("| endpoint | median ms | lowest ms | x F1 (median) | x F1 (lowest) |\n|---|---:|---:|---:|---:|")
    for key, (ep, _call) in calls.items():
        median, low = statistics.median(cpu[key]), min(cpu[key])
        ratios = f"{f1_median / median:.3f} | {f1_low / low:.3f}"
        print(f"| {ep['label']} | {median * 1000:.2f} | {low * 1000:.2f} | {ratios} |")


if __name__ == "__main__":
    main()
