"""A figure registered by an app (as NBD attainment will be, from dispatch/reports.py) reaches the page, the CSV,
the API and its comparison without any change to the framework."""

import pytest

from husky_support.reports import Ratio, Table
from partners.kinds import OrgKind
from partners.reports.registry import Figure, registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def nbd_like_figure():
    def headline(ctx, period):
        # Stands in for met / (met + missed) of the verdicts whose target day fell in `period`.
        return Ratio(met=3, total=4) if period == ctx.period else Ratio(met=1, total=2)

    figure = Figure(
        key="nbd_attainment",
        title="NBD attainment",
        description="Onsite dispatches whose NBD target day fell in the period: met over decided.",
        kinds=frozenset({OrgKind.MTS, OrgKind.DELL}),
        unit="NBD verdicts",
        headline=headline,
        detail=lambda ctx: [
            Table(key="causes", title="Misses by cause", columns=("Dispatches",), rows=(("Dell booked late", (1,)),))
        ],
        link=lambda ctx: "/dispatch/queue/?overdue=on",
        applies=frozenset({"country"}),
        higher_is_better=True,
        order=25,
    )
    # It stands in for the real NBD figure while the test runs; the real one comes back afterwards (a test
    # run later, e.g. tests/dispatch/test_nbd_report.py, reads it).
    real = registry.figures.get(figure.key)
    registry.figures[figure.key] = figure
    yield figure
    if real is None:
        del registry.figures[figure.key]
    else:
        registry.figures[figure.key] = real


def test_a_registered_figure_is_everywhere(client, api_as, mts_user, reseller_user, nbd_like_figure):
    body = api_as(mts_user).get("/api/v1/reports/nbd_attainment/?period=7d&priority=p1_critical").json()
    figure = body["figures"][0]
    assert (figure["kind"], figure["value"], figure["previous_value"], figure["change"]) == ("ratio", 75.0, 50.0, 25.0)
    assert figure["ignored_filters"] == ["Priority"]
    client.force_login(mts_user)
    assert 'id="figure-nbd_attainment"' in client.get("/reports/").content.decode()
    assert "Dell booked late,1" in client.get("/reports/nbd_attainment.csv").content.decode()
    # Registered for MTS and Dell only: a reseller has no such figure.
    assert api_as(reseller_user).get("/api/v1/reports/nbd_attainment/").status_code == 404
