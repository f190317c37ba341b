"""The catering board's floor section, written out in Python.

A change that touches a floor (a meal floor delivered, a check-in, a terminal
disinfection sealing a room, a transfer leaving...) re-renders that floor's
section in both languages on every broadcast, and the board's snapshot renders
every floor. As the template partial ``floor-section`` (with ``meal-form``
twice in each pending card) a floor of some sixty rooms cost 11-23 ms a
language: the dearest render of those actions. Written out it gives the same
HTML, byte for byte (tests/test_meal_card.py keeps both partials as the
oracles), in about a twentieth of the time. A floor of 56 rooms (16 pending,
two of them sealed; 35 delivered, four with a complaint; five refused; a few
families, diets, allergy and door notes), the median of 400 renders, on a
shared two-CPU machine whose medians wander by a third from run to run:

                                zh-hans   en
  partial, before               21 ms     21 ms    (fastest 19 ms)
  floor_section                 1.1 ms    1.4 ms   (fastest 0.8 ms)
  the partial wrapping it       1.4 ms    1.7 ms   (render_to_string)

Half of the written-out card went on ``Person.Diet.choices``, which Django
builds again on each read: ``rounds.DIETS`` reads it once.

What the template did, done here the same way:

- ``{% translate "x" %}`` of a literal (and ``{% translate "x" as label %}``,
  shown as ``{{ label }}``) is ``gettext`` and is not escaped (a literal in a
  template is safe, and so is its translation);
- ``{% blocktranslate with a=b %}`` is ``gettext(msgid) % {"a": value}``:
  the msgid is not escaped, each value is (the round's slot as its
  ``__str__`` gives it);
- ``{{ value }}`` is localized, then escaped unless it is safe already (a
  whole number is ``str`` unless the settings ask for a thousand separator);
- ``|date`` and ``|time`` turn an aware moment to the current time zone first;
- ``{% url %}`` is escaped.
"""

from datetime import datetime

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.catering.models import MealDelivery
from groups.catering.rounds import PENDING
from rooms.models import Person, Room
from rooms.templatetags.board_tags import (
    Words,
    counter,
    esc,
    href_patterns,
    hrefs,
    in_time_zone,
    label,
    written_out,
)

register = template.Library()

# What the section says, by language: read once per language (see Words).
# The messages are the template's, marked here for makemessages.
MESSAGES = {
    "floor": _("Floor %(n)s"),
    "pending": _("%(pending)s of %(total)s rooms pending"),
    "recorded": _("all %(n)s recorded"),
    "mark floor": _("Mark floor %(n)s %(meal)s delivered"),
    "sealed": _("sealed: contactless only"),
    "meals": _("meals"),
    # A sealed room, never why: catering is not told test results.
    "contactless": _("Sealed room: leave the meal at the door in a sealed bag, knock, step back; no handing over."),
    "confirm": pgettext_lazy("action", "Confirm delivery"),
    "refuse": pgettext_lazy("action", "Record refusal"),
    "taken": _("Taken after all"),
    "give feedback": _("Feedback"),
    "nobody": _("Nobody on this floor is due this meal."),
    "refused?": _("Room %(room)s refused the meal? The medical group will be told."),
}
LABELS = {
    "diet": Person.Diet,
    "status": MealDelivery.Status,
    "feedback": MealDelivery.Feedback,
}
words = Words(MESSAGES, LABELS)

# The values the template compared with, as plain strings: a form writes its status.
SEALED = Room.Status.SEALED.value
DELIVERED = MealDelivery.Status.DELIVERED.value
REFUSED = MealDelivery.Status.REFUSED.value
COMPLAINT = MealDelivery.Feedback.COMPLAINT.value


def _day(day, between: str) -> str:
    """``{{ day|date:'Y-m-d' }}`` (``between`` "-") or ``'Ymd'`` (``between`` "")."""
    if day in (None, ""):
        return ""
    if isinstance(day, datetime):
        day = in_time_zone(day)
    return f"{day.year:04d}{between}{day.month:02d}{between}{day.day:02d}"


