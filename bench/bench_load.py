"""Speed at scale (issue 21): the busiest pages and lists under wrk, beside a floor measured in the same run.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379, `wrk` installed:
`apt-get install wrk`):

    .venv/bin/python bench/bench_load.py                  # 100,000 cases, 20,000 dispatches
    .venv/bin/python bench/bench_load.py --scale 0.1      # 10,000 cases, 2,000 dispatches (a quick run)
    .venv/bin/python bench/bench_load.py --reload         # rebuild the database first

It loads (once: a later run reuses the database `<--db>_<cases>`) N cases with a realistic spread (states,
priorities, countries, 15-25 timeline events each, one MTS team) and N/5 Dell dispatches with 1-3 parts,
mostly finished, with bulk inserts (bench/bench_cases.py's loader, then SQL for the timelines). It starts
gunicorn with 2 sync workers on 127.0.0.1 with production settings (bench/load_settings.py: production plus
the bench-only floor URLs of bench/floor.py), signs in over HTTP as real users do (password, then the TOTP
code of the MTS technician's authenticator; API tokens from POST /api/v1/auth/token/ with the code), and
drives wrk (1 thread, 8 connections, --seconds per run, --reps runs, the best run kept) at each endpoint
(the MTS triage queue, the cases/ list for MTS and a reseller, a case page, Dell's queue and dispatches/, the MTS
reports page, case creation and a "take" transition).
Every answer other than the expected 200/201 (a 302 to the second-factor page, a 409) is a failure and is
printed. SQL queries and SQL time per request are measured in-process on the same database with the same
session and tokens (CaptureQueriesContext; the median of 5 requests), and each endpoint's slowest query
is EXPLAIN ANALYZEd. The table, the machine's facts and the plans go into bench/RESULTS.md (one section
per --label, other sections kept). Nothing leaves 127.0.0.1; every run is bounded.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import struct
import subprocess
import sys
import time as clock
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from anywhere

from bench.bench_cases import free_port, load_cases, wait_until_up  # noqa: E402

PYTHON = sys.executable
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PASSWORD = "bench-password-not-secret-1"  # noqa: S105 - a throw-away local database's users
TEAM_COUNTRIES = ["DK", "SE", "DE", "NO", "FI", "NL"]
OPEN_DISPATCH_STATES = ["requested", "accepted", "scheduled", "parts_shipped", "delivered"]
FINISHED_DISPATCH_STATES = [("completed", 0.85), ("failed", 0.05), ("cancelled", 0.07), ("voided", 0.03)]
CREATE_BODY = {
    "title": "Recording stops on camera group 4 every night",
    "category": "hardware",
    "component": "hard_drive",
    "users_impacted": 12,
    "in_production": True,
    "failure_description": "Drive 3 reports predictive failure; recordings stop at 02:00.",
    "troubleshooting_done": "Reseated the drive, ran SupportAssist.",
    "customer_available_for_diagnostics": True,
}


# --- in the child process (Django set up on the bench database) ---------------------------------------


def _setup_django() -> None:
    import django

    django.setup()


def child_load(n: int, n_dispatches: int, seed: int) -> None:
    """Load cases (bench_cases' loader), an MTS team, the signing-in users, timelines, dispatches and parts."""
    _setup_django()
    import random
    from datetime import timedelta

    from django.db import connection
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cases.models import Case, Team, TeamCountry
    from dispatch.models import Dispatch, Part
    from partners.kinds import OrgKind, Role
    from partners.models import Organisation, User

    started = clock.monotonic()
    loaded = load_cases(n, seed)
    print(f"cases loaded in {clock.monotonic() - started:.0f} s", file=sys.stderr)
    rng = random.Random(seed + 1)
    technicians = loaded["technicians"]
    team = Team.objects.create(
        name="EMEA",
        timezone="Europe/Copenhagen",
        weekly_hours={d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
        holiday_country="DK",
        is_default=True,
    )
    team.members.add(*technicians)
    TeamCountry.objects.bulk_create([TeamCountry(team=team, country=c) for c in TEAM_COUNTRIES])
    Case.objects.update(team=team)
    for tech in technicians[:2]:
        tech.set_password(PASSWORD)
        tech.save(update_fields=["password"])
        TOTPDevice.objects.create(user=tech, name="Authenticator app", confirmed=True)
    User.objects.create_user("reseller-agent", password=PASSWORD, organisation=loaded["resellers"][0], role=Role.AGENT)
    dell = Organisation.objects.create(name="Bench Dell", kind=OrgKind.DELL, country="US", timezone="America/Chicago")
    User.objects.create_user("dell-agent", password=PASSWORD, organisation=dell, role=Role.AGENT)

    # Timelines: 15-25 events a case (20 on average), written by SQL: 2 million rows through the ORM would
    # take many minutes.
    tech_ids = [t.pk for t in technicians]
    with connection.cursor() as cursor:
        # The production settings' statement timeout (30 s) ends a 2-million-row insert on a busy machine.
        cursor.execute("SET statement_timeout = 0")
        cursor.execute(
            """
            INSERT INTO cases_caseevent (case_id, kind, actor_id, at, action, from_state, to_state, note,
                                         internal, data)
            SELECT c.id,
                   CASE WHEN g = 1 THEN 'created' WHEN g %% 4 = 0 THEN 'transition' ELSE 'comment' END,
                   (%s::bigint[])[1 + (c.id + g) %% %s],
                   c.created_at + g * interval '47 minutes',
                   CASE WHEN g %% 4 = 0 THEN 'take' ELSE '' END,
                   CASE WHEN g %% 4 = 0 THEN 'l2_mts_queue' ELSE '' END,
                   CASE WHEN g = 1 THEN 'l1_reseller' WHEN g %% 4 = 0 THEN 'l2_mts_investigating' ELSE '' END,
                   CASE WHEN g %% 4 = 0 OR g = 1 THEN ''
                        ELSE 'Checked the recorder logs again; the gap follows the drive, not the camera. ' || g END,
                   g %% 5 = 0,
                   CASE WHEN g = 1 THEN jsonb_build_object('number', c.number) ELSE '{}'::jsonb END
            FROM cases_case c CROSS JOIN LATERAL generate_series(1, 15 + (c.id %% 11)::int) AS g
            """,
            [tech_ids, len(tech_ids)],
        )
    print(f"timelines loaded in {clock.monotonic() - started:.0f} s", file=sys.stderr)

    # Dispatches: one open dispatch per case at Dell, the rest finished on closed or resolved cases.
    now = datetime.now(UTC)
    columns = ("id", "site_country", "site_timezone", "unit_id", "component", "team_id", "escalated_at")
    at_dell = list(Case.objects.filter(state="l3_dell").values_list(*columns))
    finished_cases = list(
        Case.objects.filter(state__in=["closed", "resolved"])
        .order_by("?")
        .values_list(*columns)[: max(0, n_dispatches - len(at_dell))]
    )
    states = [s for s, _ in FINISHED_DISPATCH_STATES]
    weights = [w for _, w in FINISHED_DISPATCH_STATES]
    dispatches = []
    for index, (case_id, country, zone, unit_id, component, team_id, escalated_at) in enumerate(
        at_dell + finished_cases
    ):
        open_ = index < len(at_dell)
        age = timedelta(hours=rng.randrange(2, 120)) if open_ else timedelta(days=rng.randrange(20, 700))
        created = now - age
        target = (created + timedelta(days=1)).date()
        missed = open_ and target < now.date() and rng.random() < 0.3
        dispatches.append(
            Dispatch(
                case_id=case_id,
                dell_org=dell,
                kind="onsite" if rng.random() < 0.7 else "parts_only",
                state=rng.choice(OPEN_DISPATCH_STATES) if open_ else rng.choices(states, weights)[0],
                dispatch_number=f"DSP{index:08d}",
                qualified_at=created,
                onsite_eligible=True,
                nbd_eligible=rng.random() < 0.8,
                nbd_target_on=target if rng.random() < 0.8 else None,
                site_timezone=zone or "Europe/Copenhagen",
                site_country=country or "DK",
                unit_id=unit_id,  # the case's copies, as dispatch.services keeps them
                component=component,
                team_id=team_id,
                escalated_at=escalated_at,
                representative_name="Site Manager",
                representative_phone="+45 11 22 33 44",
                nbd_missed_due_at=created + timedelta(days=2) if open_ else None,
                nbd_missed_at=created + timedelta(days=2) if missed else None,
                created_at=created,
                updated_at=created,
                finished_at=None if open_ else created + timedelta(days=3),
            )
        )
    dispatches = Dispatch.objects.bulk_create(dispatches, batch_size=2000)
    parts = []
    for d in dispatches:
        for p in range(rng.choice([1, 1, 2, 3])):
            delivered = d.created_at.date() + timedelta(days=1)
            parts.append(
                Part(
                    dispatch=d,
                    part_number=f"0{p}X{d.pk % 1000:03d}",
                    description="2.4TB 10K SAS 12Gbps 512e 2.5in Hot-plug Hard Drive",
                    is_hard_drive=p == 0,
                    carrier="UPS",
                    tracking_number=f"1Z{d.pk:010d}{p}",
                    shipped_on=d.created_at.date(),
                    delivered_on=delivered,
                    return_due_on=delivered + timedelta(days=10),
                    returned_on=None if d.finished_at is None else delivered + timedelta(days=rng.randrange(2, 9)),
                    created_at=d.created_at,
                )
            )
    Part.objects.bulk_create(parts, batch_size=5000)
    print(f"{len(dispatches)} dispatches, {len(parts)} parts in {clock.monotonic() - started:.0f} s", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does soon after a bulk load
    print(json.dumps({"loaded_seconds": round(clock.monotonic() - started)}))


def child_prepare() -> None:
    """Before each run: reset what a run consumes and print what the driver needs (keys, ids)."""
    _setup_django()
    from django.db.models import Count
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cases.models import Case, CaseEvent
    from dispatch.models import Dispatch
    from partners.models import ApiToken, User
    from servicetags.models import Unit

    names = ["tech0", "tech1", "reseller-agent", "dell-agent"]
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    if len(users) < 4:
        print(json.dumps({"error": "not loaded"}))
        return
    # Earlier runs' tokens (20 per user at most) and TOTP steps (a code is accepted once) are reset.
    ApiToken.objects.filter(user__in=users.values()).delete()
    TOTPDevice.objects.filter(user__in=users.values()).update(last_t=-1, throttling_failure_count=0)
    keys = {d.user.username: d.key for d in TOTPDevice.objects.filter(user__in=users.values()).select_related("user")}
    # The transition: "take" on cases in the MTS queue; the driver puts them back before each run.
    queue_ids = list(
        Case.objects.filter(state__in=["l2_mts_queue", "l2_mts_investigating"], team__isnull=False)
        .order_by("id")
        .values_list("id", flat=True)[:3000]
    )
    # The case page: a case at Dell with an open dispatch and 20 timeline events.
    with_dispatch = Dispatch.objects.filter(state__in=OPEN_DISPATCH_STATES).values("case_id")
    page_case = (
        Case.objects.filter(state="l3_dell", pk__in=with_dispatch)
        .annotate(n_events=Count("events"))
        .filter(n_events=20)
        .order_by("id")
        .first()
    )
    unit = Unit.objects.filter(reseller=users["reseller-agent"].organisation).order_by("id").first()
    print(
        json.dumps(
            {
                "totp": keys,
                "transition_ids": queue_ids,
                "page_case": page_case.number if page_case else "",
                "page_case_events": CaseEvent.objects.filter(case=page_case).count() if page_case else 0,
                "service_tag": unit.service_tag if unit else "",
                "cases": Case.objects.count(),
                "dispatches": Dispatch.objects.count(),
            }
        )
    )


def child_measure(spec_path: str) -> None:
    """SQL queries and SQL time per request of each endpoint, in-process, with the run's session and tokens;
    EXPLAIN ANALYZE of each endpoint's slowest query."""
    _setup_django()
    import statistics

    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    spec = json.loads(Path(spec_path).read_text())
    captured: list[tuple[str, object, float]] = []

    def timed(execute, sql, params, many, context):
        t0 = clock.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            captured.append((sql, params, (clock.perf_counter() - t0) * 1000))

    out = {}
    for ep in spec["endpoints"]:
        client = Client()
        headers = {k: v for k, v in ep["headers"].items() if k != "Cookie"}
        if "Cookie" in ep["headers"]:
            for part in ep["headers"]["Cookie"].split("; "):
                name, _, value = part.partition("=")
                client.cookies[name] = value
        counts, times, statuses = [], [], []
        slowest: tuple[str, object, float] = ("", None, 0.0)
        bodies = ep.get("inprocess_bodies") or [ep.get("body")] * 6
        paths = ep.get("inprocess_paths") or [ep["path"]] * 6
        for i, (path, body) in enumerate(zip(paths, bodies, strict=True)):
            captured.clear()
            with connection.execute_wrapper(timed):
                if ep["method"] == "POST":
                    response = client.post(
                        path, data=body, content_type="application/json", secure=True, headers=headers
                    )
                else:
                    response = client.get(path, secure=True, headers=headers)
            if i == 0:
                continue  # the first request warms caches (content types, the session cache)
            statuses.append(response.status_code)
            counts.append(len(captured))
            times.append(sum(ms for _sql, _params, ms in captured))
            slowest = max([slowest, *captured], key=lambda q: q[2])
        plan = []
        sql, params, ms = slowest
        if sql.lstrip().upper().startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS OFF, COSTS OFF) " + sql, params)
                plan = [row[0] for row in cursor.fetchall()]
                shown = cursor.mogrify(sql, params) if hasattr(cursor, "mogrify") else sql
        out[ep["label"]] = {
            "queries": int(statistics.median(counts)),
            "sql_ms": round(statistics.median(times), 2),
            "statuses": sorted(set(statuses)),
            "slowest_sql": (shown if plan else sql)[:3000],
            "slowest_ms": round(ms, 2),
            "plan": plan,
        }
    print(json.dumps(out))


# --- the driver ----------------------------------------------------------------------------------------


class Args:
    db: str
    redis: str
    secret: str


def bench_env(args: Args) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.load_settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db}",
            "REDIS_URL": args.redis,
            "SECRET_KEY": args.secret,
            # TLS ends at a proxy in production (X-Forwarded-Proto: https is sent with every request).
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The user throttle stays on (its Redis round trips are part of an API call), just high enough
            # that 8 connections for 10 s are not throttled.
            "API_RATE_USER": "1000000/min",
            "API_RATE_TOKEN_OBTAIN": "100/min",
            "LOG_LEVEL": "WARNING",
            "HUSKY_VAR_DIR": str(OUT / "var"),
            "STATIC_ROOT": str(OUT / "static"),
        }
    )
    return env


