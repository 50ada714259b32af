"""Dispatch API shapes: what a dispatch shows (the same to the partner, MTS and Dell: only what Dell needs
of the case and unit, never a comment thread), and one small input serializer per write."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dispatch import workflow as flow
from dispatch.models import (
    MISS_CAUSE_CHOICES,
    NBD_VERDICT_CHOICES,
    OUTCOME_CHOICES,
    Dispatch,
    Fee,
    Part,
    ScheduleChange,
)
from dispatch.services.parts import PART_DETAILS

_DATETIME = serializers.DateTimeField()
_DATE = serializers.DateField()


def _iso(value):
    return None if value is None else _DATETIME.to_representation(value)


class DispatchCaseSerializer(serializers.Serializer):
    """The minimum of the case Dell needs: number, title, component and the site."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    title = serializers.CharField()
    component = serializers.CharField()
    service_tag = serializers.CharField(source="unit.service_tag", default=None)
    unit_model = serializers.CharField(source="unit.model", default=None)
    site_address_line1 = serializers.CharField()
    site_address_line2 = serializers.CharField()
    site_city = serializers.CharField()
    site_postal_code = serializers.CharField()
    site_country = serializers.CharField()
    site_timezone = serializers.CharField()


class PartSerializer(serializers.ModelSerializer):
    return_overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Part
        fields = [
            "id",
            *PART_DETAILS,
            "shipped_on",
            "delivered_on",
            "fitted_on",
            "keep_faulty",
            "return_due_on",
            "returned_on",
            "return_overdue",
        ]
        read_only_fields = fields


class FeeSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True, read_only=True)
    per_contract = serializers.SerializerMethodField()

    class Meta:
        model = Fee
        fields = [
            "id",
            "kind",
            "amount",
            "currency",
            "per_contract",
            "reason",
            "recorded_at",
            "waived_at",
            "waiver_reason",
        ]
        read_only_fields = fields

    def get_per_contract(self, fee: Fee) -> bool:
        return fee.amount is None


class ScheduleChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScheduleChange
        fields = [
            "visit_start_at",
            "visit_end_at",
            "previous_start_at",
            "previous_end_at",
            "agreed_at",
            "days_before",
            "late",
            "fee",
            "note",
            "by_customer",
            "past_target_reason",
            "outcome",
            "outcome_reported_at",
        ]
        read_only_fields = fields


