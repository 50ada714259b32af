"""Health check, home pages per organisation kind, team management and the demo seed."""

import importlib
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import Organisation, User

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


def test_healthz_is_503_when_the_broker_is_unreachable(client, monkeypatch):
    from husky_support.celery import app

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(app, "connection_for_write", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == {"ok": False, "error": "ConnectionRefusedError"}


def test_healthz_is_503_when_the_database_fails(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database unreachable")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False


@pytest.mark.parametrize(
    ("fixture", "expected_text"),
    [
        pytest.param("reseller_user", "First-level support", id="reseller"),
        pytest.param("distributor_user", "Create your resellers", id="distributor"),
        pytest.param("mts_user", "triage the queue", id="mts"),
        pytest.param("dell_user", "dispatches sent to you", id="dell"),
    ],
)
def test_each_kind_gets_its_own_home_page(client, request, fixture, expected_text):
    user = request.getfixturevalue(fixture)
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert expected_text in response.content.decode()


def test_pages_require_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/no-such-thing/", "/api/v1/cases", "/api/nothing", "/api/v1/cases/1/x/"])
def test_unknown_api_path_is_json_404_even_with_debug(client, db, settings, debug, path):
    settings.DEBUG = debug
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_method_an_api_route_does_not_have_is_json_405(api_as, reseller_user, settings):
    settings.DEBUG = True
    response = api_as(reseller_user).delete("/api/v1/me/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_demo_shows_the_portal_404_page_not_the_url_list(client, reseller_user, monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    from husky_support.settings import local

    assert local.DEBUG is False  # `make run`'s default; DEBUG=1 turns Django's debug pages on
    client.force_login(reseller_user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "URLconf" not in response.content.decode()


def test_org_admin_adds_member_and_an_email_goes_out(client, reseller_user):
    client.force_login(reseller_user)
    response = client.post(
        reverse("partners:members"),
        {"username": "newbie", "email": "newbie@example.test", "role": "agent"},
        follow=True,
    )
    assert response.status_code == 200
    newbie = User.objects.get(username="newbie")
    assert newbie.organisation == reseller_user.organisation
    assert not newbie.check_password("")
    assert len(mail.outbox) == 1
    assert "newbie@example.test" in mail.outbox[0].to


def test_agent_cannot_manage_members(client, reseller_agent):
    client.force_login(reseller_agent)
    assert client.get(reverse("partners:members")).status_code == 403


def test_admin_cannot_touch_another_orgs_member(client, reseller_user, other_reseller_user):
    client.force_login(reseller_user)
    response = client.post(reverse("partners:member_update", args=[other_reseller_user.pk]), {"is_active": "0"})
    assert response.status_code == 404
    other_reseller_user.refresh_from_db()
    assert other_reseller_user.is_active


def test_api_admin_deactivates_member_and_their_tokens_die(reseller_user, reseller_agent, api_as):
    agent_client = api_as(reseller_agent)
    admin = api_as(reseller_user)
    response = admin.patch(f"/api/v1/users/{reseller_agent.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 200
    assert agent_client.get("/api/v1/me/").status_code == 401


def test_api_admin_cannot_deactivate_self(reseller_user, api_as):
    response = api_as(reseller_user).patch(f"/api/v1/users/{reseller_user.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "self_lockout"


def test_api_agent_cannot_create_users(reseller_agent, api_as):
    response = api_as(reseller_agent).post(
        "/api/v1/users/", {"username": "x", "email": "x@example.test"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert not User.objects.filter(username="x").exists()


def test_api_throttle_answers_429_with_code(reseller_user, monkeypatch, api_as):
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    # DRF reads the rates once at import; patch the class attribute as its docs suggest for tests.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "100/min"})
    client = api_as(reseller_user)
    statuses = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/api/v1/me/").json()
    assert refused["code"] == "throttled"
    assert 0 <= refused["retry_after_seconds"] <= 60  # until the minute's window ends
    cache.clear()


def _demo_counts() -> dict[str, int]:
    from cases.models import Case, CaseEvent
    from dispatch.models import Dispatch, Fee, Part, ScheduleChange
    from servicetags.models import Unit

    models = (Organisation, User, Unit, Case, CaseEvent, Dispatch, Fee, Part, ScheduleChange)
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_is_idempotent_and_every_demo_user_signs_in(capsys):
    call_command("seed_demo")
    first = _demo_counts()
    call_command("seed_demo")
    assert _demo_counts() == first
    out = capsys.readouterr().out
    assert "reseller1" in out
    assert "husky-demo" in out
    assert Organisation.objects.filter(name="Nordic Secure Distribution").count() == 1
    resellers = Organisation.objects.filter(kind="reseller")
    assert {r.timezone for r in resellers} == {"Europe/Copenhagen", "America/Los_Angeles"}
    for username in ["distributor1", "reseller1", "reseller2", "mts1", "mtsadmin", "dell1"]:
        client = APIClient()
        response = client.post("/api/v1/auth/token/", {"username": username, "password": "husky-demo"}, format="json")
        assert response.status_code == 201, username


@pytest.mark.django_db(transaction=True)  # the notifications go out on commit, as in `make run`
def test_seeding_the_demo_leaves_no_email_for_the_worker_to_print(settings, mailoutbox):
    from django.apps import apps

    from partners.models import Notification

    # A transactional test before this one may have flushed the coverage table its migration seeds.
    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)

    settings.SITE_URL = "http://127.0.0.1:8123"  # what HUSKY_PORT=8123 gives `make run`
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    emails = Notification.objects.filter(channel="email")
    assert emails.exists()  # the seeded history did notify people ...
    assert not emails.filter(sent_at=None, digest=False).exists()  # ... and nothing waits to be sent
    assert mailoutbox == []  # ... and nothing was printed or sent
    assert "Sign in at http://127.0.0.1:8123/ with:" in out.getvalue()


def test_seed_demo_tells_every_dispatch_story_through_the_services(client):
    from cases.models import Case, CaseEvent
    from dispatch.models import Dispatch, Fee, Part
    from dispatch.workflow import Clearance, FeeKind
    from dispatch.workflow import State as DispatchState

    call_command("seed_demo")
    assert set(Dispatch.objects.values_list("state", flat=True)) == {state.value for state in DispatchState}
    assert {
        Fee.objects.filter(kind=kind).count() for kind in (FeeKind.LATE_RESCHEDULE, FeeKind.REPRESENTATIVE_ABSENT)
    } == {1}
    assert Part.objects.filter(keep_faulty=True, is_hard_drive=True).exists()  # KYHD: the drive stays
    assert Part.objects.filter(return_flagged_at__isnull=False, returned_on=None).exists()  # faulty part overdue
    clearances = set(Dispatch.objects.values_list("clearance", flat=True))
    assert {Clearance.REQUESTED.value, Clearance.ACCEPTED.value} <= clearances
    assert {"DK", "US", "SA"} <= set(Dispatch.objects.values_list("site_country", flat=True))
    assert "Pacific/Honolulu" in set(Dispatch.objects.values_list("site_timezone", flat=True))
    # Through the services: every case with Dell has its dispatch and the step rows on its timeline.
    assert not Case.objects.filter(state="l3_dell", dispatches=None).exists()
    assert CaseEvent.objects.filter(action="escalate_to_dell").count() >= Dispatch.objects.count()
    # docs/rules.md rule 9: every verdict and every cause of a miss is in the demo.
    from dispatch.nbd import MissCause, NbdVerdict

    assert set(Dispatch.objects.values_list("nbd_verdict", flat=True)) == {v.value for v in NbdVerdict}
    assert set(Dispatch.objects.exclude(nbd_miss_cause="").values_list("nbd_miss_cause", flat=True)) == {
        c.value for c in MissCause
    }

    client.force_login(User.objects.get(username="dell1"))
    queue = client.get("/dispatch/queue/")
    assert queue.status_code == 200
    open_numbers = Dispatch.objects.exclude(state__in=["completed", "failed", "cancelled", "voided"]).values_list(
        "case__number", flat=True
    )
    assert len(open_numbers) >= 5
    for number in open_numbers:
        assert number in queue.content.decode()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        pytest.param({}, "SECRET_KEY must be set", id="no-secret-key"),
        pytest.param({"SECRET_KEY": "x" * 60}, "DATABASE_URL must point at PostgreSQL", id="no-database"),
    ],
)
def test_production_settings_refuse_to_start_without_secrets(env, message):
    result = subprocess.run(  # noqa: S603 - fixed argv, our own manage.py
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "husky_support.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert message in result.stderr


def test_password_reset_by_email_lets_the_user_sign_in_with_the_new_password(client, reseller_user):
    import re

    response = client.post(reverse("password_reset"), {"email": reseller_user.email}, follow=True)
    assert b"Check your email" in response.content
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase", "new_password2": "a-brand-new-passphrase"},
        follow=True,
    )
    assert b"Password set" in done.content
    reseller_user.refresh_from_db()
    assert reseller_user.check_password("a-brand-new-passphrase")


def test_password_reset_for_unknown_email_reveals_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.test"}, follow=True)
    assert b"Check your email" in response.content
    assert mail.outbox == []


def _database_goes_away(*args, **kwargs):
    from django.db import OperationalError

    raise OperationalError("connection to server at 127.0.0.1 failed")


def test_api_answers_503_with_a_code_when_the_database_is_unreachable(reseller_user, api_as, monkeypatch):
    from partners.api.views import MeView

    client = api_as(reseller_user)
    monkeypatch.setattr(MeView, "get", _database_goes_away)
    response = client.get("/api/v1/me/")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


def test_page_shows_a_friendly_503_not_a_traceback_when_the_database_is_unreachable(reseller_user, monkeypatch):
    from django.test import Client

    import partners.views

    client = Client(raise_request_exception=False)
    client.force_login(reseller_user)
    monkeypatch.setattr(partners.views, "panels_for", _database_goes_away)
    response = client.get("/")
    assert response.status_code == 503
    body = response.content.decode()
    assert "The database is not answering" in body
    assert "Traceback" not in body
    assert "127.0.0.1" not in body
