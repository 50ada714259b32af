"""Pages: unit list and page, orders, the transfer pages and queues, for each organisation kind."""

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from servicetags.models import Order, ServiceTagTransfer, TransferStatus, Unit
from tests.servicetags.factories import TransferFactory, UnitFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


def test_unit_list_and_page_for_the_reseller(client, reseller_user, unit, other_unit):
    login(client, reseller_user)
    page = client.get(reverse("servicetags:unit_list")).content.decode()
    assert "ABC1234" in page
    assert "ZZZ9999" not in page
    assert "Not registered" in page
    detail = client.get(reverse("servicetags:unit_detail", args=["abc1234"]), follow=True)
    assert detail.status_code == 200
    assert "Final location not registered" in detail.content.decode()
    assert client.get(reverse("servicetags:unit_detail", args=["ZZZ9999"])).status_code == 404


def test_unit_list_filters(client, mts_user, unit, other_unit):
    Unit.objects.filter(pk=other_unit.pk).update(location_confirmed=True)
    login(client, mts_user)
    registered = client.get(reverse("servicetags:unit_list"), {"registered": "yes"}).content.decode()
    assert "ZZZ9999" in registered
    assert "ABC1234" not in registered
    by_country = client.get(reverse("servicetags:unit_list"), {"country": "dk"}).content.decode()
    assert "ABC1234" in by_country
    assert "ZZZ9999" not in by_country


@pytest.mark.parametrize("count", [20, 200])
def test_unit_list_queries_do_not_grow_with_units(client, mts_user, reseller_org, count, django_assert_num_queries):
    UnitFactory.create_batch(count, reseller=reseller_org)
    TransferFactory(unit=Unit.objects.first(), status=TransferStatus.SUBMITTED)
    login(client, mts_user)
    client.get(reverse("servicetags:unit_list"))  # warm the session and caches
    # Same number for 20 and 200 units (50 a page): session, user, org, count, page, reseller filter choices.
    with django_assert_num_queries(UNIT_LIST_QUERIES):
        response = client.get(reverse("servicetags:unit_list"))
    assert response.status_code == 200


# With Redis the session engine is cached_db: the warmed session comes from the cache, not a query.
UNIT_LIST_QUERIES = 5 if settings.SESSION_ENGINE.endswith("cached_db") else 6


def test_distributor_creates_an_order_in_the_browser(client, distributor_user, reseller_org):
    login(client, distributor_user)
    assert client.get(reverse("servicetags:order_new")).status_code == 200
    form = {
        "reseller": reseller_org.pk,
        "end_customer_name": "Harbour Logistics",
        "shipped_on": "2026-03-02",
        "address_line1": "Havnegade 1",
        "city": "Copenhagen",
        "postal_code": "1058",
        "country": "DK",
        "model": "IVO700R",
        "warranty_start_on": "2026-03-01",
        "warranty_end_on": "2029-02-28",
        "nbd_onsite": "on",
        "extended_years": "1",
        "units_text": "web0001\nWEB0002, 1800R\n",
    }
    response = client.post(reverse("servicetags:order_new"), form, follow=True)
    assert response.status_code == 200
    order = Order.objects.get()
    assert sorted(order.units.values_list("service_tag", "model")) == [("WEB0001", "IVO700R"), ("WEB0002", "IVO1800R")]
    assert "was created" in response.content.decode()


def test_order_form_shows_row_errors_and_saves_nothing(client, distributor_user, reseller_org):
    login(client, distributor_user)
    form = {
        "reseller": reseller_org.pk,
        "end_customer_name": "Harbour Logistics",
        "shipped_on": "2026-03-02",
        "address_line1": "Havnegade 1",
        "city": "Copenhagen",
        "country": "US",
        "timezone": "Europe/Paris",
        "model": "IVO700R",
        "warranty_start_on": "2026-03-01",
        "warranty_end_on": "2029-02-28",
        "extended_years": "0",
        "units_text": "GOOD001\nBAD\n",
    }
    page = client.post(reverse("servicetags:order_new"), form).content.decode()
    assert "is not a service tag" in page
    assert "Europe/Paris is not a time zone of United States" in page
    assert Order.objects.count() == 0


def test_order_form_refuses_a_list_the_csv_reader_cannot_read(client, distributor_user, reseller_org):
    login(client, distributor_user)
    form = {
        "reseller": reseller_org.pk,
        "end_customer_name": "Harbour Logistics",
        "shipped_on": "2026-03-02",
        "address_line1": "Havnegade 1",
        "city": "Copenhagen",
        "country": "DK",
        "extended_years": "0",
        "units_text": "service_tag,model\nABC12," + "x" * 140_000,
    }
    response = client.post(reverse("servicetags:order_new"), form)
    assert response.status_code == 200
    assert "cannot be read as CSV" in response.content.decode()
    assert Order.objects.count() == 0


