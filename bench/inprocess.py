"""What the in-process bench scripts (bench/profile_load.py, bench/cpu_ratio.py) share: the options naming
bench/bench_load.py's database and endpoints, Django set up as that run's gunicorn was, and a test client
signed in as each endpoint's user (the run's session cookies and tokens, from bench/out/bench_load_spec.json)."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def parser(doc: str | None, *, rounds: int, rounds_help: str) -> argparse.ArgumentParser:
    found = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    found.add_argument("--db", required=True, help="the bench database (with its case count)")
    found.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    found.add_argument("--only", default="", help="comma-separated endpoint keys")
    found.add_argument("-n", type=int, default=rounds, help=rounds_help)
    found.add_argument("--spec", default=str(ROOT / "bench" / "out" / "bench_load_spec.json"))
    return found


def setup(args: argparse.Namespace) -> dict[str, Any]:
    """Django configured as bench_load.py's gunicorn was (production settings, the floors' URLs); the run's spec."""
    spec: dict[str, Any] = json.loads(Path(args.spec).read_text())
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
    return spec


def caller(ep: dict[str, Any]) -> Callable[[], Any]:
    """One request to the endpoint as its user: the run's session cookie or token header."""
    from django.test import Client

    client = Client()
    headers = {k: v for k, v in ep["headers"].items() if k != "Cookie"}
    for part in ep["headers"].get("Cookie", "").split("; "):
        if part:
            name, _, value = part.partition("=")
            client.cookies[name] = value

    def call() -> Any:
        if ep["method"] == "POST":
            return client.post(
                ep["path"], data=ep["body"], content_type="application/json", secure=True, headers=headers
            )
        return client.get(ep["path"], secure=True, headers=headers)

    return call
