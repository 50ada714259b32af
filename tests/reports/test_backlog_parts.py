"""The backlog's "Parts" row (docs/rules.md "Reports"): a case at Dell whose parts-only dispatch has shipped its
parts waits on the parts until the dispatch is completed; before the shipment it waits on Dell. Counted at the
end of each period from the timeline, now from the dispatch's state, and from the daily rollup alike."""

from datetime import UTC, date, datetime

import pytest
from django.http import QueryDict

from cases import rollups
from dispatch import services as dispatch_services
from partners.reports import service
from tests.dispatch.factories import dispatch_for
from tests.reports.data import PERIOD, _dispatch_step, at
from tests.reports.test_figures import report, rows
from tests.servicetags.factories import UnitFactory

pytestmark = pytest.mark.django_db

ZONE = "Europe/Copenhagen"


def period_to(day: int) -> str:
    return f"period=custom&from=2026-03-01&to=2026-03-{day:02d}"


@pytest.fixture
def parts_dispatch(report_data, reseller_user, mts_user, dell_user, unit):
    """G: a parts-only dispatch requested Wednesday 4 March, accepted the same day, its part shipped Thursday 5 and
    delivered Monday 9 March; not completed yet."""
    g_unit = UnitFactory(service_tag="GHI9012", reseller=unit.reseller)
    dispatch = dispatch_for(
        reseller_user, mts_user, g_unit, now=at(4, 10), request={"kind": "parts_only"}, title="G on parts"
    )
    dispatch = _dispatch_step(dispatch, dell_user, "accept", at(4, 11), dispatch_number="DSP-7")
    dispatch_services.part_add(
        actor=dell_user,
        dispatch=dispatch,
        values={"part_number": "0X1Y2Z", "description": "Power supply", "quantity": 1},
        now=at(4, 12),
    )
    dispatch = _dispatch_step(dispatch, dell_user, "ship_parts", at(5, 10))
    return _dispatch_step(dispatch, reseller_user, "confirm_delivery", at(9, 10))


def waits_on(api_as, user, query=PERIOD):
    return rows(report(api_as, user, query)["backlog"], "waits_on")


def test_a_case_waits_on_dell_until_its_parts_ship_then_on_the_parts(api_as, parts_dispatch, mts_user):
    # End of 4 March: G accepted, nothing shipped: with Dell beside E.
    by_who = waits_on(api_as, mts_user, period_to(4))
    assert (by_who["Dell"], by_who["Parts"]) == ([2], [0])
    # End of 5 March (shipped) and of 10 March (delivered, not fitted): on the parts; E stays with Dell.
    for day in (5, 10):
        by_who = waits_on(api_as, mts_user, period_to(day))
        assert (by_who["Dell"], by_who["Parts"]) == ([1], [1]), day
    # Every open case is in exactly one row.
    assert sum(v[0] for v in waits_on(api_as, mts_user).values()) == report(api_as, mts_user)["backlog"]["value"]


def test_completing_the_dispatch_takes_the_case_off_the_parts(api_as, parts_dispatch, mts_user):
    _dispatch_step(parts_dispatch, mts_user, "complete", at(12, 10))
    assert waits_on(api_as, mts_user, period_to(11))["Parts"] == [1]  # before the completion
    assert waits_on(api_as, mts_user, period_to(12))["Parts"] == [0]


def test_while_the_period_runs_the_parts_are_read_from_the_dispatch(parts_dispatch, mts_user):
    during = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # before the viewer's midnight ending the period
    ctx = service.report_context(mts_user, QueryDict(PERIOD), now=during)
    backlog = next(r for r in service.run_report(ctx) if r.figure.key == "backlog")
    assert dict(backlog.tables[0].rows)["Parts"] == (1,)
    assert dict(backlog.tables[0].rows)["Dell"] == (1,)


def test_the_rollup_keeps_the_parts_apart(api_as, parts_dispatch, mts_user, reseller_user):
    direct = {user: waits_on(api_as, user) for user in (mts_user, reseller_user)}
    later = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
    rollups.take_snapshots(now=later)
    assert rollups.rolled_backlog(mts_user, {}, ZONE, date(2026, 3, 4)) == {"dell": 2, "reseller": 1}  # E, G; C
    assert rollups.rolled_backlog(mts_user, {}, ZONE, date(2026, 3, 6))["parts"] == 1
    for user in (mts_user, reseller_user):
        assert waits_on(api_as, user) == direct[user]  # the period's end read from its snapshot
