"""Dell coverage per country and admin holiday overrides. (The Dispatch model arrives with the dispatch issue.)"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from dispatch.calendar import CalendarError, business_calendar
from dispatch.eligibility import DEFAULT_CUTOFF, CoverageTerms
from partners.validators import validate_country


def validate_calendar_country(value: str) -> None:
    """A coverage country must be ISO 3166-1 alpha-2 AND have a business calendar (so NBD can be computed)."""
    validate_country(value)
    try:
        business_calendar(value)
    except CalendarError as exc:
        raise ValidationError(str(exc), code="unknown_country") from exc


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


class OverrideKind(models.TextChoices):
    CLOSED = "closed", "Closed (not a business day)"
    OPEN = "open", "Open (a business day)"


class HolidayOverride(models.Model):
    """An admin correction to a country's (or subdivision's) business calendar on one date."""

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
        indexes = [models.Index(fields=["country", "applies_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "subdivision", "applies_on"],
                name="holiday_override_one_per_day",
                violation_error_message="This date already has an override for this country and subdivision.",
            ),
            models.CheckConstraint(
                name="holiday_override_kind_valid", condition=Q(kind__in=[k.value for k in OverrideKind])
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
