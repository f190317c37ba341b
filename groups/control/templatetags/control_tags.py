"""The control screen's room cell, written out in Python.

A thousand cells make the wall display, and the control screen renders
every one of them for each snapshot (a reconnecting wall, the reconnect
storm's control screens) and for the board clock each minute. As a template
partial a cell cost about 0.17 ms: most of the control screen's render
(bench/README.md, round four, continued). Written out it gives the same
HTML, byte for byte (tests/test_room_cell.py keeps the partial it replaced
as the oracle), in a tenth of the time.
"""

from django import template
from django.utils.html import escape

from rooms.templatetags.board_tags import room_href, written_out

register = template.Library()

TEST_SIGNS = {"positive": "+", "suspected": "?", "overdue": "!", "due": "◔"}
HEALTH_SIGNS = {"fever": "°", "symptoms": "~", "distressed": "!", "anxious": "≈"}


def cell(room, link=True) -> str:
    """One room's cell: its status, occupants and badges (each already set on the room).

    ``link=False``: the cell does not open the room's page (the district
    office's read-only screen: the office has no right to it)."""
    status, number = escape(room.status), escape(room.number)
    family = " family" if room.is_family_room else ""
    # Also in the title: a short cell on the wall display leaves the occupancy out.
    occupancy = f"{escape(room.occupant_count)}/{escape(room.capacity)}"
    badges = []
    test = getattr(room, "test_badge", "")
    if test:
        test = escape(test)
        badges.append(f'<i class="badge t-{test}" data-test="{test}">{TEST_SIGNS.get(room.test_badge, "−")}</i>')
    for concern in getattr(room, "health_badges", ()):
        sign, concern = HEALTH_SIGNS.get(concern, "✓"), escape(concern)
        badges.append(f'<i class="badge h-{concern}" data-health="{concern}">{sign}</i>')
    for badge in getattr(room, "badges", ()):
        kind, state = escape(badge.kind), escape(badge.state)
        badges.append(
            f'<i class="badge {kind}-{state}" data-badge="{kind}" data-state="{state}"'
            f' title="{escape(badge.label)}">{escape(badge.letter)}</i>'
        )
    tag, href = ("a", f' href="{room_href(room.pk)}"') if link else ("div", "")
    return (
        f'\n<{tag} id="room-{int(room.pk)}" class="cell st-{status}{family}"{href}\n'
        f'   data-status="{status}" title="{number} · {escape(room.get_status_display())} · {occupancy}">\n'
        f'  <span class="num">{number}</span>\n'
        f'  <span class="occ">{occupancy}</span>\n'
        f'  <span class="badges" aria-hidden="true">{"".join(badges)}</span>\n'
        f"</{tag}>\n"
    )


written_out(register, cell, "room_cell", "room_cells")


# A floor's rooms are one line of the grid, from a hotel's twenty to forty a floor; past that they wrap.
FEWEST_COLUMNS, MOST_COLUMNS = 20, 40


@register.filter
def grid_columns(floors) -> int:
    """How many cells a line of the room grid holds: the widest floor's rooms, kept between 20 and 40.

    Twenty a line made a floor of thirty two lines, each half as tall on the wall display.
    """
    widest = max((len(rooms) for _floor, rooms in floors), default=0)
    return min(max(widest, FEWEST_COLUMNS), MOST_COLUMNS)
