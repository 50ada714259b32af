"""The case API per organisation kind: every transition allowed and refused per role, bad input with codes
and nothing written, visibility (404), internal-comment privacy, uploads and downloads, idempotent create."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from cases import hooks, services
from cases.models import Case, CaseAttachment, CaseEvent, CaseIdempotencyKey
from cases.workflow import Action, State
from tests.cases.factories import PPID, CaseFactory, open_case
from tests.servicetags.factories import UnitFactory

pytestmark = pytest.mark.django_db

ACTORS = ["reseller", "distributor", "mts", "dell"]
# Everything the API allows for the case's owner, its distributor and its assigned MTS technician;
# every other (state, action, kind) is refused. Dell sees no case until dispatches exist (404).
ALLOWED = {
    (State.L1_RESELLER, Action.ESCALATE_TO_MTS, "reseller"): State.L2_MTS_QUEUE,
    (State.L1_RESELLER, Action.ESCALATE_TO_MTS, "distributor"): State.L2_MTS_QUEUE,
    (State.L1_RESELLER, Action.RESOLVE, "reseller"): State.RESOLVED,
    (State.L1_RESELLER, Action.RESOLVE, "distributor"): State.RESOLVED,
    (State.L2_MTS_QUEUE, Action.TAKE, "mts"): State.L2_MTS_INVESTIGATING,
    (State.L2_MTS_QUEUE, Action.RETURN_TO_PARTNER, "mts"): State.L1_RESELLER,
    (State.L2_MTS_INVESTIGATING, Action.REQUEST_INFO, "mts"): State.AWAITING_PARTNER,
    (State.L2_MTS_INVESTIGATING, Action.ESCALATE_TO_DELL, "mts"): State.L3_DELL,
    (State.L2_MTS_INVESTIGATING, Action.RESOLVE, "mts"): State.RESOLVED,
    (State.AWAITING_PARTNER, Action.PROVIDE_INFO, "reseller"): State.L2_MTS_INVESTIGATING,
    (State.AWAITING_PARTNER, Action.PROVIDE_INFO, "distributor"): State.L2_MTS_INVESTIGATING,
    (State.L3_DELL, Action.RETURN_TO_MTS, "mts"): State.L2_MTS_INVESTIGATING,
    (State.RESOLVED, Action.REOPEN, "reseller"): State.L2_MTS_QUEUE,
    (State.RESOLVED, Action.REOPEN, "distributor"): State.L2_MTS_QUEUE,
    (State.RESOLVED, Action.CLOSE, "reseller"): State.CLOSED,
    (State.RESOLVED, Action.CLOSE, "distributor"): State.CLOSED,
    (State.RESOLVED, Action.CLOSE, "mts"): State.CLOSED,
}
MTS_HELD = {State.L2_MTS_INVESTIGATING, State.AWAITING_PARTNER, State.L3_DELL}


@pytest.fixture
def users(reseller_user, distributor_user, mts_user, dell_user):
    return {"reseller": reseller_user, "distributor": distributor_user, "mts": mts_user, "dell": dell_user}


def case_in(state: State, *, reseller, assignee) -> Case:
    now = timezone.now()
    return CaseFactory(
        reseller=reseller,
        unit=UnitFactory(reseller=reseller),
        state=state.value,
        assignee=assignee if state in MTS_HELD else None,
        resolved_at=now - timedelta(days=1) if state is State.RESOLVED else None,
        created_at=now,
        updated_at=now,
    )


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("state", list(State), ids=str)
@pytest.mark.parametrize("kind", ["reseller", "distributor", "mts"])
def test_every_transition_per_role(state, kind, users, fake_dispatch):
    """Each action from each state by each kind: allowed ones move the case and write one row; refused ones
    answer 400/409 with a code and leave the case (state, version, timeline) untouched."""
    client = _client(users[kind])
    case = case_in(state, reseller=users["reseller"].organisation, assignee=users["mts"])
    for action in Action:
        response = client.post(
            f"/api/v1/cases/{case.pk}/transitions/",
            {"action": action.value, "note": "Details for the timeline.", "version": case.version},
            format="json",
        )
        expected = ALLOWED.get((state, action, kind))
        if expected is not None:
            assert response.status_code == 200, (action, response.json())
            body = response.json()
            assert (body["state"], body["version"]) == (expected.value, case.version + 1), action
            assert CaseEvent.objects.filter(case=case, kind="transition").count() == 1, action
            case = case_in(state, reseller=users["reseller"].organisation, assignee=users["mts"])
        else:
            assert response.status_code in (400, 409), (action, response.json())
            assert response.json()["code"], action
            fresh = Case.objects.get(pk=case.pk)
            assert (fresh.state, fresh.version) == (state.value, case.version), action
            assert not CaseEvent.objects.filter(case=case).exists(), action


@pytest.mark.parametrize("state", list(State), ids=str)
def test_dell_cannot_see_or_move_any_case(state, users, api_as):
    case = case_in(state, reseller=users["reseller"].organisation, assignee=users["mts"])
    client = api_as(users["dell"])
    for action in Action:
        response = client.post(
            f"/api/v1/cases/{case.pk}/transitions/", {"action": action.value, "note": "n", "version": case.version}
        )
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    assert client.get(f"/api/v1/cases/{case.pk}/transitions/").status_code == 404
    assert Case.objects.get(pk=case.pk).version == case.version


@pytest.mark.parametrize("state", list(State), ids=str)
@pytest.mark.parametrize("kind", ["reseller", "distributor", "mts"])
def test_get_transitions_lists_exactly_the_allowed_actions(state, kind, users, fake_dispatch):
    case = case_in(state, reseller=users["reseller"].organisation, assignee=users["mts"])
    listed = _client(users[kind]).get(f"/api/v1/cases/{case.pk}/transitions/").json()
    expected = [a.value for a in Action if (state, a, kind) in ALLOWED]
    assert [a["action"] for a in listed] == expected


def test_escalate_to_dell_is_not_offered_without_the_dispatch_app(users, api_as, monkeypatch):
    monkeypatch.setattr(hooks.registry, "create_dispatch", None)
    monkeypatch.setattr(hooks.registry, "dispatch_facts", None)
    case = case_in(State.L2_MTS_INVESTIGATING, reseller=users["reseller"].organisation, assignee=users["mts"])
    client = api_as(users["mts"])
    assert "escalate_to_dell" not in [a["action"] for a in client.get(f"/api/v1/cases/{case.pk}/transitions/").json()]
    response = client.post(
        f"/api/v1/cases/{case.pk}/transitions/", {"action": "escalate_to_dell", "version": case.version}
    )
    assert (response.status_code, response.json()["code"]) == (409, "dispatch_unavailable")
    assert Case.objects.get(pk=case.pk).state == "l2_mts_investigating"


def test_another_technician_takes_over(users, api_as, mts_other):
    case = case_in(State.L2_MTS_INVESTIGATING, reseller=users["reseller"].organisation, assignee=users["mts"])
    response = api_as(mts_other).post(
        f"/api/v1/cases/{case.pk}/transitions/", {"action": "take", "version": case.version}
    )
    assert response.status_code == 200
    assert response.json()["assignee"]["id"] == mts_other.pk


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"action": "teleport", "version": 1}, 400, "unknown_action"),
        ({"action": "take", "version": 1}, 409, "not_allowed_from_state"),
        ({"action": "reopen", "note": "x", "version": 1}, 409, "not_allowed_from_state"),
        ({"action": "resolve", "version": 1}, 400, "note_required"),
        ({"action": "resolve", "note": "Fixed", "version": 7}, 409, "conflict"),
        ({"action": "resolve", "note": "Fixed"}, 400, "required"),
    ],
)
def test_bad_transition_requests(reseller_user, unit, api_as, payload, status, code):
    case = open_case(reseller_user, unit)
    response = api_as(reseller_user).post(f"/api/v1/cases/{case.pk}/transitions/", payload, format="json")
    assert response.status_code == status
    assert response.json()["code"] == code
    case.refresh_from_db()
    assert (case.state, case.version) == ("l1_reseller", 1)


def test_escalating_an_incomplete_checklist_answers_the_missing_items(reseller_user, unit, api_as):
    case = open_case(reseller_user, unit, ppids=[], customer_available_for_diagnostics=False)
    response = api_as(reseller_user).post(
        f"/api/v1/cases/{case.pk}/transitions/", {"action": "escalate_to_mts", "version": 1}, format="json"
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "checklist_incomplete"
    assert body["missing"] == ["ppids", "diagnostics_unavailable_reason"]


# --- Create --------------------------------------------------------------------------------------

CREATE = {
    "title": "Drive 3 failed",
    "category": "hardware",
    "component": "hard_drive",
    "service_tag": " abc1234 ",
    "ppids": [PPID],
    "users_impacted": 12,
    "in_production": True,
    "failure_description": "Drive 3 failed.",
    "troubleshooting_done": "Reseated it.",
    "customer_available_for_diagnostics": True,
}


def test_create_prefills_the_site_and_escalates(reseller_user, unit, api_as):
    response = api_as(reseller_user).post("/api/v1/cases/", {**CREATE, "escalate": True}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"].startswith("HSK-")
    assert (body["state"], body["priority"], body["service_tag"]) == ("l2_mts_queue", "p1_critical", "ABC1234")
    assert (body["site_city"], body["site_country"], body["site_country_differs"]) == ("Copenhagen", "DK", False)
    assert body["ppids"] == ["CN0ABC12345678AB0123"]
    assert body["checklist_missing"] == []


def test_a_creation_runs_at_most_15_queries(reseller_user, unit, api_as, django_assert_max_num_queries):
    """The token (user and organisation joined), the unit, a savepoint, the number, the case, its timeline row,
    the event's sequence, the event, its audience (one query) and the Dell check, its recipients, the
    webhooks to notify, the opener as its first follower, the savepoint's release and the case as the answer
    shows it. An Idempotency-Key adds its lookup, the expired key's removal and the key."""
    client = api_as(reseller_user)
    client.post("/api/v1/cases/", CREATE, format="json")  # the year's first number creates its counter row
    with django_assert_max_num_queries(15):
        assert client.post("/api/v1/cases/", CREATE, format="json").status_code == 201
    with django_assert_max_num_queries(18):
        keyed = client.post("/api/v1/cases/", CREATE, format="json", headers={"Idempotency-Key": "q-1"})
    assert keyed.status_code == 201


