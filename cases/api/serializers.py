"""Case API shapes: read serializers, and one small input serializer per write."""

from django.utils import timezone
from rest_framework import serializers

from cases import clocks, followers, sla
from cases.archives import AttachmentKind
from cases.checklist import ITEM_LABELS, Priority
from cases.models import CATEGORY_CHOICES, COMPONENT_CHOICES, Case, CaseAttachment, CaseEvent
from cases.services.base import DIAGNOSIS_FIELDS
from cases.workflow import NOTE_REQUIRED, Action, State
from partners.api.serializers import OrgRefSerializer

_DATETIME = serializers.DateTimeField()


def _iso(value):
    return None if value is None else _DATETIME.to_representation(value)


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    organisation = serializers.CharField(source="organisation.name", default=None)

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


class CaseListSerializer(serializers.ModelSerializer):
    """A list row: no long text, every relation joined by the selector (no per-row query)."""

    reseller = OrgRefSerializer()
    service_tag = serializers.CharField(source="unit.service_tag", default=None)
    assignee = serializers.SerializerMethodField()
    state_label = serializers.SerializerMethodField()
    priority_label = serializers.SerializerMethodField()
    team = serializers.SerializerMethodField()
    sla_state = serializers.SerializerMethodField(
        help_text="ok, near_breach (the configured share of the target's business time has passed), breached, "
        "paused (awaiting the partner) or none (MTS owes no answer)."
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "number",
            "title",
            "category",
            "component",
            "state",
            "state_label",
            "priority",
            "priority_label",
            "version",
            "reseller",
            "service_tag",
            "site_country",
            "assignee",
            "team",
            "sla_due_at",
            "first_response_due_at",
            "next_update_due_at",
            "sla_state",
            "created_at",
            "updated_at",
        ]

    def to_representation(self, case) -> dict:
        """Built by hand: this serializer answers every list page, and the generic field-by-field walk
        cost more than the SQL. The declared fields above still describe it in the schema."""
        if isinstance(case, dict):
            return self._row_of_values(case)
        if type(self) is not CaseListSerializer:
            return super().to_representation(case)
        return {
            "id": case.pk,
            "number": case.number,
            "title": case.title,
            "category": case.category,
            "component": case.component,
            "state": case.state,
            "state_label": case.state_enum.label,
            "priority": case.priority,
            "priority_label": case.priority_enum.label,
            "version": case.version,
            "reseller": {"id": case.reseller_id, "name": case.reseller.name, "kind": case.reseller.kind},
            "service_tag": case.unit.service_tag if case.unit_id else None,
            "site_country": case.site_country,
            "assignee": self.get_assignee(case),
            "team": self.get_team(case),
            "sla_due_at": _iso(case.sla_due_at),
            "first_response_due_at": _iso(case.first_response_due_at),
            "next_update_due_at": _iso(case.next_update_due_at),
            "sla_state": self.get_sla_state(case),
            "created_at": _iso(case.created_at),
            "updated_at": _iso(case.updated_at),
        }

    def _row_of_values(self, row: dict) -> dict:
        """The same row from `.values("id", *selectors.LIST_COLUMNS)` (the list view reads no instances)."""
        assignee = None
        if row["assignee_id"] is not None:
            full_name = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
            assignee = {"id": row["assignee_id"], "name": full_name or row["assignee__username"]}
        now = self.context.get("now") or timezone.now()
        return {
            "id": row["id"],
            "number": row["number"],
            "title": row["title"],
            "category": row["category"],
            "component": row["component"],
            "state": row["state"],
            "state_label": State(row["state"]).label,
            "priority": row["priority"],
            "priority_label": Priority(row["priority"]).label,
            "version": row["version"],
            "reseller": {"id": row["reseller_id"], "name": row["reseller__name"], "kind": row["reseller__kind"]},
            "service_tag": row["unit__service_tag"],
            "site_country": row["site_country"],
            "assignee": assignee,
            "team": None if row["team_id"] is None else {"id": row["team_id"], "name": row["team__name"]},
            "sla_due_at": _iso(row["sla_due_at"]),
            "first_response_due_at": _iso(row["first_response_due_at"]),
            "next_update_due_at": _iso(row["next_update_due_at"]),
            "sla_state": sla.sla_state(clocks.clock_of_values(row), now).value,
            "created_at": _iso(row["created_at"]),
            "updated_at": _iso(row["updated_at"]),
        }

    def get_assignee(self, case) -> dict | None:
        user = case.assignee
        if user is None:
            return None
        return {"id": user.pk, "name": user.get_full_name() or user.username}

    def get_team(self, case) -> dict | None:
        if case.team_id is None:
            return None
        return {"id": case.team_id, "name": case.team.name}

    def get_sla_state(self, case) -> str:
        now = self.context.get("now") or timezone.now()
        return sla.sla_state(clocks.clock_of(case), now).value

    def get_state_label(self, case) -> str:
        return case.state_enum.label

    def get_priority_label(self, case) -> str:
        return case.priority_enum.label


