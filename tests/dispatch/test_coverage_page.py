"""The coverage page: everyone signed in reads it, MTS admins edit coverage and holiday overrides, and
every change (from the page or the API) lands in the change history shown on the page."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from django.test import Client

from dispatch.models import Coverage
from partners.models import HolidayOverride, OverrideKind, ReferenceChange

pytestmark = pytest.mark.django_db

URL = "/dispatch/coverage/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dk_form(**values) -> dict[str, str]:
    data = {"c-DK-onsite_available": "on", "c-DK-nbd_available": "on", "c-DK-cutoff": "17:00", "c-DK-notes": ""}
    data.update(values)
    return {k: v for k, v in data.items() if v is not None}


def override_form(**values) -> dict[str, str]:
    data = {"ov-country": "DK", "ov-subdivision": "", "ov-applies_on": "2026-12-23", "ov-kind": "closed", "ov-note": ""}
    data.update(values)
    return data


def test_an_mts_admin_edits_a_coverage_row_and_the_history_shows_from_and_to(mts_admin):
    Coverage.objects.filter(country="DK").update(kyhd_available=True, cutoff=time(17), notes="")
    client = client_for(mts_admin)

    response = client.post(f"{URL}DK/", dk_form(**{"c-DK-cutoff": "15:30", "c-DK-notes": "Jutland by van"}))

    assert response.status_code == 302
    row = Coverage.objects.get(country="DK")
    assert (row.cutoff, row.kyhd_available, row.notes, row.updated_by) == (
        time(15, 30),
        False,
        "Jutland by van",
        mts_admin,
    )
    changes = {c.field: (c.old_value, c.new_value) for c in ReferenceChange.objects.filter(subject="DK")}
    assert changes == {"cutoff": ("17:00", "15:30"), "kyhd_available": ("yes", "no"), "notes": ("", "Jutland by van")}
    html = client.get(URL).content.decode()
    history = html[html.index('id="history-table"') :]
    assert "Coverage <strong>DK</strong>" in history
    assert "Cut-off: " in history
    assert "17:00</span> → <span" in history
    assert "15:30" in history
    assert "mtsadmin" in history


def test_the_api_writes_into_the_same_history(api_as, mts_admin, mts_user):
    response = api_as(mts_admin).patch("/api/v1/coverage/se/", {"nbd_available": False}, format="json")
    assert response.status_code == 200
    change = ReferenceChange.objects.get(subject="SE")
    assert (change.field, change.old_value, change.new_value, change.changed_by) == (
        "nbd_available",
        "yes",
        "no",
        mts_admin,
    )
    assert "NBD: " in client_for(mts_user).get(URL).content.decode()


def test_saving_a_row_unchanged_records_nothing(mts_admin):
    row = Coverage.objects.get(country="DK")
    form = dk_form(
        **{
            "c-DK-onsite_available": "on" if row.onsite_available else None,
            "c-DK-nbd_available": "on" if row.nbd_available else None,
            "c-DK-kyhd_available": "on" if row.kyhd_available else None,
            "c-DK-cutoff": f"{row.cutoff:%H:%M}",
            "c-DK-notes": row.notes,
        }
    )
    assert client_for(mts_admin).post(f"{URL}DK/", form).status_code == 302
    assert not ReferenceChange.objects.exists()


@pytest.mark.parametrize("who", ["mts_user", "reseller_user", "distributor_user", "dell_user"])
def test_others_read_the_page_without_edit_controls_and_their_posts_are_403(request, who):
    user = request.getfixturevalue(who)
    client = client_for(user)
    html = client.get(URL).content.decode()
    assert "Denmark" in html
    assert 'id="coverage-table"' in html
    assert 'action="/dispatch/coverage/' not in html  # no form posts to the page's routes
    assert "Add a country" not in html
    assert ">Edit<" not in html
    before = Coverage.objects.get(country="DK").cutoff
    override = HolidayOverride.objects.create(country="DK", applies_on=date(2026, 12, 23))
    posts = [
        (f"{URL}DK/", dk_form(**{"c-DK-cutoff": "09:00"})),
        (f"{URL}add/", {"add-country": "NZ", "add-cutoff": "17:00"}),
        (f"{URL}overrides/", override_form(**{"ov-applies_on": "2026-12-22"})),
        (
            f"{URL}overrides/{override.pk}/",
            {f"o-{override.pk}-applies_on": "2026-12-21", f"o-{override.pk}-kind": "open"},
        ),
        (f"{URL}overrides/{override.pk}/delete/", {}),
    ]
    assert [client.post(url, data).status_code for url, data in posts] == [403] * 5
    assert Coverage.objects.get(country="DK").cutoff == before
    assert list(HolidayOverride.objects.values_list("applies_on", flat=True)) == [date(2026, 12, 23)]
    assert not ReferenceChange.objects.exists()


def test_the_nav_has_coverage_for_mts_only(mts_user, reseller_user):
    assert f'href="{URL}"' in client_for(mts_user).get("/").content.decode()
    assert f'href="{URL}"' not in client_for(reseller_user).get("/").content.decode()


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        pytest.param(
            f"{URL}DK/", dk_form(**{"c-DK-cutoff": "25:99"}), "Enter a site-local time as HH:MM", id="bad time"
        ),
        pytest.param(
            f"{URL}DK/", dk_form(**{"c-DK-notes": "n" * 2001}), "at most 2000 characters", id="oversize notes"
        ),
        pytest.param(
            f"{URL}add/", {"add-country": "ZZ", "add-cutoff": "17:00"}, "is not a country code", id="unknown country"
        ),
        pytest.param(
            f"{URL}add/", {"add-country": "DK", "add-cutoff": "17:00"}, "Denmark already has coverage", id="existing"
        ),
        pytest.param(
            f"{URL}overrides/", override_form(**{"ov-country": "XX"}), "is not a country code", id="override country"
        ),
        pytest.param(
            f"{URL}overrides/", override_form(**{"ov-applies_on": "2026-02-30"}), "Enter a valid date", id="bad date"
        ),
        pytest.param(
            f"{URL}overrides/", override_form(**{"ov-subdivision": "US-ZZ"}), "Nothing was saved", id="bad subdivision"
        ),
    ],
)
def test_bad_input_is_a_form_error_with_nothing_written(mts_admin, url, data, message):
    before = list(Coverage.objects.order_by("country").values_list())
    response = client_for(mts_admin).post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "Nothing was saved" in html
    assert list(Coverage.objects.order_by("country").values_list()) == before
    assert not HolidayOverride.objects.exists()
    assert not ReferenceChange.objects.exists()


@pytest.mark.parametrize(
    ("url", "data", "panel"),
    [
        pytest.param(f"{URL}DK/", dk_form(**{"c-DK-cutoff": "25:99"}), "edit-DK", id="row"),
        pytest.param(f"{URL}add/", {"add-country": "ZZ", "add-cutoff": "17:00"}, "add-coverage", id="add country"),
        pytest.param(f"{URL}overrides/", override_form(**{"ov-country": "XX"}), "add-override", id="add override"),
    ],
)
def test_a_refused_form_reopens_with_its_button_saying_so(mts_admin, url, data, panel):
    # A screen reader hears the button of the form shown again as expanded, not collapsed.
    html = client_for(mts_admin).post(url, data).content.decode()
    button = re.search(rf'<button[^>]*data-bs-target="#{panel}"[^>]*>', html).group(0)
    assert 'aria-expanded="true"' in button
    others = re.findall(r'<button[^>]*aria-expanded="true"[^>]*>', html)
    assert others == [button]


def test_a_duplicate_override_date_is_refused_on_the_form(mts_admin):
    client = client_for(mts_admin)
    assert client.post(f"{URL}overrides/", override_form(**{"ov-note": "Staff party"})).status_code == 302
    response = client.post(f"{URL}overrides/", override_form(**{"ov-kind": "open"}))
    assert response.status_code == 400
    assert "This date already has an override for this country and subdivision." in response.content.decode()
    assert HolidayOverride.objects.get().kind == OverrideKind.CLOSED
    assert ReferenceChange.objects.count() == 1  # the first one's "created"


def test_adding_changing_and_deleting_an_override_are_all_recorded(mts_admin):
    client = client_for(mts_admin)
    client.post(f"{URL}overrides/", override_form(**{"ov-country": "us", "ov-subdivision": "us-ca", "ov-note": "Fire"}))
    override = HolidayOverride.objects.get()
    assert (override.country, override.subdivision) == ("US", "US-CA")
    prefix = f"o-{override.pk}"
    response = client.post(
        f"{URL}overrides/{override.pk}/",
        {
            f"{prefix}-subdivision": "US-CA",
            f"{prefix}-applies_on": "2026-12-23",
            f"{prefix}-kind": "open",
            f"{prefix}-note": "Fire",
        },
    )
    assert response.status_code == 302
    assert client.post(f"{URL}overrides/{override.pk}/delete/").status_code == 302
    assert not HolidayOverride.objects.exists()

    history = list(
        ReferenceChange.objects.order_by("id").values_list("action", "subject", "field", "old_value", "new_value")
    )
    assert history[0][:2] == ("created", "US-CA 2026-12-23")
    assert "day closed" in history[0][4]
    assert history[1] == ("changed", "US-CA 2026-12-23", "kind", "closed", "open")
    assert history[2][:2] == ("deleted", "US-CA 2026-12-23")
    assert "day open" in history[2][3]
    html = client.get(URL).content.decode()
    assert html.index(">deleted<") < html.index(">created<")  # latest first


def test_an_mts_admin_adds_a_country(mts_admin):
    Coverage.objects.filter(country="NZ").delete()
    response = client_for(mts_admin).post(
        f"{URL}add/", {"add-country": "nz", "add-onsite_available": "on", "add-cutoff": "16:00", "add-notes": ""}
    )
    assert response.status_code == 302
    row = Coverage.objects.get(country="NZ")
    assert (row.onsite_available, row.nbd_available, row.cutoff) == (True, False, time(16))
    assert ReferenceChange.objects.get(subject="NZ").action == "created"


def test_the_page_lists_countries_by_name_in_constant_queries(mts_admin, django_assert_max_num_queries):
    client = client_for(mts_admin)
    for day in range(1, 21):
        HolidayOverride.objects.create(country="DK", applies_on=date(2026, 1, day), updated_by=mts_admin)
    client.post(f"{URL}DK/", dk_form(**{"c-DK-cutoff": "12:00"}))
    client.get(URL)  # warm the session and the caches
    with django_assert_max_num_queries(8) as many:
        html = client.get(URL).content.decode()
    Coverage.objects.exclude(country__in=["DK", "GB", "AS"]).delete()
    with django_assert_max_num_queries(len(many.captured_queries)):
        few = client.get(URL).content.decode()
    assert html.index("Denmark") < html.index("Germany") < html.index("United Kingdom")
    assert "Britain (UK)" not in html
    assert few.count('<tr id="coverage-') == Coverage.objects.count()


def test_the_demo_gives_the_page_a_history_once(mts_admin):
    from dispatch.demo import NORWAY_NOTE, SAMPLE_OVERRIDES, _sample_overrides_and_history
    from tests.dispatch.factories import NOW

    _sample_overrides_and_history(NOW)
    _sample_overrides_and_history(NOW)  # seeding twice records nothing twice

    assert HolidayOverride.objects.count() == len(SAMPLE_OVERRIDES)
    rows = list(ReferenceChange.objects.values_list("table", "action", "changed_by"))
    assert sorted(rows) == sorted(
        [("holiday_override", "created", mts_admin.pk)] * len(SAMPLE_OVERRIDES)
        + [("coverage", "changed", mts_admin.pk)]
    )
    assert Coverage.objects.get(country="NO").notes == NORWAY_NOTE
