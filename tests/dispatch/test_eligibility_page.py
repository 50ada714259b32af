"""The eligibility card: the same answer as the API, in words, for the viewer; 404 for another reseller."""

from datetime import UTC, datetime, time

import pytest
import time_machine

from dispatch.models import Coverage
from tests.servicetags.factories import ConfirmedUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(reseller_org):
    Coverage.objects.update_or_create(
        country="DK",
        defaults={"onsite_available": True, "nbd_available": True, "kyhd_available": True, "cutoff": time(17)},
    )
    return ConfirmedUnitFactory(service_tag="CPH0001", reseller=reseller_org)


def page(tag: str) -> str:
    return f"/dispatch/units/{tag}/eligibility/"


def test_reseller_sees_target_times_and_reasons_in_words(client, other_reseller_org, django_user_model, unit):
    # A Los Angeles partner who may see the unit: make it theirs.
    unit.reseller = other_reseller_org
    unit.save()
    viewer = django_user_model.objects.create_user("la", password="x", organisation=other_reseller_org)
    client.force_login(viewer)

    response = client.get(
        page("cph0001"),
        {"qualified_at": "2026-11-27T08:30", "site_country": "DK", "partner_timezone": "America/Los_Angeles"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    # 08:30 in Los Angeles is 17:30 in Copenhagen: after the cut-off on a Friday.
    assert "Next-business-day target: <strong>Tuesday 1 December 2026</strong>" in html
    assert "(site-local)" in html
    assert "Friday 27 November 2026, 17:30 CET" in html
    assert "Friday 27 November 2026, 08:30 PST" in html
    assert "Monday 30 November 2026" in html
    assert "Sat 28 Nov · Weekend" in html
    assert "qualified at or after the local cut-off time" in html
    assert "different time zone from yours" in html
    assert "Onsite eligible" in html
    assert "<html" in html  # a page of its own without htmx


def test_htmx_request_gets_only_the_card(client, reseller_user, unit):
    client.force_login(reseller_user)
    response = client.get(page("CPH0001"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="eligibility-card"')
    assert 'hx-get="/dispatch/units/CPH0001/eligibility/"' in html


@time_machine.travel(datetime(2026, 11, 27, 16, 30, tzinfo=UTC), tick=False)
def test_without_a_question_it_answers_for_now(client, reseller_user, unit):
    client.force_login(reseller_user)
    html = client.get(page("CPH0001")).content.decode()
    assert "Friday 27 November 2026, 17:30 CET" in html
    assert "Tuesday 1 December 2026" in html


def test_mismatched_site_country_is_explained(client, reseller_user, unit):
    client.force_login(reseller_user)
    html = client.get(
        page("CPH0001"),
        {"qualified_at": "2026-11-25T10:00", "site_country": "SE", "partner_timezone": "Europe/Copenhagen"},
    ).content.decode()
    assert "Not eligible" in html
    assert "Blocks onsite" in html
    assert "service-tag transfer to the site is confirmed" in html


def test_bad_moment_shows_the_form_error_not_a_crash(client, reseller_user, unit):
    client.force_login(reseller_user)
    response = client.get(page("CPH0001"), {"qualified_at": "yesterday", "site_country": "DK"})
    assert response.status_code == 200
    assert "Enter a valid date/time" in response.content.decode()


def test_a_moment_in_year_9999_is_a_form_error(client, reseller_user, unit):
    client.force_login(reseller_user)
    response = client.get(
        page("CPH0001"),
        {"qualified_at": "9999-12-31T23:59", "site_country": "DK", "partner_timezone": "Pacific/Kiritimati"},
    )
    assert response.status_code == 200
    assert "between the years 1990 and 2199" in response.content.decode()


def test_other_reseller_gets_404(client, other_reseller_user, unit):
    client.force_login(other_reseller_user)
    assert client.get(page("CPH0001")).status_code == 404


def test_unit_page_loads_the_card(client, reseller_user, unit):
    client.force_login(reseller_user)
    html = client.get(f"/units/{unit.service_tag}/").content.decode()
    assert 'hx-get="/dispatch/units/CPH0001/eligibility/"' in html
