"""The demo site's catering, disinfection and security records.

Written by seed_demo after the rooms, people and stays, as the groups'
services would have written them: a meal round under way (the top floors
still to deliver, a refusal that alerted the medical group, a complaint),
terminal tasks for the rooms awaiting disinfection and the records of those
ventilating, today's routine round with one area overdue, a spot task, the
day's medical waste, the checkpoint log, patrols (two floors due) and an open
incident. Everything is made up and dated relative to now.

The refused meal's alert goes through medical_alert_raise (which checks no
group and publishes nothing), then is back-dated. The rest is written
directly: the groups' services check the acting user's group, publish to the
live boards and stamp "now", while these records happened earlier today.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils.translation import gettext

from groups.catering.models import MealDelivery, MealSlot
from groups.catering.rounds import meal_round
from groups.control.management.demo import Demo
from groups.disinfection.models import (
    SPOT_DUE,
    TERMINAL_DUE,
    DisinfectionTask,
    RoutineSchedule,
    WasteCollection,
    WasteHandover,
)
from groups.disinfection.routines import routine_today
from groups.medical.models import Alert
from groups.medical.services import medical_alert_raise
from groups.security.models import CheckpointEntry, Incident, Patrol
from rooms.models import AuditEvent, Room, Shift
from rooms.reads import day_start

AGENT = "含氯消毒剂"
CONTRACTOR = "渝康医疗废物处置有限公司(演示)"
# Floors left unpatrolled for longer than the interval, and the area left overdue.
LATE_PATROL_FLOORS = {5, 8}
OVERDUE_ROUTINE_FLOOR = 6


def write_group_records(demo: Demo, rooms: dict[str, Room]) -> dict:
    """Write the records; returns counts for the command's report."""
    MealSlot.objects.bulk_create(MealSlot.defaults_for(demo.site))
    RoutineSchedule.objects.bulk_create(RoutineSchedule.defaults_for(demo.site))
    Shift.objects.bulk_create(Shift.defaults_for(demo.site))
    events = []
    counts = {
        "meals": _meals(demo, events),
        "tasks": _disinfection(demo, rooms, events),
        "incidents": _security(demo, rooms, events),
    }
    AuditEvent.objects.bulk_create(events)
    return counts


def _event(demo, events, at, actor, action, obj, label=None, room=None, after=None, note=""):
    events.append(
        demo.audit_event(
            at, actor, action, label or str(obj), obj._meta.model_name, obj.pk, room=room, after=after, note=note
        )
    )


def _earlier(demo, minutes: int):
    """A moment this many minutes ago, but not before today began."""
    return max(demo.now - timedelta(minutes=minutes), day_start(demo.now) + timedelta(minutes=1))


# --- catering -----------------------------------------------------------------


