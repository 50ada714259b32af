"""Every write to a case, by noun: opening and editing (opening), moving it along the chain (transitions),
comments and attachments (comments), on what they share (base: the lock, the timeline's one writer).
Callers pass only cases the actor may see (cases.selectors.cases_visible_to); `now` is read once at the edge."""

from cases.services.base import (
    CASE_EDITORS,
    EDITABLE_FIELDS,
    MTS_EDITABLE_STATES,
    PARTNER_EDITABLE_STATES,
    SITE_FIELDS,
    may_edit_case,
    record_case_event,
)
from cases.services.comments import attachment_create, attachment_upload, comment_create, upload_limits
from cases.services.opening import IdempotencyKeyReused, case_create, case_update, clean_case_values
from cases.services.transitions import case_facts, case_transition
from cases.workflow import TransitionRefused

__all__ = [
    "CASE_EDITORS",
    "EDITABLE_FIELDS",
    "MTS_EDITABLE_STATES",
    "PARTNER_EDITABLE_STATES",
    "SITE_FIELDS",
    "IdempotencyKeyReused",
    "TransitionRefused",
    "attachment_create",
    "attachment_upload",
    "case_create",
    "case_facts",
    "case_transition",
    "case_update",
    "clean_case_values",
    "comment_create",
    "may_edit_case",
    "record_case_event",
    "upload_limits",
]
