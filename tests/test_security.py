"""Security: the checkpoint's "inside now", patrol intervals, incidents and who they alert."""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from groups.medical.models import Alert
from groups.security import services as security
from groups.security.board import security_board
from groups.security.models import CheckpointEntry, Incident
from rooms import services
from rooms.models import AuditEvent
from rooms.roles import NotInGroup
from site_ops import live
from site_ops.models import BoardSequence
from tests.base import SiteTestCase
from tests.clock import frozen


class SecurityTestCase(SiteTestCase):
    def board(self, hour=12, minute=0):
        with frozen(hour, minute):
            return security_board(self.site)


class CheckpointTests(SecurityTestCase):
    def log_in(self, kind, name, hour=9):
        with frozen(hour):
            return security.checkpoint_log_in(site=self.site, kind=kind, name=name, purpose="送物资", by=self.guard)

    def test_inside_now_is_whoever_has_not_logged_out(self):
        driver = self.log_in(CheckpointEntry.Kind.VEHICLE, "渝A·D7731")
        fixer = self.log_in(CheckpointEntry.Kind.PERSON, "维修 李师傅")
        self.log_in(CheckpointEntry.Kind.PERSON, "督导 王科长")
        with frozen(10):
            security.checkpoint_log_out(entry=fixer, by=self.guard, version=1)

        board = self.board()
        self.assertEqual([entry.name for entry in board["inside"]], ["督导 王科长", "渝A·D7731"])
        self.assertEqual(board["inside_counts"], {"person": 1, "vehicle": 1, "delivery": 0})
        self.assertEqual(len(board["log"]), 3)
        self.assertEqual(self.fresh(driver).left_at, None)

    def test_logging_out_twice_is_refused(self):
        entry = self.log_in(CheckpointEntry.Kind.PERSON, "维修 李师傅")
        security.checkpoint_log_out(entry=entry, by=self.guard)
        with self.assertRaisesMessage(services.ServiceError, "already logged out"):
            security.checkpoint_log_out(entry=entry, by=self.head)

    def test_an_entry_needs_who_and_why(self):
        with self.assertRaisesMessage(services.ServiceError, "why they come in"):
            security.checkpoint_log_in(site=self.site, kind="person", name="  ", purpose="x", by=self.guard)
        self.assertFalse(CheckpointEntry.objects.exists())


class PatrolTests(SecurityTestCase):
    def test_a_floor_not_patrolled_within_the_interval_is_flagged(self):
        self.site.patrol_interval_minutes = 60
        self.site.save()
        with frozen(9):
            security.patrol_record(site=self.site, floor=1, remarks="正常", by=self.guard)
        with frozen(9, 30):
            security.patrol_record(site=self.site, floor=2, by=self.guard)

        patrols = {p["floor"]: p["due"] for p in self.board(9, 50)["patrols"]}
        self.assertEqual(patrols, {1: False, 2: False})
        patrols = {p["floor"]: p["due"] for p in self.board(10, 10)["patrols"]}
        self.assertEqual(patrols, {1: True, 2: False})
        self.assertEqual(self.board(10, 40)["unpatrolled"], 2)

    def test_a_floor_never_patrolled_is_flagged(self):
        self.assertEqual(self.board()["unpatrolled"], 2)

    def test_a_floor_the_site_does_not_have_is_refused(self):
        with self.assertRaisesMessage(services.ServiceError, "no floor 9"):
            security.patrol_record(site=self.site, floor=9, by=self.guard)


