"""Every write to a case: creation, edits, transitions, comments, attachments. Callers pass only cases the
actor may see (fetched through cases.selectors.cases_visible_to); `now` is read once at the edge."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from cases import clocks, hooks, notifications, sla
from cases.archives import UploadLimits, UploadRefused, check_upload
from cases.checklist import (
    TITLE_ONE_LINE,
    Category,
    ChecklistError,
    derive_priority,
    normalize_ppid,
    validate_users_impacted,
)
from cases.models import Case, CaseAttachment, CaseEvent, CaseIdempotencyKey, CaseNumberCounter, EventKind
from cases.workflow import OPEN_STATES, Action, CaseFacts, State, Step, plan
from husky_support.domain import Conflict, DomainError, ErrorKind, NotAllowed
from husky_support.geo import single_timezone_for_country, timezone_fits_country
from husky_support.locking import lock_versioned
from husky_support.text import has_line_break
from partners.integrations.catalog import EventType
from partners.integrations.outbox import record_event
from partners.kinds import OrgKind
from partners.models import Organisation, User

# Fields a partner fills in (the checklist and the title); the service validates and normalises them.
EDITABLE_FIELDS = (
    "title",
    "category",
    "component",
    "unit",
    "site_address_line1",
    "site_address_line2",
    "site_city",
    "site_postal_code",
    "site_country",
    "site_timezone",
    "ppids",
    "users_impacted",
    "in_production",
    "failure_description",
    "troubleshooting_done",
    "customer_available_for_diagnostics",
    "diagnostics_unavailable_reason",
)
SITE_FIELDS = ("site_address_line1", "site_address_line2", "site_city", "site_postal_code", "site_country")
PARTNER_EDITABLE_STATES = frozenset({State.L1_RESELLER.value, State.AWAITING_PARTNER.value})
MTS_EDITABLE_STATES = frozenset(s.value for s in OPEN_STATES)
# MTS transitions the partner sees as an answer: they meet the first response (cases.sla).
MTS_ANSWER_ACTIONS = frozenset({Action.RETURN_TO_PARTNER, Action.REQUEST_INFO, Action.ESCALATE_TO_DELL, Action.RESOLVE})
# Transitions that email the other side (partner-visible text only).
NOTIFY_ACTIONS = frozenset(
    {
        Action.ESCALATE_TO_MTS,
        Action.RETURN_TO_PARTNER,
        Action.REQUEST_INFO,
        Action.PROVIDE_INFO,
        Action.RESOLVE,
        Action.REOPEN,
    }
)


def upload_limits() -> UploadLimits:
    return UploadLimits(
        max_bytes=settings.CASES_ATTACHMENT_MAX_BYTES,
        max_archive_members=settings.CASES_ARCHIVE_MAX_MEMBERS,
        max_uncompressed_bytes=settings.CASES_ARCHIVE_MAX_UNCOMPRESSED_BYTES,
    )


def _actor_kind(actor: User | None) -> OrgKind | None:
    return actor.org_kind if actor is not None else None


def _validate(obj: Case | CaseEvent) -> None:
    """full_clean() without its queries: the fields' own checks (choices, lengths, validators) run, while
    - each foreign key is an object this request already read through a visibility gate (full_clean would
      query each one again to see that it exists: reseller, unit, opened_by, assignee, team, case, actor),
    - the case number is unique by the counter's row lock (full_clean would query for a duplicate),
    - the check constraints repeat the fields' choices (full_clean would run a query and two savepoints each),
    and the database enforces every one of them on the write anyway. 18 of a case creation's 39 queries."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


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
        case.site_address_line1 = unit.address_line1
        case.site_address_line2 = unit.address_line2
        case.site_city = unit.city
        case.site_postal_code = unit.postal_code
        case.site_country = unit.country
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


