"""The care ledger (关爱台账) and planned hospital visits.

Who is on the ledger (tags, and age by itself), the plan and its follow-ups
(audited, live, refused when stale or out of the group), what each audience
reads of a plan, the query counts of the screens, and the scheduled job that
asks for the day's round trips once.
"""

from datetime import date, time, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from groups.catering.board import catering_board
from groups.control.board import control_screen
from groups.medical import jobs
from groups.medical import services as medical
from groups.medical.board import medical_board
from groups.medical.care_board import care_ledger
from groups.medical.care_models import (
    CareFollowUp,
    CarePlan,
    HospitalVisitPlan,
    HospitalVisitTrip,
    care_due_count,
    care_needs,
    follow_up_due,
    on_care_ledger,
    years_before,
)
from groups.transfers import services as transfers
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import AuditEvent, Person, Room
from rooms.roles import NotInGroup
from site_ops.boards import BOARDS, Change, board_for_key
from site_ops.upkeep import scheduler
from tests.base import LiveTestCase, SiteTestCase, ViewAccessMixin
from tests.clock import frozen
from tests.factories import make_person, make_site, make_user

TODAY = timezone.localdate


def born_aged(years: int, days: int = 0) -> date:
    """A birth date that makes a person ``years`` old today (``days`` later: a little younger)."""
    return years_before(timezone.localdate(), years) + timedelta(days=days)


class MembershipTests(SiteTestCase):
    def test_age_puts_people_on_the_ledger_without_a_tag(self):
        cases = {
            "60 today": (born_aged(60), True),
            "59, 60 tomorrow": (born_aged(60, days=1), False),
            "13, 14 tomorrow": (born_aged(14, days=1), True),
            "14 today": (born_aged(14), False),
            "35": (born_aged(35), False),
        }
        for label, (birth, expected) in cases.items():
            person = make_person(self.site, birth_date=birth)
            with self.subTest(label):
                self.assertEqual(on_care_ledger(person), expected)

    def test_the_sites_elderly_age_is_the_threshold(self):
        self.site.elderly_age = 65
        self.site.save()
        person = make_person(self.site, birth_date=born_aged(62))
        self.assertEqual(care_needs(Person.objects.get(pk=person.pk)), [])
        self.assertEqual(care_needs(make_person(self.site, birth_date=born_aged(66))), ["elderly"])

    def test_any_tag_puts_people_on_the_ledger_and_age_adds_its_own(self):
        for need in ("chronic", "sight", "dialysis", "mental", "needs_carer", "hearing"):
            with self.subTest(need):
                self.assertEqual(care_needs(make_person(self.site, special_needs=[need])), [need])
        old = make_person(self.site, birth_date=born_aged(75), special_needs=["hearing"])
        self.assertEqual(care_needs(old), ["elderly", "hearing"])
        # Tagged elderly and of age: once.
        self.assertEqual(
            care_needs(make_person(self.site, birth_date=born_aged(80), special_needs=["elderly"])), ["elderly"]
        )

    def test_the_new_needs_have_chinese_labels_and_the_person_form_offers_them(self):
        with translation.override("zh-hans"):
            labels = {need: str(Person.Need(need).label) for need in ("sight", "dialysis", "mental", "needs_carer")}
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("person-new"))
        for need in labels:
            self.assertContains(response, f'value="{need}"')
        # A person saved with them keeps them (a JSON list: no migration of rooms).
        person = make_person(self.site, special_needs=list(labels))
        self.assertEqual(Person.objects.get(pk=person.pk).special_needs, list(labels))

    def test_the_ledger_lists_people_in_isolation_on_it_due_first(self):
        old = make_person(self.site, name="王大爷", birth_date=born_aged(78))
        child = make_person(self.site, name="小明", birth_date=born_aged(6))
        adult = make_person(self.site, name="成年人")
        expected = make_person(self.site, name="未到", special_needs=["chronic"])
        for person, room in ((old, self.rooms[0]), (child, self.rooms[1]), (adult, self.rooms[2])):
            services.stay_check_in(person=person, room=room, by=self.clerk)
        medical.care_follow_up_record(person=old, by=self.nurse)
        ledger = care_ledger(self.site)
        names = [row.person.name for row in ledger["rows"]]
        self.assertEqual(names, ["小明", "王大爷"])
        self.assertNotIn(expected.name, names)
        self.assertEqual(ledger["due_count"], 1)
        self.assertEqual(care_due_count(self.site), 1)


