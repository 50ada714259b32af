"""Reads of cases, always from the visibility gate; list querysets decide their joins here (no per-row query)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import OrderBy

from cases import hooks
from cases.archives import AttachmentKind
from cases.clocks import CLOCK_FIELDS
from cases.models import QUEUE_STATES, Case, CaseAttachment, CaseEvent, EventKind, Team
from cases.sla import SlaState
from cases.workflow import Action
from husky_support.text import plain_number
from partners.kinds import OrgKind
from partners.models import User
from partners.visibility import scope_to_viewer, viewer_kind

if TYPE_CHECKING:
    # For annotations only; units_for_cases keeps its run-time import inside the function.
    from servicetags.models import Unit

# The columns a list row shows (its own and of the joined rows): long text and the joined rows' other
# columns stay in the database, which keeps each page's rows narrow and cheap to build.
LIST_COLUMNS = (
    "number",
    "title",
    "category",
    "component",
    "state",
    "priority",
    "version",
    "site_country",
    *CLOCK_FIELDS,
    "created_at",
    "updated_at",
    "team_id",
    "team__name",
    "reseller_id",
    "unit_id",
    "assignee_id",
    "reseller__name",
    "reseller__kind",
    "unit__service_tag",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def cases_visible_to(user: User) -> QuerySet[Case]:
    """The gate: reseller = own cases, distributor = its resellers' cases, MTS = all, Dell = dispatched ones
    (none until the dispatch app registers `hooks.registry.dell_visibility`)."""
    return scope_to_viewer(Case.objects.all(), user, reseller_field="reseller", dell_q=hooks.dell_visibility(user))


def sees_internal(user: User) -> bool:
    """Only MTS sees MTS-internal comments, events and attachments."""
    return viewer_kind(user) == OrgKind.MTS


def case_detail_queryset(user: User) -> QuerySet[Case]:
    return cases_visible_to(user).select_related(
        "reseller", "reseller__distributor", "unit", "assignee", "opened_by", "team"
    )


def case_list(user: User) -> QuerySet[Case]:
    """Visible cases with what a list row shows, newest first."""
    return (
        cases_visible_to(user)
        .select_related("reseller", "unit", "assignee", "team")
        .only(*LIST_COLUMNS)
        .order_by("-created_at", "-id")
    )


def with_sla_state(qs: QuerySet[Case], states: list[str], now: datetime) -> QuerySet[Case]:
    """Cases whose cases.sla.sla_state at `now` is one of `states`: range conditions on the stored due-times."""
    conditions = {
        SlaState.PAUSED: Q(sla_paused_remaining__isnull=False),
        SlaState.NONE: Q(sla_due_at__isnull=True, sla_paused_remaining__isnull=True),
        SlaState.BREACHED: Q(sla_due_at__lte=now),
        SlaState.NEAR_BREACH: Q(sla_due_at__gt=now, sla_near_at__lte=now),
        SlaState.OK: Q(sla_due_at__gt=now) & (Q(sla_near_at__gt=now) | Q(sla_near_at__isnull=True)),
    }
    condition = Q(pk__in=[])
    for state in states:
        condition |= conditions[SlaState(state)]
    return qs.filter(condition)


def queue_order(sort: str) -> list[OrderBy | str]:
    """The triage queue's orders (allow-list). `sla` is served by the partial index case_open_sla_idx."""
    orders: dict[str, list[OrderBy | str]] = {
        "sla": [F("sla_due_at").asc(nulls_last=True), "id"],
        "priority": ["priority", F("sla_due_at").asc(nulls_last=True), "id"],
        "oldest": ["created_at", "id"],
        "newest": ["-created_at", "-id"],
    }
    return orders.get(sort, [F("sla_due_at").asc(nulls_last=True), "id"])


QUEUE_SORTS = {"sla": "SLA due", "priority": "Priority", "oldest": "Oldest first", "newest": "Newest first"}
AGE_FILTERS = {"1": timedelta(days=1), "3": timedelta(days=3), "7": timedelta(days=7), "30": timedelta(days=30)}


