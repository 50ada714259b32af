"""The report "NBD attainment, raw and adjusted" (docs/rules.md rule 9 and "Reports") counts the stored verdicts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch import services, sweeps
from tests.dispatch.factories import NOW, dispatch_for
from tests.servicetags.factories import UnitFactory

pytestmark = pytest.mark.django_db

ON_THE_DAY = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
FRIDAY = datetime(2026, 3, 13, 8, 0, tzinfo=UTC)
PERIOD = "period=custom&from=2026-03-01&to=2026-03-31"


def step(dispatch, actor, action, *, now=NOW, **kwargs):
    dispatch.refresh_from_db()
    return services.dispatch_transition(
        actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=now, **kwargs
    )


def test_raw_counts_every_miss_and_adjusted_leaves_out_the_customers(
    api_as, reseller_user, mts_user, dell_user, reseller_org
):
    met, customer, dell = (
        dispatch_for(reseller_user, mts_user, UnitFactory(service_tag=tag, reseller=reseller_org))
        for tag in ("MET0001", "CUS0001", "DEL0001")
    )
    for dispatch in (met, customer):
        step(dispatch, dell_user, "accept", dispatch_number="D")
        step(dispatch, dell_user, "schedule", visit_start_at=ON_THE_DAY, visit_end_at=ON_THE_DAY + timedelta(hours=2))
    step(met, dell_user, "outcome", now=ON_THE_DAY + timedelta(hours=1), outcome="completed")
    step(
        customer,
        reseller_user,
        "reschedule",
        visit_start_at=FRIDAY,
        visit_end_at=FRIDAY + timedelta(hours=2),
        accept_fee=True,
    )
    sweeps.flag_missed_nbd(now=datetime(2026, 3, 11, 23, 0, tzinfo=UTC))  # `dell` was never accepted
    response = api_as(mts_user).get(f"/api/v1/reports/?{PERIOD}")
    assert response.status_code == 200, response.content
    figure = next(f for f in response.json()["figures"] if f["key"] == "nbd_attainment")
    assert (figure["value"], figure["count"]) == (pytest.approx(33.3), 3)  # raw: 1 met of 3
    tables = {t["key"]: {r["label"]: r["values"] for r in t["rows"]} for t in figure["tables"]}
    # met, missed, missed on the customer's side, raw %, adjusted % (1 met of 2 counted)
    assert tables["nbd_attainment"]["All target days in the period"] == [1, 2, 1, 33, 50]
    assert tables["nbd_country"]["Denmark"] == [1, 2, 1, 33, 50]
    assert tables["nbd_month"]["March 2026"] == [1, 2, 1, 33, 50]
    causes = tables["nbd_causes"]
    assert causes["The visit was moved past the target at the customer's request (customer)"] == [1]
    assert causes["Dell had not accepted the dispatch by the target day (Dell)"] == [1]
    assert "dell_not_accepted" not in str(causes)
