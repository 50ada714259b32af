"""The dispatch workers: reschedule-window reminders and freezes, NBD missed, part returns. Each runs
twice to show it does nothing twice; the task runs under time travel like beat would run it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import CaseEvent, EventKind
from dispatch import services, sweeps
from dispatch.models import Dispatch
from dispatch.tasks import dispatch_sweeps_task
from husky_support.celery import app as celery_app
from tests.dispatch.factories import NOW, dispatch_for
from tests.servicetags.factories import ConfirmedUnitFactory

LATER = "The customer asked for a later day"

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def step(dispatch, actor, action, *, now=NOW, **kwargs):
    dispatch.refresh_from_db()
    return services.dispatch_transition(
        actor=actor, dispatch=dispatch, action=action, version=dispatch.version, now=now, **kwargs
    )


def book(dispatch, dell_user, start, *, now=NOW):
    step(dispatch, dell_user, "accept", now=now, dispatch_number="DSP-5")
    return step(
        dispatch,
        dell_user,
        "schedule",
        now=now,
        visit_start_at=start,
        visit_end_at=start + timedelta(hours=2),
        past_target_reason=LATER,
    )


def events(dispatch, action):
    return CaseEvent.objects.filter(case=dispatch.case, kind=EventKind.DISPATCH, action=action).count()


@pytest.fixture
def honolulu_unit(reseller_org):
    """A unit far from its Copenhagen partner: Honolulu is 11 hours behind in March."""
    return ConfirmedUnitFactory(
        service_tag="HNL1234",
        reseller=reseller_org,
        address_line1="1 Aloha Tower Dr",
        city="Honolulu",
        postal_code="96813",
        country="US",
        subdivision="US-HI",
        timezone="Pacific/Honolulu",
    )


class TestRescheduleWindow:
    def test_reminder_two_days_before_the_window_closes_then_freeze(
        self, reseller_user, mts_user, dell_user, unit, django_capture_on_commit_callbacks, eager
    ):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # Monday 30 March 09:00 CEST
        dispatch = book(dispatch, dell_user, start)
        # Free while agreed before 23 March at the site: the window closes at 00:00 CET on the 23rd.
        assert dispatch.free_window_closes_at == datetime(2026, 3, 22, 23, 0, tzinfo=UTC)
        assert dispatch.window_reminder_due_at == datetime(2026, 3, 20, 23, 0, tzinfo=UTC)

        early = datetime(2026, 3, 20, 22, 59, tzinfo=UTC)
        assert sweeps.send_window_reminders(now=early).done == 0
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert sweeps.send_window_reminders(now=early + timedelta(minutes=1)).done == 1
            assert sweeps.send_window_reminders(now=early + timedelta(hours=1)).done == 0
        assert [m.to[0] for m in mail.outbox] == [reseller_user.email]
        assert "Free rescheduling ends in 2 days" in mail.outbox[0].subject
        assert events(dispatch, "reschedule_window_ending") == 1

        assert sweeps.freeze_schedules(now=datetime(2026, 3, 22, 22, 59, tzinfo=UTC)).done == 0
        assert sweeps.freeze_schedules(now=datetime(2026, 3, 22, 23, 0, tzinfo=UTC)).done == 1
        assert sweeps.freeze_schedules(now=datetime(2026, 3, 23, 9, 0, tzinfo=UTC)).done == 0
        dispatch.refresh_from_db()
        assert dispatch.schedule_frozen_at is not None
        assert events(dispatch, "schedule_frozen") == 1

    def test_a_visit_moved_after_the_reminder_gets_a_new_window(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
        book(dispatch, dell_user, start)
        sweeps.send_window_reminders(now=datetime(2026, 3, 21, 0, 0, tzinfo=UTC))
        new_start = start + timedelta(days=14)
        dispatch = step(
            dispatch,
            reseller_user,
            "reschedule",
            now=datetime(2026, 3, 21, 1, 0, tzinfo=UTC),
            visit_start_at=new_start,
            visit_end_at=new_start + timedelta(hours=1),
        )
        assert (dispatch.window_reminder_sent_at, dispatch.schedule_frozen_at) == (None, None)
        assert dispatch.free_window_closes_at == datetime(2026, 4, 5, 22, 0, tzinfo=UTC)  # CEST now

    def test_the_window_follows_the_site_across_a_dst_night(self, reseller_user, mts_user, dell_user, unit):
        """Copenhagen springs forward on 29 March 2026: the window still closes at a site midnight."""
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = datetime(2026, 4, 6, 6, 0, tzinfo=UTC)  # Monday 6 April 08:00 CEST
        dispatch = book(dispatch, dell_user, start)
        # First late date: 30 March (6 April - 7 days); its midnight is CEST, 22:00 UTC the day before.
        assert dispatch.free_window_closes_at == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
        assert dispatch.window_reminder_due_at == datetime(2026, 3, 27, 22, 0, tzinfo=UTC)


class TestNbdMissed:
    def test_flagged_when_the_site_local_target_day_ends_without_a_visit(
        self, reseller_user, mts_user, honolulu_unit, django_capture_on_commit_callbacks, eager
    ):
        # 10:00 in Honolulu on Tuesday 10 March (21:00 in Copenhagen, after the partner's own cut-off):
        # received that day at the site, target Wednesday 11 March, site-local.
        qualified = datetime(2026, 3, 10, 20, 0, tzinfo=UTC)
        dispatch = dispatch_for(reseller_user, mts_user, honolulu_unit, now=qualified)
        assert dispatch.nbd_target_on == date(2026, 3, 11)
        assert dispatch.nbd_missed_due_at == datetime(2026, 3, 12, 10, 0, tzinfo=UTC)  # midnight in Honolulu
        # Copenhagen's 12 March has begun, but it is still the 11th in Honolulu: not missed yet.
        assert sweeps.flag_missed_nbd(now=datetime(2026, 3, 12, 9, 59, tzinfo=UTC)).done == 0
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert sweeps.flag_missed_nbd(now=datetime(2026, 3, 12, 10, 0, tzinfo=UTC)).done == 1
            assert sweeps.flag_missed_nbd(now=datetime(2026, 3, 12, 11, 0, tzinfo=UTC)).done == 0
        dispatch.refresh_from_db()
        assert dispatch.nbd_missed_at == datetime(2026, 3, 12, 10, 0, tzinfo=UTC)
        assert [m.to[0] for m in mail.outbox] == [mts_user.email]
        assert events(dispatch, "nbd_missed") == 1

    def test_a_completed_visit_is_never_flagged(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        start = datetime(2026, 3, 11, 8, 0, tzinfo=UTC)
        book(dispatch, dell_user, start)
        step(dispatch, dell_user, "outcome", now=start + timedelta(hours=1), outcome="completed")
        assert sweeps.flag_missed_nbd(now=datetime(2026, 3, 13, tzinfo=UTC)).done == 0


class TestPartReturns:
    def test_warned_two_days_before_and_flagged_overdue_after(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        part = services.part_add(
            actor=dell_user,
            dispatch=dispatch,
            values={"part_number": "PSU-1", "description": "Power supply", "is_hard_drive": False},
            now=NOW,
        )
        services.part_update(
            actor=dell_user,
            part=part,
            values={"shipped_on": date(2026, 3, 9), "delivered_on": date(2026, 3, 10)},
            now=NOW,
        )
        assert sweeps.warn_part_returns(now=datetime(2026, 3, 17, 22, 59, tzinfo=UTC)).done == 0
        assert sweeps.warn_part_returns(now=datetime(2026, 3, 17, 23, 0, tzinfo=UTC)).done == 1
        assert sweeps.warn_part_returns(now=datetime(2026, 3, 18, 23, 0, tzinfo=UTC)).done == 0
        assert sweeps.flag_overdue_part_returns(now=datetime(2026, 3, 20, 22, 59, tzinfo=UTC)).done == 0
        assert sweeps.flag_overdue_part_returns(now=datetime(2026, 3, 20, 23, 0, tzinfo=UTC)).done == 1
        assert sweeps.flag_overdue_part_returns(now=datetime(2026, 3, 21, tzinfo=UTC)).done == 0
        part.refresh_from_db()
        assert part.return_overdue
        assert (events(dispatch, "part_return_due_soon"), events(dispatch, "part_return_overdue")) == (1, 1)

    def test_a_part_returned_in_time_is_left_alone(self, reseller_user, mts_user, dell_user, unit):
        dispatch = dispatch_for(reseller_user, mts_user, unit)
        part = services.part_add(
            actor=dell_user,
            dispatch=dispatch,
            values={"part_number": "PSU-1", "description": "Power supply", "is_hard_drive": False},
            now=NOW,
        )
        services.part_update(
            actor=dell_user,
            part=part,
            values={"shipped_on": date(2026, 3, 9), "delivered_on": date(2026, 3, 10)},
            now=NOW,
        )
        services.part_update(
            actor=dell_user,
            part=part,
            values={"returned_on": date(2026, 3, 12)},
            now=datetime(2026, 3, 12, 12, tzinfo=UTC),
        )
        assert sweeps.warn_part_returns(now=datetime(2026, 3, 25, tzinfo=UTC)).done == 0
        assert sweeps.flag_overdue_part_returns(now=datetime(2026, 3, 25, tzinfo=UTC)).done == 0


def test_the_beat_task_runs_every_sweep_once_under_time_travel(reseller_user, mts_user, dell_user, unit):
    dispatch = dispatch_for(reseller_user, mts_user, unit)
    with time_machine.travel(datetime(2026, 3, 12, 0, 30, tzinfo=UTC), tick=False):
        assert dispatch_sweeps_task()["nbd_missed"] == 1
        assert dispatch_sweeps_task()["nbd_missed"] == 0
    assert Dispatch.objects.get(pk=dispatch.pk).nbd_missed_at is not None


def test_a_sweep_reads_only_what_is_due(reseller_user, mts_user, dell_user, unit):
    """Whatever the table holds, a sweep with nothing due issues one query (the indexed due-time range)."""
    for _ in range(3):
        dispatch_for(reseller_user, mts_user, unit)
    with CaptureQueriesContext(connection) as queries:
        results = sweeps.run_all(now=NOW)
    assert [r.done for r in results] == [0, 0, 0, 0, 0]
    assert len(queries) == len(sweeps.SWEEPS)
