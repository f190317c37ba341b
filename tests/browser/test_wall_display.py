"""The control screen as a wall display, in Chinese at 1920×1080.

The site head reads it from across the room: every section is on the one
screen without scrolling the page, for a site of 8 floors × 20 rooms, and what
the server's board clock sends when time alone changed the screen leaves
alone what was scrolled or typed.
"""

from django.test import override_settings
from django.utils import timezone
from playwright.sync_api import expect

from groups.medical import services as medical
from groups.medical.models import Alert
from groups.transfers import services as transfers
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import Room, Stay
from rooms.roles import Role
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase
from tests.factories import make_person

FLOORS, PER_FLOOR = 8, 20
# The site head's questions, a labelled group of figures each.
FIGURE_GROUPS = ("people", "rooms", "tests", "health", "environment", "food", "gate")

# The part of an element that lies outside the viewport, in CSS pixels (0 when it is all on screen).
OVERLAP = """([a, b]) => {
  const r = document.querySelector(a).getBoundingClientRect();
  const s = document.querySelector(b).getBoundingClientRect();
  return Math.max(0, Math.min(r.right, s.right) - Math.max(r.left, s.left))
    * Math.max(0, Math.min(r.bottom, s.bottom) - Math.max(r.top, s.top));
}"""
# WCAG's contrast ratio between an element's text colour and the background behind it.
CONTRAST = """(selector) => {
  const el = document.querySelector(selector);
  const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const linear = (v) => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  const lum = (c) => c.map(linear).reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  let bg = el;
  while (getComputedStyle(bg).backgroundColor === "rgba(0, 0, 0, 0)") bg = bg.parentElement;
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(rgb(getComputedStyle(bg).backgroundColor))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""
# Text wider than its box (a number cut off at the box's edge or drawn over its neighbour's).
CLIPPED = """(selector) => [...document.querySelectorAll(selector)]
  .filter((el) => el.scrollWidth > el.clientWidth + 0.5)
  .map((el) => `${el.textContent.trim()}: ${el.scrollWidth} > ${el.clientWidth}`)"""
# Badges below the bottom of their room's cell, in cells of up to four badges (two lines of them).
BADGES_CUT = """() => [...document.querySelectorAll('.cell')]
  .filter((cell) => cell.querySelectorAll('.badge').length <= 4)
  .flatMap((cell) => [...cell.querySelectorAll('.badge')]
    .filter((b) => b.getBoundingClientRect().bottom > cell.getBoundingClientRect().bottom + 0.5)
    .map((b) => `${cell.id} ${b.textContent}`))"""
# The figures of a 1,000-room site's day: hundreds in every count, a meal round of hundreds of rooms.
LARGE_FIGURES = """() => document.querySelectorAll('.figures .counter b').forEach((el) => {
  const text = el.textContent;
  el.textContent = text.includes('/') ? '612/987' : text.includes('·') ? '12 · 3' : text.includes('.') ? '12.5' : '987';
})"""
OUTSIDE = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return "missing";
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return "not shown";
  return Math.max(0, -r.top, -r.left, r.bottom - innerHeight, r.right - innerWidth);
}"""


