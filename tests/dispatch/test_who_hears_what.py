"""Who hears what, table-driven: every event kind of partners.notifications.table x every role, under each
preference (immediately, digest, in the portal only, off): who gets an in-app row, who an email (and whether
it waits for the digest), and that the actor never hears of their own act.

The expectations below are written out by hand from docs/rules.md "Notifications", not derived from the
code's table, so a change to the table that changes who hears what fails here."""

from datetime import timedelta

import pytest

from cases import followers
from cases.models import Case
from dispatch.models import Dispatch
from partners.integrations import endpoints
from partners.kinds import Role
from partners.models import MonthlyReport, Notification, NotificationPreference, Organisation
from partners.notifications.models import Mode
from partners.notifications.services import notify
from partners.notifications.table import EVENTS
from servicetags import services as unit_services
from tests.cases.factories import TeamFactory
from tests.dispatch.factories import NOW, dispatch_for
from tests.partners.factories import DellFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "opener",  # the reseller agent who opened the case (follows it)
    "reseller_admin",
    "follower",  # another reseller agent who follows the case
    "distributor",
    "other_reseller",
    "assignee",  # the MTS technician on the case (follows it)
    "team_member",  # MTS, in the team serving the site's country
    "other_mts",  # MTS, in no team of the case
    "dell",  # the Dell organisation the dispatch went to
    "other_dell",
]

P = {"reseller_admin", "opener"}  # the partner side: the reseller's admins and the opener
PF = P | {"follower"}  # ... and the case's followers (the opener and the assignee follow on their own)
RESELLER_ORG = {"reseller_admin", "opener", "follower"}

# event kind (or kind/variant) -> (actor role or None, the object, who hears of it)
EXPECTED: dict[str, tuple[str | None, str, set[str]]] = {
    "case.comment": ("assignee", "case", PF),  # MTS replies: the partner side and the followers
    "case.comment/from_partner": ("opener", "case", {"assignee", "follower"}),  # the partner replies: MTS
    "case.internal_note": ("assignee", "case", {"team_member"}),  # only the mentioned MTS colleague
    "case.escalated": ("opener", "case", {"team_member", "assignee", "follower"}),
    "case.info_requested": ("assignee", "case", PF),
    "case.info_provided": ("opener", "case", {"assignee", "follower"}),
    "case.returned": ("assignee", "case", PF),
    "case.resolved": ("assignee", "case", PF),
    "case.reopened": ("opener", "case", {"assignee", "follower"}),
    "case.sla_near_breach": (None, "case", {"assignee"}),
    "case.sla_breached": (None, "case", {"assignee"}),
    "case.sla_breached/unassigned": (None, "unassigned_case", {"team_member"}),  # the team, not every MTS user
    "dispatch.message": ("dell", "dispatch", P | {"assignee"}),
    "dispatch.requested": ("assignee", "dispatch", PF | {"dell"}),
    "dispatch.accepted": ("dell", "dispatch", PF | {"assignee"}),
    "dispatch.denied": ("dell", "dispatch", P | {"assignee"}),
    "dispatch.resubmitted": ("assignee", "dispatch", {"dell"}),
    "dispatch.visit_booked": ("dell", "dispatch", PF | {"assignee"}),
    "dispatch.visit_moved": ("opener", "dispatch", {"reseller_admin", "follower", "assignee", "dell"}),
    "dispatch.outcome": ("dell", "dispatch", PF | {"assignee"}),
    "dispatch.fee_recorded": ("dell", "dispatch", PF | {"assignee"}),
    "dispatch.fee_waived": ("other_mts", "dispatch", PF | {"assignee"}),
    "dispatch.part_shipped": ("dell", "dispatch", PF | {"assignee"}),
    "dispatch.part_delivered": ("opener", "dispatch", {"assignee", "dell"}),
    "dispatch.part_due_back": (None, "dispatch", P),
    "dispatch.part_overdue": (None, "dispatch", P | {"assignee", "dell"}),
    "dispatch.completed": ("dell", "dispatch", PF | {"assignee"}),
    "dispatch.cancelled": ("assignee", "dispatch", P | {"dell"}),
    "dispatch.reschedule_window_ending": (None, "dispatch", P),
    "dispatch.nbd_missed": (None, "dispatch", {"assignee"}),
    "transfer.submitted": ("distributor", "transfer", RESELLER_ORG),
    "transfer.confirmed": ("other_mts", "transfer", RESELLER_ORG | {"distributor"}),
    "transfer.rejected": ("dell", "transfer", RESELLER_ORG | {"distributor"}),
    "transfer.reminder": (None, "reseller_org", RESELLER_ORG),
    "transfer.assistance": (None, "distributor_org", {"distributor"}),
    "endpoint.disabled": (None, "endpoint", {"reseller_admin"}),
    "report.monthly": (None, "monthly_report", RESELLER_ORG),  # every person of the reseller, nobody else
}
MENTIONS = {"case.internal_note": ["team_member", "reseller_admin", "dell"]}  # only MTS people hear of a note


