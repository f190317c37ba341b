"""Tubes stored as one code: capitals, no spaces, half-width (groups.medical.lab_sheets.tube_code).

A barcode typed in lower case before did not match the lab's capitals. A
code whose normal form another tube already holds is left as it was (the
site's unique tube rule would refuse it); none is lost.
"""

import re
import unicodedata

from django.db import migrations


def code(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()[:40]


def normalise(apps, schema_editor):
    Sample = apps.get_model("medical", "Sample")
    stored = Sample.objects.exclude(tube_barcode="").values_list("site_id", "tube_barcode")
    taken = set(stored)
    for sample in Sample.objects.exclude(tube_barcode="").only("pk", "site_id", "tube_barcode").iterator():
        wanted = code(sample.tube_barcode)
        if wanted == sample.tube_barcode or (sample.site_id, wanted) in taken:
            continue
        Sample.objects.filter(pk=sample.pk).update(tube_barcode=wanted)
        taken.discard((sample.site_id, sample.tube_barcode))
        taken.add((sample.site_id, wanted))


class Migration(migrations.Migration):
    dependencies = [("medical", "0011_constraint_words")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
