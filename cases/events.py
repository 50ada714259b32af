"""How cases appear in partner events (partners.integrations.outbox): who receives them, what they show."""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from cases import hooks
from cases.models import Case
from partners.integrations.catalog import register_event_types
from partners.integrations.outbox import ObjectKind, active_orgs, partner_audience_q, register_object_kind
from partners.kinds import OrgKind
from partners.models import Organisation


class CaseEventType(models.TextChoices):
    CASE_CREATED = "case.created", "A case was opened"
    CASE_TRANSITIONED = "case.transitioned", "A case moved along the escalation chain"
    CASE_COMMENT_ADDED = "case.comment_added", "A partner-visible comment was added to a case"
    CASE_ATTACHMENT_ADDED = "case.attachment_added", "A file was attached to a case"


@dataclass(frozen=True)
class _OrgViewer:
    """Stands for "any user of this organisation": the Dell hook reads only the viewer's organisation."""

    organisation_id: int


def case_audience(case: Case) -> list[Organisation]:
    """As cases.selectors.cases_visible_to: the reseller, its distributor, MTS; a Dell organisation only
    when the dispatch hook lets its users see the case (a dispatch was sent to it)."""
    with_dell = hooks.registry.dell_visibility is not None
    # One query for the partners, MTS and the Dell organisations to check (not one for each group).
    orgs = active_orgs(partner_audience_q(case.reseller) | (Q(kind=OrgKind.DELL) if with_dell else Q(pk__in=[])))
    audience = [org for org in orgs if org.kind != OrgKind.DELL]
    for dell in (org for org in orgs if org.kind == OrgKind.DELL):
        dell_q = hooks.dell_visibility(_OrgViewer(dell.pk))
        if dell_q is not None and Case.objects.filter(dell_q, pk=case.pk).exists():
            audience.append(dell)
    return audience


def case_payload(case: Case, kind: OrgKind) -> dict[str, Any]:
    """The case as the API shows it: the same to every kind of organisation, so an event's recipients (the
    reseller, its distributor, MTS) share one serialization. Kept on the instance for its current version
    (every change bumps it), never across versions."""
    from cases.api.serializers import CaseSerializer

    cached = case.__dict__.get("_event_payload")
    if cached is None or cached[0] != (case.version, case.state, case.updated_at):
        cached = ((case.version, case.state, case.updated_at), dict(CaseSerializer(case).data))
        case.__dict__["_event_payload"] = cached
    return dict(cached[1])


def register() -> None:
    # The case's own thread with its partner and MTS: Dell sees only a dispatched case's dispatch rows.
    register_event_types(CaseEventType, dell_receives=False)
    register_object_kind(ObjectKind(model=Case, object_type="case", audience=case_audience, payload=case_payload))
