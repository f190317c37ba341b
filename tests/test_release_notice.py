"""Release that hands over: a person's address, its street and community, the
release notice with the days of home health monitoring, the day's list for
the communities, and the notice for a person who went home or to another
site by transfer."""

import uuid
from datetime import timedelta

from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone, translation

from groups.medical import services as medical
from groups.medical.models import TestProtocol
from groups.medical.notice import Notice
from groups.transfers import services as transfers
from groups.transfers.models import Transfer
from rooms import services
from rooms.address import street_and_community
from rooms.masking import national_id_check_digit
from rooms.models import AuditEvent, Person, Stay
from rooms.sheets import XLSX
from tests.base import SiteTestCase
from tests.factories import make_person, satisfy_protocol

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


class TestColumnsTests(SimpleTestCase):
    def test_a_long_stays_tests_go_into_up_to_four_columns_oldest_first_down_each(self):
        for count, lengths in {
            0: [],
            1: [1],
            12: [12],
            13: [7, 6],
            24: [12, 12],
            25: [9, 9, 7],
            45: [12, 12, 12, 9],
            48: [12, 12, 12, 12],
            60: [15, 15, 15, 15],
        }.items():
            with self.subTest(count=count):
                notice = Notice(person=None, stay=None, samples=list(range(count)))
                columns = notice.sample_columns
                self.assertEqual([len(column) for column in columns], lengths)
                self.assertEqual([sample for column in columns for sample in column], list(range(count)))


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

    def add(self, **changes):
        data = {
            "name": "孙丽",
            "national_id": valid_id("50099119920315002"),
            "sex": "F",
            "category": "close_contact",
            "diet": "regular",
            "expected_on": timezone.localdate().isoformat(),
            "token": uuid.uuid4().hex,
        }
        return self.client.post(reverse("person-new"), {**data, **changes})

    def test_a_name_is_letters_and_an_arrival_is_not_expected_years_ago(self):
        for changes, field in (
            ({"name": "😀<script>alert(1)</script>"}, "name"),
            ({"name": "王2芳"}, "name"),
            ({"emergency_contact": "<b>张</b>"}, "emergency_contact"),
            ({"expected_on": "2020-01-01"}, "expected_on"),
        ):
            with self.subTest(changes=changes):
                response = self.add(**changes)
                self.assertEqual(response.status_code, 422)
                self.assertIn(field, response.context["form"].errors)
        self.assertFalse(Person.objects.filter(national_id=valid_id("50099119920315002")).exists())
        # A minority's or a foreigner's name, and an arrival that was due yesterday, are fine.
        late = (timezone.localdate() - timedelta(days=1)).isoformat()
        response = self.add(name="阿卜杜 · 艾尼", emergency_contact="Anna-Maria O'Neil", expected_on=late)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Person.objects.get(national_id=valid_id("50099119920315002")).name, "阿卜杜 · 艾尼")

    def test_correcting_a_person_expected_long_ago_keeps_their_date(self):
        long_ago = timezone.localdate() - timedelta(days=30)
        Person.objects.filter(pk=self.person.pk).update(expected_on=long_ago)
        self.assertContains(self.correct_address(expected_on=long_ago), "were saved")
        self.assertEqual(Person.objects.get(pk=self.person.pk).address, ADDRESS)

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

    def correct_address(self, expected_on=None):
        """The person's page's correction form, sent with the address and the other fields as they are."""
        return self.client.post(
            reverse("person-edit", args=[self.person.pk]),
            {
                "name": self.person.name,
                "address": ADDRESS,
                "sex": self.person.sex,
                "birth_date": self.person.birth_date.isoformat(),
                "category": "close_contact",
                "diet": "regular",
                "expected_on": (expected_on or self.person.expected_on).isoformat(),
                "version": 1,
                "token": uuid.uuid4().hex,
            },
            headers={"HX-Request": "true"},
        )

    def test_the_address_is_corrected_on_the_persons_page_and_audited(self):
        response = self.correct_address()
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


