"""The rest of the permission matrix: a writable relation never links another organisation's record, and no
filter or ordering key outside a list's allow-list reaches the ORM (a traversal such as `assignee__password`
would sort or filter by a secret one comparison at a time)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from cases.models import Case
from servicetags.models import UnitModel
from tests.cases.factories import complete_values
from tests.matrix.test_permission_matrix import MA, D, R, _client, _fingerprint
from tests.matrix.world import World, build_world

pytestmark = pytest.mark.django_db


def _case_body(world: World, **overrides) -> dict:
    values = complete_values(None)
    values.pop("unit")
    return {**values, "service_tag": world.own.unit.service_tag, **overrides}


# name: (who, method, path, body for a side). Sent with world B's record it must be refused; the same body with
# world A's record is accepted, so the refusal is the relation's and not some other mistake of the body.
RELATIONS = {
    "case reseller": (D, "post", lambda w: "/api/v1/cases/", lambda w, s: _case_body(w, reseller=s.organisation.pk)),
    "case unit": (R, "post", lambda w: "/api/v1/cases/", lambda w, s: _case_body(w, service_tag=s.unit.service_tag)),
    "case unit on edit": (  # at Dell only MTS edits the checklist
        MA,
        "patch",
        lambda w: f"/api/v1/cases/{w.own.case.pk}/",
        lambda w, s: {"service_tag": s.unit.service_tag, "version": Case.objects.get(pk=w.own.case.pk).version},
    ),
    "order reseller": (
        D,
        "post",
        lambda w: "/api/v1/orders/",
        lambda w, s: {
            "reseller": s.organisation.pk,
            "end_customer_name": "Harbour Logistics A/S",
            "shipped_on": "2026-03-01",
            "address_line1": "Havnegade 1",
            "city": "Copenhagen",
            "postal_code": "1058",
            "country": "DK",
            "model": UnitModel.IVO_350R.value,
            "warranty_start_on": "2026-03-01",
            "warranty_end_on": "2029-02-28",
            "units": [{"service_tag": "NEW1234"}],
        },
    ),
    "transfer unit": (
        R,
        "post",
        lambda w: "/api/v1/transfers/",
        lambda w, s: {
            "unit": s.spare_unit.service_tag,
            "address_line1": "Strandvejen 100",
            "city": "Hellerup",
            "postal_code": "2900",
            "country": "DK",
        },
    ),
    "token user": (R, "post", lambda w: "/api/v1/tokens/", lambda w, s: {"name": "ERP", "user": s.user.pk}),
}


def _send(world: World, relation: str, side):
    role, method, path, body = RELATIONS[relation]
    client = _client(world, role, api=True)
    return client.generic(method.upper(), path(world), json.dumps(body(world, side)), content_type="application/json")


@pytest.mark.parametrize("relation", list(RELATIONS))
def test_a_relation_to_another_organisations_record_is_refused_and_nothing_is_written(relation):
    world = build_world()
    before = _fingerprint()
    response = _send(world, relation, world.other)
    assert response.status_code in (400, 404), (relation, response.status_code, response.content[:300])
    assert response.json()["code"]
    assert _fingerprint() == before


@pytest.mark.parametrize("relation", list(RELATIONS))
def test_the_same_body_with_the_callers_own_record_is_accepted(relation):
    world = build_world()
    response = _send(world, relation, world.own)
    assert response.status_code in (200, 201), (relation, response.status_code, response.content[:300])


SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
LISTS = sorted(
    path
    for path, ops in SCHEMA["paths"].items()
    if "get" in ops
    and "{" not in path
    and ops["get"].get("responses", {}).get("200")
    and path.count("/") == 4  # /api/v1/<resource>/
)
TRAVERSALS = ["assignee__password", "reseller__users__password", "created_by__password", "user__password", "secret"]


def _ids(response) -> list:
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    if not isinstance(rows, list):
        return [sorted(body)]  # a single object (me/): its keys
    return [
        row.get("id", row.get("service_tag", row.get("token_key", json.dumps(row, sort_keys=True)))) for row in rows
    ]


@pytest.mark.parametrize("path", LISTS)
def test_filter_and_ordering_keys_outside_the_allow_list_change_nothing(path):
    world = build_world()
    for role in ("mts_admin", R):
        client: Client = _client(world, role, api=True)
        plain = client.get(path)
        assert plain.status_code == 200, (path, plain.status_code)
        for key in TRAVERSALS:
            for query in (f"ordering={key}", f"ordering=-{key}", f"{key}=a", f"{key}__startswith=a"):
                response = client.get(f"{path}?{query}")
                assert response.status_code in (200, 400), (path, query, response.status_code)
                if response.status_code == 200:
                    assert _ids(response) == _ids(plain), (path, query)
                else:
                    assert response.json()["code"]
