"""Every operation of our own OpenAPI schema, sent the inputs that crashed it before, answers a 4xx.

The operations come from the schema, so a new route is covered the day it is added: deep nesting, a lone
surrogate and NUL in every string of the body, a body over the size limit, bytes that are not UTF-8, a
form-encoded body, and extreme dates, ids and NUL in every query and path parameter. Each is sent by a
reseller admin and by an MTS admin with real objects behind the path ids, so the body is really parsed.
"""

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from partners.services import token_create
from tests.cases.factories import open_case
from tests.dispatch.factories import dispatch_for
from tests.servicetags.factories import OrderFactory, TransferFactory

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
METHODS = ("get", "post", "put", "patch", "delete")
OPERATIONS = [
    (method, path, op) for path, ops in SCHEMA["paths"].items() for method, op in ops.items() if method in METHODS
]
WRITES = [(m, p, op) for m, p, op in OPERATIONS if "requestBody" in op]
WITH_QUERY = [(m, p, op) for m, p, op in OPERATIONS if any(x["in"] == "query" for x in op.get("parameters", []))]
WITH_PATH = [(m, p, op) for m, p, op in OPERATIONS if "{" in p]


def _label(item) -> str:
    method, path, _op = item
    return f"{method.upper()} {path}"


def _properties(op) -> list[str]:
    names: set[str] = set()
    for content in op["requestBody"].get("content", {}).values():
        ref = content.get("schema", {}).get("$ref", "")
        component = SCHEMA["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        names.update(component.get("properties", {}))
    return sorted(names) or ["value"]


def _every_string(op, text: str) -> str:
    # ensure_ascii keeps "\ud800" an escape in the body, exactly as a client library would send it.
    return json.dumps({name: text for name in _properties(op)}, ensure_ascii=True)


DEEP_ARRAY = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000
BODIES = {
    "deep-array": lambda op: (DEEP_ARRAY, "application/json"),
    "deep-object": lambda op: (DEEP_OBJECT, "application/json"),
    "lone-surrogate": lambda op: (_every_string(op, "\ud800"), "application/json"),
    "nul": lambda op: (_every_string(op, "a\x00b"), "application/json"),
    "not-utf8": lambda op: (b'{"title": "\xed\xa0\x80\xff"}', "application/json"),
    "oversize": lambda op: (
        '{"note": "' + "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + '"}',
        "application/json",
    ),
    "form-encoded": lambda op: ("title=x&category=software&nbd_available=on", "application/x-www-form-urlencoded"),
}
QUERY_VALUES = [
    "9999-12-31T23:59:59+14:00",
    "0001-01-01T00:00:00-14:00",
    "9" * 40,
    "-1",
    "a\x00b",
    "zz",
    "%ED%A0%80",
    "%2500",  # a literal percent sign: django-filter's own backend formatted its error with it (a 500)
]
PATH_VALUES = ["9" * 40, "-1", "%00", "%ED%A0%80", "a" * 300]


@pytest.fixture
def objects(reseller_user, mts_admin, unit, other_unit, distributor_org, dell_org):
    case = open_case(reseller_user, unit)
    transfer = TransferFactory(unit=unit)
    order = OrderFactory(reseller=unit.reseller, distributor=distributor_org)
    dispatch = dispatch_for(reseller_user, mts_admin, unit)
    return {
        "dispatches": dispatch.pk,
        "part_id": 1,
        "fee_id": 1,
        "cases": case.pk,
        "transfers": transfer.pk,
        "orders": order.pk,
        "users": reseller_user.pk,
        "organisations": reseller_user.organisation_id,
        "service_tag": unit.service_tag,
        "country": "DK",
        "attachment_id": 1,
        "token_key": "abcdefgh",
    }


@pytest.fixture(params=["reseller", "mts_admin"])
def client(request, objects, reseller_user, mts_admin):
    user = reseller_user if request.param == "reseller" else mts_admin
    _token, key = token_create(actor=user, user=user, name="hostile")
    return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {key}")


def _url(path: str, objects: dict, **override: str) -> str:
    resource = path.removeprefix("/api/v1/").split("/", 1)[0]

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name in override:
            return override[name]
        # A resource without a real object here gets a made-up id: still a 4xx, if a weaker probe.
        return str(objects.get(resource, 1) if name == "id" else objects.get(name, 1))

    return re.sub(r"\{(\w+)\}", value, path)


def _send(client: Client, method: str, url: str, body=None, content_type="application/json", query_string=""):
    extra = {"QUERY_STRING": query_string} if query_string else {}
    if method == "get":
        return client.get(url, **extra)
    return client.generic(method.upper(), url, body or b"", content_type=content_type, **extra)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(BODIES))
@pytest.mark.parametrize("operation", WRITES, ids=_label)
def test_a_hostile_body_is_refused_with_a_4xx(client, objects, operation, kind):
    method, path, op = operation
    body, content_type = BODIES[kind](op)
    response = _send(client, method, _url(path, objects), body, content_type)
    assert 400 <= response.status_code < 500, response.content[:300]
    assert response.json()["code"]


@pytest.mark.django_db
@pytest.mark.parametrize("operation", WITH_QUERY, ids=_label)
def test_extreme_query_values_never_answer_5xx(client, objects, operation):
    method, path, op = operation
    url = _url(path, objects)
    names = [p["name"] for p in op["parameters"] if p["in"] == "query"]
    for name in names:
        for value in QUERY_VALUES:
            raw = value if value.startswith("%") else value.replace("\x00", "%00").replace("+", "%2B")
            response = _send(client, method, url, query_string=f"{name}={raw}")
            assert response.status_code < 500, (name, value, response.content[:300])


@pytest.mark.django_db
@pytest.mark.parametrize("operation", WITH_PATH, ids=_label)
def test_extreme_path_values_are_a_4xx(client, objects, operation):
    method, path, _op = operation
    for name in re.findall(r"\{(\w+)\}", path):
        for value in PATH_VALUES:
            response = _send(client, method, _url(path, objects, **{name: value}), b"{}")
            assert 400 <= response.status_code < 500, (name, value, response.content[:300])
