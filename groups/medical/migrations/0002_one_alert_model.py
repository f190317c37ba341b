"""One alert model, part 1: the alert gains what the other groups' reports
had (a room without a person, a note, who reported it, the meal or incident
it came from). Part 2 (0003) copies the reports and drops their table: on
PostgreSQL rows cannot be written in the migration that adds the indexes
and foreign keys of the same table."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catering', '0001_initial'),
        ('medical', '0001_initial'),
        ('rooms', '0007_group_apps'),
        ('security', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='alert',
            name='incident',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='security.incident'),
        ),
        migrations.AddField(
            model_name='alert',
            name='meal_delivery',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catering.mealdelivery'),
        ),
        migrations.AddField(
            model_name='alert',
            name='note',
            field=models.CharField(blank=True, max_length=300, verbose_name='note'),
        ),
        migrations.AddField(
            model_name='alert',
            name='raised_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AlterField(
            model_name='alert',
            name='kind',
            field=models.CharField(choices=[('positive', 'positive result'), ('corrected', 'result corrected'), ('fever', 'fever'), ('symptoms', 'symptoms'), ('distressed', 'distressed'), ('meal_refused', 'meal refused'), ('medical_emergency', 'medical emergency')], max_length=20),
        ),
        migrations.AlterField(
            model_name='alert',
            name='person',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.person'),
        ),
    ]
