"""Template filters for staff: a colleague's name as colleagues write it."""

from django import template

from rooms.roles import display_name

register = template.Library()


@register.filter(name="staff_name")
def staff_name(user) -> str:
    return display_name(user) if user else ""