def triage_queue(
    user: User,
    *,
    now: datetime,
    states: list[str] | None = None,
    priority: str = "",
    country: str = "",
    assignee: str = "",
    older_than_days: str = "",
    q: str = "",
    sort: str = "sla",
    team_id: int | None = None,
) -> QuerySet[Case]:
    """The MTS queue: open MTS-side cases filtered and sorted by SLA due (default). `assignee` is "me",
    "none" or a user id; `team_id` one team's cases; unknown filter values are ignored rather than failing."""
    qs = case_list(user)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    chosen = [s for s in (states or []) if s in QUEUE_STATES]
    qs = qs.filter(state__in=chosen or QUEUE_STATES)
    if priority:
        qs = qs.filter(priority=priority)
    if country:
        qs = qs.filter(site_country=country.upper()[:2])
    if assignee == "me":
        qs = qs.filter(assignee=user)
    elif assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif (assignee_id := plain_number(assignee)) is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if older_than_days in AGE_FILTERS:
        qs = qs.filter(created_at__lte=now - AGE_FILTERS[older_than_days])
    if q:
        qs = search(qs, q)
    return with_queue_columns(qs).order_by(*queue_order(sort))


def with_queue_columns(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The columns higher apps add to a triage-queue row (cases.hooks `queue_annotations`, e.g. the open
    dispatch's id): for the page and for the one row an htmx action refreshes alike."""
    for annotate in hooks.registry.queue_annotations:
        qs = annotate(qs)
    return qs


def queue_teams(user: User) -> tuple[list[Team], Team | None]:
    """The teams the queue's filter offers (every team, for MTS; none for others) and the viewer's own team,
    in one query: the membership is an annotation, not a query of its own. The rows' SLA clocks reuse them."""
    if viewer_kind(user) != OrgKind.MTS:
        return [], None
    member = Team.members.through.objects.filter(team=OuterRef("pk"), user=user.pk)
    teams: list[Team] = list(Team.objects.annotate(viewer_is_member=Exists(member)).order_by("name"))
    return teams, next((t for t in teams if getattr(t, "viewer_is_member", False)), None)


def search(qs: QuerySet[Case], q: str) -> QuerySet[Case]:
    """Case number, title or service tag; a full number or tag is an exact (indexed) match."""
    term = q.strip()[:100]
    if not term:
        return qs
    return qs.filter(
        Q(number__iexact=term)
        | Q(unit__service_tag__iexact=term)
        | Q(title__icontains=term)
        | Q(number__icontains=term)
    )


def events_visible(case: Case, user: User) -> QuerySet[CaseEvent]:
    """The case's timeline for this viewer: MTS-internal entries only for MTS; Dell sees only the dispatch
    thread, which the escalation to Dell opens (never the partner's comments with MTS)."""
    qs = CaseEvent.objects.filter(case=case).select_related("actor", "actor__organisation").order_by("at", "id")
    if not sees_internal(user):
        qs = qs.filter(internal=False)
    if viewer_kind(user) == OrgKind.DELL:
        qs = qs.filter(Q(kind=EventKind.DISPATCH) | Q(kind=EventKind.TRANSITION, action=Action.ESCALATE_TO_DELL))
    return qs


def attachments_visible(case: Case, user: User) -> QuerySet[CaseAttachment]:
    """The case's files for this viewer: MTS-internal ones only for MTS; Dell only the SupportAssist
    collections (TSR/DSET) and other log archives, which is what its technician needs."""
    qs = CaseAttachment.objects.filter(case=case).select_related("uploaded_by").order_by("uploaded_at", "id")
    if not sees_internal(user):
        qs = qs.filter(internal=False)
    if viewer_kind(user) == OrgKind.DELL:
        qs = qs.filter(kind=AttachmentKind.ARCHIVE)
    return qs


def waiting_on_partner(user: User) -> QuerySet[Case]:
    """Open cases the partner must act on: at the reseller, or MTS asked for information."""
    return case_list(user).filter(state__in=["l1_reseller", "awaiting_partner"])


def units_for_cases(user: User) -> QuerySet[Unit]:
    """Units a case may be opened on: the units this user sees, except that Dell opens no case."""
    from servicetags.models import Unit
    from servicetags.selectors import units_visible_to

    if viewer_kind(user) == OrgKind.DELL:
        return Unit.objects.none()
    return units_visible_to(user)


def unit_for_case(user: User, service_tag: str) -> Unit | None:
    """The visible unit with this tag, or None (unknown, malformed, or another reseller's: indistinguishable)."""
    tag = (service_tag or "").strip().upper()
    if not tag or len(tag) > 7:
        return None
    return units_for_cases(user).select_related("reseller").filter(service_tag=tag).first()
