"""Case pages: open-case form with the live checklist and drafts, the case page's buttons and privacy, the
triage queue (one-click take, filters) and constant SQL query counts for the lists."""

import re

import factory
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases import services
from cases.models import Case, CaseAttachment
from tests.cases.factories import PPID, CaseFactory, open_case
from tests.servicetags.factories import UnitFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def buttons(html: str) -> list[str]:
    return re.findall(r'name="action" value="([a-z_]+)"', html)


FORM = {
    "title": "Drive 3 failed",
    "category": "hardware",
    "component": "hard_drive",
    "service_tag": "abc1234",
    "site_address_line1": "Havnegade 1",
    "site_city": "Copenhagen",
    "site_postal_code": "1058",
    "site_country": "DK",
    "ppids": PPID,
    "users_impacted": "3",
    "in_production": "yes",
    "failure_description": "The controller marks drive 3 failed.",
    "troubleshooting_done": "Reseated it.",
    "customer_available_for_diagnostics": "yes",
}


def test_the_open_case_form_explains_the_collection_and_shows_the_checklist(reseller_user):
    html = client_for(reseller_user).get("/cases/new/").content.decode()
    assert "iDRAC 9" in html
    assert "iDRAC 7 / iDRAC 8" in html
    assert "MTS checklist" in html
    assert "Save as draft" in html


def test_a_draft_stays_at_the_reseller(reseller_user, unit):
    response = client_for(reseller_user).post("/cases/new/", {**FORM, "troubleshooting_done": "", "submit": "draft"})
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/cases/{case.number}/"
    assert case.state == "l1_reseller"


