"""teams/ and sla-policies/: MTS reads, MTS admins write; bad input is 400 with every field's code and
nothing written; partners see no teams; sla_state and team on the case list, filterable."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cases.models import Case, SlaPolicy, Team
from tests.cases.factories import OFFICE_HOURS, TeamFactory, open_case

pytestmark = pytest.mark.django_db
CPH = ZoneInfo("Europe/Copenhagen")
GOOD = {"name": "EMEA", "timezone": "Europe/Copenhagen", "weekly_hours": OFFICE_HOURS, "holiday_country": "DK"}


def test_an_mts_admin_creates_a_team_with_the_countries_it_serves(api_as, mts_admin):
    response = api_as(mts_admin).post("/api/v1/teams/", {**GOOD, "countries": ["dk", "SE"]}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["countries"] == ["DK", "SE"]


def test_bad_team_input_is_400_with_every_fields_code_and_nothing_written(api_as, mts_admin):
    TeamFactory(name="Nordics", countries=["DK"])
    body = {
        **GOOD,
        "name": "Other",
        "timezone": "Europe/Atlantis",
        "weekly_hours": {"mon": [["08:00", "12:00"], ["11:00", "17:00"]]},
        "countries": ["DK"],
    }
    response = api_as(mts_admin).post("/api/v1/teams/", body, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert fields["weekly_hours"][0]["code"] == "hours_overlap"
    assert fields["timezone"][0]["code"] == "unknown_timezone"
    assert fields["countries"][0]["code"] == "country_already_served"
    assert not Team.objects.filter(name="Other").exists()


def test_hours_that_end_before_they_start_are_refused(api_as, mts_admin):
    body = {**GOOD, "weekly_hours": {"tue": [["17:00", "08:00"]]}}
    response = api_as(mts_admin).post("/api/v1/teams/", body, format="json")
    assert response.json()["fields"]["weekly_hours"][0]["code"] == "hours_end_before_start"


def test_mts_agents_read_teams_but_cannot_write_and_partners_see_none(api_as, mts_user, reseller_user):
    TeamFactory(name="EMEA")
    assert [t["name"] for t in api_as(mts_user).get("/api/v1/teams/").json()["results"]] == ["EMEA"]
    assert api_as(mts_user).post("/api/v1/teams/", GOOD, format="json").status_code == 403
    assert api_as(reseller_user).get("/api/v1/teams/").json()["results"] == []


@pytest.mark.parametrize("minutes", [0, -5])
def test_a_target_of_zero_or_negative_minutes_is_refused(api_as, mts_admin, minutes):
    body = {"priority": "p1_critical", "first_response_minutes": minutes, "next_update_minutes": 60}
    response = api_as(mts_admin).post("/api/v1/sla-policies/", body, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["first_response_minutes"][0]["code"] == "target_not_positive"
    assert not SlaPolicy.objects.exists()


def test_the_case_list_shows_and_filters_sla_state_in_constant_queries(
    api_as, mts_user, reseller_user, unit, django_assert_max_num_queries
):
    TeamFactory(name="EMEA", is_default=True)
    for _ in range(3):
        open_case(reseller_user, unit, escalate=True, now=datetime(2026, 3, 10, 9, 0, tzinfo=CPH))
    client = api_as(mts_user)
    with django_assert_max_num_queries(6):
        rows = client.get("/api/v1/cases/?sla_state=breached").json()["results"]
    assert len(rows) == 3
    assert {(r["sla_state"], r["team"]["name"]) for r in rows} == {("breached", "EMEA")}
    assert client.get("/api/v1/cases/?sla_state=ok").json()["results"] == []
    assert Case.objects.filter(first_response_due_at__isnull=False).count() == 3
