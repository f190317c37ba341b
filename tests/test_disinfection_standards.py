"""Disinfection to standard: the site's agents and standards, the environmental
sample of a positive case's room, medical waste from positive rooms and its
hand-over, and the floor's spot tasks after a positive."""

import asyncio
from datetime import timedelta
from decimal import Decimal

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from groups.disinfection import services as disinfection
from groups.disinfection.board import disinfection_board
from groups.disinfection.models import (
    Disinfectant,
    DisinfectionSettings,
    DisinfectionStandard,
    DisinfectionTask,
    EnvironmentalSample,
    RoutineSchedule,
    WasteCollection,
    WasteHandover,
)
from rooms import services
from rooms.models import AuditEvent, Room, Stay
from rooms.roles import NotInGroup
from site_ops import live
from tests.base import SiteTestCase, ViewAccessMixin
from tests.clock import frozen
from tests.factories import make_person, make_site

HTMX = {"HX-Request": "true"}
STRONG = {"agent": "含氯消毒剂", "concentration_mg_l": 1000, "contact_minutes": 30, "method": "spray"}


class StandardsTestCase(SiteTestCase):
    def vacate(self, room=None, person=None, sealed=False, hour=10):
        """Someone checks in to the room and leaves it: its terminal task opens (a sealed room's for a positive)."""
        room, person = room or self.room, person or self.person
        with frozen(8):
            services.stay_check_in(person=person, room=room, by=self.clerk)
        if sealed:
            services.room_move(room=room, to=Room.Status.SEALED, by=self.head)
        stay = Stay.objects.get(person=person, ended_at__isnull=True)
        with frozen(hour):
            services.end_stay(stay=stay, person=person, reason=Stay.EndReason.TRANSFERRED, by=self.head)
        return DisinfectionTask.objects.get(room=room, status="open")

    def complete(self, task, hour=11, **record):
        with frozen(hour):
            return disinfection.disinfection_task_complete(task=task, by=self.cleaner, **{**STRONG, **record})

    def listen(self, key="disinfection"):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, "en"), channel)
        return lambda: async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)["html"]

    def chlorine(self):
        disinfection.disinfection_set_up(self.site)
        return Disinfectant.objects.get(site=self.site, code="chlorine")


class SetUpTests(StandardsTestCase):
    def test_a_site_gets_the_national_defaults_once(self):
        # A site made before the standards existed (the factory gives a new site its defaults).
        DisinfectionStandard.objects.filter(site=self.site).delete()
        Disinfectant.objects.filter(site=self.site).delete()
        disinfection.disinfection_set_up(self.site, by=self.head)
        self.assertEqual(
            sorted(Disinfectant.objects.filter(site=self.site).values_list("code", flat=True)),
            ["chlorine", "ethanol_75", "peracetic_acid"],
        )
        self.assertEqual(
            sorted(
                DisinfectionStandard.objects.filter(site=self.site).values_list(
                    "kind", "disinfectant__code", "min_concentration_mg_l", "min_contact_minutes"
                )
            ),
            [
                ("positive", "chlorine", 1000, 30),
                ("routine", "chlorine", 500, 30),
                ("spot", "chlorine", 1000, 30),
                ("terminal", "chlorine", 1000, 30),
            ],
        )
        settings = DisinfectionSettings.objects.get(site=self.site)
        self.assertEqual((settings.environmental_sample_required, settings.waste_max_days), (True, 2))
        self.assertTrue(AuditEvent.objects.filter(action="disinfection.set_up").exists())
        # What the admin changed afterwards stands: the defaults are not put back.
        Disinfectant.objects.filter(site=self.site, code="ethanol_75").update(active=False)
        disinfection.disinfection_set_up(self.site)
        self.assertEqual(Disinfectant.objects.filter(site=self.site).count(), 3)
        self.assertEqual(DisinfectionStandard.objects.filter(site=self.site).count(), 4)

    def test_a_site_without_settings_reads_the_defaults(self):
        settings = DisinfectionSettings.for_site(self.site)
        self.assertIsNone(settings.pk)
        self.assertTrue(settings.environmental_sample_required)


