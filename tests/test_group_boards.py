"""The catering, disinfection and security boards: who may open them and act,
what each audience's fragments carry, and what the actions answer."""

from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from groups.catering.models import MealDelivery, MealSlot
from groups.disinfection import services as disinfection
from groups.disinfection.models import DisinfectionTask, RoutineSchedule, WasteCollection
from groups.security import services as security
from groups.security.models import CheckpointEntry, Incident
from groups.transfers import services as transfer_services
from rooms import services
from rooms.models import AuditEvent, Person, Room, Stay
from site_ops.boards import BOARDS, Change, board_for_key
from tests.base import SiteTestCase, ViewAccessMixin
from tests.clock import frozen
from tests.factories import make_person, satisfy_protocol

HTMX = {"HX-Request": "true"}


class GroupBoardTestCase(SiteTestCase):
    """At noon: the lunch round is on, two people arrived in the morning, one
    room awaits terminal disinfection, an incident is open."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.lunch = MealSlot.objects.get(site=cls.site, kind="lunch")
        cls.corridor = RoutineSchedule.objects.get(site=cls.site, per_floor=True)
        cls.neighbour = make_person(
            cls.site,
            name="王建国",
            diet=Person.Diet.HALAL,
            allergy_note="花生过敏",
            special_needs=["chronic"],
            phone="17012345678",
        )
        with frozen(8):
            services.stay_check_in(person=cls.person, room=cls.rooms[0], by=cls.clerk)
            services.stay_check_in(person=cls.neighbour, room=cls.rooms[1], by=cls.clerk)
            leaver = make_person(cls.site)
            services.stay_check_in(person=leaver, room=cls.rooms[2], by=cls.clerk)
            Stay.objects.filter(person=leaver).update(ends_on=timezone.localdate())
            satisfy_protocol(Stay.objects.get(person=leaver))
            services.stay_release(person=leaver, by=cls.clerk)
        cls.task = DisinfectionTask.objects.get()
        cls.entry = security.checkpoint_log_in(
            site=cls.site, kind="vehicle", name="渝A·D7731", purpose="物资", by=cls.guard
        )
        cls.incident = security.incident_report(
            site=cls.site, kind="door_opened", severity="low", description="开门", room=cls.rooms[0], by=cls.guard
        )
        cls.delivery = MealDelivery.objects.create(
            site=cls.site,
            slot=cls.lunch,
            day=timezone.localdate(),
            room=cls.rooms[1],
            status="delivered",
            recorded_by=cls.cook,
        )

    def setUp(self):
        patcher = frozen(12)
        patcher.__enter__()
        self.addCleanup(patcher.__exit__, None, None, None)

    def round_data(self, **extra):
        return {"slot": self.lunch.pk, "day": timezone.localdate().isoformat(), **extra}


class AccessTests(ViewAccessMixin, GroupBoardTestCase):
    """Every view: allowed, forbidden (other group), anonymous, wrong method."""

    def everyone(self):
        return [self.head, self.clerk, self.nurse, self.cook, self.cleaner, self.guard, self.outsider]

    def urls(self):
        head, cook, cleaner, guard = self.head, self.cook, self.cleaner, self.guard
        return {
            "catering": (reverse("catering-board"), "get", [head, cook]),
            "meal-record": (reverse("meal-record"), "post", [head, cook]),
            "meal-floor": (reverse("meal-floor-deliver"), "post", [head, cook]),
            "meal-late": (reverse("meal-late-deliver"), "post", [head, cook]),
            "meal-feedback": (reverse("meal-feedback", args=[self.delivery.pk]), "get", [head, cook]),
            "disinfection": (reverse("disinfection-board"), "get", [head, cleaner]),
            "task": (reverse("disinfection-task-complete", args=[self.task.pk]), "get", [head, cleaner]),
            "routine": (reverse("routine-complete", args=[self.corridor.pk]) + "?floor=1", "get", [head, cleaner]),
            "spot": (reverse("disinfection-spot-new"), "get", [head]),
            "waste": (reverse("waste-collect"), "get", [head, cleaner]),
            "hand-over": (reverse("waste-hand-over"), "get", [head, cleaner]),
            "security": (reverse("security-board"), "get", [head, guard]),
            "checkpoint-in": (reverse("checkpoint-in"), "get", [head, guard]),
            "checkpoint-out": (reverse("checkpoint-out", args=[self.entry.pk]), "post", [head, guard]),
            "patrol": (reverse("patrol-new"), "get", [head, guard]),
            "incident": (reverse("incident-new"), "get", [head, guard]),
            "resolve": (reverse("incident-resolve", args=[self.incident.pk]), "get", [head, guard]),
        }

    def test_records_of_another_site_are_not_found(self):
        from tests.factories import make_site

        other = make_site(name="别处")
        stranger = CheckpointEntry.objects.create(site=other, name="x", purpose="y", entered_by=self.guard)
        self.client.force_login(self.guard)
        self.assertEqual(self.client.post(reverse("checkpoint-out", args=[stranger.pk])).status_code, 404)

    def test_an_htmx_request_gets_the_board_body_alone_and_no_page_polls(self):
        # What time alone changes (a task becoming overdue, the next meal
        # round) comes from the server's board clock (site_ops/clock.py),
        # once per board: no page re-fetches its board on a timer.
        self.client.force_login(self.head)
        for name in ("catering-board", "disinfection-board", "security-board", "control-screen"):
            page = self.client.get(reverse(name)).content.decode()
            with self.subTest(board=name):
                self.assertNotIn('id="board-clock"', page)
                self.assertNotIn('hx-trigger="every', page)
        for name in ("catering-board", "disinfection-board", "security-board"):
            body = self.client.get(reverse(name), headers=HTMX).content.decode()
            with self.subTest(board=name):
                self.assertTrue(body.lstrip().startswith('<div id="board-body"'))
                self.assertNotIn("<html", body)

    def test_each_group_lands_on_its_board(self):
        for user, name in (
            (self.cook, "catering-board"),
            (self.cleaner, "disinfection-board"),
            (self.guard, "security-board"),
        ):
            self.client.force_login(user)
            self.assertRedirects(self.client.get("/"), reverse(name), fetch_redirect_response=False)


class AudienceTests(GroupBoardTestCase):
    """Each board's fragments carry only what its audience may see."""

    def personal_data(self):
        people = Person.objects.filter(site=self.site)
        values = []
        for person in people:
            values += [person.name, person.national_id, person.national_id_masked, person.phone, person.phone_masked]
        return [value for value in values if value] + ["chronic disease", "close contact"]

    def renders(self, key):
        board = board_for_key(key)
        change = Change(
            site_id=self.site.pk,
            rooms=frozenset(room.pk for room in self.rooms[:3]),
            topics=frozenset({"meals", "disinfection", "security"}),
        )
        return board.render_snapshot(self.site.pk, {}) + board.render_change(change)

    def test_the_catering_board_shows_rooms_diets_and_allergies_but_no_people(self):
        html = self.renders("catering")
        for value in self.personal_data():
            self.assertNotIn(value, html)
        self.assertIn("halal", html)
        self.assertIn("花生过敏", html)
        self.assertIn(f'id="meal-room-{self.rooms[0].pk}"', html)

    def test_the_disinfection_and_security_boards_show_no_people(self):
        for key in ("disinfection", "security"):
            html = self.renders(key)
            with self.subTest(board=key):
                for value in self.personal_data() + ["halal", "花生过敏"]:
                    self.assertNotIn(value, html)
        self.assertIn(self.rooms[2].number, self.renders("disinfection"))
        self.assertIn("开门", self.renders("security"))

    def test_the_pages_carry_no_personal_data_either(self):
        for user, name in (
            (self.cook, "catering-board"),
            (self.cleaner, "disinfection-board"),
            (self.guard, "security-board"),
        ):
            self.client.force_login(user)
            html = self.client.get(reverse(name)).content.decode()
            with self.subTest(page=name):
                for value in self.personal_data():
                    self.assertNotIn(value, html)

    def test_each_board_hears_only_of_its_own_topics(self):
        def affected(**kwargs):
            return {key for key, board in BOARDS.items() if board.affected_by(Change(site_id=self.site.pk, **kwargs))}

        self.assertEqual(affected(topics=frozenset({"security"})), {"control", "general", "security"})
        self.assertEqual(affected(topics=frozenset({"meals"})), {"control", "general", "catering"})
        self.assertEqual(affected(topics=frozenset({"disinfection"})), {"control", "general", "disinfection"})
        # A room whose status alone changed: the boards that show every room.
        self.assertEqual(affected(rooms=frozenset({self.room.pk})), {"control", "general", "medical"})
        self.assertEqual(
            affected(rooms=frozenset({self.room.pk}), topics=frozenset({"occupants"})),
            # The care ledger lists who is in the rooms (added deliberately).
            {"control", "general", "medical", "catering", "care"},
        )
        # A care plan or follow-up: the ledger, the counters of follow-ups due, catering's door notes.
        self.assertEqual(
            affected(rooms=frozenset({self.room.pk}), topics=frozenset({"care"})),
            {"control", "general", "medical", "catering", "care"},
        )

    def test_a_changed_rooms_cells_are_the_snapshots_with_someone_away_on_a_hospital_visit(self):
        # The change's meal round takes the occupants read with the rooms; the snapshot's reads them itself.
        from groups.transfers import services as transfers
        from tests.factories import hospital_visit_arranged

        away_alone, shared = self.rooms[3], self.rooms[4]
        Room.objects.filter(pk=shared.pk).update(capacity=2)
        shared.refresh_from_db()
        dialysis = make_person(self.site)
        stays_home, goes = (make_person(self.site, household="王家") for _ in range(2))
        with frozen(8):
            services.stay_check_in(person=dialysis, room=away_alone, by=self.clerk)
            services.stay_check_in(person=stays_home, room=shared, by=self.clerk)
            services.stay_check_in(person=goes, room=shared, by=self.clerk)
        for person in (dialysis, goes):
            visit = hospital_visit_arranged(person, clerk=self.clerk, head=self.head, driver_phone="17000000009")
            transfers.transfer_depart(transfer=visit, by=self.guard)
        rooms = self.rooms[:5]
        board = BOARDS["control"]
        change = board.render_change(Change(site_id=self.site.pk, rooms=frozenset(room.pk for room in rooms)))
        snapshot = board.render_snapshot(self.site.pk, {})
        cells = {}
        for room in rooms:
            cell = snapshot.split(f'<a id="room-{room.pk}"')[1].split("</a>")[0]
            with self.subTest(room=room.number):
                self.assertEqual(change.split(f'<a id="room-{room.pk}"')[1].split("</a>")[0], cell)
            cells[room] = cell
        # Away, not owed lunch in the room: no food badge; the room-mate at home still is.
        self.assertNotIn('data-badge="food"', cells[away_alone])
        self.assertIn('data-badge="food" data-state="pending"', cells[shared])
        self.assertIn('data-badge="food" data-state="delivered"', cells[self.rooms[1]])

    def test_the_control_screen_shows_each_rooms_food_and_disinfection_badges(self):
        self.client.force_login(self.head)
        html = self.client.get(reverse("control-screen")).content.decode()
        cells = {room: html.split(f'id="room-{room.pk}"')[1].split("</a>")[0] for room in self.rooms[:3]}
        self.assertIn('data-badge="food" data-state="pending"', cells[self.rooms[0]])
        self.assertIn('data-badge="food" data-state="delivered"', cells[self.rooms[1]])
        # Vacated at 08:00, due by 10:00: overdue at noon.
        self.assertIn('data-badge="disinfection" data-state="overdue"', cells[self.rooms[2]])
        self.assertNotIn('data-badge="food"', cells[self.rooms[2]])
        self.assertIn('data-counter="meal-round">1/2<', html)
        self.assertIn('data-counter="open-incidents">1<', html)


