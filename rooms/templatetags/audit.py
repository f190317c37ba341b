"""Audit events read as sentences: field names and states in the reader's language."""

from django import template
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from rooms.roles import Role

register = template.Library()

# Keys the services record that are not model fields.
_EXTRA_LABELS = {
    "occupants": ("rooms", "room", "occupant_count"),
    "room_status": ("rooms", "room", "status"),
    "person_status": ("rooms", "person", "status"),
}


def _field(event, key):
    app_model = _EXTRA_LABELS.get(key)
    if app_model:
        app, model, name = app_model
    else:
        app, model, name = "rooms", event.object_type, key
    try:
        return apps.get_model(app, model)._meta.get_field(name)
    except (LookupError, FieldDoesNotExist):
        return None


def _display(field, value):
    if field is None or value in (None, ""):
        return "—" if value in (None, "") else value
    choices = dict(field.flatchoices) if field.choices else {}
    if isinstance(value, list):
        return "、".join(str(choices.get(item, item)) for item in value) or "—"
    return choices.get(value, value)


@register.simple_tag
def audit_changes(event) -> list[dict]:
    """[{label, before, after}] for an event's recorded fields."""
    before = event.before or {}
    rows = []
    for key, after in (event.after or {}).items():
        field = _field(event, key)
        rows.append(
            {
                "label": field.verbose_name if field is not None else key,
                "before": _display(field, before[key]) if key in before else None,
                "after": _display(field, after),
                "changed": key not in before or before[key] != after,
            }
        )
    return rows


@register.filter
def role_labels(value: str) -> str:
    """ "general,site_head" -> "general group, site head" in the reader's language."""
    return ", ".join(str(Role(role).label) if role in Role.values else role for role in value.split(",") if role)
