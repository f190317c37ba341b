"""What the product writes into a record is worded in the site's language, not the actor's (rooms/words.py)."""

import re

from django.test import override_settings
from django.utils import translation

from groups.disinfection.models import DisinfectionTask, RoutineSchedule
from groups.medical.models import Sample
from groups.security import services as security
from groups.transfers.models import Transfer
from rooms.models import AuditEvent, Shift
from tests.test_medical_services import MedicalTestCase

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@override_settings(LANGUAGE_CODE="zh-hans")
class WrittenInTheSiteLanguageTests(MedicalTestCase):
    def assert_chinese(self, text: str):
        self.assertRegex(text, CHINESE)
        self.assertNotRegex(text, r"[A-Za-z]{3,}", text)

    def test_a_positive_entered_from_an_english_screen_leaves_chinese_records(self):
        stay = self.check_in()
        with translation.override("en"):
            sample = self.collected(stay)
            from groups.medical import services as medical

            medical.sample_record_result(sample=Sample.objects.get(pk=sample.pk), result="positive", by=self.nurse)
        transfer = Transfer.objects.get(person=self.person)
        self.assert_chinese(transfer.reason)
        drafted = AuditEvent.objects.get(object_type="transfer", object_id=transfer.pk)
        self.assert_chinese(drafted.note)
        tasks = DisinfectionTask.objects.filter(kind=DisinfectionTask.Kind.SPOT)
        self.assertEqual(tasks.count(), 2)
        for task in tasks:
            # The room, never whose result sealed it.
            self.assertIn(self.room.number, task.reason)
            self.assertNotIn(self.person.name, task.reason)
            self.assert_chinese(task.reason.replace(self.room.number, ""))
        seal = AuditEvent.objects.get(action="room.move", room=self.room, after__status="sealed")
        self.assert_chinese(seal.note.replace(self.person.name, ""))

    def test_the_history_names_a_record_in_the_site_language(self):
        with translation.override("en"):
            security.incident_report(
                site=self.site, kind="conflict", severity="low", description="争吵", room=self.room, by=self.guard
            )
        event = AuditEvent.objects.get(action="incident.report")
        self.assert_chinese(event.label.replace(self.room.number, ""))

    def test_a_new_sites_defaults_are_named_in_the_site_language(self):
        with translation.override("en"):
            shifts = Shift.defaults_for(self.site)
            areas = RoutineSchedule.defaults_for(self.site)
        for name in [shift.name for shift in shifts] + [area.area for area in areas]:
            self.assert_chinese(name)