class NoticeTestCase(SiteTestCase):
    """李秀英 of 西郊路社区 in room 101, her quarantine ending today with her negatives."""

    def setUp(self):
        Person.objects.filter(pk=self.person.pk).update(address=ADDRESS)
        self.stay = services.stay_check_in(person=self.fresh(self.person), room=self.room, by=self.clerk)
        Stay.objects.update(ends_on=timezone.localdate())
        satisfy_protocol(self.stay)
        self.person = self.fresh(self.person)
        self.url = reverse("release-certificate", args=[self.person.pk])

    def release(self):
        services.stay_release(person=self.person, by=self.clerk)
        self.person = self.fresh(self.person)

    def transfer(self, destination_type, destination_name="", *, complete=True):
        transfer = transfers.transfer_request(
            person=self.person,
            by=self.clerk,
            reason="转运",
            destination_type=destination_type,
            destination_name=destination_name,
        )
        transfer = transfers.transfer_approve(transfer=transfer, by=self.head)
        transfer = transfers.transfer_arrange(
            transfer=transfer,
            by=self.clerk,
            confirmed_with="区隔离办 周韬",
            vehicle_plate="渝AD1234",
            driver_name="刘师傅",
            driver_phone="17000005678",
            escort="吴刚",
            planned_departure_at=timezone.now() + timedelta(minutes=30),
        )
        transfer = transfers.transfer_depart(transfer=transfer, by=self.guard)
        if complete:
            transfer = transfers.transfer_complete(
                transfer=transfer, by=self.guard, handed_over_to="接收人 王敏", vehicle_disinfected=True
            )
        self.person = self.fresh(self.person)
        return transfer


class ReleaseNoticeTests(NoticeTestCase):
    def test_it_states_the_protocols_home_monitoring_and_the_community(self):
        self.release()
        self.client.force_login(self.clerk)
        response = self.client.get(self.url)
        until = (timezone.localdate() + timedelta(days=3)).isoformat()
        self.assertContains(response, f"Home health monitoring follows for 3 days, until {until}")
        self.assertContains(response, "temperature morning and evening")
        self.assertContains(response, '<dd class="street">杨家坪街道</dd>', html=False)
        self.assertContains(response, '<dd class="community">西郊路社区</dd>', html=False)
        self.assertContains(response, f'<dd class="monitoring-until">{until}</dd>', html=False)
        # The notice names the community, not the home: no house number on it.
        self.assertNotContains(response, ADDRESS)

    def test_the_days_are_the_sites_protocols_and_none_is_said_for_zero(self):
        protocol = TestProtocol.objects.create(site=self.site, home_monitoring_days=5)
        self.release()
        self.client.force_login(self.clerk)
        until = (timezone.localdate() + timedelta(days=5)).isoformat()
        self.assertContains(self.client.get(self.url), f"for 5 days, until {until}")
        TestProtocol.objects.filter(pk=protocol.pk).update(home_monitoring_days=1)
        self.assertContains(self.client.get(self.url), "Home health monitoring follows for 1 day, until")
        TestProtocol.objects.filter(pk=protocol.pk).update(home_monitoring_days=0)
        response = self.client.get(self.url)
        self.assertContains(response, 'class="certificate"')
        self.assertNotContains(response, "Home health monitoring")

    def test_the_protocol_refuses_more_than_two_weeks(self):
        from django.core.exceptions import ValidationError
        from django.db import IntegrityError, transaction

        protocol = TestProtocol(site=self.site, home_monitoring_days=15)
        with self.assertRaises(ValidationError):
            protocol.full_clean()
        with self.assertRaises(IntegrityError), transaction.atomic():
            protocol.save()

    def test_a_print_is_audited_and_says_nothing_of_a_transfer(self):
        self.release()
        self.client.force_login(self.nurse)
        printed = self.client.post(self.url, {})
        self.assertContains(printed, "data-autoprint")
        self.assertContains(printed, "西郊路社区")
        event = AuditEvent.objects.get(action="certificate.print")
        self.assertEqual((event.actor, event.person, event.after), (self.nurse, self.person, {"id_printed": "masked"}))

    def test_the_notice_asks_for_the_address_when_it_names_no_community(self):
        Person.objects.filter(pk=self.person.pk).update(address="")
        self.release()
        self.client.force_login(self.clerk)
        response = self.client.get(self.url)
        self.assertContains(response, "No street or community: correct the address")
        self.assertContains(response, '<dd class="community">—</dd>', html=False)

    def test_the_notice_reads_in_chinese(self):
        self.release()
        self.client.force_login(self.clerk)
        with translation.override("zh-hans"):
            response = self.client.get(self.url, headers={"accept-language": "zh-CN"})
        self.assertContains(response, "解除隔离证明")
        self.assertContains(response, "<dt>解除隔离日期</dt>", html=False)
        self.assertContains(response, "杨家坪街道")
        self.assertContains(response, "西郊路社区")
        until = (timezone.localdate() + timedelta(days=3)).isoformat()
        self.assertContains(response, until)

    def test_other_groups_may_not_open_it(self):
        self.release()
        for user in (self.cook, self.guard, self.cleaner, self.outsider):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.url).status_code, 403)
                self.assertEqual(self.client.post(self.url, {}).status_code, 403)
        self.assertFalse(AuditEvent.objects.filter(action="certificate.print").exists())


