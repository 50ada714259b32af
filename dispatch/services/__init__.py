"""Every write to a Dell dispatch, by noun: its creation by escalate_to_dell (requests), its transitions
(dispatches), the site and the clearance request (site), parts, and fees, on the frame they share (base).

Callers pass only dispatches the actor may see (dispatch.selectors.dispatches_visible_to); `now` is read
once at the edge. Each write locks the dispatch row, refuses a stale `version`, and writes exactly one
row on the case's timeline (kind `dispatch`), in one transaction.
"""

from dispatch.services.base import WARN_BEFORE, record_dispatch_event
from dispatch.services.dispatches import dispatch_facts, dispatch_transition, visit_notes
from dispatch.services.fees import fee_waive, may_waive_fees
from dispatch.services.parts import MAX_PARTS, PART_RETURN_DAYS, part_add, part_update
from dispatch.services.requests import DispatchRequest, create_dispatch, dispatch_facts_for_case, follow_case
from dispatch.services.site import SITE_FIELDS, clearance_step, dispatch_note, dispatch_site_update

__all__ = [
    "MAX_PARTS",
    "PART_RETURN_DAYS",
    "SITE_FIELDS",
    "WARN_BEFORE",
    "DispatchRequest",
    "clearance_step",
    "create_dispatch",
    "dispatch_facts",
    "dispatch_facts_for_case",
    "dispatch_note",
    "dispatch_site_update",
    "dispatch_transition",
    "fee_waive",
    "follow_case",
    "may_waive_fees",
    "part_add",
    "part_update",
    "record_dispatch_event",
    "visit_notes",
]
