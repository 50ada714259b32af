"""Organisations (reseller, distributor, MTS, Dell), their users and their API tokens."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from knox.models import AbstractAuthToken

from husky_support.calendar import CalendarError, business_calendar
from husky_support.geo import timezone_fits_country
from partners.kinds import OrgKind, Role
from partners.validators import validate_calendar_country, validate_country, validate_timezone


class Organisation(models.Model):
    """A company in the support chain; every user belongs to exactly one."""

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=OrgKind.choices)
    country = models.CharField(max_length=2, validators=[validate_country], help_text="ISO 3166-1 alpha-2")
    timezone = models.CharField(max_length=64, validators=[validate_timezone], help_text="IANA time zone")
    distributor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resellers",
        limit_choices_to={"kind": OrgKind.DISTRIBUTOR.value},
        help_text="The distributor a reseller buys through (resellers only).",
    )
    is_active = models.BooleanField(default=True)
    # Set by the organisation's admin: its people follow every case of the organisation from its opening.
    follow_all_cases = models.BooleanField(default=False)
    # Set by the organisation's admin: its people get the monthly report by email on the first business day of
    # each month in the organisation's zone (docs/rules.md "Reports").
    monthly_report = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["kind", "name"])]
        constraints = [
            models.CheckConstraint(
                name="org_kind_valid",
                condition=Q(kind__in=[kind.value for kind in OrgKind]),
            ),
            # A reseller always sits under a distributor; nobody else does.
            models.CheckConstraint(
                name="org_reseller_has_distributor",
                condition=(
                    Q(kind=OrgKind.RESELLER.value, distributor__isnull=False)
                    | (~Q(kind=OrgKind.RESELLER.value) & Q(distributor__isnull=True))
                ),
                violation_error_message="A reseller must have a distributor, and only a reseller has one.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def org_kind(self) -> OrgKind:
        return OrgKind(self.kind)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.country:
            self.country = self.country.strip().upper()
        if (
            self.kind == OrgKind.RESELLER
            and self.distributor_id
            and self.distributor is not None
            and self.distributor.kind != OrgKind.DISTRIBUTOR
        ):
            errors["distributor"] = "A reseller's distributor must be an organisation of kind distributor."
        if self.kind == OrgKind.RESELLER and not self.distributor_id:
            errors["distributor"] = "A reseller must belong to a distributor."
        if self.kind != OrgKind.RESELLER and self.distributor_id:
            errors["distributor"] = "Only a reseller belongs to a distributor."
        if self.country and self.timezone and not timezone_fits_country(self.timezone, self.country):
            errors["timezone"] = f"{self.timezone} is not a time zone of {self.country}."
        if errors:
            raise ValidationError(errors)


class User(AbstractUser):
    """A person; belongs to one organisation as agent or admin (platform superusers may have none)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT.value)
    # Profile: the zone times are shown and digests are sent in (empty = the organisation's), and language.
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    language = models.CharField(max_length=10, blank=True, default="en")

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(name="user_role_valid", condition=Q(role__in=[r.value for r in Role])),
        ]

    @property
    def org_kind(self) -> OrgKind | None:
        if self.organisation_id is None or self.organisation is None:
            return None
        return OrgKind(self.organisation.kind)

    @property
    def is_org_admin(self) -> bool:
        return self.organisation_id is not None and self.role == Role.ADMIN

    @property
    def viewer_timezone(self) -> str:
        if self.timezone:
            return self.timezone
        return self.organisation.timezone if self.organisation_id and self.organisation is not None else "UTC"


class ApiToken(AbstractAuthToken):
    """An API token; only its SHA-512 digest is stored, the key is shown once at creation."""

    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'ERP integration'.")
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"


class OverrideKind(models.TextChoices):
    CLOSED = "closed", "Closed (not a business day)"
    OPEN = "open", "Open (a business day)"


