"""Pages kept for some kinds of organisation (or their admins) refuse everyone else with the portal's own 403
page, which says whose page it is and leads back, instead of a bare "Forbidden"."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("fixture", "url_name", "says"),
    [
        ("reseller_user", "cases:queue", "The triage queue is for Milestone Technical Support."),
        ("dell_user", "cases:create", "Cases are opened by reseller and distributor partners."),
        ("reseller_user", "dispatch:queue", "The dispatch queue is Dell's and MTS's."),
        ("reseller_agent", "partners:members", "This page is for organisation admins."),
        ("mts_user", "dispatch:coverage", None),  # reading coverage is every MTS user's
    ],
)
def test_a_page_for_others_says_whose_it_is(client, request, fixture, url_name, says):
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(reverse(url_name))
    if says is None:
        assert response.status_code == 200
        return
    assert response.status_code == 403
    text = response.content.decode()
    assert says.replace("'", "&#x27;") in text
    assert "Back to the dashboard" in text
    assert "<nav" in text  # the portal's page with its navigation, not Django's bare 403


def test_only_an_mts_admin_changes_coverage(client, mts_user):
    client.force_login(mts_user)
    response = client.post(reverse("dispatch:coverage_add"), {"country": "DK"})
    assert response.status_code == 403
    assert "Only an admin of Milestone Technical Support" in response.content.decode()


def test_an_htmx_request_after_the_session_ended_takes_the_window_to_sign_in_and_back(client, db):
    """The bell polls a page left open past its session: the sign-in page must not be swapped into the bell."""
    htmx = {"HX-Request": "true", "HX-Current-URL": "http://testserver/cases/HSK-2026-000001/?tab=files"}
    response = client.get(reverse("cases:notification_badge"), headers=htmx)
    assert response.status_code == 200
    assert response.content == b""
    assert response["HX-Redirect"] == reverse("login") + "?next=%2Fcases%2FHSK-2026-000001%2F%3Ftab%3Dfiles"

    elsewhere = {**htmx, "HX-Current-URL": "https://elsewhere.example/phish/"}
    assert client.get(reverse("cases:notification_badge"), headers=elsewhere)["HX-Redirect"] == reverse("login")

    plain = client.get(reverse("cases:notification_badge"))
    assert plain.status_code == 302
    assert plain["Location"].startswith(reverse("login") + "?next=")
