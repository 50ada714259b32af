"""Notifications about case events: stored rows written in the change's transaction, sent by a task that marks
each row sent under its lock (run twice, or redelivered after a worker died, it sends nothing twice).

Partner-visible text only: a transition's own note (never an internal comment), the case number, title and
state. An internal event (an SLA warning) goes only to MTS users. One message per recipient (no shared To:)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    CaseEvent,
    EventKind,
    Notification,
    NotificationChannel,
    NotificationPreference,
    NotifyMode,
    NotifyTopic,
)
from cases.workflow import Action
from husky_support.queue import enqueue_after_commit
from husky_support.text import one_line
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
    enqueue_after_commit("cases.tasks.notify_case_transition_task", event.pk)


def _modes(user_ids: set[int], topic: str) -> dict[int, str]:
    """Each person's chosen email mode for `topic` (immediately when they chose nothing). One query."""
    rows = NotificationPreference.objects.filter(user_id__in=user_ids, topic=topic).values_list("user_id", "mode")
    return dict(rows)


def _rows_for(event: CaseEvent, user: User, *, mode: str, now: datetime) -> list[Notification]:
    rows = [Notification(recipient=user, case=event.case, event=event, channel="in_app", created_at=now)]
    if user.email and mode != NotifyMode.OFF:
        rows.append(
            Notification(
                recipient=user,
                address=user.email,
                case=event.case,
                event=event,
                channel=NotificationChannel.EMAIL,
                digest=mode == NotifyMode.DIGEST,
                created_at=now,
            )
        )
    return rows


def record_transition(event: CaseEvent, *, now: datetime) -> int:
    """Store the notifications of a transition in the caller's transaction (in-app for each recipient who
    is a user, email as they prefer: now, in the daily digest, or not) and send the immediate ones on
    commit. Returns how many people or mailboxes it notified."""
    addresses = recipients_for(event)
    if not addresses:
        return 0
    users = {u.email: u for u in User.objects.filter(email__in=addresses, is_active=True)}
    modes = _modes({u.pk for u in users.values()}, NotifyTopic.CASE_UPDATES)
    rows: list[Notification] = []
    for address in addresses:
        user = users.get(address)
        if user is None:  # a shared mailbox from settings: no preferences, no in-app list
            rows.append(Notification(address=address, case=event.case, event=event, channel="email", created_at=now))
            continue
        rows += _rows_for(event, user, mode=modes.get(user.pk, NotifyMode.IMMEDIATELY), now=now)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if any(row.channel == "email" and not row.digest for row in rows):
        _enqueue(event)
    return len(addresses)


def record_for_users(event: CaseEvent, users: list[User], *, now: datetime) -> int:
    """In-app and email rows for `users` (an SLA warning to the assignee and the team lead): each person
    once, MTS users only when the event is internal, email as each prefers. Sent on commit."""
    chosen: dict[int, User] = {}
    for user in users:
        if user is None or not user.is_active:
            continue
        if event.internal and user.org_kind != OrgKind.MTS:
            continue  # MTS-internal content never reaches a partner or Dell, in any channel
        chosen[user.pk] = user
    modes = _modes(set(chosen), NotifyTopic.SLA_WARNINGS)
    rows: list[Notification] = []
    for user in chosen.values():
        rows += _rows_for(event, user, mode=modes.get(user.pk, NotifyMode.IMMEDIATELY), now=now)
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    if any(row.channel == "email" and not row.digest for row in rows):
        _enqueue(event)
    return len(chosen)


def _subject(event: CaseEvent) -> str:
    case = event.case
    if event.kind == EventKind.TRANSITION:
        return one_line(f"[{case.number}] {Action(event.action).label}: {case.title}", max_length=200)
    return one_line(f"[{case.number}] {EventKind(event.kind).label}: {case.title}", max_length=200)


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
        Notification.objects.filter(event=event, channel=NotificationChannel.EMAIL, sent_at__isnull=True, digest=False)
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
                    subject=_subject(event),
                    body=text,
                    to=[row.address],
                    connection=connection,
                    # Stable per row: a resend after a worker died between send and mark folds into one.
                    headers={"Message-ID": f"<notification-{row.pk}@{urlsplit(settings.SITE_URL).hostname}>"},
                )
                message.attach_alternative(html, "text/html")
                message.send()
                row.sent_at = timezone.now()
                row.save(update_fields=["sent_at"])
                sent += 1
    return sent


DIGEST_HOUR = 8  # the daily digest goes out at 08:00 in each recipient's own zone


def send_digests(now: datetime) -> int:
    """At 08:xx in each recipient's zone, one email with their held digest rows, marked sent in the same
    transaction under the rows' locks (run twice in the hour, it sends nothing twice). Returns emails sent."""
    from zoneinfo import ZoneInfo

    recipients = (
        User.objects.filter(
            notifications__channel="email", notifications__digest=True, notifications__sent_at__isnull=True
        )
        .select_related("organisation")
        .distinct()
    )
    sent = 0
    for user in recipients:
        if now.astimezone(ZoneInfo(user.viewer_timezone)).hour != DIGEST_HOUR:
            continue
        with transaction.atomic():
            rows = list(
                Notification.objects.select_for_update(of=("self",))
                .select_related("event", "case")
                .filter(recipient=user, channel="email", digest=True, sent_at__isnull=True)
                .order_by("created_at", "pk")
            )
            if user.org_kind != OrgKind.MTS:
                rows = [row for row in rows if not row.event.internal]  # never an internal event to a partner
            if not rows:
                continue
            context = {
                "user": user,
                "items": [{"row": row, "text": describe(row)} for row in rows],
                "site_url": settings.SITE_URL,
                "recipient_zone": user.viewer_timezone,
            }
            message = EmailMultiAlternatives(
                subject=f"Husky Support: your daily digest ({len(rows)})",
                body=render_to_string("cases/email/digest.txt", context),
                to=[user.email],
            )
            message.attach_alternative(render_to_string("cases/email/digest.html", context), "text/html")
            message.send()
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(sent_at=now)
            sent += 1
    return sent


def notifications_for(user: User) -> QuerySet[Notification]:
    """The in-app list of `user`, newest first; internal events only for MTS users."""
    qs = Notification.objects.filter(recipient=user, channel="in_app").select_related("case__unit", "event")
    if user.org_kind != OrgKind.MTS:
        qs = qs.filter(event__internal=False)
    return qs.order_by("-created_at", "-pk")


def unread_count(user: User) -> int:
    return notifications_for(user).filter(read_at__isnull=True).count()


def mark_read(user: User, *, now: datetime, ids: list[int] | None = None) -> int:
    """Mark some (ids) or all of the user's in-app notifications read. Returns how many changed."""
    qs = Notification.objects.filter(recipient=user, channel="in_app", read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=now)


def describe(row: Notification) -> str:
    """One line for the in-app list: partner-visible words only (no note of an internal event)."""
    event = row.event
    if event.kind == EventKind.TRANSITION and event.action:
        return f"{row.case.number}: {Action(event.action).label}"
    return f"{row.case.number}: {EventKind(event.kind).label}"