class StandardTests(StandardsTestCase):
    def test_a_positive_cases_room_is_held_to_its_standard(self):
        task = self.vacate(sealed=True)
        self.assertTrue(task.positive_room)
        self.assertEqual(task.standard_kind, "positive")
        with (
            self.captureOnCommitCallbacks(execute=True) as callbacks,
            self.assertRaisesMessage(
                services.ServiceError,
                "Below the standard for terminal, positive case's room disinfection: "
                "chlorine-containing disinfectant at least 1,000 mg/L for 30 minutes.",
            ),
        ):
            self.complete(task, concentration_mg_l=50, contact_minutes=1)
        self.assertEqual(callbacks, [])
        self.assertEqual(self.fresh(task).status, "open")
        self.assertEqual(self.fresh(self.room).status, Room.Status.SEALED)
        self.assertFalse(AuditEvent.objects.filter(action="disinfection.done").exists())

        self.complete(task)
        task.refresh_from_db()
        self.assertEqual((task.status, task.method, task.disinfectant.code), ("done", "spray", "chlorine"))
        self.assertEqual(AuditEvent.objects.get(action="disinfection.done").after["standard"], "positive")

    def test_an_ordinary_room_needs_1000_and_a_short_contact_is_refused(self):
        task = self.vacate()
        self.assertFalse(task.positive_room)
        with self.assertRaisesMessage(services.ServiceError, "at least 1,000 mg/L for 30 minutes"):
            self.complete(task, concentration_mg_l=800)
        with self.assertRaisesMessage(services.ServiceError, "at least 1,000 mg/L for 30 minutes"):
            self.complete(task, contact_minutes=20)
        self.complete(task)
        self.assertEqual(self.fresh(self.room).status, Room.Status.VENTILATING)

    def test_routine_surfaces_need_500(self):
        corridor = RoutineSchedule.objects.get(site=self.site, per_floor=True)
        with frozen(9, 30), self.assertRaisesMessage(services.ServiceError, "at least 500 mg/L for 30 minutes"):
            disinfection.routine_disinfection_complete(
                schedule=corridor, floor=1, by=self.cleaner, **{**STRONG, "concentration_mg_l": 250}
            )
        self.assertFalse(DisinfectionTask.objects.exists())
        with frozen(9, 30):
            task = disinfection.routine_disinfection_complete(
                schedule=corridor, floor=1, by=self.cleaner, **{**STRONG, "concentration_mg_l": 500, "method": "wipe"}
            )
        self.assertEqual((task.method, task.concentration_mg_l), ("wipe", 500))

    def test_the_standard_is_the_sites_data(self):
        task = self.vacate()
        self.chlorine()  # the site set up with the defaults, then edited in the admin
        DisinfectionStandard.objects.filter(site=self.site, kind="terminal").update(min_concentration_mg_l=2000)
        with self.assertRaisesMessage(services.ServiceError, "at least 2,000 mg/L"):
            self.complete(task)
        self.complete(task, concentration_mg_l=2000)

    def test_the_agent_comes_from_the_sites_list(self):
        task = self.vacate()
        chlorine = self.chlorine()
        peracetic = Disinfectant.objects.get(site=self.site, code="peracetic_acid")
        # On the list but with no standard for this kind of task: refused, saying what is.
        with self.assertRaisesMessage(services.ServiceError, "no standard for peracetic acid in terminal"):
            self.complete(task, agent=peracetic)
        with self.assertRaisesMessage(services.ServiceError, "Choose a disinfectant from the site's list"):
            self.complete(task, agent="漂白水")
        other = make_site(name="别的隔离点")
        disinfection.disinfection_set_up(other)
        with self.assertRaisesMessage(services.ServiceError, "Choose a disinfectant from the site's list"):
            self.complete(task, agent=Disinfectant.objects.get(site=other, code="chlorine"))
        Disinfectant.objects.filter(pk=chlorine.pk).update(active=False)
        with self.assertRaisesMessage(services.ServiceError, "Choose a disinfectant from the site's list"):
            self.complete(task, agent=self.fresh(chlorine))
        self.assertEqual(self.fresh(task).status, "open")

    def test_a_name_in_either_language_or_its_start_finds_the_agent(self):
        self.chlorine()
        for name in ("含氯消毒剂", "含氯", "Chlorine-containing disinfectant"):
            with self.subTest(name=name):
                self.assertEqual(disinfection.find_agent(self.site, name).code, "chlorine")

    def test_the_method_is_one_of_the_list(self):
        task = self.vacate()
        with self.assertRaisesMessage(services.ServiceError, "wipe, spray or aerosol fogging"):
            self.complete(task, method="pour")
        self.complete(task, method="fog")
        self.assertEqual(self.fresh(task).get_method_display(), "aerosol fogging")

    def test_a_record_reaches_the_board_live(self):
        task = self.vacate()
        receive = self.listen()
        with self.captureOnCommitCallbacks(execute=True):
            self.complete(task)
        html = receive()
        self.assertIn("(spray)", html)
        self.assertIn('id="ventilating-', html)


