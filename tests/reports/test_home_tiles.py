"""The home page's headline tiles: this month's NBD attainment, SLA attainment and the backlog waiting on the
viewer's organisation, each read from its report figure through the viewer's gate, each linking to that figure
with the month in the URL; the home's queries do not grow with the cases."""

import re
from datetime import UTC, datetime
from html import unescape

import pytest
import time_machine

from partners.reports import service
from tests.reports.data import PERIOD

pytestmark = pytest.mark.django_db

# Tuesday 10 March 2026, evening in Copenhagen and afternoon in Los Angeles: "this month" is 1-10 March, the
# report data set's period.
DURING = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def tiles(user):
    return {t.key: t for t in service.headline_tiles(user, now=DURING)}


def api_figures(api_as, user):
    response = api_as(user).get(f"/api/v1/reports/?{PERIOD}")
    return {f["key"]: f for f in response.json()["figures"]}


def tile_links(html):
    return {key: unescape(url) for url, key in re.findall(r'href="([^"]+)" id="report-tile-([a-z_]+)"', html)}


def test_mts_tiles_are_the_report_figures_of_the_month(api_as, report_data, mts_user):
    found = tiles(mts_user)
    assert list(found) == ["nbd", "sla", "backlog_waiting"]
    figures = api_figures(api_as, mts_user)
    assert found["sla"].value.percent == figures["sla"]["value"] == 75
    assert found["sla"].counted == "3 of 4"
    assert found["nbd"].value.percent == figures["nbd_attainment"]["value"]
    assert found["backlog_waiting"].value == 1  # A waits on MTS; B waits on the partner, C and F on resellers


def test_a_reseller_counts_only_its_own_cases_waiting_on_it(report_data, reseller_user, other_reseller_user):
    assert tiles(reseller_user)["backlog_waiting"].value == 2  # B (information requested) and F (first level)
    # The sibling reseller's case C waits on its first level: never counted by another reseller.
    assert tiles(other_reseller_user)["backlog_waiting"].value == 0


def test_a_distributor_counts_its_resellers(report_data, distributor_user):
    assert tiles(distributor_user)["backlog_waiting"].value == 3  # B, F and the sibling's C; not D (resolved)


def test_dell_sees_nbd_raw_adjusted_and_what_waits_on_it(api_as, report_data, dell_user):
    found = tiles(dell_user)
    assert list(found) == ["nbd", "nbd_adjusted", "dell_waiting"]
    assert found["nbd"].value.percent == api_figures(api_as, dell_user)["nbd_attainment"]["value"]
    assert found["dell_waiting"].value == 0  # E's dispatch is completed


@pytest.mark.parametrize("who", ["mts_user", "reseller_user", "distributor_user", "dell_user"])
def test_each_tile_links_to_its_figure_with_the_month_in_the_url(request, client, report_data, who):
    client.force_login(request.getfixturevalue(who))
    with time_machine.travel(DURING, tick=False):
        links = tile_links(client.get("/").content.decode())
        assert links, "the home has headline tiles"
        for key, url in links.items():
            if url.startswith("/reports/"):
                assert "period=custom&from=2026-03-01&to=2026-03-10#figure-" in url, key
                path, _, anchor = url.partition("#")
                page = client.get(path)
                assert page.status_code == 200
                assert f'id="{anchor}"' in page.content.decode(), key
            else:
                assert client.get(url).status_code == 200, key


def test_the_homes_queries_do_not_grow_with_the_cases(client, report_data, mts_user, reseller_user, unit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.cases.factories import open_case

    def home_queries(user):
        client.force_login(user)
        with time_machine.travel(DURING, tick=False), CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    before = {u.pk: home_queries(u) for u in (mts_user, reseller_user)}
    for n in range(6):
        open_case(reseller_user, unit, now=datetime(2026, 3, 2 + n, 9, tzinfo=UTC), escalate=n % 2 == 0)
    assert {u.pk: home_queries(u) for u in (mts_user, reseller_user)} == before
