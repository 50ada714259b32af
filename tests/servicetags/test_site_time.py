"""Site-local time beside the viewer's time on the unit and transfer pages (issue 9 §4)."""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from servicetags.models import TransferStatus
from tests.servicetags.factories import TransferFactory, UnitFactory

pytestmark = pytest.mark.django_db

# 2026-06-10 14:05 UTC is Wed 10:05 in New York (EDT, UTC-4) and Wed 16:05 in Copenhagen (CEST, UTC+2).
FROZEN_AT = dt.datetime(2026, 6, 10, 14, 5, tzinfo=dt.UTC)


def _new_york_unit(reseller_org):
    return UnitFactory(
        service_tag="NYC0001",
        reseller=reseller_org,
        address_line1="350 5th Ave",
        city="New York",
        postal_code="10118",
        country="US",
        subdivision="NY",
        timezone="America/New_York",
    )


@time_machine.travel(FROZEN_AT, tick=False)
def test_new_york_unit_viewed_from_copenhagen_shows_new_york_site_time(client, reseller_user, reseller_org):
    reseller_user.timezone = "Europe/Copenhagen"
    reseller_user.save(update_fields=["timezone"])
    _new_york_unit(reseller_org)
    client.force_login(reseller_user)
    page = client.get(reverse("servicetags:unit_detail", args=["NYC0001"])).content.decode()
    assert re.search(r"site time now <strong data-site-now>Wed 10:05</strong>", page)
    assert "your time <span data-viewer-now>Wed 16:05</span>" in page


@time_machine.travel(FROZEN_AT, tick=False)
def test_the_viewer_clock_is_the_users_own_zone_not_the_organisations(client, reseller_user, reseller_org):
    """A Copenhagen reseller's user who set Asia/Tokyo reads Tokyo time (as the footer says)."""
    reseller_user.timezone = "Asia/Tokyo"
    reseller_user.save(update_fields=["timezone"])
    _new_york_unit(reseller_org)
    client.force_login(reseller_user)
    page = client.get(reverse("servicetags:unit_detail", args=["NYC0001"])).content.decode()
    assert "<strong data-site-now>Wed 10:05</strong>" in page
    assert "your time <span data-viewer-now>Wed 23:05</span>" in page


@time_machine.travel(FROZEN_AT, tick=False)
def test_a_site_in_the_viewers_zone_shows_one_clock(client, reseller_user, reseller_org):
    UnitFactory(service_tag="CPH0001", reseller=reseller_org)
    client.force_login(reseller_user)
    page = client.get(reverse("servicetags:unit_detail", args=["CPH0001"])).content.decode()
    assert "<strong data-site-now>Wed 16:05</strong>" in page
    assert "data-viewer-now" not in page


def test_transfer_times_show_the_site_clock_beside_the_viewers(client, reseller_user, reseller_org):
    unit = _new_york_unit(reseller_org)
    transfer = TransferFactory(
        unit=unit,
        status=TransferStatus.SUBMITTED,
        city="Boston",
        country="US",
        subdivision="MA",
        timezone="America/New_York",
        submitted_at=FROZEN_AT,
    )
    client.force_login(reseller_user)
    expected = "Wed 10 Jun 2026, 16:05</time> your time · <span data-site-time"
    for url in (
        reverse("servicetags:unit_detail", args=["NYC0001"]),
        reverse("servicetags:transfer_detail", args=[transfer.pk]),
        reverse("servicetags:transfer_queue"),
    ):
        page = client.get(url).content.decode()
        assert expected in page, url
        assert 'title="America/New_York">10:05 at the site</span>' in page, url


def test_the_confirmation_queue_links_each_unit(client, mts_user, reseller_org):
    unit = _new_york_unit(reseller_org)
    TransferFactory(unit=unit, status=TransferStatus.SUBMITTED, submitted_at=FROZEN_AT)
    client.force_login(mts_user)
    queue = client.get(reverse("servicetags:transfer_queue")).content.decode()
    assert 'href="/units/NYC0001/"' in queue
