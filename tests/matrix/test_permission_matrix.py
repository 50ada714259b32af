"""The permission matrix: every API route and every page of the URL configuration, for each organisation kind
(and anonymous) × {a record of its own chain, a record of another organisation's} × each method, asserts the
answer the product promises (docs/rules.md "Who uses it"):

- anonymous: 401 JSON on the API whatever the method, a redirect to the sign-in page for pages;
- a record outside the viewer's slice: 404, never 403, and nothing written;
- a forbidden action on a record the viewer may see, or a page its kind may not use: 403, nothing written;
- an allowed read: 200; an allowed write passes the gate (a 2xx, or the validation 400/409 of its input).

A route this table does not know fails the test, so a new page or endpoint is placed in the matrix the day it
is added. Writes are sent with a body that passes validation where the role check needs one (`VALID`), and with
an empty body otherwise: who may take each *transition* of a case or a dispatch is the transition tables'
business (tests/cases/test_workflow.py, tests/dispatch/test_workflow.py), the gate in front of them is this
module's. Every probe runs in a savepoint rolled back afterwards, so one role's write never changes what the
next role meets."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse

from tests.matrix.routes import Route, all_routes
from tests.matrix.world import ROLES, Side, World, build_world

R, RA, D, M, MA, DL = "reseller_admin", "reseller_agent", "distributor", "mts", "mts_admin", "dell"
PARTNERS = frozenset({R, RA, D})
MTS = frozenset({M, MA})
ALL = PARTNERS | MTS | {DL}
ADMINS = frozenset({R, D, MA})  # organisation admins
NOBODY: frozenset[str] = frozenset()

# Who sees world A's record (the roles' own chain) and world B's (another reseller's, dispatched to another Dell).
SEES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "case": (ALL, MTS),
    "dispatch": (ALL, MTS),
    # Dell confirms service-tag transfers: it sees every submitted transfer and its unit.
    "unit": (ALL, MTS | {DL}),
    "transfer": (ALL, MTS | {DL}),
    "order": (PARTNERS | MTS, MTS),
    "organisation": (PARTNERS | MTS, MTS),
    "user": (PARTNERS | MTS, MTS),
    # Tokens, endpoints and people are managed by the admins of their own organisation only.
    "token": (frozenset({R}), NOBODY),
    "endpoint": (frozenset({R}), NOBODY),
    "member": (frozenset({R}), NOBODY),
    "team": (MTS, MTS),  # one record: MTS's own
    "sla_policy": (MTS, MTS),
    "coverage": (ALL, ALL),
    "override": (ALL, ALL),
    "report": (ALL - {DL}, ALL - {DL}),  # the backlog figure: Dell has no case backlog
}


@dataclass(frozen=True)
class Ok:
    """Who may use a method, and the answer of an allowed use of it."""

    who: frozenset[str]
    status: tuple[int, ...] = (200,)
    body: object = None  # (side, world) -> dict | None: the request body; None sends nothing / an empty object
    forbidden: tuple[int, ...] = (403,)  # what a role outside `who` that sees the record gets


@dataclass(frozen=True)
class Spec:
    obj: str | None = None  # the record kind in the URL (SEES), None for a collection or a page without one
    methods: dict[str, Ok] = field(default_factory=dict)
    public: bool = False  # answers anonymous callers as anyone else
    anonymous: tuple[int, ...] | None = None  # overrides the anonymous answer


GATE = (200, 201, 202, 204, 400, 409)  # passed the gate; the empty body then answered by validation or state
PAGE_WRITE = (200, 302, 400, 409)  # a page form: saved (redirect) or shown again with its errors


def read(who=ALL):
    return Ok(who=frozenset(who))


def write(who, status=GATE, body=None, forbidden=(403,)):
    return Ok(who=frozenset(who), status=tuple(status), body=body, forbidden=tuple(forbidden))


def CASE_PATCH(side, world):  # noqa: N802 - a body, named like the others
    side.case.refresh_from_db()
    return {"title": "Drive 3 replaced, rebuild running", "version": side.case.version}


USER_NEW = lambda s, w: {"username": "new-colleague", "email": "new@example.com"}  # noqa: E731

API: dict[str, Spec] = {
    "token-obtain": Spec(public=True, methods={"post": write(ALL, status=(400,))}, anonymous=(400,)),
    "me": Spec(methods={"get": read()}),
    "event-feed": Spec(methods={"get": read()}),
    "organisation-list": Spec(methods={"get": read()}),
    "organisation-detail": Spec(
        obj="organisation",
        methods={"get": read(), "patch": write({R}, status=(200,), body=lambda s, w: {"monthly_report": True})},
    ),
    "user-list": Spec(methods={"get": read(), "post": write(ADMINS, status=(201,), body=USER_NEW)}),
    "user-detail": Spec(
        obj="user", methods={"get": read(), "patch": write({R}, status=(200,), body=lambda s, w: {"role": "agent"})}
    ),
    "token-list": Spec(methods={"get": read(), "post": write(ALL, status=(201,), body=lambda s, w: {"name": "ERP"})}),
    "token-detail": Spec(obj="token", methods={"delete": write({R}, status=(204,))}),
    "webhook-list": Spec(
        methods={
            "get": read(),
            "post": write(ADMINS, status=(400,)),
        }
    ),
    "webhook-detail": Spec(
        obj="endpoint",
        methods={"get": read({R}), "patch": write({R}, status=(200,)), "delete": write({R}, status=(204,))},
    ),
    "webhook-deliveries": Spec(obj="endpoint", methods={"get": read({R})}),
    "webhook-ping": Spec(obj="endpoint", methods={"post": write({R}, status=(202,))}),
    "webhook-redeliver": Spec(obj="endpoint", methods={"post": write({R}, status=(400,))}),
    "webhook-rotate-secret": Spec(obj="endpoint", methods={"post": write({R}, status=(200,))}),
    "unit-list": Spec(methods={"get": read()}),
    "unit-detail": Spec(obj="unit", methods={"get": read()}),
    "unit-eligibility": Spec(obj="unit", methods={"get": Ok(who=ALL, status=(400,))}),  # qualified_at missing
    "order-list": Spec(methods={"get": read(), "post": write(ALL, status=(400,))}),
    "order-detail": Spec(obj="order", methods={"get": read()}),
    "transfer-list": Spec(methods={"get": read(), "post": write(ALL, status=(400,))}),
    "transfer-detail": Spec(
        obj="transfer",
        methods={
            "get": read(),
            "patch": write(PARTNERS, status=(400,)),  # submitted: no longer editable
            "put": write(NOBODY, forbidden=(405,)),
        },
    ),
    "transfer-submit": Spec(obj="transfer", methods={"post": write(PARTNERS, status=(400,))}),
    "transfer-confirm": Spec(obj="transfer", methods={"post": write(MTS | {DL}, status=(200,))}),
    "transfer-reject": Spec(
        obj="transfer", methods={"post": write(MTS | {DL}, status=(200,), body=lambda s, w: {"reason": "Wrong city"})}
    ),
    "case-list": Spec(methods={"get": read(), "post": write(ALL, status=(400,))}),
    "case-detail": Spec(
        # At Dell the checklist is MTS's to change: partners pass the gate and meet the state's 409.
        obj="case",
        methods={"get": read(), "patch": write(PARTNERS | MTS, status=(200, 409), body=CASE_PATCH)},
    ),
    "case-attachments": Spec(obj="case", methods={"get": read(), "post": write(ALL, status=(415,))}),
    "case-attachment-download": Spec(obj="case", methods={"get": read()}),
    "case-comments": Spec(
        obj="case",
        methods={"get": read(), "post": write(PARTNERS | MTS, status=(201,), body=lambda s, w: {"body": "Any news?"})},
    ),
    "case-events": Spec(obj="case", methods={"get": read()}),
    "case-follow": Spec(
        obj="case", methods={"post": write(ALL, status=(200, 201)), "delete": write(ALL, status=(200, 204))}
    ),
    "case-followers": Spec(obj="case", methods={"get": read()}),
    "case-move-team": Spec(
        obj="case",
        methods={"post": write({MA}, body=lambda s, w: {"team": w.team.pk, "version": s.case.version})},
    ),
    "case-transitions": Spec(obj="case", methods={"get": read(), "post": write(ALL, status=(400,))}),
    "team-list": Spec(methods={"get": read(), "post": write(ALL, status=(400,))}),
    "team-detail": Spec(obj="team", methods={"get": read(MTS), "patch": write({MA}, status=(200,))}),
    "sla-policy-list": Spec(methods={"get": read(), "post": write(ALL, status=(400,))}),
    "sla-policy-detail": Spec(obj="sla_policy", methods={"get": read(MTS)}),
    "notification-list": Spec(methods={"get": read()}),
    "notification-mark-read": Spec(methods={"post": write(ALL, status=(200,))}),
    "my-preferences": Spec(methods={"get": read(), "patch": write(ALL, status=(200,))}),
    "coverage-list": Spec(methods={"get": read()}),
    "coverage-detail": Spec(
        obj="coverage", methods={"get": read(), "patch": write({MA}, status=(200,)), "put": write({MA}, status=(400,))}
    ),
    "dispatch-list": Spec(methods={"get": read()}),
    "dispatch-detail": Spec(obj="dispatch", methods={"get": read()}),
    "dispatch-transitions": Spec(obj="dispatch", methods={"get": read(), "post": write(ALL, status=(400,))}),
    "dispatch-schedule": Spec(obj="dispatch", methods={"post": write(ALL, status=(400,))}),
    "dispatch-reschedule": Spec(obj="dispatch", methods={"post": write(ALL, status=(400,))}),
    "dispatch-outcome": Spec(obj="dispatch", methods={"post": write(ALL, status=(400,))}),
    "dispatch-site": Spec(obj="dispatch", methods={"patch": write(ALL, status=(400,))}),
    "dispatch-clearance": Spec(obj="dispatch", methods={"post": write(ALL, status=(400,))}),
    "dispatch-notes": Spec(obj="dispatch", methods={"post": write(ALL, status=(400,))}),
    "dispatch-fees": Spec(obj="dispatch", methods={"get": read()}),
    "dispatch-parts": Spec(obj="dispatch", methods={"get": read(), "post": write(ALL, status=(400,))}),
    "dispatch-part": Spec(obj="dispatch", methods={"patch": write(MTS | {DL}, status=(200,))}),
    "dispatch-waive-fee": Spec(obj="dispatch", methods={"post": write(ALL, status=(400,))}),
    "reports": Spec(methods={"get": read()}),
    "report-figure": Spec(obj="report", methods={"get": read(ALL - {DL})}),
    "schema": Spec(public=True, methods={"get": read()}),
    "swagger-ui": Spec(public=True, methods={"get": read()}),
}

PAGE_FORBIDDEN = (403, 302)  # a page refuses with 403, or redirects back with its reason in a flash message


def page_read(who=ALL, status=(200,)):
    return Ok(who=frozenset(who), status=tuple(status), forbidden=(403,))


def page_write(who=ALL, status=PAGE_WRITE):
    return Ok(who=frozenset(who), status=tuple(status), forbidden=PAGE_FORBIDDEN)


PAGES: dict[str, Spec] = {
    "home": Spec(methods={"get": page_read()}),
    "healthz": Spec(public=True, methods={"get": page_read()}),
    "login": Spec(
        public=True, anonymous=(200,), methods={"get": page_read(status=(302,)), "post": page_read(status=(302,))}
    ),
    "logout": Spec(methods={"post": page_write(status=(302,))}),
    "password_change": Spec(methods={"get": page_read(), "post": page_write()}),
    "password_change_done": Spec(methods={"get": page_read()}),
    "password_reset": Spec(public=True, anonymous=(200,), methods={"get": page_read(), "post": page_write()}),
    "password_reset_done": Spec(public=True, anonymous=(200,), methods={"get": page_read()}),
    "password_reset_complete": Spec(public=True, anonymous=(200,), methods={"get": page_read()}),
    "two_factor_setup": Spec(methods={"get": page_read(), "post": page_write()}),
    "two_factor_verify": Spec(methods={"get": page_read(status=(302,)), "post": page_write(status=(302,))}),
    "partners:follow_all_cases": Spec(methods={"post": page_write(ADMINS)}),
    "partners:monthly_report": Spec(methods={"post": page_write(ADMINS)}),
    "partners:members": Spec(methods={"get": page_read(ADMINS), "post": page_write(ADMINS)}),
    "partners:member_update": Spec(obj="member", methods={"post": page_write({R})}),
    "partners:tokens": Spec(methods={"get": page_read(), "post": page_write()}),
    "partners:security_log": Spec(methods={"get": page_read(ADMINS)}),
    "partners:token_revoke": Spec(obj="token", methods={"post": page_write({R})}),
    "partners:integrations": Spec(methods={"get": page_read(ADMINS), "post": page_write(ADMINS)}),
    "partners:integration_detail": Spec(obj="endpoint", methods={"get": page_read({R}), "post": page_write({R})}),
    "partners:integration_action": Spec(obj="endpoint", methods={"post": page_write({R})}),
    "servicetags:unit_list": Spec(methods={"get": page_read()}),
    "servicetags:unit_detail": Spec(obj="unit", methods={"get": page_read()}),
    "servicetags:order_list": Spec(methods={"get": page_read()}),
    "servicetags:order_new": Spec(methods={"get": page_read({D}), "post": page_write({D})}),
    "servicetags:order_detail": Spec(obj="order", methods={"get": page_read()}),
    "servicetags:transfer_queue": Spec(methods={"get": page_read()}),
    "servicetags:transfer_detail": Spec(obj="transfer", methods={"get": page_read()}),
    # A submitted transfer is no longer editable: everyone who sees it is sent back to it.
    "servicetags:transfer_edit": Spec(obj="transfer", methods={"get": page_read(status=(302,)), "post": page_write()}),
    "servicetags:transfer_action": Spec(obj="transfer", methods={"post": page_write()}),
    "servicetags:transfer_new": Spec(obj="unit", methods={"get": page_read(PARTNERS), "post": page_write(PARTNERS)}),
    "cases:list": Spec(methods={"get": page_read()}),
    "cases:queue": Spec(methods={"get": page_read(MTS)}),
    "cases:notifications": Spec(methods={"get": page_read()}),
    "cases:notification_badge": Spec(methods={"get": page_read()}),
    "cases:create": Spec(methods={"get": page_read(PARTNERS), "post": page_write(PARTNERS)}),
    "cases:checklist": Spec(methods={"post": page_write()}),
    # The open-case form's lookup: Dell opens no cases, so it knows no unit for Dell.
    "cases:unit_lookup": Spec(methods={"get": Ok(who=ALL - {DL}, forbidden=(404,))}),
    "cases:detail": Spec(obj="case", methods={"get": page_read()}),
    "cases:edit": Spec(obj="case", methods={"get": page_read(PARTNERS | MTS), "post": page_write(PARTNERS | MTS)}),
    "cases:transition": Spec(obj="case", methods={"post": page_write()}),
    "cases:comment": Spec(obj="case", methods={"post": page_write()}),
    "cases:follow": Spec(obj="case", methods={"post": page_write()}),
    "cases:attachment_upload": Spec(obj="case", methods={"post": page_write()}),
    "cases:attachment_download": Spec(obj="case", methods={"get": page_read()}),
    "dispatch:unit_eligibility": Spec(obj="unit", methods={"get": page_read()}),
    "dispatch:queue": Spec(methods={"get": page_read(MTS | {DL})}),
    "dispatch:schedule": Spec(methods={"get": page_read(MTS | {DL})}),
    "dispatch:coverage": Spec(methods={"get": page_read()}),
    "dispatch:coverage_add": Spec(methods={"post": page_write({MA})}),
    "dispatch:coverage_edit": Spec(obj="coverage", methods={"post": page_write({MA})}),
    "dispatch:override_add": Spec(methods={"post": page_write({MA})}),
    "dispatch:override_edit": Spec(obj="override", methods={"post": page_write({MA})}),
    "dispatch:override_delete": Spec(obj="override", methods={"post": page_write({MA})}),
    "dispatch:escalate": Spec(obj="case", methods={"post": page_write()}),
    "dispatch:transition": Spec(obj="dispatch", methods={"post": page_write()}),
    "dispatch:site": Spec(obj="dispatch", methods={"post": page_write()}),
    "dispatch:clearance": Spec(obj="dispatch", methods={"post": page_write()}),
    "dispatch:part_add": Spec(obj="dispatch", methods={"post": page_write()}),
    "dispatch:part_update": Spec(obj="dispatch", methods={"post": page_write()}),
    "dispatch:fee_waive": Spec(obj="dispatch", methods={"post": page_write()}),
    "dispatch:note": Spec(obj="dispatch", methods={"post": page_write()}),
    "dispatch:visit_check": Spec(obj="dispatch", methods={"get": page_read()}),
    "reports:page": Spec(methods={"get": page_read()}),
    "reports:csv": Spec(obj="report", methods={"get": page_read(ALL - {DL})}),
}

# Routes outside the matrix, each with the reason.
OUTSIDE = {
    "": "the API's catch-all: any unknown path under /api/ answers a JSON 404 (tests/api/test_writes_answer_json.py)",
    "password_reset_confirm": "a signed one-time link, not a record of an organisation",
    "redoc": "a permanent redirect to the interactive API docs",
}
ADMIN_REASON = "Django's admin site: staff of MTS only, by its own gate (tests/test_admin.py)"
# Records that are the same for both worlds: probed once.
SHARED = {"team", "sla_policy", "coverage", "override", "report", None}


def _kwargs(route: Route, side: Side, world: World) -> dict[str, object]:
    values = {
        "number": side.case.number,
        "service_tag": side.unit.service_tag,
        "user_id": side.user.pk,
        "token_key": side.token_key,
        "endpoint_id": side.endpoint.pk,
        "attachment_id": side.attachment.pk,
        "part_id": side.part.pk,
        "fee_id": side.fee.pk,
        "country": "DK",
        "priority": world.sla_policy.priority if world.sla_policy else "p1_critical",
        "key": "backlog",
        "action": "submit" if route.name.startswith("servicetags:") else "ping",
    }
    pk_of = {
        "dispatch": side.dispatch,
        "order": side.order,
        "transfer": side.transfer,
        "user": side.user,
        "organisation": side.organisation,
        "webhook": side.endpoint,
        "integration": side.endpoint,
        "team": world.team,
        "override": world.override,
        "case": side.case,
    }
    kwargs = {}
    for arg in route.args:
        if arg == "pk":
            resource = route.name.split(":")[-1].split("-")[0].split("_")[0]
            if resource not in pk_of:  # the dispatch panel's forms: dispatch:transition, dispatch:part_add, ...
                resource = route.name.split(":")[0]
            kwargs[arg] = pk_of[resource].pk
        else:
            kwargs[arg] = values[arg]
    return kwargs


QUERIES = {"cases:unit_lookup": "service_tag=ABC1234", "dispatch:unit_eligibility": "", "reports:csv": ""}


@cache
def _fingerprint_sql() -> str:
    parts = []
    for app in ("partners", "servicetags", "cases", "dispatch", "knox"):
        for model in apps.get_app_config(app).get_models():
            if model.__name__ in {"SecurityEvent"}:  # a refused request may be logged for the security team
                continue
            table = connection.ops.quote_name(model._meta.db_table)
            parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608 - our own table names, quoted
            if any(f.name == "version" for f in model._meta.fields):
                parts.append(f"(SELECT COALESCE(SUM(version), 0) FROM {table})")  # noqa: S608
    return "SELECT " + ", ".join(parts)


def _fingerprint() -> tuple:
    """Row counts and version sums of every table of ours, in one query: a refused request must leave them as
    they were."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return tuple(cursor.fetchone())


