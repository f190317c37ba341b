"""The general board's room card, written out in Python.

One card per room, and the general board shows every floor's: a
reconnecting tablet's snapshot of a 1,000-room site renders a thousand of
them (the reconnect storm's dearest board). Written out, as the control
screen's cells (groups/control/templatetags/control_tags.py), it gives the
same HTML, byte for byte (tests/test_room_cell.py keeps the partial it
replaced as the oracle).
"""

from django import template

from rooms.models import Room
from rooms.templatetags.board_tags import Words, esc, label, room_href, written_out

register = template.Library()
# The statuses' labels, once per language (as the control screen's cells).
words = Words({}, {"status": Room.Status})


def card(room) -> str:
    """One room's card: its number, status, occupancy and who is in it (their stays read with the room)."""
    status = esc(room.status)
    care = " data-care" if getattr(room, "care", False) else ""
    names = "、".join(esc(stay.person.name) for stay in room.open_stays)
    return (
        f'\n<a id="room-{int(room.pk)}" class="room-card st-{status}" href="{room_href(room.pk)}"'
        f' data-status="{status}"{care}>\n'
        f'  <span class="num">{esc(room.number)}</span>\n'
        f'  <span class="status">{label(words()["status"], room.status)}</span>\n'
        f'  <span class="occ">{esc(room.occupant_count)}/{esc(room.capacity)}</span>\n'
        f'  <span class="names">{names}</span>\n'
        "</a>\n"
    )


written_out(register, card, "room_card", "room_cards")
