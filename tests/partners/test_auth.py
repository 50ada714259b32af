"""Sign-in, API tokens and brute-force lockout as a user or an integrator meets them."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import ApiToken
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def test_token_obtain_returns_a_working_token(reseller_user):
    client = APIClient()
    response = client.post(TOKEN_URL, {"username": "reseller", "password": PASSWORD}, format="json")
    assert response.status_code == 201
    key = response.json()["token"]
    # Only a digest is stored, never the key itself.
    assert not ApiToken.objects.filter(digest=key).exists()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["organisation"]["name"] == "Copenhagen Reseller"


def test_wrong_password_is_a_400_with_a_code_and_no_token(reseller_user):
    response = APIClient().post(TOKEN_URL, {"username": "reseller", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_missing_fields_name_each_field(db):
    response = APIClient().post(TOKEN_URL, {}, format="json")
    body = response.json()
    assert response.status_code == 400
    assert body["code"] == "required"
    assert set(body["fields"]) == {"username", "password"}


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Token", id="no-key"),
        pytest.param("Token abc def", id="spaces"),
        pytest.param("Token not-a-real-token", id="unknown-key"),
        pytest.param("Token \u00e9\u00e9\u00e9", id="non-ascii"),
    ],
)
def test_malformed_or_unknown_token_is_401_with_code(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] in {"authentication_failed", "invalid_token"}


def test_no_credentials_is_401_on_every_api_list(db):
    client = APIClient()
    for url in ["/api/v1/me/", "/api/v1/organisations/", "/api/v1/users/", "/api/v1/tokens/"]:
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"


def test_revoked_token_stops_working(reseller_user, api_as):
    client = api_as(reseller_user)
    assert client.get("/api/v1/me/").status_code == 200
    token = ApiToken.objects.get(user=reseller_user)
    assert client.delete(f"/api/v1/tokens/{token.token_key}/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_deactivated_user_token_is_refused(reseller_user, api_as):
    client = api_as(reseller_user)
    reseller_user.is_active = False
    reseller_user.save()
    assert client.get("/api/v1/me/").status_code == 401


def test_org_admin_creates_token_for_own_member_but_not_for_another_org(
    reseller_user, reseller_agent, other_reseller_user, api_as
):
    client = api_as(reseller_user)
    ok = client.post("/api/v1/tokens/", {"name": "ERP", "user": reseller_agent.pk}, format="json")
    assert ok.status_code == 201
    assert ApiToken.objects.filter(user=reseller_agent, name="ERP").exists()
    foreign = client.post("/api/v1/tokens/", {"name": "steal", "user": other_reseller_user.pk}, format="json")
    assert foreign.status_code == 400
    assert foreign.json()["fields"]["user"][0]["code"] == "does_not_exist"
    assert not ApiToken.objects.filter(user=other_reseller_user).exists()


def test_agent_sees_only_own_tokens_and_cannot_issue_for_others(reseller_user, reseller_agent, api_as):
    api_as(reseller_user)  # the admin holds a token too
    client = api_as(reseller_agent)
    names = [t["user"] for t in client.get("/api/v1/tokens/").json()["results"]]
    assert names == ["reseller-agent"]
    response = client.post("/api/v1/tokens/", {"name": "x", "user": reseller_user.pk}, format="json")
    assert response.status_code == 400


def test_login_page_locks_out_after_repeated_failures(client, reseller_user):
    url = reverse("login")
    statuses = [client.post(url, {"username": "reseller", "password": f"wrong-{i}"}).status_code for i in range(6)]
    assert statuses[:4] == [200, 200, 200, 200]
    assert statuses[-1] == 429
    # Even the right password is refused while locked out.
    locked = client.post(url, {"username": "reseller", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed sign-in attempts" in locked.content


def test_token_endpoint_locks_out_brute_force_with_json(reseller_user):
    client = APIClient()
    for i in range(5):
        client.post(TOKEN_URL, {"username": "reseller", "password": f"wrong-{i}"}, format="json")
    response = client.post(TOKEN_URL, {"username": "reseller", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_attempts"
    assert not ApiToken.objects.exists()


def test_successful_login_shows_the_home_page_of_the_users_kind(client, reseller_user):
    response = client.post(reverse("login"), {"username": "reseller", "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert b"Copenhagen Reseller" in response.content
    assert b"First-level support" in response.content


def test_an_expired_token_is_refused_and_removed(reseller_user):
    from datetime import timedelta

    from partners.services import token_create

    token, key = token_create(actor=reseller_user, user=reseller_user, name="short", expires_in=timedelta(days=1))
    ApiToken.objects.filter(pk=token.pk).update(expiry=token.created - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").status_code == 401
    assert not ApiToken.objects.filter(pk=token.pk).exists()


def test_a_new_token_sweeps_the_users_expired_ones_not_each_api_call(reseller_user, api_as):
    """partners.auth checks only the presented token on each call; the user's other expired ones go when a
    token is created (knox swept them on every call: a query each)."""
    from datetime import timedelta

    from partners.services import token_create

    client = api_as(reseller_user)
    stale, _key = token_create(actor=reseller_user, user=reseller_user, name="stale", expires_in=timedelta(days=1))
    ApiToken.objects.filter(pk=stale.pk).update(expiry=stale.created - timedelta(seconds=1))
    assert client.get("/api/v1/me/").status_code == 200
    assert ApiToken.objects.filter(pk=stale.pk).exists()
    token_create(actor=reseller_user, user=reseller_user, name="fresh")
    assert not ApiToken.objects.filter(pk=stale.pk).exists()
    assert client.get("/api/v1/me/").status_code == 200
