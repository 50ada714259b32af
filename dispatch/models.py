"""Dell coverage per country and the dispatches of Dell work on a case."""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from dispatch.eligibility import DEFAULT_CUTOFF, CoverageTerms
from dispatch.nbd import MissCause, NbdVerdict
from dispatch.workflow import FINISHED_STATES, Clearance, DispatchKind, FeeKind, Outcome
from dispatch.workflow import State as DispatchState
from husky_support.choices import ChoiceOf
from partners.validators import validate_calendar_country, validate_timezone


class Coverage(models.Model):
    """What Dell offers in one country: onsite, NBD onsite, Keep Your Hard Drive, and the local cut-off."""

    country = models.CharField(
        max_length=2, primary_key=True, validators=[validate_calendar_country], help_text="ISO 3166-1 alpha-2"
    )
    onsite_available = models.BooleanField("onsite service", default=True)
    nbd_available = models.BooleanField("next-business-day onsite", default=True)
    kyhd_available = models.BooleanField("Keep Your Hard Drive", default=True)
    cutoff = models.TimeField(
        "local cut-off",
        default=DEFAULT_CUTOFF,
        help_text="Site-local time; a request at or after it counts as received on the next business day.",
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["country"]
        verbose_name_plural = "coverage"
        indexes = [models.Index(fields=["onsite_available", "nbd_available"])]

    def __str__(self) -> str:
        return self.country

    def clean(self) -> None:
        super().clean()
        self.country = (self.country or "").strip().upper()
        if self.cutoff is not None and self.cutoff.tzinfo is not None:
            raise ValidationError({"cutoff": "The cut-off is a site-local wall-clock time without a zone."})

    @property
    def terms(self) -> CoverageTerms:
        """The pure value the eligibility rules read."""
        return CoverageTerms(
            onsite_available=self.onsite_available,
            nbd_available=self.nbd_available,
            kyhd_available=self.kyhd_available,
            cutoff=self.cutoff,
        )


def _choices(enum: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.label) for member in enum]  # type: ignore[attr-defined]  # our enums have labels


DISPATCH_STATES = [state.value for state in DispatchState]
# Sorted: the partial indexes' conditions must not change between runs (a set's order does).
OPEN_STATE_VALUES = sorted(s.value for s in DispatchState if s not in FINISHED_STATES)
# One choice list per enum, used by the model, the API's filters and serializers (one schema enum each).
DISPATCH_KIND_CHOICES = _choices(DispatchKind)
DISPATCH_STATE_CHOICES = _choices(DispatchState)
OUTCOME_CHOICES = _choices(Outcome)
FEE_KIND_CHOICES = _choices(FeeKind)
CLEARANCE_CHOICES = _choices(Clearance)
NBD_VERDICT_CHOICES = _choices(NbdVerdict)
MISS_CAUSE_CHOICES = _choices(MissCause)


