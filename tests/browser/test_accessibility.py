"""Every screen passes an automated accessibility check (axe-core) in both languages,
and the tablet screens have touch targets a gloved hand can hit.

axe-core runs in the page through axe-playwright-python; only serious and
critical findings fail the test (moderate ones are reported by axe itself).
"""

from datetime import time

from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from groups.medical import services as medical
from groups.medical.care_models import years_before
from groups.medical.models import Sample
from rooms import services
from tests.browser.test_live_boards import LOCALE, TABLET, WALL, BrowserTestCase
from tests.factories import make_person

# The smallest touch target for a gloved hand, in CSS pixels (a little slack for rounding).
TOUCH = 47.5
# Whatever can be tapped on a tablet page; links in running text and the top bar excepted.
TAPPABLE = (
    "main button:not([hidden]), main a.button, main .floors a, main select, main .chip,"
    " main input:not([type=hidden]):not([type=checkbox]):not([type=radio])"
)
SMALL_TARGETS = """() => [...document.querySelectorAll(SELECTOR)]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => {
    const r = el.getBoundingClientRect();
    return r.height < TOUCH || (el.tagName === "BUTTON" && r.width < TOUCH);
  })
  .map((el) => {
    const r = el.getBoundingClientRect();
    const name = (el.textContent || el.name || "").trim().slice(0, 30);
    return `${el.tagName} ${name} ${Math.round(r.width)}x${Math.round(r.height)}`;
  })""".replace("SELECTOR", repr(TAPPABLE)).replace("TOUCH", str(TOUCH))


class AccessibilityTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        stay = self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        sample = Sample.objects.get(stay=stay, day=1)
        self.elsewhere(medical.sample_collect, sample=sample, by=self.nurse)
        # Someone on the care ledger, with a plan, a follow-up and planned hospital visits.
        old = make_person(self.site, name="王秀珍", birth_date=years_before(timezone.localdate(), 80))
        self.elsewhere(services.stay_check_in, person=old, room=self.rooms[1], by=self.clerk)
        self.elsewhere(medical.care_plan_save, person=old, by=self.nurse, data={"how_to_talk": "说话慢一点"})
        self.elsewhere(medical.care_follow_up_record, person=old, by=self.nurse, fed=False)
        self.elsewhere(
            medical.hospital_visit_plan_add,
            person=old,
            by=self.nurse,
            weekdays=[0, 2, 4],
            leave_at=time(7),
            hospital="市第一人民医院",
            reason="血液透析",
        )
        self.axe = Axe()

    def screens(self):
        """(user, path, viewport[, False for a page without live updates]) for every screen a user reaches."""
        person, room = self.person.pk, self.room.pk
        return [
            (self.head, "/control/", WALL),
            (self.head, "/control/report/", WALL, False),
            (self.head, "/control/upkeep/", TABLET, False),
            (self.head, "/exports/", TABLET, False),
            (self.head, "/transfers/", TABLET),
            (self.clerk, "/general/", TABLET),
            (self.clerk, "/requests/", TABLET, False),
            (self.cook, "/requests/new/", TABLET, False),
            (self.clerk, f"/people/{person}/", TABLET),
            (self.clerk, f"/rooms/{room}/", TABLET),
            (self.nurse, "/medical/?floor=1", TABLET),
            (self.nurse, f"/medical/people/{person}/", TABLET),
            (self.nurse, "/medical/health-round/?floor=1", TABLET),
            (self.nurse, "/medical/care/", TABLET),
            (self.nurse, "/medical/?floor=1&care=1", TABLET),
            (self.cook, "/catering/", TABLET),
            (self.cleaner, "/disinfection/", TABLET),
            (self.guard, "/security/", TABLET),
            (self.guard, "/transfers/escorts/", TABLET),
        ]

    def serious(self, page) -> list[str]:
        found = self.axe.run(page).response["violations"]
        return [
            f"{v['id']} ({v['impact']}): {node['target']}"
            for v in found
            if v["impact"] in ("serious", "critical")
            for node in v["nodes"]
        ]

    def check_every_screen(self, locale):
        problems = []
        for user, path, viewport, *live in self.screens():
            page = self.open_as(user, path, viewport, locale=locale, live=not live)
            problems += [f"{path}: {problem}" for problem in self.serious(page)]
            if viewport is TABLET:
                problems += [f"{path}: small target {target}" for target in page.evaluate(SMALL_TARGETS)]
            page.context.close()
        self.assertEqual(problems, [])

    def test_every_screen_in_chinese(self):
        self.check_every_screen(LOCALE)

    def test_every_screen_in_english(self):
        self.check_every_screen("en-GB")

    def test_the_login_page(self):
        context = self.browser.new_context(viewport=TABLET, locale=LOCALE)
        self.addCleanup(context.close)
        page = context.new_page()
        page.goto(self.live_server_url + "/login/")
        self.assertEqual(self.serious(page), [])

    def test_a_gloved_tap_cannot_hit_positive_for_negative(self):
        page = self.open_as(self.nurse, "/medical/?floor=1", TABLET)
        neg = page.locator(".result-form .r-negative").first.bounding_box()
        pos = page.locator(".result-form .r-positive").first.bounding_box()
        # Their nearest edges, across or down: a gloved fingertip (about 15 mm) apart at least.
        gap = max(
            pos["x"] - (neg["x"] + neg["width"]),
            neg["x"] - (pos["x"] + pos["width"]),
            pos["y"] - (neg["y"] + neg["height"]),
            neg["y"] - (pos["y"] + pos["height"]),
        )
        self.screenshot(page, "medical-board-result-buttons-tablet")
        self.assertGreaterEqual(gap, 48)
