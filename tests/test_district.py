"""The district isolation office (隔离办): several sites live, read-only drill-down,
the transfers it confirms (and the arrival they announce at another site), free beds."""

import asyncio
from datetime import date, timedelta
from io import BytesIO

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from groups.control import district as office
from groups.medical.models import Sample
from groups.transfers import services as transfer_services
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import AuditEvent, District, Person, Room, Stay
from rooms.roles import Role
from rooms.services import ServiceError
from site_ops import live
from site_ops.boards import NO_SITE
from site_ops.models import BoardSequence
from tests.base import LiveTestCase, SiteTestCase, SocketMixin
from tests.factories import make_person, make_rooms, make_site, make_user
from tests.test_transfers import move_arguments

D = Transfer.Destination
S = Transfer.State


def make_district(target) -> None:
    """A second site (with its own clerk), a district of both, its officer, and a third site in another district."""
    target.other = make_site(name="第二隔离点")
    target.other_rooms = make_rooms(target.other, floors=3, per_floor=3)
    target.family_room = Room.objects.create(site=target.other, floor=1, number="199", capacity=3)
    target.other_clerk = make_user("clerk2", target.other, Role.GENERAL, first_name="芳", last_name="王")
    target.district = District.objects.create(name="九龙坡区隔离办")
    target.district.sites.set([target.site, target.other])
    target.officer = make_user("officer", None, Role.DISTRICT, first_name="韬", last_name="周")
    target.district.officers.add(target.officer)
    target.far = make_site(name="别区隔离点")
    target.far_district = District.objects.create(name="别区隔离办")
    target.far_district.sites.set([target.far])