def build_wall_site(test):
    """Rooms up to 8 floors × 20 on the cast's site, a dozen people in them,
    an alert, a transfer request waiting and a handed-over shift."""
    taken = set(Room.objects.filter(site=test.site).values_list("number", flat=True))
    Room.objects.bulk_create(
        Room(site=test.site, floor=floor, number=f"{floor}{n:02d}", capacity=1)
        for floor in range(1, FLOORS + 1)
        for n in range(1, PER_FLOOR + 1)
        if f"{floor}{n:02d}" not in taken
    )
    rooms = list(Room.objects.filter(site=test.site).order_by("floor", "number"))
    people = [test.person] + [make_person(test.site, name=f"住客{i}") for i in range(11)]
    for person, room in zip(people, rooms[::13], strict=False):
        services.stay_check_in(person=person, room=room, by=test.clerk)
    for i in range(12):
        Alert.objects.create(
            site=test.site, kind=Alert.Kind.FEVER, person=people[i], room=rooms[i * 13], for_site_head=True
        )
    Alert.objects.create(
        site=test.site, kind=Alert.Kind.DISTRESSED, person=people[0], room=rooms[0], for_site_head=True, urgent=True
    )
    for person in people[1:4]:
        transfers.transfer_request(
            person=person,
            by=test.nurse,
            reason="持续高热，需转往定点医院进一步诊治",
            destination_type=Transfer.Destination.DESIGNATED_HOSPITAL,
            destination_name="市第一人民医院",
        )
    services.handover_give(site=test.site, group=Role.MEDICAL, by=test.nurse, notes="夜班无特殊情况。")
    assert Stay.objects.filter(person__site=test.site).count() == len(people)


class WallDisplayTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.elsewhere(build_wall_site, test=self)

    def outside(self, page, selector):
        return page.evaluate(OUTSIDE, selector)

    def health_checked(self):
        """The first person's room shows today's sample, the meal and a health check: three badges."""
        self.elsewhere(
            medical.health_round_record,
            site=self.site,
            day=timezone.localdate(),
            round="am",
            entries=[{"person": self.person, "temperature": "36.6"}],
            by=self.nurse,
        )

    def test_every_section_is_on_one_screen_without_scrolling(self):
        page = self.open_as(self.head, "/control/", WALL)
        self.screenshot(page, "wall-display-1920")
        last_room = Room.objects.get(site=self.site, number=f"{FLOORS}{PER_FLOOR:02d}")
        sections = {
            **{f"figures: {name}": f"#fig-{name}" for name in FIGURE_GROUPS},
            "last figure": "#group-counters .counter:last-child",
            "legend": ".grid .legend",
            "first floor": "#room-grid .floor-row",
            "last floor": f".floor-row:has(#room-{last_room.pk})",
            "alerts": "#alerts h2",
            "handovers": "#handovers h2",
            "transfer requests": "#transfer-approvals h2",
            "transfer log": "#transfer-log-section h2",
            "activity": "#feed-section h2",
        }
        for name, selector in sections.items():
            with self.subTest(name):
                self.assertEqual(self.outside(page, selector), 0, selector)
        # An urgent alert's time reads on its red from across the room.
        self.assertGreaterEqual(page.evaluate(CONTRAST, "#alerts .alert.urgent time"), 4.5)
        # The page itself does not scroll: whatever is long scrolls inside its section.
        self.assertLessEqual(page.evaluate("document.documentElement.scrollHeight"), WALL["height"])
        self.assertEqual(page.locator("#transfer-approvals li.approval").count(), 3)
        # The first request waiting shows whole, its buttons too, without scrolling its section.
        shown = page.evaluate(
            """() => {
              const section = document.querySelector('#transfer-approvals').getBoundingClientRect();
              const first = document.querySelector('#transfer-approvals li.approval').getBoundingClientRect();
              return first.top >= section.top && first.bottom <= section.bottom;
            }"""
        )
        self.assertTrue(shown)

    def test_a_large_sites_figures_and_rooms_show_whole(self):
        self.health_checked()
        room = Stay.objects.get(person=self.person).room
        page = self.open_as(self.head, "/control/", WALL)
        self.assertGreaterEqual(page.locator(f"#room-{room.pk} .badge").count(), 3)
        self.assertEqual(page.evaluate(CLIPPED, ".cell .num"), [])
        # Three badges and the occupancy do not fit a cell of eight floors: the occupancy gives way.
        self.assertEqual(page.evaluate(BADGES_CUT), [])
        page.evaluate(LARGE_FIGURES)
        self.screenshot(page, "wall-display-large-figures")
        self.assertEqual(page.evaluate(CLIPPED, ".figures .counter b"), [])
        for name in FIGURE_GROUPS:
            with self.subTest(name):
                self.assertEqual(self.outside(page, f"#fig-{name}"), 0)
        self.assertEqual(self.outside(page, "#room-grid .floor-row:last-child"), 0)
        self.assertLessEqual(page.evaluate("document.documentElement.scrollHeight"), WALL["height"])

    def test_a_smaller_wall_shows_a_busy_rooms_badges_whole(self):
        # 1600×900: cells of about 47 px, where one badge a line left the second and third below the cell.
        self.health_checked()
        room = Stay.objects.get(person=self.person).room
        page = self.open_as(self.head, "/control/", {"width": 1600, "height": 900})
        self.screenshot(page, "wall-display-1600")
        self.assertGreaterEqual(page.locator(f"#room-{room.pk} .badge").count(), 3)
        self.assertEqual(page.evaluate(BADGES_CUT), [])
        self.assertEqual(page.evaluate(CLIPPED, ".cell .num"), [])
        self.assertEqual(self.outside(page, "#room-grid .floor-row:last-child"), 0)

    def test_a_whole_board_resent_over_the_socket_keeps_what_was_scrolled_and_typed(self):
        page = self.open_as(self.head, "/control/", WALL)
        page.wait_for_selector("#live-seq:not([data-seq='-1'])", state="attached")
        transfer = Transfer.objects.filter(state=Transfer.State.REQUESTED).order_by("pk").last()
        reason = page.locator(f"#approval-{transfer.pk} input[name=reason]")
        reason.fill("床位已满，改天再转")
        page.evaluate("document.activeElement.blur()")
        page.evaluate("document.getElementById('alerts').scrollTop = 120")
        scrolled = page.evaluate("document.getElementById('alerts').scrollTop")
        self.assertGreater(scrolled, 0)
        page.evaluate("document.getElementById('board-body').dataset.old = 'yes'")
        # The page claims to hold nothing: the next heartbeat gets the whole board again.
        page.evaluate("document.getElementById('live-seq').dataset.seq = '-1'")
        self.wait_until(page, "document.getElementById('board-body').dataset.old === undefined")
        self.assertEqual(page.evaluate("document.getElementById('alerts').scrollTop"), scrolled)
        self.assertEqual(reason.input_value(), "床位已满，改天再转")
        self.assert_not_reloaded(page)

    def test_a_larger_site_condenses_rather_than_scrolls(self):
        Room.objects.bulk_create(
            Room(site=self.site, floor=floor, number=f"{floor}{n:02d}", capacity=1)
            for floor in range(FLOORS + 1, 13)
            for n in range(1, PER_FLOOR + 1)
        )
        page = self.open_as(self.head, "/control/", WALL)
        self.screenshot(page, "wall-display-12-floors")
        last_room = Room.objects.get(site=self.site, number=f"12{PER_FLOOR:02d}")
        self.assertEqual(self.outside(page, f"#room-{last_room.pk}"), 0)
        self.assertLessEqual(page.evaluate("document.documentElement.scrollHeight"), WALL["height"])
        # Smaller cells still show their badges whole (the occupancy gives way).
        clipped = """(cell) => { const bottom = document.querySelector(cell).getBoundingClientRect().bottom;
          return [...document.querySelectorAll(cell + ' .badge')]
            .filter((b) => b.getBoundingClientRect().bottom > bottom).length; }"""
        self.assertGreater(page.locator(f"#room-{self.room.pk} .badge").count(), 0)
        self.assertEqual(page.evaluate(clipped, f"#room-{self.room.pk}"), 0)

    def make_hotel(self):
        """22 floors of 30 rooms (660)."""
        Room.objects.bulk_create(
            Room(site=self.site, floor=floor, number=f"{floor}{n:02d}", capacity=1)
            for floor in range(1, 23)
            for n in range(1, 31)
            if floor > FLOORS or n > PER_FLOOR
        )

    def test_a_hotel_of_thirty_rooms_a_floor_keeps_a_floor_to_a_line_and_every_number_readable(self):
        """22 floors of 30 rooms (660): a floor is one line of the grid, no number cut, a cell as tall
        as a number and a line of badges; the grid scrolls under the figures when the floors need it."""
        self.make_hotel()
        page = self.open_as(self.head, "/control/", WALL)
        self.screenshot(page, "wall-display-hotel-660-rooms")
        tops = page.evaluate(
            "[...document.querySelectorAll('#room-grid .floor-row')].map((row) =>"
            " new Set([...row.querySelectorAll('.cell')].map((c) => Math.round(c.getBoundingClientRect().top))).size)"
        )
        self.assertEqual(set(tops), {1})  # each floor on one line
        self.assertEqual(page.evaluate(CLIPPED, ".cell .num"), [])
        heights = page.evaluate("[...document.querySelectorAll('.cell')].map((c) => c.getBoundingClientRect().height)")
        self.assertGreaterEqual(min(heights), 32)
        self.assertEqual(page.evaluate(BADGES_CUT), [])
        # The page itself does not scroll; the figures and the side column stay put.
        self.assertLessEqual(page.evaluate("document.documentElement.scrollHeight"), WALL["height"])
        for name in FIGURE_GROUPS:
            with self.subTest(name):
                self.assertEqual(self.outside(page, f"#fig-{name}"), 0)
        self.assertEqual(self.outside(page, "#alerts"), 0)
        # On a tablet the page scrolls through the floors; the alerts stay beside them.
        page.set_viewport_size(TABLET)
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        page.wait_for_timeout(100)
        self.assertGreater(page.evaluate("window.scrollY"), 2000)
        self.assertEqual(self.outside(page, "#alerts h2"), 0)
        self.assertEqual(self.outside(page, "#alerts .alert"), 0)
        self.screenshot(page, "control-hotel-scrolled-tablet")

    def test_a_wall_of_more_floors_than_it_holds_pages_through_them_by_itself(self):
        self.make_hotel()
        page = self.open_as(self.head, "/control/", WALL)
        grid = "document.getElementById('room-grid')"
        self.assertEqual(page.evaluate(f"{grid}.dataset.pageSeconds"), "20")
        self.assertGreater(page.evaluate(f"{grid}.scrollHeight - {grid}.clientHeight"), 40)
        # Every second here instead of every twenty: on to the last floor, then back to the first.
        page.evaluate(f"{grid}.dataset.pageSeconds = '1'")
        self.wait_until(page, f"{grid}.scrollTop > 0")
        self.wait_until(page, f"{grid}.scrollTop + {grid}.clientHeight >= {grid}.scrollHeight - 1")
        self.screenshot(page, "wall-display-hotel-paged")
        self.wait_until(page, f"{grid}.scrollTop === 0")
        # On a tablet the page scrolls, not the grid: nothing pages.
        page.evaluate(f"{grid}.dataset.pageSeconds = '1000'")
        page.wait_for_timeout(1000)  # a page under way ends
        page.set_viewport_size(TABLET)
        page.evaluate(f"{grid}.scrollTop = 0")
        page.evaluate(f"{grid}.dataset.pageSeconds = '1'")
        page.wait_for_timeout(2500)
        self.assertEqual(page.evaluate(f"{grid}.scrollTop"), 0)
        self.assertEqual(page.evaluate("window.scrollY"), 0)
        # Back on the wall, a tap on the grid holds it where it is.
        page.evaluate(f"{grid}.dataset.pageSeconds = '1000'")
        page.set_viewport_size(WALL)
        page.evaluate(f"{grid}.scrollTop = 0")
        page.locator("#room-grid .floor-label").first.dispatch_event("pointerdown")
        page.evaluate(f"{grid}.dataset.pageSeconds = '1'")
        page.wait_for_timeout(2500)
        self.assertEqual(page.evaluate(f"{grid}.scrollTop"), 0)

    def test_an_approval_result_hides_no_figure_and_closes_by_itself(self):
        page = self.open_as(self.head, "/control/", WALL)
        transfer = Transfer.objects.filter(state=Transfer.State.REQUESTED).order_by("pk").first()
        page.locator(f"#approval-{transfer.pk}").get_by_role("button", name="批准").click()
        page.locator("#panel .done").wait_for()
        self.screenshot(page, "wall-display-approved")
        self.assertEqual(self.outside(page, "#panel"), 0)
        for covered in [f"#fig-{name} + .figs" for name in FIGURE_GROUPS] + ["#side"]:
            with self.subTest(covered):
                self.assertEqual(page.evaluate(OVERLAP, ["#panel", covered]), 0)
        expect(page.locator("#panel")).to_be_empty(timeout=15_000)
        self.assertEqual(Transfer.objects.get(pk=transfer.pk).state, Transfer.State.APPROVED)

    def test_a_tablet_keeps_the_scrolling_page_with_the_same_groups(self):
        page = self.open_as(self.head, "/control/", TABLET)
        self.screenshot(page, "control-screen-tablet")
        expect(page.locator("#fig-tests")).to_be_visible()
        # Beside the side column twenty rooms a row would cut their numbers: a floor takes two rows of ten.
        self.assertEqual(page.evaluate(CLIPPED, ".cell .num"), [])
        self.assertEqual(page.locator("#room-grid .floor-row").first.locator(".cell").count(), PER_FLOOR)
        # A large site's figures, on the tablet and held upright: whole, the page no wider than the screen.
        page.evaluate(LARGE_FIGURES)
        for viewport in (TABLET, {"width": 768, "height": 1024}):
            with self.subTest(**viewport):
                page.set_viewport_size(viewport)
                self.assertEqual(page.evaluate(CLIPPED, ".figures .counter b"), [])
                self.assertLessEqual(page.evaluate("document.documentElement.scrollWidth"), viewport["width"])
        self.assertGreater(page.evaluate("document.documentElement.scrollHeight"), TABLET["height"])


