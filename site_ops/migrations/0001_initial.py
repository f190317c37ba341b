"""The board sequence numbers, moved here from the former ``groups`` app.

The table keeps its name (``groups_boardsequence``). A database made before
the group apps has it already, with its rows; a new one gets it here. The
live spine imports nothing above it, so this migration carries its own two
small helpers.
"""

import django.db.models.deletion
from django.db import migrations, models


def create_if_missing(apps, schema_editor):
    model = apps.get_model("site_ops", "BoardSequence")
    if model._meta.db_table not in schema_editor.connection.introspection.table_names():
        schema_editor.create_model(model)


def relabel(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    found = ContentType.objects.using(schema_editor.connection.alias)
    if not found.filter(app_label="site_ops", model="boardsequence").exists():
        found.filter(app_label="groups", model="boardsequence").update(app_label="site_ops")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('rooms', '0007_group_apps'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='BoardSequence',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('board', models.CharField(max_length=40)),
                        ('seq', models.PositiveBigIntegerField(default=0)),
                        ('site', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='rooms.site')),
                    ],
                    options={
                        'db_table': 'groups_boardsequence',
                        'constraints': [models.UniqueConstraint(fields=('site', 'board'), name='board_sequence_unique')],
                    },
                ),
            ],
        ),
        migrations.RunPython(create_if_missing, migrations.RunPython.noop),
        migrations.RunPython(relabel, migrations.RunPython.noop),
    ]
