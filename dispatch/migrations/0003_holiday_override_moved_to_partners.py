# Holiday overrides moved to the partners app, below every app whose date rules read them.
# Rows are copied before the old table is dropped, so no override is lost.

from django.db import migrations

FIELDS = ("country", "subdivision", "applies_on", "kind", "note", "updated_at", "updated_by_id")


def copy_overrides(apps, schema_editor):
    old = apps.get_model("dispatch", "HolidayOverride")
    new = apps.get_model("partners", "HolidayOverride")
    new.objects.bulk_create(new(**{name: getattr(row, name) for name in FIELDS}) for row in old.objects.all())


def copy_back(apps, schema_editor):
    old = apps.get_model("dispatch", "HolidayOverride")
    new = apps.get_model("partners", "HolidayOverride")
    old.objects.bulk_create(old(**{name: getattr(row, name) for name in FIELDS}) for row in new.objects.all())


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0002_seed_coverage"),
        ("partners", "0002_holiday_override"),
    ]

    operations = [
        migrations.RunPython(copy_overrides, copy_back),
        migrations.DeleteModel(name="HolidayOverride"),
    ]
