"""The case page shows the unit's eligibility and NBD target (a panel dispatch plugs in through cases.hooks)."""

from datetime import time

import pytest
import time_machine

from dispatch.models import Coverage
from tests.cases.factories import open_case
from tests.dispatch.factories import NOW, bulk_dispatches
from tests.servicetags.factories import ConfirmedUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(reseller_org):
    Coverage.objects.update_or_create(
        country="DK",
        defaults={"onsite_available": True, "nbd_available": True, "kyhd_available": True, "cutoff": time(17)},
    )
    return ConfirmedUnitFactory(service_tag="CPH0001", reseller=reseller_org)


@time_machine.travel(NOW, tick=False)
def test_case_page_shows_the_units_nbd_target_and_links_the_unit(client, reseller_user, unit):
    # Tuesday 10 March 2026, 13:00 in Copenhagen: before the 17:00 cut-off, so the target is Wednesday.
    case = open_case(reseller_user, unit, now=NOW)
    client.force_login(reseller_user)
    html = client.get(f"/cases/{case.number}/").content.decode()
    assert 'id="case-eligibility"' in html
    assert "Onsite eligible" in html
    assert "Next-business-day target if qualified now: <strong>Wednesday 11 March 2026</strong>" in html
    assert 'href="/units/CPH0001/"' in html


@time_machine.travel(NOW, tick=False)
def test_a_unit_without_nbd_says_best_effort(client, reseller_user, unit):
    unit.nbd_onsite = False
    unit.save(update_fields=["nbd_onsite"])
    case = open_case(reseller_user, unit, now=NOW)
    client.force_login(reseller_user)
    html = client.get(f"/cases/{case.number}/").content.decode()
    assert "best effort" in html
    assert "Next-business-day target if qualified now" not in html


def test_a_case_without_a_unit_has_no_eligibility_panel(client, reseller_user):
    case = open_case(reseller_user, None, category="software", component="")
    client.force_login(reseller_user)
    html = client.get(f"/cases/{case.number}/").content.decode()
    assert 'id="case-eligibility"' not in html


def test_the_dispatch_queue_links_the_case_and_the_unit(client, mts_user, reseller_org, dell_org, unit):
    (dispatch,) = bulk_dispatches(1, reseller=reseller_org, dell_org=dell_org, unit=unit)
    client.force_login(mts_user)
    html = client.get("/dispatch/queue/").content.decode()
    assert f'href="/cases/{dispatch.case.number}/#dispatch"' in html
    assert 'href="/units/CPH0001/"' in html
