"""No 5xx from any page form, whatever the bytes: every form the portal renders for a reseller admin, an MTS
admin and Dell is read off its page and posted back with each field holding a hostile value (a percent sign,
NUL, a lone surrogate, 10,000 characters, a non-numeric id or version) and with its fields missing. The answer is
the form again with its errors, a redirect with a message, or a 4xx; never a server error."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from tests.matrix.routes import all_routes
from tests.matrix.test_permission_matrix import DL, MA, PAGES, D, R, _client, _kwargs
from tests.matrix.world import World, build_world

pytestmark = pytest.mark.django_db

# Pages that carry the portal's forms, by role; their forms post to the routes of PAGES.
FORM_PAGES = [
    "home",
    "password_change",
    "two_factor_setup",
    "partners:members",
    "partners:tokens",
    "partners:integrations",
    "partners:integration_detail",
    "servicetags:unit_detail",
    "servicetags:order_new",
    "servicetags:transfer_detail",
    "servicetags:transfer_new",
    "cases:create",
    "cases:detail",
    "cases:edit",
    "dispatch:coverage",
    "dispatch:queue",
    "reports:page",
]

HOSTILE = {
    "percent": quote("100% %s %(x)s"),
    "nul": quote("a\x00b"),
    "lone-surrogate": "%ED%A0%80",  # the UTF-8-style bytes of U+D800: not valid UTF-8
    "long": "a" * 10_000,
    "not-a-number": "x1",
}


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list[str]]] = []
        self._current: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._current = (attrs.get("action") or "", [])
            self.forms.append(self._current)
        elif self._current is not None and tag in {"input", "select", "textarea", "button"}:
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken":
                self._current[1].append(name)

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


def _forms_of(client: Client, url: str) -> list[tuple[str, list[str]]]:
    response = client.get(url)
    if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
        return []
    parser = _Forms()
    parser.feed(response.content.decode())
    return [(action or url, sorted(set(names))) for action, names in parser.forms]


def _page_url(name: str, world: World) -> str:
    route = next(r for r in all_routes() if r.name == name)
    return reverse(name, kwargs=_kwargs(route, world.own, world))


def _posts(world: World, role: str) -> dict[str, list[str]]:
    client = _client(world, role, api=False)
    found: dict[str, set[str]] = {}
    for name in FORM_PAGES:
        for action, names in _forms_of(client, _page_url(name, world)):
            path = urlsplit(action).path
            if path.startswith("/accounts/logout"):
                continue
            found.setdefault(path, set()).update(names)
    return {path: sorted(names) for path, names in found.items()}


@pytest.mark.parametrize("role", [R, MA, DL])
def test_every_page_form_answers_hostile_values_without_a_server_error(role):
    world = build_world()
    forms = _posts(world, role)
    assert len(forms) >= 5, forms  # the walk found the role's forms
    client = _client(world, role, api=False)
    client.raise_request_exception = False
    failures = []
    for path, names in forms.items():
        failures += _sweep(client, path, names)
    assert failures == [], "\n".join(failures)


def _sweep(client: Client, path: str, names: list[str]) -> list[str]:
    bodies = {"missing": ""}
    for kind, value in HOSTILE.items():
        bodies[kind] = "&".join(f"{name}={value}" for name in names)
    failures = []
    for kind, body in bodies.items():
        response = client.generic("POST", path, body, content_type="application/x-www-form-urlencoded")
        if response.status_code >= 500:
            failures.append(f"{path} {kind}: {response.status_code}")
    return failures


def test_post_routes_no_swept_page_renders_a_form_for_get_every_field_name_the_portal_uses():
    """A form shown only in another state (a draft transfer, a case under investigation, a clearance to send)
    or posted by htmx is swept too: with every field name any form of the portal carries, for each role."""
    world = build_world()
    reached, names = set(), set()
    for role in (R, MA, DL):
        for path, fields in _posts(world, role).items():
            reached.add(path)
            names.update(fields)
    names.update({"version", "action", "note", "reason", "body", "outcome", "accept_fee", "visit_start_at"})
    post_routes = {name for name, spec in PAGES.items() if "post" in spec.methods}
    failures, swept = [], 0
    for route in all_routes():
        if route.name not in post_routes or route.name in NOT_ON_A_PAGE:
            continue
        path = reverse(route.name, kwargs=_kwargs(route, world.own, world))
        if path in reached:
            continue
        for role in (R, D, MA, DL):
            client = _client(world, role, api=False)
            client.raise_request_exception = False
            failures += _sweep(client, path, sorted(names))
            swept += 1
    assert swept >= 8
    assert failures == [], "\n".join(failures)


# POST routes whose forms live elsewhere than the swept pages, with where.
NOT_ON_A_PAGE = {
    "login": "the sign-in page (tests/browser/test_sign_in.py)",
    "logout": "the navigation's sign-out button: no fields",
    "password_reset": "the reset page, outside a session",
    "two_factor_verify": "reached only with a device (tests/partners/test_twofactor.py)",
}
