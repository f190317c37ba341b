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

from groups.control.overview import BADGE_LABELS, BADGE_LETTERS
from rooms.models import Room
from rooms.templatetags.board_tags import Words, esc, label, room_href, written_out

register = template.Library()

TEST_SIGNS = {"positive": "+", "suspected": "?", "overdue": "!", "due": "◔"}
HEALTH_SIGNS = {"fever": "°", "symptoms": "~", "distressed": "!", "anxious": "≈"}
# A cell's words, once per language: translated for each of a hundred cells, they were a third of a cell's time.
words = Words(
    {**{("letter", kind): letter for kind, letter in BADGE_LETTERS.items()}, **BADGE_LABELS},
    {"status": Room.Status},
)


def cell(room, link=True) -> str:
    """One room's cell: its status, occupants and badges (each already set on the room).

    ``link=False``: the cell does not open the room's page (the district
    office's read-only screen: the office has no right to it)."""
    w = words()
    status, number = esc(room.status), esc(room.number)
    family = " family" if room.is_family_room else ""
    # Also in the title: a short cell on the wall display leaves the occupancy out.
    occupancy = f"{esc(room.occupant_count)}/{esc(room.capacity)}"
    badges = []
    test = getattr(room, "test_badge", "")
    if test:
        test = esc(test)
        badges.append(f'<i class="badge t-{test}" data-test="{test}">{TEST_SIGNS.get(room.test_badge, "−")}</i>')
    for concern in getattr(room, "health_badges", ()):
        sign, concern = HEALTH_SIGNS.get(concern, "✓"), esc(concern)
        badges.append(f'<i class="badge h-{concern}" data-health="{concern}">{sign}</i>')
    for badge in getattr(room, "badges", ()):
        title, letter = esc(w[(badge.kind, badge.state)]), esc(w[("letter", badge.kind)])
        kind, state = esc(badge.kind), esc(badge.state)
        badges.append(
            f'<i class="badge {kind}-{state}" data-badge="{kind}" data-state="{state}" title="{title}">{letter}</i>'
        )
    tag, href = ("a", f' href="{room_href(room.pk)}"') if link else ("div", "")
    return (
        f'\n<{tag} id="room-{int(room.pk)}" class="cell st-{status}{family}"{href}\n'
        f'   data-status="{status}" title="{number} · {label(w["status"], room.status)} · {occupancy}">\n'
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
