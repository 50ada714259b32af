"""Emails about case transitions to "the other side". Partner-visible text only: the transition's own note
(never an internal comment), the case number, title and state. One message per recipient (no shared To:)."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from cases.models import CaseEvent, EventKind
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


def send_transition_email(event_id: int) -> int:
    event = (
        CaseEvent.objects.select_related("case", "case__reseller", "case__opened_by", "case__assignee", "actor")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    recipients = recipients_for(event)
    if not recipients:
        return 0
    case = event.case
    context = {
        "case": case,
        "event": event,
        "action_label": Action(event.action).label,
        "url": getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
        + reverse("cases:detail", args=[case.number]),
    }
    subject = f"[{case.number}] {Action(event.action).label}: {case.title}"[:200]
    body = render_to_string("cases/email/transition.txt", context)
    with get_connection() as connection:
        messages = [
            EmailMessage(subject=subject, body=body, to=[address], connection=connection) for address in recipients
        ]
        return connection.send_messages(messages) or 0
