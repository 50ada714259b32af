"""Notifications about case events: stored rows written in the change's transaction, sent by a task that marks
each row sent under its lock (run twice, or redelivered after a worker died, it sends nothing twice).

Partner-visible text only: a transition's own note (never an internal comment), the case number, title and
state. An internal event (an SLA warning) goes only to MTS users. One message per recipient (no shared To:)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.models import CaseEvent, EventKind, Notification, NotificationChannel
from cases.workflow import Action
from partners.kinds import OrgKind, Role
from partners.models import User

# Who hears about which action: the partner side (the opener and the owning reseller's admins) or MTS.
TO_PARTNER = frozenset({Action.RETURN_TO_PARTNER, Action.REQUEST_INFO, Action.RESOLVE})
TO_MTS = frozenset({Action.ESCALATE_TO_MTS, Action.PROVIDE_INFO, Action.REOPEN})


def _partner_recipients(event: CaseEvent) -> list[str]:
    case = event.case
    users = User.objects.filter(is_active=True, organisation=case.reseller, role=Role.ADMIN)
    emails = {u.email for u in users if u.email}
    if case.opened_by_id and case.opened_by is not None and case.opened_by.is_active and case.opened_by.email:
        emails.add(case.opened_by.email)
    return sorted(emails)


def _mts_recipients(event: CaseEvent) -> list[str]:
    case = event.case
    if case.assignee_id and case.assignee is not None and case.assignee.is_active and case.assignee.email:
        return [case.assignee.email]
    if settings.CASES_MTS_NOTIFY_EMAIL:
        return [settings.CASES_MTS_NOTIFY_EMAIL]
    users = User.objects.filter(is_active=True, organisation__kind=OrgKind.MTS).exclude(email="")
    return sorted({u.email for u in users})


def recipients_for(event: CaseEvent) -> list[str]:
    if event.internal or event.kind != EventKind.TRANSITION:
        return []  # internal entries never leave MTS; only transitions notify
    action = Action(event.action)
    if action is Action.RESOLVE and event.from_state == "l1_reseller":
        return []  # the partner resolved it themselves
    if action in TO_PARTNER:
        emails = _partner_recipients(event)
    elif action in TO_MTS:
        emails = _mts_recipients(event)
    else:
        return []
    actor_email = event.actor.email if event.actor_id and event.actor is not None else ""
    return [e for e in emails if e != actor_email]


def _enqueue(event: CaseEvent) -> None:
    from cases.tasks import notify_case_transition_task

    notify_case_transition_task.delay_on_commit(event.pk)


def record_transition(event: CaseEvent, *, now: datetime) -> int:
    """Store one email row per recipient of a transition, in the caller's transaction, and send them on
    commit. Returns how many rows it wrote."""
    addresses = recipients_for(event)
    if not addresses:
        return 0
    users = {u.email: u for u in User.objects.filter(email__in=addresses, is_active=True)}
    rows = [
        Notification(
            recipient=users.get(address),
            address=address,
            case=event.case,
            event=event,
            channel=NotificationChannel.EMAIL,
            created_at=now,
        )
        for address in addresses
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    _enqueue(event)
    return len(rows)


def record_for_users(event: CaseEvent, users: list[User], *, now: datetime) -> int:
    """In-app and email rows for `users` (an SLA warning to the assignee and the team lead): each person
    once, MTS users only when the event is internal. Sent on commit."""
    chosen: dict[int, User] = {}
    for user in users:
        if user is None or not user.is_active:
            continue
        if event.internal and user.org_kind != OrgKind.MTS:
            continue  # MTS-internal content never reaches a partner or Dell, in any channel
        chosen[user.pk] = user
    rows = []
    for user in chosen.values():
        rows.append(Notification(recipient=user, case=event.case, event=event, channel="in_app", created_at=now))
        if user.email:
            rows.append(
                Notification(
                    recipient=user, address=user.email, case=event.case, event=event, channel="email", created_at=now
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        _enqueue(event)
    return len(chosen)


def _subject(event: CaseEvent) -> str:
    case = event.case
    if event.kind == EventKind.TRANSITION:
        return f"[{case.number}] {Action(event.action).label}: {case.title}"[:200]
    return f"[{case.number}] {EventKind(event.kind).label}: {case.title}"[:200]


def _render(event: CaseEvent, recipient: User | None) -> tuple[str, str]:
    case = event.case
    zone = recipient.viewer_timezone if recipient is not None else "UTC"
    context = {
        "case": case,
        "event": event,
        "action_label": Action(event.action).label if event.action else EventKind(event.kind).label,
        "url": settings.SITE_URL + reverse("cases:detail", args=[case.number]),
        "recipient_zone": zone,
        "site_zone": case.site_timezone or "UTC",
    }
    return (
        render_to_string("cases/email/transition.txt", context),
        render_to_string("cases/email/transition.html", context),
    )


def send_event_emails(event_id: int) -> int:
    """Send the unsent email rows of one event, each under its row lock and marked sent in the same
    transaction. Returns how many it sent now."""
    event = (
        CaseEvent.objects.select_related("case", "case__reseller", "case__opened_by", "case__assignee", "actor")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    sent = 0
    pending = list(
        Notification.objects.filter(event=event, channel=NotificationChannel.EMAIL, sent_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with get_connection() as connection:
        for pk in pending:
            with transaction.atomic():
                row = (
                    Notification.objects.select_for_update(of=("self",))
                    .select_related("recipient", "recipient__organisation")
                    .filter(pk=pk, sent_at__isnull=True)
                    .first()
                )
                if row is None:  # another worker sent it meanwhile
                    continue
                text, html = _render(event, row.recipient)
                message = EmailMultiAlternatives(
                    subject=_subject(event), body=text, to=[row.address], connection=connection
                )
                message.attach_alternative(html, "text/html")
                message.send()
                row.sent_at = timezone.now()
                row.save(update_fields=["sent_at"])
                sent += 1
    return sent
