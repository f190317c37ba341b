"""Words a user reads: labels, never the stored value of a choice."""

import re
from pathlib import Path

from django.apps import apps
from django.test import SimpleTestCase

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Free text that happens to share a choice field's name elsewhere (a transfer's
# reason is typed; a sample's reason is a choice).
FREE_TEXT = {"task.reason", "t.reason", "transfer.reason", "entry.reason", "person.source", "visit.reason"}
# A form's field renders its widget, not a value.
FORM_FIELDS = {"round_form.round", "period.status", "period.kind"}


def choice_field_names() -> set[str]:
    return {
        field.name
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if getattr(field, "choices", None) and not field.is_relation
    }


class RawValueTests(SimpleTestCase):
    def test_no_template_shows_a_choices_stored_value_as_text(self):
        names = "|".join(sorted(choice_field_names()))
        shown = re.compile(r"\{\{\s*([\w.]+\.(?:" + names + r"))\s*(?:\||\}\})")
        found = []
        for path in TEMPLATES.rglob("*.html"):
            # Text only: inside a tag (data-status="{{ room.status }}", a class) a stored value is what belongs.
            text = re.sub(r"<[^<>]*>", " ", path.read_text())
            found += [f"{path.relative_to(TEMPLATES)}: {m.group(1)}" for m in shown.finditer(text)]
        found = [line for line in found if line.split(": ")[1] not in FREE_TEXT | FORM_FIELDS]
        self.assertEqual(found, [], "show get_<field>_display, not the stored value")
