"""GET /api/v1/units/{service_tag}/eligibility/: docs/rules.md rules 1-3 through the endpoint, and its bad input."""

from datetime import date, time

import pytest

from dispatch.models import Coverage
from partners.models import HolidayOverride, OverrideKind
from tests.servicetags.factories import ConfirmedUnitFactory, UnitFactory

pytestmark = pytest.mark.django_db

FULL = {"onsite_available": True, "nbd_available": True, "kyhd_available": True, "cutoff": time(17, 0)}


def url(tag: str) -> str:
    return f"/api/v1/units/{tag}/eligibility/"


@pytest.fixture(autouse=True)
def coverage(db):
    """Explicit terms for the countries used here, independent of the sample seed."""
    for country in ("DK", "US", "SA", "NZ"):
        Coverage.objects.update_or_create(country=country, defaults=FULL)


@pytest.fixture
def copenhagen_unit(reseller_org):
    return ConfirmedUnitFactory(service_tag="CPH0001", reseller=reseller_org, kyhd=True)


@pytest.fixture
def honolulu_unit(reseller_org):
    return ConfirmedUnitFactory(
        service_tag="HNL0001",
        reseller=reseller_org,
        address_line1="1 Ala Moana Blvd",
        city="Honolulu",
        postal_code="96814",
        country="US",
        subdivision="US-HI",
        timezone="Pacific/Honolulu",
    )


@pytest.fixture
def riyadh_unit(reseller_org):
    return ConfirmedUnitFactory(
        service_tag="RUH0001",
        reseller=reseller_org,
        address_line1="King Fahd Road 1",
        city="Riyadh",
        postal_code="12211",
        country="SA",
        timezone="Asia/Riyadh",
    )


def ask(client, tag: str, **params):
    return client.get(url(tag), params)


@pytest.mark.parametrize(
    ("case", "unit", "qualified_at", "partner", "target", "received", "site_local", "reasons"),
    [
        pytest.param(
            "LA partner asks after the Copenhagen cut-off on a Friday",
            "copenhagen_unit",
            "2026-11-27T08:30:00-08:00",
            "America/Los_Angeles",
            "2026-12-01",
            "2026-11-30",
            "2026-11-27T17:30:00+01:00",
            ["after_cutoff", "timezone_mismatch"],
            id="la-to-copenhagen-after-cutoff",
        ),
        pytest.param(
            "Auckland's Monday morning is Honolulu's Sunday: received Monday, target Tuesday",
            "honolulu_unit",
            "2026-11-30T09:00:00+13:00",
            "Pacific/Auckland",
            "2026-12-01",
            "2026-11-30",
            "2026-11-29T10:00:00-10:00",
            ["not_business_day", "timezone_mismatch"],
            id="auckland-to-honolulu",
        ),
        pytest.param(
            "Friday evening in Copenhagen, asked from Copenhagen",
            "copenhagen_unit",
            "2026-11-27T18:00:00+01:00",
            "Europe/Copenhagen",
            "2026-12-01",
            "2026-11-30",
            "2026-11-27T18:00:00+01:00",
            ["after_cutoff"],
            id="friday-evening",
        ),
        pytest.param(
            "Friday morning: received Friday, target Monday",
            "copenhagen_unit",
            "2026-11-27T09:00:00+01:00",
            "Europe/Berlin",
            "2026-11-30",
            "2026-11-27",
            "2026-11-27T09:00:00+01:00",
            [],
            id="friday-morning-same-clock-zone",
        ),
        pytest.param(
            "Eve of Easter in Denmark (CEST): Maundy Thursday to Easter Monday are closed",
            "copenhagen_unit",
            "2026-04-01T17:30:00+02:00",
            "Europe/Copenhagen",
            "2026-04-08",
            "2026-04-07",
            "2026-04-01T17:30:00+02:00",
            ["after_cutoff"],
            id="holiday-eve",
        ),
        pytest.param(
            "Thanksgiving eve in Honolulu, before the cut-off: Thursday is a holiday",
            "honolulu_unit",
            "2026-11-25T10:00:00-10:00",
            "Pacific/Honolulu",
            "2026-11-27",
            "2026-11-25",
            "2026-11-25T10:00:00-10:00",
            [],
            id="thanksgiving-eve",
        ),
        pytest.param(
            "Thursday evening in Riyadh: the Friday-Saturday weekend, received Sunday, target Monday",
            "riyadh_unit",
            "2026-11-26T18:00:00+03:00",
            "Asia/Riyadh",
            "2026-11-30",
            "2026-11-29",
            "2026-11-26T18:00:00+03:00",
            ["after_cutoff"],
            id="friday-saturday-weekend",
        ),
        pytest.param(
            "Between the US and EU clock changes: LA 08:30 PDT is 16:30 CET, still before the cut-off",
            "copenhagen_unit",
            "2026-03-20T08:30:00-07:00",
            "America/Los_Angeles",
            "2026-03-23",
            "2026-03-20",
            "2026-03-20T16:30:00+01:00",
            ["timezone_mismatch"],
            id="dst-gap-weeks",
        ),
    ],
)
def test_nbd_target_examples(
    api_as, reseller_user, request, case, unit, qualified_at, partner, target, received, site_local, reasons
):
    tag = request.getfixturevalue(unit).service_tag
    response = ask(api_as(reseller_user), tag, qualified_at=qualified_at, partner_timezone=partner)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["nbd_target_date"], body["nbd_received_on"]) == (target, received), case
    assert body["site_local_qualified_at"] == site_local
    assert body["reasons"] == reasons
    assert body["onsite_eligible"] is True
    assert body["nbd_eligible"] is True
    assert [d["code"] for d in body["reason_details"]] == reasons
    assert all(d["message"] and d["blocks"] == "none" for d in body["reason_details"])


