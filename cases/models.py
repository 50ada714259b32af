"""Support cases, their append-only timeline, attachments, numbering and idempotent creation keys."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from cases.archives import AttachmentKind
from cases.checklist import Category, ChecklistInput, HardwareComponent, Priority, missing_items
from cases.workflow import OPEN_STATES, State, WaitsOn
from husky_support.choices import ChoiceOf
from partners.validators import validate_country, validate_timezone

STATE_CHOICES = [(s.value, s.label) for s in State]
CATEGORY_CHOICES = [(c.value, c.label) for c in Category]
COMPONENT_CHOICES = [(c.value, c.label) for c in HardwareComponent]
PRIORITY_CHOICES = [(p.value, p.label) for p in Priority]

# The states the MTS triage queue shows by default (the open ones past the reseller).
QUEUE_STATES: tuple[str, ...] = tuple(
    s.value for s in (State.L2_MTS_QUEUE, State.L2_MTS_INVESTIGATING, State.AWAITING_PARTNER, State.L3_DELL)
)
# The partial index case_open_sla_idx covers only these rows, so the queue's first page (and the API's
# open cases by SLA) is an index range scan however many closed cases pile up.
OPEN_STATE_VALUES: tuple[str, ...] = tuple(sorted(s.value for s in OPEN_STATES))


# Where the case's unit stands, as the checklist asks for it: a unit's address fields (servicetags), "site_" first.
SITE_ADDRESS_FIELDS = (
    "site_address_line1",
    "site_address_line2",
    "site_city",
    "site_postal_code",
    "site_country",
    "site_timezone",
)


class Case(models.Model):
    """One support incident on a Husky IVO, owned by a reseller and moved along the escalation chain."""

    number = models.CharField(max_length=20, unique=True, editable=False)
    reseller = models.ForeignKey("partners.Organisation", on_delete=models.PROTECT, related_name="cases")
    unit = models.ForeignKey("servicetags.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=200)
    category = models.CharField(max_length=10, choices=CATEGORY_CHOICES)
    component = models.CharField(max_length=20, choices=COMPONENT_CHOICES, blank=True)

    # The MTS checklist (seed). The site address is pre-filled from the unit's registered location.
    site_address_line1 = models.CharField("site address line 1", max_length=200, blank=True)
    site_address_line2 = models.CharField("site address line 2", max_length=200, blank=True)
    site_city = models.CharField(max_length=100, blank=True)
    site_postal_code = models.CharField(max_length=20, blank=True)
    site_country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    site_timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    ppids = models.JSONField(default=list, blank=True, help_text="Normalised drive PPIDs (hard-drive faults).")
    users_impacted = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(1_000_000)])
    in_production = models.BooleanField(null=True, blank=True)
    failure_description = models.TextField(blank=True)
    troubleshooting_done = models.TextField(blank=True)
    customer_available_for_diagnostics = models.BooleanField(null=True, blank=True)
    diagnostics_unavailable_reason = models.TextField(blank=True)
    supportassist_unavailable_reason = models.TextField(
        blank=True, help_text="Why no SupportAssist collection (TSR/DSET) can be attached."
    )

    priority = models.CharField(max_length=12, choices=PRIORITY_CHOICES, default=Priority.P3_NORMAL.value)
    state = models.CharField(max_length=24, choices=STATE_CHOICES, default=State.L1_RESELLER.value)
    # Optimistic concurrency: bumped on every change; a write that carries an older one answers 409.
    version = models.PositiveIntegerField(default=1)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_cases"
    )

    # The MTS team whose business hours the SLA clock runs in (routed by site country, movable by MTS admins).
    team = models.ForeignKey("cases.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="cases")
    # cases.sla: when MTS owes the next answer (None when no MTS clock runs) and the business time left while
    # paused. sla_due_at is whichever of the two targets runs; the triage queue sorts by it.
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_paused_remaining = models.DurationField(null=True, blank=True)
    first_response_due_at = models.DateTimeField(null=True, blank=True)
    next_update_due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    # When the running target has used SLA_NEAR_BREACH_RATIO of its business time; the sweep's other due-time.
    sla_near_at = models.DateTimeField(null=True, blank=True)
    # What the breach sweep already recorded for the running target (cases.sla.Alerted: 0, 1, 2).
    sla_alerted = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True, help_text="First reported to MTS.")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_at_l1 = models.BooleanField(default=False, help_text="The last resolve happened at the reseller.")
    # Set on resolve, cleared on reopen/close: the auto-close sweep is a range query on it.
    auto_close_due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The triage queue's default order (SLA due), over the open states only.
            models.Index(
                fields=["sla_due_at", "id"], name="case_open_sla_idx", condition=Q(state__in=OPEN_STATE_VALUES)
            ),
            # The partner lists and the API's default order, per owning reseller and overall.
            models.Index(fields=["reseller", "-created_at", "-id"], name="case_reseller_created_idx"),
            # The columns the reports count and filter by (README "Reports", speed; the country is MTS's usual filter)
            # carried in the index (`include`): the cases opened in a period (scorecard, repeat units, opened per
            # day) and the open ones (backlog, its age) are read from the index alone, not from table pages
            # scattered over the archive.
            models.Index(
                fields=["-created_at", "-id"],
                name="case_created_idx",
                include=["reseller", "unit", "component", "site_country"],
            ),
            models.Index(
                fields=["state", "-created_at"],
                name="case_state_created_idx",
                include=["id", "team", "reseller", "site_country"],
            ),
            # The dispatch figures filtered by the case's country join the country's cases: read from this index
            # alone, not by a scan of the whole case table.
            models.Index(fields=["site_country", "id"], name="case_site_country_idx"),
            models.Index(fields=["assignee", "state"], name="case_assignee_state_idx"),
            models.Index(
                fields=["auto_close_due_at"],
                name="case_auto_close_due_idx",
                condition=Q(auto_close_due_at__isnull=False),
            ),
            models.Index(fields=["updated_at"], name="case_updated_idx"),
            # The breach sweep's two range scans: only what is due and not yet recorded.
            models.Index(
                fields=["sla_near_at"],
                name="case_sla_near_due_idx",
                condition=Q(sla_alerted=0, sla_near_at__isnull=False),
            ),
            models.Index(
                fields=["sla_due_at"],
                name="case_sla_breach_due_idx",
                condition=Q(sla_alerted__lt=2, sla_due_at__isnull=False),
            ),
            models.Index(fields=["team", "sla_due_at"], name="case_team_sla_idx"),
            # The reports' period ranges: cases that reached MTS (SLA attainment, its breakdowns and durations), and
            # that were resolved, in a period; with the columns those figures read, answered from the index alone.
            models.Index(
                fields=["escalated_at"],
                name="case_escalated_idx",
                condition=Q(escalated_at__isnull=False),
                include=[
                    "id",
                    "reseller",
                    "team",
                    "priority",
                    "site_country",
                    "first_responded_at",
                    "first_response_due_at",
                ],
            ),
            models.Index(
                fields=["resolved_at"],
                name="case_resolved_idx",
                condition=Q(resolved_at__isnull=False),
                include=["id", "reseller", "site_country", "resolved_at_l1"],
            ),
            # Reports (README "Reports", speed): the backlog at a past instant reads the cases not closed by then,
            # the unclosed ones by opening time and the recently closed ones by closing time (a bitmap OR), not the
            # whole archive opened before it; a later case on the same unit and component (first-time fix) is
            # one index range.
            models.Index(fields=["created_at"], name="case_unclosed_created_idx", condition=Q(closed_at__isnull=True)),
            models.Index(fields=["closed_at"], name="case_closed_idx", condition=Q(closed_at__isnull=False)),
            models.Index(
                fields=["unit", "component", "created_at"],
                name="case_unit_component_idx",
                condition=Q(unit__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(name="case_state_valid", condition=Q(state__in=[s.value for s in State])),
            models.CheckConstraint(name="case_category_valid", condition=Q(category__in=[c.value for c in Category])),
            models.CheckConstraint(name="case_priority_valid", condition=Q(priority__in=[p.value for p in Priority])),
        ]

    def __str__(self) -> str:
        return self.number

    state_enum = ChoiceOf("state", State)
    priority_enum = ChoiceOf("priority", Priority)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATE_VALUES

    @property
    def site_country_differs(self) -> bool:
        """The site country given on the case is not the unit's registered country (flagged to MTS)."""
        return bool(
            self.unit_id and self.site_country and self.unit is not None and self.unit.country != self.site_country
        )

    def site_address(self) -> dict[str, str]:
        """The site address by its field names (the case form's and the dispatch list's)."""
        return {name: getattr(self, name) for name in SITE_ADDRESS_FIELDS}

    def checklist_input(self, *, supportassist_attached: bool = False) -> ChecklistInput:
        return ChecklistInput(
            category=Category(self.category),
            component=HardwareComponent(self.component) if self.component else None,
            service_tag=self.unit.service_tag if self.unit_id and self.unit is not None else "",
            site_address_lines=(self.site_address_line1, self.site_address_line2),
            site_city=self.site_city,
            site_postal_code=self.site_postal_code,
            site_country=self.site_country,
            ppids=tuple(self.ppids or ()),
            users_impacted=self.users_impacted,
            in_production=self.in_production,
            failure_description=self.failure_description,
            troubleshooting_done=self.troubleshooting_done,
            customer_available_for_diagnostics=self.customer_available_for_diagnostics,
            diagnostics_unavailable_reason=self.diagnostics_unavailable_reason,
            supportassist_attached=supportassist_attached,
            supportassist_unavailable_reason=self.supportassist_unavailable_reason,
        )

    def checklist_missing(self) -> tuple[str, ...]:
        return missing_items(self.checklist_input())


