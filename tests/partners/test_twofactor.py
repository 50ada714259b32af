"""Two-factor sign-in: who must use it, enrolment, sign-in with a code or a recovery code, and API tokens."""

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from partners.kinds import OrgKind, Role, second_factor_required
from partners.models import ApiToken
from tests.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
PAGES = ["/", "/cases/", "/cases/queue/", "/cases/new/", "/units/", "/units/orders/", "/team/team/", "/team/tokens/"]
API_LISTS = sorted(
    path
    for path, ops in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    if "get" in ops and "{" not in path
)


@pytest.mark.parametrize(
    ("kind", "role", "policy_on", "required"),
    [
        pytest.param(OrgKind.MTS, Role.AGENT, True, True, id="mts-agent"),
        pytest.param(OrgKind.RESELLER, Role.ADMIN, True, True, id="reseller-admin"),
        pytest.param(OrgKind.DELL, Role.ADMIN, True, True, id="dell-admin"),
        pytest.param(OrgKind.RESELLER, Role.AGENT, True, False, id="reseller-agent-optional"),
        pytest.param(OrgKind.MTS, Role.ADMIN, False, False, id="policy-off"),
        pytest.param(None, None, True, False, id="no-organisation"),
    ],
)
def test_who_must_use_a_second_factor(kind, role, policy_on, required):
    assert second_factor_required(kind, role, policy_on=policy_on) is required


def current_code(device: TOTPDevice) -> str:
    return TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token().__str__().zfill(6)


def sign_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrol(client: Client) -> tuple[TOTPDevice, list[str]]:
    client.post("/accounts/2fa/", {"action": "start"})
    device = TOTPDevice.objects.get(confirmed=False)
    html = client.post("/accounts/2fa/", {"action": "confirm", "code": current_code(device)}).content.decode()
    device.refresh_from_db()
    assert device.confirmed
    codes = list(StaticToken.objects.filter(device__user=device.user).values_list("token", flat=True))
    assert len(codes) == 10
    assert all(code in html for code in codes)  # shown once, on this page
    return device, codes


@pytest.fixture
def policy_on(settings):
    settings.HUSKY_REQUIRE_2FA = True


@pytest.mark.django_db
@pytest.mark.usefixtures("policy_on")
@pytest.mark.parametrize("who", ["mts_user", "reseller_user"], ids=["mts", "org-admin"])
def test_required_users_reach_no_page_and_no_api_route_before_enrolling(request, who):
    client = sign_in(request.getfixturevalue(who))
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith("/accounts/2fa/?next="), page
    for path in API_LISTS:
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "second_factor_required"
    assert client.get("/accounts/2fa/").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("policy_on")
def test_an_agent_may_sign_in_with_the_password_alone(reseller_agent):
    assert sign_in(reseller_agent).get("/cases/").status_code == 200


@pytest.mark.django_db
@pytest.mark.usefixtures("policy_on")
def test_enrolling_lets_the_user_in_and_the_next_sign_in_asks_for_a_code(mts_user):
    client = sign_in(mts_user)
    device, codes = enrol(client)
    assert client.get("/cases/queue/").status_code == 200

    again = sign_in(mts_user)
    response = again.get("/cases/queue/")
    assert response["Location"].startswith("/accounts/2fa/verify/")
    assert again.get("/api/v1/me/").json()["code"] == "second_factor_required"
    wrong = again.post("/accounts/2fa/verify/", {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    ok = again.post("/accounts/2fa/verify/", {"code": codes[0], "next": "/cases/queue/"})
    assert ok["Location"] == "/cases/queue/"
    assert again.get("/api/v1/me/").status_code == 200

    third = sign_in(mts_user)
    reused = third.post("/accounts/2fa/verify/", {"code": codes[0]})
    assert "already used" in reused.content.decode()
    assert third.get("/").status_code == 302


@pytest.mark.django_db
def test_a_wrong_code_does_not_turn_it_on(reseller_agent):
    client = sign_in(reseller_agent)
    client.post("/accounts/2fa/", {"action": "start"})
    html = client.post("/accounts/2fa/", {"action": "confirm", "code": "123456"}).content.decode()
    assert "That code is not right" in html
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


@pytest.mark.django_db
def test_an_optional_user_can_turn_it_off_a_required_one_cannot(reseller_agent, mts_user, settings):
    client = sign_in(reseller_agent)
    enrol(client)
    client.post("/accounts/2fa/", {"action": "disable"})
    assert not TOTPDevice.objects.filter(user=reseller_agent).exists()

    settings.HUSKY_REQUIRE_2FA = True
    mts = sign_in(mts_user)
    enrol(mts)
    html = mts.post("/accounts/2fa/", {"action": "disable"}).content.decode()
    assert "cannot be turned off" in html
    assert TOTPDevice.objects.filter(user=mts_user, confirmed=True).exists()


@pytest.mark.django_db
def test_a_token_needs_the_second_factor_of_a_user_who_has_one(mts_user):
    device, _codes = enrol(sign_in(mts_user))
    api = APIClient()
    credentials = {"username": mts_user.username, "password": PASSWORD}
    missing = api.post(TOKEN_URL, credentials, format="json")
    wrong = api.post(TOKEN_URL, {**credentials, "otp": "000000"}, format="json")
    assert (missing.status_code, missing.json()["code"]) == (400, "otp_required")
    assert (wrong.status_code, wrong.json()["code"]) == (400, "invalid_otp")
    assert not ApiToken.objects.exists()
    device.refresh_from_db()
    device.last_t = -1  # the code used at enrolment would otherwise count as a replay
    device.throttling_failure_count = 0
    device.save()
    ok = api.post(TOKEN_URL, {**credentials, "otp": current_code(device)}, format="json")
    assert ok.status_code == 201


@pytest.mark.django_db
@pytest.mark.usefixtures("policy_on")
def test_a_required_user_without_a_second_factor_gets_no_token(mts_user):
    response = APIClient().post(TOKEN_URL, {"username": mts_user.username, "password": PASSWORD}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "second_factor_required")
    assert not ApiToken.objects.exists()


@pytest.mark.django_db
def test_the_verified_device_is_read_only_when_asked(rf, mts_user):
    """LazyOTPMiddleware: touching the user costs no device query; is_verified() reads and checks it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY

    from partners.middleware import LazyOTPMiddleware

    device = TOTPDevice.objects.create(user=mts_user, name="Authenticator app", confirmed=True)

    def request_with(persistent_id):
        request = rf.get("/")
        request.session = {DEVICE_ID_SESSION_KEY: persistent_id}
        request.user = mts_user
        LazyOTPMiddleware(lambda r: None)._install_lazy_accessors(request)
        return request

    request = request_with(device.persistent_id)
    with CaptureQueriesContext(connection) as ctx:
        assert request.user.is_authenticated
    assert ctx.captured_queries == []
    assert request.user.is_verified() is True
    assert request.user.otp_device == device
    device.confirmed = False
    device.save()
    stale = request_with(device.persistent_id)
    assert stale.user.is_verified() is False
    assert DEVICE_ID_SESSION_KEY not in stale.session
