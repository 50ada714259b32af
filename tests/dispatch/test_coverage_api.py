"""Coverage API: everyone signed in reads it; only MTS admins write; bad input is 400 with nothing written."""

from datetime import time

import pytest

from dispatch.models import Coverage

pytestmark = pytest.mark.django_db

URL = "/api/v1/coverage/"
FULL = {"onsite_available": True, "nbd_available": True, "kyhd_available": False, "cutoff": "16:30"}


def test_sample_coverage_is_seeded_for_a_broad_set_of_countries(api_as, reseller_user):
    body = api_as(reseller_user).get(URL, {"page_size": 200}).json()
    countries = {row["country"] for row in body["results"]}
    assert body["count"] >= 40
    assert {"DK", "SE", "NO", "FI", "GB", "US", "CA", "BR", "AU", "JP", "SG", "IN", "AE", "SA", "IL", "ZA"} <= countries
    assert any(not row["nbd_available"] for row in body["results"])
    assert any(not row["onsite_available"] for row in body["results"])


def test_list_filters_by_availability(api_as, dell_user):
    body = api_as(dell_user).get(URL, {"nbd_available": "false", "page_size": 200}).json()
    assert body["results"]
    assert all(row["nbd_available"] is False for row in body["results"])
    assert not any(row["country"] == "DK" for row in body["results"])


def test_get_one_country_in_any_case(api_as, reseller_user):
    response = api_as(reseller_user).get(f"{URL}dk/")
    assert response.status_code == 200
    assert response.json() | {"updated_at": None} == {
        "country": "DK",
        "country_name": "Denmark",
        "onsite_available": True,
        "nbd_available": True,
        "kyhd_available": True,
        "cutoff": "17:00",
        "notes": response.json()["notes"],
        "updated_at": None,
        "updated_by": None,
    }


def test_get_unknown_country_is_404(api_as, reseller_user):
    response = api_as(reseller_user).get(f"{URL}XX/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_mts_admin_put_creates_then_replaces(api_as, mts_admin):
    Coverage.objects.filter(country="LT").delete()
    client = api_as(mts_admin)

    created = client.put(f"{URL}lt/", FULL)
    assert created.status_code == 201, created.json()
    assert created.json()["country"] == "LT"
    assert created.json()["cutoff"] == "16:30"
    assert created.json()["updated_by"] == "mtsadmin"

    replaced = client.put(f"{URL}LT/", {"onsite_available": True, "nbd_available": False, "kyhd_available": True})
    assert replaced.status_code == 200
    row = Coverage.objects.get(country="LT")
    # PUT replaces the whole row: the cut-off not sent returns to the 17:00 default.
    assert (row.nbd_available, row.kyhd_available, row.cutoff) == (False, True, time(17, 0))


def test_a_form_encoded_put_cannot_turn_the_flags_off_by_omission(api_as, mts_admin):
    before = Coverage.objects.get(country="DK")
    response = api_as(mts_admin).put(f"{URL}DK/", {"cutoff": "15:00"}, format="multipart")
    assert response.status_code == 415
    after = Coverage.objects.get(country="DK")
    assert (after.onsite_available, after.nbd_available, after.cutoff) == (
        before.onsite_available,
        before.nbd_available,
        before.cutoff,
    )


def test_a_json_put_names_every_missing_flag(api_as, mts_admin):
    response = api_as(mts_admin).put(f"{URL}DK/", {"cutoff": "15:00"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"onsite_available", "nbd_available", "kyhd_available"}


def test_mts_admin_patch_changes_only_what_is_sent(api_as, mts_admin):
    response = api_as(mts_admin).patch(f"{URL}DK/", {"cutoff": "15:00"})
    assert response.status_code == 200
    row = Coverage.objects.get(country="DK")
    assert (row.cutoff, row.onsite_available, row.updated_by) == (time(15, 0), True, mts_admin)


@pytest.mark.parametrize("who", ["mts_user", "reseller_user", "distributor_user", "dell_user"])
def test_writes_by_anyone_but_an_mts_admin_are_403(api_as, who, request):
    client = api_as(request.getfixturevalue(who))
    before = Coverage.objects.get(country="DK")
    for response in (
        client.put(f"{URL}DK/", {**FULL, "nbd_available": False}),
        client.patch(f"{URL}DK/", {"nbd_available": False}),
        client.put(f"{URL}LT/", FULL),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "mts_admin_required"
    assert Coverage.objects.get(country="DK").nbd_available == before.nbd_available
    assert not Coverage.objects.filter(country="LT").exists()


@pytest.mark.parametrize(
    ("country", "body", "code"),
    [
        pytest.param("XX", FULL, "unknown_country", id="not-a-country"),
        pytest.param("DNK", FULL, "unknown_country", id="alpha-3"),
        pytest.param("LT", {**FULL, "cutoff": "25:00"}, "invalid", id="bad-cutoff"),
        pytest.param("LT", {**FULL, "cutoff": "5pm"}, "invalid", id="cutoff-words"),
        pytest.param("LT", {"onsite_available": True, "nbd_available": True}, "required", id="missing-flag"),
        pytest.param("LT", {**FULL, "country": "SE"}, "country_mismatch", id="body-country-differs"),
    ],
)
def test_bad_put_is_400_with_code_and_writes_nothing(api_as, mts_admin, country, body, code):
    Coverage.objects.filter(country="LT").delete()
    response = api_as(mts_admin).put(f"{URL}{country}/", body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert not Coverage.objects.filter(country__in=[country.upper(), "LT"]).exists()


def test_bad_patch_leaves_the_row_unchanged(api_as, mts_admin):
    response = api_as(mts_admin).patch(f"{URL}DK/", {"cutoff": "noon"})
    assert response.status_code == 400
    assert Coverage.objects.get(country="DK").cutoff == time(17, 0)


def test_anonymous_cannot_read(api_client):
    assert api_client.get(URL).status_code in {401, 403}


def test_list_query_count_is_constant(api_as, reseller_user, django_assert_max_num_queries):
    client = api_as(reseller_user)
    with django_assert_max_num_queries(6):
        client.get(URL, {"page_size": 200})


def test_country_names_are_the_maintained_ones_and_codes_stay_alpha_2(api_as, dell_user):
    body = api_as(dell_user).get(f"{URL}gb/").json()
    assert (body["country"], body["country_name"]) == ("GB", "United Kingdom")
    assert api_as(dell_user).get(f"{URL}us/").json()["country_name"] == "United States of America"