def record_case_event(case: Case, *, kind: str, actor: User | None, now: datetime, **fields: Any) -> CaseEvent:
    """Append one row to the case's timeline (inside the caller's transaction). The one writer of CaseEvent."""
    event = CaseEvent(case=case, kind=kind, actor=actor, at=now, **fields)
    _validate(event)
    event.save()
    return event


def _author(actor: User) -> dict[str, Any]:
    org = actor.organisation
    return {"id": actor.pk, "name": actor.get_full_name() or actor.username, "organisation": org.name if org else None}


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
    _validate(case)
    case.save()
    record_case_event(
        case, kind=EventKind.CREATED, actor=actor, now=now, to_state=case.state, data={"number": case.number}
    )
    record_event(type=EventType.CASE_CREATED, obj=case, now=now)
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


def _lock(case: Case | int, version: int | None = None) -> Case:
    """The case row locked for this transaction; a stale `version` is refused (Conflict with its state)."""
    pk = case.pk if isinstance(case, Case) else case
    return lock_versioned(
        Case.objects.select_related("unit"), pk, version, noun="case", extra=lambda row: {"state": row.state}
    )


def _display(value: Any) -> Any:
    return getattr(value, "pk", value)


@transaction.atomic
def case_update(*, actor: User, case: Case | int, version: int | None, values: dict[str, Any], now: datetime) -> Case:
    """Change checklist fields under the row lock: partners while the case is at the reseller or awaiting
    them, MTS while it is open. Re-derives the priority; writes one `field_change` event listing the
    changes (none when nothing changed). Raises Conflict (stale version), DomainError (bad input)."""
    case = _lock(case, version)
    kind = actor.org_kind
    allowed_states = MTS_EDITABLE_STATES if kind == OrgKind.MTS else PARTNER_EDITABLE_STATES
    if kind not in {OrgKind.RESELLER, OrgKind.DISTRIBUTOR, OrgKind.MTS} or case.state not in allowed_states:
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
    _validate(case)
    case.save(update_fields=list(dict.fromkeys(fields)))
    record_case_event(case, kind=EventKind.FIELD_CHANGE, actor=actor, now=now, data={"changes": changes})
    return case


def case_facts(
    case: Case, *, actor: User | None, now: datetime, note: str = "", dispatch_request: Any = None
) -> CaseFacts:
    """What the workflow guards need, read from the case (and the dispatch hook)."""
    dispatch = hooks.dispatch_facts(case, now, dispatch_request)
    return CaseFacts(
        category=Category(case.category),
        now=now,
        checklist_missing=case.checklist_missing(),
        note=note,
        is_assignee=actor is not None and case.assignee_id == actor.pk,
        resolved_at=case.resolved_at,
        resolved_at_l1=case.resolved_at_l1,
        dispatch_finished=dispatch.finished,
        dispatch_refusal_reasons=dispatch.refusal_reasons,
        parts_only=dispatch.parts_only,
    )


def _apply(case: Case, step: Step, *, actor: User | None, now: datetime) -> list[str]:
    """Set the fields the step changes; return their names for update_fields."""
    changed = ["state", "version", "updated_at"]
    if step.action is Action.ESCALATE_TO_MTS and case.escalated_at is None:
        # Routed when it first reaches MTS, by the site country as it stands then.
        case.team = clocks.team_for_country(case.site_country)
        changed.append("team")
    ctx = clocks.context_for(case, now=now)
    clock = clocks.clock_of(case)
    if step.action in MTS_ANSWER_ACTIONS and _actor_kind(actor) is OrgKind.MTS:
        clock = sla.on_mts_answer(current=clock, now=now, ctx=ctx)
    clock = sla.on_enter(from_state=step.from_state, to_state=step.to_state, now=now, current=clock, ctx=ctx)
    changed += clocks.store(case, clock)
    case.state = step.to_state.value
    if step.assign_to_actor:
        case.assignee = actor
        changed.append("assignee")
    elif step.clear_assignee:
        case.assignee = None
        changed.append("assignee")
    if step.action is Action.ESCALATE_TO_MTS and case.escalated_at is None:
        case.escalated_at = now
        changed.append("escalated_at")
    if step.to_state is State.RESOLVED:
        case.resolved_at = now
        case.resolved_at_l1 = step.from_state is State.L1_RESELLER
        case.auto_close_due_at = now + timedelta(days=14)
        changed += ["resolved_at", "resolved_at_l1", "auto_close_due_at"]
    elif step.from_state is State.RESOLVED:
        case.auto_close_due_at = None
        changed.append("auto_close_due_at")
    if step.to_state is State.CLOSED:
        case.closed_at = now
        changed.append("closed_at")
    case.version += 1
    case.updated_at = now
    return changed


