"""Opening a case (with its number, the owning reseller and an idempotency key) and editing its checklist."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from cases import clocks, followers, hooks, sla
from cases.checklist import (
    TITLE_ONE_LINE,
    Category,
    ChecklistError,
    derive_priority,
    normalize_ppid,
    validate_users_impacted,
)
from cases.events import CaseEventType
from cases.models import Case, CaseIdempotencyKey, CaseNumberCounter, EventKind
from cases.services.base import (
    CASE_EDITORS,
    EDITABLE_FIELDS,
    SITE_FIELDS,
    lock_case,
    may_edit_case,
    record_case_event,
    validate,
)
from cases.services.transitions import case_transition
from cases.workflow import Action
from husky_support.domain import Conflict, DomainError, ErrorKind, NotAllowed
from husky_support.geo import single_timezone_for_country, timezone_fits_country
from husky_support.text import has_line_break
from partners.integrations.outbox import record_event
from partners.kinds import OrgKind
from partners.models import Organisation, User


def _next_number(year: int) -> str:
    """HSK-<year>-<6 digits>, per-year sequence; the counter row lock serialises concurrent creators."""
    table = CaseNumberCounter._meta.db_table
    with connection.cursor() as cursor:
        # One round trip: bump and read under the row lock (UPDATE ... RETURNING).
        cursor.execute(f"UPDATE {table} SET last = last + 1 WHERE year = %s RETURNING last", [year])  # noqa: S608 - the model's table
        row = cursor.fetchone()
    if row is None:
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(year=year, last=1)
                return f"HSK-{year}-{1:06d}"
        except IntegrityError:  # another creator inserted the year's row first
            CaseNumberCounter.objects.filter(year=year).update(last=F("last") + 1)
        row = (CaseNumberCounter.objects.get(year=year).last,)
    return f"HSK-{year}-{row[0]:06d}"


def clean_case_values(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise checklist input; raise DomainError (400) with a stable code and the field."""
    out = dict(values)
    problems: dict[str, list[dict[str, str]]] = {}
    if "ppids" in out:
        raw = out["ppids"] or []
        if isinstance(raw, str):
            raw = [part for part in raw.replace(",", "\n").splitlines() if part.strip()]
        ppids: list[str] = []
        for part in raw:
            try:
                ppids.append(normalize_ppid(str(part)))
            except ChecklistError as exc:
                problems.setdefault("ppids", []).append({"code": exc.code, "message": exc.message})
        out["ppids"] = list(dict.fromkeys(ppids))
    if "users_impacted" in out:
        try:
            out["users_impacted"] = validate_users_impacted(out["users_impacted"])
        except ChecklistError as exc:
            problems["users_impacted"] = [{"code": exc.code, "message": exc.message}]
    for name in ("title", *SITE_FIELDS, "failure_description", "troubleshooting_done"):
        if name in out and out[name] is not None:
            out[name] = str(out[name]).strip()
    if has_line_break(out.get("title") or ""):
        problems["title"] = [{"code": "title_not_one_line", "message": TITLE_ONE_LINE}]
    if problems:
        first = next(iter(problems.values()))[0]
        message = first["message"] if len(problems) == 1 else "Some fields need fixing; nothing was saved."
        raise DomainError(message, code=first["code"], extra={"fields": problems})
    if out.get("site_country"):
        out["site_country"] = out["site_country"].upper()
    if out.get("category") == Category.SOFTWARE:
        out["component"] = ""
    return out


def _fill_site(case: Case) -> None:
    """Pre-fill the site address from the unit's registered location when none was given, and the site
    zone from the unit (same country) or the country's only zone."""
    unit = case.unit
    if unit is not None and not any(getattr(case, name) for name in SITE_FIELDS):
        for name in SITE_FIELDS:
            setattr(case, name, getattr(unit, name.removeprefix("site_")))
    if not case.site_timezone and case.site_country:
        if unit is not None and unit.country == case.site_country:
            case.site_timezone = unit.timezone
        else:
            case.site_timezone = single_timezone_for_country(case.site_country) or ""
    if case.site_timezone and case.site_country and not timezone_fits_country(case.site_timezone, case.site_country):
        message = f"{case.site_timezone} is not a time zone of {case.site_country}."
        raise DomainError(
            message,
            code="invalid_timezone",
            extra={"fields": {"site_timezone": [{"code": "invalid_timezone", "message": message}]}},
        )