def _client(world: World, role: str, api: bool) -> Client:
    client = Client(raise_request_exception=False)
    if role == "anonymous":
        return client
    if api:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {world.tokens[role]}"
    else:
        client.force_login(world.users[role])
    return client


def _send(client: Client, method: str, url: str, body, api: bool):
    if method == "get":
        return client.get(url)
    if api:
        return client.generic(method.upper(), url, json.dumps(body or {}), content_type="application/json")
    return client.generic(method.upper(), url, b"", content_type="application/x-www-form-urlencoded")


def _expected(spec: Spec, ok: Ok | None, role: str, which: str, api: bool) -> tuple[int, ...]:
    if ok is not None and ok.forbidden == (405,) and role != "anonymous":
        return (405,)  # a method the route declares and refuses for everyone, before any lookup
    if ok is None:  # a method the route does not answer: the sign-in gate first, then 405
        if role == "anonymous" and not spec.public:
            return (401,) if api else (302,)
        return (405,)
    if role == "anonymous":
        if spec.anonymous is not None:
            return spec.anonymous
        if spec.public:
            return ok.status
        return (401,) if api else (302,)
    if spec.obj is not None:
        own, other = SEES[spec.obj]
        if role not in (own if which == "own" else other):
            # A page a role's kind may not use at all may be refused before the record is looked up.
            return (403, 404) if not api and role not in ok.who else (404,)
    if role in ok.who:
        return ok.status
    return ok.forbidden


