"""Admin building blocks shared by the apps."""

from django.contrib import admin


class AuditRecordAdmin(admin.ModelAdmin):
    """Audit and history rows (timelines, location history) are append-only: readable, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
