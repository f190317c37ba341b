"""What the catering group leaves open at a shift change (rooms.handover).

Rooms and numbers only, as on the catering board: no names.
"""

from itertools import groupby

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from groups.catering.models import MealDelivery, MealSlot
from groups.catering.rounds import PENDING, meal_round
from rooms.handover import OpenList


def pending_meals(site, now) -> list[dict]:
    """The current round's rooms still waiting for their meal, a floor to a line, and late-arrival meals."""
    meals = meal_round(site, now=now)
    if meals is None:
        return []
    pending = [meal.room for meal in meals.rooms if meal.status == PENDING]
    found = [
        {"text": " ".join(room.number for room in rooms), "tag": meals.slot.kind}
        for _floor, rooms in groupby(pending, key=lambda room: room.floor)
    ]
    late = [meal.room.number for meal in meals.late if meal.status == PENDING]
    if late:
        found.append({"text": " ".join(late), "tag": "late"})
    return found


def complaints(site, now) -> list[dict]:
    deliveries = (
        MealDelivery.objects.filter(site=site, feedback=MealDelivery.Feedback.COMPLAINT, day=timezone.localdate(now))
        .select_related("room", "slot")
        .order_by("recorded_at")
    )
    return [
        {
            "text": " · ".join(part for part in (delivery.room.number, delivery.feedback_note) if part),
            "tag": delivery.slot.kind,
        }
        for delivery in deliveries
    ]


TAGS = {**dict(MealSlot.Kind.choices), "late": _("late-arrival meals")}

OPEN_LISTS = (
    OpenList("pending_meals", _("Meal round: rooms still waiting"), pending_meals, TAGS),
    OpenList("complaints", _("Meal complaints today"), complaints, TAGS),
)