@transaction.atomic
def case_transition(
    *,
    actor: User | None,
    case: Case | int,
    action: str,
    now: datetime,
    note: str = "",
    version: int | None = None,
    expected_state: str | None = None,
    dispatch_request: Any = None,
) -> Case:
    """Apply one workflow action under the row lock: refuse a stale `version` (409 `conflict`), let
    workflow.plan() decide (TransitionRefused), save, write exactly one timeline row and enqueue the
    notification on commit. `actor=None` is the system (automatic close), which passes `expected_state`:
    a case no longer in it raises Conflict `state_changed` and is left alone. `dispatch_request` is what
    escalate_to_dell hands to the dispatch app (kind, representative, site requirements)."""
    if actor is not None and actor.org_kind is None:
        raise NotAllowed("Your account is not attached to an organisation.")
    case = _lock(case, version)
    if expected_state is not None and case.state != expected_state:
        raise Conflict("The case moved on meanwhile.", code="state_changed", extra={"state": case.state})
    note = (note or "").strip()
    facts = case_facts(case, actor=actor, now=now, note=note, dispatch_request=dispatch_request)
    step = plan(case.state, action, _actor_kind(actor), facts)  # TransitionRefused: nothing written
    previous_assignee = case.assignee_id
    fields = _apply(case, step, actor=actor, now=now)
    if step.creates_dispatch and hooks.registry.create_dispatch is None:
        raise Conflict("Dell dispatches are not available yet.", code="dispatch_unavailable")
    _validate(case)
    case.save(update_fields=list(dict.fromkeys(fields)))
    data: dict[str, Any] = {}
    if case.assignee_id != previous_assignee:
        data["assignee"] = {"from": previous_assignee, "to": case.assignee_id}
    if step.by_system:
        data["by_system"] = True
    event = record_case_event(
        case,
        kind=EventKind.TRANSITION,
        actor=actor,
        now=now,
        action=step.action.value,
        from_state=step.from_state.value,
        to_state=step.to_state.value,
        note=note,
        data=data,
    )
    if step.creates_dispatch and hooks.registry.create_dispatch is not None:
        # After the transition's own row, so the timeline reads "escalated", then the dispatch's first step.
        hooks.registry.create_dispatch(case=case, actor=actor, note=note, now=now, request=dispatch_request)
    record_event(
        type=EventType.CASE_TRANSITIONED,
        obj=case,
        now=now,
        details={
            "action": step.action.value,
            "from_state": step.from_state.value,
            "to_state": step.to_state.value,
            "note": note,
            "by_system": step.by_system,
        },
    )
    if step.action in NOTIFY_ACTIONS:
        notifications.record_transition(event, now=now)
    return case


