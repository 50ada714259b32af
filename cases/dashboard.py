"""Home-page panels contributed by cases (registered in CasesConfig.ready)."""

from django.db.models import Count, Q
from django.utils import timezone

from cases import selectors
from cases.models import OPEN_STATE_VALUES, QUEUE_STATES
from partners.dashboard import Panel, register_panel
from partners.kinds import OrgKind

PARTNERS = frozenset({OrgKind.RESELLER, OrgKind.DISTRIBUTOR})


def open_cases(user) -> dict:
    qs = selectors.case_list(user).filter(state__in=OPEN_STATE_VALUES)
    return {"cases": list(qs[:6]), "count": qs.count(), "now": timezone.now()}


def waiting_on_me(user) -> dict:
    qs = selectors.waiting_on_partner(user).order_by("updated_at", "id")
    return {"cases": list(qs[:6]), "count": qs.count()}


def units_unregistered(user) -> dict:
    qs = selectors.units_for_cases(user).filter(location_confirmed=False).order_by("shipped_on", "service_tag")
    return {"units": list(qs[:6]), "count": qs.count()}


def mts_queue(user) -> dict:
    now = timezone.now()
    qs = selectors.cases_visible_to(user).filter(state__in=QUEUE_STATES)
    counts = qs.aggregate(
        unassigned=Count("pk", filter=Q(state="l2_mts_queue")),
        mine=Count("pk", filter=Q(assignee=user)),
        overdue=Count("pk", filter=Q(sla_due_at__lt=now)),
        awaiting=Count("pk", filter=Q(state="awaiting_partner")),
    )
    top = list(selectors.triage_queue(user, now=now, states=["l2_mts_queue"])[:5])
    return {"counts": counts, "cases": top, "now": now}


def register() -> None:
    register_panel(Panel("cases_waiting", "cases/panels/waiting.html", PARTNERS, waiting_on_me, order=10))
    register_panel(Panel("cases_open", "cases/panels/open.html", PARTNERS, open_cases, order=20))
    register_panel(Panel("cases_units_unregistered", "cases/panels/units.html", PARTNERS, units_unregistered, order=30))
    register_panel(
        Panel(
            "cases_mts_queue",
            "cases/panels/mts_queue.html",
            frozenset({OrgKind.MTS}),
            mts_queue,
            order=10,
            width="col-12",
        )
    )