def take_room_out_unpublished(test):
    """A change no write publishes, as time makes one (a task becoming overdue): only the board clock sends it."""
    room = Room.objects.filter(site=test.site, status=Room.Status.AVAILABLE).order_by("pk").first()
    Room.objects.filter(pk=room.pk).update(status=Room.Status.OUT_OF_SERVICE)


# The server's board clock, ticking every second rather than every minute.
@override_settings(BOARD_CLOCK=True, BOARD_CLOCK_SECONDS=1.0)
class WallClockTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        self.elsewhere(build_wall_site, test=self)

    def test_what_the_clock_sends_keeps_what_was_scrolled_and_typed(self):
        page = self.open_as(self.head, "/control/", WALL)
        page.wait_for_selector("#live-seq:not([data-seq='-1'])", state="attached")
        # The clock's first tick sends its parts once: let it pass.
        self.wait_until(page, "parseInt(document.getElementById('live-seq').dataset.seq, 10) > 0")
        transfer = Transfer.objects.filter(state=Transfer.State.REQUESTED).order_by("pk").last()
        reason = page.locator(f"#approval-{transfer.pk} input[name=reason]")
        reason.fill("床位已满，改天再转")
        # The head typed and looked away: the field no longer has the focus.
        page.evaluate("document.activeElement.blur()")
        alerts = "document.getElementById('alerts')"
        page.evaluate(f"{alerts}.scrollTop = 120")
        scrolled = page.evaluate(f"{alerts}.scrollTop")
        self.assertGreater(scrolled, 0)
        # Marks on what the clock replaces (the counters) and on what it must keep.
        page.evaluate("document.getElementById('counters').dataset.old = 'yes'")

        self.elsewhere(take_room_out_unpublished, test=self)
        self.wait_until(page, "document.getElementById('counters').dataset.old === undefined")
        self.assertEqual(page.evaluate(f"{alerts}.scrollTop"), scrolled)
        self.assertEqual(reason.input_value(), "床位已满，改天再转")
        self.screenshot(page, "wall-display-after-clock")
        self.assert_not_reloaded(page)
