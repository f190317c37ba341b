"""The real browser: a nurse marks a result positive on a tablet, or records a lab's sheet, and the site
head's control screen shows the alert and the sealed room without a reload."""

import re

from playwright.sync_api import expect

from groups.medical import services as medical
from groups.medical.models import Alert, Sample
from rooms import services
from rooms.models import Room
from site_ops.models import BoardSequence
from tests.browser.test_live_boards import TABLET, WALL, BrowserTestCase
from tests.factories import make_person


class PositiveResultLiveTests(BrowserTestCase):
    def setUp(self):
        super().setUp()
        stay = self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        sample = Sample.objects.get(stay=stay, day=1)
        self.sample = self.elsewhere(medical.sample_collect, sample=sample, by=self.nurse, barcode="HX0001")

    def test_a_positive_on_the_tablet_alerts_the_control_screen_and_seals_the_room(self):
        control = self.open_as(self.head, "/control/", WALL)
        cell = control.locator(f"#room-{self.room.pk}")
        self.assertEqual(cell.get_attribute("data-status"), "occupied")
        # A page just opened may not sound until it is touched (the browser's rule): the toggle says so,
        # and the first tap allows the sound rather than muting it.
        toggle = control.locator("[data-alert-mute]")
        if control.evaluate("document.querySelector('[data-alert-mute]').classList.contains('blocked')"):
            expect(toggle).to_have_text("点击开启提示音")
            self.screenshot(control, "control-sound-blocked-wall")
            toggle.click()
            expect(toggle).to_have_text("提示音开")
        # The site head mutes the alarm sound; the choice is kept in this browser.
        toggle.click()
        self.assertEqual(control.evaluate("localStorage.getItem('site-ops.alert-sound')"), "muted")

        tablet = self.open_as(self.nurse, "/medical/?floor=1", TABLET)
        row = tablet.locator(f"#sample-{self.sample.pk}")
        self.assertIn("HX0001", row.inner_text())
        tablet.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="阳性").click()
        tablet.wait_for_selector(f"#med-room-{self.room.pk}[data-status=sealed]")
        tablet.wait_for_selector("#alerts [data-alert-urgent]")
        self.screenshot(tablet, "medical-board-positive-tablet")

        control.wait_for_selector(f"#room-{self.room.pk}[data-status=sealed]")
        control.wait_for_selector(f"#room-{self.room.pk} [data-test=positive]")
        alert = control.locator("#alerts [data-alert-urgent]")
        alert.wait_for()
        self.assertIn("李秀英", alert.inner_text())
        control.wait_for_selector("body[data-alarm=on][data-alert-sound=muted]")
        expect(control.locator("[data-counter=positives-today]")).to_have_text("1")
        self.assert_not_reloaded(control)
        self.assert_not_reloaded(tablet)
        self.screenshot(control, "control-screen-positive-wall")

        # The site head acknowledges: the alarm stops on both screens.
        alert.get_by_role("button", name="确认").click()
        control.wait_for_selector("body[data-alarm=off]")
        tablet.wait_for_selector("body[data-alarm=off]")
        self.assertEqual(Alert.objects.get().acknowledged_by, self.head)
        self.assertEqual(Room.objects.get(pk=self.room.pk).status, Room.Status.SEALED)
        self.assert_not_reloaded(control)


