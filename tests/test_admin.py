"""The Django admin: coverage is editable by MTS admins, audit rows are never editable, not even by a superuser."""

import pytest
from django.urls import reverse

from cases.models import CaseEvent
from servicetags.models import Location
from tests.servicetags.factories import LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client, mts_admin):
    mts_admin.is_superuser = True
    mts_admin.save()
    client.force_login(mts_admin)
    return client


@pytest.mark.parametrize("model", [CaseEvent, Location], ids=["case-timeline", "location-history"])
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
