"""Cases on the one notification path (partners.notifications): the "case" object kind (registered from
CasesConfig.ready()), what each audience of the table means for a case, and the writers the case services
call inside their transactions: transitions, comments (with mentions) and SLA alerts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.urls import reverse

from cases import hooks
from cases.models import Case, CaseEvent, CaseFollower, EventKind, Team
from cases.selectors import cases_visible_to
from cases.workflow import Action, State
from partners.kinds import OrgKind, Role
from partners.models import Organisation, User
from partners.notifications.registry import NoticeKind, register_kind, register_preferences_page
from partners.notifications.services import Notified, mark_read_where, notify

NOBODY = Q(pk__in=[])

TRANSITION_KINDS: dict[str, str] = {
    Action.ESCALATE_TO_MTS: "case.escalated",
    Action.RETURN_TO_PARTNER: "case.returned",
    Action.REQUEST_INFO: "case.info_requested",
    Action.PROVIDE_INFO: "case.info_provided",
    Action.RESOLVE: "case.resolved",
    Action.REOPEN: "case.reopened",
}


def viewers_q(case: Case) -> Q:
    """Who may see `case` (the visibility gate, docs/rules.md "Who uses it"), as a condition on User."""
    q = Q(organisation__kind=OrgKind.MTS) | Q(organisation_id=case.reseller_id)
    distributor = Organisation.objects.filter(pk=case.reseller_id).values("distributor_id")
    q |= Q(organisation__kind=OrgKind.DISTRIBUTOR, organisation_id__in=distributor)
    return q | (Q(organisation__kind=OrgKind.DELL) & hooks.dell_viewers(case))


def partner_q(case: Case, actor: User | None = None) -> Q:
    q = Q(organisation_id=case.reseller_id, role=Role.ADMIN)
    return q | Q(pk=case.opened_by_id) if case.opened_by_id else q


def _team_q(team_id: int | None) -> Q:
    if team_id is None:
        return NOBODY
    members = Team.members.through.objects.filter(team_id=team_id).values("user_id")
    return Q(pk__in=members) | Q(pk__in=Team.objects.filter(pk=team_id).values("lead_id"))


def mts_q(case: Case, actor: User | None = None) -> Q:
    """The assignee or, unassigned, the case's team (never every MTS user)."""
    if case.assignee_id:
        return Q(pk=case.assignee_id)
    return _team_q(case.team_id)


def country_team_q(case: Case, actor: User | None = None) -> Q:
    from cases.clocks import team_for_country

    team = team_for_country(case.site_country)
    return _team_q(team.pk if team is not None else case.team_id)


def other_side_q(case: Case, actor: User | None) -> Q:
    if actor is not None and actor.org_kind == OrgKind.MTS:
        return partner_q(case)
    return mts_q(case)


def followers_q(case: Case, actor: User | None = None) -> Q:
    return Q(pk__in=CaseFollower.objects.filter(case_id=case.pk).values("user_id"))


def _load(pk: int) -> Case | None:
    return Case.objects.filter(pk=pk).first()


def case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.number])


def case_label(case: Case) -> str:
    return f"Case {case.number}: {case.title}"


CASE_AUDIENCES = {
    "partner": partner_q,
    "other_side": other_side_q,
    "mts": mts_q,
    "country_team": country_team_q,
    "followers": followers_q,
}


def register() -> None:
    register_preferences_page(lambda: reverse("cases:notifications"))
    register_kind(
        NoticeKind(
            object_type="case",
            load=_load,
            visible_to=cases_visible_to,
            viewers_q=viewers_q,
            audiences=CASE_AUDIENCES,
            url=case_url,
            label=case_label,
            site_timezone=lambda case: case.site_timezone or "",
        )
    )


def case_facts(case: Case) -> dict[str, str]:
    """What a notification about `case` (or its dispatch) shows beside its line: the number, the case it is
    grouped under in the bell, and the unit's service tag."""
    facts = {"case_number": case.number, "group_label": case_label(case), "group_url": case_url(case)}
    if case.unit_id and case.unit is not None:
        facts["service_tag"] = case.unit.service_tag
    return facts