class EnvironmentalSampleTests(StandardsTestCase):
    def disinfected_positive_room(self):
        task = self.vacate(sealed=True)
        self.complete(task)
        return task

    def release_room(self, hour=12):
        with frozen(hour):
            return services.room_move(room=self.room, to=Room.Status.AVAILABLE, by=self.cleaner)

    def test_a_positive_cases_room_waits_for_a_negative_sample(self):
        task = self.disinfected_positive_room()
        sample = EnvironmentalSample.objects.get()
        self.assertEqual((sample.status, sample.room, sample.task), ("due", self.room, task))
        self.assertTrue(AuditEvent.objects.filter(action="environmental_sample.due", room=self.room).exists())
        # Ventilated, but not sampled: refused with the reason, nothing changed.
        with self.assertRaisesMessage(services.ServiceError, "take an environmental sample"):
            self.release_room()
        self.assertEqual(self.fresh(self.room).status, Room.Status.VENTILATING)

        receive = self.listen()
        with self.captureOnCommitCallbacks(execute=True):
            disinfection.environmental_sample_take(sample=sample, by=self.cleaner, note="6 swabs", version=1)
        self.assertIn('data-sample="taken"', receive())
        with self.assertRaisesMessage(services.ServiceError, "waits for a negative environmental sample"):
            self.release_room()

        with self.captureOnCommitCallbacks(execute=True):
            disinfection.environmental_sample_result(sample=sample, result="negative", by=self.cleaner, version=2)
        self.assertNotIn("data-sample=", receive())
        self.assertEqual(AuditEvent.objects.get(action="environmental_sample.result").after, {"status": "negative"})
        self.release_room()
        self.assertEqual(self.fresh(self.room).status, Room.Status.AVAILABLE)

    def test_a_positive_sample_opens_the_rooms_disinfection_again(self):
        self.disinfected_positive_room()
        sample = EnvironmentalSample.objects.get()
        disinfection.environmental_sample_take(sample=sample, by=self.cleaner)
        disinfection.environmental_sample_result(sample=sample, result="positive", by=self.cleaner)

        again = DisinfectionTask.objects.get(room=self.room, status="open")
        self.assertEqual((again.kind, again.positive_room), ("terminal", True))
        self.assertIn("Environmental sample positive", again.reason)
        self.assertEqual(self.fresh(self.room).status, Room.Status.VENTILATING)
        with self.assertRaisesMessage(services.ServiceError, "is to be disinfected again"):
            self.release_room()
        # Disinfected again to the positive room's standard, then a new sample is due.
        with self.assertRaisesMessage(services.ServiceError, "1,000 mg/L"):
            self.complete(again, hour=13, concentration_mg_l=500)
        self.complete(again, hour=13)
        self.assertEqual(EnvironmentalSample.objects.get(status="due").task, again)
        with self.assertRaisesMessage(services.ServiceError, "take an environmental sample"):
            self.release_room(hour=14)

    def test_the_site_can_do_without_the_sample(self):
        disinfection.disinfection_set_up(self.site)
        DisinfectionSettings.objects.filter(site=self.site).update(environmental_sample_required=False)
        self.disinfected_positive_room()
        self.assertFalse(EnvironmentalSample.objects.exists())
        self.release_room()
        self.assertEqual(self.fresh(self.room).status, Room.Status.AVAILABLE)

    def test_an_ordinary_room_needs_no_sample(self):
        self.complete(self.vacate())
        self.assertFalse(EnvironmentalSample.objects.exists())
        self.release_room()

    def test_refused_steps_change_nothing(self):
        self.disinfected_positive_room()
        sample = EnvironmentalSample.objects.get()
        with self.assertRaisesMessage(services.ServiceError, "has not been taken yet"):
            disinfection.environmental_sample_result(sample=sample, result="negative", by=self.cleaner)
        for user in (self.nurse, self.cook, self.clerk):
            with self.subTest(user=user.username), self.assertRaises(NotInGroup):
                disinfection.environmental_sample_take(sample=sample, by=user)
        with self.assertRaises(services.Conflict):
            disinfection.environmental_sample_take(sample=sample, by=self.cleaner, version=7)
        disinfection.environmental_sample_take(sample=sample, by=self.cleaner)
        with self.assertRaisesMessage(services.ServiceError, "already taken by 赵磊"):
            disinfection.environmental_sample_take(sample=sample, by=self.head)
        with self.assertRaisesMessage(services.ServiceError, "negative or positive"):
            disinfection.environmental_sample_result(sample=sample, result="unclear", by=self.cleaner)
        self.assertEqual(self.fresh(sample).status, "taken")
        disinfection.environmental_sample_result(sample=sample, result="negative", by=self.cleaner)
        with self.assertRaisesMessage(services.ServiceError, "already has its result (negative)"):
            disinfection.environmental_sample_result(sample=sample, result="positive", by=self.cleaner)
        self.assertFalse(DisinfectionTask.objects.filter(status="open").exists())