class CateringViewTests(GroupBoardTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.cook)

    def test_a_tap_answers_htmx_with_the_floor_it_changed(self):
        data = self.round_data(room=self.rooms[0].pk, status="delivered", token="t1")
        response = self.client.post(reverse("meal-record"), data, headers=HTMX)
        self.assertContains(response, 'id="floor-1"')
        self.assertContains(response, f'id="meal-room-{self.rooms[0].pk}" class="meal-card meal-delivered')
        self.assertEqual(MealDelivery.objects.get(room=self.rooms[0]).status, "delivered")

    def test_a_refused_tap_shows_why_in_the_panel_and_changes_nothing(self):
        data = self.round_data(room=self.rooms[4].pk, status="delivered", token="t2")
        response = self.client.post(reverse("meal-record"), data, headers=HTMX)
        self.assertContains(response, "not due lunch", status_code=422)
        self.assertEqual(response["HX-Retarget"], "#panel")
        self.assertFalse(MealDelivery.objects.filter(room=self.rooms[4]).exists())

    def test_a_tap_without_javascript_redirects_to_the_board(self):
        data = self.round_data(room=self.rooms[0].pk, status="refused", token="t3")
        response = self.client.post(reverse("meal-record"), data)
        self.assertRedirects(response, reverse("catering-board"), fetch_redirect_response=False)

    def test_a_floor_is_marked_delivered_in_one_tap(self):
        response = self.client.post(reverse("meal-floor-deliver"), self.round_data(floor=1, token="f1"), headers=HTMX)
        self.assertContains(response, 'data-pending="0"')
        self.assertEqual(MealDelivery.objects.filter(status="delivered").count(), 2)

    def test_a_complaint_needs_a_note_and_keeps_what_was_typed(self):
        url = reverse("meal-feedback", args=[self.delivery.pk])
        response = self.client.post(
            url, {"feedback": "complaint", "note": "", "version": 1, "token": "c"}, headers=HTMX
        )
        self.assertContains(response, "what the complaint is about", status_code=422)
        response = self.client.post(
            url, {"feedback": "complaint", "note": "凉了", "version": 1, "token": "c"}, headers=HTMX
        )
        self.assertContains(response, "Feedback recorded for room 102")
        self.assertEqual(self.fresh(self.delivery).feedback_note, "凉了")

    def test_the_floor_filter_shows_one_floor(self):
        response = self.client.get(reverse("catering-board"), {"floor": 2})
        self.assertContains(response, 'id="floor-2"')
        self.assertNotContains(response, 'id="floor-1"')
        self.assertContains(response, "floor=2")  # the socket asks for the same floor


