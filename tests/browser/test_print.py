"""Printed from the browser, in Chinese: the sheets keep the printer's margins, the certificate is one page.

Chromium prints each page of a PDF inside a clip rectangle that is the page's
margin box (its content stream draws in CSS pixels, scaled to points first):
its left edge is the left margin as the paper gets it. Printers cannot print
to the paper's edge, so a sheet printed with no margin loses its first letters.
"""

import re
import zlib
from datetime import timedelta

from django.utils import timezone

from groups.medical.models import Sample
from rooms import services
from rooms.models import Stay
from tests.browser.test_live_boards import ARTIFACTS, TABLET, BrowserTestCase
from tests.factories import satisfy_protocol

# The page's scale into points, then the first clip rectangle (the margin box) in CSS pixels.
PORTRAIT = {"width": 768, "height": 1024}
PAGE_BOX = re.compile(rb"^([\d.]+) 0 0 -[\d.]+ 0 [\d.]+ cm\nq\n([\d.]+) ([\d.]+) [\d.]+ [\d.]+ re\nW\* n", re.M)
MM_PER_POINT = 25.4 / 72


def pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


def left_margin_mm(pdf: bytes) -> float:
    """The left margin of the first page, in millimetres."""
    for stream in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            content = zlib.decompress(stream.group(1))
        except zlib.error:
            continue
        if found := PAGE_BOX.search(content):
            return float(found.group(1)) * float(found.group(2)) * MM_PER_POINT
    raise AssertionError("no page box in the PDF")


def released_after_tests(test, count=10):
    """The person's stay ends today with ``count`` negatives on record (a long stay's tests), and they are released."""
    stay = services.stay_check_in(person=test.person, room=test.room, by=test.clerk)
    Stay.objects.filter(pk=stay.pk).update(ends_on=timezone.localdate())
    first = Sample.objects.filter(stay=stay).order_by("scheduled_on").first()
    for n in range(count - Sample.objects.filter(stay=stay).count()):
        first.pk = None
        first.day = 20 + n
        first.scheduled_on = timezone.localdate() - timedelta(days=n)
        first.save()
    satisfy_protocol(stay)
    services.stay_release(person=test.person, by=test.clerk)
    assert Sample.objects.filter(stay=stay).count() == count


class PrintTests(BrowserTestCase):
    def print_pdf(self, user, path) -> bytes:
        page = self.open_as(user, path, TABLET, live=False)
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        return pdf

    def test_the_sheets_print_inside_the_printers_margins(self):
        transfer = self.transfer_requested("持续高热，需转往定点医院进一步诊治")
        sheets = {
            "daily report": (self.head, "/control/report/"),
            "transfer sheet": (self.clerk, f"/transfers/{transfer.pk}/"),
            "care ledger": (self.nurse, "/medical/care/"),
            "requests ledger": (self.clerk, "/requests/"),
        }
        for name, (user, path) in sheets.items():
            with self.subTest(name):
                self.assertAlmostEqual(left_margin_mm(self.print_pdf(user, path)), 15, delta=0.5)

    def test_the_release_certificate_is_one_page_with_its_own_margins(self):
        self.elsewhere(released_after_tests, test=self)
        page = self.open_as(self.clerk, f"/people/{self.person.pk}/certificate/", TABLET, live=False)
        self.screenshot(page, "release-certificate")
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        # Ten tests, the signatures and the seal on the one page; the page's margin is the certificate's own.
        self.assertEqual(pages(pdf), 1)
        self.assertEqual(left_margin_mm(pdf), 0)
        self.assertEqual(page.locator(".cert-tests tbody tr").count(), 10)
        self.assertEqual(page.locator(".cert-tests").count(), 1)

    def test_the_release_certificate_fits_a_portrait_tablet_and_still_prints_on_a4(self):
        self.elsewhere(released_after_tests, test=self)
        page = self.open_as(self.clerk, f"/people/{self.person.pk}/certificate/", PORTRAIT, live=False)
        self.screenshot(page, "release-certificate-portrait")
        # No sideways scrolling on the screen (A4 is 794 px, the tablet 768).
        self.assertLessEqual(*page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]"))
        page.emulate_media(media="print")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        self.assertEqual(pages(pdf), 1)
        self.assertEqual(left_margin_mm(pdf), 0)

    def test_a_long_stays_tests_go_side_by_side_and_keep_the_certificate_on_one_page(self):
        # Daily tests after a contact, a month long: four columns beside each other.
        self.elsewhere(released_after_tests, test=self, count=45)
        page = self.open_as(self.clerk, f"/people/{self.person.pk}/certificate/", TABLET, live=False)
        page.emulate_media(media="print")
        self.screenshot(page, "release-certificate-45-tests")
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        (ARTIFACTS / "release-certificate-45-tests.pdf").write_bytes(pdf)
        self.assertEqual(pages(pdf), 1)
        self.assertEqual(page.locator(".cert-tests").count(), 4)
        self.assertEqual(page.locator(".cert-tests tbody tr").count(), 45)
        # Each date on one line: the columns are wide enough for a test's row.
        heights = page.locator(".cert-tests tbody tr").evaluate_all("rows => rows.map(row => row.offsetHeight)")
        self.assertLess(max(heights), 1.5 * min(heights))
        self.assertIn("（盖章）", page.locator(".cert-foot").inner_text())
