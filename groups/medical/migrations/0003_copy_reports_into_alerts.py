"""One alert model, part 2: the reports of other groups (a refused meal, a
medical emergency) become alerts like the medical group's own, with the same
sound and acknowledgement. Their rows are copied here; 0004 drops their table;
those raised before today count as seen (they had no acknowledgement before).
"""

from django.db import migrations
from django.utils import timezone


def copy_reports(apps, schema_editor):
    db = schema_editor.connection.alias
    Report = apps.get_model("medical", "MedicalAlert")
    Alert = apps.get_model("medical", "Alert")
    today = timezone.localdate()
    Alert.objects.using(db).bulk_create(
        Alert(
            site_id=report.site_id,
            kind=report.kind,
            urgent=report.kind == "medical_emergency",
            room_id=report.room_id,
            note=report.note,
            raised_by_id=report.raised_by_id,
            meal_delivery_id=report.meal_delivery_id,
            incident_id=report.incident_id,
            created_at=report.raised_at,
            acknowledged_at=None if timezone.localdate(report.raised_at) >= today else report.raised_at,
        )
        for report in Report.objects.using(db).order_by("pk")
    )


class Migration(migrations.Migration):
    dependencies = [("medical", "0002_one_alert_model")]

    operations = [
        migrations.RunPython(copy_reports, migrations.RunPython.noop),
    ]
