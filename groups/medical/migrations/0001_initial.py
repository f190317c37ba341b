"""The medical group's models, moved here from ``rooms`` with their tables.

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
        ('catering', '0001_initial'),
        ('rooms', '0007_group_apps'),
        ('security', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='HealthCheck',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('day', models.DateField(verbose_name='day')),
                        ('round', models.CharField(choices=[('am', 'morning'), ('pm', 'afternoon')], max_length=2, verbose_name='round')),
                        ('outcome', models.CharField(choices=[('checked', 'checked'), ('missed', 'not checked'), ('refused', 'refused')], default='checked', max_length=8, verbose_name='outcome')),
                        ('temperature', models.DecimalField(blank=True, decimal_places=1, max_digits=3, null=True, verbose_name='temperature (°C)')),
                        ('symptoms', models.JSONField(blank=True, default=list, verbose_name='symptoms')),
                        ('mood', models.CharField(blank=True, choices=[('stable', 'stable'), ('anxious', 'anxious'), ('distressed', 'distressed')], max_length=10, verbose_name='mood')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('recorded_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='health_checks', to='rooms.person')),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('stay', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='health_checks', to='rooms.stay')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'health check',
                        'verbose_name_plural': 'health checks',
                        'db_table': 'rooms_healthcheck',
                        'ordering': ['day', 'round'],
                    },
                ),
                migrations.CreateModel(
                    name='LabImport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('filename', models.CharField(max_length=200)),
                        ('digest', models.CharField(max_length=64)),
                        ('rows', models.JSONField(default=list)),
                        ('status', models.CharField(choices=[('preview', 'preview'), ('applied', 'applied')], default='preview', max_length=8)),
                        ('uploaded_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('applied_at', models.DateTimeField(blank=True, null=True)),
                        ('applied_count', models.PositiveIntegerField(default=0)),
                        ('applied_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'rooms_labimport',
                        'ordering': ['-uploaded_at'],
                    },
                ),
                migrations.CreateModel(
                    name='MedicalAlert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('meal_refused', 'meal refused'), ('medical_emergency', 'medical emergency')], max_length=20, verbose_name='kind')),
                        ('note', models.CharField(blank=True, max_length=300, verbose_name='note')),
                        ('raised_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='security.incident')),
                        ('meal_delivery', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='catering.mealdelivery')),
                        ('raised_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('room', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.room')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                    ],
                    options={
                        'verbose_name': 'medical alert',
                        'verbose_name_plural': 'medical alerts',
                        'db_table': 'rooms_medicalalert',
                        'ordering': ['-raised_at'],
                    },
                ),
                migrations.CreateModel(
                    name='MedicineNeed',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='medicine')),
                        ('dose', models.CharField(blank=True, max_length=100, verbose_name='dose and times')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='medicine_needs', to='rooms.person')),
                    ],
                    options={
                        'db_table': 'rooms_medicineneed',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='MedicineRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('item', models.CharField(max_length=100, verbose_name='medicine asked for')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('status', models.CharField(choices=[('open', 'open'), ('delivered', 'delivered')], default='open', max_length=10)),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('delivered_at', models.DateTimeField(blank=True, null=True)),
                        ('delivered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='medicine_requests', to='rooms.person')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('stay', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.stay')),
                    ],
                    options={
                        'db_table': 'rooms_medicinerequest',
                        'ordering': ['requested_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Sample',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('version', models.PositiveIntegerField(default=1)),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('kind', models.CharField(choices=[('pcr', 'PCR'), ('antigen', 'antigen')], default='pcr', max_length=8, verbose_name='test')),
                        ('reason', models.CharField(choices=[('protocol', 'protocol'), ('retest', 're-test'), ('contact', 'room-mate of a positive case'), ('extension', 'quarantine extended')], default='protocol', max_length=10, verbose_name='reason')),
                        ('day', models.PositiveSmallIntegerField(verbose_name='day of stay')),
                        ('scheduled_on', models.DateField(verbose_name='due on')),
                        ('status', models.CharField(choices=[('scheduled', 'scheduled'), ('collected', 'collected'), ('resulted', 'resulted'), ('missed', 'missed'), ('cancelled', 'cancelled')], default='scheduled', max_length=10, verbose_name='status')),
                        ('collected_at', models.DateTimeField(blank=True, null=True, verbose_name='collected')),
                        ('tube_barcode', models.CharField(blank=True, max_length=40, verbose_name='tube barcode')),
                        ('result', models.CharField(blank=True, choices=[('negative', 'negative'), ('positive', 'positive'), ('invalid', 'invalid')], max_length=8, verbose_name='result')),
                        ('resulted_at', models.DateTimeField(blank=True, null=True, verbose_name='result entered')),
                        ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('collected_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='samples', to='rooms.person')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('stay', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='samples', to='rooms.stay')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'sample',
                        'verbose_name_plural': 'samples',
                        'db_table': 'rooms_sample',
                        'ordering': ['scheduled_on', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Alert',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('positive', 'positive result'), ('corrected', 'result corrected'), ('fever', 'fever'), ('symptoms', 'symptoms'), ('distressed', 'distressed')], max_length=10)),
                        ('urgent', models.BooleanField(default=False)),
                        ('for_site_head', models.BooleanField(default=False)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                        ('acknowledged_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.person')),
                        ('room', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.room')),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site')),
                        ('health_check', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='medical.healthcheck')),
                        ('sample', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='medical.sample')),
                    ],
                    options={
                        'verbose_name': 'alert',
                        'verbose_name_plural': 'alerts',
                        'db_table': 'rooms_alert',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SampleResult',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('result', models.CharField(choices=[('negative', 'negative'), ('positive', 'positive'), ('invalid', 'invalid')], max_length=8, verbose_name='result')),
                        ('ct_orf1ab', models.DecimalField(blank=True, decimal_places=1, max_digits=4, null=True, verbose_name='Ct ORF1ab')),
                        ('ct_n', models.DecimalField(blank=True, decimal_places=1, max_digits=4, null=True, verbose_name='Ct N')),
                        ('reported_at', models.DateTimeField(blank=True, null=True, verbose_name='lab report time')),
                        ('entered_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('source', models.CharField(choices=[('manual', 'entered'), ('import', 'lab sheet')], default='manual', max_length=8)),
                        ('reason', models.CharField(blank=True, max_length=200, verbose_name='reason for the correction')),
                        ('corrects', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrected_by', to='medical.sampleresult')),
                        ('entered_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('lab_import', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='results', to='medical.labimport')),
                        ('sample', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='results', to='medical.sample')),
                    ],
                    options={
                        'db_table': 'rooms_sampleresult',
                        'ordering': ['entered_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SamplingPlan',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('days', models.JSONField(default=list)),
                        ('required_negatives', models.PositiveSmallIntegerField(default=2)),
                        ('planned_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('planned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('stay', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='sampling_plan', to='rooms.stay')),
                    ],
                    options={
                        'db_table': 'rooms_samplingplan',
                    },
                ),
                migrations.CreateModel(
                    name='TestProtocol',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('length_days', models.PositiveSmallIntegerField(default=7, help_text='Quarantine end date = arrival date + this many days.', verbose_name='quarantine length (days)')),
                        ('required_negatives', models.PositiveSmallIntegerField(default=2, help_text='Release needs the latest results to be this many negatives in a row.', verbose_name='consecutive negative results for release')),
                        ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('site', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='test_protocol', to='rooms.site')),
                    ],
                    options={
                        'verbose_name': 'test protocol',
                        'verbose_name_plural': 'test protocols',
                        'db_table': 'rooms_testprotocol',
                    },
                ),
                migrations.CreateModel(
                    name='ProtocolDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.PositiveSmallIntegerField(help_text='The arrival day is day 1.', verbose_name='day of stay')),
                        ('kind', models.CharField(choices=[('pcr', 'PCR'), ('antigen', 'antigen')], default='pcr', max_length=8, verbose_name='test')),
                        ('protocol', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='days', to='medical.testprotocol')),
                    ],
                    options={
                        'verbose_name': 'sampling day',
                        'verbose_name_plural': 'sampling days',
                        'db_table': 'rooms_protocolday',
                        'ordering': ['day'],
                    },
                ),
                migrations.AddIndex(
                    model_name='healthcheck',
                    index=models.Index(fields=['site', 'day'], name='rooms_healt_site_id_5ce839_idx'),
                ),
                migrations.AddConstraint(
                    model_name='healthcheck',
                    constraint=models.UniqueConstraint(fields=('person', 'day', 'round'), name='health_check_once_per_round'),
                ),
                migrations.AddConstraint(
                    model_name='healthcheck',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('outcome', 'checked'), ('temperature__isnull', False)), models.Q(('outcome', 'checked'), _negated=True), _connector='OR'), name='health_check_has_temperature'),
                ),
                migrations.AddIndex(
                    model_name='medicinerequest',
                    index=models.Index(fields=['site', 'status'], name='rooms_medic_site_id_c42c94_idx'),
                ),
                migrations.AddIndex(
                    model_name='sample',
                    index=models.Index(fields=['site', 'scheduled_on'], name='rooms_sampl_site_id_243890_idx'),
                ),
                migrations.AddIndex(
                    model_name='sample',
                    index=models.Index(fields=['site', 'status'], name='rooms_sampl_site_id_15e5c3_idx'),
                ),
                migrations.AddConstraint(
                    model_name='sample',
                    constraint=models.UniqueConstraint(condition=models.Q(('tube_barcode', ''), _negated=True), fields=('site', 'tube_barcode'), name='sample_barcode_unique_per_site'),
                ),
                migrations.AddConstraint(
                    model_name='sample',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('result__in', ['negative', 'positive', 'invalid']), ('status', 'resulted')), models.Q(models.Q(('status', 'resulted'), _negated=True), ('result', '')), _connector='OR'), name='sample_result_iff_resulted'),
                ),
                migrations.AddIndex(
                    model_name='alert',
                    index=models.Index(fields=['site', 'acknowledged_at'], name='rooms_alert_site_id_cd9d14_idx'),
                ),
                migrations.AddConstraint(
                    model_name='testprotocol',
                    constraint=models.CheckConstraint(condition=models.Q(('length_days__gte', 1)), name='protocol_length_at_least_one_day'),
                ),
                migrations.AddConstraint(
                    model_name='testprotocol',
                    constraint=models.CheckConstraint(condition=models.Q(('required_negatives__gte', 1)), name='protocol_needs_a_negative'),
                ),
                migrations.AddConstraint(
                    model_name='protocolday',
                    constraint=models.UniqueConstraint(fields=('protocol', 'day'), name='protocol_day_once'),
                ),
                migrations.AddConstraint(
                    model_name='protocolday',
                    constraint=models.CheckConstraint(condition=models.Q(('day__gte', 1)), name='protocol_day_from_one'),
                ),
            ],
        ),
        migrations.RunPython(relabel_content_types("rooms", "medical", ["healthcheck", "labimport", "medicalalert", "medicineneed", "medicinerequest", "sample", "alert", "sampleresult", "samplingplan", "testprotocol", "protocolday"]), migrations.RunPython.noop),
    ]
