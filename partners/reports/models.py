"""The monthly report sent to an organisation: one row per organisation and month, written with its
notifications in one transaction, so that the beat job never sends a month twice (docs/rules.md "Reports")."""

from __future__ import annotations

from django.db import models


class MonthlyReport(models.Model):
    organisation = models.ForeignKey("partners.Organisation", on_delete=models.CASCADE, related_name="monthly_reports")
    month = models.DateField(help_text="The first day of the calendar month reported.")
    created_at = models.DateTimeField()

    class Meta:
        app_label = "partners"
        ordering = ["-month", "organisation_id"]
        constraints = [models.UniqueConstraint(fields=["organisation", "month"], name="monthly_report_once")]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m}"