class Team(models.Model):
    """A regional MTS team (follow-the-sun): its zone, weekly business hours, holiday calendar and members."""

    name = models.CharField(max_length=100, unique=True)
    timezone = models.CharField(max_length=64, validators=[validate_timezone], help_text="IANA time zone")
    # husky_support.business_hours.parse_weekly_hours shape: {"mon": [["08:00", "16:00"]], ...}.
    weekly_hours = models.JSONField(default=dict)
    holiday_country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166-1 alpha-2")
    holiday_subdivision = models.CharField(max_length=10, blank=True, help_text="ISO 3166-2, e.g. US-NY")
    is_default = models.BooleanField(default=False, help_text="Gets the cases of countries no team serves.")
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mts_teams")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="team_one_default"),
        ]

    def __str__(self) -> str:
        return self.name


class TeamCountry(models.Model):
    """A country a team serves; the unique country means one team only."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="countries")
    country = models.CharField(max_length=2, unique=True, validators=[validate_country])

    class Meta:
        ordering = ["country"]

    def __str__(self) -> str:
        return f"{self.country} -> {self.team_id}"


class SlaPolicy(models.Model):
    """The SLA targets of one priority, in business minutes of the owning team (MTS admins edit them)."""

    priority = models.CharField(max_length=12, choices=PRIORITY_CHOICES, unique=True)
    first_response_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    next_update_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["priority"]
        constraints = [
            models.CheckConstraint(
                name="slapolicy_targets_positive",
                condition=Q(first_response_minutes__gt=0, next_update_minutes__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.priority}: {self.first_response_minutes}/{self.next_update_minutes} min"


class CaseNumberCounter(models.Model):
    """The last case number issued per year; incremented under a row lock so numbers never repeat."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class EventKind(models.TextChoices):
    CREATED = "created", "Case opened"
    TRANSITION = "transition", "State change"
    COMMENT = "comment", "Comment"
    ATTACHMENT = "attachment", "Attachment"
    FIELD_CHANGE = "field_change", "Details changed"
    DISPATCH = "dispatch", "Dell dispatch"  # a step of the case's Dell dispatch (the dispatch app writes these)
    SLA_NEAR_BREACH = "sla_near_breach", "SLA near breach"
    SLA_BREACHED = "sla_breached", "SLA breached"


