"""Ids a client makes up (too large, negative, fractional) are a 400 or a 404, never a crash."""

import pytest

BIG = 2**70


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        pytest.param(f"/api/v1/cases/?reseller={BIG}", id="cases-reseller-too-large"),
        pytest.param(f"/api/v1/cases/?assignee={BIG}", id="cases-assignee-too-large"),
        pytest.param("/api/v1/cases/?assignee=-3", id="cases-assignee-negative"),
        pytest.param(f"/api/v1/units/?reseller={BIG}", id="units-reseller-too-large"),
        pytest.param("/api/v1/units/?reseller=1.5", id="units-reseller-fraction"),
        pytest.param(f"/api/v1/orders/?reseller={BIG}", id="orders-reseller-too-large"),
    ],
)
def test_out_of_range_filter_ids_are_a_400_with_the_field(api_as, mts_admin, url):
    response = api_as(mts_admin).get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in {"max_value", "min_value", "invalid"}
    assert set(body["fields"]) & {"reseller", "assignee"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/cases/{BIG}/",
        f"/api/v1/cases/{BIG}/events/",
        f"/api/v1/organisations/{BIG}/",
        f"/api/v1/users/{BIG}/",
        f"/api/v1/transfers/{BIG}/",
        f"/api/v1/orders/{BIG}/",
        f"/api/v1/webhooks/{BIG}/",
        f"/api/v1/webhooks/{BIG}/deliveries/",
    ],
)
def test_made_up_path_ids_are_a_404(api_as, mts_admin, url):
    response = api_as(mts_admin).get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/users/null,null/", "/api/v1/cases/abc/", "/api/v1/transfers/1.5/", "/api/v1/organisations/-1/"]
)
def test_non_numeric_ids_are_a_404(api_as, mts_admin, url):
    assert api_as(mts_admin).get(url).status_code == 404
    assert api_as(mts_admin).patch(url, {"role": "agent"}, format="json").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        pytest.param("created_after=0852-01-30T16:30:04-22:39", "created_after", id="offset-beyond-14h"),
        pytest.param("updated_after=0001-01-01T00:00:00%2B05:00", "updated_after", id="before-year-one-in-utc"),
        pytest.param("created_before=yesterday", "created_before", id="not-a-date"),
    ],
)
def test_impossible_moments_in_filters_are_a_400(api_as, mts_admin, query, field):
    response = api_as(mts_admin).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert field in response.json()["fields"]


@pytest.mark.django_db
def test_a_moment_with_an_offset_filters_in_utc(api_as, mts_admin):
    response = api_as(mts_admin).get("/api/v1/cases/?created_after=2026-01-01T00:00:00%2B14:00")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/api/v1/coverage/%00/", "/api/v1/tokens/ab%00cd/", "/api/v1/cases/?search=a%00b", "/cases/?q=a%00b"]
)
def test_a_nul_in_the_address_is_a_400_before_any_lookup(api_as, reseller_user, url):
    client = api_as(reseller_user)
    client.force_login(reseller_user)
    response = client.get(url)
    assert response.status_code == 400