class OneFloorTests(BrowserTestCase):
    MOVE = """([url, version]) => fetch(url, {method: 'POST', headers: {'x-csrftoken':
        JSON.parse(document.body.getAttribute('hx-headers'))['x-csrftoken'],
        'content-type': 'application/x-www-form-urlencoded'}, body: 'to=out_of_service&version=' + version})"""

    def test_a_tablet_showing_one_floor_takes_its_rooms_changes_and_quietly_drops_the_others(self):
        page = self.open_as(self.nurse, "/medical/?floor=1", TABLET)
        errors = []
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.evaluate(
            "window.__noTarget = []; document.body.addEventListener('htmx:oobErrorNoTarget',"
            " (e) => window.__noTarget.push(e.detail.content.id));"
            "window.__sent = []; document.body.addEventListener('htmx:wsBeforeMessage',"
            " (e) => window.__sent.push(e.detail.message));"
        )
        upstairs, here = self.rooms[5], self.rooms[1]
        self.assertEqual((upstairs.floor, here.floor), (2, 1))
        # The site head takes a room out of service on floor 2, then one on floor 1,
        # through the server (as another tablet would), so that both broadcasts reach this tablet.
        head = self.open_as(self.head, "/control/", WALL)
        for room in (upstairs, here):
            head.evaluate(self.MOVE, [f"/rooms/{room.pk}/move/", room.version])
        page.wait_for_selector(f"#med-room-{here.pk}[data-status=out_of_service]", state="attached")
        sent = "".join(page.evaluate("window.__sent"))
        self.assertIn(f'id="med-room-{upstairs.pk}"', sent)
        self.assertEqual(page.locator(f"#med-room-{upstairs.pk}").count(), 0)
        # The other floor's room was dropped without an error.
        self.assertEqual(page.evaluate("window.__noTarget"), [])
        self.assertEqual(errors, [])
        self.assert_not_reloaded(page)


class SampleRowTests(BrowserTestCase):
    def test_a_tube_barcode_and_the_days_show_whole_on_a_tablet(self):
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        for viewport in (TABLET, {"width": 768, "height": 1024}):
            page = self.open_as(self.nurse, f"/medical/people/{self.person.pk}/", viewport, live=False)
            field = page.locator("input.barcode")
            field.fill("HXS2212040312")  # 13 characters, as a lab's labels print them
            self.assertEqual(*field.evaluate("e => [e.scrollWidth, e.clientWidth]"))
            # Dates never break at their hyphen ("12-" above "04").
            for when in page.locator(".samples-table .when").all():
                self.assertLess(when.evaluate("e => e.getClientRects().length"), 2, when.inner_text())
                self.assertLess(when.bounding_box()["height"], 30, when.inner_text())
        page.get_by_role("button", name="登记采样").click()
        expect(page.locator(".samples-table")).to_contain_text("HXS2212040312")

    def test_a_barcode_typed_and_left_survives_a_push_of_the_whole_page(self):
        # The barcode box has no id. A push that lands while the box is no longer focused (the
        # nurse's finger already on 登记采样) used to bring a new, empty box, and the sample was
        # recorded without its tube.
        self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        page = self.open_as(self.nurse, f"/medical/people/{self.person.pk}/", TABLET)
        field = page.locator("input.barcode")
        field.fill("HXS2212040313")
        page.evaluate("document.activeElement.blur()")
        self.elsewhere(medical.medicine_need_add, person=self.person, by=self.nurse, name="硝苯地平缓释片")
        expect(page.locator("#person-medical-body")).to_contain_text("硝苯地平缓释片")
        self.assertEqual(field.input_value(), "HXS2212040313")
        page.get_by_role("button", name="登记采样").click()
        expect(page.locator(".samples-table")).to_contain_text("HXS2212040313")
        self.assertEqual(Sample.objects.get(person=self.person, day=1).tube_barcode, "HXS2212040313")
        self.assert_not_reloaded(page)

    def test_a_refused_result_on_the_person_page_keeps_what_the_nurse_chose_and_typed(self):
        stay = self.elsewhere(services.stay_check_in, person=self.person, room=self.room, by=self.clerk)
        sample = self.elsewhere(medical.sample_collect, sample=Sample.objects.get(stay=stay, day=1), by=self.nurse)
        page = self.open_as(self.nurse, f"/medical/people/{self.person.pk}/", {"width": 768, "height": 1024})
        form = page.locator(f"form[action$='/samples/{sample.pk}/result/']")
        form.locator("select[name=result]").select_option("positive")
        form.locator("input[name=ct_orf1ab]").fill("38")
        form.locator("input[name=ct_n]").fill("38")
        form.get_by_role("button", name="录入结果").click()
        page.locator("#panel .error, #panel [role=alert]").first.wait_for()
        self.screenshot(page, "person-medical-result-refused-tablet")
        # Nothing recorded, and nothing the nurse chose or typed was lost (before, the page reloaded on 阴性).
        self.assertEqual(Sample.objects.get(pk=sample.pk).status, Sample.Status.COLLECTED)
        self.assertEqual(form.locator("select[name=result]").input_value(), "positive")
        self.assertEqual(form.locator("input[name=ct_orf1ab]").input_value(), "38")
        self.assertEqual(form.locator("input[name=ct_n]").input_value(), "38")
        form.locator("input[name=ct_orf1ab]").fill("24.5")
        form.locator("input[name=ct_n]").fill("26")
        form.get_by_role("button", name="录入结果").click()
        page.locator("#panel .done").wait_for()
        # The page is live: its own push shows the result in place of the form.
        expect(form).to_have_count(0)
        self.assertEqual(Sample.objects.get(pk=sample.pk).result, Sample.Result.POSITIVE)
        self.assert_not_reloaded(page)