def _matrix_routes() -> list[Route]:
    return [r for r in all_routes() if not r.pattern.startswith("admin/")]


ROUTES = _matrix_routes()


def test_every_route_is_in_the_matrix():
    known = set(API) | set(PAGES) | set(OUTSIDE)
    unknown = sorted(f"{r.name or '(unnamed)'}  {r.pattern}" for r in ROUTES if r.name not in known)
    assert unknown == [], "Place these routes in the permission matrix:\n" + "\n".join(unknown)
    stale = sorted(known - {r.name for r in ROUTES})
    assert stale == [], f"The matrix names routes that are gone: {stale}"
    for route in ROUTES:
        spec = API.get(route.name)
        if route.api and spec is not None:
            assert set(route.methods) == set(spec.methods), f"{route.name}: the view answers {route.methods}"
    probes = sum(
        (1 if spec.obj in SHARED else 2) * len(set(spec.methods) | set(route.methods)) * len(ROLES)
        for route in ROUTES
        if (spec := API.get(route.name) or PAGES.get(route.name)) is not None
    )
    print(f"permission matrix: {len(API)} API routes, {len(PAGES)} pages, {probes} probes")
    assert probes > 1000


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in ROUTES if r.name in API or r.name in PAGES], ids=lambda r: r.name)
def test_permission_matrix(route: Route):
    world = build_world()
    spec = API[route.name] if route.api else PAGES[route.name]
    sides = [("own", world.own)] if spec.obj in SHARED else [("own", world.own), ("other", world.other)]
    methods = sorted(set(spec.methods) | set(route.methods))
    failures, probes = [], 0
    for which, side in sides:
        url = reverse(route.name, kwargs=_kwargs(route, side, world))
        if QUERIES.get(route.name):
            url += "?" + QUERIES[route.name]
        for method in methods:
            ok = spec.methods.get(method)
            for role in ROLES:
                expected = _expected(spec, ok, role, which, route.api)
                client = _client(world, role, route.api)
                with transaction.atomic():
                    before = _fingerprint()
                    body = ok.body(side, world) if ok and ok.body else None
                    response = _send(client, method, url, body, route.api)
                    after = _fingerprint()
                    transaction.set_rollback(True)
                probes += 1
                status = response.status_code
                if status not in expected:
                    failures.append(f"{method.upper()} {which} as {role}: {status}, expected {expected}")
                    continue
                if status >= 400 and before != after:
                    failures.append(f"{method.upper()} {which} as {role}: refused with {status} but wrote a row")
                if route.api and role == "anonymous" and not spec.public:
                    assert response["Content-Type"].startswith("application/json"), route.name
                if not route.api and role == "anonymous" and not spec.public and status == 302:
                    assert response["Location"].startswith("/accounts/login/"), (route.name, response["Location"])
    print(f"{route.name}: {probes} probes")
    assert failures == [], f"{route.name} ({route.pattern}):\n" + "\n".join(failures)


@pytest.mark.django_db
def test_the_fingerprint_sees_a_write():
    """The matrix's "nothing written" check would be blind if a row could change without it noticing."""
    world = build_world()
    before = _fingerprint()
    _client(world, R, api=True).post(
        f"/api/v1/cases/{world.own.case.pk}/comments/", {"body": "Any news?"}, content_type="application/json"
    )
    assert _fingerprint() != before