class DueTests(SiteTestCase):
    def test_a_follow_up_is_due_when_none_was_done_for_its_interval(self):
        today = date(2026, 12, 2)
        self.assertTrue(follow_up_due(None, 1, today))
        self.assertFalse(follow_up_due(today, 1, today))
        self.assertTrue(follow_up_due(today - timedelta(days=1), 1, today))
        self.assertFalse(follow_up_due(today - timedelta(days=1), 2, today))
        self.assertTrue(follow_up_due(today - timedelta(days=2), 2, today))

    def test_every_two_days_is_not_due_the_day_after(self):
        old = make_person(self.site, birth_date=born_aged(70))
        services.stay_check_in(person=old, room=self.room, by=self.clerk)
        medical.care_plan_save(person=old, by=self.nurse, data={"every_days": 2}, version=0)
        CareFollowUp.objects.create(site=self.site, person=old, day=TODAY() - timedelta(days=1), by=self.nurse)
        self.assertEqual(care_due_count(self.site), 0)
        CarePlan.objects.filter(person=old).update(every_days=1)
        self.assertEqual(care_due_count(self.site), 1)


class PlanTests(SiteTestCase):
    def setUp(self):
        self.old = make_person(self.site, name="聋老人", birth_date=born_aged(72), special_needs=["hearing"])
        services.stay_check_in(person=self.old, room=self.room, by=self.clerk)

    def test_a_plan_is_written_audited_and_published(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            plan = medical.care_plan_save(
                person=self.old,
                by=self.nurse,
                data={"how_to_talk": "听障：写字，不要喊", "watch": "血压", "responsible": self.nurse, "every_days": 1},
                version=0,
            )
        self.assertEqual(plan.version, 1)
        self.assertEqual(plan.responsible, self.nurse)
        event = AuditEvent.objects.get(action="care.plan")
        self.assertEqual(event.person, self.old)
        self.assertEqual(event.after["how_to_talk"], "听障：写字，不要喊")
        self.assertEqual(event.after["responsible"], "nurse")
        (change,) = [callback.change for callback in callbacks]
        self.assertIn("care", change.topics)
        self.assertEqual(change.persons, {self.old.pk})
        self.assertIn("care", [key for key, board in BOARDS.items() if board.affected_by(change)])
        self.assertIn("catering", [key for key, board in BOARDS.items() if board.affected_by(change)])

    def test_a_stale_edit_is_refused_and_changes_nothing(self):
        plan = medical.care_plan_save(person=self.old, by=self.nurse, data={"watch": "血压"}, version=0)
        medical.care_plan_save(person=self.old, by=self.head, data={"watch": "血糖"}, version=plan.version)
        with self.assertRaises(services.Conflict):
            medical.care_plan_save(person=self.old, by=self.nurse, data={"watch": "别的"}, version=plan.version)
        self.assertEqual(CarePlan.objects.get(person=self.old).watch, "血糖")
        # Two people writing the first plan at once: the second is told, not merged.
        other = make_person(self.site, birth_date=born_aged(66))
        medical.care_plan_save(person=other, by=self.nurse, data={"watch": "a"}, version=0)
        with self.assertRaises(services.Conflict):
            medical.care_plan_save(person=other, by=self.clerk, data={"watch": "b"}, version=0)

    def test_the_plan_form_shows_a_stale_edit_as_a_conflict(self):
        plan = medical.care_plan_save(person=self.old, by=self.nurse, data={"watch": "血压"}, version=0)
        medical.care_plan_save(person=self.old, by=self.head, data={"watch": "血糖"}, version=plan.version)
        self.client.force_login(self.nurse)
        response = self.client.post(
            reverse("care-plan", args=[self.old.pk]), {"version": plan.version, "watch": "x", "every_days": 1}
        )
        self.assertEqual(response.status_code, 409)
        self.assertEqual(CarePlan.objects.get(person=self.old).watch, "血糖")

    def test_refusals(self):
        outside = make_user("elsewhere", make_site(name="别处"), "medical")
        cases = {
            "catering": (self.cook, {"watch": "x"}, NotInGroup),
            "staff of another site": (self.nurse, {"responsible": outside}, services.ServiceError),
            "every 9 days": (self.nurse, {"every_days": 9}, services.ServiceError),
        }
        for label, (by, data, error) in cases.items():
            with self.subTest(label), self.assertRaises(error):
                medical.care_plan_save(person=self.old, by=by, data=data, version=0)
        adult = make_person(self.site)
        with self.assertRaisesMessage(services.ServiceError, "no special need"):
            medical.care_plan_save(person=adult, by=self.nurse, data={"watch": "x"}, version=0)
        self.assertFalse(CarePlan.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="care.plan").exists())

    def test_a_bad_form_is_refused_with_its_errors_and_saves_nothing(self):
        self.client.force_login(self.nurse)
        response = self.client.post(reverse("care-plan", args=[self.old.pk]), {"version": 0, "every_days": "abc"})
        self.assertEqual(response.status_code, 422)
        self.assertFalse(CarePlan.objects.exists())


