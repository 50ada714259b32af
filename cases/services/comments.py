"""Comments and attachments on a case."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from cases import clocks, followers, notices, sla
from cases.archives import UploadLimits, UploadRefused, check_upload
from cases.events import CaseEventType
from cases.models import Case, CaseAttachment, CaseEvent, EventKind
from cases.services.base import lock_case, record_case_event
from husky_support.domain import Conflict, DomainError, NotAllowed
from husky_support.text import TextProblem, required_text
from partners.integrations.outbox import record_event
from partners.kinds import OrgKind
from partners.models import User


def upload_limits() -> UploadLimits:
    return UploadLimits(
        max_bytes=settings.CASES_ATTACHMENT_MAX_BYTES,
        max_archive_members=settings.CASES_ARCHIVE_MAX_MEMBERS,
        max_uncompressed_bytes=settings.CASES_ARCHIVE_MAX_UNCOMPRESSED_BYTES,
    )


def _author(actor: User) -> dict[str, Any]:
    org = actor.organisation
    return {"id": actor.pk, "name": actor.get_full_name() or actor.username, "organisation": org.name if org else None}


@transaction.atomic
def comment_create(*, actor: User, case: Case, body: str, internal: bool = False, now: datetime) -> CaseEvent:
    """Add a comment to the timeline; `internal` (MTS only) hides it from partners, Dell, the partner API,
    notifications and exports. Comments do not bump the case version (they do not move the case)."""
    body = required_text(
        body,
        field="body",
        empty=TextProblem("comment_empty", "Write something first."),
        field_code="comment_empty",
        too_long=(20_000, TextProblem("comment_too_long", "A comment is at most 20,000 characters.")),
    )
    if internal and actor.org_kind != OrgKind.MTS:
        raise DomainError("Only MTS can write internal notes.", code="internal_not_allowed")
    if actor.org_kind == OrgKind.DELL:
        raise NotAllowed("Dell comments on its dispatch, not on the case.")
    locked = lock_case(case)
    clock = clocks.clock_of(locked)
    data: dict[str, str] = {}
    if not internal:  # an internal note answers nobody
        ctx = clocks.context_for(locked, now=now)
        if actor.org_kind == OrgKind.MTS:
            if outcome := sla.next_update_outcome(clock, now):
                data["next_update"] = outcome.value
            clock = sla.on_mts_answer(current=clock, now=now, ctx=ctx)
        else:
            clock = sla.on_partner_message(current=clock, now=now, ctx=ctx)
    locked.updated_at = now
    # Comments do not bump the version: they do not move the case, so nobody's open form goes stale.
    locked.save(update_fields=["updated_at", *clocks.store(locked, clock)])
    event = record_case_event(
        locked, kind=EventKind.COMMENT, actor=actor, now=now, note=body, internal=internal, data=data
    )
    followers.add_followers(locked, [actor], now=now)  # whoever comments follows the case
    notices.notify_comment(event, now=now, mentions=notices.resolve_mentions(locked, body, internal=internal))
    if not internal:  # MTS-internal notes reach no partner system
        record_event(
            type=CaseEventType.CASE_COMMENT_ADDED,
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
                    type=CaseEventType.CASE_ATTACHMENT_ADDED,
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


def attachment_upload(
    *, actor: User, case: Case, upload: UploadedFile, internal: bool = False, now: datetime
) -> CaseAttachment:
    """`attachment_create` for a file as a page or the API receives it: its name and size as the browser sent them."""
    name, size, fileobj = upload.name or "", upload.size or 0, cast(BinaryIO, upload)
    return attachment_create(actor=actor, case=case, name=name, size=size, fileobj=fileobj, internal=internal, now=now)
