"""Audit events read as sentences: field names and states in the reader's language."""

import functools
import re
from datetime import datetime

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from rooms.masking import masked_fields
from rooms.roles import role_words

register = template.Library()

# A moment as the audit stores it (datetime.isoformat()).
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")

# Keys the services record that are not model fields.
_EXTRA_LABELS = {
    "occupants": ("rooms", "room", "occupant_count"),
    "room_status": ("rooms", "room", "status"),
    "person_status": ("rooms", "person", "status"),
    "left_room_status": ("rooms", "room", "status"),
    "category": ("rooms", "person", "category"),
    # A disinfection record: the standard it was checked against.
    "standard": ("disinfection", "disinfectionstandard", "kind"),
}
# Keys that name no model field, in words.
_KEY_LABELS = {
    "days": _("sampling days"),
    "required_negatives": _("negative results needed"),
    "due": _("due"),
    "ct_orf1ab": _("Ct ORF1ab"),
    "ct_n": _("Ct N"),
    "room": _("room"),
    "reason": _("why"),
    "exposed_on": _("exposed on"),
    "samples": _("samples planned"),
    "field": _("what was shown"),
    "id_printed": _("ID numbers printed"),
    "medicine": _("medicine"),
    "day": _("day"),
    "from": _("from"),
    "to": _("to"),
    "rows": _("rows"),
    "floor": _("floor"),
    "rooms": _("rooms"),
    "bags": _("bags"),
    "cancelled": _("cancelled"),
    "items": _("items handed over"),
    "collections": _("collections"),
    "positive_bags": _("bags from positive cases' rooms"),
    "handed_over_by": _("handed over by"),
    "received_by": _("received by"),
    "lines": _("lines"),
    "applied": _("recorded"),
}
# Values of those keys that are stored as keys, in words.
_VALUE_WORDS = {
    "id_printed": {"full": _("in full"), "masked": _("masked")},
}


def _value_words(key, value):
    """A key's stored value in words: a revealed field by its own name, a printing by how."""
    if key == "field" and isinstance(value, str):
        field = _field_of("person", value)
        return field.verbose_name if field is not None else value
    return _VALUE_WORDS.get(key, {}).get(value, value)


@functools.cache
def _models_by_name() -> dict:
    """Every model by its name: an event names its object's model, not its app
    (the groups' models live in their own apps)."""
    return {model._meta.model_name: model for model in apps.get_models()}


# Fields that hold a list of choices (JSON): the choices class on their model, by name.
_LIST_CHOICES = {
    ("person", "special_needs"): "Need",
    ("healthcheck", "symptoms"): "Symptom",
}


def _field(event, key):
    app_model = _EXTRA_LABELS.get(key)
    if app_model:
        _app, model, name = app_model
    else:
        model, name = event.object_type, key
    return _field_of(model, name)


def _field_of(model: str, name: str):
    try:
        field = _models_by_name()[model]._meta.get_field(name)
    except (KeyError, FieldDoesNotExist):
        return None
    # A relation seen from the other side has no name of its own here.
    return field if hasattr(field, "verbose_name") else None


def _display(field, value, key=None):
    if value is True or value is False:
        return _("yes") if value else _("no")
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        # A moment is stored in ISO form, in UTC: read on the site's clock.
        moment = datetime.fromisoformat(value)
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return date_format(moment, "Y-m-d H:i")
    if field is None or value in (None, ""):
        return "—" if value in (None, "") else _value_words(key, value)
    choices = dict(field.flatchoices) if field.choices else {}
    listed = _LIST_CHOICES.get((field.model._meta.model_name, field.name))
    if listed:
        choices = dict(getattr(field.model, listed).choices)
    if isinstance(value, list):
        return "、".join(str(choices.get(item, item)) for item in value) or "—"
    return choices.get(value, value)


@register.simple_tag
def audit_changes(event) -> list[dict]:
    """[{label, before, after}] for an event's recorded fields."""
    before = masked_fields(event.before or {})
    rows = []
    for key, after in masked_fields(event.after or {}).items():
        field = _field(event, key)
        rows.append(
            {
                "label": field.verbose_name if field is not None else _KEY_LABELS.get(key, key),
                "before": _display(field, before[key], key) if key in before else None,
                "after": _display(field, after, key),
                "changed": key not in before or before[key] != after,
            }
        )
    return rows


@register.filter
def role_labels(value: str) -> str:
    """ "general,site_head" -> "general group, site head" in the reader's language."""
    return ", ".join(role_words(role) for role in value.split(",") if role)
