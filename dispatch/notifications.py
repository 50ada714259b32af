"""Emails about dispatch steps to the other parties: the partner (owning reseller's admins and the case's
opener), the MTS technician and the Dell team. Partner-visible facts only: never an MTS-internal note."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse

from dispatch.models import Dispatch
from dispatch.workflow import Action
from partners.kinds import OrgKind, Role
from partners.models import User

# What each step is called in a subject line; the sweeps' own steps included.
STEP_LABELS: dict[str, str] = {
    **{action.value: action.label for action in Action},
    "requested": "Dell dispatch requested",
    "reschedule_window_ending": "Free rescheduling ends in 2 days",
    "nbd_missed": "Next-business-day target missed",
    "part_return_due_soon": "Faulty part due back in 2 days",
    "part_return_overdue": "Faulty part return overdue",
}
# Who hears of which step (besides these, nobody): P = partner, M = MTS, D = Dell.
AUDIENCE: dict[str, str] = {
    "requested": "PD",
    Action.ACCEPT.value: "PM",
    Action.DENY.value: "M",
    Action.RESUBMIT.value: "D",
    Action.SCHEDULE.value: "PMD",
    Action.RESCHEDULE.value: "PMD",
    Action.OUTCOME.value: "PM",
    Action.SHIP_PARTS.value: "PM",
    Action.CONFIRM_DELIVERY.value: "MD",
    Action.COMPLETE.value: "PM",
    Action.CANCEL.value: "PD",
    "reschedule_window_ending": "P",
    "nbd_missed": "M",
    "part_return_due_soon": "P",
    "part_return_overdue": "PMD",
}


def _emails(users) -> set[str]:
    return {u.email for u in users if u.is_active and u.email}


def recipients_for(dispatch: Dispatch, what: str) -> list[str]:
    case = dispatch.case
    audience = AUDIENCE.get(what, "")
    emails: set[str] = set()
    if "P" in audience:
        emails |= _emails(User.objects.filter(organisation=case.reseller, role=Role.ADMIN))
        if case.opened_by is not None:
            emails |= _emails([case.opened_by])
    if "M" in audience:
        if case.assignee is not None:
            emails |= _emails([case.assignee])
        elif settings.CASES_MTS_NOTIFY_EMAIL:
            emails.add(settings.CASES_MTS_NOTIFY_EMAIL)
        else:
            emails |= _emails(User.objects.filter(organisation__kind=OrgKind.MTS))
    if "D" in audience:
        emails |= _emails(User.objects.filter(organisation=dispatch.dell_org))
    return sorted(emails)


def send_dispatch_email(dispatch_id: int, what: str) -> int:
    dispatch = (
        Dispatch.objects.select_related("case", "case__reseller", "case__opened_by", "case__assignee", "dell_org")
        .filter(pk=dispatch_id)
        .first()
    )
    if dispatch is None:
        return 0
    recipients = recipients_for(dispatch, what)
    if not recipients:
        return 0
    case = dispatch.case
    label = STEP_LABELS.get(what, what)
    context = {
        "case": case,
        "dispatch": dispatch,
        "label": label,
        "url": settings.SITE_URL + reverse("cases:detail", args=[case.number]),
    }
    # One line whatever the title holds: a header with a newline would make the mail backend refuse it.
    title = " ".join(case.title.split())
    subject = f"[{case.number}] {label}: {title}"[:200]
    body = render_to_string("dispatch/email/step.txt", context)
    with get_connection() as connection:
        messages = [EmailMessage(subject=subject, body=body, to=[to], connection=connection) for to in recipients]
        return connection.send_messages(messages) or 0
