from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone

from husky_support.admin import AuditRecordAdmin
from partners.models import (
    ApiToken,
    ChangeAction,
    HolidayOverride,
    Organisation,
    ReferenceChange,
    User,
)
from partners.reference import OVERRIDE_FIELDS, override_values, record_override


def admin_edit(fields, obj, form, change) -> tuple[ChangeAction, list[tuple[str, object, object]]]:
    """What a save in the Django admin did, as the change history takes it (the page's and the API's history)."""
    action = ChangeAction.CHANGED if change else ChangeAction.CREATED
    return action, [(name, form.initial.get(name) if change else None, getattr(obj, name)) for name in fields]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "timezone", "distributor", "is_active"]
    list_filter = ["kind", "is_active", "country"]
    search_fields = ["name"]
    autocomplete_fields = ["distributor"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "organisation", "role", "is_active", "is_staff"]
    list_filter = ["role", "is_active", "is_staff", "organisation__kind"]
    list_select_related = ["organisation"]
    fieldsets = (*BaseUserAdmin.fieldsets, ("Organisation", {"fields": ("organisation", "role")}))
    autocomplete_fields = ["organisation"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "token_key", "created", "expiry"]
    readonly_fields = ["digest", "token_key", "user", "created", "created_by"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]

    def has_add_permission(self, request):
        # Keys are shown once at creation; the portal's token page is where they are made.
        return False


@admin.register(HolidayOverride)
class HolidayOverrideAdmin(admin.ModelAdmin):
    list_display = ["applies_on", "country", "subdivision", "kind", "note", "updated_by"]
    list_filter = ["kind", "country"]
    search_fields = ["country", "subdivision", "note"]
    date_hierarchy = "applies_on"
    readonly_fields = ["updated_at", "updated_by"]

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        action, changes = admin_edit(OVERRIDE_FIELDS, obj, form, change)
        record_override(request.user, obj, action, changes, timezone.now())

    def _record_deleted(self, request, obj) -> None:
        record_override(request.user, obj, ChangeAction.DELETED, override_values(obj), timezone.now())

    def delete_model(self, request, obj):
        self._record_deleted(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record_deleted(request, obj)
        super().delete_queryset(request, queryset)


@admin.register(ReferenceChange)
class ReferenceChangeAdmin(AuditRecordAdmin):
    """The change history of coverage and holiday overrides: an audit trail, read-only here."""

    list_display = ["changed_at", "changed_by", "table", "subject", "action", "field", "old_value", "new_value"]
    list_filter = ["table", "action"]
    search_fields = ["subject", "country", "field"]
    list_select_related = ["changed_by"]
    date_hierarchy = "changed_at"
