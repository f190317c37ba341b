"""A site head's admin is their own site's set-up: nothing of another site, no way to become the installation's."""

from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.urls import reverse

from rooms.models import AuditEvent, District, Person, RoleGroup, Room, Site
from rooms.roles import Role
from rooms.services import audit
from tests.base import SiteTestCase
from tests.factories import make_person, make_rooms, make_site, make_user, user_change_form

OTHER_SITE = "巴国城隔离点"
OTHER_PERSON = "钱多多"
OTHER_HEAD = "liqiang"


class SiteHeadAdminTests(SiteTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # What the demo's migrate gives the role (rooms.apps): run again, as the test database's migrate did.
        call_command("migrate", verbosity=0)
        User.objects.filter(pk=cls.head.pk).update(is_staff=True)
        cls.other = make_site(name=OTHER_SITE)
        cls.other_room = make_rooms(cls.other, floors=1, per_floor=1)[0]
        cls.other_person = make_person(cls.other, name=OTHER_PERSON)
        cls.other_head = make_user(OTHER_HEAD, cls.other, Role.SITE_HEAD, is_staff=True)
        audit(site=cls.other, by=cls.other_head, action="room.admin_change", obj=cls.other_room)
        cls.district = District.objects.create(name="九龙坡区隔离办")
        cls.district.sites.add(cls.site, cls.other)

    def setUp(self):
        self.client.force_login(self.head)

    def admin_url(self, model, view="changelist", *args):
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)

    def test_the_admin_greets_them_by_their_whole_name_family_name_first(self):
        page = self.client.get(reverse("admin:index"))
        self.assertContains(page, "<strong>周宁</strong>")
        self.assertContains(page, "Isolation site administration")

    def test_the_rooms_list_s_breadcrumb_names_the_section_and_the_list_apart(self):
        with self.settings(LANGUAGE_CODE="zh-hans"):
            page = self.client.get(self.admin_url(Room), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        crumbs = page.split('class="breadcrumbs"', 1)[1].split("</div>", 1)[0]
        self.assertIn("隔离点、房间与人员", crumbs)
        self.assertNotIn("房间 › 房间", " ".join(crumbs.split()))

    def test_the_lists_hold_only_their_own_site(self):
        for model in (Site, Room, Person, User, AuditEvent):
            with self.subTest(model=model.__name__):
                response = self.client.get(self.admin_url(model))
                self.assertEqual(response.status_code, 200)
                page = response.content.decode()
                for name in (OTHER_SITE, OTHER_PERSON, OTHER_HEAD):
                    self.assertNotIn(name, page)
        self.assertContains(self.client.get(self.admin_url(Person)), "李秀英")
        self.assertContains(self.client.get(self.admin_url(User)), self.clerk.username)

    def test_another_sites_record_does_not_open(self):
        for model, record in (
            (Person, self.other_person),
            (Room, self.other_room),
            (Site, self.other),
            (User, self.other_head),
        ):
            with self.subTest(model=model.__name__):
                response = self.client.get(self.admin_url(model, "change", record.pk), follow=True)
                self.assertNotContains(response, OTHER_SITE)
                self.assertRedirects(response, reverse("admin:index"))
        # Nor can a password be set for another site's account.
        response = self.client.post(
            reverse("admin:auth_user_password_change", args=[self.other_head.pk]),
            {"password1": "x-New-pass-2026", "password2": "x-New-pass-2026"},
        )
        self.assertIn(response.status_code, (302, 404))
        self.other_head.refresh_from_db()
        self.assertFalse(self.other_head.check_password("x-New-pass-2026"))

    def test_forms_offer_only_their_own_site(self):
        page = self.client.get(self.admin_url(Room, "add")).content.decode()
        self.assertIn(self.site.name, page)
        self.assertNotIn(OTHER_SITE, page)
        page = self.client.get(self.admin_url(User, "change", self.clerk.pk)).content.decode()
        self.assertNotIn(OTHER_SITE, page)
        # A room added is their site's, whatever the form is sent with.
        response = self.client.post(
            self.admin_url(Room, "add"), {"site": self.other.pk, "number": "999", "floor": 9, "capacity": 1}
        )
        self.assertEqual(response.status_code, 200)  # the form again, with the error
        self.assertFalse(Room.objects.filter(number="999").exists())

    def test_no_account_is_made_the_installations(self):
        page = self.client.get(self.admin_url(User, "change", self.clerk.pk)).content.decode()
        self.assertNotIn('name="is_superuser"', page)
        self.assertNotIn('name="user_permissions"', page)
        data = user_change_form(
            self.clerk, is_staff="on", is_superuser="on", groups=[Group.objects.get(name=Role.GENERAL).pk]
        )
        self.client.post(self.admin_url(User, "change", self.clerk.pk), data)
        self.clerk.refresh_from_db()
        self.assertFalse(self.clerk.is_superuser)
        # The roles and the districts are the installation's administrator's.
        self.assertEqual(self.client.get(self.admin_url(RoleGroup)).status_code, 403)
        self.assertEqual(self.client.get(self.admin_url(District, "change", self.district.pk)).status_code, 403)
        self.assertEqual(self.client.get(self.admin_url(Site, "add")).status_code, 403)

    def test_they_see_their_own_staffs_failed_logins_only(self):
        from axes.models import AccessAttempt

        for username in (self.clerk.username, OTHER_HEAD):
            AccessAttempt.objects.create(
                username=username, ip_address="10.0.0.9", user_agent="tablet", failures_since_start=5
            )
        response = self.client.get(reverse("admin:axes_accessattempt_changelist"))
        self.assertContains(response, self.clerk.username)
        self.assertNotContains(response, OTHER_HEAD)
        other = AccessAttempt.objects.get(username=OTHER_HEAD)
        response = self.client.get(reverse("admin:axes_accessattempt_change", args=[other.pk]), follow=True)
        self.assertNotContains(response, OTHER_HEAD)

    def test_an_account_they_add_is_their_sites(self):
        response = self.client.post(
            self.admin_url(User, "add"),
            {
                "username": "newnurse",
                "password1": "x-New-pass-2026",
                "password2": "x-New-pass-2026",
                "usable_password": "true",
                "staff-TOTAL_FORMS": "1",
                "staff-INITIAL_FORMS": "0",
                "staff-MIN_NUM_FORMS": "0",
                "staff-MAX_NUM_FORMS": "1",
            },
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        added = User.objects.get(username="newnurse")
        self.assertEqual(added.staff.site, self.site)
        self.assertFalse(added.is_superuser)
        # And they can go on to give it its groups.
        self.assertEqual(self.client.get(self.admin_url(User, "change", added.pk)).status_code, 200)

    def test_their_own_site_is_theirs_to_set_up(self):
        response = self.client.get(self.admin_url(Site, "change", self.site.pk))
        self.assertContains(response, 'name="ventilation_minutes"')
        self.assertContains(self.client.get(reverse("admin:index")), self.admin_url(Room))

    def test_the_installations_administrator_sees_every_site(self):
        User.objects.filter(pk=self.head.pk).update(is_superuser=True)
        self.assertContains(self.client.get(self.admin_url(Person)), OTHER_PERSON)
        self.assertContains(self.client.get(self.admin_url(Site)), OTHER_SITE)
