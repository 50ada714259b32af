"""Dell coverage per country and the dispatches of Dell work on a case."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from dispatch.eligibility import DEFAULT_CUTOFF, CoverageTerms
from partners.validators import validate_calendar_country


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
