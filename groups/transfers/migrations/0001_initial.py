"""The transfers group's models, moved here from ``rooms`` with their tables.

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
                    name='Transfer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('state', models.CharField(choices=[('requested', 'requested'), ('approved', 'approved'), ('rejected', 'rejected'), ('arranged', 'arranged'), ('departed', 'departed'), ('completed', 'completed'), ('returned', 'returned'), ('cancelled', 'cancelled')], default='requested', max_length=12, verbose_name='state')),
                        ('urgency', models.CharField(choices=[('routine', 'routine'), ('urgent', 'urgent')], default='routine', max_length=8, verbose_name='urgency')),
                        ('reason', models.CharField(max_length=300, verbose_name='reason')),
                        ('destination_type', models.CharField(choices=[('designated_hospital', 'designated hospital'), ('makeshift_hospital', 'makeshift hospital'), ('other_site', 'another site'), ('relatives_hospital', "relative's hospital"), ('home', 'home'), ('hospital_visit', 'hospital visit and return')], max_length=20, verbose_name='destination type')),
                        ('destination_name', models.CharField(blank=True, max_length=100, verbose_name='destination')),
                        ('destination_contact', models.CharField(blank=True, max_length=100, verbose_name='destination contact')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at')),
                        ('confirmed_with', models.CharField(blank=True, max_length=100, verbose_name='confirmed with')),
                        ('vehicle_plate', models.CharField(blank=True, max_length=20, verbose_name='vehicle plate')),
                        ('driver_name', models.CharField(blank=True, max_length=50, verbose_name='driver')),
                        ('driver_phone', models.CharField(blank=True, max_length=20, verbose_name="driver's phone")),
                        ('escort', models.CharField(blank=True, max_length=100, verbose_name='escort')),
                        ('planned_departure_at', models.DateTimeField(blank=True, null=True, verbose_name='planned departure')),
                        ('departed_at', models.DateTimeField(blank=True, null=True, verbose_name='departed at')),
                        ('handed_over_to', models.CharField(blank=True, max_length=100, verbose_name='handed over to')),
                        ('vehicle_disinfected', models.BooleanField(default=False, verbose_name='vehicle disinfected')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                        ('closing_reason', models.CharField(blank=True, max_length=300, verbose_name='reason for rejection or cancellation')),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='transfers', to='rooms.person')),
                        ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='requested by')),
                        ('room', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='transfers', to='rooms.room')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='transfers', to='rooms.site')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'transfer',
                        'verbose_name_plural': 'transfers',
                        'db_table': 'rooms_transfer',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['site', 'state'], name='rooms_trans_site_id_baca0f_idx')],
                        'constraints': [models.UniqueConstraint(condition=models.Q(('state__in', ['requested', 'approved', 'arranged', 'departed'])), fields=('person',), name='transfer_one_open_per_person')],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types("rooms", "transfers", ["transfer"]), migrations.RunPython.noop),
    ]
