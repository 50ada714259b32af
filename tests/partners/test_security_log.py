"""The security log: what is recorded, who reads it, and the email for a sign-in from a new address."""

import pytest
from django.core import mail
from django.test import Client
from rest_framework.test import APIClient

from partners.models import SecurityEvent, SecurityEventKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def kinds(user) -> list[str]:
    return list(SecurityEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def sign_in(user, address="127.0.0.1", password=PASSWORD) -> Client:
    client = Client(REMOTE_ADDR=address)
    client.post("/accounts/login/", {"username": user.username, "password": password})
    return client


def test_sign_ins_failures_tokens_and_password_changes_are_recorded(reseller_agent, django_capture_on_commit_callbacks):
    sign_in(reseller_agent, password="wrong")
    client = sign_in(reseller_agent)
    client.post("/team/tokens/", {"user": reseller_agent.pk, "name": "ERP", "expires_in_days": 30})
    client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "another-horse-battery", "new_password2": "another-horse-battery"},
    )
    assert kinds(reseller_agent) == [
        SecurityEventKind.SIGN_IN_FAILED,
        SecurityEventKind.SIGNED_IN,
        SecurityEventKind.TOKEN_CREATED,
        SecurityEventKind.PASSWORD_CHANGED,
    ]


def test_the_org_admin_reads_their_organisation_s_log_only(reseller_user, reseller_agent, other_reseller_user):
    sign_in(reseller_agent)
    sign_in(other_reseller_user)
    html = sign_in(reseller_user).get("/team/security/").content.decode()
    assert "reseller-agent" in html
    assert "other-reseller" not in html
    assert sign_in(reseller_agent).get("/team/security/").status_code == 403


def test_a_sign_in_from_a_new_address_emails_the_user(reseller_agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(reseller_agent, "10.0.0.1")
        sign_in(reseller_agent, "10.0.0.1")
    assert mail.outbox == []  # the first sign-in ever, then a known address
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(reseller_agent, "10.0.0.2")
    assert [m.to for m in mail.outbox] == [[reseller_agent.email]]
    assert "10.0.0.2" in mail.outbox[0].body


def test_a_failed_api_sign_in_names_the_username_typed(db):
    APIClient().post("/api/v1/auth/token/", {"username": "nobody", "password": "x"}, format="json")
    event = SecurityEvent.objects.get()
    assert (event.kind, event.username, event.user) == (SecurityEventKind.SIGN_IN_FAILED, "nobody", None)