def test_create_with_the_same_idempotency_key_returns_the_first_case(reseller_user, unit, api_as):
    client = api_as(reseller_user)
    first = client.post("/api/v1/cases/", CREATE, format="json", HTTP_IDEMPOTENCY_KEY="order-42")
    second = client.post("/api/v1/cases/", CREATE, format="json", HTTP_IDEMPOTENCY_KEY="order-42")
    third = client.post("/api/v1/cases/", CREATE, format="json", HTTP_IDEMPOTENCY_KEY="order-43")
    assert (first.status_code, second.status_code, third.status_code) == (201, 200, 201)
    assert first.json()["id"] == second.json()["id"] != third.json()["id"]
    assert Case.objects.count() == 2


def test_an_idempotency_key_reused_with_another_body_is_422_and_creates_nothing(reseller_user, unit, api_as):
    client = api_as(reseller_user)
    first = client.post("/api/v1/cases/", CREATE, format="json", HTTP_IDEMPOTENCY_KEY="order-42")
    other = client.post(
        "/api/v1/cases/", {**CREATE, "title": "Another"}, format="json", HTTP_IDEMPOTENCY_KEY="order-42"
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert other.json()["case_number"] == first.json()["number"]
    assert Case.objects.count() == 1


def test_idempotency_keys_belong_to_the_organisation(reseller_user, reseller_agent, other_reseller_user, api_as):
    UnitFactory(service_tag="OTH0001", reseller=other_reseller_user.organisation)
    body = {k: v for k, v in CREATE.items() if k != "service_tag"}
    first = api_as(reseller_user).post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    colleague = api_as(reseller_agent).post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    stranger = api_as(other_reseller_user).post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, colleague.status_code, stranger.status_code) == (201, 200, 201)
    assert colleague.json()["id"] == first.json()["id"] != stranger.json()["id"]


