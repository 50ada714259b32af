"""The notifications stored by the cases app move to the one notification path with their rows: read state,
sent state, digest and the recipients' preferences kept ("off" kept the in-app rows, so it becomes "in the
portal only")."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from partners.models import Notification, NotificationPreference
from tests.cases.factories import CaseFactory

BEFORE = [("cases", "0006_report_indexes")]
AFTER = [("cases", "0007_notifications_moved_to_partners")]
AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def latest_schema_afterwards():
    """Whatever the test leaves, the next test on this worker meets every migration applied."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_and_preference(latest_schema_afterwards, reseller_user, mts_user, reseller_org):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldNotification = old.get_model("cases", "Notification")
    OldPreference = old.get_model("cases", "NotificationPreference")
    # The rows of that time through its own models: a later migration's column does not exist yet.
    built = CaseFactory.build(reseller=reseller_org, opened_by=reseller_user, created_at=AT, updated_at=AT)
    OldCase, OldEvent = old.get_model("cases", "Case"), old.get_model("cases", "CaseEvent")
    case = OldCase.objects.create(
        **{f.attname: getattr(built, f.attname) for f in OldCase._meta.concrete_fields if f.attname != "id"}
    )
    event = OldEvent.objects.create(
        case_id=case.pk, kind="transition", action="request_info", actor_id=mts_user.pk, at=AT
    )
    sla = OldEvent.objects.create(case_id=case.pk, kind="sla_breached", internal=True, at=AT)
    common = {"case_id": case.pk, "created_at": AT}
    OldNotification.objects.create(
        recipient_id=reseller_user.pk, event_id=event.pk, channel="in_app", read_at=AT, **common
    )
    OldNotification.objects.create(
        recipient_id=reseller_user.pk, event_id=event.pk, channel="email", address="r@x.test", sent_at=AT, **common
    )
    OldNotification.objects.create(recipient_id=mts_user.pk, event_id=sla.pk, channel="in_app", **common)
    OldNotification.objects.create(address="mts-desk@x.test", event_id=sla.pk, channel="email", digest=True, **common)
    OldPreference.objects.create(user_id=reseller_user.pk, topic="case_updates", mode="off")
    OldPreference.objects.create(user_id=mts_user.pk, topic="sla_warnings", mode="digest")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    rows = {(r.recipient_id, r.channel): r for r in Notification.objects.filter(object_type="case", object_id=case.pk)}
    assert len(rows) == 4
    in_app = rows[(reseller_user.pk, "in_app")]
    assert (in_app.kind, in_app.topic, in_app.read_at, in_app.text) == (
        "case.info_requested",
        "cases",
        AT,
        f"{case.number}: Request information",
    )
    assert in_app.event_key == f"case_event:{event.pk}"
    assert in_app.data["url"] == f"/cases/{case.number}/"
    assert rows[(reseller_user.pk, "email")].sent_at == AT
    breach = rows[(mts_user.pk, "in_app")]
    assert (breach.kind, breach.topic, breach.internal, breach.read_at) == ("case.sla_breached", "sla", True, None)
    mailbox = rows[(None, "email")]
    assert (mailbox.address, mailbox.digest, mailbox.sent_at) == ("mts-desk@x.test", True, None)
    prefs = set(NotificationPreference.objects.values_list("user_id", "topic", "mode"))
    assert prefs == {(reseller_user.pk, "cases", "in_app"), (mts_user.pk, "sla", "digest")}
