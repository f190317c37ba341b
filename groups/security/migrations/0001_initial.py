"""The security group's models, moved here from ``rooms`` with their tables.

State only: the tables were created by ``rooms``' migrations and keep their
names (``rooms_*``), so a database made before the group apps keeps every row
and foreign key. Content types follow the models, so permissions and the
admin's log stay attached.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from rooms.migrations._moves import create_table_if_missing, relabel_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('rooms', '0007_group_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='CheckpointEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('kind', models.CharField(choices=[('person', 'person'), ('vehicle', 'vehicle'), ('delivery', 'delivery')], default='person', max_length=10, verbose_name='kind')),
                        ('name', models.CharField(help_text='A name, or a plate number.', max_length=60, verbose_name='who or which vehicle')),
                        ('purpose', models.CharField(max_length=100, verbose_name='purpose')),
                        ('entered_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='in')),
                        ('left_at', models.DateTimeField(blank=True, null=True, verbose_name='out')),
                        ('entered_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('left_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'checkpoint entry',
                        'verbose_name_plural': 'checkpoint log',
                        'db_table': 'rooms_checkpointentry',
                        'indexes': [models.Index(fields=['site', 'left_at'], name='rooms_check_site_id_bb2451_idx')],
                    },
                ),
                migrations.CreateModel(
                    name='Incident',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('kind', models.CharField(choices=[('door_opened', 'door opened'), ('left_room', 'person left the room'), ('conflict', 'conflict'), ('medical_emergency', 'medical emergency'), ('other', 'other')], max_length=20, verbose_name='what happened')),
                        ('severity', models.CharField(choices=[('low', 'minor'), ('medium', 'serious'), ('high', 'critical')], default='medium', max_length=8, verbose_name='severity')),
                        ('status', models.CharField(choices=[('open', 'open'), ('resolved', 'resolved')], default='open', max_length=10, verbose_name='status')),
                        ('floor', models.SmallIntegerField(blank=True, null=True, verbose_name='floor')),
                        ('description', models.CharField(max_length=300, verbose_name='description')),
                        ('reported_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('resolved_at', models.DateTimeField(blank=True, null=True)),
                        ('resolution', models.CharField(blank=True, max_length=300, verbose_name='how it was resolved')),
                        ('reported_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('resolved_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('room', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='incidents', to='rooms.room')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'incident',
                        'verbose_name_plural': 'incidents',
                        'db_table': 'rooms_incident',
                        'indexes': [models.Index(fields=['site', 'status'], name='rooms_incid_site_id_e1b7aa_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('status', 'open'), models.Q(('resolution', ''), _negated=True), _connector='OR'), name='incident_resolved_with_a_note')],
                    },
                ),
                migrations.CreateModel(
                    name='Patrol',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('floor', models.SmallIntegerField(verbose_name='floor')),
                        ('at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('remarks', models.CharField(blank=True, max_length=200, verbose_name='remarks')),
                        ('by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                    ],
                    options={
                        'verbose_name': 'patrol',
                        'verbose_name_plural': 'patrols',
                        'db_table': 'rooms_patrol',
                        'indexes': [models.Index(fields=['site', 'floor', '-at'], name='rooms_patro_site_id_3dc87b_idx')],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types("rooms", "security", ["checkpointentry", "incident", "patrol"]), migrations.RunPython.noop),
    ]