class DisinfectionViewTests(GroupBoardTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.cleaner)

    def test_recording_a_terminal_task_sends_the_room_to_ventilate(self):
        url = reverse("disinfection-task-complete", args=[self.task.pk])
        form = self.client.get(url, headers=HTMX)
        self.assertContains(form, 'value="1000"')  # the usual strength for a vacated room
        data = {"agent": "含氯消毒剂", "concentration_mg_l": 1000, "contact_minutes": 30, "version": 1, "token": "d"}
        response = self.client.post(url, data, headers=HTMX)
        self.assertContains(response, "Room 103 disinfected; it is ventilating")
        self.assertEqual(self.fresh(self.rooms[2]).status, Room.Status.VENTILATING)

    def test_an_invalid_record_changes_nothing(self):
        url = reverse("disinfection-task-complete", args=[self.task.pk])
        response = self.client.post(url, {"agent": "", "version": 1}, headers=HTMX)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(self.fresh(self.task).status, "open")

    def test_a_routine_area_is_recorded_for_its_floor(self):
        url = reverse("routine-complete", args=[self.corridor.pk]) + "?floor=2"
        data = {"agent": "含氯消毒剂", "concentration_mg_l": 500, "contact_minutes": 30, "token": "r"}
        self.assertContains(self.client.post(url, data, headers=HTMX), "F2 corridor and lift")
        self.assertEqual(DisinfectionTask.objects.get(kind="routine").floor, 2)

    def test_waste_is_collected_and_handed_over(self):
        self.client.post(
            reverse("waste-collect"), {"floor": 1, "bags": 3, "weight_kg": "5.5", "token": "w"}, headers=HTMX
        )
        response = self.client.post(
            reverse("waste-hand-over"),
            {
                "contractor": "渝康",
                "receiver": "刘师傅",
                "manifest_number": "A-1",
                "handed_over_name": "赵磊",
                "token": "h",
            },
            headers=HTMX,
        )
        self.assertContains(response, "3 bags, 5.5 kg")
        self.assertEqual(WasteCollection.objects.get().weight_kg, Decimal("5.5"))

    def test_the_site_head_asks_for_a_spot_disinfection_by_room_number(self):
        self.client.force_login(self.head)
        response = self.client.post(reverse("disinfection-spot-new"), {"room": "104", "reason": "呕吐", "token": "s"})
        self.assertRedirects(response, reverse("disinfection-board"), fetch_redirect_response=False)
        self.assertEqual(DisinfectionTask.objects.get(kind="spot").room, self.rooms[3])
        response = self.client.post(reverse("disinfection-spot-new"), {"room": "999", "reason": "x"}, headers=HTMX)
        self.assertContains(response, "No room with this number", status_code=422)

    def test_inspection_is_the_rooms_own_move(self):
        disinfection.disinfection_task_complete(
            task=self.task, by=self.cleaner, agent="含氯", concentration_mg_l=1000, contact_minutes=30
        )
        room = self.fresh(self.rooms[2])
        with frozen(13):
            self.assertContains(self.client.get(reverse("disinfection-board")), "ready for inspection")
            response = self.client.post(
                reverse("room-move", args=[room.pk]), {"to": "available", "version": room.version}
            )
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.fresh(room).status, Room.Status.AVAILABLE)