class DispatchListSerializer(serializers.ModelSerializer):
    """A list row; every relation joined by the selector (constant queries per page)."""

    case = DispatchCaseSerializer()
    part_count = serializers.SerializerMethodField()
    has_overdue_part = serializers.SerializerMethodField()
    nbd_guaranteed = serializers.SerializerMethodField()
    nbd_verdict = serializers.ChoiceField(
        choices=NBD_VERDICT_CHOICES,
        read_only=True,
        help_text="docs/rules.md rule 9: pending until the site-local target day ends (or a visit in time is "
        "reported); awaiting_outcome while a visit that started in time is not reported; not_applicable without "
        "an NBD target (parts only, best effort, cancelled before the day).",
    )
    nbd_miss_cause = serializers.ChoiceField(
        choices=MISS_CAUSE_CHOICES,
        allow_blank=True,
        read_only=True,
        help_text="For a missed target, its one cause (rule 9's precedence; the first three are the customer's "
        "side); empty otherwise.",
    )

    class Meta:
        model = Dispatch
        fields = [
            "id",
            "case",
            "kind",
            "state",
            "version",
            "dispatch_number",
            "nbd_target_on",
            "nbd_guaranteed",
            "nbd_missed_at",
            "nbd_verdict",
            "nbd_miss_cause",
            "site_country",
            "site_timezone",
            "visit_start_at",
            "visit_end_at",
            "clearance",
            "part_count",
            "has_overdue_part",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, d: Dispatch) -> dict:
        """Built by hand, as cases' list rows are: Dell's list answers 50 of these a page, and the generic
        field-by-field walk (with a nested serializer for the case) cost more than the SQL. The declared
        fields still describe it in the schema; a test compares both."""
        if type(self) is not DispatchListSerializer:
            return super().to_representation(d)
        case = d.case
        unit = case.unit if case.unit_id else None
        return {
            "id": d.pk,
            "case": {
                "id": case.pk,
                "number": case.number,
                "title": case.title,
                "component": case.component,
                "service_tag": unit.service_tag if unit is not None else None,
                "unit_model": unit.model if unit is not None else None,
                **case.site_address(),
            },
            "kind": d.kind,
            "state": d.state,
            "version": d.version,
            "dispatch_number": d.dispatch_number,
            "nbd_target_on": _DATE.to_representation(d.nbd_target_on) if d.nbd_target_on else None,
            "nbd_guaranteed": self.get_nbd_guaranteed(d),
            "nbd_missed_at": _iso(d.nbd_missed_at),
            "nbd_verdict": d.nbd_verdict,
            "nbd_miss_cause": d.nbd_miss_cause,
            "site_country": d.site_country,
            "site_timezone": d.site_timezone,
            "visit_start_at": _iso(d.visit_start_at),
            "visit_end_at": _iso(d.visit_end_at),
            "clearance": d.clearance,
            "part_count": self.get_part_count(d),
            "has_overdue_part": self.get_has_overdue_part(d),
            "created_at": _iso(d.created_at),
            "updated_at": _iso(d.updated_at),
        }

    def get_part_count(self, dispatch: Dispatch) -> int:
        return int(dispatch.part_count)  # type: ignore[attr-defined]  # annotated by selectors.dispatch_list

    def get_has_overdue_part(self, dispatch: Dispatch) -> bool:
        return bool(dispatch.has_overdue_part)  # type: ignore[attr-defined]  # annotated by the list selector

    def get_nbd_guaranteed(self, dispatch: Dispatch) -> bool:
        """docs/rules.md rule 3: a target is not guaranteed while the site's clearance is pending."""
        return dispatch.nbd_target_on is not None and not dispatch.clearance_enum.pending


class VisitNoteSerializer(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=[("not_business_day", "Not a business day at the site"), ("after_nbd_target", "After the NBD target")]
    )
    message = serializers.CharField()


class DispatchSerializer(DispatchListSerializer):
    parts = PartSerializer(many=True, read_only=True)
    fees = FeeSerializer(many=True, read_only=True)
    schedule_changes = ScheduleChangeSerializer(many=True, read_only=True)
    visit_notes = serializers.SerializerMethodField(
        help_text="docs/rules.md rule 8: what to know about the booked visit (a closed day at the site, past the "
        "NBD target); empty when nothing."
    )

    class Meta(DispatchListSerializer.Meta):
        fields = [
            *DispatchListSerializer.Meta.fields,
            "qualified_at",
            "eligibility",
            "onsite_eligible",
            "nbd_eligible",
            "kyhd_keeps_drive",
            "denial_count",
            "last_denial_reason",
            "representative_name",
            "representative_phone",
            "representative_email",
            "security_requirements",
            "clearance_note",
            "free_window_closes_at",
            "schedule_frozen_at",
            "outcome",
            "outcome_note",
            "finished_at",
            "parts",
            "fees",
            "schedule_changes",
            "visit_notes",
        ]
        read_only_fields = fields

    @extend_schema_field(VisitNoteSerializer(many=True))
    def get_visit_notes(self, dispatch: Dispatch) -> list[dict[str, str]]:
        from dispatch.services import visit_notes

        if dispatch.is_finished:
            return []
        return [{"code": n.code, "message": n.message} for n in visit_notes(dispatch, dispatch.visit_start_at)]

    def get_part_count(self, dispatch: Dispatch) -> int:
        return len(dispatch.parts.all())

    def get_has_overdue_part(self, dispatch: Dispatch) -> bool:
        return any(part.return_overdue for part in dispatch.parts.all())


class DispatchActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a.value, a.label) for a in flow.Action])
    version = serializers.IntegerField(help_text="The dispatch version you last saw; a stale one answers 409.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    dispatch_number = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    visit_start_at = serializers.DateTimeField(required=False, default=None, help_text="ISO 8601 with an offset.")
    visit_end_at = serializers.DateTimeField(required=False, default=None)
    accept_fee = serializers.BooleanField(required=False, default=False)
    outcome = serializers.ChoiceField(choices=OUTCOME_CHOICES, required=False, default="")
    past_target_reason = serializers.CharField(required=False, allow_blank=True, max_length=2_000, default="")


class _WindowSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    visit_start_at = serializers.DateTimeField(help_text="ISO 8601 with an offset; shown site-local.")
    visit_end_at = serializers.DateTimeField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")


class ScheduleSerializer(_WindowSerializer):
    past_target_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=2_000,
        default="",
        help_text="docs/rules.md rule 8: Dell booking the first visit after the NBD target says why (else 400 "
        "`past_target_reason_required`); kept on the schedule history.",
    )


class RescheduleSerializer(_WindowSerializer):
    accept_fee = serializers.BooleanField(
        required=False, default=False, help_text="Accept the late rescheduling fee (rule 4: under 8 days)."
    )


class OutcomeSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=OUTCOME_CHOICES)
    note = serializers.CharField(required=False, allow_blank=True, max_length=10_000, default="")
    fitted_parts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        max_length=4,
        help_text="With `completed` on an onsite dispatch: ids of the listed parts the technician fitted. Each is "
        "delivered on the visit's site-local day (unless delivered before), which starts its faulty part's "
        "10-day return. `unknown_part` for a part not on the dispatch; `fitted_parts_need_completed_visit` with "
        "another outcome.",
    )


class AvailableDispatchActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a response field named like Field.label


class SiteSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    representative_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    representative_phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    representative_email = serializers.EmailField(required=False, allow_blank=True)
    security_requirements = serializers.CharField(required=False, allow_blank=True, max_length=5_000)


class ClearanceSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[a.value for a in flow.ClearanceAction])
    version = serializers.IntegerField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=5_000, default="")


class PartInputSerializer(serializers.Serializer):
    part_number = serializers.CharField(max_length=40)
    description = serializers.CharField(max_length=200)
    quantity = serializers.IntegerField(min_value=1, max_value=20, default=1)
    is_hard_drive = serializers.BooleanField(required=False)
    faulty_ppid = serializers.CharField(required=False, allow_blank=True, max_length=30)
    carrier = serializers.CharField(required=False, allow_blank=True, max_length=60)
    tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    faulty_pickup = serializers.BooleanField(
        required=False, help_text="Arrange the faulty part's pickup; refused for a drive kept under KYHD."
    )


class PartUpdateSerializer(serializers.Serializer):
    """One part step, on a parts-only or an onsite dispatch, in order: shipped (carrier, tracking, date),
    delivered (starts the 10-day return), the faulty part picked up. Out of order: 409 `part_not_shipped`,
    `part_not_delivered`, 400 `delivered_before_shipped`, `picked_up_before_delivered`; a drive kept under KYHD
    cannot be picked up: 409 `kyhd_drive_kept`. Nothing is written when refused."""

    carrier = serializers.CharField(required=False, allow_blank=True, max_length=60)
    tracking_number = serializers.CharField(required=False, allow_blank=True, max_length=60)
    shipped_on = serializers.DateField(required=False)
    delivered_on = serializers.DateField(required=False, help_text="Site-local date; starts the 10-day return.")
    returned_on = serializers.DateField(required=False)
    faulty_ppid = serializers.CharField(required=False, allow_blank=True, max_length=30)


class WaiveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5_000)


class NoteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10_000)
