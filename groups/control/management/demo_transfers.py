"""The demo site's open transfers, one at each step, with the audit events of
the steps that brought them there.

The first is the seed's story (report 004): a 59-year-old woman asks to be
moved to the makeshift hospital where her deaf daughter is treated alone;
the isolation office has to find the bed.

Written directly, not through the transfer services: those check the acting
user's group, publish to the live boards and stamp each step "now", while
these steps happened minutes to hours ago.
"""

from datetime import datetime, timedelta

from groups.control.management.demo import Demo
from groups.control.management.demo_site import Plan, SitePlan
from groups.transfers.models import Transfer
from rooms.models import AuditEvent, Person

# The seed's transfer story (report 004), in the requester's words.
STORY_REASON = "女儿是聋哑人,独自在方舱医院隔离治疗,交流困难、生活不便;本人希望转到女儿所在医院照顾她。"


def write_transfers(demo: Demo, plan: SitePlan) -> int:
    """Write the transfers and their steps; returns how many audit events were written."""
    made = _transfers(demo, plan)
    Transfer.objects.bulk_create([transfer for transfer, _ in made])
    events = []
    for transfer, steps in made:
        previous = None
        for at, actor, state, after, note in steps:
            events.append(
                demo.audit_event(
                    at,
                    actor,
                    f"transfer.{state}",
                    str(transfer),
                    "transfer",
                    transfer.pk,
                    transfer.room,
                    transfer.person,
                    before={"state": previous} if previous else None,
                    after={"state": state, **after},
                    note=note,
                )
            )
            previous = state
    AuditEvent.objects.bulk_create(events)
    return len(events)


def _transfers(demo: Demo, plan: SitePlan) -> list[tuple[Transfer, list[tuple]]]:
    """The transfers, unsaved, each with its steps as (at, by, state, changes, note)."""
    now = demo.now
    u = demo.users
    T = Transfer.State
    rooms = plan.rooms
    settled = [p for p in plan.in_isolation if rooms[p.room].capacity == 1 and p.started_at < now - timedelta(days=1)]
    used: list[Plan] = []

    def pick(test) -> Plan:
        chosen = next(p for p in settled if p not in used and test(p.person, demo.people.age(p.person.birth_date)))
        used.append(chosen)
        return chosen

    def ago(minutes: int) -> datetime:
        return now - timedelta(minutes=minutes)

    specs = [
        (
            pick(lambda p, age: p.sex == "F" and 55 <= age <= 64),
            {
                "destination_type": Transfer.Destination.RELATIVES_HOSPITAL,
                "destination_name": "女儿所在方舱医院(床位待隔离办查询)",
                "destination_contact": "九龙坡区隔离办",
                "reason": STORY_REASON,
            },
            [(ago(25), u["zhanglu"], T.REQUESTED, {}, "")],
        ),
        (
            pick(lambda p, age: 35 <= age <= 67),
            {
                "urgency": Transfer.Urgency.URGENT,
                "destination_type": Transfer.Destination.HOSPITAL_VISIT,
                "destination_name": "九龙坡区人民医院急诊科",
                "reason": "胸闷、气短半小时,需急诊检查,检查后返回本房间。",
            },
            [(ago(8), u["liuyan"], T.REQUESTED, {}, "血氧95%,已电话联系急诊")],
        ),
        (
            pick(lambda p, age: p.category == Person.Category.SECONDARY_CONTACT),
            {
                "destination_type": Transfer.Destination.OTHER_SITE,
                "destination_name": "渝北区回兴隔离点",
                "destination_contact": "渝北区隔离办",
                "reason": "户籍地要求转回属地隔离点继续隔离。",
            },
            [
                (ago(150), u["wangfang"], T.REQUESTED, {}, ""),
                (ago(75), u["zhouning"], T.APPROVED, {}, "已报区隔离办"),
            ],
        ),
        (
            pick(lambda p, age: age >= 60),
            {
                "destination_type": Transfer.Destination.HOME,
                "destination_name": "九龙坡区杨家坪街道(居家隔离)",
                "destination_contact": "杨家坪街道社区卫生服务中心",
                "reason": "经街道和区隔离办同意,转为居家隔离,由家属照护。",
                "confirmed_with": "区隔离办 周韬",
                "vehicle_plate": "渝AD1234",
                "driver_name": "刘师傅",
                "driver_phone": demo.people.phone(),
                "escort": "郑伟",
                "planned_departure_at": now + timedelta(minutes=25),
            },
            [
                (ago(190), u["chenjie"], T.REQUESTED, {}, ""),
                (ago(160), u["zhouning"], T.APPROVED, {}, ""),
                (ago(20), u["zhengwei"], T.ARRANGED, {"vehicle_plate": "渝AD1234"}, "司机已到门口待命"),
            ],
        ),
        (
            pick(lambda p, age: age >= 70 and Person.Need.CHRONIC in p.special_needs),
            {
                "destination_type": Transfer.Destination.HOSPITAL_VISIT,
                "destination_name": "九龙坡区人民医院血液透析室",
                "destination_contact": "透析室护士站",
                "reason": "规律血液透析(每周三次),透析后返回本房间。",
                "confirmed_with": "透析室护士长",
                "vehicle_plate": "渝AF5678",
                "driver_name": "陈师傅",
                "driver_phone": demo.people.phone(),
                "escort": "吴刚",
                "planned_departure_at": ago(105),
                "departed_at": ago(100),
            },
            [
                (ago(260), u["wangfang"], T.REQUESTED, {}, ""),
                (ago(245), u["zhouning"], T.APPROVED, {}, ""),
                (ago(180), u["chenjie"], T.ARRANGED, {"vehicle_plate": "渝AF5678"}, ""),
                (ago(100), u["wugang"], T.DEPARTED, {}, ""),
            ],
        ),
    ]
    made = []
    for chosen, fields, steps in specs:
        first_at, first_by = steps[0][0], steps[0][1]
        last_at, last_by, state = steps[-1][0], steps[-1][1], steps[-1][2]
        transfer = Transfer(
            site=demo.site,
            person=chosen.person,
            room=rooms[chosen.room],
            state=state,
            created_at=first_at,
            requested_by=first_by,
            version=len(steps),
            updated_at=last_at,
            updated_by=last_by,
            **fields,
        )
        made.append((transfer, steps))
    return made
