"""The backlog rollup (cases.rollups) gives the numbers of counting the cases, on the hand-built data set
(tests/reports/data.py): for every day, every viewer and the filters it keeps; after missed days; run twice."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from cases import rollups
from cases.models import BacklogCount, BacklogSnapshot, Case
from cases.selectors import cases_visible_to
from tests.reports.data import PERIOD
from tests.reports.test_figures import headline, report, rows

pytestmark = pytest.mark.django_db

ZONE = "Europe/Copenhagen"  # MTS's, the distributor's and the resellers' zone in the data set
LATER = datetime(2026, 3, 12, 10, 0, tzinfo=UTC)  # two days after the report period: 2-11 March have ended
DAYS = [date(2026, 3, n) for n in range(1, 12)]


def counted(user, day, **filters):
    """Open cases by who they wait on at the end of `day`, counted from the cases (the figure's direct query)."""
    cases = cases_visible_to(user).filter(**filters)
    at = rollups.end_of(day, ZONE)
    rows = rollups.backlog_at(cases, at, now=LATER).values_list("waits_on", flat=True)
    return dict(Counter(rows))


def rolled(user, day, **filters):
    return rollups.rolled_backlog(user, filters, ZONE, day)


def test_every_days_snapshot_counts_what_the_cases_say(
    report_data, mts_user, reseller_user, distributor_user, other_reseller_user, dell_user
):
    rollups.take_snapshots(now=LATER)
    # Known by hand (tests/reports/data.py): C, D and E open at the end of 3 March; D resolved on the 4th;
    # all of A, B, C, E and F at the end of the 10th.
    assert sum(rolled(mts_user, date(2026, 3, 3)).values()) == 3
    assert rolled(mts_user, date(2026, 3, 5)) == {"reseller": 1, "dell": 1}
    assert sum(rolled(mts_user, date(2026, 3, 10)).values()) == 5
    assert rolled(mts_user, date(2026, 3, 1)) is None  # before the first case: never snapshotted, counted directly
    for day in DAYS[1:]:
        for user in (mts_user, reseller_user, distributor_user, other_reseller_user):
            assert rolled(user, day) == counted(user, day), (user.username, day)
    # The reseller filter keeps the rollup (a dimension of it), visibility included.
    sibling = report_data.c.reseller_id
    assert rolled(distributor_user, date(2026, 3, 10), reseller=sibling) == {"reseller": 1}
    assert rolled(distributor_user, date(2026, 3, 10), reseller=sibling) == counted(
        distributor_user, date(2026, 3, 10), reseller_id=sibling
    )


def test_the_figure_reads_the_snapshot_and_gives_the_same_numbers(api_as, report_data, mts_user, distributor_user):
    direct = {user: report(api_as, user)["backlog"] for user in (mts_user, distributor_user)}
    taken = rollups.take_snapshots(now=datetime.now(UTC), per_zone=1000)
    assert taken > 0
    # Proof that the figure reads the rollup now: the snapshot of the period's last day is what it shows.
    for user in (mts_user, distributor_user):
        backlog = report(api_as, user)["backlog"]
        assert headline(backlog) == headline(direct[user])
        assert rows(backlog, "waits_on") == rows(direct[user], "waits_on")
    snapshot = BacklogSnapshot.objects.get(zone=ZONE, day=date(2026, 3, 10))
    BacklogCount.objects.filter(snapshot=snapshot, state="l3_dell").update(cases=7)
    assert report(api_as, mts_user)["backlog"]["value"] == 11  # 4 + 7: from the rollup rows


def test_a_filter_outside_the_rollup_counts_the_cases(api_as, report_data, mts_user):
    rollups.take_snapshots(now=datetime.now(UTC), per_zone=1000)
    for key, value in {"team": report_data.a.team_id, "priority": "p1_critical", "country": "DK"}.items():
        assert rolled(mts_user, date(2026, 3, 10), **{key: value}) is None
    BacklogCount.objects.update(cases=99)  # a rollup read now would show
    backlog = report(api_as, mts_user, f"{PERIOD}&priority=p1_critical")["backlog"]
    assert backlog["value"] == Case.objects.filter(priority="p1_critical").exclude(pk=report_data.d.pk).count()


def test_missed_days_are_caught_up_most_recent_first_and_a_rerun_changes_nothing(report_data, mts_user):
    # The job did not run for days: each run takes at most two days per zone, the most recent first.
    assert rollups.take_snapshots(now=LATER, per_zone=2) == 2 * len(rollups.viewer_zones())
    assert set(BacklogSnapshot.objects.filter(zone=ZONE).values_list("day", flat=True)) == {DAYS[10], DAYS[9]}
    assert rolled(mts_user, date(2026, 3, 5)) is None  # not yet: the figure counts the cases meanwhile
    while rollups.take_snapshots(now=LATER, per_zone=2):
        pass
    assert set(BacklogSnapshot.objects.filter(zone=ZONE).values_list("day", flat=True)) == set(DAYS[1:])
    for day in DAYS[1:]:
        assert rolled(mts_user, day) == counted(mts_user, day)
    # Taken days later, after the cases moved on (D resolved, F opened), a day still counts as it ended.
    assert rolled(mts_user, date(2026, 3, 3)) == counted(mts_user, date(2026, 3, 3))

    before = list(BacklogCount.objects.order_by("pk").values_list("snapshot__day", "state", "reseller_id", "cases"))
    assert rollups.take_snapshots(now=LATER) == 0
    assert rollups.take_snapshot(ZONE, date(2026, 3, 5), now=LATER) is False
    assert list(BacklogCount.objects.order_by("pk").values_list("snapshot__day", "state", "reseller_id", "cases")) == (
        before
    )


def test_a_day_is_snapshotted_only_once_it_has_ended(report_data):
    midnight = rollups.end_of(date(2026, 3, 10), ZONE)
    assert date(2026, 3, 10) not in rollups.missing_days(ZONE, now=midnight)
    assert date(2026, 3, 10) in rollups.missing_days(ZONE, now=midnight + timedelta(seconds=1))
    assert rollups.missing_days(ZONE, now=midnight)[0] == date(2026, 3, 9)