class TransferNoticeTests(NoticeTestCase):
    def test_a_person_transferred_home_gets_the_notice_with_home_monitoring(self):
        self.transfer(Transfer.Destination.HOME)
        self.client.force_login(self.clerk)
        response = self.client.get(self.url)
        self.assertContains(response, 'class="certificate"')
        self.assertContains(response, "left by closed-loop transfer to home")
        self.assertContains(response, "Home health monitoring follows for 3 days")
        self.assertContains(response, "left by transfer on")
        printed = self.client.post(self.url, {"full_id": "on"})
        self.assertContains(printed, self.person.national_id)
        event = AuditEvent.objects.get(action="certificate.print")
        self.assertEqual(event.after, {"id_printed": "full", "left_by_transfer": "home"})

    def test_gone_home_before_the_end_the_quarantine_continues_there(self):
        end = timezone.localdate() + timedelta(days=2)
        Stay.objects.update(ends_on=end)
        self.transfer(Transfer.Destination.HOME)
        self.client.force_login(self.clerk)
        response = self.client.get(self.url)
        self.assertContains(response, f"The quarantine continues at home until {end.isoformat()}.")
        until = (end + timedelta(days=3)).isoformat()
        self.assertContains(response, f"until {until}")

    def test_a_person_transferred_to_another_site_gets_it_without_home_monitoring(self):
        self.transfer(Transfer.Destination.OTHER_SITE, "巴南区隔离酒店")
        self.client.force_login(self.clerk)
        response = self.client.get(self.url)
        self.assertContains(response, "Certificate of isolation, on transfer to another site")
        self.assertContains(response, "left by closed-loop transfer to 巴南区隔离酒店")
        self.assertContains(response, "The isolation continues at the receiving site.")
        self.assertNotContains(response, "Home health monitoring")

    def test_a_transfer_to_hospital_is_not_a_release_and_is_refused_clearly(self):
        self.transfer(Transfer.Destination.DESIGNATED_HOSPITAL, "重庆市公共卫生医疗救治中心")
        self.client.force_login(self.clerk)
        response = self.client.get(self.url)
        self.assertContains(response, "was transferred to 重庆市公共卫生医疗救治中心")
        self.assertContains(response, "that is not a release")
        self.assertNotContains(response, 'class="certificate"')
        # A way back to the person, not a dead end.
        self.assertContains(response, f'href="{reverse("person-detail", args=[self.person.pk])}"')
        refused = self.client.post(self.url, {}, headers={"HX-Request": "true"})
        self.assertContains(refused, "that is not a release", status_code=409)
        self.assertFalse(AuditEvent.objects.filter(action="certificate.print").exists())

    def test_a_hospital_visit_the_hospital_kept_is_refused_too(self):
        self.transfer(Transfer.Destination.HOSPITAL_VISIT, "第三人民医院")
        self.assertEqual(self.person.status, Person.Status.TRANSFERRED)
        with self.assertRaises(services.ServiceError) as caught:
            medical.certificate_print(person=self.person, by=self.clerk, full_id=False)
        self.assertIn("that is not a release", caught.exception.message)

    def test_the_service_refuses_a_person_still_in_isolation_before_the_end(self):
        Stay.objects.update(ends_on=timezone.localdate() + timedelta(days=1))
        with self.assertRaises(services.ServiceError) as caught:
            medical.certificate_print(person=self.person, by=self.head, full_id=False)
        self.assertIn("The quarantine ends on", caught.exception.message)

    def test_the_persons_page_offers_the_notice_after_a_transfer(self):
        self.transfer(Transfer.Destination.HOME)
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("person-detail", args=[self.person.pk]))
        self.assertContains(response, self.url)

    def test_the_transfer_notice_reads_in_chinese(self):
        self.transfer(Transfer.Destination.HOME)
        self.client.force_login(self.clerk)
        with translation.override("zh-hans"):
            response = self.client.get(self.url, headers={"accept-language": "zh-CN"})
        self.assertContains(response, "解除隔离证明")
        self.assertContains(response, "居家")
        self.assertContains(response, "西郊路社区")