class FollowUpTests(SiteTestCase):
    def setUp(self):
        self.old = make_person(self.site, name="李奶奶", birth_date=born_aged(81))
        services.stay_check_in(person=self.old, room=self.room, by=self.clerk)

    def test_a_follow_up_is_recorded_audited_and_no_longer_due(self):
        self.assertEqual(care_due_count(self.site), 1)
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            follow_up = medical.care_follow_up_record(
                person=self.old, by=self.nurse, temperature=Decimal("36.6"), asked="睡得好吗", fed=False
            )
        self.assertEqual(follow_up.day, TODAY())
        self.assertEqual([str(c) for c in follow_up.concerns], ["not eating"])
        event = AuditEvent.objects.get(action="care.follow_up")
        self.assertEqual((event.person, event.room), (self.old, self.room))
        self.assertFalse(event.after["fed"])
        self.assertEqual(care_due_count(self.site), 0)
        (change,) = [callback.change for callback in callbacks]
        self.assertEqual(change.rooms, {self.room.pk})
        # The counters of follow-ups due are on the medical board and the control screen.
        affected = [key for key, board in BOARDS.items() if board.affected_by(change)]
        for key in ("care", "medical", "control"):
            self.assertIn(key, affected)

    def test_a_fever_found_on_a_follow_up_alerts_the_medical_group(self):
        from groups.medical.models import Alert

        medical.care_follow_up_record(person=self.old, by=self.clerk, temperature=Decimal("37.0"))
        self.assertFalse(Alert.objects.exists())
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            medical.care_follow_up_record(person=self.old, by=self.clerk, temperature=Decimal("38.1"))
        alert = Alert.objects.get()
        self.assertEqual(
            (alert.kind, alert.person, alert.room, alert.raised_by), ("fever", self.old, self.room, self.clerk)
        )
        self.assertFalse(alert.for_site_head)
        self.assertIn("medical", callbacks[0].change.topics)
        self.client.force_login(self.nurse)
        self.assertContains(self.client.get(reverse("medical-board")), "38.1")
        # A fever today, wherever it was taken: the counters count the person once.
        from groups.medical.reads import medical_counters

        self.assertEqual(medical_counters(self.site)["fevers_today"], 1)

    def test_a_nurse_records_a_follow_up_in_one_tap_from_the_ledger(self):
        self.client.force_login(self.nurse)
        url = reverse("care-follow-up", args=[self.old.pk])
        data = {"token": "t1", "temperature": "36.8", "warm": "1", "covered": "1", "fed": "1"}
        response = self.client.post(url, data, headers={"hx-request": "true", "hx-target": f"care-row-{self.old.pk}"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f'id="care-row-{self.old.pk}"')
        self.assertContains(response, 'data-due="0"')
        # A double tap counts once.
        self.client.post(url, data, headers={"hx-request": "true", "hx-target": f"care-row-{self.old.pk}"})
        self.assertEqual(CareFollowUp.objects.count(), 1)

    def test_bad_input_is_refused_clearly_and_records_nothing(self):
        self.client.force_login(self.nurse)
        url = reverse("care-follow-up", args=[self.old.pk])
        for temperature in ("45", "abc"):
            with self.subTest(temperature):
                response = self.client.post(url, {"temperature": temperature}, headers={"hx-request": "true"})
                self.assertEqual(response.status_code, 422)
                self.assertContains(response, "temperature", status_code=422)
        self.assertFalse(CareFollowUp.objects.exists())
        self.assertFalse(AuditEvent.objects.filter(action="care.follow_up").exists())

    def test_nobody_outside_the_group_records_and_nobody_follows_up_an_empty_room(self):
        self.client.force_login(self.cook)
        response = self.client.post(reverse("care-follow-up", args=[self.old.pk]), {"temperature": "36.5"})
        self.assertContains(response, "You are not in this group", status_code=403)
        expected = make_person(self.site, birth_date=born_aged(90))
        with self.assertRaisesMessage(services.ServiceError, "not in a room"):
            medical.care_follow_up_record(person=expected, by=self.nurse)
        self.assertFalse(CareFollowUp.objects.exists())

    def test_a_person_of_another_site_is_not_found(self):
        other = make_site(name="别处")
        stranger = make_person(other, birth_date=born_aged(90))
        self.client.force_login(self.nurse)
        self.assertEqual(self.client.post(reverse("care-follow-up", args=[stranger.pk])).status_code, 404)


class LedgerScreenTests(SiteTestCase):
    def test_the_ledger_is_reached_from_the_medical_and_general_boards(self):
        for user, board in ((self.nurse, "medical-board"), (self.clerk, "general-board"), (self.head, "medical-board")):
            self.client.force_login(user)
            with self.subTest(board=board, user=user.username):
                page = self.client.get(reverse(board))
                self.assertContains(page, f'href="{reverse("care-ledger")}"')
                self.assertEqual(self.client.get(reverse("care-ledger")).status_code, 200)

    def test_who_may_open_it(self):
        for user in (self.cook, self.guard, self.cleaner, self.outsider):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertContains(self.client.get(reverse("care-ledger")), "not in this group", status_code=403)
        self.client.logout()
        response = self.client.get(reverse("care-ledger"))
        self.assertEqual(response.status_code, 302)
        self.client.force_login(self.head)
        self.assertEqual(self.client.delete(reverse("care-ledger")).status_code, 405)
        self.assertEqual(self.client.get(reverse("care-follow-up", args=[self.person.pk])).status_code, 405)

    def test_it_shows_the_plan_the_responsible_staff_and_the_last_follow_up(self):
        old = make_person(self.site, name="赵爷爷", birth_date=born_aged(88), special_needs=["sight"])
        services.stay_check_in(person=old, room=self.room, by=self.clerk)
        medical.care_plan_save(
            person=old, by=self.nurse, data={"bring": "拐杖", "responsible": self.clerk, "how_to_talk": "先出声再进门"}
        )
        medical.care_follow_up_record(person=old, by=self.nurse, temperature=Decimal("36.4"), covered=False)
        self.client.force_login(self.nurse)
        with translation.override("zh-hans"):
            page = self.client.get(reverse("care-ledger"), headers={"accept-language": "zh-CN"}).content.decode()
        for text in ("赵爷爷", "拐杖", "先出声再进门", "张露匀", "36.4", self.room.number, "老年人"):
            self.assertIn(text, page)

    def test_the_boards_filter_by_care_needs(self):
        old = make_person(self.site, name="高龄者", birth_date=born_aged(85))
        services.stay_check_in(person=old, room=self.room, by=self.clerk)
        services.stay_check_in(person=self.person, room=self.rooms[1], by=self.clerk)
        self.client.force_login(self.head)
        medical_page = self.client.get(reverse("medical-board") + "?floor=1&care=1").content.decode()
        self.assertIn('class="medical care-only"', medical_page)
        self.assertIn(f'id="med-person-{old.pk}" class="med-person" data-care', medical_page)
        self.assertIn(f'id="med-person-{self.person.pk}" class="med-person">', medical_page)
        self.assertIn("care=1", medical_page)  # the socket keeps the filter
        general_page = self.client.get(reverse("general-board") + "?care=1").content.decode()
        self.assertIn('class="general care-only"', general_page)
        self.assertIn('id="care-filter"', general_page)
        self.assertRegex(general_page, rf'id="room-{self.room.pk}"[^>]*data-care')
        self.assertNotRegex(general_page, rf'id="room-{self.rooms[1].pk}"[^>]*data-care')
        # The board resent over the socket stays filtered.
        self.assertIn("care-only", BOARDS["medical"].render_snapshot(self.site.pk, {"floor": 1, "care": True}))

    def test_the_control_screen_counts_the_follow_ups_due_today(self):
        old = make_person(self.site, birth_date=born_aged(85))
        services.stay_check_in(person=old, room=self.room, by=self.clerk)
        self.client.force_login(self.head)
        page = self.client.get(reverse("control-screen"))
        self.assertContains(page, '<b data-counter="care-due-today">1</b>', html=False)
        self.assertEqual(control_screen(self.site)["medical"]["care_due"], 1)


# What must never reach the groups at the door, whatever the plan says.
DIAGNOSIS = "精神分裂症"
MEDICINE = "胰岛素"
DOOR = "敲门后稍等，饭菜切碎"
TALK = "听障：写字，不要喊"


class AudienceTests(SiteTestCase):
    def setUp(self):
        self.sick = make_person(
            self.site, name="病人甲", birth_date=born_aged(68), special_needs=["mental", "dialysis", "chronic"]
        )
        # In the room before lunch: on the floor's meal round.
        with frozen(9):
            services.stay_check_in(person=self.sick, room=self.room, by=self.clerk)
        medical.care_plan_save(
            person=self.sick,
            by=self.nurse,
            data={"watch": DIAGNOSIS + "，按时服药", "bring": MEDICINE, "door_note": DOOR, "how_to_talk": TALK},
        )
        medical.care_follow_up_record(person=self.sick, by=self.nurse, asked=MEDICINE + "用了吗")
        # Planned after the day's 07:00 has passed, whatever the clock says:
        # between midnight and 07:00 of a visit day, adding the plan asks for
        # today's trip at once, and the person would have a transfer open.
        with frozen(9):
            medical.hospital_visit_plan_add(
                person=self.sick,
                by=self.nurse,
                weekdays=[0, 2, 4],
                leave_at=time(7, 0),
                hospital="市一院",
                reason="血液透析",
            )

    def forbidden(self):
        with translation.override("zh-hans"):
            labels = [str(Person.Need(need).label) for need in Person.CLINICAL_NEEDS]
        return [DIAGNOSIS, MEDICINE, "血液透析", *labels]

    def test_catering_sees_how_to_knock_and_talk_and_never_a_diagnosis(self):
        with frozen(11, 50), translation.override("zh-hans"):
            html = board_for_key("catering").render_snapshot(self.site.pk, {})
            self.client.force_login(self.cook)
            page = self.client.get(reverse("catering-board"), headers={"accept-language": "zh-CN"}).content.decode()
            pushed = board_for_key("catering").render_change(
                Change(site_id=self.site.pk, rooms=frozenset({self.room.pk}), topics=frozenset({"care"}))
            )
        for where, text in (("snapshot", html), ("page", page), ("push", pushed)):
            with self.subTest(where):
                self.assertIn(DOOR, text)
                self.assertIn(TALK, text)
                for word in self.forbidden():
                    self.assertNotIn(word, text)

    def test_the_groups_at_the_door_never_see_the_plan_and_the_medical_group_sees_all_of_it(self):
        with translation.override("zh-hans"):
            for user in (self.cook, self.guard, self.cleaner):
                self.client.force_login(user)
                for name in ("security-board", "disinfection-board", "escort-board", "catering-board"):
                    response = self.client.get(reverse(name), headers={"accept-language": "zh-CN"})
                    if response.status_code != 200:
                        continue
                    for word in self.forbidden():
                        with self.subTest(user=user.username, page=name, word=word):
                            self.assertNotIn(word, response.content.decode())
            for user, url in (
                (self.nurse, reverse("person-medical", args=[self.sick.pk])),
                (self.clerk, reverse("person-detail", args=[self.sick.pk])),
                (self.nurse, reverse("care-ledger")),
            ):
                self.client.force_login(user)
                page = self.client.get(url, headers={"accept-language": "zh-CN"}).content.decode()
                with self.subTest(url=url):
                    self.assertIn(DIAGNOSIS, page)
                    self.assertIn(TALK, page)
                    self.assertIn("市一院", page)

    def test_the_escort_of_a_planned_visit_reads_how_to_talk_and_not_why_they_go(self):
        monday = TODAY() + timedelta(days=(7 - TODAY().weekday()) % 7 or 7)
        (trip,) = medical.hospital_visits_request(site=self.site, day=monday)
        transfers.transfer_approve(transfer=trip.transfer, by=self.head)
        self.client.force_login(self.guard)
        with translation.override("zh-hans"):
            page = self.client.get(reverse("transfer-detail", args=[trip.transfer.pk])).content.decode()
            pushed = board_for_key(f"escort-{trip.transfer.pk}").render_snapshot(self.site.pk, {})
        for html in (page, pushed):
            self.assertIn(TALK, html)
            self.assertIn("市一院", html)
            for word in self.forbidden():
                self.assertNotIn(word, html)

    def test_every_board_push_of_a_care_change_carries_only_what_its_audience_may_see(self):
        change = Change(
            site_id=self.site.pk,
            rooms=frozenset({self.room.pk}),
            persons=frozenset({self.sick.pk}),
            topics=frozenset({"care", "occupants", "medical", "meals"}),
        )
        door_groups = {"catering", "disinfection", "security", "escorts"}
        with frozen(11, 50), translation.override("zh-hans"):
            for key, board in BOARDS.items():
                if key not in door_groups:
                    continue
                for html in (board.render_snapshot(self.site.pk, {}), board.render_change(change)):
                    for word in self.forbidden():
                        with self.subTest(board=key, word=word):
                            self.assertNotIn(word, html)


class QueryTests(SiteTestCase):
    def fill(self, people: int) -> None:
        """This many more people on the ledger, in rooms of their own on floor 9."""
        start = Room.objects.filter(site=self.site, floor=9).count()
        rooms = Room.objects.bulk_create(
            [Room(site=self.site, floor=9, number=f"9{start + n:03d}") for n in range(people)]
        )
        for i, room in enumerate(rooms):
            person = make_person(self.site, birth_date=born_aged(70), special_needs=["hearing"] if i % 2 else [])
            services.stay_check_in(person=person, room=room, by=self.clerk)
            if i % 3 == 0:
                medical.care_plan_save(person=person, by=self.nurse, data={"responsible": self.nurse})
            if i % 2 == 0:
                medical.care_follow_up_record(person=person, by=self.nurse)
            if i % 4 == 0:
                medical.hospital_visit_plan_add(
                    person=person, by=self.nurse, weekdays=[1], leave_at=time(8), hospital="医院", reason="透析"
                )

    def test_the_ledger_is_constant_in_people(self):
        counts = {}
        for people in (3, 25):
            self.fill(people)
            # 1 stays with people, rooms, plans and their staff, and each one's last follow-up;
            # 2 those follow-ups with who recorded them; 3 visit plans
            with self.assertNumQueries(3):
                context = care_ledger(self.site)
            self.assertGreaterEqual(len(context["rows"]), people)
            self.client.force_login(self.nurse)
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(reverse("care-ledger")).status_code, 200)
            counts[people] = len(queries)
            with self.assertNumQueries(1):
                care_due_count(self.site)
        self.assertEqual(counts[3], counts[25])

    def test_the_care_marks_and_door_notes_add_no_query_per_person(self):
        counts = {}
        for people in (3, 25):
            self.fill(people)
            counts[people] = {}
            for name, read in (
                ("medical", lambda: medical_board(self.site, floor=9, care=True)),
                ("catering", lambda: catering_board(self.site)),
                ("care push", lambda: board_for_key("care").render_change(Change(site_id=self.site.pk))),
            ):
                with CaptureQueriesContext(connection) as queries:
                    read()
                counts[people][name] = len(queries)
        self.assertEqual(counts[3], counts[25])


