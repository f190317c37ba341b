"""Disinfection to standard: the site's agents, its standards per kind of
task and its settings, with the national defaults for every existing site;
environmental samples; the method, a positive case's room and the spot area
on tasks; the manifest number and signatures of a waste hand-over.

Old records keep their free-text agent (``agent``), linked to the site's
agent of that name when there is one.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.utils import translation
from django.utils.translation import gettext

# The defaults as they were when this migration was written (a migration keeps
# its own copy; the live ones are in groups/disinfection/models.py).
DEFAULT_AGENTS = [
    ("chlorine", "chlorine-containing disinfectant"),
    ("peracetic_acid", "peracetic acid"),
    ("ethanol_75", "75% ethanol"),
]
DEFAULT_STANDARDS = [
    ("routine", "chlorine", 500, 30),
    ("terminal", "chlorine", 1000, 30),
    ("positive", "chlorine", 1000, 30),
    ("spot", "chlorine", 1000, 30),
]


def forwards(apps, schema_editor):
    Site = apps.get_model("rooms", "Site")
    Settings = apps.get_model("disinfection", "DisinfectionSettings")
    Disinfectant = apps.get_model("disinfection", "Disinfectant")
    Standard = apps.get_model("disinfection", "DisinfectionStandard")
    Task = apps.get_model("disinfection", "DisinfectionTask")
    languages = [code for code, _name in settings.LANGUAGES]
    for site in Site.objects.all():
        if Settings.objects.filter(site=site).exists():
            continue
        Settings.objects.create(site=site)
        agents = {}
        names = {}
        for code, label in DEFAULT_AGENTS:
            with translation.override(settings.LANGUAGE_CODE):
                agent = Disinfectant.objects.create(site=site, code=code, name=gettext(label))
            agents[code] = agent
            for language in languages:
                with translation.override(language):
                    names[gettext(label).casefold()] = agent
        for kind, code, mg, minutes in DEFAULT_STANDARDS:
            Standard.objects.create(
                site=site, kind=kind, disinfectant=agents[code], min_concentration_mg_l=mg, min_contact_minutes=minutes
            )
        # Old records name their agent in free text: link those that name one
        # of the list (or the start of one, "含氯" for "含氯消毒剂"); the text stays.
        for text in Task.objects.filter(site=site).exclude(agent="").values_list("agent", flat=True).distinct():
            key = text.strip().casefold()
            fits = {agent.pk for name, agent in names.items() if name == key} or {
                agent.pk for name, agent in names.items() if name.startswith(key)
            }
            if len(fits) == 1:
                Task.objects.filter(site=site, agent=text).update(disinfectant_id=fits.pop())
    # An open terminal task of a sealed room is a positive case's room.
    Task.objects.filter(kind="terminal", status="open", room__status="sealed").update(positive_room=True)


class Migration(migrations.Migration):

    dependencies = [
        ('disinfection', '0001_initial'),
        ('rooms', '0007_group_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='DisinfectionSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('environmental_sample_required', models.BooleanField(default=True, help_text='The room waits, ventilating, until a negative environmental sample is recorded.', verbose_name="environmental sample before a positive case's room is used again")),
                ('waste_max_days', models.PositiveSmallIntegerField(default=2, help_text='Bags waiting longer are flagged on the disinfection board (national rule: 2 days).', verbose_name='medical waste on site at most (days)')),
            ],
            options={
                'verbose_name': 'disinfection settings',
                'verbose_name_plural': 'disinfection settings',
            },
        ),
        migrations.CreateModel(
            name='DisinfectionStandard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('routine', 'routine, public areas'), ('terminal', 'terminal, ordinary room'), ('positive', "terminal, positive case's room"), ('spot', 'spot')], max_length=10, verbose_name='task')),
                ('min_concentration_mg_l', models.PositiveIntegerField(verbose_name='minimum concentration (mg/L)')),
                ('min_contact_minutes', models.PositiveSmallIntegerField(verbose_name='minimum contact time (minutes)')),
            ],
            options={
                'verbose_name': 'disinfection standard',
                'verbose_name_plural': 'disinfection standards',
                'ordering': ['kind', 'disinfectant'],
            },
        ),
        migrations.CreateModel(
            name='EnvironmentalSample',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField(default=1)),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('status', models.CharField(choices=[('due', 'to take'), ('taken', 'awaiting result'), ('negative', 'negative'), ('positive', 'positive')], default='due', max_length=8, verbose_name='status')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('taken_at', models.DateTimeField(blank=True, null=True, verbose_name='taken at')),
                ('resulted_at', models.DateTimeField(blank=True, null=True, verbose_name='result at')),
                ('note', models.CharField(blank=True, max_length=200, verbose_name='note')),
            ],
            options={
                'verbose_name': 'environmental sample',
                'verbose_name_plural': 'environmental samples',
                'ordering': ['-created_at'],
            },
        ),
        migrations.AddField(
            model_name='disinfectiontask',
            name='area',
            field=models.CharField(blank=True, choices=[('corridor', 'corridor'), ('lift', 'lift')], max_length=10, verbose_name='area'),
        ),
        migrations.AddField(
            model_name='disinfectiontask',
            name='method',
            field=models.CharField(blank=True, choices=[('wipe', 'wipe'), ('spray', 'spray'), ('fog', 'aerosol fogging')], max_length=8, verbose_name='method'),
        ),
        migrations.AddField(
            model_name='disinfectiontask',
            name='positive_room',
            field=models.BooleanField(default=False, verbose_name="positive case's room"),
        ),
        migrations.AddField(
            model_name='wastecollection',
            name='positive',
            field=models.BooleanField(default=False, verbose_name="from a positive case's room"),
        ),
        migrations.AddField(
            model_name='wastecollection',
            name='room',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.room'),
        ),
        migrations.AddField(
            model_name='wastehandover',
            name='handed_over_name',
            field=models.CharField(blank=True, max_length=50, verbose_name='handed over by'),
        ),
        migrations.AddField(
            model_name='wastehandover',
            name='manifest_number',
            field=models.CharField(blank=True, max_length=40, verbose_name='transfer manifest number'),
        ),
        migrations.CreateModel(
            name='Disinfectant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=60, verbose_name='name')),
                ('code', models.CharField(blank=True, editable=False, max_length=20, verbose_name='code')),
                ('active', models.BooleanField(default=True, help_text='Only agents in use are offered on the boards.', verbose_name='in use')),
                ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='disinfectants', to='rooms.site')),
            ],
            options={
                'verbose_name': 'disinfectant',
                'verbose_name_plural': 'disinfectants',
                'ordering': ['pk'],
            },
        ),
        migrations.AddField(
            model_name='disinfectiontask',
            name='disinfectant',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='disinfection.disinfectant', verbose_name='disinfectant'),
        ),
        migrations.AddConstraint(
            model_name='disinfectiontask',
            constraint=models.UniqueConstraint(condition=models.Q(('kind', 'spot'), ('status', 'open'), models.Q(('area', ''), _negated=True)), fields=('site', 'floor', 'area'), name='disinfection_one_open_spot_per_floor_area'),
        ),
        migrations.AddField(
            model_name='disinfectionsettings',
            name='site',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='disinfection_settings', to='rooms.site'),
        ),
        migrations.AddField(
            model_name='disinfectionstandard',
            name='disinfectant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='standards', to='disinfection.disinfectant', verbose_name='disinfectant'),
        ),
        migrations.AddField(
            model_name='disinfectionstandard',
            name='site',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='disinfection_standards', to='rooms.site'),
        ),
        migrations.AddField(
            model_name='environmentalsample',
            name='resulted_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='environmentalsample',
            name='room',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='environmental_samples', to='rooms.room'),
        ),
        migrations.AddField(
            model_name='environmentalsample',
            name='site',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='rooms.site'),
        ),
        migrations.AddField(
            model_name='environmentalsample',
            name='taken_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='environmentalsample',
            name='task',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='environmental_samples', to='disinfection.disinfectiontask', verbose_name='disinfection'),
        ),
        migrations.AddField(
            model_name='environmentalsample',
            name='updated_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddConstraint(
            model_name='disinfectant',
            constraint=models.UniqueConstraint(fields=('site', 'name'), name='disinfectant_name_unique_per_site'),
        ),
        migrations.AddConstraint(
            model_name='disinfectionstandard',
            constraint=models.UniqueConstraint(fields=('site', 'kind', 'disinfectant'), name='disinfection_standard_once'),
        ),
        migrations.AddConstraint(
            model_name='environmentalsample',
            constraint=models.UniqueConstraint(condition=models.Q(('status__in', ['due', 'taken'])), fields=('room',), name='environmental_sample_one_open_per_room'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