class DistrictTestCase(SiteTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_district(cls)

    def check_in(self, person=None, room=None):
        return services.stay_check_in(person=person or self.person, room=room or self.room, by=self.clerk)

    def request_to_other_site(self, **overrides):
        values = {"reason": "家属在第二隔离点,申请同住", "destination_type": D.OTHER_SITE}
        values.update(overrides)
        return transfer_services.transfer_request(person=self.fresh(self.person), by=self.clerk, **values)

    def confirm(self, transfer, room=None, **overrides):
        values = {"receiving_room": room or self.other_rooms[0], "version": transfer.version}
        values.update(overrides)
        return transfer_services.transfer_office_confirm(transfer=transfer, by=self.officer, **values)


class MembershipTests(DistrictTestCase):
    def test_the_officers_start_page_is_the_overview(self):
        self.client.force_login(self.officer)
        self.assertRedirects(self.client.get(reverse("home")), reverse("district-overview"))

    def test_the_overview_shows_the_districts_sites_only(self):
        self.client.force_login(self.officer)
        response = self.client.get(reverse("district-overview"))
        self.assertContains(response, f'id="district-site-{self.site.pk}"')
        self.assertContains(response, f'id="district-site-{self.other.pk}"')
        self.assertNotContains(response, "别区隔离点")
        self.assertContains(response, f"/ws/pages/district/{self.district.pk}/")

    def test_other_roles_cannot_open_the_district_pages(self):
        for name in ("district-overview", "district-transfers", "district-beds", "district-reports"):
            for user in (self.head, self.clerk, self.outsider):
                self.client.force_login(user)
                with self.subTest(page=name, user=user.username):
                    self.assertEqual(self.client.get(reverse(name)).status_code, 403)
        self.client.force_login(self.head)
        self.assertEqual(self.client.get(reverse("district-site", args=[self.site.pk])).status_code, 403)

    def test_a_site_of_another_district_is_not_found(self):
        self.client.force_login(self.officer)
        self.assertEqual(self.client.get(reverse("district-site", args=[self.far.pk])).status_code, 404)

    def test_the_drill_down_is_the_control_screen_without_anything_to_act_on(self):
        self.check_in()
        transfer = self.request_to_other_site()
        self.client.force_login(self.officer)
        response = self.client.get(reverse("district-site", args=[self.site.pk]))
        self.assertContains(response, 'id="room-grid"')
        self.assertContains(response, self.person.name)
        self.assertNotContains(response, reverse("transfer-move", args=[transfer.pk, "approved"]))
        self.assertNotContains(response, '<form method="post"')
        # No way into the site's own pages, which the office may not open.
        self.assertNotContains(response, f'href="{reverse("room-detail", args=[self.room.pk])}"')
        self.assertNotContains(response, reverse("care-ledger"))

    def test_an_officer_cannot_write_anywhere_on_a_site(self):
        self.check_in()
        transfer = self.request_to_other_site()
        self.client.force_login(self.officer)
        # The site's own screens and actions refuse a login that is not in their groups.
        for url in (reverse("control-screen"), reverse("general-board"), reverse("transfer-board")):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        response = self.client.post(
            reverse("transfer-move", args=[transfer.pk, "approved"]), {"version": transfer.version, "token": "t1"}
        )
        self.assertIn(response.status_code, (403, 404))
        # And the services refuse them, whatever view calls them.
        with self.assertRaises(PermissionDenied):
            transfer_services.transfer_approve(transfer=transfer, by=self.officer, version=transfer.version)
        with self.assertRaises(PermissionDenied):
            transfer_services.transfer_request(person=self.person, by=self.officer, reason="x", destination_type=D.HOME)
        with self.assertRaises(PermissionDenied):
            services.person_register(site=self.site, by=self.officer, data={})
        self.assertEqual(self.fresh(transfer).state, S.REQUESTED)


class DailyReportTests(DistrictTestCase):
    """The office reads the daily reports its sites submitted, as they were sent."""

    def submit(self, site, head, day=None):
        from groups.control import report

        return report.report_submit(site=site, day=day or timezone.localdate(), by=head)

    def test_the_office_pages_are_in_the_top_bar_once_and_another_district_is_kept_once_chosen(self):
        other = District.objects.create(name="渝中区隔离办")
        other.sites.add(make_site(name="解放碑隔离点"))
        other.officers.add(self.officer)
        self.client.force_login(self.officer)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            page = self.client.get(reverse("district-overview")).content.decode()
            # Each page once, in the top bar, the one shown marked; the page's own bar names the district.
            self.assertEqual(page.count(f'href="{reverse("district-transfers")}'), 1)
            self.assertIn(f'<a href="{reverse("district-overview")}" aria-current="page">', page)
            nav = page.split('class="toolbar compact district-nav"')[1].split("</nav>")[0]
            self.assertIn(self.district.name, nav)
            self.assertIn(f'href="?district={other.pk}"', nav)
            self.assertIn("切换到渝中区隔离办", nav)
            # Switched to the other district, the office's other pages stay in it.
            self.client.get(reverse("district-overview"), {"district": other.pk})
            beds = self.client.get(reverse("district-beds")).content.decode()
        self.assertIn("渝中区隔离办", beds.split("</nav>")[1])
        self.assertIn(f'<a href="{reverse("district-beds")}" aria-current="page">', beds)
        # A district the officer is not in is never chosen: their first.
        self.client.get(reverse("district-overview"), {"district": 10**6})
        self.assertIn(
            self.district.name, self.client.get(reverse("district-transfers")).content.decode().split("<h1>")[1][:40]
        )

    def test_the_office_finds_each_submitted_report_and_reads_it_as_sent(self):
        self.check_in()
        sent = self.submit(self.site, self.head)
        self.check_in(person=make_person(self.site, name="赵磊"), room=self.rooms[1])  # after it was sent
        self.client.force_login(self.officer)
        overview = self.client.get(reverse("district-overview")).content.decode()
        self.assertIn(f'<a href="{reverse("district-reports")}">', overview)
        listing = self.client.get(reverse("district-reports")).content.decode()
        today = timezone.localdate().isoformat()
        link = f"{reverse('district-report', args=[self.site.pk])}?day={today}"
        self.assertIn(link, listing)
        self.assertIn("submitted by 周宁 at", listing)
        self.assertIn(f'<td data-site="{self.other.pk}"><span class="muted">not submitted</span>', listing)
        self.assertNotIn(self.far.name, listing)
        page = self.client.get(link)
        self.assertEqual(page.status_code, 200)
        # The figures as sent: one person in isolation then, though two are now.
        people = next(section for section in sent.figures if section["key"] == "people")
        self.assertContains(page, f'id="report-{people["key"]}"')
        self.assertEqual(people["rows"][-1], ["total", 0, 1])
        self.assertContains(page, '<tr><th scope="row">total</th><td>0</td><td>1</td></tr>')
        self.assertContains(page, "data-submitted")
        sheet = self.client.get(reverse("district-report-xlsx", args=[self.site.pk]), {"day": today})
        self.assertEqual(sheet.status_code, 200)
        book = load_workbook(BytesIO(b"".join(sheet.streaming_content) if sheet.streaming else sheet.content))
        self.assertEqual(len(book.worksheets), 1 + len(sent.figures))

    def test_a_report_sent_again_is_the_one_the_office_reads_and_the_first_is_kept(self):
        from groups.control import report

        self.check_in()
        first = self.submit(self.site, self.head)
        self.check_in(person=make_person(self.site, name="赵磊"), room=self.rooms[1])
        again = report.report_submit(site=self.site, day=first.day, by=self.head, replaces=first.version)
        self.assertEqual((first.version, again.version), (1, 2))
        self.client.force_login(self.officer)
        listing = self.client.get(reverse("district-reports")).content.decode()
        self.assertIn("submission 2", listing)
        link = f"{reverse('district-report', args=[self.site.pk])}?day={first.day.isoformat()}"
        latest = self.client.get(link)
        self.assertContains(latest, '<tr><th scope="row">total</th><td>0</td><td>2</td></tr>')
        self.assertNotContains(latest, 'id="not-latest"')
        self.assertContains(latest, f'href="?day={first.day.isoformat()}&amp;version=1"')
        earlier = self.client.get(link + "&version=1")
        self.assertContains(earlier, '<tr><th scope="row">total</th><td>0</td><td>1</td></tr>')
        self.assertContains(earlier, 'id="not-latest"')
        self.assertEqual(self.client.get(link + "&version=3").status_code, 404)
        sheet = self.client.get(reverse("district-report-xlsx", args=[self.site.pk]), {"day": first.day, "version": 1})
        self.assertEqual(sheet.status_code, 200)

    def test_a_report_is_kept_in_the_sites_language_whatever_the_site_heads(self):
        from django.utils import translation

        with self.settings(LANGUAGE_CODE="zh-hans"), translation.override("en"):
            sent = self.submit(self.site, self.head)
        self.assertEqual(sent.figures[0]["title"], "在隔离人员")

    def test_the_office_and_another_sites_clerk_are_not_the_sites_staff_on_duty(self):
        from groups.control import report

        self.check_in()
        transfer = self.confirm(self.request_to_other_site())  # the officer's confirmation, on this site's log
        self.assertTrue(AuditEvent.objects.filter(site=self.site, actor=self.officer).exists())
        sections = report.daily_report(self.site, timezone.localdate())
        staff = next(section for section in sections if section.key == "staff")
        self.assertEqual(staff.rows, [["general group", 1], ["total", 1]])  # the clerk, not the officer
        self.assertIsNotNone(transfer.office_confirmed_at)

    def test_a_report_not_submitted_or_of_another_district_is_not_found(self):
        self.submit(self.far, make_user("farhead", self.far, Role.SITE_HEAD))
        self.client.force_login(self.officer)
        today = timezone.localdate().isoformat()
        for site, day in ((self.site, today), (self.far, today), (self.site, "2026-13-01"), (self.site, "")):
            with self.subTest(site=site.name, day=day):
                response = self.client.get(reverse("district-report", args=[site.pk]), {"day": day})
                self.assertEqual(response.status_code, 404)
        self.client.force_login(self.head)
        self.submit(self.site, self.head)
        response = self.client.get(reverse("district-report", args=[self.site.pk]), {"day": today})
        self.assertEqual(response.status_code, 403)


class OverviewTests(DistrictTestCase):
    def test_each_sites_figures(self):
        self.check_in()
        far_room = self.rooms[-1]
        Room.objects.filter(pk=far_room.pk).update(status=Room.Status.SEALED)
        self.request_to_other_site()
        rows = {row.site.pk: row for row in office.site_rows([self.site, self.other])}
        here, there = rows[self.site.pk], rows[self.other.pk]
        self.assertEqual((here.in_isolation, here.arrived_today, here.released_today), (1, 1, 0))
        self.assertEqual(here.free["single"], 8)  # ten rooms, one occupied, one sealed
        self.assertEqual((here.sealed, here.open_transfers, here.office_transfers), (1, 1, 1))
        self.assertEqual(
            (there.in_isolation, there.free["single"], there.free["family"], there.free_beds), (0, 9, 1, 12)
        )
        total = office.totals([here, there])
        self.assertEqual((total.in_isolation, total.free["single"], total.open_transfers), (1, 17, 1))

    def test_the_overview_reads_a_fixed_number_of_queries_however_many_sites_and_rooms(self):
        def count(sites, rooms_each):
            district = District.objects.create(name=f"测{sites}")
            for n in range(sites):
                site = make_site(name=f"点{sites}-{n}")
                make_rooms(site, floors=rooms_each // 10, per_floor=10)
                make_person(site)
                district.sites.add(site)
            with CaptureQueriesContext(connection) as queries:
                office.overview_context(district)
            return len(queries)

        # 1 the sites; 2 rooms; 3 people; 4 stays; 5 samples; 6 transfers; 7 disinfection; 8 requests
        self.assertEqual(count(2, 20), 8)
        self.assertEqual(count(6, 200), 8)

    def test_the_benchmark_hook_renders_the_overview_for_n_sites(self):
        html = office.bench_overview(2)
        self.assertIn('id="board-body"', html)
        self.assertIn(f'id="district-site-{self.site.pk}"', html)


class ConfirmTests(DistrictTestCase):
    def setUp(self):
        self.check_in()
        self.stay = Stay.objects.get(person=self.person)

    def test_it_confirms_a_hospital_bed_and_the_sites_board_follows(self):
        transfer = transfer_services.transfer_request(
            person=self.fresh(self.person), by=self.clerk, reason="女儿在医院", destination_type=D.RELATIVES_HOSPITAL
        )
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            transfer = transfer_services.transfer_office_confirm(
                transfer=transfer,
                by=self.officer,
                destination_name="重庆市第九人民医院",
                receiving_bed="3病区 12床",
                version=transfer.version,
            )
        self.assertEqual((transfer.destination_name, transfer.receiving_bed), ("重庆市第九人民医院", "3病区 12床"))
        self.assertIsNotNone(transfer.office_confirmed_at)
        self.assertEqual(transfer.state, S.REQUESTED)
        event = AuditEvent.objects.get(action="transfer.office_confirmed")
        self.assertEqual((event.site_id, event.actor_id, event.role), (self.site.pk, self.officer.pk, "district"))
        published = [callback.change for callback in callbacks if hasattr(callback, "change")]
        self.assertTrue(any(change.site_id == self.site.pk and transfer.pk in change.transfers for change in published))
        # The site's transfer board shows it.
        self.client.force_login(self.clerk)
        self.assertContains(self.client.get(reverse("transfer-board")), 'data-office="confirmed"')

    def test_a_childs_card_says_a_guardian_goes_too_and_whether_their_transfer_is_there(self):
        family = Room.objects.create(site=self.site, floor=1, number="199", capacity=3)
        child = make_person(self.site, name="王小雨", birth_date=date(2020, 3, 1), household="王家")
        mother = make_person(self.site, name="刘芳", birth_date=date(1990, 5, 1), household="王家")
        for person in (child, mother):
            self.check_in(person, family)
        hospital = {"reason": "核酸阳性", "destination_type": D.DESIGNATED_HOSPITAL}
        transfer_services.transfer_request(person=self.fresh(child), by=self.clerk, **hospital)
        self.client.force_login(self.officer)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            page = self.client.get(reverse("district-transfers")).content.decode()
            self.assertIn("儿童：须监护人陪同，尚无监护人的转运", page)
            transfer_services.transfer_request(person=self.fresh(mother), by=self.clerk, **hospital)
            page = self.client.get(reverse("district-transfers")).content.decode()
        card = page[page.index("王小雨") :]
        card = card[: card.index("</article>")]
        self.assertIn("儿童：与监护人刘芳同行（也需一张床位）", card)
        # The mother's own card says nothing of a child.
        self.assertEqual(page.count("data-child"), 1)

    def test_another_sites_bed_makes_that_site_the_receiver_and_the_card_says_who_confirmed(self):
        make_user("head2", self.other, Role.SITE_HEAD, first_name="强", last_name="李")
        transfer = self.request_to_other_site(destination_name="渝北区回兴隔离点", destination_contact="渝北区隔离办")
        transfer_services.transfer_approve(transfer=transfer, by=self.head)
        transfer = self.confirm(self.fresh(transfer))
        # The request named another place and its office: the contact is now the receiving site's.
        self.assertEqual(transfer.destination_name, f"{self.other.name} {self.other_rooms[0].number}")
        self.assertEqual(transfer.destination_contact, f"{self.other.name}, site head 李强")
        self.client.force_login(self.clerk)
        card = self.client.get(reverse("transfer-board")).content.decode().split(f'id="transfer-{transfer.pk}"')[1]
        self.assertIn("last step: <b>destination and bed confirmed by the isolation office</b> · 周韬", card)

    def test_a_hospital_needs_its_name_and_the_bed(self):
        transfer = self.request_to_other_site(destination_type=D.DESIGNATED_HOSPITAL)
        with self.assertRaises(services.ServiceError):
            transfer_services.transfer_office_confirm(transfer=transfer, by=self.officer, destination_name="某医院")

    def test_it_refuses_a_transfer_in_the_wrong_state(self):
        transfer = self.request_to_other_site()
        transfer = transfer_services.transfer_cancel(transfer=transfer, by=self.clerk, reason="家属改变主意")
        with self.assertRaisesMessage(services.ServiceError, "cancelled"):
            self.confirm(transfer)
        self.assertFalse(Person.objects.filter(site=self.other).exists())

    def test_it_refuses_a_stale_version(self):
        transfer = self.request_to_other_site()
        stale = transfer.version
        transfer = transfer_services.transfer_approve(transfer=transfer, by=self.head, version=stale)
        with self.assertRaises(services.Conflict):
            self.confirm(transfer, version=stale)
        self.assertIsNone(self.fresh(transfer).office_confirmed_at)

    def test_a_double_submit_confirms_once(self):
        transfer = self.request_to_other_site()
        self.confirm(transfer, token="confirm-1")
        with self.assertRaises(services.AlreadySubmitted):
            self.confirm(transfer, token="confirm-1")
        self.assertEqual(Person.objects.filter(site=self.other).count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="transfer.office_confirmed").count(), 1)

    def test_a_second_confirmation_is_refused(self):
        transfer = self.request_to_other_site()
        transfer = self.confirm(transfer)
        with self.assertRaises(services.ServiceError):
            self.confirm(transfer, room=self.other_rooms[1])

    def test_it_refuses_a_room_at_the_sending_site_or_outside_the_district(self):
        transfer = self.request_to_other_site()
        far_room = make_rooms(self.far, floors=1, per_floor=1)[0]
        for room in (self.rooms[1], far_room):
            with self.subTest(room=room.number), self.assertRaises(services.ServiceError):
                self.confirm(transfer, room=room)

    def test_it_refuses_what_the_site_arranges_alone_and_other_districts(self):
        home = self.request_to_other_site(destination_type=D.HOME)
        with self.assertRaises(services.ServiceError):
            self.confirm(home)
        transfer_services.transfer_cancel(transfer=home, by=self.clerk, reason="改")
        transfer = self.request_to_other_site()
        stranger = make_user("officer2", None, Role.DISTRICT)
        self.far_district.officers.add(stranger)
        with self.assertRaisesMessage(services.ServiceError, "not from a site of your district"):
            transfer_services.transfer_office_confirm(
                transfer=transfer, by=stranger, receiving_room=self.other_rooms[0], version=transfer.version
            )

    def test_a_makeshift_hospital_says_on_its_page_that_the_office_does_not_see_it(self):
        makeshift = self.request_to_other_site(destination_type=D.MAKESHIFT_HOSPITAL, destination_name="区方舱医院")
        transfer_services.transfer_cancel(transfer=makeshift, by=self.clerk, reason="改送定点医院")
        hospital = self.request_to_other_site(destination_type=D.DESIGNATED_HOSPITAL, destination_name="区人民医院")
        self.client.force_login(self.clerk)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            page = self.client.get(makeshift.get_absolute_url())
            self.assertContains(page, 'data-office="site-arranges"')
            self.assertContains(page, "不在隔离办的清单上")
            self.assertNotContains(self.client.get(hospital.get_absolute_url()), 'data-office="site-arranges"')
        # And the office's list, where it is not.
        self.client.force_login(self.officer)
        listed = self.client.get(reverse("district-transfers"))
        self.assertContains(listed, "区人民医院")
        self.assertNotContains(listed, "区方舱医院")

    def test_the_site_cannot_arrange_what_waits_for_the_office(self):
        requested = self.request_to_other_site()
        transfer = transfer_services.transfer_approve(transfer=requested, by=self.head, version=requested.version)
        with self.assertRaisesMessage(ServiceError, "Arrange the vehicle once the office has confirmed it."):
            transfer_services.transfer_arrange(transfer=transfer, by=self.clerk, **move_arguments(S.ARRANGED))
        self.assertEqual(self.fresh(transfer).state, S.APPROVED)
        # The clerk's form says so before anything is typed.
        self.client.force_login(self.clerk)
        form = self.client.get(reverse("transfer-move", args=[transfer.pk, S.ARRANGED]), headers={"HX-Request": "true"})
        self.assertEqual(form.status_code, 409)
        self.assertContains(form, "it is on the office&#x27;s list", status_code=409)
        # Once the office confirmed, the site arranges the vehicle.
        transfer = self.confirm(self.fresh(transfer))
        transfer = transfer_services.transfer_arrange(transfer=transfer, by=self.clerk, **move_arguments(S.ARRANGED))
        self.assertEqual(transfer.state, S.ARRANGED)

    def test_a_site_whose_office_has_no_officer_arranges_on_a_phoned_confirmation(self):
        self.district.officers.clear()
        requested = self.request_to_other_site(destination_type=D.DESIGNATED_HOSPITAL, destination_name="区人民医院")
        transfer = transfer_services.transfer_approve(transfer=requested, by=self.head, version=requested.version)
        transfer = transfer_services.transfer_arrange(transfer=transfer, by=self.clerk, **move_arguments(S.ARRANGED))
        self.assertEqual(transfer.state, S.ARRANGED)

    def test_the_confirm_view_confirms_for_the_officer_only(self):
        transfer = self.request_to_other_site()
        url = reverse("district-confirm", args=[transfer.pk])
        data = {"version": transfer.version, "token": "v1", "receiving_room": self.other_rooms[0].pk}
        self.client.force_login(self.head)
        self.assertEqual(self.client.post(url, data).status_code, 403)
        self.client.force_login(self.officer)
        self.assertContains(self.client.get(url), "第二隔离点")
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertIsNotNone(self.fresh(transfer).office_confirmed_at)


class CrossSiteArrivalTests(DistrictTestCase):
    def setUp(self):
        self.check_in()
        self.stay = Stay.objects.get(person=self.person)
        Person.objects.filter(pk=self.person.pk).update(
            special_needs=["hearing"], diet=Person.Diet.HALAL, household="李家", category=Person.Category.INBOUND
        )
        self.transfer = self.request_to_other_site()

    def test_confirming_puts_the_person_on_the_receiving_sites_arrival_list_with_their_record(self):
        transfer = self.confirm(self.transfer)
        arrival = transfer.arrival
        origin = self.fresh(self.person)
        self.assertEqual((arrival.site, arrival.status), (self.other, Person.Status.EXPECTED))
        for name in (
            "name",
            "national_id",
            "phone",
            "sex",
            "birth_date",
            "category",
            "special_needs",
            "diet",
            "household",
        ):
            with self.subTest(field=name):
                self.assertEqual(getattr(arrival, name), getattr(origin, name))
        self.assertEqual(arrival.arrived_from, origin)
        self.assertEqual(arrival.carried_plan["ends_on"], self.stay.ends_on.isoformat())
        waiting = Sample.objects.filter(
            stay=self.stay, status=Sample.Status.SCHEDULED, scheduled_on__gte=timezone.localdate()
        )
        self.assertEqual(
            [on for on, _kind in arrival.carried_plan["samples"]],
            [s.scheduled_on.isoformat() for s in waiting.order_by("scheduled_on")],
        )
        self.assertEqual((transfer.receiving_site, transfer.receiving_room), (self.other, self.other_rooms[0]))
        # The receiving site's general board lists them, masked.
        self.client.force_login(self.other_clerk)
        page = self.client.get(reverse("general-board")).content.decode()
        self.assertIn(origin.name, page)
        self.assertNotIn(origin.national_id, page)

    def test_the_receiving_site_checks_them_in_after_departure_with_the_rest_of_their_quarantine(self):
        transfer = self.confirm(self.transfer)
        arrival = transfer.arrival
        room = self.other_rooms[0]
        with self.assertRaisesMessage(services.ServiceError, "still at"):
            services.stay_check_in(person=arrival, room=room, by=self.other_clerk)
        transfer = transfer_services.transfer_approve(transfer=transfer, by=self.head, version=transfer.version)
        transfer = transfer_services.transfer_arrange(transfer=transfer, by=self.clerk, **move_arguments(S.ARRANGED))
        transfer_services.transfer_depart(transfer=transfer, by=self.guard)
        stay = services.stay_check_in(person=self.fresh(arrival), room=room, by=self.other_clerk)
        self.assertEqual(stay.ends_on, self.stay.ends_on)
        # The samples go on on the dates they had, none retyped and none from the start again.
        origin_dates = sorted(
            Sample.objects.filter(stay=self.stay, scheduled_on__gte=timezone.localdate()).values_list(
                "scheduled_on", flat=True
            )
        )
        new_dates = sorted(Sample.objects.filter(stay=stay).values_list("scheduled_on", flat=True))
        self.assertEqual(new_dates, origin_dates)

    def test_the_receiving_check_in_suggests_the_room_the_office_kept(self):
        kept = self.other_rooms[4]
        transfer = self.confirm(self.transfer, room=kept)
        transfer = transfer_services.transfer_approve(transfer=transfer, by=self.head, version=transfer.version)
        transfer = transfer_services.transfer_arrange(transfer=transfer, by=self.clerk, **move_arguments(S.ARRANGED))
        transfer_services.transfer_depart(transfer=transfer, by=self.guard)
        self.client.force_login(self.other_clerk)
        response = self.client.get(reverse("person-check-in", args=[transfer.arrival_id]))
        self.assertEqual(response.context["form"].initial["room"], kept)
        self.assertEqual(self.fresh(transfer.arrival).carried_plan["room"], kept.pk)

    def departed(self, room=None):
        transfer = self.confirm(self.transfer, room=room)
        transfer = transfer_services.transfer_approve(transfer=transfer, by=self.head, version=transfer.version)
        transfer = transfer_services.transfer_arrange(transfer=transfer, by=self.clerk, **move_arguments(S.ARRANGED))
        return transfer_services.transfer_depart(transfer=transfer, by=self.guard)

    def test_the_receiving_check_in_is_recorded_on_the_sending_sites_transfer_and_its_boards_follow(self):
        transfer = self.departed()
        version = transfer.version
        seqs = dict(BoardSequence.objects.filter(site=self.site).values_list("board", "seq"))
        with self.captureOnCommitCallbacks(execute=True):
            services.stay_check_in(person=self.fresh(transfer.arrival), room=self.other_rooms[0], by=self.other_clerk)
        transfer = self.fresh(transfer)
        self.assertIsNotNone(transfer.received_at)
        self.assertEqual(transfer.received_by, "第二隔离点 王芳")
        # Still open: the escort's handover (the vehicle disinfected) closes the loop, and a form
        # already open for it is not made stale.
        self.assertEqual((transfer.state, transfer.version), (S.DEPARTED, version))
        event = AuditEvent.objects.get(action="transfer.received")
        self.assertEqual(
            (event.site, event.person, event.actor), (self.site, self.fresh(self.person), self.other_clerk)
        )
        after = dict(BoardSequence.objects.filter(site=self.site).values_list("board", "seq"))
        for board in ("transfers", "escorts", f"transfer-{transfer.pk}", "control"):
            with self.subTest(board=board):
                self.assertGreater(after[board], seqs.get(board, 0))
        # The sending site's transfer board and page say so; the handover form names the receiver.
        self.client.force_login(self.head)
        board = self.client.get(reverse("transfer-board")).content.decode()
        self.assertIn("Checked in at the receiving site", board)
        self.assertIn("第二隔离点 王芳", board)
        page = self.client.get(transfer.get_absolute_url()).content.decode()
        self.assertIn("checked in at the receiving site at", page)
        self.client.force_login(self.guard)
        form = self.client.get(reverse("transfer-move", args=[transfer.pk, S.COMPLETED]))
        self.assertEqual(form.context["form"].initial["handed_over_to"], transfer.received_by)
        response = self.client.post(
            reverse("transfer-move", args=[transfer.pk, S.COMPLETED]),
            {"handed_over_to": transfer.received_by, "vehicle_disinfected": "on", "version": version, "token": "c1"},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.fresh(transfer).state, S.COMPLETED)

    def test_a_check_in_typed_after_the_escorts_handover_is_recorded_too(self):
        transfer = self.departed()
        transfer = transfer_services.transfer_complete(
            transfer=transfer, by=self.guard, **move_arguments(S.COMPLETED), version=transfer.version
        )
        services.stay_check_in(person=self.fresh(transfer.arrival), room=self.other_rooms[0], by=self.other_clerk)
        transfer = self.fresh(transfer)
        self.assertEqual((transfer.state, transfer.received_by), (S.COMPLETED, "第二隔离点 王芳"))
        self.client.force_login(self.head)
        self.assertContains(self.client.get(transfer.get_absolute_url()), "checked in at the receiving site at")

    def test_the_office_sees_the_check_in_on_its_transfer_board(self):
        transfer = self.departed()
        services.stay_check_in(person=self.fresh(transfer.arrival), room=self.other_rooms[0], by=self.other_clerk)
        self.client.force_login(self.officer)
        page = self.client.get(reverse("district-transfers")).content.decode()
        self.assertIn(f'id="office-transfer-{transfer.pk}"', page)
        self.assertIn("Checked in at the receiving site", page)

    def test_the_transfer_log_export_has_the_receiving_sites_check_in(self):
        transfer = self.departed()
        services.stay_check_in(person=self.fresh(transfer.arrival), room=self.other_rooms[0], by=self.other_clerk)
        self.client.force_login(self.head)
        today = timezone.localdate().isoformat()
        response = self.client.post(reverse("export-download", args=["transfers"]), {"first": today, "last": today})
        self.assertEqual(response.status_code, 200)
        book = load_workbook(BytesIO(b"".join(response.streaming_content)))
        header, row = book.worksheets[0].iter_rows(values_only=True)
        received = dict(zip(header, row, strict=True))
        self.assertEqual(received["received by at the receiving site"], "第二隔离点 王芳")
        # Local time, as Excel keeps it (to the millisecond).
        checked_in = timezone.localtime(self.fresh(transfer).received_at).replace(tzinfo=None)
        self.assertLess(abs(received["checked in at the receiving site"] - checked_in), timedelta(milliseconds=1))
        self.assertIsNone(received["closed"])

    def test_a_check_in_with_no_transfer_behind_it_records_nothing(self):
        person = make_person(self.site, name="赵磊")
        services.stay_check_in(person=person, room=self.rooms[5], by=self.clerk)
        self.assertFalse(AuditEvent.objects.filter(action="transfer.received").exists())
        self.assertFalse(Transfer.objects.exclude(received_at=None).exists())

    def test_a_cancelled_transfer_takes_the_arrival_off_the_list(self):
        transfer = self.confirm(self.transfer)
        transfer_services.transfer_cancel(transfer=transfer, by=self.clerk, reason="家属改变主意")
        self.assertEqual(self.fresh(transfer.arrival).status, Person.Status.NO_SHOW)


class FreeBedTests(DistrictTestCase):
    def test_a_family_of_three_finds_the_family_room(self):
        results = office.free_beds([self.site, self.other], beds=3)
        self.assertEqual(
            [(entry["site"], [r.number for r in entry["rooms"]]) for entry in results], [(self.other, ["199"])]
        )

    def test_the_elderly_get_low_floors_first(self):
        results = office.free_beds([self.other], beds=1, room_type="single", elderly=True)
        floors = [room.floor for room in results[0]["rooms"]]
        self.assertEqual(floors[:3], [1, 1, 1])
        self.assertTrue(all(room.low for room in results[0]["rooms"][: results[0]["low"]]))
        self.assertEqual(results[0]["low"], 6)  # floors 1 and 2 (low_floor_max 2)

    def test_the_search_page_links_to_each_site(self):
        self.client.force_login(self.officer)
        response = self.client.get(reverse("district-beds"), {"beds": 3, "elderly": "on"})
        self.assertContains(response, reverse("district-site", args=[self.other.pk]))
        self.assertNotContains(response, "别区隔离点")


class DistrictLiveTests(DistrictTestCase):
    def listen(self, key, language="en"):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(NO_SITE, key, language), channel)
        return layer, channel

    def test_a_change_on_a_site_sends_that_sites_row_to_its_districts(self):
        layer, channel = self.listen(f"district-{self.district.pk}")
        far_layer, far_channel = self.listen(f"district-{self.far_district.pk}")
        with self.captureOnCommitCallbacks(execute=True):
            self.check_in()
        html = async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)["html"]
        self.assertIn(f'id="district-site-{self.site.pk}"', html)
        self.assertIn('id="district-totals"', html)
        self.assertNotIn(f'id="district-site-{self.other.pk}"', html)
        self.assertEqual(live.current_seq(NO_SITE, f"district-{self.district.pk}"), 1)
        self.assertEqual(live.current_seq(NO_SITE, f"district-{self.far_district.pk}"), 0)

    def test_a_transfer_change_reaches_the_offices_transfer_board(self):
        self.check_in()
        layer, channel = self.listen(f"district-transfers-{self.district.pk}")
        with self.captureOnCommitCallbacks(execute=True):
            transfer = self.request_to_other_site()
        html = async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)["html"]
        self.assertIn(f'id="office-transfer-{transfer.pk}"', html)
        self.assertNotIn(self.person.national_id, html)


