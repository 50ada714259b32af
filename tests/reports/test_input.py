"""Bad report input answers 400 with a code (404 for what the viewer may not see), in the API, the page and the
CSV; every organisation kind has the Reports entry; the report's queries do not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, CaseEvent
from tests.cases.factories import TeamFactory
from tests.reports.data import PERIOD

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("period=custom&from=2026-03-10&to=2026-03-01", "period_reversed"),
        ("period=custom&from=2023-01-01&to=2026-03-01", "period_too_long"),
        ("period=fortnight", "invalid_period"),
        ("period=quarter&quarter=Q9", "invalid_quarter"),
        ("period=custom&from=yesterday&to=2026-03-01", "invalid_date"),
        ("priority=p9_urgent", "unknown_filter_value"),
        ("model=IVO9000", "unknown_filter_value"),
        ("country=XX", "unknown_filter_value"),
        ("reseller=abc", "unknown_filter_value"),
    ],
)
def test_bad_input_is_a_400_with_a_code(client, api_as, mts_user, query, code):
    response = api_as(mts_user).get(f"/api/v1/reports/?{query}")
    assert (response.status_code, response.json()["code"]) == (400, code)
    client.force_login(mts_user)
    page = client.get(f"/reports/?{query}")
    assert page.status_code == 400
    assert f'data-code="{code}"' in page.content.decode()
    assert client.get(f"/reports/backlog.csv?{query}").status_code == 400


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("reseller_user", "reseller=1"),  # a reseller compares no resellers
        ("reseller_user", "team=1"),  # MTS teams are MTS's own filter
        ("distributor_user", "distributor=1"),
        ("dell_user", "reseller=1"),
    ],
)
def test_a_filter_the_viewer_may_not_use_is_a_400(request, api_as, who, query):
    response = api_as(request.getfixturevalue(who)).get(f"/api/v1/reports/?{query}")
    assert (response.status_code, response.json()["code"]) == (400, "filter_not_allowed")


def test_what_the_viewer_may_not_see_is_a_404(client, api_as, distributor_user, mts_user, other_reseller_org):
    # Another distributor's reseller and a reseller that does not exist answer alike.
    for reseller in (other_reseller_org.pk, 999999):
        response = api_as(distributor_user).get(f"/api/v1/reports/?reseller={reseller}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    client.force_login(distributor_user)
    assert client.get(f"/reports/?reseller={other_reseller_org.pk}").status_code == 404
    assert api_as(mts_user).get("/api/v1/reports/?team=999999").status_code == 404


def test_a_figure_another_kind_has_is_a_404(client, api_as, dell_user, mts_user):
    assert api_as(dell_user).get("/api/v1/reports/backlog/").status_code == 404
    assert api_as(mts_user).get("/api/v1/reports/no_such_figure/").status_code == 404
    client.force_login(dell_user)
    assert client.get("/reports/scorecard.csv").status_code == 404
    body = api_as(dell_user).get("/api/v1/reports/dispatch_health/").json()
    assert [f["key"] for f in body["figures"]] == ["dispatch_health"]


def test_the_reports_need_a_signed_in_user(client, api_client):
    assert api_client.get("/api/v1/reports/").status_code in (401, 403)
    assert client.get("/reports/").status_code == 302


@pytest.mark.parametrize("who", ["reseller_user", "distributor_user", "mts_user", "dell_user"])
def test_every_kind_of_organisation_has_reports_in_its_navigation(request, client, who):
    client.force_login(request.getfixturevalue(who))
    html = client.get("/").content.decode()
    assert 'href="/reports/">Reports</a>' in html
    assert client.get("/reports/").status_code == 200


def test_the_htmx_request_gets_the_figures_only(client, mts_user):
    client.force_login(mts_user)
    html = client.get("/reports/?period=7d", headers={"HX-Request": "true"}).content.decode()
    assert 'id="figure-backlog"' in html
    assert "<form" not in html
    assert "<nav" not in html


def _queries(api, user):
    with CaptureQueriesContext(connection) as captured:
        assert api.get(f"/api/v1/reports/?{PERIOD}").status_code == 200
    return len(captured)


def test_the_report_queries_do_not_grow_with_the_data(api_as, report_data, mts_user, django_assert_max_num_queries):
    api = api_as(mts_user)
    _queries(api, mts_user)  # warm the caches (content types, calendars)
    baseline = _queries(api, mts_user)
    assert baseline > 10  # captured for real (the whole report is ~40 aggregate queries)
    # Thirty more cases across the period, resellers, units, teams and states, each with a timeline row.
    TeamFactory(name="Sweden", countries=["SE"], holiday_country="SE", timezone="Europe/Stockholm")
    cases = list(Case.objects.all())
    for n in range(30):
        template = cases[n % len(cases)]
        template.pk = None
        template.number = f"HSK-2026-{900000 + n}"
        template.state = ["l1_reseller", "l2_mts_queue", "awaiting_partner", "resolved", "closed"][n % 5]
        template.save()
        CaseEvent.objects.create(case=template, kind="created", at=template.created_at, to_state=template.state)
    with django_assert_max_num_queries(baseline):
        assert api.get(f"/api/v1/reports/?{PERIOD}").status_code == 200


def test_a_place_without_a_business_calendar_ages_in_weekdays(api_as, report_data, mts_user):
    # Antarctica has no public-holiday calendar; the MTS organisation's own place ages team-less cases.
    organisation = mts_user.organisation
    organisation.country = "AQ"
    organisation.save(update_fields=["country"])
    Case.objects.filter(pk=report_data.c.pk).update(team=None)
    figures = api_as(mts_user).get(f"/api/v1/reports/backlog/?{PERIOD}").json()["figures"]
    ages = {row["label"]: row["values"] for row in figures[0]["tables"][1]["rows"]}
    assert ages["4–7 business days"] == [2]  # C (6 weekdays) and E still