def _key(event: CaseEvent) -> str:
    return f"case_event:{event.pk}"


def notify_transition(event: CaseEvent, *, now: datetime) -> Notified:
    """The people of a transition's audience (the table), with its own partner-visible note."""
    kind = TRANSITION_KINDS.get(event.action)
    if kind is None or (event.action == Action.RESOLVE and event.from_state == State.L1_RESELLER):
        return Notified(0, 0)  # a partner resolving at first level tells nobody
    case = event.case
    label = Action(event.action).label
    return notify(
        kind,
        case,
        actor=event.actor,
        now=now,
        event_key=_key(event),
        text=f"{case.number}: {label}",
        data={**case_facts(case), **({"note": event.note[:2000]} if event.note else {})},
    )


def notify_sla(event: CaseEvent, *, now: datetime) -> Notified:
    kind = "case.sla_breached" if event.kind == EventKind.SLA_BREACHED else "case.sla_near_breach"
    case = event.case
    text = f"{case.number}: {EventKind(event.kind).label}"
    return notify(kind, case, actor=None, now=now, event_key=_key(event), text=text, data=case_facts(case))


MENTION = re.compile(r"(?<![\w@.])@([\w.+-]{1,150})")


@dataclass(frozen=True)
class Mentions:
    """What the @usernames of a comment resolve to: who is told, and why the others are not."""

    users: tuple[User, ...]
    unknown: tuple[str, ...]  # no such active user, or one who may not see the case
    not_mts: tuple[str, ...]  # a partner or Dell person mentioned in an internal note


def resolve_mentions(case: Case, body: str, *, internal: bool) -> Mentions:
    """The people `body` mentions who may hear of it: MTS colleagues in an internal note, people who may see
    the case in a public comment. One query."""
    names = list(dict.fromkeys(m.rstrip(".") for m in MENTION.findall(body)))
    if not names:
        return Mentions((), (), ())
    found = {
        user.username.lower(): user
        for user in User.objects.filter(username__in=names, is_active=True)
        .filter(viewers_q(case))
        .select_related("organisation")
    }
    users: list[User] = []
    unknown: list[str] = []
    not_mts: list[str] = []
    for name in names:
        user = found.get(name.lower())
        if user is None:
            unknown.append(name)
        elif internal and user.org_kind != OrgKind.MTS:
            not_mts.append(name)
        else:
            users.append(user)
    return Mentions(tuple(users), tuple(unknown), tuple(not_mts))


def mention_sentences(mentions: Mentions) -> list[str]:
    """What the comment form says about the mentions that told nobody (nothing when all were told)."""
    lines = [f"@{name} was not notified: an internal note reaches MTS people only." for name in mentions.not_mts]
    lines += [f"@{name} was not notified: no such person may see this case." for name in mentions.unknown]
    return lines


def notify_comment(event: CaseEvent, *, now: datetime, mentions: Mentions) -> Notified:
    case = event.case
    who = event.actor.get_full_name() or event.actor.username if event.actor is not None else "Husky Support"
    if event.internal:
        kind, line, data = "case.internal_note", f"{who} mentioned you in an internal note", case_facts(case)
    else:
        kind, line, data = "case.comment", f"new reply from {who}", {**case_facts(case), "note": event.note[:2000]}
    text = f"{case.number}: {line}"
    return notify(
        kind, case, actor=event.actor, now=now, event_key=_key(event), text=text, data=data, mentions=mentions.users
    )


def mark_case_read(user: User, case: Case, *, now: datetime) -> int:
    """Opening a case reads the notifications about it and about its dispatches (one UPDATE)."""
    if not user.is_authenticated:
        return 0
    about = Q(object_type="case", object_id=case.pk) | Q(data__case_number=case.number)
    return mark_read_where(user, about, now=now)
