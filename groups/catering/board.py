"""The catering board: today's meal round floor by floor, the kitchen's counts
for the next slot, and late-arrival meals.

Its audience sees rooms, how many meals and which diets (with allergy notes),
never names, IDs, phone numbers or anything about health.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from groups.catering.rounds import (
    PENDING,
    counted_diets,
    current_slot,
    floor_stays,
    meal_round,
    next_slot,
    open_stays,
    round_progress,
    site_diets,
    site_slots,
    slot_moment,
)
from groups.catering.services import TOPIC
from groups.medical.care_board import door_notes
from groups.medical.services import CARE_TOPIC
from rooms import requests
from rooms.handover import group_handover, handover_topic
from rooms.models import Room, Site
from rooms.reads import load_site
from rooms.roles import Role
from rooms.services import OCCUPANTS
from site_ops.boards import Board

TEMPLATE = "catering/board.html"
HANDOVER = handover_topic(Role.CATERING)
REQUESTS = requests.requests_topic(Role.CATERING)
# Arrivals, departures and a diet corrected (occupants), a meal recorded, a
# care plan's door note changed (care): the round changes.
ROUND_TOPICS = frozenset({TOPIC, OCCUPANTS, CARE_TOPIC})


def kitchen(stays, slots, now) -> dict:
    """What the kitchen cooks next: counts per diet of everyone in a room now."""
    diets = Counter(stay.person.diet for stay in stays)
    allergies = [(stay.room.number, stay.person.allergy_note) for stay in stays if stay.person.allergy_note]
    return _kitchen(slots, now, diets, allergies)


def _kitchen(slots, now, diets: Counter, allergies: list) -> dict:
    upcoming = next_slot(slots, now)
    return {
        "slot": upcoming[0] if upcoming else None,
        "day": upcoming[1] if upcoming else None,
        "total": sum(diets.values()),
        "diets": counted_diets(diets),
        "allergies": allergies,
    }


def attach_door_notes(stays) -> None:
    """Give each person ``door_notes``: how to talk to them and the meals-and-knocking
    note of their care plan, the only part of it catering reads (one query)."""
    notes = door_notes({stay.person_id for stay in stays}) if stays else {}
    for stay in stays:
        stay.person.door_notes = notes.get(stay.person_id)


def catering_board(site: Site, floor: int | None = None, now=None) -> dict:
    """The catering board: seven queries.

    1. the site's meal slots
    2. the site's floors
    3. open stays with their people and rooms (the round, the kitchen counts)
    4. the door notes of their care plans (how to talk, meals and knocking)
    5. the current round's recorded deliveries, with their rooms
    6-7. the shift handover (rooms.handover.group_handover)
    8. the group's open requests (rooms.requests.group_list)
    """
    now = now or timezone.now()
    slots = site_slots(site.pk)
    floors = site.floors()
    stays = open_stays(site)
    attach_door_notes(stays)
    meals = meal_round(site, now=now, slots=slots, stays=stays)
    by_floor = meals.floors() if meals else {}
    shown = [floor] if floor is not None else floors
    return {
        "site": site,
        "round": meals,
        "progress": meals.progress if meals else None,
        "kitchen": kitchen(stays, slots, now),
        "floor_choices": floors,
        "floor": floor,
        "floors": [_floor(f, by_floor.get(f, []), meals) for f in shown],
        "handover": group_handover(site, Role.CATERING, now),
        **requests.group_list(site, Role.CATERING),
    }


def catering_change(site: Site, floors: list[int], now=None) -> dict:
    """What a change to rooms on these floors re-sends: their sections, and
    the round's head, the kitchen and the late-arrival meals as a snapshot
    shows them, without reading the other floors' stays: eight queries,
    however many rooms.

    1. the site's meal slots
    2. open stays on these floors, and everyone who checked in after the
       delivery time (the late-arrival meals), with their people and rooms
    3. the door notes of their care plans
    4. the deliveries recorded on these floors, and the late-arrival meals recorded
    5-6. the round's progress over the site: rooms per recorded outcome, rooms pending
    7-8. the kitchen: people per diet, and the allergy notes
    """
    now = now or timezone.now()
    slots = site_slots(site.pk)
    slot = current_slot(slots, now)
    moment = slot_moment(slot, timezone.localdate(now)) if slot else None
    stays = floor_stays(site, floors, moment)
    attach_door_notes(stays)
    meals = meal_round(site, now=now, slot=slot, stays=stays, floors=floors) if slot else None
    by_floor = meals.floors() if meals else {}
    return {
        "site": site,
        "round": meals,
        "progress": round_progress(site, meals) if meals else None,
        "kitchen": _kitchen(slots, now, *site_diets(site)),
        "floors": [_floor(f, by_floor.get(f, []), meals) for f in floors],
    }


def _floor(number: int, meals, round_) -> dict:
    pending = [meal.room.pk for meal in meals if meal.status == PENDING]
    # The floor button's one-time token names the rooms it covers, so a
    # double tap counts once and a later tap (new arrivals) counts again.
    digest = hashlib.sha256(",".join(map(str, pending)).encode()).hexdigest()[:12]
    token = f"floor-{round_.slot.pk}-{round_.day:%Y%m%d}-{number}-{digest}" if round_ else ""
    return {"number": number, "meals": meals, "pending": len(pending), "token": token}


@dataclass(frozen=True)
class CateringBoard(Board):
    topics: frozenset[str] | None = ROUND_TOPICS | {HANDOVER, REQUESTS}

    def affected_by(self, change):
        return super().affected_by(change) or self.seals(change)

    @staticmethod
    def seals(change) -> bool:
        # A room sealed or unsealed changes how its meals are delivered:
        # contactless. The rest of disinfection (a task done, a room aired)
        # shows nowhere on this board.
        return bool(change.sealed)

    def render_snapshot(self, site_id, params):
        context = catering_board(load_site(site_id), floor=params.get("floor"))
        return render_to_string(f"{TEMPLATE}#board-body", context)

    def change_parts(self, change):
        site = load_site(change.site_id)
        parts = []
        if HANDOVER in change.topics:
            parts.append(("rooms/handover.html#handover", {"handover": group_handover(site, Role.CATERING)}))
        parts += requests.board_parts(site, change, Role.CATERING)
        if change.topics & ROUND_TOPICS or self.seals(change):
            parts += self.round_parts(site, change)
        return parts

    def round_parts(self, site, change):
        """The round's head, the kitchen, the late-arrival meals and the
        sections of the floors the change touched (a page showing one floor
        ignores the others), read for those floors only. A change naming no
        room re-sends every floor. A sealing alone (a positive in a lab sheet
        that names every room with a result) re-sends the sealed rooms' floors."""
        rooms = change.rooms if change.topics & ROUND_TOPICS else change.sealed
        if rooms:
            floors = Room.objects.filter(site=site, pk__in=rooms).values_list("floor", flat=True)
            context = catering_change(site, sorted(set(floors)))
        else:
            context = catering_board(site)
        parts = [(f"{TEMPLATE}#{name}", context) for name in ("round-head", "kitchen", "late-meals")]
        parts += [(f"{TEMPLATE}#floor-section", {**context, "section": floor}) for floor in context["floors"]]
        return parts

    def clock_parts(self, site_id):
        """The meal round moves on with the clock (the next slot, late meals)."""
        context = catering_board(load_site(site_id))
        parts = [(name, f"{TEMPLATE}#{name}", context) for name in ("round-head", "kitchen", "late-meals", "handover")]
        # A request becomes overdue with time.
        parts.append((f"requests-{Role.CATERING}", "rooms/requests.html#group-list", context))
        parts += [
            (f"floor-{floor['number']}", f"{TEMPLATE}#floor-section", {**context, "section": floor})
            for floor in context["floors"]
        ]
        return parts