def run_child(args: Args, function: str, *params: str, timeout: int = 1800) -> dict:
    code = f"import bench.bench_load as b; b.{function}({', '.join(params)})"
    out = subprocess.run(
        [PYTHON, "-c", code],
        cwd=ROOT,
        env=bench_env(args),
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    sys.stderr.write(out.stderr[-3000:] if out.returncode else "")
    if out.returncode != 0:
        sys.stderr.write(out.stdout[-3000:])
        raise SystemExit(f"{function} failed")
    return json.loads(out.stdout.strip().splitlines()[-1])


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def db_sql(name: str, sql: str, params: list | None = None) -> list[tuple]:
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={name}", autocommit=True) as conn:
        cur = conn.execute(sql, params or [])
        return cur.fetchall() if cur.description else []


def totp(key_hex: str, step: int) -> str:
    """RFC 6238 (django-otp's TOTPDevice defaults: SHA-1, 30 s steps, 6 digits) for the given step."""
    digest = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


class Browser:
    """Just enough of a browser for a sign-in: cookies, a CSRF token from the form, the HTTPS proxy header."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, json_body: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        origin = f"https://127.0.0.1:{self.port}"
        headers = {"X-Forwarded-Proto": "https", "Origin": origin, "Referer": origin + path}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body)
            headers["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    cookie, _, _rest = value.partition(";")
                    key, _, val = cookie.partition("=")
                    self.cookies[key.strip()] = val.strip()
            return response.status, response.getheader("Location") or "", text
        finally:
            conn.close()

    def csrf_form_token(self, path: str) -> str:
        status, _loc, text = self.request("GET", path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        if status != 200 or match is None:
            raise SystemExit(f"sign-in: GET {path} answered {status} without a CSRF token")
        return match.group(1)


def sign_in_session(port: int, username: str, totp_key: str | None, step: int | None) -> str:
    """Password, then (when the user has an authenticator) the TOTP code, as a person does in the portal.
    Returns the Cookie header of the signed-in session."""
    browser = Browser(port)
    token = browser.csrf_form_token("/accounts/login/")
    status, location, _ = browser.request(
        "POST",
        "/accounts/login/",
        form={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/"},
    )
    if status != 302:
        raise SystemExit(f"sign-in of {username}: the password step answered {status}")
    if totp_key is not None and step is not None:
        token = browser.csrf_form_token("/accounts/2fa/verify/")
        status, location, _ = browser.request(
            "POST", "/accounts/2fa/verify/", form={"code": totp(totp_key, step), "csrfmiddlewaretoken": token}
        )
        if status != 302 or "2fa" in location:
            raise SystemExit(f"sign-in of {username}: the second factor answered {status} {location}")
    status, location, _ = browser.request("GET", "/")
    if status != 200:
        raise SystemExit(f"sign-in of {username}: the home page answered {status} {location}")
    return "; ".join(f"{k}={v}" for k, v in browser.cookies.items())


def obtain_token(port: int, username: str, totp_key: str | None, step: int | None) -> str:
    body = {"username": username, "password": PASSWORD, "name": "bench"}
    if totp_key is not None and step is not None:
        body["otp"] = totp(totp_key, step)
    status, _loc, text = Browser(port).request("POST", "/api/v1/auth/token/", json_body=body)
    if status != 201:
        raise SystemExit(f"token for {username}: {status} {text[:200]}")
    return json.loads(text)["token"]


LUA_COMMON = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {}; sample = ""; counter = 0 end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= EXPECTED and sample == "" then sample = string.sub(body or "", 1, 300) end
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %f %f %f %f %d %d\\n", latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.requests / (summary.duration / 1e6), summary.requests,
    e.connect + e.read + e.write + e.timeout))
  for _, t in ipairs(threads) do
    for code, count in pairs(t:get("statuses")) do io.write(string.format("STATUS %d %d\\n", code, count)) end
    local s = t:get("sample")
    if s ~= "" then io.write("SAMPLE " .. string.gsub(s, "\\n", " ") .. "\\n") end
  end
end
"""


def lua_for(ep: dict) -> str:
    script = LUA_COMMON.replace("EXPECTED", str(ep["expected"]))
    if ep.get("lua_request"):
        script += ep["lua_request"]
    elif ep["method"] == "POST":
        script += f"wrk.method = 'POST'\nwrk.body = {json.dumps(ep['body'])}\n"
    return script


def run_wrk(port: int, ep: dict, seconds: int, connections: int) -> dict:
    script = OUT / f"wrk_{re.sub(r'[^a-z0-9]+', '_', ep['label'].lower())}.lua"
    script.write_text(lua_for(ep))
    argv = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s", "-s", str(script)]
    for name, value in ep["headers"].items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*argv, f"http://127.0.0.1:{port}{ep['path']}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("WRK "))
    _tag, p50, p95, p99, rps, total, socket_errors = line.split()
    statuses = {}
    for x in out.splitlines():
        if x.startswith("STATUS "):
            _t, code, count = x.split()
            statuses[int(code)] = statuses.get(int(code), 0) + int(count)
    samples = [x[7:] for x in out.splitlines() if x.startswith("SAMPLE ")]
    bad = sum(c for code, c in statuses.items() if code != ep["expected"]) + int(socket_errors)
    return {
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "rps": float(rps) * (1 - bad / max(1, int(total))),  # good answers per second
        "requests": int(total),
        "bad": bad,
        "statuses": statuses,
        "sample": samples[0] if samples else "",
    }


def drain(port: int, timeout: float = 120.0) -> None:
    """Wait until gunicorn answers a request queued behind whatever wrk left in flight."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
        connection.getresponse().read()
    finally:
        connection.close()


def transition_lua(ids: list[int], tokens: list[str]) -> str:
    """`take` on cases in turn; a case's second take (a later pass) is by the other technician, a take-over."""
    return f"""
local ids = {{{", ".join(str(i) for i in ids)}}}
local tokens = {{"Token {tokens[0]}", "Token {tokens[1]}"}}
function request()
  local n = #ids
  local i = counter % n
  local pass = math.floor(counter / n)
  counter = counter + 1
  local body = string.format('{{"action":"take","version":%d}}', 1 + pass)
  return wrk.format("POST", "/api/v1/cases/" .. ids[i + 1] .. "/transitions/",
    {{["Authorization"] = tokens[pass % 2 + 1], ["Content-Type"] = "application/json",
     ["X-Forwarded-Proto"] = "https", ["Accept"] = "application/json"}}, body)
end
"""


def reset_transition_cases(db: str, ids: list[int]) -> None:
    """Put the transition's cases back in the queue, unassigned, at version 1 (bench bookkeeping, not a
    product path): each run then starts from the same state."""
    db_sql(
        db,
        "UPDATE cases_case SET state = 'l2_mts_queue', assignee_id = NULL, version = 1 WHERE id = ANY(%s)",
        [ids],
    )


def machine_facts(db: str) -> dict[str, str]:
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    cpu = next(
        (x.split(":", 1)[1].strip() for x in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in x),
        platform.processor(),
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/RESULTS.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": cpu,
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "PostgreSQL": db_sql(db, "SHOW server_version")[0][0],
        "Python": platform.python_version(),
        "commit": commit + (" (with uncommitted changes)" if dirty else ""),
    }


def write_results(label: str, text: str) -> None:
    """Replace this label's section of bench/RESULTS.md (keeping the others)."""
    start, end = f"<!-- section: {label} -->", f"<!-- end: {label} -->"
    current = RESULTS.read_text() if RESULTS.exists() else "# Speed at scale: bench/bench_load.py\n\n"
    block = f"{start}\n{text.rstrip()}\n{end}\n"
    if start in current and end in current:
        before, rest = current.split(start, 1)
        _old, after = rest.split(end, 1)
        current = before + block + after.lstrip("\n")
    else:
        current = current.rstrip() + "\n\n" + block
    RESULTS.write_text(current)


def main() -> None:  # noqa: C901, PLR0912, PLR0915 - one straight script
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 100,000 cases and 20,000 dispatches")
    parser.add_argument("--reload", action="store_true", help="drop and rebuild the database")
    parser.add_argument("--db", default="husky_bench_load", help="database name prefix (the case count is added)")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--seconds", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--reps", type=int, default=3, help="wrk runs per endpoint (the best is kept)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--only", default="", help="comma-separated endpoint keys to run (floors always run)")
    parser.add_argument("--label", default="", help="RESULTS.md section name (default: the scale)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    n_cases = int(100_000 * args.scale)
    n_dispatches = int(20_000 * args.scale)
    args.db = f"{args.db}_{n_cases}"
    args.secret = secrets.token_urlsafe(64)
    (OUT / "static").mkdir(parents=True, exist_ok=True)

    started = clock.monotonic()
    if args.reload or not database_exists(args.db):
        recreate_database(args.db)
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=bench_env(args), check=True, timeout=900)
        loaded = run_child(args, "child_load", str(n_cases), str(n_dispatches), "7")
        print(f"loaded {n_cases:,} cases and {n_dispatches:,} dispatches in {loaded['loaded_seconds']} s")
    else:
        # The same code may have new migrations since the load (an index): apply them to the kept data.
        subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=bench_env(args), check=True, timeout=900)
    prepared = run_child(args, "child_prepare")
    if "error" in prepared:
        raise SystemExit(f"{args.db} holds no bench data; run with --reload")
    transition_ids = prepared["transition_ids"]
    wrk_ids, inprocess_ids = transition_ids[:-12], transition_ids[-12:]
    reset_transition_cases(args.db, transition_ids)

    port = args.port or free_port()
    gunicorn = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "husky_support.wsgi", "-b", f"127.0.0.1:{port}"]
        + ["--workers", str(args.workers), "--log-level", "warning"],
        cwd=ROOT,
        env=bench_env(args),
    )
    rows = []
    try:
        wait_until_up(port, gunicorn)
        keys = prepared["totp"]
        step = int(clock.time()) // 30
        # One code per step and device: tech0's session takes the current step, its token the next one
        # (django-otp accepts one step of drift and refuses a step it has already seen).
        mts_token = obtain_token(port, "tech0", keys["tech0"], step)
        mts_cookie = sign_in_session(port, "tech0", keys["tech0"], step + 1)
        tech1_token = obtain_token(port, "tech1", keys["tech1"], step)
        reseller_token = obtain_token(port, "reseller-agent", None, None)
        dell_token = obtain_token(port, "dell-agent", None, None)
        dell_cookie = sign_in_session(port, "dell-agent", None, None)
        base = {"X-Forwarded-Proto": "https"}
        html = {**base, "Accept": "text/html"}
        api = {**base, "Accept": "application/json"}

        def tok(t: str) -> dict:
            return {**api, "Authorization": f"Token {t}"}

        create_body = {**CREATE_BODY, "service_tag": prepared["service_tag"]}
        page_case = prepared["page_case"]
        endpoints = [
            {"key": "f1", "label": "F1 floor: .values() JSON, first 50 cases", "path": "/bench-floor/values/",
             "headers": api, "floor": True},
            {"key": "f3", "label": "F3 floor: DRF list, token auth, count", "path": "/bench-floor/drf/",
             "headers": tok(mts_token), "floor": True},
            {"key": "queue", "label": "triage queue page (MTS, 2FA session)", "path": "/cases/queue/",
             "headers": {**html, "Cookie": mts_cookie}},
            {"key": "cases_mts", "label": "GET /api/v1/cases/ (MTS token)", "path": "/api/v1/cases/",
             "headers": tok(mts_token)},
            {"key": "cases_reseller", "label": "GET /api/v1/cases/ (reseller token)", "path": "/api/v1/cases/",
             "headers": tok(reseller_token)},
            {"key": "case_page", "label": f"case page ({prepared['page_case_events']} events, a dispatch)",
             "path": f"/cases/{page_case}/", "headers": {**html, "Cookie": mts_cookie}},
            {"key": "dell_queue", "label": "Dell's dispatch queue page", "path": "/dispatch/queue/",
             "headers": {**html, "Cookie": dell_cookie}},
            {"key": "dispatches", "label": "GET /api/v1/dispatches/ (Dell token)", "path": "/api/v1/dispatches/",
             "headers": tok(dell_token)},
            {"key": "create", "label": "POST /api/v1/cases/ (reseller, creates/s)", "path": "/api/v1/cases/",
             "headers": {**tok(reseller_token), "Content-Type": "application/json"}, "method": "POST",
             "body": json.dumps(create_body), "expected": 201},
            {"key": "transition", "label": "POST /api/v1/cases/{id}/transitions/ take", "path": "/api/v1/cases/",
             "headers": tok(mts_token), "method": "POST", "expected": 200,
             "lua_request": transition_lua(wrk_ids, [mts_token, tech1_token]),
             # In-process: one take each on cases wrk does not use.
             "inprocess_paths": [f"/api/v1/cases/{i}/transitions/" for i in inprocess_ids[:6]],
             "inprocess_bodies": [json.dumps({"action": "take", "version": 1})] * 6},
            # The MTS report (docs/rules.md "Reports"), its default period, over the whole archive. Last in a
            # round: its slow answers are the longest for the server to finish once wrk has stopped.
            {"key": "reports", "label": "reports page (MTS, default period)", "path": "/reports/",
             "headers": {**html, "Cookie": mts_cookie}},
        ]  # fmt: skip
        only = {k for k in args.only.split(",") if k}
        endpoints = [ep for ep in endpoints if not only or ep.get("floor") or ep["key"] in only]
        for ep in endpoints:
            ep.setdefault("method", "GET")
            ep.setdefault("expected", 200)
        spec = OUT / "bench_load_spec.json"
        # The run's secret too (a throw-away key of a local run, under the ignored bench/out/): the sessions'
        # auth hashes are keyed by it, and bench/profile_load.py replays these sessions in-process.
        spec.write_text(json.dumps({"endpoints": endpoints, "secret": args.secret}))

        # Round after round over every endpoint (not one endpoint's runs back to back): each endpoint, the
        # floors included, then meets the same spread of the machine's other load, and the best run of each
        # is compared with the floors' best.
        best: dict[str, dict] = {}
        totals: dict[str, tuple[int, int]] = {}
        for rep in range(args.reps):
            print(f"round {rep + 1} of {args.reps}", flush=True)
            for ep in endpoints:
                if ep["key"] == "transition":
                    reset_transition_cases(args.db, wrk_ids)
                result = run_wrk(port, ep, args.seconds, args.connections)
                # The requests wrk left in flight when it stopped still hold the 2 sync workers (a slow page's
                # backlog is seconds of work): the next endpoint starts once the server answers again.
                drain(port)
                print(
                    f"  {ep['label']:<48} {result['rps']:7.1f} req/s  p50 {result['p50']:6.1f}  "
                    f"p95 {result['p95']:6.1f}  p99 {result['p99']:6.1f} ms  bad {result['bad']}"
                    + (f"  statuses {result['statuses']}  {result['sample'][:200]}" if result["bad"] else ""),
                    flush=True,
                )
                bad, total = totals.get(ep["key"], (0, 0))
                totals[ep["key"]] = (bad + result["bad"], total + result["requests"])
                if ep["key"] not in best or result["rps"] > best[ep["key"]]["rps"]:
                    best[ep["key"]] = result
        rows = [
            (ep, {**best[ep["key"]], "all_bad": totals[ep["key"]][0], "all_requests": totals[ep["key"]][1]})
            for ep in endpoints
        ]
    finally:
        gunicorn.terminate()
        try:
            gunicorn.wait(timeout=15)
        except subprocess.TimeoutExpired:
            gunicorn.kill()
    reset_transition_cases(args.db, transition_ids)
    measured = run_child(args, "child_measure", repr(str(spec)))
    facts = machine_facts(args.db)

    f1 = next(r for ep, r in rows if ep["key"] == "f1")["rps"]
    f3 = next(r for ep, r in rows if ep["key"] == "f3")["rps"]
    label = args.label or f"{prepared['cases']:,} cases, {prepared['dispatches']:,} dispatches"
    lines = [
        f"## {label}",
        "",
        f"{prepared['cases']:,} cases, {prepared['dispatches']:,} dispatches; gunicorn {args.workers} sync workers, "
        f"production settings; wrk 1 thread, {args.connections} connections, {args.seconds} s × {args.reps} runs "
        "per endpoint, round-robin (the best run shown; req/s counts only the expected answers; failures are "
        "those of every run). SQL measured in-process (median of 5 requests).",
        "",
        "| " + " | ".join(f"{k}: {v}" for k, v in facts.items()) + " |",
        "",
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | SQL queries | SQL ms | × F1 | × F3 | failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ep, r in rows:
        m = measured.get(ep["label"], {})
        failures = f"{r['all_bad']} of {r['all_requests']}" + (f" (best run: {r['statuses']})" if r["all_bad"] else "")
        lines.append(
            f"| {ep['label']} | {r['rps']:.0f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['p99']:.1f} | "
            f"{m.get('queries', '?')} | {m.get('sql_ms', '?')} | {r['rps'] / f1:.2f} | {r['rps'] / f3:.2f} | "
            f"{failures} |"
        )
    lines += ["", f"Load and run: {clock.monotonic() - started:.0f} s.", ""]
    lines += ["<details><summary>Each endpoint's slowest query, EXPLAIN ANALYZE</summary>", ""]
    for ep, _r in rows:
        m = measured.get(ep["label"])
        if not m or not m["plan"]:
            continue
        lines += [f"**{ep['label']}** ({m['slowest_ms']} ms):", "", "```"]
        lines += [m["slowest_sql"], "", *m["plan"], "```", ""]
    lines += ["</details>"]
    text = "\n".join(lines)
    print("\n" + "\n".join(lines[: 8 + len(rows)]))
    failures = [(ep, r) for ep, r in rows if r["all_bad"]]
    for ep, r in failures:
        print(f"FAILURES {ep['label']}: {r['statuses']} {r['sample'][:300]}")
    for ep, _r in rows:
        statuses = measured.get(ep["label"], {}).get("statuses", [])
        if statuses and statuses != [ep["expected"]]:
            print(f"IN-PROCESS {ep['label']}: statuses {statuses}")
    if not args.no_write:
        write_results(label, text)
        print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
