"""The control screen's room cell and the general board's room card, written
out in Python: the same HTML as the partials they replaced.

The partials are kept here as the oracles, byte for byte as they were in
templates/control/screen.html and templates/general/board.html (the cell's
title has since named the occupancy too), and
rendered beside the tags for rooms in every status, with every badge and
occupants, in both languages.
"""
# The partial's lines are kept as they were, however long.
# ruff: noqa: E501

from django.template import Context, Template
from django.test import SimpleTestCase
from django.utils import translation

from groups.control.overview import Badge
from groups.control.templatetags.control_tags import cell
from groups.general.templatetags.general_tags import card
from rooms.models import AuditEvent, Person, Room, Stay
from rooms.templatetags.board_tags import feed_row

PARTIAL = """{% load board_tags l10n %}{% localize off %}
<a id="room-{{ room.pk }}" class="cell st-{{ room.status }}{% if room.is_family_room %} family{% endif %}" href="{{ room.pk|room_href }}"
   data-status="{{ room.status }}" title="{{ room.number }} · {{ room.get_status_display }} · {{ room.occupant_count }}/{{ room.capacity }}">
  <span class="num">{{ room.number }}</span>
  <span class="occ">{{ room.occupant_count }}/{{ room.capacity }}</span>
  <span class="badges" aria-hidden="true">{% if room.test_badge %}<i class="badge t-{{ room.test_badge }}" data-test="{{ room.test_badge }}">{% if room.test_badge == "positive" %}+{% elif room.test_badge == "suspected" %}?{% elif room.test_badge == "overdue" %}!{% elif room.test_badge == "due" %}◔{% else %}−{% endif %}</i>{% endif %}{% for concern in room.health_badges %}<i class="badge h-{{ concern }}" data-health="{{ concern }}">{% if concern == "fever" %}°{% elif concern == "symptoms" %}~{% elif concern == "distressed" %}!{% elif concern == "anxious" %}≈{% else %}✓{% endif %}</i>{% endfor %}{% for badge in room.badges %}<i class="badge {{ badge.kind }}-{{ badge.state }}" data-badge="{{ badge.kind }}" data-state="{{ badge.state }}" title="{{ badge.label }}">{{ badge.letter }}</i>{% endfor %}</span>
</a>
{% endlocalize %}"""

CARD = """{% load board_tags l10n %}{% localize off %}
<a id="room-{{ room.pk }}" class="room-card st-{{ room.status }}" href="{{ room.pk|room_href }}" data-status="{{ room.status }}"{% if room.care %} data-care{% endif %}>
  <span class="num">{{ room.number }}</span>
  <span class="status">{{ room.get_status_display }}</span>
  <span class="occ">{{ room.occupant_count }}/{{ room.capacity }}</span>
  <span class="names">{% for stay in room.open_stays %}{{ stay.person.name }}{% if not forloop.last %}、{% endif %}{% endfor %}</span>
</a>
{% endlocalize %}"""

FEED_ROW = """{% load board_tags %}<li><time datetime="{{ event.at.isoformat }}">{{ event.at|time:"H:i" }}</time>
      <span class="actor">{{ event.actor_words }}</span>
      <span class="action">{{ event.action_label }}</span>
      {% if event.room_id %}<a href="{{ event.room_id|room_href }}">{{ event.label }}</a>{% else %}<span>{{ event.label }}</span>{% endif %}</li>
"""

TESTS = ("", "positive", "suspected", "overdue", "due", "negative")
HEALTH = ([], ["normal"], ["fever", "symptoms"], ["distressed", "anxious"])
BADGES = (
    [],
    [Badge("food", "delivered"), Badge("disinfection", "done")],
    [Badge("food", "refused"), Badge("disinfection", "sealed")],
    [Badge("food", "pending"), Badge("food", "complaint"), Badge("disinfection", "overdue")],
)


class RoomCellTests(SimpleTestCase):
    def rooms(self):
        n = 0
        for status, _label in Room.Status.choices:
            for capacity in (1, 3):
                for test in TESTS:
                    n += 1
                    room = Room(
                        pk=n, number=f"{n}0{capacity}", floor=1, capacity=capacity, occupant_count=n % 4, status=status
                    )
                    room.test_badge = test
                    room.health_badges = HEALTH[n % len(HEALTH)]
                    room.badges = BADGES[n % len(BADGES)]
                    yield room

    def test_the_same_html_as_the_partial(self):
        partial = Template(PARTIAL)
        rooms = list(self.rooms())
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for room in rooms:
                    with self.subTest(language=language, room=room.number, status=room.status):
                        self.assertEqual(cell(room), partial.render(Context({"room": room})))

    def test_a_room_number_is_escaped(self):
        room = Room(pk=7, number="<b>\"1&1'", floor=1, capacity=1, occupant_count=0, status="available")
        self.assertEqual(cell(room), Template(PARTIAL).render(Context({"room": room})))
        self.assertNotIn("<b>", cell(room))

    def test_a_room_read_without_badges(self):
        # The district office's view sets no badge on its rooms.
        room = Room(pk=8, number="808", floor=8, capacity=2, occupant_count=1, status="occupied")
        self.assertEqual(cell(room), Template(PARTIAL).render(Context({"room": room})))


class RoomCardTests(SimpleTestCase):
    def test_the_same_html_as_the_partial(self):
        partial = Template(CARD)
        names = ["王芳", "李<小>明", 'Tom "T" & Co']
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for n, (status, _label) in enumerate(Room.Status.choices):
                    for people in range(4):
                        room = Room(pk=n, number=f"2{n:02}", floor=2, capacity=3, occupant_count=people, status=status)
                        room.open_stays = [Stay(person=Person(name=name)) for name in names[:people]]
                        room.care = bool(people % 2)
                        with self.subTest(language=language, status=status, people=people):
                            self.assertEqual(card(room), partial.render(Context({"room": room})))


class FeedRowTests(SimpleTestCase):
    """The control screen's activity row, as the partial control/screen.html#feed-row drew it."""

    def test_the_same_html_as_the_partial(self):
        from datetime import UTC, datetime

        partial = Template(FEED_ROW)
        events = [
            # A person's change in a room; a system's (the clock's, no actor); a site's (no room); an action
            # the labels do not know; words to escape; the small hours, local time across midnight UTC.
            AuditEvent(
                pk=1,
                at=datetime(2026, 12, 7, 1, 5, 9, 123456, tzinfo=UTC),
                actor_id=3,
                actor_name="王芳",
                action="sample.result",
                label="李明 · 核酸 · 12-07",
                room_id=12,
            ),
            AuditEvent(
                pk=2,
                at=datetime(2026, 12, 7, 16, 0, tzinfo=UTC),
                actor_id=None,
                actor_name="系统",
                action="sample.missed",
                label="张伟 · 核酸 · 12-07",
                room_id=40,
            ),
            AuditEvent(
                pk=3,
                at=datetime(2026, 12, 7, 23, 59, 59, tzinfo=UTC),
                actor_id=3,
                actor_name="Jane <Doe>",
                action="site.settings",
                label='Site "A" & B',
                room_id=None,
            ),
            AuditEvent(
                pk=4,
                at=datetime(2026, 12, 7, 8, 30, tzinfo=UTC),
                actor_id=5,
                actor_name="刘洋",
                action="no.such.action",
                label="<script>",
                room_id=None,
            ),
        ]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for event in events:
                    with self.subTest(language=language, event=event.pk):
                        self.assertEqual(feed_row(event), partial.render(Context({"event": event})))
        self.assertNotIn("<script>", feed_row(events[3]))
