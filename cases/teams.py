"""Writes and reads of MTS teams and SLA policies (MTS admins), and moving a case to another team.

Every refusal is a Django ValidationError per field with a stable code, all fields at once (the API
answers 400 with them); nothing is written then."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet

from cases import clocks, hooks, sla
from cases.models import Case, EventKind, SlaPolicy, Team, TeamCountry
from cases.services.base import record_case_event
from husky_support.business_hours import BusinessHoursError, parse_weekly_hours
from husky_support.domain import DomainError
from husky_support.locking import lock_versioned
from partners.kinds import OrgKind
from partners.models import User
from partners.reference import require_mts_admin
from partners.validators import validate_country, validate_timezone

TEAM_FIELDS = frozenset(
    {"name", "timezone", "weekly_hours", "holiday_country", "holiday_subdivision", "is_default", "lead", "members"}
)


def require_team_admin(actor: User) -> None:
    require_mts_admin(actor, "Only MTS administrators change teams and SLA policies.", code="not_allowed")


def teams_visible_to(user: User) -> QuerySet[Team]:
    """MTS reads the teams; nobody else sees them (404)."""
    if user.org_kind != OrgKind.MTS:
        return Team.objects.none()
    return Team.objects.select_related("lead").prefetch_related("countries", "members")


def policies_visible_to(user: User) -> QuerySet[SlaPolicy]:
    if user.org_kind != OrgKind.MTS:
        return SlaPolicy.objects.none()
    return SlaPolicy.objects.all()


def team_of(user: User) -> Team | None:
    """The viewer's own team (the triage queue's default filter), if any."""
    return Team.objects.filter(members=user).order_by("name").first()


def _field_error(errors: dict[str, list[ValidationError]], field: str, message: str, code: str) -> None:
    errors.setdefault(field, []).append(ValidationError(message, code=code))


def _check(values: dict[str, Any], countries: list[str] | None, team: Team | None) -> dict[str, list[ValidationError]]:
    errors: dict[str, list[ValidationError]] = {}
    if "weekly_hours" in values:
        try:
            values["weekly_hours"] = parse_weekly_hours(values["weekly_hours"]).as_mapping()
        except BusinessHoursError as refused:
            _field_error(errors, "weekly_hours", refused.message, refused.code)
    for field, validator in (("timezone", validate_timezone), ("holiday_country", validate_country)):
        if field in values:
            try:
                validator(values[field])
            except ValidationError as refused:
                errors.setdefault(field, []).extend(refused.error_list)
    lead = values.get("lead")
    if lead is not None and lead.org_kind != OrgKind.MTS:
        _field_error(errors, "lead", "The team lead must be an MTS user.", "lead_not_mts")
    for member in values.get("members") or []:
        if member.org_kind != OrgKind.MTS:
            _field_error(errors, "members", f"{member.username} is not an MTS user.", "member_not_mts")
    if countries is not None:
        taken = TeamCountry.objects.filter(country__in=countries).select_related("team")
        if team is not None:
            taken = taken.exclude(team=team)
        for row in taken:
            _field_error(
                errors, "countries", f"{row.country} is already served by {row.team.name}.", "country_already_served"
            )
        for code in countries:
            try:
                validate_country(code)
            except ValidationError as refused:
                errors.setdefault("countries", []).extend(refused.error_list)
    return errors


@transaction.atomic
def team_save(
    *, actor: User, values: dict[str, Any], countries: list[str] | None = None, team: Team | None = None
) -> Team:
    """Create (`team=None`) or change a team, with the countries it serves (each served by one team only).
    Raises NotAllowed, ValidationError (all field errors, with codes)."""
    require_team_admin(actor)
    unknown = set(values) - TEAM_FIELDS
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.", code="unknown_field")
    values = dict(values)
    if countries is not None:
        countries = sorted({str(code).strip().upper() for code in countries})
    errors = _check(values, countries, team)
    members = values.pop("members", None)
    target = team if team is not None else Team()
    if team is not None:
        team = Team.objects.select_for_update().get(pk=team.pk)
        target = team
    for field, value in values.items():
        setattr(target, field, value)
    if target.is_default:
        others = Team.objects.filter(is_default=True)
        if target.pk:
            others = others.exclude(pk=target.pk)
        others.update(is_default=False)  # one default team: the newly chosen one wins
    try:
        target.full_clean()
    except ValidationError as invalid:
        for field, messages in invalid.error_dict.items():
            errors.setdefault(field, messages)  # a field already refused above is reported once
    if errors:
        raise ValidationError(errors)
    if target.pk:
        target.version += 1
    target.save()
    if members is not None:
        target.members.set(members)
    if countries is not None:
        TeamCountry.objects.filter(team=target).exclude(country__in=countries).delete()
        existing = set(TeamCountry.objects.filter(team=target).values_list("country", flat=True))
        TeamCountry.objects.bulk_create([TeamCountry(team=target, country=c) for c in countries if c not in existing])
    return target


@transaction.atomic
def policy_save(*, actor: User, priority: str, first_response_minutes: int, next_update_minutes: int) -> SlaPolicy:
    """Set the SLA targets of one priority (business minutes, more than zero). Running clocks keep the due
    times they have; cases entering a target from now on use the new one. Raises NotAllowed, ValidationError."""
    require_team_admin(actor)
    policy = SlaPolicy.objects.select_for_update().filter(priority=priority).first() or SlaPolicy(priority=priority)
    policy.first_response_minutes = first_response_minutes
    policy.next_update_minutes = next_update_minutes
    errors: dict[str, list[ValidationError]] = {}
    for field in ("first_response_minutes", "next_update_minutes"):
        if not isinstance(getattr(policy, field), int) or getattr(policy, field) <= 0:
            _field_error(errors, field, "A target is a whole number of minutes above zero.", "target_not_positive")
    if errors:
        raise ValidationError(errors)
    if policy.pk:
        policy.version += 1
    policy.full_clean()
    policy.save()
    return policy


@transaction.atomic
def case_move_team(*, actor: User, case: Case | int, team: Team, version: int | None, now: datetime) -> Case:
    """An MTS admin moves a case to another team: the business time left is counted on in the new team's
    hours. One `field_change` timeline row (MTS-internal). Raises NotAllowed, Conflict (stale version)."""
    require_team_admin(actor)
    pk = case.pk if isinstance(case, Case) else case
    locked = lock_versioned(
        Case.objects.select_related("team"), pk, version, noun="case", extra=lambda row: {"state": row.state}
    )
    if locked.team_id == team.pk:
        return locked
    old_team = locked.team
    clock = sla.on_team_change(
        current=clocks.clock_of(locked),
        now=now,
        old_hours=clocks.team_hours(old_team, now=now),
        ctx=clocks.context_for(locked, now=now, team=team),
    )
    locked.team = team
    locked.version += 1
    locked.updated_at = now
    fields = ["team", "version", "updated_at", *clocks.store(locked, clock)]
    locked.save(update_fields=fields)
    hooks.case_changed(locked, frozenset({"team"}))
    record_case_event(
        locked,
        kind=EventKind.FIELD_CHANGE,
        actor=actor,
        now=now,
        internal=True,
        data={"changes": {"team": [old_team.name if old_team else None, team.name]}},
    )
    return locked
