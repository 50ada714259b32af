"""Seed the coverage table with SAMPLE data for a broad set of countries.

These values are illustrative, not Dell's contract: MTS admins correct them in the admin or through
PUT /api/v1/coverage/{country}/. Existing rows are never overwritten, so re-running is harmless.
"""

import datetime

from django.db import migrations

NOTE = "Sample data seeded at install; verify against the Dell service contract."

# country, onsite, NBD, KYHD, cut-off (site-local)
SAMPLE_COVERAGE = [
    # Nordics
    ("DK", True, True, True, "17:00"), ("SE", True, True, True, "17:00"), ("NO", True, True, True, "17:00"),
    ("FI", True, True, True, "17:00"), ("IS", True, False, True, "15:00"),
    # Rest of Europe
    ("DE", True, True, True, "17:00"), ("FR", True, True, True, "17:00"), ("NL", True, True, True, "17:00"),
    ("BE", True, True, True, "17:00"), ("LU", True, True, True, "17:00"), ("AT", True, True, True, "17:00"),
    ("CH", True, True, True, "17:00"), ("IE", True, True, True, "17:00"), ("GB", True, True, True, "17:00"),
    ("ES", True, True, True, "17:00"), ("PT", True, True, True, "17:00"), ("IT", True, True, True, "17:00"),
    ("PL", True, True, True, "17:00"), ("CZ", True, True, True, "17:00"), ("HU", True, True, False, "16:00"),
    ("GR", True, False, True, "16:00"), ("RO", True, False, False, "16:00"), ("TR", True, True, False, "16:00"),
    # Americas
    ("US", True, True, True, "17:00"), ("CA", True, True, True, "17:00"), ("MX", True, True, False, "16:00"),
    ("BR", True, True, False, "16:00"), ("AR", True, False, False, "15:00"), ("CL", True, True, False, "16:00"),
    ("CO", True, False, False, "15:00"), ("PE", False, False, False, "15:00"),
    # Asia-Pacific
    ("AU", True, True, True, "17:00"), ("NZ", True, True, True, "17:00"), ("JP", True, True, True, "16:00"),
    ("KR", True, True, True, "16:00"), ("SG", True, True, True, "17:00"), ("HK", True, True, True, "17:00"),
    ("IN", True, True, False, "15:00"), ("CN", True, True, False, "16:00"), ("MY", True, True, False, "16:00"),
    ("TH", True, False, False, "15:00"), ("PH", True, False, False, "15:00"),
    # Middle East and Africa (SA, IL, QA: other weekend days than Saturday-Sunday)
    ("AE", True, True, True, "17:00"), ("SA", True, True, False, "16:00"), ("IL", True, True, True, "16:00"),
    ("QA", True, False, False, "15:00"), ("ZA", True, True, True, "17:00"), ("EG", True, False, False, "15:00"),
    ("NG", False, False, False, "15:00"), ("KE", False, False, False, "15:00"),
]  # fmt: skip


def seed(apps, schema_editor):
    Coverage = apps.get_model("dispatch", "Coverage")
    for country, onsite, nbd, kyhd, cutoff in SAMPLE_COVERAGE:
        Coverage.objects.get_or_create(
            country=country,
            defaults={
                "onsite_available": onsite,
                "nbd_available": nbd,
                "kyhd_available": kyhd,
                "cutoff": datetime.time.fromisoformat(cutoff),
                "notes": NOTE,
            },
        )


def unseed(apps, schema_editor):
    Coverage = apps.get_model("dispatch", "Coverage")
    Coverage.objects.filter(notes=NOTE, updated_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
