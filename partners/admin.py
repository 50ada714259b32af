from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from partners.models import ApiToken, HolidayOverride, Organisation, ReferenceChange, User


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


@admin.register(ReferenceChange)
class ReferenceChangeAdmin(admin.ModelAdmin):
    """The change history of coverage and holiday overrides: an audit trail, read-only here."""

    list_display = ["changed_at", "changed_by", "table", "subject", "action", "field", "old_value", "new_value"]
    list_filter = ["table", "action"]
    search_fields = ["subject", "country", "field"]
    list_select_related = ["changed_by"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
