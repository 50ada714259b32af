"""A write to any /api/ path answers JSON with a code, never Django's HTML CSRF page: 401 without
credentials, 403 `csrf_failed` for a signed-in browser session that did not send its CSRF token, a JSON 404
or 405 where there is nothing to write. The operations come from the schema, so a new route is covered."""

import json
import re

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from partners.services import token_create

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
WRITE_METHODS = ("post", "put", "patch", "delete")
WRITES = [
    (method, path, op) for path, ops in SCHEMA["paths"].items() for method, op in ops.items() if method in WRITE_METHODS
]
# Open to anyone (security lists {}): obtaining a token takes credentials in the body, not a session.
OPEN_WRITES = {(m, p) for m, p, op in WRITES if {} in op.get("security", [])}
# Paths under /api/ that are not API operations: read-only documents, and no route at all.
OTHER_PATHS = {
    "/api/schema/": 405,
    "/api/docs/": 405,
    "/api/redoc/": 405,
    "/api/": 404,
    "/api/v1/": 404,
    "/api/v1/no-such-thing/": 404,
    "/api/v1/cases/1/no-such-action/": 404,
}


def _label(item) -> str:
    return f"{item[0].upper()} {item[1]}"


def _url(path: str) -> str:
    # Authentication and the CSRF check run before any lookup, so no real object is needed behind the ids.
    return re.sub(r"\{(\w+)\}", lambda m: "ABC1234" if m.group(1) == "service_tag" else "1", path)


def _write(client: Client, method: str, url: str):
    return client.generic(method.upper(), url, b"{}", content_type="application/json")


def _json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), (response.status_code, response.content[:200])
    body = json.loads(response.content)
    assert body["code"]
    assert body["message"]
    return body


def _session(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_the_schema_lists_the_writes_checked_here():
    assert len(WRITES) >= 30
    open_writes = sorted(OPEN_WRITES)
    assert open_writes == [("post", "/api/v1/auth/token/")]


@pytest.mark.django_db
@pytest.mark.parametrize("operation", WRITES, ids=_label)
def test_an_anonymous_write_is_a_json_401(operation):
    method, path, _op = operation
    response = _write(Client(enforce_csrf_checks=True), method, _url(path))
    if (method, path) in OPEN_WRITES:
        assert response.status_code == 400  # no credentials in the body
        _json(response)
        return
    assert response.status_code == 401
    assert _json(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
@pytest.mark.parametrize("operation", WRITES, ids=_label)
def test_a_session_write_without_its_csrf_token_is_a_json_403_csrf_failed(operation, reseller_agent):
    method, path, _op = operation
    response = _write(_session(reseller_agent), method, _url(path))
    if (method, path) in OPEN_WRITES:  # no session authentication there, so nothing a session could forge
        assert response.status_code == 400
        _json(response)
        return
    assert response.status_code == 403
    assert _json(response)["code"] == "csrf_failed"


@pytest.mark.django_db
def test_the_session_s_csrf_token_lets_the_write_through(reseller_agent):
    client = _session(reseller_agent)
    client.get("/cases/")  # a page sets the csrftoken cookie, as the portal's own pages do
    token = client.cookies["csrftoken"].value
    response = client.post("/api/v1/cases/", {}, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400  # past the CSRF check, refused for its (empty) body
    assert _json(response)["code"] != "csrf_failed"


@pytest.mark.django_db
def test_a_token_is_never_judged_by_the_cookies_beside_it(reseller_agent):
    _token, key = token_create(actor=reseller_agent, user=reseller_agent, name="test")
    client = _session(reseller_agent)  # a session cookie too, without its CSRF token
    response = client.post("/api/v1/cases/", {}, content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 400
    assert _json(response)["code"] != "csrf_failed"


@pytest.mark.django_db
@pytest.mark.parametrize("method", WRITE_METHODS)
@pytest.mark.parametrize("path", list(OTHER_PATHS))
def test_a_write_to_any_other_api_path_answers_json(path, method, reseller_agent):
    for client in (Client(enforce_csrf_checks=True), _session(reseller_agent)):
        response = _write(client, method, path)
        assert response.status_code == OTHER_PATHS[path], response.content[:200]
        _json(response)


@pytest.mark.django_db
def test_the_csrf_failure_view_answers_json_under_api_and_the_page_elsewhere(rf, reseller_agent):
    """CSRF_FAILURE_VIEW, for a view under /api/ that is not one of the API's own (those check CSRF in
    their session authentication)."""
    from django.contrib.auth.models import AnonymousUser

    from husky_support.errors import csrf_failure

    request = rf.post("/api/v1/some-view/")
    request.user = AnonymousUser()
    response = csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 401
    assert _json(response)["code"] == "not_authenticated"
    request.user = reseller_agent
    response = csrf_failure(request, reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert _json(response)["code"] == "csrf_failed"
    page = rf.post("/cases/new/")
    page.user = reseller_agent
    response = csrf_failure(page, reason="CSRF cookie not set.")
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