class HolidayOverride(models.Model):
    """An admin correction to a country's (or subdivision's) business calendar on one date.

    Lives in the lowest app because every date rule reads it: NBD targets, transfer deadlines, SLA hours."""

    country = models.CharField(max_length=2, validators=[validate_calendar_country], help_text="ISO 3166-1 alpha-2")
    subdivision = models.CharField(
        max_length=6, blank=True, help_text="ISO 3166-2, e.g. US-CA; empty = the whole country"
    )
    applies_on = models.DateField("date", help_text="Site-local calendar date.")
    kind = models.CharField(max_length=6, choices=OverrideKind.choices, default=OverrideKind.CLOSED)
    note = models.CharField(max_length=200, blank=True, help_text="Why, e.g. 'National day of mourning'.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["country", "subdivision", "applies_on"]
        indexes = [models.Index(fields=["country", "applies_on"], name="holiday_override_country_on")]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "subdivision", "applies_on"],
                name="holiday_override_unique_day",
                violation_error_message="This date already has an override for this country and subdivision.",
            ),
            models.CheckConstraint(
                name="holiday_override_kind_known", condition=Q(kind__in=[k.value for k in OverrideKind])
            ),
        ]

    def __str__(self) -> str:
        where = self.subdivision or self.country
        return f"{where} {self.applies_on}: {self.kind}"

    def clean(self) -> None:
        super().clean()
        self.country = (self.country or "").strip().upper()
        self.subdivision = (self.subdivision or "").strip().upper()
        if self.country and self.subdivision:
            try:
                canonical = business_calendar(self.country, self.subdivision).subdivision
            except CalendarError as exc:
                raise ValidationError({"subdivision": ValidationError(str(exc), code=exc.code)}) from exc
            # Stored in ISO 3166-2 form ("US-CA"), as units store theirs, so the two match.
            self.subdivision = f"{self.country}-{canonical}"


class SecurityEventKind(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "locked_out", "Locked out after failed sign-ins"
    TWO_FACTOR_ON = "two_factor_on", "Two-factor sign-in turned on"
    TWO_FACTOR_OFF = "two_factor_off", "Two-factor sign-in turned off"
    RECOVERY_CODES = "recovery_codes", "New recovery codes"
    TOKEN_CREATED = "token_created", "API token created"
    TOKEN_REVOKED = "token_revoked", "API token revoked"
    PASSWORD_CHANGED = "password_changed", "Password changed"


class SecurityEvent(models.Model):
    """Append-only security log of a user (sign-ins, failures, 2FA and token changes), read by org admins."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # A failed sign-in names a username that may not exist; it is kept as typed.
    username = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=SecurityEventKind.choices)
    at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organisation", "-at"], name="securityevent_org_at_idx"),
            models.Index(fields=["user", "kind", "ip_address"], name="securityevent_user_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.kind} {self.at:%Y-%m-%d %H:%M}"


# The outbox and webhook models live in their own module; importing them here registers them with the app.
from partners.integrations.models import (  # noqa: E402
    DeliveryAttempt,
    Event,
    EventRecipient,
    EventSequence,
    WebhookDelivery,
    WebhookEndpoint,
)

__all__ = [
    "ApiToken",
    "DeliveryAttempt",
    "Event",
    "EventRecipient",
    "EventSequence",
    "HolidayOverride",
    "Organisation",
    "OverrideKind",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
]


class ReferenceTable(models.TextChoices):
    COVERAGE = "coverage", "Coverage"
    HOLIDAY_OVERRIDE = "holiday_override", "Holiday override"


class ChangeAction(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    DELETED = "deleted", "Deleted"


class ReferenceChange(models.Model):
    """Append-only history of the reference tables MTS admins edit: one row per changed field (or per
    created/deleted row), written by the same services as the pages and the API."""

    table = models.CharField(max_length=20, choices=ReferenceTable.choices)
    subject = models.CharField(max_length=40, help_text="What changed, e.g. 'DK' or 'US-CA 2026-12-24'.")
    country = models.CharField(max_length=2)
    action = models.CharField(max_length=7, choices=ChangeAction.choices)
    field = models.CharField(max_length=40, blank=True)
    old_value = models.CharField(max_length=2000, blank=True)
    new_value = models.CharField(max_length=2000, blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["table", "-changed_at"], name="reference_change_table_at")]
        constraints = [
            models.CheckConstraint(
                name="reference_change_action_known", condition=Q(action__in=[a.value for a in ChangeAction])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.action} {self.field}".strip()


from partners.notifications.models import (  # noqa: E402 - the notification path's models belong to this app
    Notification,
    NotificationPreference,
)

__all__ += ["Notification", "NotificationPreference"]

from partners.reports.models import MonthlyReport  # noqa: E402 - the reports' stored sends belong to this app

__all__ += ["MonthlyReport"]
