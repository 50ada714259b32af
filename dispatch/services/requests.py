"""What MTS sends when it escalates to Dell, the eligibility it freezes, and the dispatch it creates."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cases import hooks
from cases.checklist import Category
from cases.models import Case
from cases.workflow import State as CaseState
from dispatch import notices
from dispatch import workflow as flow
from dispatch.eligibility import Eligibility, SiteFacts
from dispatch.events import DispatchEventType
from dispatch.models import Dispatch
from dispatch.nbd import NbdVerdict
from dispatch.selectors import eligibility_for_unit
from dispatch.services.base import end_of_site_day, full_clean_or_refuse
from husky_support.calendar import CalendarError
from husky_support.domain import Conflict, DomainError
from partners.integrations.outbox import record_event
from partners.kinds import OrgKind
from partners.models import Organisation, User


@dataclass(frozen=True, kw_only=True)
class DispatchRequest:
    """What MTS sends with escalate_to_dell."""

    kind: flow.DispatchKind = flow.DispatchKind.ONSITE
    representative_name: str = ""
    representative_phone: str = ""
    representative_email: str = ""
    security_requirements: str = ""

    @classmethod
    def from_input(cls, value: Any) -> DispatchRequest:
        """What the API or the page sent (a mapping), checked: every bad field reported at once (400)."""
        if value is None:
            return cls()
        if isinstance(value, DispatchRequest):
            return value
        if not isinstance(value, Mapping):
            raise DomainError(
                "`dispatch` must be an object.",
                code="invalid",
                extra={"fields": {"dispatch": [{"code": "invalid", "message": "Expected an object."}]}},
            )
        limits = {
            "representative_name": 200,
            "representative_phone": 40,
            "representative_email": 254,
            "security_requirements": 5_000,
        }
        errors: dict[str, list[dict[str, str]]] = {}
        for name in sorted(set(value) - {"kind", *limits}):
            errors[name] = [{"code": "unknown_field", "message": "Unknown field."}]
        clean: dict[str, Any] = {}
        try:
            clean["kind"] = flow.DispatchKind(value.get("kind") or flow.DispatchKind.ONSITE.value)
        except (ValueError, TypeError):
            errors["kind"] = [{"code": "invalid_choice", "message": "Choose onsite or parts_only."}]
        for name, limit in limits.items():
            raw = value.get(name, "")
            if not isinstance(raw, str):
                errors[name] = [{"code": "invalid", "message": "Expected text."}]
                continue
            if len(raw.strip()) > limit:
                errors[name] = [{"code": "max_length", "message": f"At most {limit} characters."}]
            clean[name] = raw.strip()
        if clean.get("representative_email"):
            try:
                validate_email(clean["representative_email"])
            except ValidationError:
                errors["representative_email"] = [{"code": "invalid", "message": "Enter a valid email address."}]
        if errors:
            raise DomainError("Some dispatch details are not valid.", code="invalid", extra={"fields": errors})
        return cls(**clean)

    @property
    def representative_named(self) -> bool | None:
        # Unknown (None) rather than missing when nothing was given: scheduling asks for it later.
        if not (self.representative_name.strip() or self.representative_phone.strip()):
            return None
        return bool(self.representative_name.strip() and self.representative_phone.strip())


# The case's newest dispatch as the page already read it for MTS (dispatch.todos.current_dispatch), kept on
# that case instance only: the case page's action guard then reads no dispatch of its own.
NEWEST_DISPATCH = "_newest_dispatch"


def _current_dispatch(case: Case) -> Dispatch | None:
    if NEWEST_DISPATCH in case.__dict__:
        newest: Dispatch | None = case.__dict__[NEWEST_DISPATCH]
        return newest
    return Dispatch.objects.filter(case=case).order_by("-created_at", "-id").first()


def _site_facts(case: Case, request: DispatchRequest) -> SiteFacts:
    requirements = bool(request.security_requirements.strip())
    return SiteFacts(
        site_country=case.site_country or None,
        security_requirements=requirements,
        security_accepted_beforehand=False,
        authorized_rep_named=request.representative_named,
    )


def _qualify(case: Case, request: DispatchRequest, now: datetime) -> tuple[Eligibility, date | None]:
    """Eligibility at the moment of qualification, and the NBD target. A pending clearance makes NBD "not
    guaranteed" (rule 3) but the target Dell aims for is still the one rule 1 gives, so it is kept."""
    if case.unit is None:
        raise flow.DispatchRefused(
            "unit_required", "Give the unit's service tag on the case before escalating to Dell."
        )
    site = _site_facts(case, request)
    answer = eligibility_for_unit(
        case.unit, qualified_at=now, site_country=site.site_country, site=site, partner_timezone=None
    ).eligibility
    target = answer.nbd_target_date
    if target is None and site.security_requirements:
        cleared = replace(site, security_requirements=False)
        without_clearance = eligibility_for_unit(
            case.unit, qualified_at=now, site_country=site.site_country, site=cleared
        )
        target = without_clearance.eligibility.nbd_target_date
    return answer, target


