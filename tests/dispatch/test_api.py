"""The dispatches API: who sees what (404, never 403, for what is not yours), the error contract of each
refusal, the 8-day rule's 409, and lists that cost the same number of queries for 20 rows as for 500."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from cases.models import Case
from dispatch import sweeps
from dispatch.models import Dispatch, Fee, ScheduleChange
from tests.cases.factories import CaseFactory
from tests.dispatch.factories import NOW, REPRESENTATIVE, bulk_dispatches, dispatch_for, escalated_case
from tests.partners.factories import DellFactory, UserFactory

pytestmark = pytest.mark.django_db


def url(dispatch, tail=""):
    return f"/api/v1/dispatches/{dispatch.pk}/{tail}"


@pytest.fixture
def dispatch(reseller_user, mts_user, dell_user, unit):
    return dispatch_for(reseller_user, mts_user, unit)


@pytest.fixture
def other_dell_user(db):
    return UserFactory(username="dell-other", organisation=DellFactory(name="Dell Other Region"))


class TestVisibility:
    def test_each_party_sees_the_dispatch_and_nobody_else(
        self,
        api_as,
        dispatch,
        reseller_user,
        distributor_user,
        mts_user,
        dell_user,
        other_reseller_user,
        other_dell_user,
    ):
        for user in (reseller_user, distributor_user, mts_user, dell_user):
            response = api_as(user).get(url(dispatch))
            assert response.status_code == 200, user.username
            assert response.json()["case"]["number"] == dispatch.case.number
        for user in (other_reseller_user, other_dell_user):
            assert api_as(user).get(url(dispatch)).status_code == 404
            assert api_as(user).get("/api/v1/dispatches/").json()["results"] == []

    def test_dell_acting_on_another_organisations_dispatch_is_404_and_writes_nothing(
        self, api_as, dispatch, other_dell_user
    ):
        response = api_as(other_dell_user).post(
            url(dispatch, "transitions/"), {"action": "accept", "version": 1, "dispatch_number": "X"}, format="json"
        )
        assert response.status_code == 404
        assert Dispatch.objects.get(pk=dispatch.pk).state == "requested"

    def test_dell_reaches_no_case_without_a_dispatch(self, api_as, dell_user, reseller_org, unit, dispatch):
        lonely = CaseFactory(reseller=reseller_org, unit=unit, state="l2_mts_queue")
        client = api_as(dell_user)
        assert client.get(f"/api/v1/cases/{lonely.pk}/").status_code == 404
        assert client.get(f"/api/v1/cases/{dispatch.case.pk}/").status_code == 200
        assert [c["id"] for c in client.get("/api/v1/cases/").json()["results"]] == [dispatch.case.pk]
        assert client.get(f"/api/v1/units/{unit.service_tag}/").status_code == 200

    def test_dell_reads_only_the_dispatch_thread_of_the_case(
        self, api_as, dell_user, mts_user, reseller_user, dispatch
    ):
        from cases import services as case_services

        case_services.comment_create(actor=reseller_user, case=dispatch.case, body="Partner chat", now=NOW)
        case_services.comment_create(actor=mts_user, case=dispatch.case, body="MTS only", internal=True, now=NOW)
        events = api_as(dell_user).get(f"/api/v1/cases/{dispatch.case.pk}/events/").json()
        rows = events["results"] if isinstance(events, dict) else events
        # The escalation's one row opens the dispatch thread; then only dispatch steps.
        assert [(e["kind"], e["action"]) for e in rows] == [("transition", "escalate_to_dell")]
        assert "Partner chat" not in str(rows)
        assert "MTS only" not in str(rows)

    def test_the_web_case_page_follows_the_same_rules(
        self, client, dell_user, mts_user, reseller_user, dispatch, reseller_org, unit
    ):
        from cases import services as case_services

        case_services.comment_create(actor=reseller_user, case=dispatch.case, body="Partner chat", now=NOW)
        case_services.comment_create(actor=mts_user, case=dispatch.case, body="MTS only", internal=True, now=NOW)
        lonely = CaseFactory(reseller=reseller_org, unit=unit, state="l2_mts_queue")
        client.force_login(dell_user)
        page = client.get(f"/cases/{dispatch.case.number}/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Partner chat" not in html
        assert "MTS only" not in html
        assert "Dell dispatch number" in html  # Dell can accept from the panel
        assert client.get(f"/cases/{lonely.number}/").status_code == 404


class TestWrites:
    def test_transitions_lists_what_this_user_may_do(self, api_as, dispatch, dell_user, mts_user, reseller_user):
        assert [a["action"] for a in api_as(dell_user).get(url(dispatch, "transitions/")).json()] == [
            "accept",
            "deny",
        ]
        assert [a["action"] for a in api_as(mts_user).get(url(dispatch, "transitions/")).json()] == ["cancel"]
        assert api_as(reseller_user).get(url(dispatch, "transitions/")).json() == []

    @time_machine.travel(NOW, tick=False)
    def test_late_reschedule_answers_409_with_the_code_and_accept_fee_records_it(
        self, api_as, dispatch, dell_user, reseller_user
    ):
        dell = api_as(dell_user)
        assert (
            dell.post(
                url(dispatch, "transitions/"),
                {"action": "accept", "version": 1, "dispatch_number": "D-1"},
                format="json",
            ).status_code
            == 200
        )
        start = (NOW + timedelta(days=3)).isoformat()
        end = (NOW + timedelta(days=3, hours=2)).isoformat()
        window = {"version": 2, "visit_start_at": start, "visit_end_at": end}
        # docs/rules.md rule 8: Dell's first visit after the NBD target (Wed 11 Mar) needs a reason; nothing written.
        refused = dell.post(url(dispatch, "schedule/"), window, format="json")
        assert (refused.status_code, refused.json()["code"]) == (400, "past_target_reason_required")
        assert not ScheduleChange.objects.exists()
        body = dell.post(
            url(dispatch, "schedule/"), {**window, "past_target_reason": "Part arrives Fri"}, format="json"
        )
        assert body.status_code == 200, body.json()
        assert body.json()["schedule_changes"][0]["past_target_reason"] == "Part arrives Fri"
        assert [n["code"] for n in body.json()["visit_notes"]] == ["after_nbd_target"]
        partner = api_as(reseller_user)
        later = {
            "version": 3,
            "visit_start_at": (NOW + timedelta(days=4)).isoformat(),
            "visit_end_at": (NOW + timedelta(days=4, hours=1)).isoformat(),
        }
        refused = partner.post(url(dispatch, "reschedule/"), later, format="json")
        assert refused.status_code == 409
        assert refused.json()["code"] == "late_reschedule_requires_fee_acceptance"
        assert not Fee.objects.exists()
        accepted = partner.post(url(dispatch, "reschedule/"), {**later, "accept_fee": True}, format="json")
        assert accepted.status_code == 200
        assert [f["kind"] for f in accepted.json()["fees"]] == ["late_reschedule"]
        assert accepted.json()["fees"][0]["per_contract"] is True

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            pytest.param({"action": "deny", "version": 1}, 400, "note_required", id="deny-without-reason"),
            pytest.param({"action": "accept", "version": 1}, 400, "dispatch_number_required", id="accept-no-number"),
            pytest.param({"action": "accept", "version": 9, "dispatch_number": "X"}, 409, "conflict", id="stale"),
            pytest.param({"action": "teleport", "version": 1}, 400, "invalid_choice", id="unknown-action"),
            pytest.param({"action": "schedule", "version": 1}, 409, "not_allowed_from_state", id="not-yet"),
        ],
    )
    def test_refusals_have_a_code_and_write_nothing(self, api_as, dispatch, dell_user, body, status, code):
        response = api_as(dell_user).post(url(dispatch, "transitions/"), body, format="json")
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert Dispatch.objects.get(pk=dispatch.pk).version == 1

    def test_escalation_through_the_api_carries_the_dispatch_details(
        self, api_as, reseller_user, mts_user, dell_user, unit
    ):
        case = escalated_case(reseller_user, mts_user, unit)
        response = api_as(mts_user).post(
            f"/api/v1/cases/{case.pk}/transitions/",
            {
                "action": "escalate_to_dell",
                "version": case.version,
                "note": "Replace drive 3",
                "dispatch": {"kind": "onsite", **REPRESENTATIVE, "security_requirements": "Badge needed"},
            },
            format="json",
        )
        assert response.status_code == 200, response.json()
        created = Dispatch.objects.get(case=case)
        assert (created.representative_name, created.clearance) == ("Mette Holm", "stated")

    def test_a_fifth_part_is_refused(self, api_as, dispatch, dell_user):
        dell = api_as(dell_user)
        for n in range(4):
            made = dell.post(url(dispatch, "parts/"), {"part_number": f"P{n}", "description": "Drive"}, format="json")
            assert made.status_code == 201
        fifth = dell.post(url(dispatch, "parts/"), {"part_number": "P5", "description": "Drive"}, format="json")
        assert (fifth.status_code, fifth.json()["code"]) == (409, "too_many_parts")

    def test_site_details_by_the_partner_and_the_clearance_by_mts_then_dell(
        self, api_as, dispatch, reseller_user, mts_user, dell_user
    ):
        site = api_as(reseller_user).patch(
            url(dispatch, "site/"), {"version": 1, "security_requirements": "Escort required"}, format="json"
        )
        assert site.status_code == 200
        assert site.json()["nbd_guaranteed"] is False
        sent = api_as(mts_user).post(url(dispatch, "clearance/"), {"action": "request", "version": 2}, format="json")
        assert sent.json()["clearance"] == "requested"
        declined = api_as(dell_user).post(
            url(dispatch, "clearance/"), {"action": "decline", "version": 3}, format="json"
        )
        assert (declined.status_code, declined.json()["code"]) == (400, "note_required")


class TestQueryCounts:
    @pytest.mark.parametrize("who", ["mts", "dell"])
    def test_the_list_costs_the_same_for_20_and_500(
        self, api_as, who, mts_user, dell_user, reseller_org, django_assert_max_num_queries
    ):
        user = mts_user if who == "mts" else dell_user
        client = api_as(user)
        bulk_dispatches(20, reseller=reseller_org, dell_org=dell_user.organisation)
        # the token (its user and organisation joined in), the page, the capped count
        with django_assert_max_num_queries(3) as small:
            first = client.get("/api/v1/dispatches/?page_size=200")
        assert first.status_code == 200
        assert first.json()["count"] == 20
        bulk_dispatches(480, reseller=reseller_org, dell_org=dell_user.organisation)
        with django_assert_max_num_queries(len(small.captured_queries)):
            big = client.get("/api/v1/dispatches/?page_size=200")
        assert len(big.json()["results"]) == 200

    def test_dells_queue_page_costs_the_same_for_20_and_500(
        self, client, dell_user, reseller_org, django_assert_max_num_queries
    ):
        client.force_login(dell_user)
        bulk_dispatches(20, reseller=reseller_org, dell_org=dell_user.organisation)
        # session, user, organisation, the page (parts counted and overdue parts flagged per row, in SQL)
        with django_assert_max_num_queries(4) as small:
            page = client.get("/dispatch/queue/")
        assert page.status_code == 200
        assert page.content.decode().count("dispatch-state-scheduled") == 20
        bulk_dispatches(480, reseller=reseller_org, dell_org=dell_user.organisation)
        with django_assert_max_num_queries(len(small.captured_queries)):
            page = client.get("/dispatch/queue/")
        assert page.content.decode().count("dispatch-state-scheduled") == 50  # one page

    def test_the_triage_queue_with_dispatches_costs_the_same_for_2_and_40(
        self, client, mts_user, reseller_org, dell_org, django_assert_max_num_queries
    ):
        client.force_login(mts_user)
        bulk_dispatches(2, reseller=reseller_org, dell_org=dell_org)
        # session (none with the sessions in Redis), user, organisation, the teams, the page (each case's
        # newest open dispatch by id, one subquery), the page's dispatches (what the rows say of them)
        with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(6) as small:
            page = client.get("/cases/queue/?state=l3_dell")
        assert page.content.decode().count("Visit scheduled · 0 business days") == 2
        bulk_dispatches(40, reseller=reseller_org, dell_org=dell_org)
        with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(len(small.captured_queries)):
            page = client.get("/cases/queue/?state=l3_dell")
        assert page.content.decode().count("Visit scheduled · 0 business days") == 25  # one page

    def test_the_case_page_with_a_dispatch(self, client, reseller_user, mts_user, unit, django_assert_max_num_queries):
        number = dispatch_for(reseller_user, mts_user, unit).case.number
        client.force_login(mts_user)
        # session, user, organisation, the case with when the viewer last opened it; the dispatch (read once:
        # the panels and, for MTS, the actions' guard share it), its parts, fees and schedule changes; the
        # timeline; the files; the viewer's notifications about the case marked read, their last visit updated
        # and the case's followers
        with django_assert_max_num_queries(13):
            page = client.get(f"/cases/{number}/")
        assert page.status_code == 200

    def test_the_queue_refuses_unknown_filters_with_a_message(self, client, dell_user):
        client.force_login(dell_user)
        page = client.get("/dispatch/queue/?country=zz&state=flying")
        assert page.status_code == 200
        assert "These filters are not valid" in page.content.decode()

    def test_partners_have_no_dispatch_queue(self, client, reseller_user):
        client.force_login(reseller_user)
        assert client.get("/dispatch/queue/").status_code == 403  # a page its kind may not use, like the triage queue


def test_cases_model_knows_nothing_of_dispatch_fields():
    assert not any(f.name.startswith("dispatch_") for f in Case._meta.get_fields() if not f.auto_created)


def test_the_triage_queue_shows_the_nbd_target_and_the_risk(client, reseller_user, mts_user, dell_user, unit):
    dispatch_for(reseller_user, mts_user, unit)
    client.force_login(mts_user)
    with time_machine.travel(NOW, tick=False):
        calm = client.get("/cases/queue/?state=l3_dell").content.decode()
    assert "NBD Wed 11 Mar" in calm
    assert "Requested from Dell · 0 business days" in calm
    assert "NBD at risk" not in calm
    assert "NBD missed" not in calm
    target_day = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
    with time_machine.travel(target_day, tick=False):
        risky = client.get("/cases/queue/?state=l3_dell").content.decode()
    assert "NBD at risk: the target day has come at the site" in risky
    # docs/rules.md rule 9: six days later the target is missed, with its cause, not "at risk"
    sweeps.flag_missed_nbd(now=datetime(2026, 3, 11, 23, 0, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 3, 17, 9, 0, tzinfo=UTC), tick=False):
        missed = client.get("/cases/queue/?state=l3_dell").content.decode()
    assert "NBD missed: Dell had not accepted the dispatch by the target day" in missed
    assert "NBD at risk" not in missed
    assert "Requested from Dell · 5 business days" in missed


def test_taking_over_a_case_at_dell_from_the_queue_keeps_its_dispatch_line(
    client, reseller_user, mts_user, mts_org, unit
):
    case = dispatch_for(reseller_user, mts_user, unit).case
    client.force_login(UserFactory(username="mts-two", organisation=mts_org))
    with time_machine.travel(NOW, tick=False):
        row = client.post(
            f"/cases/{case.number}/transition/",
            {"action": "take", "version": case.version, "from": "queue"},
            HTTP_HX_REQUEST="true",
        ).content.decode()
    # The refreshed row says what the page's row said of the dispatch, now with the case as the taker's.
    assert "yours" in row
    assert "Requested from Dell · 0 business days" in row
    assert "NBD Wed 11 Mar" in row


def test_a_request_dell_has_not_accepted_for_a_business_day_is_flagged(client, reseller_user, mts_user, unit):
    # Qualified Tuesday after the cut-off: the target is Thursday; by Wednesday noon nobody at Dell accepted.
    dispatch_for(reseller_user, mts_user, unit, now=datetime(2026, 3, 10, 17, 0, tzinfo=UTC))
    client.force_login(mts_user)
    with time_machine.travel(datetime(2026, 3, 11, 11, 0, tzinfo=UTC), tick=False):
        page = client.get("/cases/queue/?state=l3_dell").content.decode()
    assert "Not accepted by Dell for 1 business day" in page


def test_the_hand_built_list_row_is_what_the_declared_fields_give(reseller_user, mts_user, unit):
    """DispatchListSerializer builds its rows by hand (speed); the schema comes from its declared fields."""
    from rest_framework import serializers

    from dispatch import selectors
    from dispatch.api.dispatch_serializers import DispatchListSerializer

    dispatch = dispatch_for(reseller_user, mts_user, unit)
    Dispatch.objects.filter(pk=dispatch.pk).update(
        visit_start_at=NOW + timedelta(days=1), visit_end_at=NOW + timedelta(days=1, hours=2), nbd_missed_at=NOW
    )
    row = selectors.dispatch_list(mts_user).get(pk=dispatch.pk)
    serializer = DispatchListSerializer()
    by_hand = serializer.to_representation(row)
    assert by_hand == serializers.Serializer.to_representation(serializer, row)
    assert by_hand["case"]["service_tag"] == unit.service_tag