class WasteTests(StandardsTestCase):
    def collect(self, days=0, hour=10, **kwargs):
        if kwargs.get("positive"):
            kwargs.setdefault("room", self.room)
        with frozen(hour, 0, days):
            return disinfection.waste_collect(
                site=self.site, floor=1, bags=2, weight_kg=Decimal("3.0"), by=self.cleaner, **kwargs
            )

    def test_waste_from_a_positive_cases_room_is_flagged(self):
        self.assertTrue(self.collect(positive=True).positive)
        self.assertFalse(self.collect().positive)
        # A sealed room's waste is flagged whatever the box said.
        self.vacate(sealed=True)
        collection = self.collect(room=self.room)
        self.assertEqual((collection.positive, collection.room), (True, self.room))
        self.assertTrue(AuditEvent.objects.filter(action="waste.collect", room=self.room).exists())
        with self.assertRaisesMessage(services.ServiceError, "is not on floor 1"):
            self.collect(room=self.rooms[-1])
        # Positive waste is traced to its room: ticked without one, it is refused.
        with self.assertRaisesMessage(services.ServiceError, "Give the room of the positive case"):
            self.collect(positive=True, room=None)

    def test_bags_waiting_more_than_two_days_are_flagged(self):
        old = self.collect(days=-3, positive=True)
        recent = self.collect(days=-1)
        with frozen(12) as now:
            waste = disinfection_board(self.site, now)["waste"]
        self.assertEqual([c.pk for c in waste["waiting"]], [old.pk, recent.pk])
        self.assertEqual([c.too_long for c in waste["waiting"]], [True, False])
        self.assertEqual((waste["too_long_bags"], waste["positive_bags"]), (2, 2))
        # The site's rule is its data.
        DisinfectionSettings.objects.update_or_create(site=self.site, defaults={"waste_max_days": 4})
        with frozen(12) as now:
            self.assertEqual(disinfection_board(self.site, now)["waste"]["too_long_bags"], 0)

    def test_the_hand_over_records_the_manifest_and_both_signatures(self):
        self.collect(positive=True)
        refused = self.assertRaisesMessage(services.ServiceError, "transfer manifest number")
        with self.captureOnCommitCallbacks(execute=True) as callbacks, refused:
            disinfection.waste_hand_over(
                site=self.site, contractor="渝康医废", receiver="刘师傅", manifest_number=" ", by=self.cleaner
            )
        self.assertEqual(callbacks, [])
        self.assertFalse(WasteHandover.objects.exists())
        receive = self.listen()
        with self.captureOnCommitCallbacks(execute=True):
            handover = disinfection.waste_hand_over(
                site=self.site,
                contractor="渝康医废",
                receiver="刘师傅",
                manifest_number="50012026-0001",
                by=self.cleaner,
            )
        self.assertEqual((handover.manifest_number, handover.handed_over_name), ("50012026-0001", "赵磊"))
        after = AuditEvent.objects.get(action="waste.hand_over").after
        self.assertEqual(
            (after["manifest_number"], after["handed_over_by"], after["received_by"], after["positive_bags"]),
            ("50012026-0001", "赵磊", "刘师傅", 2),
        )
        self.assertIn("manifest 50012026-0001, handed over by 赵磊", receive())
        self.assertFalse(WasteCollection.objects.filter(handover__isnull=True).exists())

    def test_the_hand_over_takes_two_people(self):
        self.collect()
        with self.assertRaisesMessage(services.ServiceError, "赵磊 cannot both hand the waste over and receive it"):
            disinfection.waste_hand_over(
                site=self.site,
                contractor="渝康医废",
                receiver=" 赵 磊",
                manifest_number="50012026-0002",
                by=self.cleaner,
            )
        self.assertFalse(WasteHandover.objects.exists())


