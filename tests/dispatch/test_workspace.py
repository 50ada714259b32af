"""Dell's workspace: the home tiles (what waits on Dell, each site on its own clock) leading to the queue filtered
by the same condition, the visit schedule by day and week in site time with the viewer's beside, MTS's Dell tile,
and pages whose number of queries does not grow with the number of dispatches."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from dispatch.models import Dispatch, Part
from partners.models import HolidayOverride, OverrideKind
from tests.dispatch.factories import NOW, bulk_dispatches

pytestmark = pytest.mark.django_db

# NOW: Tuesday 10 March 2026, 12:00 UTC = 13:00 in Copenhagen, 05:00 in Los Angeles (summer time since 8 March).
LA = "America/Los_Angeles"


def tiles(html: str) -> dict[str, int]:
    return {key: int(n) for key, n in re.findall(r'id="tile-(\w+)"><div class="card-body py-2"><div[^>]*>(\d+)<', html)}


@pytest.fixture
def world(reseller_org, dell_user):
    """One dispatch per tile (and a few that must not count), in Copenhagen and Los Angeles."""
    rows = bulk_dispatches(9, reseller=reseller_org, dell_org=dell_user.organisation)
    far = date(2026, 3, 20)

    def put(row: Dispatch, **fields):
        values = {"nbd_target_on": far, "visit_start_at": None, "visit_end_at": None, **fields}
        if values["visit_start_at"] is not None and values["visit_end_at"] is None:
            values["visit_end_at"] = values["visit_start_at"] + timedelta(hours=3)
        Dispatch.objects.filter(pk=row.pk).update(**values)
        return row.case.number

    names = {
        "stale_request": put(rows[0], state="requested", created_at=NOW - timedelta(days=3)),
        "fresh_request": put(rows[1], state="requested", created_at=NOW - timedelta(hours=1)),
        "to_schedule": put(rows[2], state="accepted"),
        # 15:00 in Copenhagen today, the NBD target day
        "today_cph": put(
            rows[3], visit_start_at=datetime(2026, 3, 10, 14, tzinfo=UTC), nbd_target_on=date(2026, 3, 10)
        ),
        # 09:00 in Copenhagen tomorrow
        "tomorrow_cph": put(rows[4], visit_start_at=datetime(2026, 3, 11, 8, tzinfo=UTC)),
        # 00:30 on Thursday in Copenhagen, though still Wednesday in UTC: not tomorrow
        "thursday_cph": put(rows[5], visit_start_at=datetime(2026, 3, 11, 23, 30, tzinfo=UTC)),
        "missed": put(
            rows[6],
            visit_start_at=datetime(2026, 3, 17, 8, tzinfo=UTC),
            nbd_target_on=date(2026, 3, 9),
            nbd_missed_at=datetime(2026, 3, 9, 23, tzinfo=UTC),
        ),
        "part_overdue": put(rows[7], state="completed"),
        # 16:00 today in Los Angeles: Wednesday already in Copenhagen and UTC
        "today_la": put(
            rows[8],
            visit_start_at=datetime(2026, 3, 10, 23, tzinfo=UTC),
            site_timezone=LA,
            site_country="US",
        ),
    }
    Part.objects.create(
        dispatch=rows[7], part_number="PSU-1", description="Power supply", created_at=NOW, return_flagged_at=NOW
    )
    return names


@time_machine.travel(NOW, tick=False)
def test_dells_home_counts_what_waits_and_each_tile_leads_to_its_queue(client, dell_user, world):
    client.force_login(dell_user)
    home = client.get("/").content.decode()
    assert tiles(home) == {
        "to_accept": 2,
        "to_schedule": 1,
        "visit_today": 2,
        "visit_tomorrow": 1,
        "nbd_today": 1,
        "nbd_missed": 1,
        "part_overdue": 1,
    }
    expected = {
        "to_accept": {"stale_request", "fresh_request"},
        "visit_today": {"today_cph", "today_la"},
        "visit_tomorrow": {"tomorrow_cph"},
        "nbd_today": {"today_cph"},
        "nbd_missed": {"missed"},
        "part_overdue": {"part_overdue"},
    }
    for key, names in expected.items():
        assert f'href="/dispatch/queue/?waiting={key}"' in home
        queue = client.get(f"/dispatch/queue/?waiting={key}").content.decode()
        shown = {name for name, number in world.items() if f">{number}</a>" in queue}
        assert shown == names, key


@time_machine.travel(NOW, tick=False)
def test_mts_home_has_a_dell_tile(client, mts_user, world):
    client.force_login(mts_user)
    home = client.get("/").content.decode()
    # Requested on Saturday: more than one business day ago (Monday 13:00 at the site); the other one an hour ago.
    assert tiles(home) == {"request_stale": 1, "nbd_today": 1, "missed_week": 1}
    queue = client.get("/dispatch/queue/?waiting=request_stale").content.decode()
    assert f">{world['stale_request']}</a>" in queue
    assert f">{world['fresh_request']}</a>" not in queue


@time_machine.travel(NOW, tick=False)
def test_a_holiday_override_counts_in_the_business_day_a_request_waits(client, mts_user, world):
    HolidayOverride.objects.create(
        country="DK", applies_on=date(2026, 3, 9), kind=OverrideKind.CLOSED, note="Site closed"
    )
    client.force_login(mts_user)
    # Monday closed at the site: the Saturday request has not yet waited a business day.
    assert tiles(client.get("/").content.decode())["request_stale"] == 0


@time_machine.travel(NOW, tick=False)
def test_the_schedule_groups_visits_by_the_sites_day_with_the_viewers_time(client, dell_user, world):
    client.force_login(dell_user)
    page = client.get("/dispatch/schedule/?view=week&on=2026-03-10").content.decode()
    days = re.split(r'<h2 class="h6 mb-2" id="day-', page)[1:]
    assert len(days) == 7  # Monday 9 to Sunday 15 March
    tuesday, wednesday, thursday = days[1], days[2], days[3]
    assert world["today_cph"] in tuesday
    assert world["today_la"] in tuesday
    assert world["tomorrow_cph"] in wednesday
    assert world["thursday_cph"] in thursday
    assert world["missed"] not in page  # next week
    # Copenhagen 15:00-18:00 is 09:00-12:00 in Chicago (Dell's zone); Los Angeles 16:00 is 18:00 there.
    assert "15:00–18:00</strong> site time" in tuesday
    assert "09:00–12:00 your time" in tuesday
    assert "16:00–19:00</strong> site time" in tuesday
    assert "18:00–21:00 your time" in tuesday
    day = client.get("/dispatch/schedule/?view=day&on=2026-03-10&country=US").content.decode()
    assert world["today_la"] in day
    assert world["today_cph"] not in day


def test_a_partner_has_no_schedule(client, reseller_user):
    client.force_login(reseller_user)
    assert client.get("/dispatch/schedule/").status_code == 403
    assert "/dispatch/schedule/" not in client.get("/").content.decode()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("who", ["dell", "mts"])
def test_home_queue_and_schedule_cost_the_same_for_20_and_300_dispatches(
    who, client, dell_user, mts_user, reseller_org, django_assert_max_num_queries
):
    client.force_login(dell_user if who == "dell" else mts_user)
    bulk_dispatches(20, reseller=reseller_org, dell_org=dell_user.organisation)
    # session, user, organisation, then: the home's other panels (transfers; MTS: the triage counts and top 5),
    # the tiles' places, (MTS) the holiday overrides of their countries and one aggregate; the report headline
    # tiles (NBD attainment; Dell: what waits on it; MTS: SLA attainment and the backlog by state); the queue's
    # places and page; the schedule's one query of visits.
    budgets = {
        "dell": {"/": 8, "/dispatch/queue/?waiting=nbd_today": 5, "/dispatch/schedule/": 4},
        "mts": {"/": 12, "/dispatch/queue/?waiting=nbd_today": 5, "/dispatch/schedule/": 4},
    }[who]
    for count in (20, 280):
        bulk_dispatches(count, reseller=reseller_org, dell_org=dell_user.organisation)
        for url, budget in budgets.items():
            with django_assert_max_num_queries(budget):
                assert client.get(url).status_code == 200


def test_a_dell_home_without_dispatches_counts_nothing(client, dell_user):
    client.force_login(dell_user)
    home = client.get("/")
    assert home.status_code == 200
    assert set(tiles(home.content.decode()).values()) == {0}
    assert client.get("/dispatch/queue/?waiting=visit_today").status_code == 200
