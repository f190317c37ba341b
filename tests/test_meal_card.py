"""The catering board's floor section, written out in Python: the same HTML
as the partials it replaced.

The partials are kept here as the oracles, byte for byte as they were in
templates/catering/board.html (``meal-form`` and ``floor-section``), and
rendered beside ``floor_section`` for the floors of a site read as the board
reads them (a snapshot, and a change to a few floors), in every state a
section shows, in both languages.
"""
# The partials' lines are kept as they were, however long.
# ruff: noqa: E501

from django.conf import settings
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from groups.catering import services as meals
from groups.catering.board import catering_board, catering_change
from groups.catering.models import MealDelivery, MealSlot
from groups.catering.templatetags.catering_tags import floor_section
from groups.medical import services as medical
from groups.medical.models import Alert
from rooms import services
from rooms.models import Person, Room, Stay
from tests.clock import frozen
from tests.factories import make_person
from tests.test_meals import MealTestCase

MEAL_FORM = r"""{% partialdef meal-form %}<form method="post" action="{% url 'meal-record' %}" hx-post="{% url 'meal-record' %}" hx-target="#floor-{{ meal.room.floor }}" hx-swap="outerHTML" hx-disabled-elt="find button" data-requires="catering site_head"{% if status == "refused" %} hx-confirm="{% blocktranslate with room=meal.room.number %}Room {{ room }} refused the meal? The medical group will be told.{% endblocktranslate %}"{% endif %}>
  <input type="hidden" name="slot" value="{{ round.slot.pk }}"><input type="hidden" name="day" value="{{ round.day|date:'Y-m-d' }}">
  <input type="hidden" name="room" value="{{ meal.room.pk }}"><input type="hidden" name="status" value="{{ status }}">
  <input type="hidden" name="token" value="meal-{{ round.slot.pk }}-{{ round.day|date:'Ymd' }}-{{ meal.room.pk }}-{{ status }}">
  <button type="submit" class="button{% if status == 'delivered' %} primary{% else %} quiet{% endif %}">{{ label }}</button>
</form>{% endpartialdef %}"""

FLOOR_SECTION = r"""{% partialdef floor-section %}
<section id="floor-{{ section.number }}" class="meal-floor" data-pending="{{ section.pending }}">
  <header class="floor-head">
    <h2>{% blocktranslate with n=section.number %}Floor {{ n }}{% endblocktranslate %}</h2>
    {% if section.pending %}
      <span class="muted">{% blocktranslate with pending=section.pending total=section.meals|length %}{{ pending }} of {{ total }} rooms pending{% endblocktranslate %}</span>
    {% elif section.meals %}
      <span class="done-mark">✓ {% blocktranslate with n=section.meals|length %}all {{ n }} recorded{% endblocktranslate %}</span>
    {% endif %}
    {% if round and section.pending %}
      <form method="post" action="{% url 'meal-floor-deliver' %}" hx-post="{% url 'meal-floor-deliver' %}" hx-target="#floor-{{ section.number }}" hx-swap="outerHTML" hx-disabled-elt="find button" data-requires="catering site_head">
        <input type="hidden" name="slot" value="{{ round.slot.pk }}"><input type="hidden" name="day" value="{{ round.day|date:'Y-m-d' }}">
        <input type="hidden" name="floor" value="{{ section.number }}"><input type="hidden" name="token" value="{{ section.token }}">
        <button type="submit" class="button primary">{% blocktranslate with n=section.number meal=round.slot %}Mark floor {{ n }} {{ meal }} delivered{% endblocktranslate %}</button>
      </form>
    {% endif %}
  </header>
  <div class="meal-cards">
    {% for meal in section.meals %}
      <article id="meal-room-{{ meal.room.pk }}" class="meal-card meal-{{ meal.status }}{% if meal.delivery.feedback == 'complaint' %} meal-complaint{% endif %}{% if meal.room.status == 'sealed' %} meal-sealed{% endif %}" data-status="{{ meal.status }}">
        <div class="meal-top">
          <b class="num">{{ meal.room.number }}</b>
          {% if meal.room.status == "sealed" %}<span class="tag st-sealed">{% translate "sealed: contactless only" %}</span>{% endif %}
          <span class="count" title="{% translate 'meals' %}">×{{ meal.meals }}</span>
          {% if meal.delivery %}<span class="status">{% if meal.status == "refused" %}✕ {{ meal.delivery.get_status_display }}{% else %}✓{% endif %} {{ meal.delivery.recorded_at|time:"H:i" }}</span>{% endif %}
        </div>
        <div class="diets">
          {% for diet, label, n in meal.diets %}{% if diet != "regular" %}<span class="tag diet">{{ label }}{% if n > 1 %} ×{{ n }}{% endif %}</span>{% endif %}{% endfor %}
          {% for note in meal.allergies %}<span class="tag allergy">{{ note }}</span>{% endfor %}
          {% for person in meal.people %}{% if person.door_notes %}<p class="care-door" data-door-note>{% if person.door_notes.door_note %}<span class="tag">♥ {{ person.door_notes.door_note }}</span>{% endif %}{% if person.door_notes.how_to_talk %}<span class="tag">{{ person.door_notes.how_to_talk }}</span>{% endif %}</p>{% endif %}{% endfor %}
          {% if meal.delivery.feedback %}<span class="tag feedback-{{ meal.delivery.feedback }}">{{ meal.delivery.get_feedback_display }}{% if meal.delivery.feedback_note %}: {{ meal.delivery.feedback_note }}{% endif %}</span>{% endif %}
        </div>
        <div class="meal-actions">
          {% if meal.room.status == "sealed" %}<p class="contactless">{% translate "Sealed room: leave the meal at the door in a sealed bag, knock, step back; no handing over." %}</p>{% endif %}
          {% if meal.status == "pending" %}
            {% translate "Confirm delivery" context "action" as label %}{% with status="delivered" %}{% partial meal-form %}{% endwith %}
            {% translate "Record refusal" context "action" as label %}{% with status="refused" %}{% partial meal-form %}{% endwith %}
          {% elif meal.status == "refused" %}
            {% translate "Taken after all" as label %}{% with status="delivered" %}{% partial meal-form %}{% endwith %}
          {% else %}
            <a class="button quiet" href="{% url 'meal-feedback' meal.delivery.pk %}" hx-get="{% url 'meal-feedback' meal.delivery.pk %}" hx-target="#panel" data-requires="catering site_head">{% translate "Feedback" %}</a>
          {% endif %}
        </div>
      </article>
    {% empty %}
      <p class="muted">{% translate "Nobody on this floor is due this meal." %}</p>
    {% endfor %}
  </div>
</section>
{% endpartialdef %}"""