class CaseSerializer(CaseListSerializer):
    checklist_missing = serializers.SerializerMethodField()
    site_country_differs = serializers.BooleanField(read_only=True)
    unit_country = serializers.CharField(source="unit.country", default=None)

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "site_address_line1",
            "site_address_line2",
            "site_city",
            "site_postal_code",
            "site_timezone",
            "unit_country",
            "site_country_differs",
            *DIAGNOSIS_FIELDS,
            "checklist_missing",
            "escalated_at",
            "first_responded_at",
            "resolved_at",
            "auto_close_due_at",
            "closed_at",
        ]

    def get_checklist_missing(self, case) -> list[dict]:
        return [{"item": key, "label": ITEM_LABELS[key]} for key in case.checklist_missing()]


class CaseWriteSerializer(serializers.Serializer):
    """Create (POST) and edit (PATCH) input. Values are normalised and checked by the service, which
    answers with stable codes (`invalid_ppid`, `invalid_users_impacted`, ...)."""

    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=CATEGORY_CHOICES)
    component = serializers.ChoiceField(choices=COMPONENT_CHOICES, required=False, allow_blank=True)
    service_tag = serializers.CharField(required=False, allow_blank=True, max_length=20)
    reseller = serializers.IntegerField(required=False, help_text="Distributors: the reseller it is for.")
    site_address_line1 = serializers.CharField(required=False, allow_blank=True, max_length=200)
    site_address_line2 = serializers.CharField(required=False, allow_blank=True, max_length=200)
    site_city = serializers.CharField(required=False, allow_blank=True, max_length=100)
    site_postal_code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    site_country = serializers.CharField(required=False, allow_blank=True, max_length=2)
    site_timezone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    ppids = serializers.ListField(child=serializers.CharField(max_length=60), required=False, max_length=16)
    users_impacted = serializers.IntegerField(required=False, allow_null=True)
    in_production = serializers.BooleanField(required=False, allow_null=True)
    failure_description = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    troubleshooting_done = serializers.CharField(required=False, allow_blank=True, max_length=20_000)
    customer_available_for_diagnostics = serializers.BooleanField(required=False, allow_null=True)
    diagnostics_unavailable_reason = serializers.CharField(required=False, allow_blank=True, max_length=5_000)
    supportassist_unavailable_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5_000,
        help_text="Hardware cases: why no SupportAssist collection (TSR/DSET) is attached. Recommended (the "
        "checklist warns without it or a zip on the case), never required.",
    )
    escalate = serializers.BooleanField(
        required=False, default=False, help_text="Create and report to MTS at once (checklist must be complete)."
    )
    version = serializers.IntegerField(required=False, help_text="PATCH: the version you last saw (required).")


class TransitionInputSerializer(serializers.Serializer):
    action = serializers.CharField(max_length=40)
    note = serializers.CharField(required=False, allow_blank=True, max_length=20_000, default="")
    version = serializers.IntegerField(help_text="The case version you last saw; a stale one answers 409 conflict.")
    dispatch = serializers.DictField(
        required=False,
        help_text=(
            "escalate_to_dell only: `kind` (`onsite` or `parts_only`), `representative_name`, "
            "`representative_phone`, `representative_email`, `security_requirements`."
        ),
    )


class MoveTeamInputSerializer(serializers.Serializer):
    team = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    version = serializers.IntegerField(help_text="The case version you last saw; a stale one answers 409 conflict.")


class AvailableActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the field named label, not Field.label
    note_required = serializers.BooleanField()
    to_state = serializers.CharField(allow_null=True)

    @staticmethod
    def build(action: Action, state: State) -> dict:
        from cases.workflow import TRANSITIONS

        to = TRANSITIONS.get((state, action))
        return {
            "action": action.value,
            "label": action.label,
            "note_required": action in NOTE_REQUIRED,
            "to_state": to.value if to else None,
        }


class EventSerializer(serializers.ModelSerializer):
    actor = UserRefSerializer(allow_null=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "at", "actor", "action", "from_state", "to_state", "note", "internal", "data"]


class CommentSerializer(serializers.ModelSerializer):
    author = UserRefSerializer(source="actor", allow_null=True)
    body = serializers.CharField(source="note")

    class Meta:
        model = CaseEvent
        fields = ["id", "at", "author", "body", "internal"]


class FollowersSerializer(serializers.Serializer):
    """Who follows a case (anyone who may see it sees who else does), and whether you do."""

    following = serializers.BooleanField()
    followers = UserRefSerializer(many=True)

    @staticmethod
    def build(case, user) -> dict:
        people = list(followers.followers_of(case))
        return FollowersSerializer({"following": any(p.pk == user.pk for p in people), "followers": people}).data


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20_000, allow_blank=True)
    internal = serializers.BooleanField(required=False, default=False, help_text="MTS only: hidden from partners.")


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = UserRefSerializer(allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CaseAttachment
        fields = [
            "id",
            "filename",
            "kind",
            "size",
            "sha256",
            "member_count",
            "uncompressed_bytes",
            "internal",
            "uploaded_by",
            "uploaded_at",
            "download_url",
        ]

    def get_download_url(self, attachment) -> str:
        from django.urls import reverse

        return reverse("case-attachment-download", args=[attachment.case_id, attachment.pk])


class AttachmentInputSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True, help_text=f"One of: {', '.join(k.value for k in AttachmentKind)}"
    )
    internal = serializers.BooleanField(required=False, default=False)