def test_order_page_is_not_for_resellers(client, reseller_user):
    login(client, reseller_user)
    assert client.get(reverse("servicetags:order_new")).status_code == 403


def test_transfer_filed_in_the_browser_and_confirmed_by_mts(client, reseller_user, mts_user, unit):
    login(client, reseller_user)
    new = client.get(reverse("servicetags:transfer_new", args=[unit.service_tag])).content.decode()
    assert 'value="Havnegade 1"' in new  # pre-filled from the current location
    response = client.post(
        reverse("servicetags:transfer_new", args=[unit.service_tag]),
        {
            "address_line1": "Drottninggatan 5",
            "city": "Stockholm",
            "postal_code": "11151",
            "country": "SE",
            "submit_to_dell": "Submit to Dell",
        },
        follow=True,
    )
    assert "submitted to Dell" in response.content.decode()
    transfer = ServiceTagTransfer.objects.get()
    assert transfer.status == TransferStatus.SUBMITTED

    client.logout()
    login(client, mts_user)
    queue = client.get(reverse("servicetags:transfer_queue")).content.decode()
    assert transfer.number in queue
    client.post(reverse("servicetags:transfer_action", args=[transfer.pk, "confirm"]), {"dell_reference": "DT-9"})
    unit.refresh_from_db()
    assert (unit.city, unit.location_confirmed) == ("Stockholm", True)
    page = client.get(reverse("servicetags:unit_detail", args=[unit.service_tag])).content.decode()
    assert "Final location registered with Dell" in page
    assert f"Registered by {transfer.number}" in page


def test_bad_destination_shows_the_field_error(client, reseller_user, unit):
    login(client, reseller_user)
    page = client.post(
        reverse("servicetags:transfer_new", args=[unit.service_tag]),
        {"address_line1": "1 Main St", "city": "Austin", "country": "US", "save": "Save draft"},
    ).content.decode()
    assert "spans several time zones" in page
    assert ServiceTagTransfer.objects.count() == 0


def test_reject_without_reason_is_refused_on_the_page(client, dell_user, unit):
    transfer = TransferFactory(unit=unit, status=TransferStatus.SUBMITTED)
    login(client, dell_user)
    response = client.post(
        reverse("servicetags:transfer_action", args=[transfer.pk, "reject"]), {"reason": ""}, follow=True
    )
    assert "Say why" in response.content.decode()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SUBMITTED


@pytest.mark.parametrize(
    "user_fixture", ["reseller_user", "distributor_user", "mts_user", "dell_user"], ids=lambda s: s.split("_")[0]
)
def test_every_kind_gets_its_transfer_page_and_dashboard_panel(request, client, unit, user_fixture):
    TransferFactory(unit=unit, status=TransferStatus.SUBMITTED)
    login(client, request.getfixturevalue(user_fixture))
    assert client.get(reverse("servicetags:transfer_queue")).status_code == 200
    home = client.get(reverse("home")).content.decode()
    # Confirmers see the queue, distributors the assistance panel; resellers get the cases app's units panel.
    assert ("Open the transfer page" in home) == (user_fixture != "reseller_user")


def test_distributor_assistance_queue_lists_lagging_units(client, distributor_user, unit):
    Unit.objects.filter(pk=unit.pk).update(transfer_assist_sent_at="2026-03-13T06:00Z")
    login(client, distributor_user)
    page = client.get(reverse("servicetags:transfer_queue")).content.decode()
    assert "Assistance queue" in page
    assert unit.service_tag in page


def test_order_list_for_distributor(client, distributor_user):
    login(client, distributor_user)
    page = client.get(reverse("servicetags:order_list")).content.decode()
    assert "No order yet" in page
    assert "New order" in page


def test_the_unit_page_shows_the_site_s_time_not_the_viewer_s(client, reseller_user, reseller_org):
    UnitFactory(
        service_tag="NYC0001",
        reseller=reseller_org,
        address_line1="1 Wall St",
        city="New York",
        postal_code="10005",
        country="US",
        subdivision="US-NY",
        timezone="America/New_York",
    )
    login(client, reseller_user)  # a Copenhagen reseller: 18:30 there is 12:30 in New York
    with time_machine.travel("2026-03-02T17:30:00Z", tick=False):
        page = client.get(reverse("servicetags:unit_detail", args=["NYC0001"])).content.decode()
    assert "site time now <strong data-site-now>Mon 12:30</strong>" in page
    assert "your time <span data-viewer-now>Mon 18:30</span>" in page