def dispatch_facts_for_case(case: Case, now: datetime, request: Any) -> hooks.DispatchFacts:
    """The cases.hooks seam: what escalate_to_dell and return_to_mts need to know about the dispatch."""
    state = CaseState(case.state)
    if state is CaseState.L3_DELL:
        current = _current_dispatch(case)
        return hooks.DispatchFacts(finished=current is None or current.is_finished)
    if state is not CaseState.L2_MTS_INVESTIGATING or case.category != Category.HARDWARE or case.unit is None:
        return hooks.DispatchFacts()
    request = DispatchRequest.from_input(request)
    parts_only = request.kind is flow.DispatchKind.PARTS_ONLY
    try:
        answer, _ = _qualify(case, request, now)
    except (ValueError, CalendarError):  # bad place data on the unit: no onsite dispatch can be planned
        return hooks.DispatchFacts(refusal_reasons=("country_not_covered",), parts_only=parts_only)
    return hooks.DispatchFacts(refusal_reasons=tuple(r.value for r in answer.onsite_blockers), parts_only=parts_only)


def _dell_organisation() -> Organisation:
    org = Organisation.objects.filter(kind=OrgKind.DELL, is_active=True).order_by("pk").first()
    if org is None:
        raise Conflict("No active Dell organisation is set up to receive dispatches.", code="no_dell_organisation")
    return org


def _snapshot(answer: Eligibility, target: date | None) -> dict[str, Any]:
    return {
        "onsite_eligible": answer.onsite_eligible,
        "nbd_eligible": answer.nbd_eligible,
        "kyhd_eligible": answer.kyhd_eligible,
        "nbd_target_date": target.isoformat() if target else None,
        "nbd_received_on": answer.nbd_received_on.isoformat() if answer.nbd_received_on else None,
        "site_timezone": answer.site_timezone,
        "site_local_qualified_at": answer.site_local_qualified_at.isoformat(),
        "reasons": [r.value for r in answer.reasons],
    }


# The case fields a dispatch keeps a copy of (the reports read them per dispatch).
CASE_COPIES = {"unit": "unit_id", "component": "component", "team": "team_id", "escalated_at": "escalated_at"}


def case_copies(case: Case) -> dict[str, Any]:
    """The dispatch's columns that copy its case's, as the case has them now."""
    return {column: getattr(case, column) for column in CASE_COPIES.values()}


def follow_case(case: Case, fields: frozenset[str]) -> None:
    """The cases.hooks.case_changed seam, inside the case write's transaction: the case's dispatches take the new
    unit, component, team or arrival at MTS."""
    if fields.isdisjoint(CASE_COPIES):
        return
    Dispatch.objects.filter(case_id=case.pk).update(**case_copies(case))


# How each step reads on the case's timeline (the case page does not know the dispatch app).
def create_dispatch(*, case: Case, actor: User | None, note: str, now: datetime, request: Any = None) -> Dispatch:
    """The cases.hooks seam, called inside escalate_to_dell's transaction: open the dispatch with the
    eligibility snapshot and NBD target at `now` (the moment of qualification, rule 1)."""
    request = DispatchRequest.from_input(request)
    answer, target = _qualify(case, request, now)
    dispatch = Dispatch(
        case=case,
        dell_org=_dell_organisation(),
        kind=request.kind.value,
        qualified_at=now,
        eligibility=_snapshot(answer, target),
        onsite_eligible=answer.onsite_eligible,
        nbd_eligible=answer.nbd_eligible,
        kyhd_keeps_drive=answer.kyhd_eligible,
        nbd_target_on=target if request.kind is flow.DispatchKind.ONSITE else None,
        site_timezone=answer.site_timezone,
        site_country=(case.site_country or case.unit.country if case.unit else case.site_country),
        representative_name=request.representative_name.strip(),
        representative_phone=request.representative_phone.strip(),
        representative_email=request.representative_email.strip(),
        security_requirements=request.security_requirements.strip(),
        clearance=(flow.Clearance.STATED if request.security_requirements.strip() else flow.Clearance.NONE).value,
        requested_by=actor,
        **case_copies(case),
        created_at=now,
        updated_at=now,
    )
    if dispatch.nbd_target_on is not None:
        dispatch.nbd_missed_due_at = end_of_site_day(dispatch.nbd_target_on, dispatch.site_timezone)
    else:  # docs/rules.md rule 9: parts only, or onsite best effort: nothing to keep or miss
        dispatch.nbd_verdict, dispatch.nbd_decided_at = NbdVerdict.NOT_APPLICABLE.value, now
    if dispatch.representative_named:
        dispatch.representative_named_at = now
    full_clean_or_refuse(dispatch)
    dispatch.save()
    # No timeline row of its own: escalate_to_dell's transition row is the one entry of the escalation.
    record_event(type=DispatchEventType.DISPATCH_REQUESTED, obj=dispatch, now=now, details={"action": "requested"})
    notices.notify_requested(dispatch, actor=actor, now=now)
    return dispatch