class ReleaseListTests(NoticeTestCase):
    """The day's releases as an .xlsx for the communities."""

    def setUp(self):
        super().setUp()
        self.list_url = reverse("release-list")

    def read(self, response):
        import io

        from openpyxl import load_workbook

        self.assertEqual(response["Content-Type"], XLSX)
        return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))

    def test_it_lists_the_days_releases_with_real_dates_and_numbers_masked_by_default(self):
        self.release()
        self.client.force_login(self.clerk)
        today = timezone.localdate()
        response = self.client.post(self.list_url, {"day": today.isoformat()})
        self.assertEqual(response["Content-Disposition"], f'attachment; filename="releases-{today:%Y%m%d}.xlsx"')
        header, line = self.read(response)
        self.assertEqual(header[0], "name")
        self.assertEqual(line[0], "李秀英")
        self.assertEqual(line[2], self.person.age_on(today))
        self.assertEqual((line[3], line[4]), (self.person.national_id_masked, self.person.phone_masked))
        self.assertEqual(line[5:9], (ADDRESS, "杨家坪街道", "西郊路社区", "101"))
        # Real dates and numbers, not text.
        self.assertEqual(line[9].date(), today)
        self.assertEqual(line[10], 3)
        self.assertEqual(line[11].date(), today + timedelta(days=3))
        event = AuditEvent.objects.get(action="release_list.export")
        self.assertEqual(
            (event.actor, event.person, event.after),
            (self.clerk, self.person, {"day": today.isoformat(), "id_printed": "masked"}),
        )

    def test_the_full_ids_only_for_a_user_allowed_to_reveal_and_audited(self):
        self.release()
        self.client.force_login(self.head)
        _header, line = self.read(self.client.post(self.list_url, {"full_id": "on"}))
        self.assertEqual((line[3], line[4]), (self.person.national_id, self.person.phone))
        self.assertEqual(AuditEvent.objects.get(action="release_list.export").after["id_printed"], "full")

    def test_a_box_sent_as_0_or_no_is_not_a_request_for_the_full_ids(self):
        self.release()
        self.client.force_login(self.head)
        for value in ("0", "no", "false", "off", "x"):
            with self.subTest(value=value):
                _header, line = self.read(self.client.post(self.list_url, {"full_id": value}))
                self.assertEqual((line[3], line[4]), (self.person.national_id_masked, self.person.phone_masked))
        certificate = self.client.post(reverse("release-certificate", args=[self.person.pk]), {"full_id": "0"})
        self.assertNotContains(certificate, self.person.national_id)
        self.assertEqual(
            set(
                AuditEvent.objects.filter(action__in=["release_list.export", "certificate.print"]).values_list(
                    "after__id_printed", flat=True
                )
            ),
            {"masked"},
        )

    def test_what_staff_typed_stays_text_in_the_sheet_never_a_formula(self):
        import io

        from openpyxl import load_workbook

        self.release()
        Person.objects.filter(pk=self.person.pk).update(address='=HYPERLINK("http://evil.example","地址")', name="=1+2")
        self.client.force_login(self.clerk)
        response = self.client.post(self.list_url, {})
        line = load_workbook(io.BytesIO(response.content)).active[2]
        self.assertEqual((line[0].data_type, line[0].value), ("s", "=1+2"))
        self.assertEqual((line[5].data_type, line[5].value), ("s", '=HYPERLINK("http://evil.example","地址")'))

    def test_a_user_who_may_not_reveal_is_refused_the_full_ids(self):
        from django.contrib.auth.models import Permission

        self.release()
        clerk = self.clerk
        for group in clerk.groups.all():
            group.permissions.remove(Permission.objects.get(codename="reveal_personal_data"))
        self.client.force_login(clerk)
        response = self.client.post(self.list_url, {"full_id": "on"})
        self.assertContains(response, "not allowed to reveal personal data", status_code=422)
        self.assertFalse(AuditEvent.objects.filter(action="release_list.export").exists())

    def test_only_the_general_group_and_the_site_head_may_have_it(self):
        self.release()
        for user in (self.nurse, self.cook, self.guard, self.cleaner, self.outsider):
            self.client.force_login(user)
            with self.subTest(user=user.username):
                self.assertEqual(self.client.get(self.list_url).status_code, 403)
                self.assertEqual(self.client.post(self.list_url, {}).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.post(self.list_url, {}).status_code, 302)
        self.client.force_login(self.clerk)
        self.assertEqual(self.client.put(self.list_url).status_code, 405)
        self.assertFalse(AuditEvent.objects.filter(action="release_list.export").exists())

    def test_only_that_days_releases_are_on_it(self):
        self.release()
        Stay.objects.update(ended_at=timezone.now() - timedelta(days=1))
        other = make_person(self.site, name="王建国", address="四川省成都市武侯区玉林街道玉林东路社区1号")
        transferred = make_person(self.site, name="刘洋")
        for person in (other, transferred):
            stay = services.stay_check_in(person=person, room=self.rooms[1 + person.pk % 2], by=self.clerk)
            Stay.objects.filter(pk=stay.pk).update(ends_on=timezone.localdate())
            satisfy_protocol(stay)
        services.stay_release(person=self.fresh(other), by=self.clerk)
        self.person = self.fresh(transferred)
        self.transfer(Transfer.Destination.HOME)
        self.client.force_login(self.clerk)
        rows = self.read(self.client.post(self.list_url, {}))
        self.assertEqual([row[0] for row in rows[1:]], ["王建国"])
        yesterday = timezone.localdate() - timedelta(days=1)
        rows = self.read(self.client.post(self.list_url, {"day": yesterday.isoformat()}))
        self.assertEqual([row[0] for row in rows[1:]], ["李秀英"])

    def test_a_bad_or_future_day_gets_a_clear_error_and_no_file(self):
        self.client.force_login(self.clerk)
        response = self.client.post(self.list_url, {"day": "2026-02-30"})
        self.assertContains(response, "Enter a valid date", status_code=422)
        future = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = self.client.post(self.list_url, {"day": future})
        self.assertContains(response, "nobody has been released on it yet", status_code=422)
        response = self.client.get(self.list_url, {"day": "x"})
        self.assertContains(response, "Enter a valid date", status_code=422)
        self.assertFalse(AuditEvent.objects.filter(action="release_list.export").exists())

    def test_the_page_shows_the_days_list_and_is_linked_from_the_general_board(self):
        self.release()
        self.client.force_login(self.clerk)
        board = self.client.get(reverse("general-board"))
        self.assertContains(board, f'action="{self.list_url}"')
        page = self.client.get(self.list_url)
        self.assertContains(page, "1 person released")
        self.assertContains(page, "西郊路社区")
        self.assertNotContains(page, self.person.national_id)
        self.assertContains(page, "Download (.xlsx)")

    def test_an_empty_day_is_a_sheet_with_its_header_only(self):
        self.client.force_login(self.clerk)
        rows = self.read(self.client.post(self.list_url, {}))
        self.assertEqual(len(rows), 1)
        self.assertFalse(AuditEvent.objects.filter(action="release_list.export").exists())

    def test_the_list_reads_in_chinese(self):
        self.release()
        self.client.force_login(self.clerk)
        with translation.override("zh-hans"):
            response = self.client.post(self.list_url, {}, headers={"accept-language": "zh-CN"})
            page = self.client.get(self.list_url, headers={"accept-language": "zh-CN"})
        header = self.read(response)[0]
        self.assertEqual(header[:4], ("姓名", "性别", header[2], "身份证号"))
        self.assertEqual((header[5], header[8], header[9]), ("地址", "房间", "解除隔离日期"))
        self.assertContains(page, "西郊路社区")
        self.assertContains(page, "<th>姓名</th>", html=False)
