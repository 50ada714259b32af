"""docs/rules.md "Who uses it": each organisation kind sees exactly its own slice; the rest is a 404."""

import pytest

from partners.models import Organisation, User
from partners.visibility import organisations_visible_to, scope_to_viewer, users_visible_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reseller_org, sibling_reseller_org, other_reseller_org, distributor_org, mts_org, dell_org):
    return {
        "reseller": reseller_org,
        "sibling": sibling_reseller_org,
        "other": other_reseller_org,
        "distributor": distributor_org,
        "mts": mts_org,
        "dell": dell_org,
    }


def _names(queryset):
    return set(queryset.values_list("name", flat=True))


def test_reseller_sees_only_itself(world, reseller_user):
    assert _names(organisations_visible_to(reseller_user)) == {"Copenhagen Reseller"}


def test_distributor_sees_itself_and_its_resellers_only(world, distributor_user):
    assert _names(organisations_visible_to(distributor_user)) == {
        "Nordic Distribution",
        "Copenhagen Reseller",
        "Aarhus Reseller",
    }


def test_mts_sees_every_organisation(world, mts_user):
    assert organisations_visible_to(mts_user).count() == Organisation.objects.count()


def test_dell_sees_only_itself(world, dell_user):
    assert _names(organisations_visible_to(dell_user)) == {"Dell Technologies"}


@pytest.fixture
def members(world):
    from tests.partners.factories import UserFactory

    return {name: UserFactory(username=f"member-of-{name}", organisation=org) for name, org in world.items()}


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        pytest.param("reseller_user", {"reseller"}, id="reseller-own-records"),
        pytest.param("distributor_user", {"reseller", "sibling", "distributor"}, id="distributor-own-and-resellers"),
        pytest.param("mts_user", {"reseller", "sibling", "other", "distributor", "mts", "dell"}, id="mts-all"),
        pytest.param("dell_user", set(), id="dell-nothing-undispatched"),
    ],
)
def test_scope_to_viewer_filters_owned_records(world, members, request, viewer, expected):
    """Records owned through a reseller path (here users, owned by their organisation)."""
    user = request.getfixturevalue(viewer)
    owned = User.objects.filter(username__startswith="member-of-")
    scoped = scope_to_viewer(owned, user, reseller_field="organisation", distributor_field="organisation")
    assert {u.username.removeprefix("member-of-") for u in scoped} == expected


def test_inactive_user_or_organisation_sees_nothing(world, reseller_user):
    reseller_user.organisation.is_active = False
    reseller_user.organisation.save()
    assert not organisations_visible_to(reseller_user).exists()
    assert not users_visible_to(reseller_user).exists()


def test_user_without_organisation_sees_nothing(db):
    from tests.partners.factories import UserFactory

    loner = UserFactory(username="loner", organisation=None)
    assert not organisations_visible_to(loner).exists()


def test_api_answers_404_for_another_resellers_organisation(world, reseller_user, api_as):
    client = api_as(reseller_user)
    assert client.get(f"/api/v1/organisations/{world['reseller'].pk}/").status_code == 200
    response = client.get(f"/api/v1/organisations/{world['other'].pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert client.get(f"/api/v1/organisations/{world['sibling'].pk}/").status_code == 404


def test_api_lists_only_visible_users(world, reseller_user, other_reseller_user, distributor_user, api_as):
    usernames = {u["username"] for u in api_as(reseller_user).get("/api/v1/users/").json()["results"]}
    assert usernames == {"reseller"}
    response = api_as(reseller_user).get(f"/api/v1/users/{other_reseller_user.pk}/")
    assert response.status_code == 404