def _hour(moment) -> str:
    """``{{ moment|time:"H:i" }}``."""
    if moment in (None, ""):
        return ""
    moment = in_time_zone(moment)
    return f"{moment.hour:02d}:{moment.minute:02d}"


class _Floor:
    """What the cards of a floor's section share, read once for the section:
    its words, the round's hidden fields and the forms' addresses."""

    __slots__ = ("w", "count", "fields", "token", "record", "feedback", "open")

    def __init__(self, round_):
        self.w = words()
        self.count = counter()
        # Before the round opens its rooms are listed without buttons (the round's head says when).
        self.open = bool(round_) and round_.open
        if round_:
            slot, day = self.count(round_.slot.pk), round_.day
            day_field, token_day = _day(day, "-"), _day(day, "")
        else:
            # As the template read ``round.slot.pk`` with no round: empty.
            slot = day_field = token_day = ""
        self.fields = (
            f'<input type="hidden" name="slot" value="{slot}"><input type="hidden" name="day" value="{day_field}">'
        )
        self.token = f"meal-{slot}-{token_day}-"
        # {% url %} escapes the address; the pk filled in is digits.
        self.record = esc(hrefs("meal-record")[0])
        self.feedback = esc(href_patterns("meal-feedback")[0])


def _form(floor: _Floor, room, room_pk: str, status: str, text: str) -> str:
    """One of a card's buttons: the room's meal recorded as ``status``."""
    confirm = f' hx-confirm="{floor.w["refused?"] % {"room": esc(room.number)}}"' if status == REFUSED else ""
    return (
        f'<form method="post" action="{floor.record}" hx-post="{floor.record}"'
        f' hx-target="#floor-{floor.count(room.floor)}" hx-swap="outerHTML" hx-disabled-elt="find button"'
        f' data-requires="catering site_head"{confirm}>\n'
        f"  {floor.fields}\n"
        f'  <input type="hidden" name="room" value="{room_pk}"><input type="hidden" name="status" value="{status}">\n'
        f'  <input type="hidden" name="token" value="{floor.token}{room_pk}-{status}">\n'
        f'  <button type="submit" class="button{" primary" if status == DELIVERED else " quiet"}">{text}</button>\n'
        "</form>"
    )


def _door_notes(people) -> str:
    notes = []
    for person in people:
        door = getattr(person, "door_notes", None)
        if door:
            note, talk = door.get("door_note"), door.get("how_to_talk")
            note = f'<span class="tag">♥ {esc(note)}</span>' if note else ""
            talk = f'<span class="tag">{esc(talk)}</span>' if talk else ""
            notes.append(f'<p class="care-door" data-door-note>{note}{talk}</p>')
    return "".join(notes)


