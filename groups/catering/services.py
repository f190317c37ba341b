"""Meals: recording deliveries, refusals, late-arrival meals and feedback.

Who is due a meal is read from live occupancy (``rooms/meal_rounds.py``), so
nothing here runs on arrival or departure: a delivery row is written when its
outcome is recorded, for a room that is in the round at that moment.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from groups.catering.models import MealDelivery, MealSlot
from groups.catering.rounds import PENDING, MealRound, meal_round
from groups.medical.models import Alert
from groups.medical.services import MEDICAL_TOPIC, medical_alert_raise
from rooms.models import Person, Room, Site
from rooms.roles import Role, require_role
from rooms.services import ServiceError, audit, check_version, claim_form, lock_row, touch, who_and_when
from rooms.words import written
from site_ops import live

MEAL_ROLES = (Role.CATERING, Role.SITE_HEAD)
TOPIC = "meals"

D = MealDelivery.Status
# The outcomes a delivery may move between. A refusal can become a delivery
# (the person took the meal after all); a delivery is final.
MEAL_MOVES = {(PENDING, D.DELIVERED), (PENDING, D.REFUSED), (D.REFUSED, D.DELIVERED)}
del D


def _round(site: Site, slot: MealSlot, day: date, **which) -> MealRound:
    """Today's round of the slot the form was made for; ``which``: of some
    rooms or floors only, as ``meal_round`` reads them (a tap on a room reads
    that room, not the whole site's stays)."""
    if slot.site_id != site.pk:
        raise ServiceError(_("This meal slot belongs to another site."))
    if day != timezone.localdate():
        raise ServiceError(
            _("The %(meal)s round of %(day)s is over; reload the board.")
            % {"meal": slot, "day": date_format(day, "SHORT_DATE_FORMAT")}
        )
    meals = meal_round(site, slot=slot, **which)
    if not meals.open:
        # A tap hours early (breakfast at 03:00, dinner just after lunch) is a wrong round, not an early trolley.
        raise ServiceError(
            _("The %(meal)s round opens at %(time)s, an hour before its delivery time: nothing is recorded before.")
            % {"meal": slot, "time": date_format(timezone.localtime(meals.opens), "H:i")}
        )
    return meals


def _recorded(delivery: MealDelivery) -> str:
    return _("%(status)s by %(who)s at %(time)s") % {
        "status": delivery.get_status_display(),
        **who_and_when(delivery.recorded_by, delivery.recorded_at),
    }


def meal_record(
    *,
    site: Site,
    slot: MealSlot,
    day: date,
    room: Room,
    status: str,
    by,
    note: str = "",
    token: str | None = None,
) -> MealDelivery:
    """Record a room's meal in today's round as delivered or refused.

    A refusal raises an alert for the medical group.
    """
    require_role(by, *MEAL_ROLES)
    if status not in MealDelivery.Status.values:
        raise ServiceError(_("Choose delivered or refused."))
    with transaction.atomic():
        claim_form(token, by)
        meal = _round(site, slot, day, room_ids=[room.pk]).for_room(room.pk)
        if meal is None:
            raise ServiceError(
                _(
                    "Room %(room)s is not due %(meal)s: nobody was in it at the delivery time "
                    "(people who arrived later get a late-arrival meal)."
                )
                % {"room": room.number, "meal": slot}
            )
        if meal.delivery:
            # Another tablet may have recorded it since the board was drawn.
            meal.delivery = lock_row(MealDelivery, meal.delivery.pk)
        if (meal.status, status) not in MEAL_MOVES:
            raise ServiceError(
                _("Room %(room)s's %(meal)s was already recorded: %(recorded)s.")
                % {"room": room.number, "meal": slot, "recorded": _recorded(meal.delivery)}
            )
        before = {"status": meal.status}
        now = timezone.now()
        if meal.delivery:
            delivery = meal.delivery
            delivery.status = status
            delivery.recorded_at = now
            delivery.recorded_by = by
            delivery.note = note[:200]
            touch(delivery, by)
            delivery.save()
        else:
            delivery = _create(
                MealDelivery(
                    site=site,
                    slot=slot,
                    day=day,
                    room=room,
                    status=status,
                    meals=meal.meals,
                    diets={diet: count for diet, _label, count in meal.diets},
                    recorded_at=now,
                    recorded_by=by,
                    note=note[:200],
                    updated_by=by,
                ),
                room,
            )
        refused = status == MealDelivery.Status.REFUSED
        audit(
            site=site,
            by=by,
            action="meal.refuse" if refused else "meal.deliver",
            obj=delivery,
            room=room,
            before=before,
            after={"status": status, "meals": delivery.meals},
            note=note,
        )
        topics = [TOPIC]
        if refused:
            medical_alert_raise(
                site=site,
                kind=Alert.Kind.MEAL_REFUSED,
                room=room,
                by=by,
                note=written(
                    gettext_noop("%(meal)s refused in room %(room)s. %(note)s"), meal=slot, room=room.number, note=note
                ),
                meal_delivery=delivery,
            )
            topics.append(MEDICAL_TOPIC)
        live.publish(site=site, rooms=[room.pk], topics=topics)
    return delivery


def _create(delivery: MealDelivery, room: Room) -> MealDelivery:
    # Two tablets recording the same room at the same moment: the database's
    # unique constraint lets one through and the other gets this message.
    try:
        with transaction.atomic():
            delivery.save()
    except IntegrityError:
        raise ServiceError(
            _("Room %(room)s's meal was recorded on another tablet at the same moment.") % {"room": room.number}
        ) from None
    return delivery


def meal_floor_deliver(
    *, site: Site, slot: MealSlot, day: date, floor: int, by, token: str | None = None
) -> list[MealDelivery]:
    """Record every pending room of a floor as delivered, in one tap."""
    require_role(by, *MEAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        pending = [
            meal
            for meal in _round(site, slot, day, floors=[floor]).rooms
            if meal.room.floor == floor and meal.status == PENDING
        ]
        if not pending:
            raise ServiceError(
                _("Every room on floor %(floor)s has its %(meal)s recorded.") % {"floor": floor, "meal": slot}
            )
        now = timezone.now()
        rows = [
            MealDelivery(
                site=site,
                slot=slot,
                day=day,
                room=meal.room,
                status=MealDelivery.Status.DELIVERED,
                meals=meal.meals,
                diets={diet: count for diet, _label, count in meal.diets},
                recorded_at=now,
                recorded_by=by,
                updated_by=by,
            )
            for meal in pending
        ]
        try:
            with transaction.atomic():
                MealDelivery.objects.bulk_create(rows)
        except IntegrityError:
            raise ServiceError(
                _("A room on floor %(floor)s was recorded on another tablet at the same moment; tap again.")
                % {"floor": floor}
            ) from None
        rooms = [meal.room for meal in pending]
        # One event for the batch, so the activity feed is not flooded.
        audit(
            site=site,
            by=by,
            action="meal.floor_deliver",
            obj=slot,
            label=written(
                gettext_noop("F%(floor)s %(meal)s, %(count)s rooms"), floor=floor, meal=slot, count=len(rows)
            ),
            after={"day": day, "floor": floor, "rooms": [room.number for room in rooms]},
        )
        live.publish(site=site, rooms=[room.pk for room in rooms], topics=[TOPIC])
    return rows


def meal_late_deliver(
    *, site: Site, slot: MealSlot, day: date, person: Person, by, token: str | None = None
) -> MealDelivery:
    """Record the late-arrival meal of a person who checked in after the delivery time."""
    require_role(by, *MEAL_ROLES)
    with transaction.atomic():
        claim_form(token, by)
        # The late arrivals only (no floor's rooms).
        late = _round(site, slot, day, floors=[]).late_for(person.pk)
        if late is None:
            raise ServiceError(_("No late-arrival %(meal)s is due for this person any more.") % {"meal": slot})
        if late.delivery:
            raise ServiceError(
                _("The late-arrival %(meal)s for room %(room)s was already recorded: %(recorded)s.")
                % {"meal": slot, "room": late.room.number, "recorded": _recorded(late.delivery)}
            )
        delivery = _create(
            MealDelivery(
                site=site,
                slot=slot,
                day=day,
                room=late.room,
                person=person,
                status=MealDelivery.Status.DELIVERED,
                meals=1,
                diets={person.diet: 1},
                recorded_at=timezone.now(),
                recorded_by=by,
                updated_by=by,
            ),
            late.room,
        )
        audit(
            site=site,
            by=by,
            action="meal.late_deliver",
            obj=delivery,
            room=late.room,
            person=person,
            after={"status": delivery.status},
        )
        live.publish(site=site, rooms=[late.room.pk], topics=[TOPIC])
    return delivery


def meal_feedback(
    *, delivery: MealDelivery, feedback: str, by, note: str = "", version: int | None = None, token: str | None = None
) -> MealDelivery:
    """Record how a delivered meal was received: fine, or a complaint with a note."""
    require_role(by, *MEAL_ROLES)
    if feedback not in MealDelivery.Feedback.values:
        raise ServiceError(_("Choose fine or complaint."))
    note = note.strip()
    if feedback == MealDelivery.Feedback.COMPLAINT and not note:
        raise ServiceError(_("Say what the complaint is about."))
    with transaction.atomic():
        claim_form(token, by)
        delivery = lock_row(MealDelivery, delivery.pk)
        check_version(delivery, version)
        if delivery.status != MealDelivery.Status.DELIVERED:
            raise ServiceError(_("Only a delivered meal gets feedback."))
        before = {"feedback": delivery.feedback, "feedback_note": delivery.feedback_note}
        delivery.feedback = feedback
        delivery.feedback_note = note[:200]
        touch(delivery, by)
        delivery.save()
        audit(
            site=delivery.site,
            by=by,
            action="meal.feedback",
            obj=delivery,
            room=delivery.room,
            before=before,
            after={"feedback": feedback, "feedback_note": delivery.feedback_note},
        )
        live.publish(site=delivery.site, rooms=[delivery.room_id], topics=[TOPIC])
    return delivery
