"""What a walk through the general group's day found: each fixed, as the clerk meets it."""

from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone

from groups.general.board import releases_due
from groups.transfers import services as transfers
from groups.transfers.models import Transfer
from rooms import requests, services
from rooms.masking import validate_phone
from rooms.models import Person, Stay
from tests.base import SiteTestCase
from tests.clock import frozen
from tests.factories import hospital_visit_arranged, make_person, national_id


class GeneralDayTests(SiteTestCase):
    def test_not_done_in_the_ledger_is_every_request_still_open_whatever_day_it_was_logged(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        with frozen(10, days=-1):
            old = requests.request_log(
                site=self.site, room=self.room, kind="repair", urgency="today", what="空调不制热", by=self.clerk
            )
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("request-ledger"), {"status": "not_done"})
        self.assertIn(old, page.context["requests"])
        # "101房" or full-width digits are the room's number.
        for typed in (f"{self.room.number}房", "".join(chr(ord(c) + 0xFEE0) for c in self.room.number)):
            with self.subTest(room=typed):
                page = self.client.get(reverse("request-ledger"), {"status": "not_done", "room": typed})
                self.assertEqual(page.context["requests"], [old])
        # Without the status, the list is the period's: today's only.
        self.assertNotIn(old, self.client.get(reverse("request-ledger")).context["requests"])

    def test_a_family_member_left_without_an_address_lives_at_the_first_one_given(self):
        self.client.force_login(self.clerk)
        today = timezone.localdate().isoformat()
        members = [
            ("刘建华", national_id(date(1985, 4, 2)), "M", "重庆市九龙坡区谢家湾街道花园社区文化路13号"),
            ("刘子涵", national_id(date(2021, 6, 1)), "M", ""),
        ]
        data = {"household": "刘家", "token": "f1", "member-TOTAL_FORMS": "2", "member-INITIAL_FORMS": "0"}
        data.update({"member-MIN_NUM_FORMS": "2", "member-MAX_NUM_FORMS": "8"})
        for index, (name, number, sex, address) in enumerate(members):
            prefix = f"member-{index}-"
            data.update({prefix + "name": name, prefix + "national_id": number, prefix + "sex": sex})
            data.update(
                {prefix + "address": address, prefix + "expected_on": today, prefix + "category": "close_contact"}
            )
            data[prefix + "diet"] = "regular"
        response = self.client.post(reverse("household-new"), data)
        self.assertIn(response.status_code, (200, 302))
        child = Person.objects.get(name="刘子涵")
        self.assertEqual(child.address, members[0][3])

    def test_a_mobile_of_ten_digits_and_a_birth_date_the_id_contradicts_are_refused(self):
        with self.assertRaisesMessage(Exception, "A mobile number has 11 digits (it has 10)"):
            validate_phone("1380238123")
        for good in ("13802381234", "023-68881234", "0085291234567"):
            with self.subTest(phone=good):
                validate_phone(good)
        self.client.force_login(self.clerk)
        data = {
            "name": "杨志远",
            "national_id": national_id(date(1988, 3, 12)),
            "sex": "M",
            "birth_date": "1990-01-01",
            "expected_on": timezone.localdate().isoformat(),
            "category": "close_contact",
            "token": "p1",
        }
        page = self.client.post(reverse("person-new"), data)
        self.assertContains(page, "The national ID gives the birth date 1988-03-12", status_code=422)
        self.assertFalse(Person.objects.filter(name="杨志远").exists())

    def test_the_same_person_again_is_named_with_their_status(self):
        data = {
            "name": "李秀英",
            "national_id": self.person.national_id,
            "sex": "F",
            "birth_date": self.person.birth_date,
            "expected_on": timezone.localdate(),
        }
        with self.assertRaisesMessage(services.ServiceError, "Already on this site: 李秀英 (expected, 5"):
            services.person_register(site=self.site, by=self.clerk, data=data)

    def test_someone_away_on_a_hospital_visit_is_not_offered_for_release(self):
        stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        Stay.objects.filter(pk=stay.pk).update(ends_on=timezone.localdate())
        transfer = hospital_visit_arranged(self.person, clerk=self.clerk, head=self.head)
        transfers.transfer_depart(transfer=transfer, by=self.guard)
        (due,) = releases_due(self.site)
        self.assertTrue(due.away)
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("general-board"))
        self.assertContains(page, "away on a hospital visit: released once back")
        self.assertNotContains(page, reverse("release-certificate", args=[self.person.pk]))
        with self.assertRaisesMessage(services.ServiceError, "away on a hospital visit"):
            services.stay_release(person=self.person, by=self.clerk)

    def test_a_release_waiting_on_a_transfer_home_says_the_transfer_ends_it(self):
        stay = services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        Stay.objects.filter(pk=stay.pk).update(ends_on=timezone.localdate() - timedelta(days=0))
        transfers.transfer_request(
            person=self.person, by=self.clerk, reason="点对点送返居家", destination_type=Transfer.Destination.HOME
        )
        with self.assertRaisesMessage(services.ServiceError, "its completion at home ends the isolation"):
            services.stay_release(person=self.person, by=self.clerk)
        self.assertEqual(Person.objects.get(pk=self.person.pk).status, Person.Status.IN_ISOLATION)
        make_person(self.site)  # the site goes on
