import pytest

from tests.servicetags.factories import UnitFactory


@pytest.fixture
def unit(reseller_org):
    return UnitFactory(service_tag="ABC1234", reseller=reseller_org)


@pytest.fixture
def other_unit(other_reseller_org):
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