def test_full_answer_shape(api_as, reseller_user, copenhagen_unit):
    body = ask(
        api_as(reseller_user),
        copenhagen_unit.service_tag,
        qualified_at="2026-11-27T08:30:00-08:00",
        partner_timezone="America/Los_Angeles",
    ).json()
    assert body == {
        "service_tag": "CPH0001",
        "qualified_at": "2026-11-27T16:30:00Z",
        "onsite_eligible": True,
        "nbd_eligible": True,
        "kyhd_eligible": True,
        "nbd_target_date": "2026-12-01",
        "nbd_received_on": "2026-11-30",
        "registered_country": "DK",
        "site_country": "DK",
        "site_timezone": "Europe/Copenhagen",
        "site_local_qualified_at": "2026-11-27T17:30:00+01:00",
        "cutoff": "17:00",
        "partner_timezone": "America/Los_Angeles",
        "partner_local_qualified_at": "2026-11-27T08:30:00-08:00",
        "reasons": ["after_cutoff", "timezone_mismatch"],
        "reason_details": body["reason_details"],
    }


def test_partner_zone_defaults_to_the_callers_organisation(api_as, other_reseller_org, django_user_model):
    unit = ConfirmedUnitFactory(service_tag="CPH0002", reseller=other_reseller_org)
    user = django_user_model.objects.create_user("la-agent", organisation=other_reseller_org)
    body = ask(api_as(user), unit.service_tag, qualified_at="2026-11-27T08:30:00-08:00").json()
    assert body["partner_timezone"] == "America/Los_Angeles"
    assert body["reasons"] == ["after_cutoff", "timezone_mismatch"]


def test_site_country_other_than_registered_blocks_onsite(api_as, reseller_user, copenhagen_unit):
    body = ask(
        api_as(reseller_user), copenhagen_unit.service_tag, qualified_at="2026-11-25T10:00:00+01:00", site_country="se"
    ).json()
    assert (body["onsite_eligible"], body["nbd_eligible"], body["nbd_target_date"]) == (False, False, None)
    assert body["site_country"] == "SE"
    assert body["reasons"] == ["location_mismatch"]
    assert body["reason_details"][0]["blocks"] == "onsite"


def test_expired_warranty_unregistered_location_and_no_nbd_service(api_as, reseller_user, reseller_org):
    unit = UnitFactory(
        service_tag="OLD0001",
        reseller=reseller_org,
        warranty_start_on=date(2021, 1, 1),
        warranty_end_on=date(2025, 12, 31),
        nbd_onsite=False,
        location_confirmed=False,
    )
    body = ask(api_as(reseller_user), unit.service_tag, qualified_at="2026-11-25T10:00:00+01:00").json()
    assert body["reasons"] == ["warranty_expired", "nbd_not_available", "location_unregistered"]
    assert (body["onsite_eligible"], body["nbd_eligible"], body["kyhd_eligible"]) == (False, False, False)
    assert [d["blocks"] for d in body["reason_details"]] == ["onsite", "nbd", "none"]


def test_country_without_onsite_coverage(api_as, reseller_user, copenhagen_unit):
    Coverage.objects.filter(country="DK").update(onsite_available=False, kyhd_available=False)
    body = ask(api_as(reseller_user), copenhagen_unit.service_tag, qualified_at="2026-11-25T10:00:00+01:00").json()
    assert body["reasons"] == ["country_not_covered", "kyhd_not_available"]
    assert body["nbd_target_date"] is None


def test_holiday_override_closes_a_day_and_moves_the_target(api_as, reseller_user, copenhagen_unit):
    HolidayOverride.objects.create(country="DK", applies_on=date(2026, 11, 30), kind=OverrideKind.CLOSED, note="Strike")
    body = ask(api_as(reseller_user), copenhagen_unit.service_tag, qualified_at="2026-11-27T18:00:00+01:00").json()
    # Received Monday 30 Nov normally; closed by the override, so received Tuesday, target Wednesday.
    assert (body["nbd_received_on"], body["nbd_target_date"]) == ("2026-12-01", "2026-12-02")


