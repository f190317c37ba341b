"""The medical board's room section, written out in Python: the same HTML as
the partials it replaced.

The partials are kept here as the oracles, byte for byte as they were in
templates/medical/board.html (``health-summary`` and ``med-room``), and
rendered beside ``med_room`` for the rooms of a floor read as the board reads
them, in every state the section shows, in both languages.
"""
# The partials' lines are kept as they were, however long.
# ruff: noqa: E501

from datetime import date, timedelta

from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation

from groups.medical import services as medical
from groups.medical.board import floor_rooms, medical_board, room_round
from groups.medical.models import Sample
from groups.medical.templatetags.medical_tags import med_room
from groups.transfers import services as transfers
from groups.transfers.models import Transfer
from rooms.models import Room
from tests.clock import frozen
from tests.factories import hospital_visit_arranged, make_person, make_site, satisfy_protocol
from tests.test_medical_services import MedicalTestCase, set_protocol

HEALTH_SUMMARY = r"""{% partialdef health-summary %}{% if check %}{% if check.outcome == "checked" %}<span class="hc{% for c in check.concerns %} c-{{ c }}{% endfor %}">{{ check.temperature }}°{% for symptom in check.get_symptoms_display %} · {{ symptom }}{% endfor %} · {{ check.get_mood_display }}</span>{% else %}<span class="hc c-missed">{{ check.get_outcome_display }}</span>{% endif %}{% else %}<span class="muted">—</span>{% endif %}{% endpartialdef %}"""