class CaseEvent(models.Model):
    """One entry of a case's append-only timeline: written once by a service, never updated or deleted."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty for the system (e.g. the automatic close).",
    )
    at = models.DateTimeField()
    action = models.CharField(max_length=24, blank=True)
    from_state = models.CharField(max_length=24, choices=STATE_CHOICES, blank=True)
    to_state = models.CharField(max_length=24, choices=STATE_CHOICES, blank=True)
    # The comment text or the transition's note. Plain text; escaped wherever it is shown.
    note = models.TextField(blank=True)
    # MTS-internal: never shown to partners or Dell, never in notifications, the partner API or exports.
    internal = models.BooleanField(default=False)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at", "id"], name="caseevent_case_at_idx"),
            # The reports' SLA misses of a period: only the breach rows.
            models.Index(fields=["at"], name="caseevent_breach_at_idx", condition=Q(kind="sla_breached")),
            # The reports' next updates met or missed in a period: only the MTS answers that decided one.
            models.Index(fields=["at"], name="caseevent_update_at_idx", condition=Q(data__has_key="next_update")),
            # The partner scorecard's escalations returned for missing information in a period: only those rows.
            models.Index(fields=["at"], name="caseevent_return_at_idx", condition=Q(action="return_to_partner")),
        ]
        constraints = [
            models.CheckConstraint(name="caseevent_kind_valid", condition=Q(kind__in=EventKind.values)),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} @ {self.at:%Y-%m-%d %H:%M}"

    @property
    def from_state_label(self) -> str:
        return State(self.from_state).label if self.from_state else ""

    @property
    def to_state_label(self) -> str:
        return State(self.to_state).label if self.to_state else ""


def _attachment_path(instance: CaseAttachment, filename: str) -> str:
    # Never the uploaded name: a random key, no extension, under the case's folder outside the web root.
    return f"cases/{instance.case_id}/{uuid.uuid4().hex}"


class CaseAttachment(models.Model):
    """A file on a case (SupportAssist collection, screenshot, log); downloaded only through a checked view."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=_attachment_path, max_length=200)
    filename = models.CharField(max_length=150, help_text="Sanitised original name, offered on download.")
    kind = models.CharField(max_length=10, choices=[(k.value, k.label) for k in AttachmentKind])
    size = models.PositiveBigIntegerField(validators=[MinValueValidator(1)])
    sha256 = models.CharField(max_length=64)
    member_count = models.PositiveIntegerField(default=0)
    uncompressed_bytes = models.PositiveBigIntegerField(default=0)
    internal = models.BooleanField(default=False, help_text="MTS-internal: hidden from partners.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["case", "uploaded_at"], name="caseattachment_case_idx")]

    def __str__(self) -> str:
        return self.filename


class CaseIdempotencyKey(models.Model):
    """`Idempotency-Key` of a case creation, per organisation: a retry with the same key and body returns the
    first case; the same key with another body is refused. Keys expire after CASES_IDEMPOTENCY_KEY_HOURS."""

    organisation = models.ForeignKey("partners.Organisation", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # SHA-256 of the request body in canonical JSON: tells a retry from a different request under one key.
    request_hash = models.CharField(max_length=64, blank=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "key"], name="case_idempotency_org_key_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.key}"


class CaseFollower(models.Model):
    """Someone who hears of a case's public replies and steps (partners.notifications.table "followers"):
    by the button, by opening, being assigned or commenting, or by their organisation's default."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followed_cases")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_follower_once")]
        indexes = [models.Index(fields=["user", "case"], name="case_follower_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} follows {self.case_id}"


class CaseView(models.Model):
    """When a person last opened a case: its timeline marks what others wrote since, and the case list
    and the queue show a "new activity" dot until they open it again."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "case"], name="case_view_once")]

    def __str__(self) -> str:
        return f"{self.user_id} opened {self.case_id} at {self.seen_at}"


class BacklogSnapshot(models.Model):
    """The backlog figure's daily rollup (cases.rollups): the open cases at the midnight ending `day` in `zone`
    (a zone some viewer reads reports in) were counted, once. Its BacklogCount rows hold the counts; a day
    without a snapshot is counted from the cases directly."""

    zone = models.CharField(max_length=64, validators=[validate_timezone])
    day = models.DateField()
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["zone", "day"], name="backlog_snapshot_once")]

    def __str__(self) -> str:
        return f"backlog at the end of {self.day} ({self.zone})"


class BacklogCount(models.Model):
    """Open cases at a snapshot's instant per state, who they wait on and reseller: the reseller is the one filter
    dimension a case never changes (team, priority, the site's country and the checklist's fields can be edited
    while it is open, so those filters read the cases themselves)."""

    snapshot = models.ForeignKey(BacklogSnapshot, on_delete=models.CASCADE, related_name="counts")
    state = models.CharField(max_length=24, choices=STATE_CHOICES)
    waits_on = models.CharField(max_length=12, choices=WaitsOn.choices)
    reseller = models.ForeignKey("partners.Organisation", on_delete=models.CASCADE, related_name="+")
    cases = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.cases} {self.state} at {self.snapshot_id}"