def _meals(demo, events) -> int:
    meals = meal_round(demo.site, now=demo.now)
    if meals is None or not meals.open:
        return 0  # in the small hours breakfast has not opened: nothing delivered yet
    cooks = [demo.users["hemei"], demo.users["luoping"]]
    floors = meals.floors()
    # The top two floors are still to deliver; the others went out a few
    # minutes apart, the last one just now.
    done_floors = sorted(floors)[:-2]
    rows = []
    for i, floor in enumerate(done_floors):
        at = _earlier(demo, 3 * (len(done_floors) - i) + 2)
        cook = cooks[i % 2]
        for meal in floors[floor]:
            rows.append(
                MealDelivery(
                    site=demo.site,
                    slot=meals.slot,
                    day=meals.day,
                    room=meal.room,
                    status=MealDelivery.Status.DELIVERED,
                    meals=meal.meals,
                    diets={diet: n for diet, _label, n in meal.diets},
                    recorded_at=at,
                    recorded_by=cook,
                    updated_at=at,
                    updated_by=cook,
                )
            )
        label = gettext("F%(floor)s %(meal)s, %(count)s rooms") % {
            "floor": floor,
            "meal": meals.slot,
            "count": len(floors[floor]),
        }
        _event(demo, events, at, cook, "meal.floor_deliver", meals.slot, label=label, after={"floor": floor})
    # Half of those who arrived after the delivery time have had their late meal.
    for late in meals.late[::2]:
        at = late.arrived_at + timedelta(minutes=8)
        if at < demo.now:
            cook = cooks[0]
            rows.append(
                MealDelivery(
                    site=demo.site,
                    slot=meals.slot,
                    day=meals.day,
                    room=late.room,
                    person=late.person,
                    status=MealDelivery.Status.DELIVERED,
                    diets={late.person.diet: 1},
                    recorded_at=at,
                    recorded_by=cook,
                    updated_at=at,
                    updated_by=cook,
                )
            )
    room_rows = [row for row in rows if row.person is None]
    if len(room_rows) < 10:
        MealDelivery.objects.bulk_create(rows)
        return len(rows)
    # Somebody on a delivered floor refused the meal; somebody else complained.
    refused, complained = room_rows[-1], room_rows[len(room_rows) // 2]
    refused.status = MealDelivery.Status.REFUSED
    refused.note = "说没有胃口,不想吃"
    complained.feedback = MealDelivery.Feedback.COMPLAINT
    complained.feedback_note = "饭菜送到时已经凉了"
    for row in room_rows[1:8]:
        row.feedback = MealDelivery.Feedback.FINE
    MealDelivery.objects.bulk_create(rows)
    alert = medical_alert_raise(
        site=demo.site,
        kind=Alert.Kind.MEAL_REFUSED,
        room=refused.room,
        by=refused.recorded_by,
        note=f"{meals.slot}: {refused.room.number} {refused.note}",
        meal_delivery=refused,
    )
    alert.created_at = refused.recorded_at  # raised when the meal was refused, not now
    alert.save(update_fields=["created_at"])
    _event(demo, events, alert.created_at, refused.recorded_by, "meal.refuse", refused, room=refused.room)
    _event(demo, events, demo.now, demo.users["hemei"], "meal.feedback", complained, room=complained.room)
    return len(rows)


# --- disinfection -----------------------------------------------------------------


def _disinfection(demo, rooms: dict[str, Room], events) -> int:
    site, rng, now = demo.site, demo.rng, demo.now
    cleaners = [demo.users["zhaolei"], demo.users["sunqiang"]]
    tasks = []
    for room in rooms.values():
        if room.status == Room.Status.AWAITING_DISINFECTION:
            opened = room.status_changed_at
            tasks.append(
                DisinfectionTask(
                    site=site,
                    kind=DisinfectionTask.Kind.TERMINAL,
                    room=room,
                    floor=room.floor,
                    created_at=opened,
                    created_by=room.updated_by,
                    due_at=opened + TERMINAL_DUE,
                    updated_at=opened,
                    updated_by=room.updated_by,
                )
            )
        elif room.status == Room.Status.VENTILATING:
            began = room.status_changed_at
            tasks.append(
                DisinfectionTask(
                    site=site,
                    kind=DisinfectionTask.Kind.TERMINAL,
                    status=DisinfectionTask.Status.DONE,
                    room=room,
                    floor=room.floor,
                    created_at=began - timedelta(hours=3),
                    due_at=began - timedelta(hours=1),
                    done_at=began,
                    done_by=room.updated_by,
                    agent=AGENT,
                    concentration_mg_l=1000,
                    contact_minutes=30,
                    updated_at=began,
                    updated_by=room.updated_by,
                )
            )
    spot_at = _earlier(demo, 25)
    tasks.append(
        DisinfectionTask(
            site=site,
            kind=DisinfectionTask.Kind.SPOT,
            where="2号电梯轿厢",
            reason="转运车辆接人后电梯需消毒",
            created_at=spot_at,
            created_by=demo.users["zhouning"],
            due_at=spot_at + SPOT_DUE,
            updated_at=spot_at,
            updated_by=demo.users["zhouning"],
        )
    )
    # Today's routine round: every occurrence due so far is done, but one floor's last.
    for area in routine_today(site, now=now):
        passed = [o for o in area.occurrences if o.due_at <= now]
        if area.floor == OVERDUE_ROUTINE_FLOOR and passed:
            passed = passed[:-1]
        for occurrence in passed:
            done = max(occurrence.due_at - timedelta(minutes=rng.randint(5, 40)), occurrence.opens_at)
            cleaner = rng.choice(cleaners)
            tasks.append(
                DisinfectionTask(
                    site=site,
                    kind=DisinfectionTask.Kind.ROUTINE,
                    status=DisinfectionTask.Status.DONE,
                    schedule=area.schedule,
                    floor=area.floor,
                    created_at=done,
                    due_at=occurrence.due_at,
                    done_at=done,
                    done_by=cleaner,
                    agent=AGENT,
                    concentration_mg_l=500,
                    contact_minutes=30,
                    updated_at=done,
                    updated_by=cleaner,
                )
            )
    DisinfectionTask.objects.bulk_create(tasks)
    for task in tasks:
        if task.kind == DisinfectionTask.Kind.TERMINAL and task.status == DisinfectionTask.Status.OPEN:
            _event(demo, events, task.created_at, task.created_by, "disinfection.terminal_open", task, room=task.room)
        elif task.kind == DisinfectionTask.Kind.SPOT:
            _event(demo, events, task.created_at, task.created_by, "disinfection.spot_open", task, note=task.reason)
        else:
            label = task.place if task.kind == DisinfectionTask.Kind.ROUTINE else None
            _event(demo, events, task.done_at, task.done_by, "disinfection.done", task, label=label, room=task.room)
    _waste(demo, events)
    return len(tasks)


def _waste(demo, events) -> None:
    """A morning collection on every floor, handed over before noon, and an afternoon one on site."""
    site, rng = demo.site, demo.rng
    start = day_start(demo.now)
    rounds = [start + timedelta(hours=10), start + timedelta(hours=16)]
    for n, began in enumerate(rounds):
        if began > demo.now:
            break
        collections = []
        for i, floor in enumerate(site.floors()):
            cleaner = demo.users["sunqiang"]
            collections.append(
                WasteCollection(
                    site=site,
                    floor=floor,
                    bags=rng.randint(2, 5),
                    weight_kg=Decimal(rng.randint(40, 120)) / 10,
                    collected_at=began + timedelta(minutes=4 * i),
                    collected_by=cleaner,
                )
            )
        WasteCollection.objects.bulk_create(collections)
        for c in collections:
            _event(demo, events, c.collected_at, c.collected_by, "waste.collect", c, after={"bags": c.bags})
        handed = began + timedelta(hours=1)
        if n == 0 and handed < demo.now:
            handover = WasteHandover.objects.create(
                site=site,
                contractor=CONTRACTOR,
                receiver="刘师傅",
                handed_at=handed,
                handed_by=demo.users["zhaolei"],
                bags=sum(c.bags for c in collections),
                weight_kg=sum(c.weight_kg for c in collections),
            )
            WasteCollection.objects.filter(pk__in=[c.pk for c in collections]).update(handover=handover)
            _event(demo, events, handed, handover.handed_by, "waste.hand_over", handover)


# --- security ---------------------------------------------------------------------


def _security(demo, rooms: dict[str, Room], events) -> int:
    site, rng = demo.site, demo.rng
    guards = [demo.users["wugang"], demo.users["zhengwei"]]
    K = CheckpointEntry.Kind
    # (kind, who, purpose, minutes ago in, minutes ago out or None while inside)
    visits = [
        (K.PERSON, "区疾控 王科长", "消杀工作督导检查", 95, None),
        (K.PERSON, "空调维修 李师傅", "213、517 空调维修", 70, None),
        (K.VEHICLE, "渝A·D7731", "生活物资配送", 35, None),
        (K.DELIVERY, "顺丰 集中投递", "住户快递统一消杀后转交", 140, 120),
        (K.VEHICLE, "渝A·F2206 负压救护车", "送医复诊(往返)", 200, 150),
        (K.PERSON, "医护 夜班交接", "交接班", 400, 380),
    ]
    entries = []
    for kind, name, purpose, ago_in, ago_out in visits:
        guard = rng.choice(guards)
        entered = _earlier(demo, ago_in)
        left = _earlier(demo, ago_out) if ago_out else None
        entries.append(
            CheckpointEntry(
                site=site,
                kind=kind,
                name=name,
                purpose=purpose,
                entered_at=entered,
                entered_by=guard,
                left_at=left,
                left_by=guard if left else None,
                updated_at=left or entered,
                updated_by=guard,
            )
        )
    CheckpointEntry.objects.bulk_create(entries)
    for entry in entries:
        _event(demo, events, entry.entered_at, entry.entered_by, "checkpoint.in", entry)
        if entry.left_at:
            _event(demo, events, entry.left_at, entry.left_by, "checkpoint.out", entry)

    patrols = []
    interval = site.patrol_interval_minutes
    for floor in site.floors():
        ago = (
            rng.randint(interval + 20, interval + 80) if floor in LATE_PATROL_FLOORS else rng.randint(10, interval - 20)
        )
        patrols.append(Patrol(site=site, floor=floor, at=_earlier(demo, ago), by=rng.choice(guards), remarks=""))
    patrols[0].remarks = "楼道通风正常,无异常"
    Patrol.objects.bulk_create(patrols)
    for patrol in patrols:
        _event(demo, events, patrol.at, patrol.by, "patrol.record", patrol, after={"floor": patrol.floor})

    occupied = [room for room in rooms.values() if room.status == Room.Status.OCCUPIED and room.floor >= 3]
    door_room, conflict_room = rng.sample(occupied, 2)
    opened = _earlier(demo, 18)
    reported = _earlier(demo, 240)
    incidents = [
        Incident(
            site=site,
            kind=Incident.Kind.DOOR_OPENED,
            severity=Incident.Severity.LOW,
            room=door_room,
            floor=door_room.floor,
            description="监控发现住户多次开门取物,已电话提醒",
            reported_at=opened,
            reported_by=guards[0],
            updated_at=opened,
            updated_by=guards[0],
        ),
        Incident(
            site=site,
            kind=Incident.Kind.CONFLICT,
            severity=Incident.Severity.MEDIUM,
            status=Incident.Status.RESOLVED,
            room=conflict_room,
            floor=conflict_room.floor,
            description="住户因送餐时间与工作人员发生争执",
            reported_at=reported,
            reported_by=guards[1],
            resolved_at=reported + timedelta(minutes=35),
            resolved_by=guards[1],
            resolution="已与住户沟通解释,饮食组调整该层送餐顺序",
            updated_at=reported + timedelta(minutes=35),
            updated_by=guards[1],
        ),
    ]
    Incident.objects.bulk_create(incidents)
    for incident in incidents:
        _event(
            demo, events, incident.reported_at, incident.reported_by, "incident.report", incident, room=incident.room
        )
        if incident.resolved_at:
            _event(demo, events, incident.resolved_at, incident.resolved_by, "incident.resolve", incident)
    return len(incidents)
