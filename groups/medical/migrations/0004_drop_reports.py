"""One alert model, part 3: the other groups' reports were copied into alerts (0003); their table goes."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("medical", "0003_copy_reports_into_alerts")]

    operations = [migrations.DeleteModel(name="MedicalAlert")]
