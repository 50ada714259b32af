"""Helpers shared by the pages and the API (both answer "what may this user do now" the same way)."""

from datetime import datetime

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
