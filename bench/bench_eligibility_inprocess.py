"""In-process throughput of the rules engine: eligibility answers per second, cold and warm caches.

Run from the repository root:  .venv/bin/python bench/bench_eligibility_inprocess.py [--n 10000] [--seed 7]

Pure: no database, no Django. "Cold" clears every calendar, subdivision, zone and tzdata-table
cache first, so it includes building each country's `holidays` calendar and loading each year.
"""

from __future__ import annotations

import argparse
import random
import sys
import time as clock
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from dispatch.eligibility import (  # noqa: E402 (needs the sys.path line above)
    CoverageTerms,
    SiteFacts,
    UnitFacts,
    assess_eligibility,
)
from husky_support import geo  # noqa: E402 (needs the sys.path line above)
from husky_support.calendar import clear_caches, nbd_target  # noqa: E402 (needs the sys.path line above)

# 50 countries with `holidays` calendars, across every continent and weekend pattern.
COUNTRIES = [
    "DK", "DE", "US", "GB", "FR", "NL", "SE", "NO", "FI", "ES", "IT", "PT", "PL", "CZ", "AT", "CH", "BE",
    "IE", "CA", "MX", "BR", "AR", "CL", "CO", "PE", "AU", "NZ", "JP", "KR", "SG", "IN", "ZA", "NG", "KE",
    "AE", "SA", "QA", "KW", "IL", "EG", "TR", "RU", "CN", "ID", "MY", "TH", "PH", "VN", "UA", "GR",
]  # fmt: skip
SERVICES = ["nbd_onsite", "kyhd", "extended_years"]


@dataclass(frozen=True)
class Question:
    coverage: CoverageTerms | None
    unit: UnitFacts
    site: SiteFacts
    qualified_at: datetime
    partner_timezone: str | None


def make_questions(n: int, seed: int) -> list[Question]:
    rng = random.Random(seed)
    zones = {country: geo.timezones_for_country(country) for country in COUNTRIES}
    partner_zones = [zone for names in zones.values() for zone in names]
    start = datetime(2020, 1, 1, tzinfo=UTC)
    span = int((datetime(2030, 12, 31, tzinfo=UTC) - start).total_seconds())
    questions = []
    for _ in range(n):
        country = rng.choice(COUNTRIES)
        qualified_at = start + timedelta(seconds=rng.randrange(span))
        warranty_start = qualified_at.date() - timedelta(days=rng.randrange(0, 5 * 365))
        coverage = (
            None
            if rng.random() < 0.05
            else CoverageTerms(
                onsite_available=rng.random() < 0.95,
                nbd_available=rng.random() < 0.85,
                kyhd_available=rng.random() < 0.8,
                cutoff=rng.choice([time(17), time(16), time(15, 30)]),
            )
        )
        unit = UnitFacts(
            warranty_start_on=warranty_start,
            warranty_end_on=warranty_start + timedelta(days=rng.choice([3, 5]) * 365),
            services=frozenset(s for s in SERVICES if rng.random() < 0.7),
            registered_country=country,
            registered_subdivision=None,
            registered_timezone=rng.choice(zones[country]),
            location_confirmed=rng.random() < 0.8,
        )
        site = SiteFacts(
            site_country=country if rng.random() < 0.95 else rng.choice(COUNTRIES),
            security_requirements=rng.random() < 0.1,
            security_accepted_beforehand=rng.random() < 0.5,
            authorized_rep_named=rng.choice([None, True, True, False]),
        )
        partner = rng.choice([None, rng.choice(partner_zones), unit.registered_timezone])
        questions.append(Question(coverage, unit, site, qualified_at, partner))
    return questions


def clear_everything() -> None:
    clear_caches()
    geo.clear_caches()
    ZoneInfo.clear_cache()


def answer_all(questions: list[Question]) -> int:
    targets = 0
    for q in questions:
        result = assess_eligibility(
            coverage=q.coverage,
            unit=q.unit,
            site=q.site,
            qualified_at=q.qualified_at,
            partner_timezone=q.partner_timezone,
        )
        targets += result.nbd_target_date is not None
    return targets


def nbd_only(questions: list[Question]) -> int:
    for q in questions:
        nbd_target(q.qualified_at, q.unit.registered_timezone or "UTC", q.unit.registered_country, None, time(17))
    return len(questions)


def timed(fn: Callable[[list[Question]], int], questions: list[Question]) -> tuple[float, int]:
    began = clock.perf_counter()
    out = fn(questions)
    return clock.perf_counter() - began, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    questions = make_questions(args.n, args.seed)
    fresh = make_questions(args.n, args.seed + 1)  # other moments, same countries: years not yet loaded
    rows: list[tuple[str, float, int]] = []

    clear_everything()
    seconds, targets = timed(answer_all, questions)
    rows.append(("eligibility, cold cache", seconds, targets))
    seconds, targets = timed(answer_all, questions)
    rows.append(("eligibility, warm cache (same questions)", seconds, targets))
    seconds, targets = timed(answer_all, fresh)
    rows.append(("eligibility, warm countries, new moments", seconds, targets))
    seconds, targets = timed(answer_all, fresh)
    rows.append(("eligibility, warm cache (second batch)", seconds, targets))
    seconds, targets = timed(nbd_only, questions)
    rows.append(("nbd_target only, warm cache", seconds, targets))

    print(f"{args.n:,} questions across {len(COUNTRIES)} countries, moments 2020-2030, Python {sys.version.split()[0]}")
    print(f"{'scenario':<44} {'seconds':>8} {'answers/s':>11} {'us/answer':>10} {'NBD targets':>12}")
    print("-" * 89)
    for label, seconds, targets in rows:
        per_second = args.n / seconds
        print(f"{label:<44} {seconds:>8.3f} {per_second:>11,.0f} {1e6 * seconds / args.n:>10.1f} {targets:>12,}")


if __name__ == "__main__":
    main()
