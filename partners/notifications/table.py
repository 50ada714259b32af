"""Who hears what: the one table (event kind -> topic and audiences), also printed in the README.

Pure: no Django, no database. An audience is a name; the app that owns the object registers what each
audience means for its objects (partners.notifications.registry). Whatever the table says, a recipient
must also pass the object's visibility gate (when written and again when sent), internal events reach
MTS people only, and the actor never hears of their own act (docs/rules.md "Notifications")."""

from __future__ import annotations

from dataclasses import dataclass


class Audience:
    """The audience names of the table."""

    PARTNER = "partner"  # the owning reseller's admins and the case's opener
    OTHER_SIDE = "other_side"  # partner -> MTS, MTS -> partner (a public comment)
    MTS = "mts"  # the assignee or, unassigned, the case's team (never every MTS user)
    COUNTRY_TEAM = "country_team"  # the MTS team that serves the site's country
    DELL = "dell"  # the Dell organisation of the dispatch
    FOLLOWERS = "followers"  # the people who follow the case
    RESELLER = "reseller"  # the unit's reseller (transfers, reminders)
    FILER = "filer"  # the organisation that filed the transfer
    DISTRIBUTOR = "distributor"  # the reseller's distributor (assistance requests)
    ORG_ADMINS = "org_admins"  # the admins of the owning organisation (integrations)
    ORG_MEMBERS = "org_members"  # every person of the organisation (its monthly report)


@dataclass(frozen=True)
class EventSpec:
    object_type: str
    topic: str  # a partners.notifications.models.Topic value
    audiences: tuple[str, ...]
    label: str
    internal: bool = False  # MTS-internal: only MTS people, whatever the audience


A = Audience
_CASE = "case"
_DISPATCH = "dispatch"

EVENTS: dict[str, EventSpec] = {
    # Cases
    "case.comment": EventSpec(_CASE, "cases", (A.OTHER_SIDE, A.FOLLOWERS), "New reply"),
    "case.internal_note": EventSpec(_CASE, "cases", (), "Internal note", internal=True),  # mentions only
    "case.escalated": EventSpec(_CASE, "cases", (A.COUNTRY_TEAM, A.FOLLOWERS), "Escalated to MTS"),
    "case.info_requested": EventSpec(_CASE, "cases", (A.PARTNER, A.FOLLOWERS), "Information requested"),
    "case.info_provided": EventSpec(_CASE, "cases", (A.MTS, A.FOLLOWERS), "Information provided"),
    "case.returned": EventSpec(_CASE, "cases", (A.PARTNER, A.FOLLOWERS), "Returned to the partner"),
    "case.resolved": EventSpec(_CASE, "cases", (A.PARTNER, A.FOLLOWERS), "Resolved"),
    "case.reopened": EventSpec(_CASE, "cases", (A.MTS, A.FOLLOWERS), "Reopened"),
    "case.sla_near_breach": EventSpec(_CASE, "sla", (A.MTS,), "SLA near breach", internal=True),
    "case.sla_breached": EventSpec(_CASE, "sla", (A.MTS,), "SLA breached", internal=True),
    # Dispatches (the case's Dell dispatch)
    "dispatch.message": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.DELL), "New dispatch message"),
    "dispatch.requested": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.DELL, A.FOLLOWERS), "Dispatch requested"),
    "dispatch.accepted": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.FOLLOWERS), "Accepted by Dell"),
    "dispatch.denied": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS), "Denied by Dell"),
    "dispatch.resubmitted": EventSpec(_DISPATCH, "dispatch", (A.DELL,), "Resubmitted to Dell"),
    "dispatch.visit_booked": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.DELL, A.FOLLOWERS), "Visit booked"),
    "dispatch.visit_moved": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.DELL, A.FOLLOWERS), "Visit moved"),
    "dispatch.outcome": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.FOLLOWERS), "Visit outcome"),
    "dispatch.fee_recorded": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.FOLLOWERS), "Fee recorded"),
    "dispatch.fee_waived": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.FOLLOWERS), "Fee waived"),
    "dispatch.part_shipped": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.FOLLOWERS), "Parts shipped"),
    "dispatch.part_delivered": EventSpec(_DISPATCH, "dispatch", (A.MTS, A.DELL), "Parts delivered"),
    "dispatch.part_due_back": EventSpec(_DISPATCH, "dispatch", (A.PARTNER,), "Faulty part due back in 2 days"),
    "dispatch.part_overdue": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.DELL), "Faulty part overdue"),
    "dispatch.completed": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.MTS, A.FOLLOWERS), "Dispatch completed"),
    "dispatch.cancelled": EventSpec(_DISPATCH, "dispatch", (A.PARTNER, A.DELL), "Dispatch cancelled"),
    "dispatch.reschedule_window_ending": EventSpec(
        _DISPATCH, "dispatch", (A.PARTNER,), "Free rescheduling ends in 2 days"
    ),
    "dispatch.nbd_missed": EventSpec(_DISPATCH, "dispatch", (A.MTS,), "Next-business-day target missed"),
    # Service-tag transfers and reminders
    "transfer.submitted": EventSpec("transfer", "transfers", (A.RESELLER, A.FILER), "Transfer submitted"),
    "transfer.confirmed": EventSpec("transfer", "transfers", (A.RESELLER, A.FILER), "Transfer confirmed"),
    "transfer.rejected": EventSpec("transfer", "transfers", (A.RESELLER, A.FILER), "Transfer rejected"),
    "transfer.reminder": EventSpec("unit_reminder", "transfers", (A.RESELLER,), "Register your units' location"),
    "transfer.assistance": EventSpec(
        "unit_reminder", "transfers", (A.DISTRIBUTOR,), "Your resellers need help with transfers"
    ),
    # Integrations
    "endpoint.disabled": EventSpec("webhook_endpoint", "integrations", (A.ORG_ADMINS,), "Webhook endpoint disabled"),
    # Reports
    "report.monthly": EventSpec("monthly_report", "reports", (A.ORG_MEMBERS,), "Monthly report"),
}


def spec_of(kind: str) -> EventSpec:
    """The table's row for `kind`; an unknown kind is a programming error (KeyError)."""
    return EVENTS[kind]