class IncidentTests(SecurityTestCase):
    def listen(self, key):
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(live.broadcast_group(self.site.pk, key, "en"), channel)
        return lambda: async_to_sync(asyncio.wait_for)(layer.receive(channel), 5)

    def report(self, kind=Incident.Kind.DOOR_OPENED, **kwargs):
        return security.incident_report(
            site=self.site, kind=kind, severity="high", description="住户开门", room=self.room, by=self.guard, **kwargs
        )

    def test_an_open_incident_reaches_the_site_head_live(self):
        control, board = self.listen("control"), self.listen("security")
        with self.captureOnCommitCallbacks(execute=True):
            incident = self.report()

        for receive in (control, board):
            html = receive()["html"]
            self.assertIn(f"/security/incidents/{incident.pk}/resolve/", html)
            self.assertIn("住户开门", html)
        # The room's page shows it in its history; the boards that show the
        # room for other reasons are not sent anything.
        seqs = dict(BoardSequence.objects.values_list("board", "seq"))
        self.assertIn(f"room-{self.room.pk}", seqs)
        self.assertEqual((seqs.get("catering", 0), seqs.get("disinfection", 0)), (0, 0))
        self.assertFalse(Alert.objects.exists())

    def test_an_incident_at_a_sealed_room_says_so(self):
        from django.template.loader import render_to_string

        from rooms.models import Room

        self.report()
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)
        board = self.listen("security")
        with self.captureOnCommitCallbacks(execute=True):
            services.room_move(room=self.room, to=Room.Status.SEALED, by=self.head)
        # The sealing reaches the guards' board (no other change of theirs did), the room's number only.
        html = board()["html"]
        self.assertIn("a sealed room", html)
        self.assertIn(f"sealed rooms: {self.room.number}", html)
        # Only what a sealing changes: the counters, the patrols and the open incidents, not the whole board.
        self.assertIn('id="patrols"', html)
        self.assertNotIn('id="board-body"', html)
        self.assertNotIn('id="checkpoint-log"', html)
        self.assertNotIn(self.person.name, render_to_string("security/board.html", security_board(self.site)))

    def test_a_medical_emergency_also_alerts_the_medical_group(self):
        with self.captureOnCommitCallbacks(execute=False) as callbacks:
            incident = self.report(kind=Incident.Kind.MEDICAL_EMERGENCY)
        alert = Alert.objects.get()
        self.assertEqual((alert.kind, alert.room, alert.incident), ("medical_emergency", self.room, incident))
        self.assertEqual(callbacks[0].change.topics, {"security", "medical"})

    def test_an_incident_stays_open_until_resolved_with_a_note(self):
        incident = self.report()
        self.assertEqual([i.pk for i in self.board()["incidents"]], [incident.pk])
        with self.assertRaisesMessage(services.ServiceError, "how the incident was resolved"):
            security.incident_resolve(incident=incident, resolution=" ", by=self.guard, version=1)
        self.assertEqual(self.fresh(incident).status, "open")

        with frozen(12, 30):
            security.incident_resolve(incident=incident, resolution="已劝返房间", by=self.guard, version=1)

        incident.refresh_from_db()
        self.assertEqual(
            (incident.status, incident.resolution, incident.resolved_by), ("resolved", "已劝返房间", self.guard)
        )
        board = self.board(13)
        self.assertEqual((board["incidents"], [i.pk for i in board["resolved"]]), ([], [incident.pk]))
        self.assertEqual(AuditEvent.objects.filter(room=self.room, action__startswith="incident").count(), 2)
        with self.assertRaisesMessage(services.ServiceError, "already resolved by 吴刚"):
            security.incident_resolve(incident=incident, resolution="again", by=self.head)

    def test_a_stale_resolution_is_a_conflict(self):
        incident = self.report()
        Incident.objects.filter(pk=incident.pk).update(version=2, updated_by=self.head)
        with self.assertRaisesMessage(services.Conflict, "was changed by 周宁"):
            security.incident_resolve(incident=incident, resolution="好了", by=self.guard, version=1)

    def test_only_security_and_the_site_head_report_incidents(self):
        for user in (self.cook, self.clerk, self.nurse, self.outsider):
            with self.subTest(user=user.username), self.assertRaises(NotInGroup):
                security.incident_report(site=self.site, kind="other", severity="low", description="x", by=user)
        security.incident_report(site=self.site, kind="other", severity="low", description="x", by=self.head)
