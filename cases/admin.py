"""Admin: cases are read-mostly here (states change only through the workflow service); the timeline and
attachments are audit records and cannot be added, edited or deleted."""

from django.contrib import admin

from cases import hooks
from cases.models import Case, CaseAttachment, CaseEvent
from husky_support.admin import AuditRecordAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("at", "kind", "actor", "action", "from_state", "to_state", "internal", "note")
    readonly_fields = fields


class CaseAttachmentInline(ReadOnlyInline):
    model = CaseAttachment
    fields = ("uploaded_at", "filename", "kind", "size", "internal", "uploaded_by")
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "reseller", "state", "priority", "assignee", "sla_due_at", "created_at")
    list_filter = ("state", "priority", "category")
    search_fields = ("number", "title", "unit__service_tag")
    list_select_related = ("reseller", "assignee")
    raw_id_fields = ("unit", "assignee", "opened_by")
    readonly_fields = (
        "number",
        "state",
        "version",
        "priority",
        "assignee",
        "sla_due_at",
        "sla_paused_remaining",
        "escalated_at",
        "resolved_at",
        "resolved_at_l1",
        "auto_close_due_at",
        "closed_at",
        "created_at",
        "updated_at",
    )
    inlines = [CaseEventInline, CaseAttachmentInline]

    def has_add_permission(self, request):
        return False  # cases are opened through the portal or the API, which run the checks

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # What other apps keep in step with the case follows an admin's edit too (in the admin's transaction).
        hooks.case_changed(obj, frozenset(form.changed_data))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(AuditRecordAdmin):
    list_display = ("case", "at", "kind", "actor", "action", "internal")
    list_filter = ("kind", "internal")
    list_select_related = ("case", "actor")
    search_fields = ("case__number",)