def test_an_expired_idempotency_key_opens_a_new_case(reseller_user, unit, api_as, settings):
    client = api_as(reseller_user)
    first = client.post("/api/v1/cases/", CREATE, format="json", HTTP_IDEMPOTENCY_KEY="order-42")
    CaseIdempotencyKey.objects.update(
        created_at=timezone.now() - timedelta(hours=settings.CASES_IDEMPOTENCY_KEY_HOURS, minutes=1)
    )
    again = client.post("/api/v1/cases/", {**CREATE, "title": "New"}, format="json", HTTP_IDEMPOTENCY_KEY="order-42")
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]


def test_a_distributor_naming_a_reseller_that_does_not_own_the_unit_is_a_400(
    distributor_user, sibling_reseller_org, unit, api_as
):
    response = api_as(distributor_user).post(
        "/api/v1/cases/", {**CREATE, "reseller": sibling_reseller_org.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["reseller"][0]["code"] == "reseller_not_unit_owner"
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "query",
    ["site_country=zz", "state=l9_nowhere", "priority=p0_panic", "category=firmware"],
)
def test_an_unknown_filter_value_is_a_400_with_a_code(mts_user, api_as, query):
    response = api_as(mts_user).get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in {"unknown_country", "invalid_choice"}
    assert body["fields"]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"ppids": ["CN-0ABC12-3456"]}, "invalid_ppid"),
        ({"users_impacted": -3}, "invalid_users_impacted"),
        ({"service_tag": "NOPE999"}, "unknown_service_tag"),
        ({"service_tag": "ZZZ9999"}, "unknown_service_tag"),  # another reseller's unit
        ({"category": "firmware"}, "invalid_choice"),
        ({"site_country": "DK", "site_timezone": "America/New_York"}, "invalid_timezone"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(reseller_user, unit, other_unit, api_as, changes, code):
    response = api_as(reseller_user).post("/api/v1/cases/", {**CREATE, **changes}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert Case.objects.count() == 0
    assert CaseEvent.objects.count() == 0


def test_every_bad_field_is_reported_at_once_as_code_and_message(reseller_user, unit, api_as):
    bad = {"title": "Drive 3\nfailed", "ppids": ["CN-0ABC12-3456", "nope"], "users_impacted": 1_000_001}
    response = api_as(reseller_user).post("/api/v1/cases/", {**CREATE, **bad}, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert [e["code"] for e in fields["ppids"]] == ["invalid_ppid", "invalid_ppid"]
    assert [e["code"] for e in fields["users_impacted"]] == ["invalid_users_impacted"]
    assert [e["code"] for e in fields["title"]] == ["title_not_one_line"]
    assert all(e["message"] for errors in fields.values() for e in errors)
    assert Case.objects.count() == 0


def test_lookups_and_rules_report_with_the_field_errors_in_one_answer(distributor_user, unit, api_as):
    """An unknown service tag or reseller no longer hides the other problems until it is fixed."""
    bad = {"title": "a\nb", "service_tag": "NOPE999", "reseller": 999_999, "users_impacted": -1, "category": "x"}
    response = api_as(distributor_user).post("/api/v1/cases/", {**CREATE, **bad}, format="json")
    assert response.status_code == 400
    codes = {name: [e["code"] for e in errors] for name, errors in response.json()["fields"].items()}
    assert codes == {
        "title": ["title_not_one_line"],
        "service_tag": ["unknown_service_tag"],
        "reseller": ["unknown_reseller"],
        "users_impacted": ["invalid_users_impacted"],
        "category": ["invalid_choice"],
    }
    assert Case.objects.count() == 0


def test_an_edit_reports_every_problem_at_once_and_changes_nothing(reseller_user, unit, api_as):
    case = open_case(reseller_user, unit)
    response = api_as(reseller_user).patch(
        f"/api/v1/cases/{case.pk}/",
        {"version": case.version, "service_tag": "NOPE999", "ppids": ["nope"], "component": "bogus"},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"service_tag", "ppids", "component"}
    case.refresh_from_db()
    assert case.unit_id == unit.pk


def test_patch_needs_the_current_version(reseller_user, unit, api_as):
    case = open_case(reseller_user, unit)
    client = api_as(reseller_user)
    assert client.patch(f"/api/v1/cases/{case.pk}/", {"title": "x"}, format="json").json()["code"] == (
        "version_required"
    )
    ok = client.patch(f"/api/v1/cases/{case.pk}/", {"title": "Drive 3 and 4", "version": 1}, format="json")
    assert (ok.status_code, ok.json()["version"]) == (200, 2)
    stale = client.patch(f"/api/v1/cases/{case.pk}/", {"title": "Other", "version": 1}, format="json")
    assert (stale.status_code, stale.json()["code"], stale.json()["current_version"]) == (409, "conflict", 2)


# --- Visibility and privacy -------------------------------------------------------------------------


def test_each_kind_sees_its_slice(
    reseller_user, distributor_user, mts_user, dell_user, other_reseller_user, sibling_reseller_org, api_as, unit
):
    mine = open_case(reseller_user, unit)
    sibling = CaseFactory(reseller=sibling_reseller_org)
    other = CaseFactory(reseller=other_reseller_user.organisation)

    def ids(user):
        return {row["id"] for row in api_as(user).get("/api/v1/cases/").json()["results"]}

    assert ids(reseller_user) == {mine.pk}
    assert ids(distributor_user) == {mine.pk, sibling.pk}
    assert ids(mts_user) == {mine.pk, sibling.pk, other.pk}
    assert ids(dell_user) == set()
    for path in ("", "transitions/", "comments/", "events/", "attachments/"):
        response = api_as(other_reseller_user).get(f"/api/v1/cases/{mine.pk}/{path}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_internal_comments_never_reach_partners(reseller_user, distributor_user, mts_user, unit, api_as):
    case = open_case(reseller_user, unit, escalate=True)
    mts = api_as(mts_user)
    assert mts.post(f"/api/v1/cases/{case.pk}/comments/", {"body": "Visible answer"}).status_code == 201
    internal = mts.post(f"/api/v1/cases/{case.pk}/comments/", {"body": "SECRET triage", "internal": True})
    assert internal.status_code == 201
    for partner in (reseller_user, distributor_user):
        client = api_as(partner)
        comments = client.get(f"/api/v1/cases/{case.pk}/comments/").json()["results"]
        assert [c["body"] for c in comments] == ["Visible answer"]
        timeline = client.get(f"/api/v1/cases/{case.pk}/events/").content.decode()
        assert "SECRET" not in timeline
    mts_bodies = [c["body"] for c in mts.get(f"/api/v1/cases/{case.pk}/comments/").json()["results"]]
    assert mts_bodies == ["Visible answer", "SECRET triage"]
    refused = api_as(reseller_user).post(f"/api/v1/cases/{case.pk}/comments/", {"body": "x", "internal": True})
    assert (refused.status_code, refused.json()["code"]) == (400, "internal_not_allowed")


# --- Attachments -------------------------------------------------------------------------------------


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _upload(client, case, name: str, data: bytes, **extra):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(f"/api/v1/cases/{case.pk}/attachments/", {"file": upload, **extra}, format="multipart")


def _stored_files(settings, case) -> list:
    folder = settings.MEDIA_ROOT / "cases" / str(case.pk)
    return list(folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("TSR.zip", b"<html>this is not a zip</html>", "not_a_zip"),
        ("TSR.zip", _zip({"../../../etc/cron.d/x": b"x"}), "archive_unsafe_path"),
        ("TSR.zip", _zip({"/abs/path.txt": b"x"}), "archive_unsafe_path"),
        ("TSR.zip", _zip({"bomb.bin": b"\0" * 3_000_000}), "archive_too_large_uncompressed"),
        ("TSR.zip", _zip({f"f{i}": b"x" for i in range(60)}), "archive_too_many_members"),
        ("big.log", b"x" * 600_001, "file_too_large"),
        ("evil.html", b"<script>alert(1)</script>", "unsupported_file_type"),
    ],
    ids=["non-zip", "traversal", "absolute", "zip-bomb", "too-many-members", "oversized", "html"],
)
def test_upload_attacks_are_refused_and_nothing_is_written(reseller_user, unit, api_as, settings, name, data, code):
    settings.CASES_ATTACHMENT_MAX_BYTES = 600_000
    settings.CASES_ARCHIVE_MAX_MEMBERS = 50
    settings.CASES_ARCHIVE_MAX_UNCOMPRESSED_BYTES = 2_000_000
    case = open_case(reseller_user, unit)
    response = _upload(api_as(reseller_user), case, name, data)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert CaseAttachment.objects.count() == 0
    assert CaseEvent.objects.filter(kind="attachment").count() == 0
    assert _stored_files(settings, case) == []


def test_a_collection_is_stored_and_downloaded_only_as_an_attachment(
    reseller_user, other_reseller_user, unit, api_as, settings
):
    case = open_case(reseller_user, unit)
    client = api_as(reseller_user)
    response = _upload(client, case, "../TSR<script>.zip", _zip({"tsr/report.xml": b"<r/>"}))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["filename"] == "TSR_script_.zip"
    assert (body["kind"], body["member_count"]) == ("archive", 1)
    stored = _stored_files(settings, case)
    assert len(stored) == 1
    assert "." not in stored[0].name  # random name, no extension, outside the static root
    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="TSR_script_.zip"'
    assert download["Content-Type"] == "application/octet-stream"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    assert api_as(other_reseller_user).get(body["download_url"]).status_code == 404


def test_html_inside_a_text_log_is_still_only_a_download(reseller_user, unit, api_as):
    case = open_case(reseller_user, unit)
    client = api_as(reseller_user)
    body = _upload(client, case, "notes.txt", b"<html><script>alert(document.cookie)</script></html>").json()
    download = client.get(body["download_url"])
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment;")


def test_internal_attachments_are_hidden_from_partners(reseller_user, mts_user, unit, api_as):
    case = open_case(reseller_user, unit, escalate=True)
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
    mts = api_as(mts_user)
    body = _upload(mts, case, "internal.png", png, internal="true").json()
    assert body["internal"] is True
    partner = api_as(reseller_user)
    assert partner.get(f"/api/v1/cases/{case.pk}/attachments/").json()["results"] == []
    assert partner.get(body["download_url"]).status_code == 404
    assert "internal.png" not in partner.get(f"/api/v1/cases/{case.pk}/events/").content.decode()
    refused = _upload(partner, case, "x.png", png, internal="true")
    assert refused.json()["code"] == "internal_not_allowed"


# --- Lists -----------------------------------------------------------------------------------------


def test_list_filters_and_search(reseller_user, mts_user, unit, api_as):
    services.case_create(actor=reseller_user, now=timezone.now(), values={"title": "Licence", "category": "software"})
    hw = open_case(reseller_user, unit, escalate=True)
    client = api_as(mts_user)

    def numbers(query):
        return [row["number"] for row in client.get(f"/api/v1/cases/?{query}").json()["results"]]

    assert numbers("state=l2_mts_queue") == [hw.number]
    assert numbers("category=software") != numbers("category=hardware")
    assert numbers(f"search={hw.number}") == [hw.number]
    assert numbers("service_tag=abc1234") == [hw.number]
    assert numbers("ordering=sla_due_at")[0] == hw.number  # cases without an MTS clock sort last
    assert client.get("/api/v1/cases/?ordering=failure_description").status_code == 200  # not allowed: ignored


def test_list_count_is_capped(mts_user, reseller_org, api_as, settings):
    settings.CASES_LIST_COUNT_CAP = 3
    CaseFactory.create_batch(5, reseller=reseller_org)
    body = api_as(mts_user).get("/api/v1/cases/?page_size=2").json()
    assert (body["count"], body["count_capped"]) == (3, True)


def test_an_upload_over_the_limit_is_refused_from_its_content_length(reseller_user, unit, api_as, settings):
    settings.CASES_ATTACHMENT_MAX_BYTES = 1000
    case = open_case(reseller_user, unit)
    response = _upload(api_as(reseller_user), case, "tsr.zip", b"x" * 200_000)
    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert _stored_files(settings, case) == []
    assert not CaseAttachment.objects.exists()


def test_the_list_row_from_values_is_the_declared_fields_row(mts_user, reseller_user, unit, api_as):
    """The list reads its rows with `.values()` (speed); each row is what the declared fields give a case."""
    from rest_framework import serializers

    from cases import selectors
    from cases.api.serializers import CaseListSerializer
    from cases.models import Team

    case = open_case(reseller_user, unit)
    team = Team.objects.create(name="EMEA", timezone="Europe/Copenhagen", weekly_hours={}, holiday_country="DK")
    Case.objects.filter(pk=case.pk).update(
        assignee=mts_user, team=team, sla_due_at=timezone.now() + timedelta(hours=2), state=State.L2_MTS_INVESTIGATING
    )
    unassigned = open_case(reseller_user, None)
    rows = api_as(mts_user).get("/api/v1/cases/").json()["results"]
    serializer = CaseListSerializer(context={"now": timezone.now()})
    for row in rows:
        instance = selectors.case_list(mts_user).get(pk=row["id"])
        expected = serializers.Serializer.to_representation(serializer, instance)
        assert row == expected
    by_id = {row["id"]: row for row in rows}
    assert by_id[case.pk]["assignee"]["id"] == mts_user.pk
    assert by_id[case.pk]["team"] == {"id": team.pk, "name": "EMEA"}
    assert by_id[case.pk]["service_tag"] == unit.service_tag
    assert by_id[unassigned.pk]["assignee"] is None
    assert by_id[unassigned.pk]["service_tag"] is None
