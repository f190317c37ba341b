"""The disinfection group's models, moved here from ``rooms`` with their tables.

State only: the tables were created by ``rooms``' migrations and keep their
names (``rooms_*``), so a database made before the group apps keeps every row
and foreign key. Content types follow the models, so permissions and the
admin's log stay attached.
"""

import django.db.models.deletion
import django.utils.timezone
import groups.disinfection.models
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
                    name='RoutineSchedule',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('area', models.CharField(max_length=60, verbose_name='area')),
                        ('per_floor', models.BooleanField(default=False, help_text='Due once on each floor of the site, like a corridor.', verbose_name='on every floor')),
                        ('times', models.CharField(help_text='Times of day, e.g. 09:00 15:00.', max_length=100, validators=[groups.disinfection.models.parse_times], verbose_name='due times')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='routine_schedules', to='rooms.site')),
                    ],
                    options={
                        'verbose_name': 'routine disinfection',
                        'verbose_name_plural': 'routine disinfection schedule',
                        'db_table': 'rooms_routineschedule',
                        'ordering': ['-per_floor', 'area'],
                    },
                ),
                migrations.CreateModel(
                    name='WasteHandover',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('contractor', models.CharField(max_length=100, verbose_name='contractor')),
                        ('receiver', models.CharField(max_length=50, verbose_name='received by')),
                        ('handed_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('bags', models.PositiveIntegerField(verbose_name='bags')),
                        ('weight_kg', models.DecimalField(decimal_places=1, max_digits=8, verbose_name='weight (kg)')),
                        ('handed_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                    ],
                    options={
                        'verbose_name': 'medical waste hand-over',
                        'verbose_name_plural': 'medical waste hand-overs',
                        'db_table': 'rooms_wastehandover',
                    },
                ),
                migrations.CreateModel(
                    name='DisinfectionTask',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('kind', models.CharField(choices=[('routine', 'routine'), ('terminal', 'terminal'), ('spot', 'spot')], max_length=10, verbose_name='kind')),
                        ('status', models.CharField(choices=[('open', 'open'), ('done', 'done')], default='open', max_length=8, verbose_name='status')),
                        ('floor', models.SmallIntegerField(blank=True, null=True, verbose_name='floor')),
                        ('where', models.CharField(blank=True, max_length=100, verbose_name='where')),
                        ('reason', models.CharField(blank=True, max_length=200, verbose_name='reason')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('due_at', models.DateTimeField(verbose_name='due')),
                        ('done_at', models.DateTimeField(blank=True, null=True, verbose_name='done at')),
                        ('agent', models.CharField(blank=True, max_length=60, verbose_name='disinfectant')),
                        ('concentration_mg_l', models.PositiveIntegerField(blank=True, null=True, verbose_name='concentration (mg/L)')),
                        ('contact_minutes', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='contact time (minutes)')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('room', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='disinfection_tasks', to='rooms.room')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('schedule', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tasks', to='disinfection.routineschedule')),
                    ],
                    options={
                        'verbose_name': 'disinfection task',
                        'verbose_name_plural': 'disinfection tasks',
                        'db_table': 'rooms_disinfectiontask',
                        'indexes': [models.Index(fields=['site', 'status'], name='rooms_disin_site_id_f340ce_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('kind', 'terminal'), ('status', 'open')), fields=('room',), name='disinfection_one_open_terminal_task_per_room'), models.UniqueConstraint(condition=models.Q(('floor__isnull', False), ('kind', 'routine')), fields=('schedule', 'floor', 'due_at'), name='disinfection_routine_once_per_floor'), models.UniqueConstraint(condition=models.Q(('floor__isnull', True), ('kind', 'routine')), fields=('schedule', 'due_at'), name='disinfection_routine_once')],
                    },
                ),
                migrations.CreateModel(
                    name='WasteCollection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('floor', models.SmallIntegerField(verbose_name='floor')),
                        ('bags', models.PositiveSmallIntegerField(verbose_name='bags')),
                        ('weight_kg', models.DecimalField(decimal_places=1, max_digits=6, verbose_name='weight (kg)')),
                        ('collected_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('collected_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('handover', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='collections', to='disinfection.wastehandover')),
                    ],
                    options={
                        'verbose_name': 'medical waste collection',
                        'verbose_name_plural': 'medical waste collections',
                        'db_table': 'rooms_wastecollection',
                        'constraints': [models.CheckConstraint(condition=models.Q(('bags__gte', 1)), name='waste_at_least_one_bag'), models.CheckConstraint(condition=models.Q(('weight_kg__gt', 0)), name='waste_weight_positive')],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types("rooms", "disinfection", ["routineschedule", "wastehandover", "disinfectiontask", "wastecollection"]), migrations.RunPython.noop),
    ]
