from datetime import timedelta

from django.urls import reverse
from django.utils import timezone, translation

from rooms import services
from rooms.models import AuditEvent, Person, Room, Stay
from rooms.templatetags.audit import audit_changes
from tests.base import SiteTestCase, ViewAccessMixin
from tests.factories import make_person, make_rooms, make_site, make_user, satisfy_protocol


class AccessTests(ViewAccessMixin, SiteTestCase):
    """Every view: allowed, forbidden (other group), anonymous, wrong method."""

    def urls(self):
        person, room = self.person.pk, self.room.pk
        return {
            # name: (url, method, allowed users)
            "control": (reverse("control-screen"), "get", [self.head]),
            "general": (reverse("general-board"), "get", [self.head, self.clerk]),
            "person-new": (reverse("person-new"), "get", [self.head, self.clerk]),
            "household-new": (reverse("household-new"), "get", [self.head, self.clerk]),
            "person": (reverse("person-detail", args=[person]), "get", [self.head, self.clerk]),
            "check-in": (reverse("person-check-in", args=[person]), "get", [self.head, self.clerk]),
            "person-edit": (reverse("person-edit", args=[person]), "get", [self.head, self.clerk]),
            "room": (reverse("room-detail", args=[room]), "get", [self.head, self.clerk]),
            "release": (reverse("person-release", args=[person]), "post", [self.head, self.clerk]),
            "reveal": (reverse("person-reveal", args=[person]), "post", [self.head, self.clerk]),
            "room-move": (reverse("room-move", args=[room]), "post", [self.head, self.clerk, self.nurse]),
        }

    def test_logging_out_needs_a_post(self):
        self.client.force_login(self.head)
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)

    def test_records_of_another_site_are_not_found(self):
        other = make_site(name="别处")
        stranger = make_person(other)
        room = make_rooms(other, floors=1, per_floor=1)[0]
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.get(reverse("person-detail", args=[stranger.pk])).status_code, 404)
        self.assertEqual(self.client.get(reverse("room-detail", args=[room.pk])).status_code, 404)

    def test_home_sends_each_role_to_its_board(self):
        cases = [
            (self.head, "control-screen"),
            (self.clerk, "general-board"),
            (self.nurse, "medical-board"),
            (self.cook, "catering-board"),
            (self.guard, "security-board"),
        ]
        for user, name in cases:
            self.client.force_login(user)
            self.assertRedirects(self.client.get("/"), reverse(name), fetch_redirect_response=False)
        self.client.force_login(self.outsider)
        self.assertContains(self.client.get("/"), "not in any group")


