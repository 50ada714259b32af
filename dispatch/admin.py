from django.contrib import admin
from django.utils import timezone

from dispatch.coverage import COVERAGE_FIELDS, record_coverage
from dispatch.models import Coverage
from husky_support.geo import country_name
from partners.admin import admin_edit


@admin.register(Coverage)
class CoverageAdmin(admin.ModelAdmin):
    list_display = ["country", "name", "onsite_available", "nbd_available", "kyhd_available", "cutoff", "updated_at"]
    list_filter = ["onsite_available", "nbd_available", "kyhd_available"]
    list_editable = ["onsite_available", "nbd_available", "kyhd_available", "cutoff"]
    search_fields = ["country", "notes"]
    readonly_fields = ["updated_at", "updated_by"]
    fields = ["country", "onsite_available", "nbd_available", "kyhd_available", "cutoff", "notes", *readonly_fields]

    @admin.display(description="name")
    def name(self, obj: Coverage) -> str:
        return country_name(obj.country) or ""

    def get_readonly_fields(self, request, obj=None):
        # The country is the primary key: changing it would create a second row, not rename this one.
        return [*self.readonly_fields, "country"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
        fields = [name for name in COVERAGE_FIELDS if name in form.fields or not change]
        action, changes = admin_edit(fields, obj, form, change)
        record_coverage(request.user, obj, action, changes, timezone.now())