class HospitalVisitTests(SiteTestCase):
    def setUp(self):
        self.patient = make_person(self.site, name="透析患者", special_needs=["dialysis"])
        services.stay_check_in(person=self.patient, room=self.room, by=self.clerk)
        # Planned on a day whose trip is not today's (so that nothing is requested at once).
        self.today = timezone.localdate()
        self.monday = self.today + timedelta(days=(7 - self.today.weekday()) % 7 or 7)
        with frozen(20):
            self.plan = medical.hospital_visit_plan_add(
                person=self.patient,
                by=self.nurse,
                weekdays=[0, 2, 4],
                leave_at=time(7, 30),
                hospital="市第一人民医院",
                reason="血液透析",
            )

    def test_the_plan_is_audited(self):
        event = AuditEvent.objects.get(action="care.visit_plan")
        self.assertEqual(event.person, self.patient)
        self.assertEqual(event.after["hospital"], "市第一人民医院")

    def test_the_job_requests_the_round_trip_on_a_planned_day_once(self):
        for _ in range(2):
            trips = medical.hospital_visits_request(site=self.site, day=self.monday)
        self.assertEqual(trips, [])  # the second run asked for nothing
        (transfer,) = Transfer.objects.filter(person=self.patient)
        self.assertEqual(transfer.destination_type, Transfer.Destination.HOSPITAL_VISIT)
        self.assertEqual(transfer.state, Transfer.State.REQUESTED)
        self.assertEqual(transfer.destination_name, "市第一人民医院")
        self.assertIn("血液透析", transfer.reason)
        self.assertEqual(timezone.localtime(transfer.planned_departure_at).time(), time(7, 30))
        self.assertEqual(timezone.localdate(transfer.planned_departure_at), self.monday)
        self.assertIsNone(transfer.requested_by)
        event = AuditEvent.objects.get(action="transfer.requested", person=self.patient)
        self.assertIsNone(event.actor)
        self.assertEqual(HospitalVisitTrip.objects.get().transfer, transfer)

    def test_no_trip_on_a_day_that_is_not_planned(self):
        medical.hospital_visits_request(site=self.site, day=self.monday + timedelta(days=1))
        self.assertFalse(Transfer.objects.exists())
        self.assertFalse(HospitalVisitTrip.objects.exists())

    def test_the_scheduled_job_runs_on_every_site_and_twice_asks_once(self):
        with frozen(0, 15, days=(self.monday - self.today).days):
            first = scheduler.run_job(scheduler.JOBS["request_hospital_visits"])
            second = scheduler.run_job(scheduler.JOBS["request_hospital_visits"])
        self.assertTrue(first.ok, first.message)
        self.assertIn("1 hospital visits requested", first.message)
        self.assertIn("0 hospital visits requested", second.message)
        self.assertEqual(Transfer.objects.filter(person=self.patient).count(), 1)
        self.assertEqual(jobs.request_hospital_visits.__name__, "request_hospital_visits")

    def test_a_person_with_another_open_transfer_gets_no_second_and_it_is_said(self):
        transfers.transfer_request(person=self.patient, by=self.clerk, reason="复查", destination_type="hospital_visit")
        (trip,) = medical.hospital_visits_request(site=self.site, day=self.monday)
        self.assertIsNone(trip.transfer)
        self.assertIn("already has an open transfer", trip.note)
        self.assertEqual(Transfer.objects.filter(person=self.patient).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(action="care.visit_skipped", person=self.patient).exists())
        # Still once: the next run does not try again that day.
        self.assertEqual(medical.hospital_visits_request(site=self.site, day=self.monday), [])

    def test_a_person_who_left_stops_their_plan(self):
        from rooms.models import Stay

        stay = Stay.objects.get(person=self.patient)
        services.end_stay(stay=stay, person=self.patient, reason=Stay.EndReason.RELEASED, by=self.clerk)
        (trip,) = medical.hospital_visits_request(site=self.site, day=self.monday)
        self.assertIsNone(trip.transfer)
        self.assertFalse(HospitalVisitPlan.objects.get(pk=self.plan.pk).active)

    def test_a_plan_for_today_still_ahead_is_requested_at_once(self):
        person = make_person(self.site, special_needs=["dialysis"])
        services.stay_check_in(person=person, room=self.rooms[1], by=self.clerk)
        with frozen(6):
            medical.hospital_visit_plan_add(
                person=person,
                by=self.nurse,
                weekdays=[self.today.weekday()],
                leave_at=time(9),
                hospital="区医院",
                reason="透析",
            )
        self.assertTrue(Transfer.objects.filter(person=person, destination_type="hospital_visit").exists())

    def test_the_arrange_form_starts_from_the_planned_departure(self):
        from groups.transfers.forms import ArrangeForm

        medical.hospital_visits_request(site=self.site, day=self.monday)
        transfer = Transfer.objects.get(person=self.patient)
        form = ArrangeForm(transfer=transfer)
        self.assertEqual(timezone.localtime(form.initial["planned_departure_at"]).time(), time(7, 30))

    def test_refusals_and_stopping(self):
        with self.assertRaises(services.ServiceError):
            medical.hospital_visit_plan_add(
                person=self.patient, by=self.nurse, weekdays=[], leave_at=time(7), hospital="x", reason="y"
            )
        with self.assertRaises(NotInGroup):
            medical.hospital_visit_plan_stop(plan=self.plan, by=self.cook, version=self.plan.version)
        medical.hospital_visit_plan_stop(plan=self.plan, by=self.nurse, version=self.plan.version)
        with self.assertRaises(services.ServiceError):
            medical.hospital_visit_plan_stop(plan=self.plan, by=self.nurse, version=self.plan.version + 1)
        self.assertEqual(medical.hospital_visits_request(site=self.site, day=self.monday), [])
        self.assertFalse(Transfer.objects.exists())

    def test_the_visit_form_plans_from_the_ledger(self):
        self.client.force_login(self.nurse)
        url = reverse("care-visits", args=[self.patient.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.post(
            url, {"weekdays": ["1", "3"], "leave_at": "13:00", "hospital": "中医院", "reason": "透析"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(HospitalVisitPlan.objects.filter(person=self.patient, active=True).count(), 2)
        response = self.client.post(url, {"weekdays": [], "leave_at": "25:00", "hospital": "", "reason": ""})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(HospitalVisitPlan.objects.filter(person=self.patient).count(), 2)


class CareViewAccessTests(ViewAccessMixin, SiteTestCase):
    """Every care view: the medical and general groups and the site head; nobody else."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.old = make_person(cls.site, birth_date=born_aged(77))
        cls.plan = medical.hospital_visit_plan_add(
            person=cls.old, by=cls.nurse, weekdays=[1], leave_at=time(8), hospital="医院", reason="复查"
        )

    def urls(self):
        allowed = [self.head, self.clerk, self.nurse]
        pk = self.old.pk
        return {
            "ledger": (reverse("care-ledger"), "get", allowed),
            "plan form": (reverse("care-plan", args=[pk]), "get", allowed),
            "plan save": (reverse("care-plan", args=[pk]), "post", allowed),
            "follow-up": (reverse("care-follow-up", args=[pk]), "post", allowed),
            "visits form": (reverse("care-visits", args=[pk]), "get", allowed),
            "visits save": (reverse("care-visits", args=[pk]), "post", allowed),
            "visit stop": (reverse("care-visit-stop", args=[self.plan.pk]), "post", allowed),
        }


class CareSocketTests(LiveTestCase):
    """The ledger's socket against the real ASGI application: its audience, and a follow-up arriving live."""

    async def connect(self, path, user):
        from asgiref.sync import sync_to_async
        from django.test import Client

        from tests.base import open_socket

        client = Client()
        await sync_to_async(client.force_login)(user)
        headers = [
            (b"origin", b"http://127.0.0.1:8000"),
            (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
        ]
        communicator, connected, _code = await open_socket(path, headers)
        self.assertTrue(connected)
        return communicator

    async def test_a_follow_up_reaches_every_open_ledger_and_other_groups_are_refused(self):
        from asgiref.sync import sync_to_async

        old = await sync_to_async(make_person)(self.site, name="周大妈", birth_date=born_aged(83))
        await sync_to_async(services.stay_check_in)(person=old, room=self.room, by=self.clerk)
        cook = await self.connect("/ws/boards/care/?lang=en", self.cook)
        self.assertEqual((await cook.receive_output())["code"], 4403)
        await cook.disconnect()

        ledger = await self.connect("/ws/boards/care/?lang=en", self.nurse)
        snapshot = await ledger.receive_from()
        self.assertIn(f'id="care-row-{old.pk}" class="care-row due"', snapshot)
        await sync_to_async(medical.care_follow_up_record)(person=old, by=self.clerk, temperature=Decimal("36.5"))
        pushed = await ledger.receive_from()
        self.assertIn(f'id="care-row-{old.pk}" class="care-row" data-due="0"', pushed)
        await ledger.disconnect()

        # A board filtered to the ledger stays filtered when the socket sends it whole.
        board = await self.connect("/ws/boards/medical/?lang=en&floor=1&care=1", self.nurse)
        self.assertIn('class="medical care-only"', await board.receive_from())
        await board.disconnect()
