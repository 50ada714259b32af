import django.db.models.deletion
from django.db import migrations, models


def fill_organisation(apps, schema_editor):
    Key = apps.get_model("cases", "CaseIdempotencyKey")
    for row in Key.objects.select_related("user").iterator():
        row.organisation_id = row.user.organisation_id
        row.save(update_fields=["organisation"])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_notification_preferences"),
        ("partners", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="caseidempotencykey", name="case_idempotency_key_unique"),
        migrations.AddField(
            model_name="caseidempotencykey",
            name="organisation",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="partners.organisation"
            ),
        ),
        migrations.AddField(
            model_name="caseidempotencykey",
            name="request_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        # Keys stored before were per user; two users of one organisation may share one, keep the newest.
        migrations.RunPython(fill_organisation, migrations.RunPython.noop),
        migrations.RunSQL(
            "DELETE FROM cases_caseidempotencykey WHERE id NOT IN "
            "(SELECT MAX(id) FROM cases_caseidempotencykey GROUP BY organisation_id, key)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="caseidempotencykey",
            name="organisation",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="partners.organisation"
            ),
        ),
        migrations.AddConstraint(
            model_name="caseidempotencykey",
            constraint=models.UniqueConstraint(fields=("organisation", "key"), name="case_idempotency_org_key_unique"),
        ),
    ]
