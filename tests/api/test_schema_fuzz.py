"""Every API operation, fed inputs generated from our own OpenAPI schema, never answers 5xx.

Schemathesis finds crashes and schema drift, not authorisation bugs (those are in the permission
tests of each app); it runs in-process against the WSGI app in a throw-away test database.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from husky_support.wsgi import application
from partners.services import token_create

# The schema view is public and reads no table, so it can be loaded while tests are collected.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture
def keep_test_connection():
    """Called as a real WSGI app, Django closes its connection after each request, which would end the
    test's transaction; Django's own test client detaches these handlers the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def mts_admin_token(mts_admin, unit, other_unit, keep_test_connection):
    _token, key = token_create(actor=mts_admin, user=mts_admin, name="fuzz")
    return key


@schema.parametrize()
@settings(
    # 15 keeps CI quick; HUSKY_FUZZ_EXAMPLES=300 is a deeper run before a release.
    max_examples=int(os.environ.get("HUSKY_FUZZ_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@pytest.mark.django_db
def test_no_operation_answers_a_server_error(case, mts_admin_token):
    case.call_and_validate(headers={"Authorization": f"Token {mts_admin_token}"}, checks=[not_a_server_error])
