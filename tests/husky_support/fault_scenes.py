"""Due work for each beat job, at the real clock (worker processes read it): built by the fault tests that
kill a worker mid-sweep and that run two beats. Each builder returns the due items and a function counting
an item's rows of the kind its job writes (exactly one each once the job is done)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from cases import rollups
from cases import services as case_services
from cases.models import BacklogSnapshot, CaseEvent, EventKind
from dispatch.models import Dispatch
from husky_support import queue
from partners.notifications.models import Notification
from partners.reports import monthly
from partners.reports.models import MonthlyReport
from tests.cases.factories import open_case
from tests.dispatch.factories import bulk_dispatches
from tests.partners.factories import ResellerFactory, UserFactory
from tests.servicetags.factories import UnitFactory

ITEMS = 3  # due items per job


@contextmanager
def scene_without_tasks(monkeypatch) -> Iterator[None]:
    """Building a scene queues nothing, and what it notified counts as sent (the job under test owes only
    what it writes itself)."""
    with monkeypatch.context() as patch:
        patch.setattr(queue, "publish", lambda *args, **kwargs: True)
        yield
    Notification.objects.filter(sent_at__isnull=True).update(sent_at=timezone.now())


@dataclass(frozen=True)
class Due:
    task_name: str
    items: list[int]
    done: Callable[[int], int]  # an item's rows of the job's kind
    table: str  # where the job writes an item's row (the kill tests hold the second item's first insert)
    column: str  # the item's id in that table
    # The job commits its items by groups (husky_support.locking.apply_in_commit_groups), not one by one: a kill
    # at the second item takes back the first with it, and both are done by the next worker.
    grouped: bool = False


def sla_breaches(reseller_user, unit) -> Due:
    """Cases escalated 10 days ago: breached (rule: one internal sla_breached row each)."""
    at = timezone.now() - timedelta(days=10)
    cases = [open_case(reseller_user, unit, escalate=True, now=at + timedelta(minutes=n)).pk for n in range(ITEMS)]
    return Due(
        "cases.tasks.sweep_sla_breaches_task",
        cases,
        lambda pk: CaseEvent.objects.filter(case_id=pk, kind=EventKind.SLA_BREACHED).count(),
        "cases_caseevent",
        "case_id",
        grouped=True,
    )


def auto_closes(reseller_user, mts_user, unit) -> Due:
    """Cases resolved 15 days ago, in this order: due to close."""
    at = timezone.now() - timedelta(days=15)
    cases = []
    for n in range(ITEMS):
        when = at + timedelta(minutes=n)
        case = open_case(reseller_user, unit, escalate=True, now=when)
        case = case_services.case_transition(actor=mts_user, case=case, action="take", version=case.version, now=when)
        case = case_services.case_transition(
            actor=mts_user, case=case, action="resolve", note="Replaced.", version=case.version, now=when
        )
        cases.append(case.pk)
    return Due(
        "cases.tasks.auto_close_resolved_cases_task",
        cases,
        lambda pk: CaseEvent.objects.filter(case_id=pk, action="close").count(),
        "cases_caseevent",
        "case_id",
    )


def transfer_reminders(distributor_org) -> Due:
    """A unit due for its transfer reminder at each of three resellers (one user each)."""
    today = timezone.now().date()
    users = []
    for n in range(ITEMS):
        org = ResellerFactory(name=f"Reseller {n}", distributor=distributor_org)
        users.append(UserFactory(username=f"r{n}", organisation=org, email=f"r{n}@example.test").pk)
        UnitFactory(reseller=org, transfer_reminder_due_on=today - timedelta(days=1))
    return Due(
        "servicetags.tasks.send_transfer_reminders_task",
        users,
        lambda pk: Notification.objects.filter(recipient_id=pk, channel="email", kind="transfer.reminder").count(),
        "partners_notification",
        "recipient_id",
    )


def window_reminders(reseller_org, dell_org) -> Due:
    """Scheduled visits whose free-reschedule window closes tomorrow: the reminder is due (rule 4)."""
    now = timezone.now()
    rows = bulk_dispatches(ITEMS, reseller=reseller_org, dell_org=dell_org)
    Dispatch.objects.filter(pk__in=[d.pk for d in rows]).update(
        visit_start_at=now + timedelta(days=3),
        visit_end_at=now + timedelta(days=3, hours=2),
        window_reminder_due_at=now - timedelta(minutes=1),
        free_window_closes_at=now + timedelta(days=1),
        nbd_missed_due_at=None,
    )
    return Due(
        "dispatch.tasks.dispatch_sweeps_task",
        [d.case_id for d in rows],
        lambda pk: CaseEvent.objects.filter(case_id=pk, action="reschedule_window_ending").count(),
        "cases_caseevent",
        "case_id",
        grouped=True,
    )


def monthly_reports(distributor_org) -> Due:
    """Three resellers with the monthly report switched on (one person each) and last month's not yet sent. The
    workers read the real clock, and in the first days of a month, before its first business day, no report
    is due anywhere: then the job has nothing to do and the scene owes nothing (never a date-bound failure)."""
    orgs = []
    for n in range(ITEMS):
        org = ResellerFactory(name=f"Monthly {n}", distributor=distributor_org, monthly_report=True)
        UserFactory(username=f"monthly{n}", organisation=org, email=f"monthly{n}@example.test")
        orgs.append(org)
    now = timezone.now()
    # Due now and still in five minutes, when the workers run (not at a month's turn).
    due = monthly.due_months(orgs, now=now).keys() & monthly.due_months(orgs, now=now + timedelta(minutes=5)).keys()
    return Due(
        "partners.tasks.monthly_reports_task",
        [org.pk for org in orgs if org.pk in due],
        lambda pk: MonthlyReport.objects.filter(organisation_id=pk).count(),
        "partners_monthlyreport",
        "organisation_id",
    )


def backlog_snapshots(reseller_user, unit) -> Due:
    """A case opened three days ago: the backlog at the end of each of the last three days, in every zone reports
    are read in, is owed one snapshot (an item is one zone's day). The older days of the other scenes' cases
    are taken here, as an archive's past would be, so the job owes a few dozen items, not hundreds."""
    now = timezone.now()
    open_case(reseller_user, unit, now=now - timedelta(days=ITEMS), escalate=True)
    zones = sorted(rollups.viewer_zones())
    for zone in zones:
        for day in rollups.missing_days(zone, now=now)[ITEMS:]:
            rollups.take_snapshot(zone, day, now=now)
    days = [(zone, day) for zone in zones for day in rollups.missing_days(zone, now=now)]
    return Due(
        "cases.tasks.backlog_snapshots_task",
        list(range(len(days))),
        lambda n: BacklogSnapshot.objects.filter(zone=days[n][0], day=days[n][1]).count(),
        "cases_backlogsnapshot",
        "id",
    )