class CheckInViewTests(SiteTestCase):
    def setUp(self):
        self.client.force_login(self.clerk)
        self.url = reverse("person-check-in", args=[self.person.pk])

    def test_the_form_suggests_a_room(self):
        response = self.client.get(self.url)
        self.assertEqual(response.context["form"].initial["room"], self.room)

    def test_elderly_people_are_offered_a_low_floor_and_others_a_higher_one(self):
        elder = make_person(self.site, special_needs=["elderly"])
        self.assertEqual(
            self.client.get(reverse("person-check-in", args=[elder.pk])).context["form"].initial["room"].floor, 1
        )
        self.site.low_floor_max = 1
        self.site.save()
        self.assertEqual(self.client.get(self.url).context["form"].initial["room"].floor, 2)

    def test_family_members_are_offered_their_relatives_room(self):
        family_room = Room.objects.create(site=self.site, number="219", floor=2, capacity=3)
        mother = make_person(self.site, household="王家")
        son = make_person(self.site, household="王家")
        response = self.client.get(reverse("person-check-in", args=[mother.pk]))
        self.assertEqual(response.context["form"].initial["room"], family_room)
        services.stay_check_in(person=mother, room=family_room, by=self.clerk)
        response = self.client.get(reverse("person-check-in", args=[son.pk]))
        self.assertEqual(response.context["form"].initial["room"], family_room)

    def test_htmx_check_in_returns_the_panel_message(self):
        response = self.client.post(
            self.url, {"room": self.room.pk, "version": 1, "token": "t"}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, "checked in to room 101")
        self.assertEqual(self.fresh(self.person).status, Person.Status.IN_ISOLATION)

    def test_plain_check_in_redirects_to_the_board(self):
        response = self.client.post(self.url, {"room": self.room.pk, "version": 1, "token": "t"})
        self.assertRedirects(response, reverse("general-board"), fetch_redirect_response=False)

    def test_a_stale_check_in_is_a_conflict_that_keeps_the_input(self):
        Person.objects.filter(pk=self.person.pk).update(version=2, updated_by=self.head)
        response = self.client.post(
            self.url, {"room": self.rooms[3].pk, "version": 1, "token": "t"}, headers={"HX-Request": "true"}
        )
        self.assertContains(response, "was changed by 周宁", status_code=409)
        self.assertEqual(response.context["form"]["room"].value(), str(self.rooms[3].pk))
        self.assertFalse(Stay.objects.exists())

    def test_an_invalid_form_changes_nothing(self):
        response = self.client.post(self.url, {"room": "", "version": 1}, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Stay.objects.exists())
        self.assertFalse(AuditEvent.objects.exists())

    def test_a_double_submit_is_recorded_once(self):
        data = {"room": self.room.pk, "version": 1, "token": "same"}
        self.client.post(self.url, data, headers={"HX-Request": "true"})
        response = self.client.post(self.url, data, headers={"HX-Request": "true"})
        self.assertContains(response, "already submitted")
        self.assertEqual(Stay.objects.count(), 1)


class RegisterViewTests(SiteTestCase):
    def setUp(self):
        self.client.force_login(self.clerk)

    def test_it_adds_an_arrival_reading_the_birth_date_from_the_id(self):
        response = self.client.post(
            reverse("person-new"),
            {
                "name": "孙丽",
                "national_id": "500991199203150025",
                "sex": "F",
                "category": "close_contact",
                "diet": "regular",
                "expected_on": timezone.localdate().isoformat(),
                "token": "x",
            },
        )
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context["form"].errors
        )
        person = Person.objects.get(name="孙丽")
        self.assertEqual(person.birth_date.isoformat(), "1992-03-15")
        self.assertEqual(person.status, Person.Status.EXPECTED)

    def test_a_mistyped_id_gets_a_clear_error_and_nothing_is_saved(self):
        response = self.client.post(
            reverse("person-new"),
            {
                "name": "孙丽",
                "national_id": "500991199203150026",
                "sex": "F",
                "category": "close_contact",
                "diet": "regular",
                "expected_on": timezone.localdate().isoformat(),
            },
        )
        self.assertContains(response, "does not match", status_code=422)
        self.assertFalse(Person.objects.filter(name="孙丽").exists())

    def test_a_family_is_added_in_one_go(self):
        today = timezone.localdate().isoformat()
        data = {
            "household": "钱家",
            "token": "f1",
            "member-TOTAL_FORMS": "2",
            "member-INITIAL_FORMS": "0",
            "member-MIN_NUM_FORMS": "2",
            "member-MAX_NUM_FORMS": "8",
        }
        for i, (name, nid, sex) in enumerate(
            [("钱伟", "500992198001010011", "M"), ("钱小红", "500992201205050022", "F")]
        ):
            data.update(
                {
                    f"member-{i}-name": name,
                    f"member-{i}-national_id": nid,
                    f"member-{i}-sex": sex,
                    f"member-{i}-category": "close_contact",
                    f"member-{i}-diet": "regular",
                    f"member-{i}-expected_on": today,
                }
            )
        # Fix the check digits so the IDs are well-formed.
        from rooms.masking import national_id_check_digit

        for i in range(2):
            nid = data[f"member-{i}-national_id"][:17]
            data[f"member-{i}-national_id"] = nid + national_id_check_digit(nid)
        response = self.client.post(reverse("household-new"), data)
        self.assertEqual(response.status_code, 302, response.content.decode()[:3000])
        self.assertEqual(
            set(Person.objects.filter(household="钱家").values_list("name", flat=True)), {"钱伟", "钱小红"}
        )