ORACLE = Template("{% load i18n partials %}" + MEAL_FORM + FLOOR_SECTION + "{% partial floor-section %}")
LANGUAGES = ("zh-hans", "en")
# Notes and room numbers written by people: the card escapes them.
ALLERGY = '花生<过敏> & "虾"'
COMPLAINT = '饭菜<凉>了 & "咸"'
DOOR_NOTE = 'knock <twice> & "wait"'
HOW_TO_TALK = '慢慢说 & <写字板> "好"'
FAMILY_ROOM = 'A&"<1>'


class MealCardTests(MealTestCase):
    """Three floors made by the services, lunch (11:30) the round, read at 13:30.

    Floor 1 is pending: 101 due its meal with an allergy note; 102 delivered
    with a complaint; 103 delivered, fine; 104 refused; 105 sealed (served
    contactless); a family room of four (two halal, an infant, one regular)
    with door notes. Floor 2 is all recorded: 201 delivered, 202 refused,
    203 delivered and its occupant gone since. Floor 3 has nobody due.
    """

    def setUp(self):
        super().setUp()
        one, two = self.rooms[:5], self.rooms[5:]
        self.family = Room.objects.create(site=self.site, floor=1, number=FAMILY_ROOM, capacity=4)
        Room.objects.bulk_create(Room(site=self.site, floor=3, number=f"30{n}") for n in (1, 2))
        Person.objects.filter(pk=self.person.pk).update(allergy_note=ALLERGY)
        self.check_in(self.fresh(self.person), one[0], 9)
        for room in one[1:] + two[:3]:
            self.check_in(make_person(self.site, diet=Person.Diet.VEGETARIAN), room, 9)
        household = dict(household="马家")
        people = [
            make_person(self.site, diet=Person.Diet.HALAL, **household),
            make_person(self.site, diet=Person.Diet.HALAL, allergy_note="芝麻", **household),
            make_person(self.site, diet=Person.Diet.INFANT, **household),
            make_person(self.site, **household),
        ]
        for person in people:
            self.check_in(person, self.family, 9, 30)
        # On the care ledger, so that their plans have door notes: both notes, and how to talk only.
        Person.objects.filter(pk__in=[people[0].pk, people[3].pk]).update(special_needs=["chronic"])
        medical.care_plan_save(
            person=people[0], by=self.nurse, data={"door_note": DOOR_NOTE, "how_to_talk": HOW_TO_TALK}
        )
        medical.care_plan_save(person=people[3], by=self.nurse, data={"how_to_talk": "请大声"})

        sealed = self.fresh(one[4])
        services.room_move(room=sealed, to=Room.Status.SEALED, by=self.head, version=sealed.version)
        self.complaint = self.record(one[1])
        meals.meal_feedback(
            delivery=self.complaint, feedback="complaint", note=COMPLAINT, by=self.cook, version=self.complaint.version
        )
        self.fine = self.record(one[2])
        meals.meal_feedback(delivery=self.fine, feedback="fine", by=self.cook, version=self.fine.version)
        self.record(one[3], status=MealDelivery.Status.REFUSED, note="不饿")
        self.record(two[0])
        self.record(two[1], status=MealDelivery.Status.REFUSED)
        self.record(two[2])
        self.leave(Stay.objects.get(room=two[2], ended_at=None).person, hour=13)

    def reads(self) -> dict[str, dict]:
        """The board's context as a snapshot and as a change to every floor read them."""
        with frozen(13, 30):
            return {"snapshot": catering_board(self.site), "change": catering_change(self.site, [1, 2, 3])}

    def assert_as_the_partial(self, context: dict, floors: int = 3) -> None:
        self.assertEqual(len(context["floors"]), floors)
        for language in LANGUAGES:
            with translation.override(language):
                for section in context["floors"]:
                    with self.subTest(language=language, floor=section["number"]):
                        expected = ORACLE.render(Context({"section": section, "round": context["round"]}))
                        self.assertEqual(floor_section(section, context["round"]), expected)

    def test_the_same_html_as_the_partial(self):
        for read, context in self.reads().items():
            with self.subTest(read=read):
                self.assertIsNotNone(context["round"])
                self.assert_as_the_partial(context)

    def test_the_same_html_with_no_round(self):
        # A site without meal slots has no round: nobody is due a meal, and no floor has its button.
        Alert.objects.filter(meal_delivery__isnull=False).delete()
        MealDelivery.objects.all().delete()
        MealSlot.objects.filter(site=self.site).delete()
        for read, context in self.reads().items():
            with self.subTest(read=read):
                self.assertIsNone(context["round"])
                self.assert_as_the_partial(context)
                with translation.override("en"):
                    html = floor_section(context["floors"][0], context["round"])
                self.assertIn('<p class="muted">Nobody on this floor is due this meal.</p>', html)
                self.assertNotIn("<form", html)

    def html(self, floor: int, language: str = "en") -> str:
        context = self.reads()["snapshot"]
        with translation.override(language):
            return floor_section(context["floors"][floor - 1], context["round"])

    def card(self, html: str, room: Room) -> str:
        """A room's card in a section's HTML."""
        start = html.index(f'<article id="meal-room-{room.pk}"')
        return html[start : html.index("</article>", start)]

    def test_every_state_is_there(self):
        """The oracle test is not vacuous: each state the section shows is among the floors compared."""
        one, two = self.rooms[:5], self.rooms[5:]
        floor_one = self.html(1)
        self.assertIn('<section id="floor-1" class="meal-floor" data-pending="3">', floor_one)
        self.assertIn('<span class="muted">3 of 6 rooms pending</span>', floor_one)
        self.assertIn('class="button primary">Mark floor 1 lunch delivered</button>', floor_one)
        self.assertIn('<form method="post" action="/catering/floor/"', floor_one)
        today = timezone.localdate()
        self.assertIn(f'<input type="hidden" name="day" value="{today:%Y-%m-%d}">', floor_one)
        self.assertIn('<input type="hidden" name="token" value="floor-', floor_one)

        pending = self.card(floor_one, one[0])
        self.assertIn('class="meal-card meal-pending" data-status="pending"', pending)
        self.assertIn(f'<span class="tag allergy">{escape(ALLERGY)}</span>', pending)
        self.assertIn('class="button primary">Confirm delivery</button>', pending)
        self.assertIn('class="button quiet">Record refusal</button>', pending)
        self.assertIn(' hx-confirm="Room 101 refused the meal? The medical group will be told."', pending)
        self.assertIn(f'name="token" value="meal-{self.lunch.pk}-{today:%Y%m%d}-{one[0].pk}-refused"', pending)
        self.assertIn('hx-target="#floor-1"', pending)

        complaint = self.card(floor_one, one[1])
        self.assertIn('class="meal-card meal-delivered meal-complaint"', complaint)
        self.assertIn('<span class="status">✓ 12:00</span>', complaint)
        self.assertIn('<span class="tag diet">vegetarian</span>', complaint)
        self.assertIn(f'<span class="tag feedback-complaint">complaint: {escape(COMPLAINT)}</span>', complaint)
        self.assertIn(f'href="/catering/feedback/{self.complaint.pk}/"', complaint)
        self.assertIn(">Feedback</a>", complaint)
        self.assertIn('<span class="tag feedback-fine">fine</span>', self.card(floor_one, one[2]))

        refused = self.card(floor_one, one[3])
        self.assertIn('class="meal-card meal-refused"', refused)
        self.assertIn('<span class="status">✕ refused 12:00</span>', refused)
        self.assertIn('class="button primary">Taken after all</button>', refused)
        self.assertNotIn("hx-confirm", refused)

        sealed = self.card(floor_one, one[4])
        self.assertIn('class="meal-card meal-pending meal-sealed"', sealed)
        self.assertIn('<span class="tag st-sealed">sealed: contactless only</span>', sealed)
        self.assertIn('<p class="contactless">Sealed room: leave the meal at the door', sealed)

        family = self.card(floor_one, self.family)
        self.assertIn(f'<b class="num">{escape(FAMILY_ROOM)}</b>', family)
        self.assertIn('<span class="count" title="meals">×4</span>', family)
        self.assertIn('<span class="tag diet">halal ×2</span><span class="tag diet">infant</span>\n', family)
        self.assertNotIn("regular", family)
        self.assertIn('<span class="tag allergy">芝麻</span>', family)
        self.assertIn(
            f'<p class="care-door" data-door-note><span class="tag">♥ {escape(DOOR_NOTE)}</span>'
            f'<span class="tag">{escape(HOW_TO_TALK)}</span></p>'
            '<p class="care-door" data-door-note><span class="tag">请大声</span></p>',
            family,
        )
        self.assertIn(f'hx-confirm="Room {escape(FAMILY_ROOM)} refused the meal?', family)

        floor_two = self.html(2)
        self.assertIn('data-pending="0"', floor_two)
        self.assertIn('<span class="done-mark">✓ all 3 recorded</span>', floor_two)
        self.assertNotIn("/catering/floor/", floor_two)
        gone = self.card(floor_two, two[2])
        self.assertIn('<span class="count" title="meals">×1</span>', gone)
        self.assertIn('<div class="diets">\n          \n          \n          \n          \n        </div>', gone)

        floor_three = self.html(3)
        self.assertIn('<p class="muted">Nobody on this floor is due this meal.</p>', floor_three)
        self.assertNotIn("<form", floor_three)
        self.assertNotIn("done-mark", floor_three)

        # The Chinese words are there too, the translation of each message with its values escaped.
        chinese = self.html(1, "zh-hans")
        self.assertIn("<h2>1层</h2>", chinese)
        self.assertIn("6间中3间待送", chinese)
        self.assertIn(">1层午餐全部送达</button>", chinese)
        self.assertIn(f"确认房间{escape(FAMILY_ROOM)}拒收？将通知医疗组。", chinese)
        self.assertIn("✕ 拒收 12:00", chinese)
        self.assertIn(f"投诉: {escape(COMPLAINT)}", chinese)
        self.assertIn("清真 ×2", chinese)
        self.assertIn("全部3间已登记", self.html(2, "zh-hans"))

    def test_the_partial_and_the_board_use_it(self):
        for read, context in self.reads().items():
            for language in LANGUAGES:
                with self.subTest(read=read, language=language), translation.override(language):
                    for section in context["floors"]:
                        self.assertEqual(
                            render_to_string("catering/board.html#floor-section", {**context, "section": section}),
                            floor_section(section, context["round"]),
                        )
        # The snapshot's floors, as the oracle renders them.
        context = self.reads()["snapshot"]
        for language in LANGUAGES:
            with translation.override(language):
                html = render_to_string("catering/board.html#board-body", context)
                sections = "".join(
                    ORACLE.render(Context({"section": section, "round": context["round"]}))
                    for section in context["floors"]
                )
                self.assertIn(f"</nav>\n      {sections}\n    </div>", html)

    def test_a_one_tap_action_answers_with_the_section(self):
        self.client.force_login(self.cook)
        room = self.rooms[0]
        with frozen(13, 30):
            response = self.client.post(
                reverse("meal-record"),
                {
                    "slot": self.lunch.pk,
                    "day": f"{self.today:%Y-%m-%d}",
                    "room": room.pk,
                    "status": "delivered",
                    "token": "meal-card-test",
                },
                HTTP_HX_REQUEST="true",
            )
            context = catering_board(self.site, floor=1)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('<section id="floor-1" class="meal-floor" data-pending="2">', html)
        with translation.override(settings.LANGUAGE_CODE):
            expected = ORACLE.render(Context({"section": context["floors"][0], "round": context["round"]}))
        self.assertIn(expected, html)
