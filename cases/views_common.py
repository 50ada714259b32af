"""Helpers shared by the pages and the API (both answer "what may this user do now" the same way)."""

from datetime import datetime

from django.conf import settings

from cases import hooks
from cases.models import Case
from cases.services import case_facts
from cases.workflow import Action, available_actions


def available_actions_for(case: Case, user, *, now: datetime) -> list[Action]:
    """workflow.available_actions() for this user and case: the same plan() the service applies. Escalating
    to Dell is offered only once the dispatch app provides the dispatch it creates."""
    if user.org_kind is None:
        return []
    actions = available_actions(case.state, user.org_kind, case_facts(case, actor=user, now=now))
    if hooks.registry.create_dispatch is None:
        actions = [a for a in actions if a is not Action.ESCALATE_TO_DELL]
    return actions


# Multipart framing (boundary, part headers, the other small fields) on top of the file itself.
_MULTIPART_SLACK = 64 * 1024


def upload_too_large(request) -> str | None:
    """Why an upload is refused from its Content-Length alone, before a byte of it is read, or None."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    limit = settings.CASES_ATTACHMENT_MAX_BYTES
    if length <= limit + _MULTIPART_SLACK:
        return None
    return f"A file may be at most {limit / (1024 * 1024):g} MB; nothing was uploaded."