class PersonEditViewTests(SiteTestCase):
    def setUp(self):
        self.client.force_login(self.clerk)
        self.url = reverse("person-edit", args=[self.person.pk])

    def post(self, **overrides):
        data = {
            "name": self.person.name,
            "sex": self.person.sex,
            "birth_date": self.person.birth_date.isoformat(),
            "category": "close_contact",
            "diet": "halal",
            "expected_on": self.person.expected_on.isoformat(),
            "version": 1,
            "token": "e1",
            **overrides,
        }
        return self.client.post(self.url, data, headers={"HX-Request": "true"})

    def test_the_form_never_puts_the_id_or_phone_in_the_page(self):
        response = self.client.get(self.url)
        self.assertNotContains(response, self.person.national_id)
        self.assertNotContains(response, self.person.phone)
        self.assertContains(response, self.person.national_id_masked)

    def test_an_edit_saves_the_changes_keeps_the_secrets_and_is_audited(self):
        response = self.post()
        self.assertContains(response, "were saved")
        person = self.fresh(self.person)
        self.assertEqual((person.diet, person.version), ("halal", 2))
        self.assertEqual(person.national_id, self.person.national_id)
        event = AuditEvent.objects.get(action="person.update")
        self.assertEqual((event.before, event.after), ({"diet": "regular"}, {"diet": "halal"}))

    def test_a_stale_edit_is_a_conflict_that_keeps_the_input(self):
        services.person_update(person=self.person, by=self.head, data={"allergy_note": "花生"}, version=1)
        response = self.post(allergy_note="海鲜")
        self.assertContains(response, "was changed by 周宁", status_code=409)
        self.assertContains(response, "海鲜", status_code=409)
        self.assertEqual(self.fresh(self.person).allergy_note, "花生")


class ReleaseViewTests(SiteTestCase):
    def setUp(self):
        self.client.force_login(self.clerk)
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.url = reverse("person-release", args=[self.person.pk])

    def test_release_before_the_end_is_refused_with_the_reason(self):
        version = self.fresh(self.person).version
        response = self.client.post(self.url, {"version": version, "token": "r"}, headers={"HX-Request": "true"})
        self.assertContains(response, "cannot be released before", status_code=422)

    def test_release_on_the_end_date_empties_the_room(self):
        Stay.objects.update(ends_on=timezone.localdate() - timedelta(days=0))
        satisfy_protocol(Stay.objects.get())
        version = self.fresh(self.person).version
        response = self.client.post(self.url, {"version": version, "token": "r"}, headers={"HX-Request": "true"})
        self.assertContains(response, "was released")
        self.assertEqual(self.fresh(self.room).status, Room.Status.AWAITING_DISINFECTION)


