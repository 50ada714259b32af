"""The Django admin: coverage is editable by MTS admins, audit rows are never editable, not even by a superuser."""

import pytest
from django.urls import reverse

from cases.models import CaseEvent
from dispatch.models import Coverage
from partners.models import HolidayOverride, ReferenceChange
from servicetags.models import Location
from tests.servicetags.factories import LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, mts_admin):
    mts_admin.is_superuser = True
    mts_admin.save()
    client.force_login(mts_admin)
    return client


@pytest.mark.parametrize(
    "model", [CaseEvent, Location, ReferenceChange], ids=["case-timeline", "location-history", "reference-history"]
)
def test_audit_records_can_be_read_but_not_added(superuser_client, model):
    opts = model._meta
    assert superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    assert superuser_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 403


def test_location_history_rows_cannot_be_changed_or_deleted(superuser_client, unit):
    location = LocationFactory(unit=unit)
    change = reverse("admin:servicetags_location_change", args=[location.pk])
    response = superuser_client.post(change, {"city": "Elsewhere"})
    assert response.status_code == 403
    delete = reverse("admin:servicetags_location_delete", args=[location.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    location.refresh_from_db()
    assert location.city != "Elsewhere"


def test_coverage_is_editable_in_the_admin(superuser_client):
    assert superuser_client.get(reverse("admin:dispatch_coverage_changelist")).status_code == 200
    assert superuser_client.get(reverse("admin:dispatch_coverage_add")).status_code == 200


def test_the_reference_history_cannot_be_changed_or_deleted(superuser_client, mts_admin):
    from django.utils import timezone

    row = ReferenceChange.objects.create(
        table="coverage", subject="DK", country="DK", action="changed", field="notes", changed_at=timezone.now()
    )
    change = reverse("admin:partners_referencechange_change", args=[row.pk])
    assert superuser_client.post(change, {"new_value": "forged"}).status_code == 403
    delete = reverse("admin:partners_referencechange_delete", args=[row.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert ReferenceChange.objects.get().new_value == ""


def test_admin_edits_of_coverage_and_overrides_are_in_the_history(superuser_client, mts_admin):
    row = Coverage.objects.get(country="DK")
    change = reverse("admin:dispatch_coverage_change", args=["DK"])
    form = {
        "onsite_available": "on" if row.onsite_available else "",
        "nbd_available": "on" if row.nbd_available else "",
        "kyhd_available": "on" if row.kyhd_available else "",
        "cutoff": "14:45",
        "notes": row.notes,
    }
    assert superuser_client.post(change, {k: v for k, v in form.items() if v}).status_code == 302
    added = superuser_client.post(
        reverse("admin:partners_holidayoverride_add"), {"country": "DK", "applies_on": "2026-12-23", "kind": "closed"}
    )
    assert added.status_code == 302
    override = HolidayOverride.objects.get()
    delete = reverse("admin:partners_holidayoverride_delete", args=[override.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 302

    history = list(ReferenceChange.objects.order_by("id").values_list("subject", "action", "field", "changed_by"))
    assert history == [
        ("DK", "changed", "cutoff", mts_admin.pk),
        ("DK 2026-12-23", "created", "", mts_admin.pk),
        ("DK 2026-12-23", "deleted", "", mts_admin.pk),
    ]