class LabSheetLiveTests(BrowserTestCase):
    """A lab's sheet with a positive and a negative, uploaded and recorded from the nurse's tablet: the
    other medical tablets and the control screen show both, positive first, without a reload."""

    def setUp(self):
        super().setUp()
        self.neighbour = make_person(self.site, name="王建国")
        self.samples = {}
        for person, room, barcode in ((self.person, self.room, "HX0001"), (self.neighbour, self.rooms[1], "HX0002")):
            stay = self.elsewhere(services.stay_check_in, person=person, room=room, by=self.clerk)
            sample = Sample.objects.get(stay=stay, day=1)
            self.samples[barcode] = self.elsewhere(
                medical.sample_collect, sample=sample, by=self.nurse, barcode=barcode
            )

    def test_a_sheet_recorded_on_the_tablet_reaches_the_other_tablets_and_the_control_screen_whole(self):
        control = self.open_as(self.head, "/control/", WALL)
        board = self.open_as(self.nurse, "/medical/", TABLET)
        tablet = self.open_as(self.nurse, "/medical/", TABLET)
        tablet.get_by_role("link", name="导入检测结果").click()
        sheet = "条码,结果,ORF1ab,N\nHX0001,阳性,24.1,26.3\nHX0002,阴性,,\n".encode("utf-8-sig")
        tablet.set_input_files("input[name=sheet]", {"name": "核酸结果.csv", "mimeType": "text/csv", "buffer": sheet})
        tablet.get_by_role("button", name="预览").click()
        record = tablet.get_by_role("button", name=re.compile("录入结果"))
        expect(record).to_contain_text("2")
        self.screenshot(tablet, "lab-sheet-preview-tablet")
        record.click()
        expect(tablet.locator(".messages")).to_contain_text("2")

        positive, negative = self.samples["HX0001"], self.samples["HX0002"]
        # The other tablet: the positive's room sealed with its alert, the negative recorded.
        board.wait_for_selector(f"#med-room-{self.room.pk}[data-status=sealed]")
        board.wait_for_selector("#alerts [data-alert-urgent]")
        board.wait_for_selector(f"#sample-{negative.pk}[data-sample-status=resulted]", state="attached")
        self.assert_not_reloaded(board)
        # The control screen: the sealed room with its positive, the alert, the counters.
        control.wait_for_selector(f"#room-{self.room.pk}[data-status=sealed]")
        control.wait_for_selector(f"#room-{self.room.pk} [data-test=positive]")
        expect(control.locator("[data-counter=positives-today]")).to_have_text("1")
        self.assertIn("李秀英", control.locator("#alerts [data-alert-urgent]").inner_text())
        self.assert_not_reloaded(control)
        self.screenshot(control, "control-screen-lab-sheet-wall")
        self.screenshot(board, "medical-board-lab-sheet-tablet")
        results = dict(Sample.objects.filter(pk__in=[positive.pk, negative.pk]).values_list("pk", "result"))
        self.assertEqual(results, {positive.pk: Sample.Result.POSITIVE, negative.pk: Sample.Result.NEGATIVE})
        # Both boards hold the broadcast's last number: nothing left for a heartbeat to resend.
        for page, key in ((board, "medical"), (control, "control")):
            number = BoardSequence.objects.get(site=self.site, board=key).seq
            self.wait_until(page, f"document.getElementById('live-seq').dataset.seq === '{number}'")