def test_holiday_override_of_another_subdivision_does_not_apply(api_as, reseller_user, honolulu_unit):
    HolidayOverride.objects.create(country="US", subdivision="US-CA", applies_on=date(2026, 11, 30))
    body = ask(api_as(reseller_user), honolulu_unit.service_tag, qualified_at="2026-11-27T18:00:00-10:00").json()
    assert body["nbd_target_date"] == "2026-12-01"


def test_open_override_makes_a_weekend_day_a_business_day(api_as, reseller_user, copenhagen_unit):
    HolidayOverride.objects.create(country="DK", applies_on=date(2026, 11, 28), kind=OverrideKind.OPEN)
    body = ask(api_as(reseller_user), copenhagen_unit.service_tag, qualified_at="2026-11-27T18:00:00+01:00").json()
    assert (body["nbd_received_on"], body["nbd_target_date"]) == ("2026-11-28", "2026-11-30")


def test_tag_is_trimmed_and_upper_cased(api_as, reseller_user, copenhagen_unit):
    response = ask(api_as(reseller_user), " cph0001 ", qualified_at="2026-11-25T10:00:00+01:00")
    assert response.status_code == 200
    assert response.json()["service_tag"] == "CPH0001"


def test_unencoded_plus_in_the_offset_is_understood(api_as, reseller_user, copenhagen_unit):
    response = api_as(reseller_user).get(url("CPH0001") + "?qualified_at=2026-11-27T17:30:00+01:00")
    assert response.status_code == 200, response.json()
    assert response.json()["site_local_qualified_at"] == "2026-11-27T17:30:00+01:00"


@pytest.mark.parametrize("who", ["distributor_user", "mts_user"])
def test_distributor_and_mts_see_the_resellers_unit(api_as, request, who, copenhagen_unit):
    response = ask(api_as(request.getfixturevalue(who)), "CPH0001", qualified_at="2026-11-25T10:00:00+01:00")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("who", "tag"),
    [
        pytest.param("other_reseller_user", "CPH0001", id="other-resellers-unit"),
        pytest.param("dell_user", "CPH0001", id="dell-without-dispatch"),
        pytest.param("reseller_user", "NOPE999", id="unknown-tag"),
        pytest.param("reseller_user", "bad!", id="malformed-tag"),
    ],
)
def test_unit_the_user_may_not_see_is_404(api_as, request, who, tag, copenhagen_unit):
    # Even with bad query parameters: existence must not leak through a 400.
    for params in ({"qualified_at": "2026-11-25T10:00:00+01:00"}, {}):
        response = ask(api_as(request.getfixturevalue(who)), tag, **params)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "code", "hint"),
    [
        pytest.param({}, "required", "2026-11-27T16:30:00+01:00", id="missing"),
        pytest.param({"qualified_at": ""}, "blank", "2026-11-27T16:30:00+01:00", id="blank"),
        pytest.param({"qualified_at": "2026-11-27T16:30:00"}, "qualified_at_naive", "offset", id="naive"),
        pytest.param({"qualified_at": "27/11/2026 16:30"}, "invalid", "2026-11-27T16:30:00+01:00", id="malformed"),
        pytest.param({"qualified_at": "2026-02-30T10:00:00Z"}, "invalid", "ISO 8601", id="no-such-day"),
        pytest.param(
            {"qualified_at": "2026-11-27T10:00:00Z", "site_country": "XX"}, "unknown_country", "DK", id="site-country"
        ),
        pytest.param(
            {"qualified_at": "2026-11-27T10:00:00Z", "partner_timezone": "Mars/Olympus"},
            "unknown_timezone",
            "America/Los_Angeles",
            id="partner-zone",
        ),
    ],
)
def test_bad_input_is_400_with_code_and_a_hint(api_as, reseller_user, copenhagen_unit, params, code, hint):
    response = ask(api_as(reseller_user), "CPH0001", **params)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == code
    assert hint in body["message"]


def test_query_count_does_not_depend_on_reasons(api_as, reseller_user, copenhagen_unit, django_assert_num_queries):
    client = api_as(reseller_user)
    HolidayOverride.objects.create(country="DK", applies_on=date(2026, 11, 30))
    # The token (user and organisation joined), unit, coverage, overrides: whatever the answer says.
    with django_assert_num_queries(4):
        ask(client, "CPH0001", qualified_at="2026-11-27T18:00:00+01:00", site_country="SE")
    with django_assert_num_queries(4):
        ask(client, "CPH0001", qualified_at="2026-11-27T18:00:00+01:00")


def test_schema_documents_the_endpoint(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/units/{service_tag}/eligibility/" in schema
    assert "partner_local_qualified_at" in schema


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-14:00", "1900-06-01T12:00Z"])
def test_a_moment_far_outside_today_is_a_400(api_as, reseller_user, copenhagen_unit, moment):
    response = ask(api_as(reseller_user), copenhagen_unit.service_tag, qualified_at=moment)
    assert response.status_code == 400
    assert response.json()["fields"]["qualified_at"][0]["code"] == "qualified_at_out_of_range"