def test_every_event_kind_of_the_table_is_expected_here():
    assert {name.split("/")[0] for name in EXPECTED} == set(EVENTS)


@pytest.fixture
def world(reseller_org, distributor_org, other_reseller_org, mts_org, unit):
    people = {
        "opener": UserFactory(username="opener", organisation=reseller_org),
        "reseller_admin": UserFactory(username="reseller-admin", organisation=reseller_org, role=Role.ADMIN),
        "follower": UserFactory(username="follower", organisation=reseller_org),
        "distributor": UserFactory(username="distributor", organisation=distributor_org, role=Role.ADMIN),
        "other_reseller": UserFactory(username="other-reseller", organisation=other_reseller_org, role=Role.ADMIN),
        "assignee": UserFactory(username="assignee", organisation=mts_org),
        "team_member": UserFactory(username="team-member", organisation=mts_org),
        "other_mts": UserFactory(username="other-mts", organisation=mts_org, role=Role.ADMIN),
    }
    team = TeamFactory(name="Nordics", countries=["DK"])
    team.members.add(people["team_member"])
    dell_org = DellFactory(name="Dell EMEA")
    people["dell"] = UserFactory(username="dell", organisation=dell_org)
    dispatch = dispatch_for(people["opener"], people["assignee"], unit)
    assert dispatch.dell_org_id == dell_org.pk
    people["other_dell"] = UserFactory(username="other-dell", organisation=DellFactory(name="Dell Americas"))
    case = dispatch.case
    followers.add_followers(case, [people["follower"]], now=NOW)
    unassigned = Case.objects.get(pk=case.pk)  # the same case, seen unassigned in its team
    unassigned.assignee_id, unassigned.assignee = None, None
    unassigned.team = team
    transfer = unit_services.transfer_create(
        actor=people["distributor"], unit=unit, address=unit.address_values(), submit=True, now=NOW
    )
    endpoint, _secret = endpoints.endpoint_create(
        actor=people["reseller_admin"], values={"url": "https://hooks.example.test/in"}, now=NOW
    )
    monthly = MonthlyReport.objects.create(organisation=reseller_org, month=NOW.date().replace(day=1), created_at=NOW)
    Notification.objects.all().delete()  # what the setting up told people is not under test
    objects = {
        "case": case,
        "unassigned_case": unassigned,
        "dispatch": Dispatch.objects.select_related("case").get(pk=dispatch.pk),
        "transfer": transfer,
        "reseller_org": reseller_org,
        "distributor_org": Organisation.objects.get(pk=distributor_org.pk),
        "endpoint": endpoint,
        "monthly_report": monthly,
    }
    return people, objects


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("mode", [Mode.IMMEDIATELY, Mode.DIGEST, Mode.IN_APP, Mode.OFF])
def test_who_hears_what(world, name, mode):
    people, objects = world
    kind = name.split("/")[0]
    actor_role, object_name, heard = EXPECTED[name]
    for person in people.values():
        NotificationPreference.objects.create(user=person, topic=EVENTS[kind].topic, mode=mode)
    actor = people[actor_role] if actor_role else None
    notify(
        kind,
        objects[object_name],
        actor=actor,
        now=NOW,
        event_key=f"test:{name}",
        text="Something happened",
        mentions=[people[role] for role in MENTIONS.get(kind, [])],
    )
    role_of = {person.pk: role for role, person in people.items()}
    rows = Notification.objects.filter(event_key=f"test:{name}")
    in_app = {role_of[pk] for pk in rows.filter(channel="in_app").values_list("recipient", flat=True)}
    emails = {role_of[r.recipient_id]: r for r in rows.filter(channel="email")}
    assert actor_role not in in_app | set(emails)  # never of their own act
    assert in_app == (set() if mode == Mode.OFF else heard)
    assert set(emails) == (heard if mode in (Mode.IMMEDIATELY, Mode.DIGEST) else set())
    for row in emails.values():
        assert row.digest == (mode == Mode.DIGEST)
        if mode == Mode.DIGEST:  # 08:00 in the recipient's own zone, within a day
            assert NOW < row.due_at <= NOW + timedelta(days=1)
        else:
            assert row.due_at == NOW


def test_the_readme_prints_the_same_table():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for kind, spec in EVENTS.items():
        who = ", ".join(f"`{a}`" for a in spec.audiences) or "the MTS colleagues it mentions"
        if spec.internal:
            who += " (MTS only)"
        assert f"| `{kind}` | `{spec.topic}` | {who} |" in readme
