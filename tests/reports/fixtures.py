"""The report data set as fixtures (imported by the conftest here and by the browser test)."""

import importlib

import pytest
from django.apps import apps

from partners.kinds import Role
from tests.partners.factories import UserFactory
from tests.reports import data
from tests.servicetags.factories import UnitFactory


@pytest.fixture
def sibling_user(sibling_reseller_org):
    return UserFactory(username="sibling", organisation=sibling_reseller_org, role=Role.ADMIN.value)


@pytest.fixture
def report_data(reseller_user, sibling_user, other_reseller_user, mts_user, dell_user, unit, other_unit):
    # The coverage table as its migration seeds it (the data set escalates to Dell): a transactional test that
    # ran earlier on this worker flushed it.
    importlib.import_module("dispatch.migrations.0002_seed_coverage").seed(apps, None)
    sibling_unit = UnitFactory(service_tag="SIB1234", reseller=sibling_user.organisation)
    return data.build(
        reseller_user=reseller_user,
        sibling_user=sibling_user,
        other_user=other_reseller_user,
        mts_user=mts_user,
        dell_user=dell_user,
        unit=unit,
        sibling_unit=sibling_unit,
        other_unit=other_unit,
    )
