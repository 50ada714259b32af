"""Shared fixtures: one organisation of each kind, a second reseller elsewhere, and API clients."""

import pytest
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from partners.kinds import Role
from partners.services import token_create
from tests.partners.factories import (
    DellFactory,
    DistributorFactory,
    MtsFactory,
    ResellerFactory,
    UserFactory,
)
from tests.servicetags.factories import UnitFactory

PASSWORD = "correct-horse-battery"

# The suite shares two cores with everything else on the machine: judge properties on their
# results, never on how long one example took (speed is measured in bench/, not in tests).
hypothesis_settings.register_profile("husky", deadline=None)
hypothesis_settings.load_profile("husky")


@pytest.fixture
def distributor_org(db):
    return DistributorFactory(name="Nordic Distribution", country="DK", timezone="Europe/Copenhagen")


@pytest.fixture
def reseller_org(distributor_org):
    return ResellerFactory(name="Copenhagen Reseller", distributor=distributor_org)


@pytest.fixture
def other_reseller_org(db):
    """A reseller under a different distributor, in another country and zone."""
    other_distributor = DistributorFactory(name="Other Distribution", country="US", timezone="America/New_York")
    return ResellerFactory(
        name="Los Angeles Reseller", distributor=other_distributor, country="US", timezone="America/Los_Angeles"
    )


@pytest.fixture
def sibling_reseller_org(distributor_org):
    """A second reseller under the same distributor."""
    return ResellerFactory(name="Aarhus Reseller", distributor=distributor_org)


@pytest.fixture
def mts_org(db):
    return MtsFactory()


@pytest.fixture
def dell_org(db):
    return DellFactory()


@pytest.fixture
def reseller_user(reseller_org):
    return UserFactory(username="reseller", organisation=reseller_org, role=Role.ADMIN.value)


@pytest.fixture
def reseller_agent(reseller_org):
    return UserFactory(username="reseller-agent", organisation=reseller_org)


@pytest.fixture
def other_reseller_user(other_reseller_org):
    return UserFactory(username="other-reseller", organisation=other_reseller_org, role=Role.ADMIN.value)


@pytest.fixture
def distributor_user(distributor_org):
    return UserFactory(username="distributor", organisation=distributor_org, role=Role.ADMIN.value)


@pytest.fixture
def mts_user(mts_org):
    return UserFactory(username="mts", organisation=mts_org)


@pytest.fixture
def mts_admin(mts_org):
    return UserFactory(username="mtsadmin", organisation=mts_org, role=Role.ADMIN.value, is_staff=True)


@pytest.fixture
def dell_user(dell_org):
    return UserFactory(username="dell", organisation=dell_org)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def api_as():
    """`api_as(user)` returns an APIClient authenticated with a real API token of that user."""

    def make(user):
        _token, key = token_create(actor=user, user=user, name="test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


@pytest.fixture
def unit(reseller_org):
    """A Copenhagen unit of `reseller_org`."""
    return UnitFactory(service_tag="ABC1234", reseller=reseller_org)


@pytest.fixture
def other_unit(other_reseller_org):
    """A Los Angeles unit of the reseller under the other distributor."""
    return UnitFactory(
        service_tag="ZZZ9999",
        reseller=other_reseller_org,
        address_line1="600 Wilshire Blvd",
        city="Los Angeles",
        postal_code="90017",
        country="US",
        subdivision="US-CA",
        timezone="America/Los_Angeles",
    )


@pytest.fixture
def receiver():
    """A real webhook receiver on 127.0.0.1 (ports 18100-18199), stopped after the test."""
    from tests.partners.receiver import Receiver

    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def nordic_team(mts_user):
    """The MTS team serving Denmark (the units' country), with `mts_user` in it: hears escalations."""
    from tests.cases.factories import TeamFactory

    team = TeamFactory(name="Nordics", countries=["DK"])
    team.members.add(mts_user)
    return team


@pytest.fixture
def celery_eager():
    """Run tasks in-process when they are enqueued (with on-commit callbacks captured)."""
    from husky_support.celery import app as celery_app

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
