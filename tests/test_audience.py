"""Every field to its audience: each role's pages and board snapshots, searched for what it must not see.

A site with a positive result (Ct values), a fever, a medicine, a transfer
whose reason is a diagnosis, and people's (and a driver's) full IDs and phone numbers. Every
page a role can open and every board it may watch is rendered as that role
and searched. Full IDs and phones are shown to nobody unless revealed.
"""

from django.urls import reverse
from django.utils import timezone, translation

from groups.medical import services as medical
from groups.medical.models import Sample
from groups.transfers import services as transfers
from groups.transfers.models import Transfer
from rooms import services
from rooms.models import Person
from rooms.roles import Role
from site_ops.boards import BOARDS, board_for_key
from tests.base import SiteTestCase
from tests.factories import hospital_visit_arranged, log_request, make_person

CT = "21.3"
FEVER = "38.7"
MEDICINE = "硝苯地平缓释片"
REASON = "核酸阳性伴高热"

# What each role must never see, on any page or board it can open.
CLINICAL = [CT, FEVER, MEDICINE, REASON]
# A home address is read only where a person is dealt with by name: their page
# for the general group and the site head (the release notice names only its
# street and community). Never on a board: boards hang on walls and tablets.
ADDRESS = "重庆市九龙坡区杨家坪街道西郊路社区西郊路12号3单元"
ADDRESS_ROLES = frozenset({Role.GENERAL, Role.SITE_HEAD})
SICK = "赵秀兰"
DRIVER_PHONE = "17000002468"
FORBIDDEN = {
    # Catering is told a room is sealed, never that someone in it is positive.
    Role.CATERING: [*CLINICAL, "阳性"],
    # Disinfection works on rooms and floors: whose result sealed one is not its business.
    Role.DISINFECTION: [*CLINICAL, SICK],
    Role.SECURITY: CLINICAL,
    Role.GENERAL: [],
    Role.MEDICAL: [],
    Role.SITE_HEAD: [],
}


class AudienceTests(SiteTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.sick = make_person(cls.site, name=SICK, phone="17000009876", household="赵家", address=ADDRESS)
        cls.mate = make_person(cls.site, name="钱玉梅", phone="17000004321", household="赵家", address=ADDRESS)
        Person.objects.filter(pk=cls.person.pk).update(address=ADDRESS)
        family = cls.rooms[5]
        from rooms.models import Room

        Room.objects.filter(pk=family.pk).update(capacity=2)
        for person in (cls.sick, cls.mate):
            services.stay_check_in(person=person, room=Room.objects.get(pk=family.pk), by=cls.clerk)
        services.stay_check_in(person=cls.person, room=cls.room, by=cls.clerk)
        medical.health_round_record(
            site=cls.site,
            day=timezone.localdate(),
            round="am",
            entries=[{"person": cls.mate, "temperature": FEVER, "mood": "anxious"}],
            by=cls.nurse,
        )
        log_request(cls.person, cls.nurse, MEDICINE)
        sample = Sample.objects.filter(person=cls.sick).order_by("scheduled_on").first()
        medical.sample_collect(sample=sample, by=cls.nurse)
        medical.sample_record_result(
            sample=Sample.objects.get(pk=sample.pk), result="positive", ct_orf1ab=CT, ct_n="22.8", by=cls.nurse
        )
        transfer = Transfer.objects.get(person=cls.sick)
        transfers.transfer_approve(transfer=transfer, by=cls.head)
        other = hospital_visit_arranged(
            cls.person, clerk=cls.clerk, head=cls.head, reason=REASON, driver_phone=DRIVER_PHONE
        )
        cls.transfers = [transfer, other]

    def users(self):
        return {
            Role.SITE_HEAD: self.head,
            Role.GENERAL: self.clerk,
            Role.MEDICAL: self.nurse,
            Role.SECURITY: self.guard,
            Role.DISINFECTION: self.cleaner,
            Role.CATERING: self.cook,
        }

    def pages(self):
        urls = [
            reverse(name)
            for name in (
                "control-screen",
                "general-board",
                "medical-board",
                "catering-board",
                "disinfection-board",
                "security-board",
                "transfer-board",
                "escort-board",
                "health-round",
                "release-list",
            )
        ]
        for person in (self.sick, self.mate, self.person):
            urls += [
                reverse("person-detail", args=[person.pk]),
                reverse("person-medical", args=[person.pk]),
                reverse("release-certificate", args=[person.pk]),
            ]
        urls += [reverse("room-detail", args=[room.pk]) for room in (self.room, self.rooms[5])]
        urls += [reverse("transfer-detail", args=[t.pk]) for t in self.transfers]
        return urls

    def person_pages(self):
        return {reverse("person-detail", args=[person.pk]) for person in (self.sick, self.mate, self.person)}

    def assert_clean(self, html: str, role: str, where: str, address_allowed: bool = False):
        people = (self.person, self.sick, self.mate)
        forbidden = [*FORBIDDEN[role], *(p.national_id for p in people), *(p.phone for p in people), DRIVER_PHONE]
        if not (address_allowed and role in ADDRESS_ROLES):
            forbidden.append(ADDRESS)
        for text in forbidden:
            with self.subTest(role=role, where=where, text=text):
                self.assertNotIn(text, html)

    def test_every_page_a_role_can_open_shows_it_only_what_it_may_see(self):
        opened = {}
        for role, user in self.users().items():
            self.client.force_login(user)
            for url in self.pages():
                response = self.client.get(url, headers={"accept-language": "zh-CN"})
                if response.status_code == 200:
                    opened.setdefault(role, []).append(url)
                    self.assert_clean(response.content.decode(), role, url, address_allowed=url in self.person_pages())
                else:
                    self.assertIn(response.status_code, (403, 404), (role, url))
        # The test looked at something for every role.
        self.assertEqual(set(opened), set(self.users()))
        self.assertIn(reverse("catering-board"), opened[Role.CATERING])
        self.assertIn(reverse("transfer-detail", args=[self.transfers[1].pk]), opened[Role.SECURITY])

    def test_every_board_and_page_push_carries_only_what_its_audience_may_see(self):
        keys = list(BOARDS)
        keys += [f"room-{room.pk}" for room in (self.room, self.rooms[5])]
        keys += [f"{prefix}-{p.pk}" for p in (self.person, self.sick, self.mate) for prefix in ("person", "medperson")]
        keys += [f"{prefix}-{t.pk}" for t in self.transfers for prefix in ("transfer", "escort")]
        from site_ops.boards import Change

        change = Change(
            site_id=self.site.pk,
            rooms=frozenset({self.room.pk, self.rooms[5].pk}),
            persons=frozenset({self.person.pk, self.sick.pk, self.mate.pk}),
            transfers=frozenset(t.pk for t in self.transfers),
            topics=frozenset({"meals", "disinfection", "security", "transfers", "escorts", "medical", "occupants"}),
        )
        for key in keys:
            board = board_for_key(key)
            with translation.override("zh-hans"):
                snapshot = board.render_snapshot(self.site.pk, {})
                pushed = board.render_change(change)
            # Only a person's own page, which its audience opens to deal with them, carries the address.
            page = key.startswith("person-")
            for role in board.roles:
                self.assert_clean(snapshot, role, f"{key} snapshot", address_allowed=page)
                self.assert_clean(pushed, role, f"{key} push", address_allowed=page)
