"""The OpenAPI document integrators code against: a tag per resource, a summary per operation, the errors."""

import pytest
from drf_spectacular.generators import SchemaGenerator

SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
OPERATIONS = [
    (f"{method.upper()} {path}", op)
    for path, ops in SCHEMA["paths"].items()
    for method, op in ops.items()
    if method in {"get", "post", "put", "patch", "delete"}
]


@pytest.mark.parametrize(("label", "op"), OPERATIONS, ids=[label for label, _op in OPERATIONS])
def test_every_operation_has_a_resource_tag_a_summary_and_its_errors(label, op):
    resource = label.split()[1].removeprefix("/api/v1/").split("/", 1)[0]
    assert op["tags"] == [resource]
    assert op["summary"]
    assert "429" in op["responses"]
    if "{" in label:
        assert op["responses"]["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    if "requestBody" in op:
        assert {"400", "413", "415"} <= set(op["responses"])
    if not label.endswith("/auth/token/"):
        assert "401" in op["responses"]


def test_the_error_shape_is_one_component_with_code_message_and_fields():
    error = SCHEMA["components"]["schemas"]["Error"]
    assert error["required"] == ["code", "message"]
    assert error["properties"]["fields"]["additionalProperties"]["items"]["required"] == ["code", "message"]


def test_creating_a_case_documents_the_reused_idempotency_key():
    op = SCHEMA["paths"]["/api/v1/cases/"]["post"]
    assert op["responses"]["422"]["content"]["application/json"]["example"]["code"] == "idempotency_key_reused"


def test_a_case_s_own_rows_do_not_offer_the_case_list_filters():
    params = {p["name"] for p in SCHEMA["paths"]["/api/v1/cases/{id}/events/"]["get"]["parameters"]}
    assert "state" not in params
    assert "page" in params
