"""A database made before the group apps upgrades with ``migrate``, keeping every row.

Before, every model lived in ``rooms`` and the staff and board numbers in an
app called ``groups``. The test takes the database back to that state
(``rooms`` at 0006; the group apps' first migrations only take over state, so
going back leaves every table as it was), fills every table through the
models as they were then, migrates forward and reads everything back through
today's models, foreign keys included. It runs on SQLite and on PostgreSQL.
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

from groups.catering.models import MealDelivery, MealSlot
from groups.disinfection.models import DisinfectionTask, RoutineSchedule, WasteCollection, WasteHandover
from groups.medical.models import (
    Alert,
    HealthCheck,
    LabImport,
    MedicineNeed,
    ProtocolDay,
    Sample,
    SampleResult,
    SamplingPlan,
    TestProtocol,
)
from groups.security.models import CheckpointEntry, Incident, Patrol
from groups.transfers.models import Transfer
from rooms.models import AuditEvent, Person, Request, Room, Site, Staff, Stay, SubmittedForm
from site_ops.models import BoardSequence
from tests.base import AuditFlushMixin

BEFORE = [("rooms", "0006_merge_0003_medical_0005_merge_20261123_1245")]
MOVED = {
    "catering": ["mealslot", "mealdelivery"],
    "disinfection": ["routineschedule", "disinfectiontask", "wastehandover", "wastecollection"],
    "medical": ["sample", "testprotocol", "protocolday", "samplingplan", "labimport", "sampleresult"],
    "security": ["checkpointentry", "patrol", "incident"],
    "transfers": ["transfer"],
}


def at(hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(date(2026, 11, 20), time(hour)))


class UpgradeToGroupAppsTests(AuditFlushMixin, TransactionTestCase):
    def migrate(self, targets):
        executor = MigrationExecutor(connection)
        executor.migrate(targets)
        return executor

    def fill_as_before(self, apps) -> dict:
        """One row or more in every table, through the models as they were."""
        get = apps.get_model
        user = get("auth", "User").objects.create(username="zhanglu", first_name="露匀", last_name="张")
        site = get("rooms", "Site").objects.create(name="幸福路隔离点")
        room = get("rooms", "Room").objects.create(site=site, number="301", floor=3, capacity=2)
        person = get("rooms", "Person").objects.create(
            site=site, name="李秀英", national_id="500990195203010021", sex="F", birth_date=date(1952, 3, 1)
        )
        stay = get("rooms", "Stay").objects.create(
            site=site, person=person, room=room, started_at=at(9), ends_on=date(2026, 11, 27)
        )
        get("rooms", "AuditEvent").objects.create(
            site=site, actor=user, actor_name="张露匀", action="stay.check_in", label="李秀英",
            object_type="stay", object_id=stay.pk, room=room, person=person,
        )  # fmt: skip
        get("rooms", "SubmittedForm").objects.create(token="t-1", user=user)
        slot = get("rooms", "MealSlot").objects.create(site=site, kind="lunch", delivery_time=time(11, 30))
        delivery = get("rooms", "MealDelivery").objects.create(
            site=site, slot=slot, day=date(2026, 11, 20), room=room, status="refused", recorded_by=user
        )
        schedule = get("rooms", "RoutineSchedule").objects.create(site=site, area="大堂", times="08:00")
        get("rooms", "DisinfectionTask").objects.create(site=site, kind="routine", due_at=at(8), schedule=schedule)
        handover = get("rooms", "WasteHandover").objects.create(
            site=site, contractor="医废公司", receiver="王师傅", handed_by=user, bags=2, weight_kg=Decimal("3.5")
        )
        get("rooms", "WasteCollection").objects.create(
            site=site, floor=3, bags=2, weight_kg=Decimal("3.5"), collected_by=user, handover=handover
        )
        protocol = get("rooms", "TestProtocol").objects.create(site=site)
        get("rooms", "ProtocolDay").objects.create(protocol=protocol, day=1)
        get("rooms", "SamplingPlan").objects.create(stay=stay, days=[[1, "pcr"]])
        lab = get("rooms", "LabImport").objects.create(site=site, filename="r.csv", digest="d1", uploaded_by=user)
        sample = get("rooms", "Sample").objects.create(
            site=site, person=person, stay=stay, day=1, scheduled_on=date(2026, 11, 20)
        )
        get("rooms", "SampleResult").objects.create(sample=sample, result="negative", entered_by=user, lab_import=lab)
        check = get("rooms", "HealthCheck").objects.create(
            site=site, person=person, stay=stay, day=date(2026, 11, 20), round="am",
            temperature=Decimal("36.6"), recorded_by=user,
        )  # fmt: skip
        get("rooms", "MedicineNeed").objects.create(person=person, name="硝苯地平", created_by=user)
        get("rooms", "MedicineRequest").objects.create(
            site=site, person=person, stay=stay, item="硝苯地平缓释片", requested_by=user
        )
        get("rooms", "Alert").objects.create(site=site, kind="fever", person=person, room=room, health_check=check)
        incident = get("rooms", "Incident").objects.create(
            site=site, kind="door_opened", description="301开门", reported_by=user, room=room
        )
        get("rooms", "MedicalAlert").objects.create(
            site=site, kind="meal_refused", raised_by=user, room=room, meal_delivery=delivery, incident=incident
        )
        get("rooms", "CheckpointEntry").objects.create(site=site, name="送药车", purpose="药品", entered_by=user)
        get("rooms", "Patrol").objects.create(site=site, floor=3, by=user)
        transfer = get("rooms", "Transfer").objects.create(
            site=site, person=person, room=room, reason="复查", destination_type="hospital_visit", requested_by=user
        )
        # The former groups app's two tables, as its migrations made them.
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO groups_staff (user_id, site_id, organisation, phone) VALUES (%s, %s, %s, %s)",
                           [user.pk, site.pk, "街道办", ""])  # fmt: skip
            cursor.execute("INSERT INTO groups_boardsequence (site_id, board, seq) VALUES (%s, %s, %s)",
                           [site.pk, "control", 41])  # fmt: skip
        return {
            "user": user.pk, "site": site.pk, "room": room.pk, "person": person.pk, "stay": stay.pk,
            "delivery": delivery.pk, "incident": incident.pk, "sample": sample.pk, "lab": lab.pk,
            "transfer": transfer.pk, "check": check.pk, "handover": handover.pk, "schedule": schedule.pk,
        }  # fmt: skip

    def test_every_row_and_foreign_key_survives_the_upgrade(self):
        executor = self.migrate(BEFORE)
        # Content types as they were: every model in rooms, staff and board numbers in groups.
        for app, models in {**MOVED, "rooms": ["staff"], "site_ops": ["boardsequence"]}.items():
            old_app = {"rooms": "groups", "site_ops": "groups"}.get(app, "rooms")
            ContentType.objects.filter(app_label=app, model__in=models).update(app_label=old_app)
        ids = self.fill_as_before(executor.loader.project_state(BEFORE).apps)

        self.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
        after = MigrationExecutor(connection)
        self.assertEqual(after.migration_plan(after.loader.graph.leaf_nodes()), [])

        counts = {
            model: model.objects.count()
            for model in (
                Site, Room, Person, Stay, AuditEvent, SubmittedForm, Staff, BoardSequence, MealSlot, MealDelivery,
                RoutineSchedule, DisinfectionTask, WasteHandover, WasteCollection, TestProtocol, ProtocolDay,
                SamplingPlan, LabImport, Sample, SampleResult, HealthCheck, MedicineNeed, Request,
                Incident, CheckpointEntry, Patrol, Transfer,
            )
        }  # fmt: skip
        self.assertEqual([model.__name__ for model, count in counts.items() if count != 1], [])
        self.assertEqual(Alert.objects.count(), 2)

        staff = Staff.objects.select_related("user", "site").get()
        self.assertEqual((staff.user_id, staff.site_id, staff.organisation), (ids["user"], ids["site"], "街道办"))
        self.assertEqual(BoardSequence.objects.get().seq, 41)
        sample = Sample.objects.select_related("stay__room", "person").get()
        found = (sample.stay_id, sample.stay.room_id, sample.person.name)
        self.assertEqual(found, (ids["stay"], ids["room"], "李秀英"))
        result = SampleResult.objects.get()
        self.assertEqual((result.sample_id, result.lab_import_id), (ids["sample"], ids["lab"]))
        # The other groups' report became an alert like the medical group's own.
        report = Alert.objects.get(kind="meal_refused")
        self.assertEqual((report.meal_delivery_id, report.incident_id), (ids["delivery"], ids["incident"]))
        self.assertEqual((report.raised_by_id, report.room_id, report.person_id), (ids["user"], ids["room"], None))
        self.assertEqual(Alert.objects.get(kind="fever").health_check_id, ids["check"])
        self.assertEqual(WasteCollection.objects.get().handover_id, ids["handover"])
        self.assertEqual(DisinfectionTask.objects.get().schedule_id, ids["schedule"])
        self.assertEqual(Transfer.objects.get(person_id=ids["person"]).pk, ids["transfer"])
        self.assertEqual(MealDelivery.objects.get().slot.delivery_time, time(11, 30))
        # The medicine request became a residents' request of kind medicine, still open for the medical group.
        request = Request.objects.get()
        found = (request.kind, request.group, request.status, request.what, request.room_id, request.person_id)
        self.assertEqual(found, ("medicine", "medical", "open", "硝苯地平缓释片", ids["room"], ids["person"]))
        self.assertEqual(request.requested_by_id, ids["user"])

        # Content types followed their models, so permissions and the admin's log did too.
        for app, models in MOVED.items():
            for model in models:
                self.assertTrue(ContentType.objects.filter(app_label=app, model=model).exists(), (app, model))
                self.assertFalse(ContentType.objects.filter(app_label="rooms", model=model).exists(), model)
        self.assertTrue(ContentType.objects.filter(app_label="rooms", model="staff").exists())
        # The roles are there, with who may reveal personal data.
        clerk = User.objects.create_user("wangfang")
        clerk.groups.add(Group.objects.get(name="general"))
        self.assertTrue(User.objects.get(pk=clerk.pk).has_perm("rooms.reveal_personal_data"))

        # The audit log is still append-only.
        event = AuditEvent.objects.get()
        for change in (lambda: AuditEvent.objects.filter(pk=event.pk).update(label="x"), event.delete):
            with self.assertRaises(DatabaseError), transaction.atomic():
                change()
        self.assertEqual(AuditEvent.objects.get().label, "李秀英")