def _owning_reseller(*, actor: User, unit: Any, reseller: Organisation | None) -> Organisation:
    kind = actor.org_kind
    if kind == OrgKind.RESELLER and actor.organisation is not None:
        return actor.organisation
    if kind == OrgKind.DISTRIBUTOR:
        if unit is not None and reseller is not None and reseller.pk != unit.reseller_id:
            message = (
                f"{unit.service_tag} belongs to {unit.reseller}, not to {reseller}; "
                "leave the reseller out or pick its owner."
            )
            raise DomainError(
                message,
                code="reseller_not_unit_owner",
                extra={"fields": {"reseller": [{"code": "reseller_not_unit_owner", "message": message}]}},
            )
        owner = unit.reseller if unit is not None else reseller
        if owner is None:
            raise DomainError(
                "Choose the reseller the case is for, or give the unit's service tag.",
                code="reseller_required",
                extra={
                    "fields": {"reseller": [{"code": "reseller_required", "message": "Required for a distributor."}]}
                },
            )
        if owner.distributor_id != actor.organisation_id:
            message = "That reseller is not one of yours."
            raise DomainError(
                message,
                code="unknown_reseller",
                extra={"fields": {"reseller": [{"code": "unknown_reseller", "message": message}]}},
            )
        return owner
    raise NotAllowed("Cases are opened by resellers and distributors; MTS and Dell work the cases they receive.")


class IdempotencyKeyReused(DomainError):
    kind = ErrorKind.UNPROCESSABLE
    code = "idempotency_key_reused"


def _lookup_idempotent(org_id: int, key: str, request_hash: str, now: datetime) -> Case | None:
    """The case first created under `key` in the actor's organisation, if the key has not expired.

    Raises IdempotencyKeyReused when the key was first sent with a different request body."""
    fresh_since = now - timedelta(hours=settings.CASES_IDEMPOTENCY_KEY_HOURS)
    row = (
        CaseIdempotencyKey.objects.filter(organisation_id=org_id, key=key, created_at__gte=fresh_since)
        .select_related("case")
        .first()
    )
    if row is None:
        return None
    if row.request_hash and request_hash and row.request_hash != request_hash:
        raise IdempotencyKeyReused(
            f"The Idempotency-Key {key!r} was already used for a different request (case {row.case.number}); "
            "use a new key for a new case.",
            extra={"case_number": row.case.number},
        )
    return row.case


def case_create(
    *,
    actor: User,
    now: datetime,
    values: dict[str, Any],
    reseller: Organisation | None = None,
    idempotency_key: str = "",
    request_hash: str = "",
    escalate: bool = False,
) -> tuple[Case, bool]:
    """Open a case at the reseller (L1) from `values` (EDITABLE_FIELDS; `unit` already fetched through the
    actor's visible units). With `escalate`, also report it to MTS in the same transaction (refused, and
    nothing written, when the checklist is incomplete). Returns (case, created): a retry with the same
    `idempotency_key` (per organisation, within CASES_IDEMPOTENCY_KEY_HOURS) and the same `request_hash`
    returns the first case and False. Raises DomainError / TransitionRefused / IdempotencyKeyReused."""
    org_id = actor.organisation_id
    # Without an organisation there is nothing to scope a key to (and _owning_reseller refuses the actor).
    key = idempotency_key.strip()[:100] if org_id is not None else ""
    if org_id is not None and key and (existing := _lookup_idempotent(org_id, key, request_hash, now)):
        return existing, False
    try:
        case = _case_create(
            actor=actor,
            now=now,
            values=values,
            reseller=reseller,
            key=key,
            request_hash=request_hash,
            escalate=escalate,
        )
    except IntegrityError:
        # Two requests with one key at the same moment: the loser's transaction rolled back entirely.
        if org_id is not None and key and (existing := _lookup_idempotent(org_id, key, request_hash, now)):
            return existing, False
        raise
    return case, True