def test_sending_an_incomplete_case_to_mts_shows_what_is_missing_and_saves_nothing(reseller_user, unit):
    response = client_for(reseller_user).post("/cases/new/", {**FORM, "ppids": "", "submit": "escalate"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Complete the checklist first; missing: hard drive PPID." in html
    assert Case.objects.count() == 0


def test_open_and_send_to_mts_with_a_collection(reseller_user, unit, settings):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("tsr/report.xml", "<r/>")
    upload = io.BytesIO(buffer.getvalue())
    upload.name = "TSR.zip"
    response = client_for(reseller_user).post("/cases/new/", {**FORM, "submit": "escalate", "attachment": upload})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.state == "l2_mts_queue"
    assert case.attachments.get().filename == "TSR.zip"


def test_a_bad_ppid_is_a_form_error(reseller_user, unit):
    response = client_for(reseller_user).post("/cases/new/", {**FORM, "ppids": "CN-123", "submit": "draft"})
    assert "not 20 or 23" in response.content.decode()
    assert Case.objects.count() == 0


def test_another_resellers_service_tag_is_unknown(reseller_user, unit, other_unit):
    client = client_for(reseller_user)
    response = client.post("/cases/new/", {**FORM, "service_tag": other_unit.service_tag, "submit": "draft"})
    assert "No unit with this service tag is registered to you." in response.content.decode()
    assert Case.objects.count() == 0
    assert client.get(f"/cases/unit-location/?service_tag={other_unit.service_tag}").status_code == 404
    mine = client.get("/cases/unit-location/?service_tag=abc1234").json()
    assert mine["site"]["site_city"] == "Copenhagen"


def test_the_live_checklist_updates_from_the_form(reseller_user):
    html = client_for(reseller_user).post("/cases/checklist/", {"category": "software"}).content.decode()
    assert "1 to go" in html
    html = client_for(reseller_user).post("/cases/checklist/", FORM).content.decode()
    assert "Complete" in html
    assert "P2 – High" in html


def test_the_case_page_offers_only_the_actions_this_user_may_take(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit)
    assert buttons(client_for(reseller_user).get(f"/cases/{case.number}/").content.decode()) == [
        "escalate_to_mts",
        "resolve",
    ]
    assert buttons(client_for(mts_user).get(f"/cases/{case.number}/").content.decode()) == []
    case = services.case_transition(
        actor=reseller_user, case=case, action="escalate_to_mts", version=case.version, now=timezone.now()
    )
    assert buttons(client_for(mts_user).get(f"/cases/{case.number}/").content.decode()) == [
        "take",
        "return_to_partner",
    ]
    assert buttons(client_for(reseller_user).get(f"/cases/{case.number}/").content.decode()) == []


def test_the_case_page_escapes_user_text_and_hides_internal_notes(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit, title="<script>alert('t')</script>", escalate=True)
    now = timezone.now()
    services.comment_create(actor=reseller_user, case=case, body="<img src=x onerror=alert(1)>", now=now)
    services.comment_create(actor=mts_user, case=case, body="SECRET internal note", internal=True, now=now)
    partner_html = client_for(reseller_user).get(f"/cases/{case.number}/").content.decode()
    assert "<script>alert" not in partner_html
    assert "&lt;script&gt;" in partner_html
    assert "<img src=x" not in partner_html
    assert "SECRET" not in partner_html
    assert "SECRET internal note" in client_for(mts_user).get(f"/cases/{case.number}/").content.decode()


def test_another_organisations_case_is_a_404(reseller_user, other_reseller_user, unit):
    case = open_case(reseller_user, unit)
    client = client_for(other_reseller_user)
    assert client.get(f"/cases/{case.number}/").status_code == 404
    assert client.post(f"/cases/{case.number}/comments/", {"body": "hi"}).status_code == 404
    assert client.post(f"/cases/{case.number}/transition/", {"action": "resolve", "version": 1}).status_code == 404


def test_a_comment_by_htmx_returns_the_timeline(reseller_user, unit):
    case = open_case(reseller_user, unit)
    response = client_for(reseller_user).post(
        f"/cases/{case.number}/comments/", {"body": "Customer rebooted again."}, HTTP_HX_REQUEST="true"
    )
    assert "Customer rebooted again." in response.content.decode()
    assert "<html" not in response.content.decode()


def test_take_in_one_click_from_the_queue(reseller_user, mts_user, unit):
    case = open_case(reseller_user, unit, escalate=True)
    client = client_for(mts_user)
    queue = client.get("/cases/queue/").content.decode()
    assert case.number in queue
    response = client.post(
        f"/cases/{case.number}/transition/",
        {"action": "take", "version": case.version, "from": "queue"},
        HTTP_HX_REQUEST="true",
    )
    assert "yours" in response.content.decode()
    case.refresh_from_db()
    assert (case.state, case.assignee) == ("l2_mts_investigating", mts_user)


def test_a_stale_take_from_the_queue_says_so(reseller_user, mts_user, mts_other, unit):
    case = open_case(reseller_user, unit, escalate=True)
    services.case_transition(actor=mts_other, case=case, action="take", version=case.version, now=timezone.now())
    response = client_for(mts_user).post(
        f"/cases/{case.number}/transition/",
        {"action": "take", "version": case.version, "from": "queue"},
        HTTP_HX_REQUEST="true",
    )
    assert "Someone else changed this case" in response.content.decode()
    case.refresh_from_db()
    assert case.assignee == mts_other


def test_queue_filters(mts_user, reseller_org, other_reseller_org):
    dk = CaseFactory(reseller=reseller_org, state="l2_mts_queue", priority="p1_critical")
    us = CaseFactory(reseller=other_reseller_org, state="awaiting_partner", site_country="US")
    CaseFactory(reseller=reseller_org, state="closed")
    client = client_for(mts_user)

    def numbers(query=""):
        return re.findall(r"HSK-\d{4}-\d{6}", client.get(f"/cases/queue/?{query}").content.decode())

    assert set(numbers()) == {dk.number, us.number}
    assert set(numbers("country=us")) == {us.number}
    assert set(numbers("state=l2_mts_queue")) == {dk.number}
    assert set(numbers("priority=p1_critical")) == {dk.number}
    assert set(numbers("assignee=me")) == set()


def test_queue_filter_bar_keeps_the_chosen_filters_and_escapes_the_search(mts_user):
    html = client_for(mts_user).get("/cases/queue/?priority=p2_high&country=dk&q=%22%3E%3Cscript%3Ex").content.decode()
    assert '<option value="p2_high" selected>' in html
    assert '<option value="p1_critical">' in html
    # The country filter is the shared country picker; "dk" is shown as the chosen Denmark option.
    assert '<option value="DK" selected>Denmark (DK)</option>' in html
    assert 'value="&quot;&gt;&lt;script&gt;x"' in html
    assert '"><script>x' not in html


def test_the_queue_filter_bar_follows_the_filters_and_the_teams(mts_user):
    """The bar is rendered once per set of filters and list of teams (cases.views._queue_filter_bar)."""
    from tests.cases.factories import TeamFactory

    client = client_for(mts_user)
    team = TeamFactory(name="Nordics")
    assert '<option value="p2_high" selected>' in client.get("/cases/queue/?priority=p2_high").content.decode()
    plain = client.get("/cases/queue/").content.decode()
    assert '<option value="p2_high" selected>' not in plain
    assert f'<option value="{team.pk}">Nordics</option>' in plain
    team.name = "Nordics & Baltics"
    team.save()
    renamed = client.get("/cases/queue/").content.decode()
    assert f'<option value="{team.pk}">Nordics &amp; Baltics</option>' in renamed
    checked = client.get("/cases/queue/?state=l3_dell").content.decode()
    assert 'id="st-l3_dell" value="l3_dell" checked>' in checked
    assert 'id="st-l3_dell" value="l3_dell" >' in plain


def test_only_mts_has_a_queue(reseller_user, dell_user):
    assert client_for(reseller_user).get("/cases/queue/").status_code == 403
    assert client_for(dell_user).get("/cases/queue/").status_code == 403


def test_the_reseller_dashboard_lists_waiting_cases_and_unregistered_units(reseller_user, unit):
    case = open_case(reseller_user, unit, troubleshooting_done="")
    html = client_for(reseller_user).get("/").content.decode()
    assert "Waiting on you" in html
    assert case.number in html
    assert "Units without a registered location" in html
    assert unit.service_tag in html


# --- Constant query counts ----------------------------------------------------------------------------


def _fill(reseller_org, mts_user, n: int) -> None:
    states = ["l2_mts_queue", "l2_mts_investigating", "awaiting_partner", "l3_dell", "resolved"]

    unit = UnitFactory(reseller=reseller_org)
    CaseFactory.create_batch(
        n,
        reseller=reseller_org,
        unit=unit,
        state=factory.Iterator(states),
        assignee=mts_user,
    )


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("who", "url", "most"),
    [
        # session, user, organisation, the teams (with the viewer's membership), the page; with teams set up,
        # one more: their holiday overrides, for the rows' SLA clocks
        ("mts", "/cases/queue/", 5),
        ("mts", "/cases/queue/?sort=priority&state=l2_mts_queue", 5),
        # session, user, organisation, the page, the capped count
        ("mts", "/api/v1/cases/", 5),
        ("reseller", "/cases/", 4),
        ("reseller", "/api/v1/cases/?open=true", 5),
    ],
)
def test_lists_run_a_constant_number_of_queries(who, url, most, reseller_user, mts_user):
    user = {"mts": mts_user, "reseller": reseller_user}[who]
    client = client_for(user)
    _fill(reseller_user.organisation, mts_user, 20)
    at_20 = _count_queries(client, url)
    _fill(reseller_user.organisation, mts_user, 480)
    at_500 = _count_queries(client, url)
    assert at_20 == at_500
    assert at_500 <= most


# --- Probes that answered 500 (issue 9) --------------------------------------------------------------


def test_editing_a_case_without_users_impacted_shows_the_form(reseller_user):
    case, _ = services.case_create(
        actor=reseller_user, now=timezone.now(), values={"title": "Recording stops", "category": "software"}
    )
    response = client_for(reseller_user).get(f"/cases/{case.number}/edit/")
    assert response.status_code == 200
    assert "Recording stops" in response.content.decode()


@pytest.mark.parametrize("version", ["abc", "²", "9" * 5000, ""])
def test_a_made_up_version_on_edit_is_a_conflict_and_changes_nothing(reseller_user, unit, version):
    case = open_case(reseller_user, unit)
    response = client_for(reseller_user).post(
        f"/cases/{case.number}/edit/", {**FORM, "title": "Changed", "version": version}
    )
    assert response.status_code == 200
    assert "Someone else changed this case" in response.content.decode()
    case.refresh_from_db()
    assert case.title != "Changed"


def test_more_users_impacted_than_allowed_is_a_form_error(reseller_user, unit):
    response = client_for(reseller_user).post("/cases/new/", {**FORM, "users_impacted": "1000001", "submit": "draft"})
    assert response.status_code == 200
    assert "from 0 to 1,000,000" in response.content.decode()
    assert not Case.objects.exists()


def test_a_title_is_one_line(reseller_user, unit):
    response = client_for(reseller_user).post("/cases/new/", {**FORM, "title": "Drive 3\nfailed", "submit": "draft"})
    assert response.status_code == 200
    assert "The title must be one line" in response.content.decode()
    assert not Case.objects.exists()


def test_an_unknown_queue_filter_says_so_instead_of_an_empty_queue(mts_user, reseller_user, unit):
    open_case(reseller_user, unit, escalate=True)
    html = client_for(mts_user).get("/cases/queue/", {"country": "zz"}).content.decode()
    assert "ZZ is not a country code" in html
    assert "queue is clear" not in html
    filtered = client_for(mts_user).get("/cases/queue/", {"country": "SE"}).content.decode()
    assert "Nothing matches these filters" in filtered


def test_the_page_refuses_an_oversize_upload_before_reading_it(reseller_user, unit, settings):
    settings.CASES_ATTACHMENT_MAX_BYTES = 1000
    case = open_case(reseller_user, unit)
    upload = SimpleUploadedFile("tsr.zip", b"x" * 200_000)
    response = client_for(reseller_user).post(f"/cases/{case.number}/attachments/", {"file": upload}, follow=True)
    assert "at most" in response.content.decode()
    assert not CaseAttachment.objects.exists()