def _card(meal, floor: _Floor) -> str:
    """One room's card: its meals, diets, allergy and door notes, and what was recorded or can be."""
    w, count = floor.w, floor.count
    room, delivery, status = meal.room, meal.delivery, meal.status
    room_pk, state = count(room.pk), esc(status)
    sealed = room.status == SEALED
    if sealed:
        sealed_tag = f'<span class="tag st-sealed">{w["sealed"]}</span>'
        contactless = f'<p class="contactless">{w["contactless"]}</p>'
    else:
        sealed_tag = contactless = ""
    if delivery:
        mark = f"✕ {label(w['status'], delivery.status)}" if status == REFUSED else "✓"
        recorded = f'<span class="status">{mark} {_hour(delivery.recorded_at)}</span>'
        if delivery.feedback:
            note = f": {esc(delivery.feedback_note)}" if delivery.feedback_note else ""
            feedback = (
                f'<span class="tag feedback-{esc(delivery.feedback)}">'
                f"{label(w['feedback'], delivery.feedback)}{note}</span>"
            )
        else:
            feedback = ""
    else:
        recorded = feedback = ""
    diets = "".join(
        f'<span class="tag diet">{label(w["diet"], diet)}{f" ×{count(n)}" if n > 1 else ""}</span>'
        for diet, _label, n in meal.diets
        if diet != "regular"
    )
    allergies = "".join(f'<span class="tag allergy">{esc(note)}</span>' for note in meal.allergies)
    if not floor.open:
        actions = ""
    elif status == PENDING:
        actions = (
            f"\n            {_form(floor, room, room_pk, DELIVERED, w['confirm'])}"
            f"\n            {_form(floor, room, room_pk, REFUSED, w['refuse'])}\n          "
        )
    elif status == REFUSED:
        actions = f"\n            {_form(floor, room, room_pk, DELIVERED, w['taken'])}\n          "
    else:
        href = floor.feedback.format(int(delivery.pk))
        actions = (
            f'\n            <a class="button quiet" href="{href}" hx-get="{href}" hx-target="#panel"'
            f' data-requires="catering site_head">{w["give feedback"]}</a>\n          '
        )
    complaint = " meal-complaint" if delivery and delivery.feedback == COMPLAINT else ""
    return (
        f'\n      <article id="meal-room-{room_pk}" class="meal-card meal-{state}{complaint}'
        f'{" meal-sealed" if sealed else ""}" data-status="{state}">\n'
        '        <div class="meal-top">\n'
        f'          <b class="num">{esc(room.number)}</b>\n'
        f"          {sealed_tag}\n"
        f'          <span class="count" title="{w["meals"]}">×{count(meal.meals)}</span>\n'
        f"          {recorded}\n"
        "        </div>\n"
        '        <div class="diets">\n'
        f"          {diets}\n"
        f"          {allergies}\n"
        f"          {_door_notes(meal.people)}\n"
        f"          {feedback}\n"
        "        </div>\n"
        '        <div class="meal-actions">\n'
        f"          {contactless}\n"
        f"          {actions}\n"
        "        </div>\n"
        "      </article>\n"
        "    "
    )


def floor_section(section: dict, round_=None) -> str:
    """A floor's section of the catering board: its head (how many rooms are
    pending, the button marking the floor delivered) and a card for each room
    due the round's meal. ``section`` is one of the board's ``floors``
    (groups/catering/board.py), ``round_`` the board's ``round``."""
    floor = _Floor(round_)
    w, count = floor.w, floor.count
    number, pending, meals = count(section["number"]), section["pending"], section["meals"]
    if pending:
        tally = w["pending"] % {"pending": count(pending), "total": count(len(meals))}
        tally = f'\n      <span class="muted">{tally}</span>\n    '
    elif meals:
        tally = f'\n      <span class="done-mark">✓ {w["recorded"] % {"n": count(len(meals))}}</span>\n    '
    else:
        tally = ""
    if floor.open and pending:
        href = esc(hrefs("meal-floor-deliver")[0])
        button = w["mark floor"] % {"n": number, "meal": esc(round_.slot)}
        deliver = (
            f'\n      <form method="post" action="{href}" hx-post="{href}" hx-target="#floor-{number}"'
            ' hx-swap="outerHTML" hx-disabled-elt="find button" data-requires="catering site_head">\n'
            f"        {floor.fields}\n"
            f'        <input type="hidden" name="floor" value="{number}">'
            f'<input type="hidden" name="token" value="{esc(section["token"])}">\n'
            f'        <button type="submit" class="button primary">{button}</button>\n'
            "      </form>\n    "
        )
    else:
        deliver = ""
    if meals:
        cards = "".join(_card(meal, floor) for meal in meals)
    else:
        cards = f'\n      <p class="muted">{w["nobody"]}</p>\n    '
    return (
        f'\n<section id="floor-{number}" class="meal-floor" data-pending="{count(pending)}">\n'
        '  <header class="floor-head">\n'
        f"    <h2>{w['floor'] % {'n': number}}</h2>\n"
        f"    {tally}\n"
        f"    {deliver}\n"
        "  </header>\n"
        '  <div class="meal-cards">\n'
        f"    {cards}\n"
        "  </div>\n"
        "</section>\n"
    )


written_out(register, floor_section, "floor_section", "floor_sections")