@transaction.atomic
def comment_create(*, actor: User, case: Case, body: str, internal: bool = False, now: datetime) -> CaseEvent:
    """Add a comment to the timeline; `internal` (MTS only) hides it from partners, Dell, the partner API,
    notifications and exports. Comments do not bump the case version (they do not move the case)."""
    body = (body or "").strip()
    if not body:
        raise DomainError(
            "Write something first.",
            code="comment_empty",
            extra={"fields": {"body": [{"code": "comment_empty", "message": "Required."}]}},
        )
    if len(body) > 20_000:
        raise DomainError("A comment is at most 20,000 characters.", code="comment_too_long")
    if internal and actor.org_kind != OrgKind.MTS:
        raise DomainError("Only MTS can write internal notes.", code="internal_not_allowed")
    if actor.org_kind == OrgKind.DELL:
        raise NotAllowed("Dell comments on its dispatch, not on the case.")
    locked = _lock(case)
    clock = clocks.clock_of(locked)
    if not internal:  # an internal note answers nobody
        ctx = clocks.context_for(locked, now=now)
        if actor.org_kind == OrgKind.MTS:
            clock = sla.on_mts_answer(current=clock, now=now, ctx=ctx)
        else:
            clock = sla.on_partner_message(current=clock, now=now, ctx=ctx)
    locked.updated_at = now
    # Comments do not bump the version: they do not move the case, so nobody's open form goes stale.
    locked.save(update_fields=["updated_at", *clocks.store(locked, clock)])
    event = record_case_event(locked, kind=EventKind.COMMENT, actor=actor, now=now, note=body, internal=internal)
    if not internal:  # MTS-internal notes reach no partner system
        record_event(
            type=EventType.CASE_COMMENT_ADDED,
            obj=locked,
            now=now,
            details={"comment": {"id": event.pk, "body": body, "author": _author(actor), "created_at": now}},
        )
    return event


def attachment_create(
    *, actor: User, case: Case, name: str, size: int, fileobj: BinaryIO, internal: bool = False, now: datetime
) -> CaseAttachment:
    """Check an upload (cases.archives: size, type, a real zip without unsafe paths or bombs) and store it
    outside the web root under a random name, with one timeline row. Raises DomainError with the check's
    code; nothing is written then."""
    if internal and actor.org_kind != OrgKind.MTS:
        raise DomainError("Only MTS can attach internal files.", code="internal_not_allowed")
    if actor.org_kind == OrgKind.DELL:
        raise NotAllowed("Dell attaches files to its dispatch, not to the case.")
    if not case.is_open:
        raise Conflict("Files can be added only while the case is open.", code="case_not_open")
    try:
        checked = check_upload(name=name, size=size, fileobj=fileobj, limits=upload_limits())
    except UploadRefused as refused:
        problem = {"code": refused.code, "message": refused.message}
        raise DomainError(refused.message, code=refused.code, extra={"fields": {"file": [problem]}}) from None
    digest = hashlib.sha256()
    fileobj.seek(0)
    while chunk := fileobj.read(1024 * 1024):
        digest.update(chunk)
    fileobj.seek(0)
    attachment = CaseAttachment(
        case=case,
        filename=checked.filename,
        kind=checked.kind.value,
        size=checked.size,
        sha256=digest.hexdigest(),
        member_count=checked.member_count,
        uncompressed_bytes=checked.uncompressed_bytes,
        internal=internal,
        uploaded_by=actor,
        uploaded_at=now,
    )
    attachment.file.save("upload", File(fileobj), save=False)
    try:
        with transaction.atomic():
            attachment.full_clean()
            attachment.save()
            Case.objects.filter(pk=case.pk).update(updated_at=now)
            record_case_event(
                case,
                kind=EventKind.ATTACHMENT,
                actor=actor,
                now=now,
                internal=internal,
                data={"attachment": attachment.pk, "filename": attachment.filename, "size": attachment.size},
            )
            if not internal:
                record_event(
                    type=EventType.CASE_ATTACHMENT_ADDED,
                    obj=case,
                    now=now,
                    details={
                        "attachment": {
                            "id": attachment.pk,
                            "filename": attachment.filename,
                            "kind": attachment.kind,
                            "size": attachment.size,
                            "sha256": attachment.sha256,
                            "uploaded_by": _author(actor),
                        }
                    },
                )
    except Exception:
        attachment.file.delete(save=False)  # no row, no file
        raise
    return attachment
