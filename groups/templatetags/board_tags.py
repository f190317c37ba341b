"""Small helpers for the boards' templates."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from groups.roles import display_name

register = template.Library()


@register.filter
def staff_name(user) -> str:
    """A staff member's name as colleagues write it."""
    return display_name(user) if user else ""


@register.filter
def clock(moment) -> str:
    """A time of today as 14:05; of another day as 11-22 14:05."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    return date_format(local, "H:i" if local.date() == timezone.localdate() else "m-d H:i")
