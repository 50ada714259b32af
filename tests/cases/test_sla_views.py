"""The triage queue and the case page show the SLA in business hours: words, colour, badges; the queue
defaults to the viewer's team and reads a constant number of queries whatever the number of rows."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case
from tests.cases.factories import TeamFactory, open_case

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def teams(mts_user):
    emea = TeamFactory(name="EMEA", is_default=True, countries=["DK"])
    emea.members.add(mts_user)
    americas = TeamFactory(name="Americas", timezone="America/New_York", holiday_country="US", countries=["US"])
    return emea, americas


def test_the_queue_shows_breached_and_paused_cases_and_defaults_to_my_team(reseller_user, mts_user, unit, teams):
    emea, americas = teams
    breached = open_case(reseller_user, unit, escalate=True, now=timezone.now() - timedelta(days=10))
    other = open_case(reseller_user, unit, title="Theirs", escalate=True, now=timezone.now())
    Case.objects.filter(pk=other.pk).update(team=americas)
    html = client_for(mts_user).get("/cases/queue/").content.decode()
    assert breached.number in html
    assert 'data-sla="breached"' in html
    assert "overdue by" in html
    assert other.number not in html  # another team's case: not in my team's default view
    everyone = client_for(mts_user).get("/cases/queue/?team=all").content.decode()
    assert other.number in everyone


def test_the_case_page_says_the_time_left_in_business_hours(reseller_user, mts_user, unit, teams):
    case = open_case(reseller_user, unit, escalate=True, now=datetime(2026, 12, 1, 9, 0, tzinfo=CPH))
    due = timezone.now() + timedelta(days=30)
    Case.objects.filter(pk=case.pk).update(sla_due_at=due, first_response_due_at=due, sla_near_at=due)
    html = client_for(mts_user).get(f"/cases/{case.number}/").content.decode()
    assert 'data-sla="ok"' in html
    assert re.search(r"\d+ days( \d+ h)? left", html)
    assert "in EMEA business hours" in html


def test_the_queue_reads_a_constant_number_of_queries(reseller_user, mts_user, unit, teams):
    client = client_for(mts_user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/cases/queue/?team=all").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        open_case(reseller_user, unit, escalate=True)
    few = count()
    for _ in range(8):
        open_case(reseller_user, unit, escalate=True)
    assert count() == few
