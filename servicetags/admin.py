from django.contrib import admin

from husky_support.admin import AuditRecordAdmin
from servicetags.models import Location, Order, ServiceTagTransfer, Unit


class LocationInline(admin.TabularInline):
    model = Location
    extra = 0
    can_delete = False
    fields = ["recorded_at", "source", "confirmed", "transfer", "address_line1", "city", "country", "timezone"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = [
        "service_tag",
        "model",
        "reseller",
        "end_customer_name",
        "country",
        "location_confirmed",
        "shipped_on",
    ]
    list_filter = ["location_confirmed", "model", "country", "nbd_onsite", "kyhd"]
    search_fields = ["service_tag", "end_customer_name", "reseller__name"]
    list_select_related = ["reseller"]
    raw_id_fields = ["reseller", "order"]
    # Location status changes only through a confirmed transfer.
    readonly_fields = [
        "location_confirmed",
        "location_confirmed_at",
        "transfer_reminder_due_on",
        "transfer_reminder_sent_at",
        "transfer_assist_due_on",
        "transfer_assist_sent_at",
        "created_at",
        "updated_at",
    ]
    inlines = [LocationInline]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reseller", "distributor", "end_customer_name", "shipped_on", "created_at"]
    list_select_related = ["reseller", "distributor"]
    search_fields = ["store_reference", "end_customer_name", "reseller__name"]
    raw_id_fields = ["reseller", "distributor", "created_by"]


@admin.register(ServiceTagTransfer)
class ServiceTagTransferAdmin(admin.ModelAdmin):
    list_display = ["__str__", "unit", "status", "country", "submitted_at", "expected_confirmation_on", "decided_at"]
    list_filter = ["status", "cross_country", "country"]
    search_fields = ["unit__service_tag"]
    list_select_related = ["unit"]
    raw_id_fields = ["unit", "filed_by_org", "created_by", "submitted_by", "decided_by"]
    readonly_fields = [
        "status",
        "submitted_at",
        "submitted_by",
        "cross_country",
        "expected_confirmation_on",
        "decided_at",
        "decided_by",
        "rejection_reason",
        "created_at",
        "updated_at",
    ]


@admin.register(Location)
class LocationAdmin(AuditRecordAdmin):
    """History is append-only: readable, never edited here."""

    list_display = ["unit", "recorded_at", "source", "confirmed", "city", "country"]
    list_filter = ["source", "confirmed"]
    search_fields = ["unit__service_tag"]