class DistrictSocketTests(SocketMixin, LiveTestCase):
    def setUp(self):
        super().setUp()
        make_district(self)

    async def test_the_officer_gets_the_overview_and_others_are_refused(self):
        path = f"/ws/pages/district/{self.district.pk}/"
        socket, _client = await self.open_logged_in(path, self.officer)
        await socket.disconnect()
        for user in (self.head, self.clerk):
            communicator, *_ = await self.connect(path, user)
            self.assertEqual((await communicator.receive_output())["code"], 4403)
        communicator, *_ = await self.connect(f"/ws/pages/district/{self.far_district.pk}/", self.officer)
        self.assertEqual((await communicator.receive_output())["code"], 4403)

    async def test_the_socket_ends_when_the_officer_leaves_the_district(self):
        socket, _client = await self.open_logged_in(f"/ws/pages/district/{self.district.pk}/", self.officer)

        def leave():
            from django.db import transaction

            with transaction.atomic():
                self.district.officers.remove(self.officer)
                live.recheck_user_sockets(self.officer.pk)

        await sync_to_async(leave)()
        self.assertEqual((await socket.receive_output(timeout=2))["code"], 4403)


class DistrictAdminTests(DistrictTestCase):
    def test_setting_up_a_district_is_audited_on_each_of_its_sites_and_rechecks_the_officers_sockets(self):
        from django.contrib.auth.models import User

        User.objects.filter(pk=self.head.pk).update(is_staff=True, is_superuser=True)
        self.client.force_login(self.head)
        url = reverse("admin:rooms_district_change", args=[self.district.pk])
        data = {"name": self.district.name, "sites": [self.site.pk], "officers": []}
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.client.post(url, data)
        self.assertEqual(response.status_code, 302)
        # Both sites (the one that left and the one that stayed) record it; the officer's sockets check again.
        events = AuditEvent.objects.filter(action="district.admin_change")
        self.assertEqual(set(events.values_list("site_id", flat=True)), {self.site.pk, self.other.pk})
        self.assertIn("第二隔离点", events.first().before["sites"])
        self.assertIn("recheck", {callback.__name__ for callback in callbacks})
        self.assertEqual(list(self.district.officers.all()), [])
        self.assertEqual(
            self.client.get(reverse("admin:rooms_district_delete", args=[self.district.pk])).status_code, 403
        )
