"""Release that hands over: a person's address, its street and community, the
release notice with the days of home health monitoring, the day's list for
the communities, and the notice for a person who went home or to another
site by transfer."""

from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone, translation

from rooms import services
from rooms.address import street_and_community
from rooms.masking import national_id_check_digit
from rooms.models import AuditEvent, Person
from tests.base import SiteTestCase

ADDRESS = "重庆市九龙坡区杨家坪街道西郊路社区西郊路12号3单元"


class StreetAndCommunityTests(SimpleTestCase):
    def test_it_reads_the_street_and_the_community_of_an_address(self):
        cases = {
            ADDRESS: ("杨家坪街道", "西郊路社区"),
            "广东省广州市天河区石牌街道华师社区": ("石牌街道", "华师社区"),
            "四川省成都市武侯区玉林街道 玉林东路社区": ("玉林街道", "玉林东路社区"),
            # A town and a village; a committee (村委会, 居委会) is its community.
            "河北省保定市涞水县三坡镇南峪村委会": ("三坡镇", "南峪村"),
            "重庆市江北区观音桥街道建新东路社区居委会": ("观音桥街道", "建新东路社区"),
            "浙江省湖州市德清县新市镇新市村3组": ("新市镇", "新市村"),
            "云南省大理白族自治州大理市下关镇": ("下关镇", ""),
        }
        for address, expected in cases.items():
            with self.subTest(address=address):
                self.assertEqual(street_and_community(address), expected)

    def test_a_city_or_county_named_with_zhen_or_xiang_is_not_a_town(self):
        self.assertEqual(street_and_community("江苏省镇江市京口区正东路街道东门坡社区"), ("正东路街道", "东门坡社区"))
        self.assertEqual(street_and_community("浙江省宁波市镇海区招宝山街道"), ("招宝山街道", ""))
        self.assertEqual(street_and_community("山西省临汾市乡宁县昌宁镇"), ("昌宁镇", ""))

    def test_a_part_the_address_does_not_name_is_empty(self):
        self.assertEqual(street_and_community(""), ("", ""))
        self.assertEqual(street_and_community("北京市朝阳区望京西园三区"), ("", ""))
        # A house number is never taken for a community.
        self.assertEqual(street_and_community("重庆市九龙坡区杨家坪街道西郊路12号"), ("杨家坪街道", ""))
        self.assertEqual(street_and_community("重庆市渝中区解放碑社区"), ("", "解放碑社区"))


def valid_id(first17: str) -> str:
    return first17 + national_id_check_digit(first17)


class AddressEntryTests(SiteTestCase):
    def setUp(self):
        self.client.force_login(self.clerk)

    def test_an_arrival_is_added_with_an_address(self):
        response = self.client.post(
            reverse("person-new"),
            {
                "name": "孙丽",
                "national_id": valid_id("50099119920315002"),
                "address": ADDRESS,
                "sex": "F",
                "category": "close_contact",
                "diet": "regular",
                "expected_on": timezone.localdate().isoformat(),
                "token": "a1",
            },
        )
        self.assertEqual(response.status_code, 302)
        person = Person.objects.get(name="孙丽")
        self.assertEqual((person.address, person.street, person.community), (ADDRESS, "杨家坪街道", "西郊路社区"))
        self.assertEqual(AuditEvent.objects.get(action="person.register", person=person).after["address"], ADDRESS)

    def test_a_family_member_has_an_address(self):
        data = {
            "household": "钱家",
            "token": "f1",
            "member-TOTAL_FORMS": "2",
            "member-INITIAL_FORMS": "0",
            "member-MIN_NUM_FORMS": "2",
            "member-MAX_NUM_FORMS": "8",
        }
        members = [("钱伟", "50099219800101001", "M"), ("钱小红", "50099220120505002", "F")]
        for i, (name, first17, sex) in enumerate(members):
            data.update(
                {
                    f"member-{i}-name": name,
                    f"member-{i}-national_id": valid_id(first17),
                    f"member-{i}-address": ADDRESS,
                    f"member-{i}-sex": sex,
                    f"member-{i}-category": "close_contact",
                    f"member-{i}-diet": "regular",
                    f"member-{i}-expected_on": timezone.localdate().isoformat(),
                }
            )
        self.assertEqual(self.client.post(reverse("household-new"), data).status_code, 302)
        self.assertEqual(set(Person.objects.filter(household="钱家").values_list("address", flat=True)), {ADDRESS})

    def test_the_address_is_corrected_on_the_persons_page_and_audited(self):
        response = self.client.post(
            reverse("person-edit", args=[self.person.pk]),
            {
                "name": self.person.name,
                "address": ADDRESS,
                "sex": self.person.sex,
                "birth_date": self.person.birth_date.isoformat(),
                "category": "close_contact",
                "diet": "regular",
                "expected_on": self.person.expected_on.isoformat(),
                "version": 1,
                "token": "e1",
            },
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "were saved")
        event = AuditEvent.objects.get(action="person.update")
        self.assertEqual((event.before, event.after), ({"address": ""}, {"address": ADDRESS}))
        page = self.client.get(reverse("person-detail", args=[self.person.pk]))
        self.assertContains(page, ADDRESS)
        self.assertContains(page, "杨家坪街道 · 西郊路社区")

    def test_the_persons_page_names_the_address_in_chinese(self):
        services.person_update(person=self.person, by=self.clerk, data={"address": ADDRESS}, version=None)
        url = reverse("person-detail", args=[self.person.pk])
        with translation.override("zh-hans"):
            page = self.client.get(url, headers={"accept-language": "zh-CN"})
        self.assertContains(page, "<dt>地址</dt>", html=False)
        self.assertContains(page, ADDRESS)

    def test_an_address_too_long_is_refused_with_a_clear_error(self):
        response = self.client.post(
            reverse("person-edit", args=[self.person.pk]),
            {
                "name": self.person.name,
                "address": "街" * 201,
                "sex": self.person.sex,
                "birth_date": self.person.birth_date.isoformat(),
                "category": "close_contact",
                "diet": "regular",
                "expected_on": self.person.expected_on.isoformat(),
                "version": 1,
            },
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "at most 200 characters", status_code=422)
        self.assertEqual(self.fresh(self.person).address, "")