class SecurityViewTests(GroupBoardTestCase):
    def setUp(self):
        super().setUp()
        self.client.force_login(self.guard)

    def test_logging_out_answers_htmx_with_who_is_inside(self):
        response = self.client.post(
            reverse("checkpoint-out", args=[self.entry.pk]), {"version": 1, "token": "o"}, headers=HTMX
        )
        self.assertContains(response, 'id="inside"')
        self.assertContains(response, "Nobody from outside is inside")

    def test_logging_in_shows_on_the_board(self):
        self.client.post(
            reverse("checkpoint-in"), {"kind": "person", "name": "李师傅", "purpose": "维修", "token": "i"}
        )
        self.assertContains(self.client.get(reverse("security-board")), "李师傅")

    def test_an_incident_is_reported_by_room_number_and_resolved_with_a_note(self):
        data = {"kind": "left_room", "severity": "high", "room": "102", "description": "住户走出房间", "token": "n"}
        self.assertContains(self.client.post(reverse("incident-new"), data, headers=HTMX), "The site head sees it now")
        incident = Incident.objects.get(kind="left_room")
        self.assertEqual(incident.room, self.rooms[1])
        url = reverse("incident-resolve", args=[incident.pk])
        self.assertEqual(self.client.post(url, {"resolution": "", "version": 1}, headers=HTMX).status_code, 422)
        self.client.post(url, {"resolution": "已劝返", "version": 1, "token": "r"}, headers=HTMX)
        self.assertEqual(self.fresh(incident).status, "resolved")
        self.assertTrue(AuditEvent.objects.filter(action="incident.resolve").exists())

    def test_a_patrol_is_recorded_for_the_floor_tapped(self):
        form = self.client.get(reverse("patrol-new") + "?floor=2", headers=HTMX)
        self.assertContains(form, '<option value="2" selected>')
        self.client.post(reverse("patrol-new"), {"floor": 2, "remarks": "正常", "token": "p"}, headers=HTMX)
        self.assertContains(self.client.get(reverse("security-board")), "正常")

    def test_the_escorts_section_lists_approved_transfers_by_room_without_names(self):
        from groups.transfers.models import Transfer
        from rooms import services as room_services
        from rooms.models import Room

        room = Room.objects.filter(site=self.site, occupant_count=0, status=Room.Status.AVAILABLE).first()
        person = make_person(self.site, name="赵护送")
        room_services.stay_check_in(person=person, room=room, by=self.clerk)
        transfer = transfer_services.transfer_request(
            person=person, by=self.clerk, reason="就医", destination_type=Transfer.Destination.HOSPITAL_VISIT
        )
        escorts = self.client.get(reverse("security-board")).content.decode().split('id="escorts"')[1]
        self.assertIn("No transfer to escort", escorts.split("</section>")[0])
        transfer_services.transfer_approve(transfer=transfer, by=self.head)
        escorts = self.client.get(reverse("security-board")).content.decode().split('id="escorts"')[1]
        escorts = escorts.split("</section>")[0]
        self.assertIn(f'<span class="tag">{room.number}</span>', escorts)
        self.assertIn(transfer.get_absolute_url(), escorts)
        self.assertNotIn("赵护送", escorts)