@transaction.atomic
def _case_create(
    *,
    actor: User,
    now: datetime,
    values: dict[str, Any],
    reseller: Organisation | None,
    key: str,
    request_hash: str,
    escalate: bool,
) -> Case:
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.", code="unknown_field")
    clean = clean_case_values(values)
    owner = _owning_reseller(actor=actor, unit=clean.get("unit"), reseller=reseller)
    case = Case(reseller=owner, opened_by=actor, created_at=now, updated_at=now, **clean)
    _fill_site(case)
    case.priority = derive_priority(case.in_production, case.users_impacted).value
    case.number = _next_number(now.year)
    validate(case)
    case.save()
    record_case_event(
        case, kind=EventKind.CREATED, actor=actor, now=now, to_state=case.state, data={"number": case.number}
    )
    record_event(type=CaseEventType.CASE_CREATED, obj=case, now=now)
    followers.follow_on_open(case, now=now)
    if key and owner is not None and actor.organisation is not None:
        # An expired key may be used again: its old row gives way to the new case. Only an expired one: a
        # fresh row is a concurrent creator's, and the unique constraint must make this one lose to it.
        expired_before = now - timedelta(hours=settings.CASES_IDEMPOTENCY_KEY_HOURS)
        CaseIdempotencyKey.objects.filter(
            organisation=actor.organisation, key=key, created_at__lt=expired_before
        ).delete()
        CaseIdempotencyKey.objects.create(
            organisation=actor.organisation,
            user=actor,
            key=key,
            request_hash=request_hash,
            case=case,
            created_at=now,
        )
    if escalate:
        case = case_transition(actor=actor, case=case, action=Action.ESCALATE_TO_MTS, version=case.version, now=now)
    return case


def _display(value: Any) -> Any:
    return getattr(value, "pk", value)


@transaction.atomic
def case_update(*, actor: User, case: Case | int, version: int | None, values: dict[str, Any], now: datetime) -> Case:
    """Change checklist fields under the row lock: partners while the case is at the reseller or awaiting
    them, MTS while it is open. Re-derives the priority; writes one `field_change` event listing the
    changes (none when nothing changed). Raises Conflict (stale version), DomainError (bad input)."""
    if actor.org_kind not in CASE_EDITORS:
        raise NotAllowed("Only the partner and MTS edit a case.", code="role_not_allowed")
    case = lock_case(case, version)
    if not may_edit_case(actor.org_kind, case.state):
        raise Conflict(f"The case cannot be edited while “{case.state_enum.label}”.", code="not_editable")
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(f"Unknown fields: {', '.join(sorted(unknown))}.", code="unknown_field")
    clean = clean_case_values(values)
    if "unit" in clean and clean["unit"] is not None and clean["unit"].reseller_id != case.reseller_id:
        raise DomainError("That unit belongs to another reseller.", code="unknown_service_tag")
    changes = {}
    for name, value in clean.items():
        old = getattr(case, name)
        if old != value:
            changes[name] = [_display(old), _display(value)]
            setattr(case, name, value)
    _fill_site(case)
    if not changes:
        return case
    old_priority = case.priority_enum
    new_priority = derive_priority(case.in_production, case.users_impacted)
    fields = [*clean, "site_timezone", "priority", "version", "updated_at"]
    if new_priority != old_priority:
        changes["priority"] = [old_priority.value, new_priority.value]
        clock = sla.on_priority_change(
            current=clocks.clock_of(case),
            now=now,
            old=clocks.targets_for(old_priority),
            ctx=clocks.context_for(case, now=now, priority=new_priority),
        )
        fields += clocks.store(case, clock)
    case.priority = new_priority.value
    case.version += 1
    case.updated_at = now
    validate(case)
    case.save(update_fields=list(dict.fromkeys(fields)))
    hooks.case_changed(case, frozenset(changes))
    record_case_event(case, kind=EventKind.FIELD_CHANGE, actor=actor, now=now, data={"changes": changes})
    return case
