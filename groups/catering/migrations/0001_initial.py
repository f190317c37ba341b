"""The catering group's models, moved here from ``rooms`` with their tables.

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
                    name='MealSlot',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('breakfast', 'breakfast'), ('lunch', 'lunch'), ('dinner', 'dinner')], max_length=12, verbose_name='meal')),
                        ('delivery_time', models.TimeField(verbose_name='delivery time')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='meal_slots', to='rooms.site')),
                    ],
                    options={
                        'verbose_name': 'meal slot',
                        'verbose_name_plural': 'meal slots',
                        'db_table': 'rooms_mealslot',
                        'ordering': ['delivery_time'],
                    },
                ),
                migrations.CreateModel(
                    name='MealDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('day', models.DateField(verbose_name='day')),
                        ('status', models.CharField(choices=[('delivered', 'delivered'), ('refused', 'refused')], max_length=12, verbose_name='status')),
                        ('meals', models.PositiveSmallIntegerField(default=1, verbose_name='number of meals')),
                        ('diets', models.JSONField(blank=True, default=dict, verbose_name='diets')),
                        ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('feedback', models.CharField(blank=True, choices=[('fine', 'fine'), ('complaint', 'complaint')], max_length=12, verbose_name='feedback')),
                        ('feedback_note', models.CharField(blank=True, max_length=200, verbose_name='feedback note')),
                        ('person', models.ForeignKey(blank=True, help_text="Set for a late-arrival meal; empty for the room's delivery in the round.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.person')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('room', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='meal_deliveries', to='rooms.room')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('slot', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deliveries', to='catering.mealslot')),
                    ],
                    options={
                        'verbose_name': 'meal delivery',
                        'verbose_name_plural': 'meal deliveries',
                        'db_table': 'rooms_mealdelivery',
                    },
                ),
                migrations.AddConstraint(
                    model_name='mealslot',
                    constraint=models.UniqueConstraint(fields=('site', 'kind'), name='meal_slot_one_per_kind'),
                ),
                migrations.AddIndex(
                    model_name='mealdelivery',
                    index=models.Index(fields=['slot', 'day'], name='rooms_meald_slot_id_da84fa_idx'),
                ),
                migrations.AddConstraint(
                    model_name='mealdelivery',
                    constraint=models.UniqueConstraint(condition=models.Q(('person__isnull', True)), fields=('slot', 'day', 'room'), name='meal_one_delivery_per_room_and_round'),
                ),
                migrations.AddConstraint(
                    model_name='mealdelivery',
                    constraint=models.UniqueConstraint(condition=models.Q(('person__isnull', False)), fields=('slot', 'day', 'person'), name='meal_one_late_meal_per_person_and_round'),
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types("rooms", "catering", ["mealslot", "mealdelivery"]), migrations.RunPython.noop),
    ]