class FloorSpotTaskTests(StandardsTestCase):
    def test_a_positive_opens_the_floors_corridor_and_lift_once(self):
        receive = self.listen()
        with frozen(9) as now, self.captureOnCommitCallbacks(execute=True) as callbacks:
            opened = disinfection.open_floor_spot_tasks(room=self.room, by=self.nurse, reason="101 阳性")
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(sorted(task.area for task in opened), ["corridor", "lift"])
        for task in opened:
            self.assertEqual(
                (task.kind, task.status, task.floor, task.due_at), ("spot", "open", 1, now + timedelta(hours=1))
            )
        self.assertEqual(sorted(task.place for task in opened), ["F1 corridor", "F1 lift"])
        events = AuditEvent.objects.filter(action="disinfection.spot_open", room=self.room)
        self.assertEqual(events.count(), 2)
        self.assertEqual(events.first().note, "101 阳性")
        html = receive()
        self.assertIn("F1 corridor", html)
        self.assertIn("F1 lift", html)

        # Asked again while they are open: nothing new, nothing sent.
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            self.assertEqual(disinfection.open_floor_spot_tasks(room=self.rooms[1], by=self.nurse, reason="x"), [])
        self.assertEqual(callbacks, [])
        # Once the corridor is done, the next positive on the floor opens it again, the lift still being open.
        corridor = next(task for task in opened if task.area == "corridor")
        disinfection.disinfection_task_complete(task=corridor, by=self.cleaner, **STRONG)
        again = disinfection.open_floor_spot_tasks(room=self.rooms[2], by=self.head, reason="103 阳性")
        self.assertEqual([task.area for task in again], ["corridor"])
        # Another floor has its own.
        self.assertEqual(len(disinfection.open_floor_spot_tasks(room=self.rooms[5], by=self.nurse, reason="x")), 2)

    def test_who_may_ask_and_why(self):
        with self.assertRaises(NotInGroup):
            disinfection.open_floor_spot_tasks(room=self.room, by=self.cook, reason="x")
        with self.assertRaisesMessage(services.ServiceError, "Say why"):
            disinfection.open_floor_spot_tasks(room=self.room, by=self.nurse, reason=" ")
        self.assertFalse(DisinfectionTask.objects.exists())


