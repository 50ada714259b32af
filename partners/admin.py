from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from partners.models import ApiToken, Organisation, User


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