MED_ROOM = r"""{% partialdef med-room %}
<section id="med-room-{{ room.pk }}" class="med-room st-{{ room.status }}{% if not room.open_stays %} empty{% endif %}" data-status="{{ room.status }}"{% if room.care %} data-care{% endif %}>
  <header class="med-room-head">
    <b class="num">{{ room.number }}</b>
    {% if room.status == "sealed" %}<span class="status-pill st-sealed">{{ room.get_status_display }}</span>{% endif %}
  </header>
  <div class="med-people">
  {% for stay in room.open_stays %}
    <div id="med-person-{{ stay.person_id }}" class="med-person{% if stay.positive %} positive{% endif %}"{% if stay.care_needs %} data-care{% endif %}>
      <div class="who">
        <a href="{% url 'person-medical' stay.person_id %}"><b>{{ stay.person.name }}</b></a>
        <span class="muted">{{ stay.person.get_sex_display }} · {% blocktranslate with age=stay.person.age %}{{ age }} y{% endblocktranslate %} · {% blocktranslate with day=stay.day_number %}day {{ day }}{% endblocktranslate %}</span>
        {% for need in stay.care_labels %}<span class="tag need">{{ need }}</span>{% endfor %}
        {% if stay.positive %}<span class="tag positive">{% translate "POSITIVE" %}</span>{% elif stay.suspected %}<span class="tag warn" data-suspected>{% translate "SUSPECTED: PCR re-test" %}</span>{% endif %}
      </div>
      <div class="samples">
        {% for sample in stay.round_samples %}
          <div id="sample-{{ sample.pk }}" class="sample s-{{ sample.status }}{% if sample.is_overdue %} overdue{% endif %}" data-sample-status="{{ sample.status }}">
            <span class="what">{{ sample.get_kind_display }} · {% if sample.reason == "protocol" %}{% blocktranslate with day=sample.day %}day {{ day }}{% endblocktranslate %}{% else %}{{ sample.get_reason_display }}{% endif %}{% if sample.is_overdue %} · <b class="warn">{% blocktranslate with day=sample.scheduled_on|date:"m-d" %}missed {{ day }}{% endblocktranslate %}</b>{% endif %}</span>
            {% if sample.is_open and sample.away %}
              <span class="tag away">{% translate "away on a hospital visit: sample when back" %}</span>
            {% elif sample.is_open %}
              <form class="inline-form" method="post" action="{% url 'sample-collect' sample.pk %}" hx-post="{% url 'sample-collect' sample.pk %}" hx-target="#med-room-{{ room.pk }}" hx-swap="outerHTML" hx-disabled-elt="find button" data-requires="medical site_head">
                <input type="hidden" name="version" value="{{ sample.version }}">
                <input type="hidden" name="token" value="{{ token }}-c{{ sample.pk }}">
                <input type="text" name="barcode" maxlength="40" class="barcode" placeholder="{% translate 'tube barcode' %}" aria-label="{% translate 'tube barcode' %}" autocomplete="off">
                <button type="submit" class="button primary">{% if sample.is_overdue %}{% translate "Record late sample" context "action" %}{% else %}{% translate "Record sample" context "action" %}{% endif %}</button>
              </form>
            {% elif sample.status == "collected" %}
              <span class="muted">{% blocktranslate with time=sample.collected_at|date:"m-d H:i" %}collected {{ time }}{% endblocktranslate %}{% if sample.tube_barcode %} · {{ sample.tube_barcode }}{% endif %}</span>
              <form class="inline-form result-form" method="post" action="{% url 'sample-result' sample.pk %}" hx-post="{% url 'sample-result' sample.pk %}" hx-target="#med-room-{{ room.pk }}" hx-swap="outerHTML" hx-disabled-elt="find button" data-requires="medical site_head">
                <input type="hidden" name="version" value="{{ sample.version }}">
                <input type="hidden" name="token" value="{{ token }}-r{{ sample.pk }}">
                <input type="text" name="ct_orf1ab" inputmode="decimal" class="ct" placeholder="ORF1ab" aria-label="{% translate 'Ct ORF1ab' %}">
                <input type="text" name="ct_n" inputmode="decimal" class="ct" placeholder="N" aria-label="{% translate 'Ct N' %}">
                <div class="result-buttons">
                <button type="submit" name="result" value="negative" class="button r-negative">{% translate "Negative" %}</button>
                <button type="submit" name="result" value="invalid" class="button r-invalid">{% translate "Invalid" %}</button>
                <button type="submit" name="result" value="positive" class="button r-positive"
                        hx-post="{% url 'sample-result' sample.pk %}" hx-vals='{"result": "positive"}' hx-disabled-elt="this"
                        hx-confirm="{% if sample.kind == "antigen" %}{% blocktranslate with name=stay.person.name %}Record an antigen POSITIVE for {{ name }}? It is a suspected result: the medical group is alerted and a PCR re-test is due today.{% endblocktranslate %}{% else %}{% blocktranslate with name=stay.person.name number=room.number %}Record a POSITIVE result for {{ name }}? Room {{ number }} will be sealed and the site head alerted.{% endblocktranslate %}{% endif %}">{% translate "Positive" %}</button>
                </div>
              </form>
            {% elif sample.status == "resulted" %}
              <span class="result r-{{ sample.result }}">{{ sample.get_result_display }}</span>
            {% endif %}
          </div>
        {% empty %}
          <span class="muted">{% translate "No sample today." %}</span>
        {% endfor %}
      </div>
      <div class="health">
        <span class="round-label">{% translate "AM" %}</span> {% with check=stay.checks.am %}{% partial health-summary %}{% endwith %}
        <span class="round-label">{% translate "PM" %}</span> {% with check=stay.checks.pm %}{% partial health-summary %}{% endwith %}
      </div>
    </div>
  {% endfor %}
  </div>
</section>
{% endpartialdef %}"""

ORACLE = Template("{% load i18n partials %}" + HEALTH_SUMMARY + MED_ROOM + "{% partial med-room %}")
TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
LANGUAGES = ("zh-hans", "en")