class StandardViewTests(ViewAccessMixin, StandardsTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.task = cls.vacate(cls, sealed=True)

    def everyone(self):
        return [self.head, self.cleaner, self.clerk, self.nurse, self.cook, self.outsider]

    def sample(self):
        self.complete(self.task)
        return EnvironmentalSample.objects.get()

    def urls(self):
        sample = EnvironmentalSample.objects.first() or self.sample()
        allowed = [self.head, self.cleaner]
        return {
            "take": (reverse("environmental-sample-take", args=[sample.pk]), "get", allowed),
            "result": (reverse("environmental-sample-result", args=[sample.pk]), "get", allowed),
        }

    def test_the_form_offers_the_sites_agents_and_says_the_standard(self):
        self.client.force_login(self.cleaner)
        url = reverse("disinfection-task-complete", args=[self.task.pk])
        form = self.client.get(url, headers=HTMX)
        self.assertContains(form, "chlorine-containing disinfectant at least 1,000 mg/L for 30 minutes")
        self.assertContains(form, f'<option value="{self.chlorine().pk}" selected>')
        self.assertContains(form, 'value="spray"')
        self.assertContains(form, "aerosol fogging")
        data = {"agent": self.chlorine().pk, "method": "wipe", "concentration_mg_l": 50, "contact_minutes": 1}
        response = self.client.post(url, {**data, "version": 1, "token": "a"}, headers=HTMX)
        self.assertContains(response, "at least 1,000 mg/L for 30 minutes", status_code=422)
        self.assertEqual(self.fresh(self.task).status, "open")
        response = self.client.post(url, {**data, "agent": "9999", "version": 1, "token": "b"}, headers=HTMX)
        self.assertEqual(response.status_code, 422)
        data.update(concentration_mg_l=1000, contact_minutes=30)
        response = self.client.post(url, {**data, "version": 1, "token": "c"}, headers=HTMX)
        self.assertContains(response, "Room 101 disinfected; it is ventilating")
        self.assertEqual(self.fresh(self.task).method, "wipe")

    def test_the_sample_is_recorded_from_the_board(self):
        self.client.force_login(self.cleaner)
        sample = self.sample()
        board = self.client.get(reverse("disinfection-board"))
        take = reverse("environmental-sample-take", args=[sample.pk])
        self.assertContains(board, f'hx-get="{take}"')
        self.assertContains(board, "environmental sample to take")
        self.assertNotContains(board, "Inspected: available")
        self.assertContains(self.client.post(take, {"version": 1, "token": "t"}, headers=HTMX), "sample taken")

        board = self.client.get(reverse("disinfection-board"))
        result = reverse("environmental-sample-result", args=[sample.pk])
        self.assertContains(board, f'hx-get="{result}"')
        response = self.client.post(result, {"version": 2, "token": "r"}, headers=HTMX)
        self.assertContains(response, "This field is required", status_code=422)
        self.assertEqual(self.fresh(sample).status, "taken")
        # The room's own move is refused, in the panel, until the result is in.
        room = self.fresh(self.room)
        with frozen(13):
            response = self.client.post(
                reverse("room-move", args=[room.pk]), {"to": "available", "version": room.version}, headers=HTMX
            )
        self.assertContains(response, "waits for a negative environmental sample", status_code=422)
        # Recorded while the room still airs out: it says when it can be inspected, not that it can be now.
        aired_at = timezone.localtime(self.fresh(self.room).ventilation_until)
        before = aired_at - timedelta(minutes=30)
        with frozen(before.hour, before.minute):
            response = self.client.post(result, {"result": "negative", "version": 2, "token": "r"}, headers=HTMX)
        self.assertContains(
            response, f"sample negative; it can be inspected once it has aired out, at {aired_at:%H:%M}"
        )
        with frozen(13):
            self.assertContains(self.client.get(reverse("disinfection-board")), "Inspected: available")

    def test_waste_forms_flag_positive_rooms_and_ask_for_the_manifest(self):
        self.client.force_login(self.cleaner)
        response = self.client.post(
            reverse("waste-collect"),
            {"floor": 1, "bags": 2, "weight_kg": "3.5", "room": "101", "token": "w"},
            headers=HTMX,
        )
        self.assertContains(response, "Flagged: from a positive case&#x27;s room")
        response = self.client.post(
            reverse("waste-collect"), {"floor": 1, "bags": 2, "weight_kg": "3.5", "room": "999"}, headers=HTMX
        )
        self.assertContains(response, "No room with this number", status_code=422)
        form = self.client.get(reverse("waste-hand-over"), headers=HTMX)
        self.assertContains(form, 'value="赵磊"')
        data = {"contractor": "渝康", "receiver": "刘师傅", "handed_over_name": "赵磊", "token": "h"}
        response = self.client.post(reverse("waste-hand-over"), data, headers=HTMX)
        self.assertEqual(response.status_code, 422)
        self.assertFalse(WasteHandover.objects.exists())
        response = self.client.post(reverse("waste-hand-over"), {**data, "manifest_number": "A-17"}, headers=HTMX)
        self.assertContains(response, "manifest A-17")
        board = self.client.get(reverse("disinfection-board"))
        self.assertContains(board, "manifest A-17, handed over by 赵磊")


class BoardQueryTests(StandardsTestCase):
    def test_samples_and_waste_add_no_query_per_row(self):
        for room in self.rooms[:3]:
            self.complete(self.vacate(room=room, person=make_person(self.site), sealed=True))
            disinfection.waste_collect(
                site=self.site, floor=room.floor, bags=1, weight_kg=Decimal(1), room=room, by=self.cleaner
            )
        self.assertEqual(EnvironmentalSample.objects.count(), 3)
        # The twelve of groups/disinfection/board.py, however many rooms wait for a sample.
        with frozen(12) as now, self.assertNumQueries(12):
            disinfection_board(self.site, now)


class RoomWaitingForRepairTests(StandardsTestCase):
    """A room a repair was asked for is inspected out of service, and back in service once the repair is done."""

    def setUp(self):
        from rooms.requests import request_log

        self.task = self.vacate()
        self.repair = request_log(site=self.site, room=self.room, by=self.clerk, kind="repair", what="卫生间漏水")
        self.complete(self.task)

    def move(self, to, by=None):
        with frozen(13):
            return services.room_move(room=self.room, to=to, by=by or self.cleaner)

    def test_the_inspection_takes_it_out_of_service_until_the_repair_is_resolved(self):
        from rooms.requests import request_resolve

        with frozen(13) as now:
            html = render_to_string("disinfection/board.html", disinfection_board(self.site, now))
        self.assertIn("卫生间漏水", html)
        self.assertIn('name="to" value="out_of_service"', html)
        self.assertNotIn('name="to" value="available"', html)
        # Made available by hand (the general group's room page): refused, saying what to do; nothing changed.
        with self.assertRaisesMessage(services.ServiceError, "waits for a repair (卫生间漏水): take it out of service"):
            self.move(Room.Status.AVAILABLE, by=self.clerk)
        self.assertEqual(self.fresh(self.room).status, Room.Status.VENTILATING)
        room = self.move(Room.Status.OUT_OF_SERVICE)
        self.assertEqual((room.status, room.note), (Room.Status.OUT_OF_SERVICE, "卫生间漏水"))
        self.assertFalse(services.repaired_out_of_service(self.room))
        request_resolve(request=self.repair, by=self.clerk, outcome="已更换水管")
        self.assertTrue(services.repaired_out_of_service(self.room))
        room = self.move(Room.Status.AVAILABLE, by=self.clerk)
        # Back in service, the repair is no longer the room's note (its page showed it still); the history keeps it.
        self.assertEqual((room.status, room.note), (Room.Status.AVAILABLE, ""))
        event = AuditEvent.objects.filter(action="room.move", room=self.room).latest("pk")
        self.assertEqual((event.before["note"], event.after["note"]), ("卫生间漏水", ""))
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("room-detail", args=[self.room.pk])).content.decode()
        head = page[page.index('<header class="detail-head') : page.index("</header>", page.index("detail-head"))]
        self.assertNotIn("卫生间漏水", head)
        self.assertIn("卫生间漏水", page)  # the resolved request and the history

    def test_the_room_page_takes_a_room_out_of_service_with_why_and_back_without(self):
        room = self.rooms[4]
        self.client.force_login(self.clerk)
        with self.settings(LANGUAGE_CODE="zh-hans"):
            page = self.client.get(reverse("room-detail", args=[room.pk])).content.decode()
        self.assertIn("原因（恢复使用前显示在房间上）", page)
        self.client.post(
            reverse("room-move", args=[room.pk]), {"to": "out_of_service", "version": room.version, "note": "门锁损坏"}
        )
        room = self.fresh(room)
        self.assertEqual((room.status, room.note), (Room.Status.OUT_OF_SERVICE, "门锁损坏"))
        # Still optional: the reason box is no hurdle.
        self.client.post(reverse("room-move", args=[room.pk]), {"to": "available", "version": room.version})
        room = self.fresh(room)
        self.assertEqual((room.status, room.note), (Room.Status.AVAILABLE, ""))
        events = AuditEvent.objects.filter(action="room.move", room=room).order_by("pk")
        # No empty "ventilation until" on moves that do not air the room out.
        self.assertEqual(
            [event.after for event in events], [{"status": "out_of_service"}, {"status": "available", "note": ""}]
        )

    def test_resolving_the_repair_says_the_room_is_still_out_of_service(self):
        self.move(Room.Status.OUT_OF_SERVICE)
        self.client.force_login(self.clerk)
        response = self.client.post(
            reverse("request-resolve", args=[self.repair.pk]),
            {"outcome": "已更换水管", "version": self.repair.version, "token": "t-repair-1"},
            follow=True,
        )
        self.assertContains(response, f"Room {self.room.number} is still out of service")
