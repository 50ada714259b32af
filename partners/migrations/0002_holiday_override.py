# Holiday overrides now live in the lowest app (dispatch 0003 copies the old rows here).

import django.db.models.deletion
import partners.validators
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('partners', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='HolidayOverride',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('country', models.CharField(help_text='ISO 3166-1 alpha-2', max_length=2, validators=[partners.validators.validate_calendar_country])),
                ('subdivision', models.CharField(blank=True, help_text='ISO 3166-2, e.g. US-CA; empty = the whole country', max_length=6)),
                ('applies_on', models.DateField(help_text='Site-local calendar date.', verbose_name='date')),
                ('kind', models.CharField(choices=[('closed', 'Closed (not a business day)'), ('open', 'Open (a business day)')], default='closed', max_length=6)),
                ('note', models.CharField(blank=True, help_text="Why, e.g. 'National day of mourning'.", max_length=200)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['country', 'subdivision', 'applies_on'],
                'indexes': [models.Index(fields=['country', 'applies_on'], name='holiday_override_country_on')],
                'constraints': [models.UniqueConstraint(fields=('country', 'subdivision', 'applies_on'), name='holiday_override_unique_day', violation_error_message='This date already has an override for this country and subdivision.'), models.CheckConstraint(condition=models.Q(('kind__in', ['closed', 'open'])), name='holiday_override_kind_known')],
            },
        ),
    ]