class Dispatch(models.Model):
    """Dell work on a case: an onsite technician and/or parts, with the eligibility at qualification frozen."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="dispatches")
    dell_org = models.ForeignKey(
        "partners.Organisation", on_delete=models.PROTECT, related_name="dispatches", help_text="The Dell team."
    )
    kind = models.CharField(max_length=12, choices=DISPATCH_KIND_CHOICES, default=DispatchKind.ONSITE.value)
    state = models.CharField(max_length=16, choices=DISPATCH_STATE_CHOICES, default=DispatchState.REQUESTED.value)
    version = models.PositiveIntegerField(default=1)
    dispatch_number = models.CharField("Dell dispatch number", max_length=40, blank=True)
    denial_count = models.PositiveSmallIntegerField(default=0)
    last_denial_reason = models.TextField(blank=True)

    # The eligibility answer at the moment MTS qualified the incident (rule 1): never recomputed.
    qualified_at = models.DateTimeField()
    eligibility = models.JSONField(default=dict, help_text="Snapshot of the eligibility answer at qualification.")
    onsite_eligible = models.BooleanField(default=False)
    nbd_eligible = models.BooleanField(default=False)
    kyhd_keeps_drive = models.BooleanField(default=False, help_text="KYHD purchased and eligible at qualification.")
    nbd_target_on = models.DateField("NBD target", null=True, blank=True, help_text="Site-local date.")
    site_timezone = models.CharField(max_length=64, validators=[validate_timezone])
    site_country = models.CharField(max_length=2)

    representative_name = models.CharField("authorised representative", max_length=200, blank=True)
    representative_phone = models.CharField(max_length=40, blank=True)
    representative_email = models.EmailField(blank=True)
    security_requirements = models.TextField(blank=True)
    clearance = models.CharField(max_length=10, choices=CLEARANCE_CHOICES, default=Clearance.NONE.value)
    clearance_note = models.TextField(blank=True, help_text="Dell's answer to the special request.")

    visit_start_at = models.DateTimeField(null=True, blank=True)
    visit_end_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=OUTCOME_CHOICES, blank=True)
    outcome_note = models.TextField(blank=True)

    # Indexed due-times of the sweeps (rule 4 and the NBD watch), set when the state that needs them is entered.
    window_reminder_due_at = models.DateTimeField(null=True, blank=True)
    window_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    free_window_closes_at = models.DateTimeField(null=True, blank=True)
    schedule_frozen_at = models.DateTimeField(null=True, blank=True)
    nbd_missed_due_at = models.DateTimeField(null=True, blank=True, help_text="End of the site-local target day.")
    nbd_missed_at = models.DateTimeField(null=True, blank=True, help_text="When the target was decided missed.")
    # docs/rules.md rule 9: the verdict and the cause of a miss, kept by the services at every step that changes
    # them and by the end-of-target-day sweep; what the dashboards and reports count.
    nbd_verdict = models.CharField(max_length=16, choices=NBD_VERDICT_CHOICES, default=NbdVerdict.PENDING.value)
    nbd_miss_cause = models.CharField(max_length=24, choices=MISS_CAUSE_CHOICES, blank=True)
    nbd_decided_at = models.DateTimeField(null=True, blank=True)
    # The moments rule 9 reads (set by the services when they happen).
    accepted_at = models.DateTimeField(null=True, blank=True, help_text="Dell accepted the dispatch.")
    first_denied_at = models.DateTimeField(null=True, blank=True)
    clearance_accepted_at = models.DateTimeField(null=True, blank=True)
    representative_named_at = models.DateTimeField(null=True, blank=True)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Read by the reports on every dispatch of a period, so kept here rather than looked up per row: the case's
    # unit and component (first-time fix), team and arrival at MTS (time to dispatch), equal to the case's at all
    # times (set at creation, followed by every case write that changes one through cases.hooks.case_changed),
    # and the first Dell acceptance on the case at or after this dispatch's request (time to dispatch; set by
    # the acceptance that writes that timeline row).
    unit = models.ForeignKey(
        "servicetags.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,  # dispatch_unit_component_idx
        help_text="The case's unit (a copy).",
    )
    component = models.CharField(max_length=20, blank=True, editable=False, help_text="The case's component (a copy).")
    team = models.ForeignKey(
        "cases.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        db_index=False,  # read with the dispatch row, never searched by
        help_text="The case's MTS team (a copy).",
    )
    escalated_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the case first reached MTS (a copy)."
    )
    first_accepted_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="The case's first Dell acceptance since this request."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["case", "-created_at"], name="dispatch_case_idx"),
            models.Index(fields=["dell_org", "state", "nbd_target_on"], name="dispatch_dell_queue_idx"),
            # The lists' default order (NBD target, then oldest), per Dell organisation: the API's list (every
            # state) and Dell's queue page (the open ones) read their page straight off an index, whatever the
            # number of dispatches.
            models.Index(fields=["dell_org", "nbd_target_on", "created_at", "id"], name="dispatch_dell_nbd_idx"),
            models.Index(
                fields=["dell_org", "nbd_target_on", "created_at", "id"],
                name="dispatch_dell_open_nbd_idx",
                condition=Q(state__in=OPEN_STATE_VALUES),
            ),
            # The triage queue's "NBD missed" flag: only the few open dispatches that missed their target.
            models.Index(
                fields=["case"],
                name="dispatch_open_nbd_missed_idx",
                condition=Q(nbd_missed_at__isnull=False, state__in=OPEN_STATE_VALUES),
            ),
            # The dashboard's and the reports' NBD counts by verdict and cause, per target day.
            models.Index(fields=["nbd_verdict", "nbd_miss_cause", "nbd_target_on"], name="dispatch_nbd_verdict_idx"),
            models.Index(
                fields=["nbd_target_on", "site_country"],
                name="dispatch_nbd_decided_idx",
                condition=Q(nbd_verdict__in=[NbdVerdict.MET.value, NbdVerdict.MISSED.value]),
            ),
            # The reports' period ranges: dispatches requested, and finished, in a period.
            models.Index(fields=["created_at"], name="dispatch_created_idx"),
            models.Index(fields=["finished_at"], name="dispatch_finished_idx", condition=Q(finished_at__isnull=False)),
            # First-time fix: a later dispatch on the same unit and component, one index range per completion.
            models.Index(
                fields=["unit", "component", "created_at"],
                name="dispatch_unit_component_idx",
                condition=Q(unit__isnull=False),
            ),
            models.Index(
                fields=["window_reminder_due_at"],
                name="dispatch_window_reminder_due",
                condition=Q(window_reminder_sent_at__isnull=True, window_reminder_due_at__isnull=False),
            ),
            models.Index(
                fields=["free_window_closes_at"],
                name="dispatch_freeze_due",
                condition=Q(schedule_frozen_at__isnull=True, free_window_closes_at__isnull=False),
            ),
            models.Index(
                fields=["nbd_missed_due_at"],
                name="dispatch_nbd_missed_due",
                condition=Q(nbd_decided_at__isnull=True, nbd_missed_due_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="dispatch_state_known", condition=Q(state__in=[s.value for s in DispatchState])
            ),
            models.CheckConstraint(name="dispatch_kind_known", condition=Q(kind__in=[k.value for k in DispatchKind])),
            models.CheckConstraint(
                name="dispatch_nbd_verdict_known", condition=Q(nbd_verdict__in=[v.value for v in NbdVerdict])
            ),
            models.CheckConstraint(
                name="dispatch_nbd_cause_only_when_missed",
                condition=Q(nbd_miss_cause="") | Q(nbd_verdict=NbdVerdict.MISSED.value),
            ),
            models.CheckConstraint(
                name="dispatch_visit_ends_after_start",
                condition=Q(visit_start_at__isnull=True) | Q(visit_end_at__gt=models.F("visit_start_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"Dispatch {self.pk} on {self.case_id} ({self.state})"

    state_enum = ChoiceOf("state", DispatchState)
    kind_enum = ChoiceOf("kind", DispatchKind)
    clearance_enum = ChoiceOf("clearance", Clearance)
    nbd_verdict_enum = ChoiceOf("nbd_verdict", NbdVerdict)

    @property
    def nbd_miss_cause_enum(self) -> MissCause | None:
        return MissCause(self.nbd_miss_cause) if self.nbd_miss_cause else None

    @property
    def is_finished(self) -> bool:
        return self.state_enum in FINISHED_STATES

    @property
    def representative_named(self) -> bool:
        return bool(self.representative_name.strip() and self.representative_phone.strip())


class ScheduleChange(models.Model):
    """One booking or change of a dispatch's visit window (append-only history)."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="schedule_changes")
    visit_start_at = models.DateTimeField()
    visit_end_at = models.DateTimeField()
    previous_start_at = models.DateTimeField(null=True, blank=True)
    previous_end_at = models.DateTimeField(null=True, blank=True)
    agreed_at = models.DateTimeField()
    days_before = models.IntegerField(
        null=True, blank=True, help_text="Site-local days from agreement to the old visit."
    )
    late = models.BooleanField(default=False)
    fee = models.ForeignKey("Fee", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    note = models.TextField(blank=True)
    by_customer = models.BooleanField(default=False, help_text="Asked by the partner (the customer's side).")
    past_target_reason = models.TextField(blank=True, help_text="Why Dell booked the first visit after the target.")
    # The visit this booking led to, once the technician reported it (docs/rules.md rule 9 reads these).
    outcome = models.CharField(max_length=24, choices=OUTCOME_CHOICES, blank=True)
    outcome_reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["agreed_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispatch_id}: {self.visit_start_at:%Y-%m-%d %H:%M}"


class Part(models.Model):
    """A replacement part shipped on a dispatch, and the faulty part to return (or keep, with KYHD)."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="parts")
    part_number = models.CharField(max_length=40)
    description = models.CharField(max_length=200)
    quantity = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(20)])
    is_hard_drive = models.BooleanField(default=False)
    faulty_ppid = models.CharField("faulty drive PPID", max_length=23, blank=True)
    carrier = models.CharField(max_length=60, blank=True)
    tracking_number = models.CharField(max_length=60, blank=True)
    shipped_on = models.DateField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True, help_text="Site-local date.")
    fitted_on = models.DateField(
        null=True, blank=True, help_text="Site-local date the technician fitted it on an onsite visit."
    )
    # docs/rules.md "Dispatch": the faulty part goes back within 10 days of the replacement's delivery; a hard drive
    # stays with the customer when KYHD was purchased and eligible at qualification.
    keep_faulty = models.BooleanField(default=False, help_text="Kept by the customer (KYHD).")
    return_due_on = models.DateField(null=True, blank=True, help_text="Site-local date.")
    return_warning_due_at = models.DateTimeField(null=True, blank=True)
    return_warned_at = models.DateTimeField(null=True, blank=True)
    return_overdue_at = models.DateTimeField(null=True, blank=True, help_text="End of the site-local due date.")
    return_flagged_at = models.DateTimeField(null=True, blank=True)
    returned_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            # The lists' "part overdue" flag and filter: only the parts flagged overdue and not yet returned.
            models.Index(
                fields=["dispatch"],
                name="part_overdue_idx",
                condition=Q(return_flagged_at__isnull=False, returned_on__isnull=True),
            ),
            models.Index(
                fields=["return_warning_due_at"],
                name="part_return_warning_due",
                condition=Q(
                    return_warned_at__isnull=True, returned_on__isnull=True, return_warning_due_at__isnull=False
                ),
            ),
            models.Index(
                fields=["return_overdue_at"],
                name="part_return_overdue_due",
                condition=Q(return_flagged_at__isnull=True, returned_on__isnull=True)
                & Q(return_overdue_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_number} × {self.quantity}"

    @property
    def return_overdue(self) -> bool:
        return self.return_flagged_at is not None and self.returned_on is None


class Fee(models.Model):
    """A fee assessed on a dispatch, with its reason; waivable by MTS admins (the waiver is kept)."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="fees")
    kind = models.CharField(max_length=40, choices=FEE_KIND_CHOICES)
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="Empty: per contract."
    )
    currency = models.CharField(max_length=3, blank=True)
    reason = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    waiver_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(name="fee_kind_known", condition=Q(kind__in=[k.value for k in FeeKind])),
            models.CheckConstraint(name="fee_amount_not_negative", condition=Q(amount__isnull=True) | Q(amount__gte=0)),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on dispatch {self.dispatch_id}"

    kind_enum = ChoiceOf("kind", FeeKind)