class PagesTests(SiteTestCase):
    def test_the_control_screens_feed_says_when_nothing_happened_and_lists_the_events_newest_first(self):
        self.client.force_login(self.head)
        self.assertContains(self.client.get(reverse("control-screen")), "Nothing has happened yet today.")
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        services.room_move(room=self.rooms[2], to=Room.Status.OUT_OF_SERVICE, by=self.head)
        page = self.client.get(reverse("control-screen")).content.decode()
        feed = page[page.index('<ol id="feed"') : page.index("</ol>", page.index('<ol id="feed"'))]
        self.assertNotIn("Nothing has happened yet today.", feed)
        self.assertLess(feed.index(self.rooms[2].number), feed.index(self.person.name))
        self.assertEqual(feed.count("<li>"), AuditEvent.objects.filter(site=self.site).count())

    def test_national_ids_and_phones_are_masked_on_every_page(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.client.force_login(self.head)
        pages = [
            reverse("control-screen"),
            reverse("general-board"),
            reverse("general-board") + "?q=李",
            reverse("room-detail", args=[self.room.pk]),
            reverse("person-detail", args=[self.person.pk]),
        ]
        for url in pages:
            response = self.client.get(url)
            with self.subTest(url=url):
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, self.person.national_id)
                self.assertNotContains(response, self.person.phone)
        self.assertContains(self.client.get(pages[3]), self.person.national_id_masked)

    def test_reveal_shows_the_full_id_to_the_asker_only_and_logs_it(self):
        self.client.force_login(self.clerk)
        response = self.client.post(
            reverse("person-reveal", args=[self.person.pk]),
            {"field": "national_id", "reason": "核对身份"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, self.person.national_id)
        self.assertTrue(AuditEvent.objects.filter(action="person.reveal", note="核对身份").exists())

    def test_a_reveal_without_a_reason_says_so_and_reveals_nothing(self):
        self.client.force_login(self.clerk)
        for reason in ("   ", "x"):
            with self.subTest(reason=reason):
                response = self.client.post(
                    reverse("person-reveal", args=[self.person.pk]),
                    {"field": "national_id", "reason": reason},
                    headers={"HX-Request": "true"},
                )
                self.assertEqual(response.status_code, 422)
                self.assertContains(response, 'id="reveal-reason-error" class="error" role="alert"', status_code=422)
                self.assertNotContains(response, self.person.national_id, status_code=422)
        self.assertFalse(AuditEvent.objects.filter(action="person.reveal").exists())

    def test_the_room_page_shows_its_history(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("room-detail", args=[self.room.pk]))
        self.assertContains(response, "张露匀")
        self.assertContains(response, "checked in")

    def test_search_finds_people_by_name_and_by_room(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.client.force_login(self.clerk)
        for query in ("秀英", "101"):
            response = self.client.get(
                reverse("general-board"), {"q": query}, headers={"HX-Request": "true", "HX-Target": "search-results"}
            )
            with self.subTest(query=query):
                self.assertContains(response, "李秀英")
                self.assertNotContains(response, "board-body")
                # A way back to the plain board.
                board = reverse("general-board")
                self.assertContains(response, f'<a class="button" href="{board}">Clear the search</a>')

    def test_a_room_number_finds_the_room_even_when_nobody_is_in_it(self):
        self.client.force_login(self.clerk)
        empty = self.rooms[4]
        response = self.client.get(
            reverse("general-board"), {"q": empty.number}, headers={"HX-Request": "true", "HX-Target": "search-results"}
        )
        self.assertContains(response, f'href="{reverse("room-detail", args=[empty.pk])}"')
        self.assertContains(response, "available · 0/1")
        self.assertNotContains(response, "Nobody found.")
        response = self.client.get(reverse("general-board"), {"q": "9999"})
        self.assertContains(response, "Nobody found.")
        self.assertNotContains(response, 'id="room-found"')

    def test_the_page_speaks_chinese_by_default_and_english_on_request(self):
        from site_ops import settings as shipped

        self.assertEqual(shipped.LANGUAGE_CODE, "zh-hans")
        self.client.force_login(self.head)
        with self.settings(LANGUAGE_CODE=shipped.LANGUAGE_CODE):
            self.assertContains(self.client.get(reverse("control-screen")), "控制屏")
        self.assertContains(
            self.client.get(reverse("control-screen"), headers={"accept-language": "zh-CN,zh;q=0.9"}), "控制屏"
        )
        self.client.post(reverse("set_language"), {"language": "en"})
        self.assertContains(self.client.get(reverse("control-screen")), "Control screen")


class LoginTests(SiteTestCase):
    def test_a_board_whose_login_ended_comes_to_a_login_that_says_why_and_goes_back(self):
        self.client.cookies["django_language"] = "zh-hans"
        page = self.client.get(reverse("login") + "?ended=1&next=/medical/")
        self.assertContains(page, "您的登录已结束")
        self.assertContains(page, 'name="next" value="/medical/"')
        self.assertNotContains(self.client.get(reverse("login")), "您的登录已结束")
        self.clerk.set_password("a-good-long-one")
        self.clerk.save()
        answer = self.client.post(
            reverse("login"), {"username": "clerk", "password": "a-good-long-one", "next": "/general/"}
        )
        self.assertRedirects(answer, "/general/", fetch_redirect_response=False)
        # Never to another site's address.
        self.client.logout()
        answer = self.client.post(
            reverse("login"), {"username": "clerk", "password": "a-good-long-one", "next": "https://evil.example/"}
        )
        self.assertNotIn("evil", answer.get("Location", ""))

    def test_every_page_knows_when_the_login_ends_as_the_session_row_says(self):
        from django.contrib.sessions.models import Session

        self.client.force_login(self.clerk)
        row = Session.objects.get()
        for ends in (row.expire_date, timezone.now() + timedelta(minutes=7)):
            Session.objects.update(expire_date=ends)
            page = self.client.get(reverse("general-board")).content.decode()
            with self.subTest(ends=ends):
                self.assertIn('id="session-ending" class="session-ending" role="status" hidden', page)
                self.assertIn(f'data-ends="{int(ends.timestamp())}"', page)
                self.assertIn(f"Your login ends at {timezone.localtime(ends):%H:%M}", page)
        # The fragments a panel answers with carry no page frame, and the login page no warning.
        self.client.logout()
        self.assertNotContains(self.client.get(reverse("login")), 'id="session-ending"')

    def test_logout_needs_post_and_ends_the_session(self):
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.post(reverse("logout")).status_code, 302)
        self.assertEqual(self.client.get(reverse("general-board")).status_code, 302)

    def test_repeated_failures_lock_one_username_at_one_address_only(self):
        make_user("victim", self.site, "general", password="right-horse-battery")
        make_user("colleague", self.site, "general", password="another-good-one")
        for _ in range(5):
            self.client.post(reverse("login"), {"username": "victim", "password": "wrong"})
        response = self.client.post(reverse("login"), {"username": "victim", "password": "right-horse-battery"})
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many failed logins", status_code=429)
        # A colleague on the same Wi-Fi (same address) still logs in.
        response = self.client.post(reverse("login"), {"username": "colleague", "password": "another-good-one"})
        self.assertEqual(response.status_code, 302)


class AdminTests(SiteTestCase):
    def test_a_room_added_in_the_admin_is_audited_and_published(self):
        from django.contrib.auth.models import User

        admin_user = User.objects.get(pk=self.head.pk)
        admin_user.is_staff = admin_user.is_superuser = True
        admin_user.save()
        self.client.force_login(admin_user)
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            response = self.client.post(
                reverse("admin:rooms_room_add"), {"site": self.site.pk, "number": "301", "floor": 3, "capacity": 2}
            )
        self.assertEqual(response.status_code, 302)
        room = Room.objects.get(number="301")
        self.assertTrue(AuditEvent.objects.filter(action="room.set_up", room=room, actor=admin_user).exists())
        # Its cell's broadcast, and every open board's whole board (no board has its place yet).
        self.assertEqual([callback.__name__ for callback in callbacks], ["broadcast", "resync"])


class HistoryTests(SiteTestCase):
    def test_history_names_fields_and_states_in_the_readers_language(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("room-detail", args=[self.room.pk]), headers={"accept-language": "en"})
        self.assertContains(response, "status: available → occupied")
        self.assertContains(response, "(general group)")
        response = self.client.get(reverse("room-detail", args=[self.room.pk]), headers={"accept-language": "zh-CN"})
        self.assertContains(response, "空闲 → 已入住")

    def test_a_reveal_and_a_printing_read_in_words_not_keys(self):
        services.person_reveal(person=self.person, field="emergency_phone", reason="联系家属", by=self.head)
        services.audit(
            site=self.site,
            by=self.head,
            action="certificate.print",
            obj=self.person,
            person=self.person,
            after={"id_printed": "full"},
        )
        self.client.force_login(self.head)
        url = reverse("person-detail", args=[self.person.pk])
        for language, words in (
            ("en", ["what was shown: emergency contact phone", "ID numbers printed: in full"]),
            ("zh-CN", ["查看内容", "完整"]),
        ):
            with self.subTest(language):
                response = self.client.get(url, headers={"accept-language": language})
                for word in words:
                    self.assertContains(response, word)
                # (emergency_phone stays in the reveal form's choices, as their value.)
                for key in ("field: ", ": emergency_phone", "id_printed", ": full"):
                    self.assertNotContains(response, key)

    def test_a_moment_reads_on_the_sites_clock_and_a_flag_in_words(self):
        """A terminal disinfection's deadline (stored in UTC, ISO) and whether the room was a positive's."""
        task = AuditEvent(
            object_type="disinfectiontask",
            after={"due_at": "2026-12-06T06:49:30.623742+00:00", "positive_room": False, "note": "2026-12-06"},
        )
        with translation.override("zh-hans"):
            after = [str(row["after"]) for row in audit_changes(task)]
        self.assertEqual(after, ["2026-12-06 14:49", "否", "2026-12-06"])

    def test_a_list_of_choices_reads_in_words(self):
        """Special needs and symptoms are stored as lists of keys: the history names each."""
        needs = AuditEvent(object_type="person", after={"special_needs": ["pregnant", "hearing"]})
        symptoms = AuditEvent(object_type="healthcheck", before={"symptoms": []}, after={"symptoms": ["sore_throat"]})
        with translation.override("zh-hans"):
            self.assertEqual(
                [(str(row["label"]), row["after"]) for row in audit_changes(needs)], [("特殊需求", "孕妇、听障")]
            )
            self.assertEqual([(row["before"], row["after"]) for row in audit_changes(symptoms)], [("—", "咽痛")])

    def test_a_disinfection_record_and_a_resolution_read_in_words(self):
        """The standard a record was checked against and a resolution's items: no key left in English."""
        done = AuditEvent(object_type="disinfectiontask", after={"standard": "terminal", "contact_minutes": 30})
        resolved = AuditEvent(object_type="request", after={"items": 0, "handed_to": ""})
        with translation.override("zh-hans"):
            rows = [
                (str(row["label"]), str(row["after"])) for event in (done, resolved) for row in audit_changes(event)
            ]
        self.assertEqual(rows[0], ("任务", "终末消毒（普通房间）"))
        labels = " ".join(label for label, _after in rows)
        self.assertNotIn("standard", labels)
        self.assertNotIn("items", labels)

    def test_what_the_clock_did_is_by_system_in_the_readers_language(self):
        """The clock's events keep "system" in the site's language, whatever language was active; each reader
        reads their own."""
        with translation.override("en"), self.settings(LANGUAGE_CODE="zh-hans"):
            services.audit(site=self.site, by=None, action="room.move", obj=self.room, room=self.room)
        self.assertEqual(AuditEvent.objects.get(action="room.move").actor_name, "系统")
        self.client.force_login(self.head)
        for language, word, other in (("en", "system", "系统"), ("zh-CN", "系统", ">system<")):
            with self.subTest(language):
                for url in (reverse("room-detail", args=[self.room.pk]), reverse("control-screen")):
                    response = self.client.get(url, headers={"accept-language": language})
                    self.assertContains(response, f'<span class="actor">{word}</span>', html=False)
                    self.assertNotContains(response, other)


class RoomMoveViewTests(SiteTestCase):
    def test_terminal_disinfection_is_not_a_button_but_a_recorded_task(self):
        Room.objects.filter(pk=self.room.pk).update(status=Room.Status.AWAITING_DISINFECTION)
        self.client.force_login(self.head)
        page = self.client.get(reverse("room-detail", args=[self.room.pk]))
        self.assertNotContains(page, 'name="to" value="ventilating"')
        self.assertContains(page, reverse("disinfection-board"))
        response = self.client.post(
            reverse("room-move", args=[self.room.pk]),
            {"to": "ventilating", "version": 1},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "disinfection board", status_code=422)
        self.assertEqual(self.fresh(self.room).status, Room.Status.AWAITING_DISINFECTION)
