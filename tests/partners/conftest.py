import pytest

from partners.kinds import Role
from tests.partners.factories import DistributorFactory, ResellerFactory, UserFactory


@pytest.fixture(autouse=True)
def _private_media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def org_matrix(reseller_org, sibling_reseller_org, other_reseller_org, distributor_org, mts_org, dell_org):
    """One user in each kind of organisation, related and unrelated: name -> user."""
    other_distributor = other_reseller_org.distributor
    lonely_distributor = DistributorFactory(name="Lonely Distribution")
    orgs = {
        "reseller": reseller_org,
        "sibling reseller": sibling_reseller_org,
        "other reseller": other_reseller_org,
        "distributor": distributor_org,
        "other distributor": other_distributor,
        "distributor without resellers": lonely_distributor,
        "mts": mts_org,
        "dell": dell_org,
    }
    return {
        name: UserFactory(username=f"matrix-{name.replace(' ', '-')}", organisation=org, role=Role.ADMIN.value)
        for name, org in orgs.items()
    }


@pytest.fixture
def inactive_reseller(distributor_org):
    return ResellerFactory(name="Closed Reseller", distributor=distributor_org, is_active=False)