class MedRoomTests(MedicalTestCase):
    """A floor with every state a room's section shows, made by the services."""

    def setUp(self):
        # Collected at 10:30 in the site's time zone (02:30 UTC): the board shows the local time.
        self.enterContext(frozen(10, 30))
        set_protocol(self.site, days=((1, "pcr"), (2, "antigen"), (3, "pcr"), (5, "pcr"), (7, "pcr")))
        floor = self.room.floor
        self.sealed, self.mixed, self.suspect, self.elder, self.empty = self.rooms[:5]
        self.family = Room.objects.create(site=self.site, floor=floor, number="106", capacity=4)

        # On the care ledger: elderly, with a disability; checked in two days ago, two samples missed.
        self.old = make_person(
            self.site, name="老<王>", birth_date=date(1940, 3, 1), special_needs=["disability"], sex="F"
        )
        self.check_in(person=self.old, room=self.elder, days_ago=2)
        self.assertEqual(medical.samples_mark_missed(site=self.site), 2)

        # A positive PCR: the room is sealed.
        self.positive = make_person(self.site, name='甲<乙>&"丙"')
        stay = self.check_in(person=self.positive, room=self.sealed)
        self.pcr = self.collected(stay, barcode="T-<001>")
        medical.sample_record_result(sample=self.pcr, result="positive", by=self.nurse)

        # Yesterday's PCR collected late and negative today; today's antigen collected, no barcode.
        self.tom = make_person(self.site, name='Tom & "Jerry" <x>')
        stay = self.check_in(person=self.tom, room=self.mixed, days_ago=1)
        medical.sample_record_result(sample=self.collected(stay, day=1), result="negative", by=self.nurse)
        self.antigen = self.collected(stay, day=2)

        # An antigen positive today: suspected, a PCR re-test due; yesterday's PCR overdue, still scheduled.
        self.maybe = make_person(self.site, name="疑&似")
        stay = self.check_in(person=self.maybe, room=self.suspect, days_ago=1)
        medical.sample_record_result(sample=self.collected(stay, day=2), result="positive", by=self.nurse)

        # A family: a child with no sample today (their tests done before), one away on a
        # hospital visit, one whose PCR was invalid today and one with a PCR collected.
        household = dict(household="H-106")
        self.child = make_person(self.site, name="小明", birth_date=date(2018, 5, 5), **household)
        self.away = make_person(self.site, name="外出<者>", **household)
        self.invalid = make_person(self.site, name='无"效"', **household)
        self.collector = make_person(self.site, name="采&样", **household)
        stay = self.check_in(person=self.child, room=self.family, days_ago=3)
        satisfy_protocol(stay)
        Sample.objects.filter(stay=stay).update(resulted_at=timezone.now() - timedelta(days=2))
        for person in (self.away, self.collector):
            self.check_in(person=person, room=self.family)
        stay = self.check_in(person=self.invalid, room=self.family, days_ago=1)
        medical.sample_record_result(sample=self.collected(stay, day=1), result="invalid", by=self.nurse)
        stay = self.collector.stays.get()
        self.collected(stay, day=1, barcode='PCR-9&"x"')
        self.hospital_visit(self.away)

        # The health rounds: normal, fever with symptoms, distressed, missed, refused.
        today = timezone.localdate()
        medical.health_round_record(
            site=self.site,
            day=today,
            round="am",
            entries=[
                {"person": self.old, "temperature": "36.5"},
                {"person": self.child, "temperature": "36.8", "mood": "distressed"},
                {"person": self.invalid, "outcome": "refused"},
                {"person": self.tom, "temperature": "37.0", "mood": "anxious", "symptoms": ["cough"]},
            ],
            by=self.nurse,
        )
        medical.health_round_record(
            site=self.site,
            day=today,
            round="pm",
            entries=[
                {"person": self.old, "temperature": "38.2", "symptoms": ["sore_throat", "cough"]},
                {"person": self.child, "outcome": "missed"},
            ],
            by=self.nurse,
        )

    def hospital_visit(self, person) -> Transfer:
        transfer = hospital_visit_arranged(person, clerk=self.clerk, head=self.head)
        return transfers.transfer_depart(transfer=transfer, by=self.guard)

    def floor(self) -> dict[str, Room]:
        rooms = floor_rooms(self.site, self.room.floor)
        return {room.number: room for room in rooms}

    def test_the_same_html_as_the_partial(self):
        rooms = self.floor()
        self.assertEqual(len(rooms), 6)
        # And each room as a one-tap action reads it alone (an empty room's read sets no ``care``).
        alone = [room_round(room.pk) for room in rooms.values()]
        for language in LANGUAGES:
            with translation.override(language):
                for read, room in [("floor", room) for room in rooms.values()] + [("alone", room) for room in alone]:
                    with self.subTest(language=language, room=room.number, read=read):
                        expected = ORACLE.render(Context({"room": room, "token": TOKEN}))
                        self.assertEqual(med_room(room, TOKEN), expected)

    def html(self, room: Room, language: str = "en") -> str:
        with translation.override(language):
            return med_room(self.floor()[room.number], TOKEN)

    def test_every_state_is_there(self):
        """The oracle test is not vacuous: each state the section shows is among the rooms compared."""
        empty = self.html(self.empty)
        self.assertIn('class="med-room st-available empty"', empty)
        self.assertNotIn("med-person", empty)

        sealed = self.html(self.sealed)
        self.assertIn('data-status="sealed"', sealed)
        self.assertIn('<span class="status-pill st-sealed">sealed</span>', sealed)
        self.assertIn('class="med-person positive"', sealed)
        self.assertIn('<span class="tag positive">POSITIVE</span>', sealed)
        self.assertIn('<span class="result r-positive">positive</span>', sealed)
        self.assertIn("<b>甲&lt;乙&gt;&amp;&quot;丙&quot;</b>", sealed)

        mixed = self.html(self.mixed)
        self.assertIn('<span class="result r-negative">negative</span>', mixed)
        self.assertIn(f'id="sample-{self.antigen.pk}" class="sample s-collected"', mixed)
        self.assertIn("Record an antigen POSITIVE for Tom &amp; &quot;Jerry&quot; &lt;x&gt;?", mixed)
        self.assertIn(f'<span class="muted">collected {timezone.localtime():%m-%d} 10:30</span>', mixed)
        self.assertIn('<span class="hc c-symptoms">37.0° · cough · anxious</span>', mixed)
        self.assertIn('<span class="round-label">PM</span> <span class="muted">—</span>', mixed)
        self.assertIn(f'name="token" value="{TOKEN}-r{self.antigen.pk}"', mixed)

        suspect = self.html(self.suspect)
        self.assertIn("data-suspected>SUSPECTED: PCR re-test</span>", suspect)
        self.assertIn("PCR re-test of an antigen positive", suspect)
        self.assertIn('class="sample s-scheduled overdue"', suspect)
        yesterday = timezone.localdate() - timedelta(days=1)
        self.assertIn(f'<b class="warn">missed {yesterday:%m-%d}</b>', suspect)
        self.assertIn(">Record late sample</button>", suspect)
        self.assertIn(">Record sample</button>", suspect)

        elder = self.html(self.elder)
        self.assertIn('data-status="occupied" data-care>', elder)
        self.assertIn('<span class="tag need">elderly</span><span class="tag need">disability</span>', elder)
        self.assertIn('class="sample s-missed overdue"', elder)
        self.assertIn(f"female · {self.old.age} y · day 3</span>", elder)
        self.assertIn('<span class="hc">36.5° · stable</span>', elder)
        self.assertIn('<span class="hc c-fever c-symptoms">38.2° · cough · sore throat · stable</span>', elder)
        self.assertIn("老&lt;王&gt;", elder)

        family = self.html(self.family)
        self.assertEqual(family.count('class="med-person'), 4)
        self.assertIn('<span class="tag need">child</span>', family)
        self.assertIn('<span class="tag away">away on a hospital visit: sample when back</span>', family)
        # Today's antigen, due and not overdue.
        self.assertIn('class="sample s-scheduled" data-sample-status="scheduled"', family)
        self.assertIn('<span class="result r-invalid">invalid</span>', family)
        self.assertIn('<span class="hc c-missed">refused check</span>', family)
        self.assertIn('<span class="hc c-missed">not checked</span>', family)
        self.assertIn('<span class="hc c-distressed">36.8° · distressed</span>', family)
        self.assertIn(" · PCR-9&amp;&quot;X&quot;</span>", family)  # a tube is stored in capitals
        self.assertIn("Record a POSITIVE result for 采&amp;样? Room 106 will be sealed", family)
        self.assertIn('<span class="muted">No sample today.</span>', family)

        # The Chinese words are there too, the translation of each message with its values escaped.
        chinese = self.html(self.mixed, "zh-hans")
        self.assertIn("确认录入Tom &amp; &quot;Jerry&quot; &lt;x&gt;抗原阳性？", chinese)
        self.assertIn("第2天", chinese)
        self.assertIn(f"{timezone.localtime():%m-%d} 10:30已采", chinese)

    def test_the_partial_and_the_board_use_it(self):
        rooms = self.floor()
        for language in LANGUAGES:
            with translation.override(language):
                for room in rooms.values():
                    context = {"room": room, "token": TOKEN}
                    self.assertEqual(render_to_string("medical/board.html#med-room", context), med_room(room, TOKEN))
                board = medical_board(self.site, floor=self.room.floor)
                html = render_to_string("medical/board.html#board-body", board)
                # The snapshot's rooms, as the oracle renders them with the board's token.
                sections = "".join(
                    ORACLE.render(Context({"room": room, "token": board["token"]})) for room in board["rooms"]
                )
                self.assertIn(f'<div class="med-rooms">{sections}</div>', html)

    def test_a_site_without_rooms(self):
        html = render_to_string("medical/board.html#board-body", medical_board(make_site(name="空")))
        self.assertIn('<div class="med-rooms"><p class="muted">', html)
