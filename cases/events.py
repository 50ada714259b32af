"""How cases appear in partner events (partners.integrations.outbox): who receives them, what they show."""

from typing import Any

from django.db.models import Q

from cases import hooks
from cases.models import Case
from partners.integrations.outbox import ObjectKind, active_orgs, partner_audience_q, register_object_kind
from partners.kinds import OrgKind
from partners.models import Organisation


def case_audience(case: Case) -> list[Organisation]:
    """As cases.selectors.cases_visible_to: the reseller, its distributor, MTS; Dell only for a case its
    dispatch hook lets it see."""
    condition = partner_audience_q(case.reseller)
    dell = hooks.dell_visibility()
    if dell is not None and Case.objects.filter(dell, pk=case.pk).exists():
        condition |= Q(kind=OrgKind.DELL)
    return active_orgs(condition)


def case_payload(case: Case, kind: OrgKind) -> dict[str, Any]:
    from cases.api.serializers import CaseSerializer

    return dict(CaseSerializer(case).data)


def register() -> None:
    register_object_kind(ObjectKind(model=Case, object_type="case", audience=case_audience, payload=case_payload))
