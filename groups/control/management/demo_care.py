"""The demo's care ledger (关爱台账): plans for a few of the people with special
needs or of age, yesterday's and this morning's follow-ups, and one patient's
dialysis three times a week (its round trips are asked for by the scheduled
job, as on a real site). All synthetic.
"""

from datetime import time, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone, translation

from groups.control.management.demo import Demo
from groups.medical.care_models import CareFollowUp, CarePlan, HospitalVisitPlan, care_needs
from groups.transfers.models import Transfer
from rooms.models import AuditEvent, Person, Stay

N = Person.Need
# What a nurse writes for each need: (watch, bring, how to talk, meals and knocking).
PLANS = {
    N.HEARING: ("", "写字板和笔", "听障：写字交流，不要喊话", "敲门后稍等，门缝下塞纸条说明送餐"),
    N.SIGHT: ("防跌倒，地面保持干燥", "手电筒", "视障：进门前先出声报姓名", "餐盒放在桌上固定位置并告知"),
    N.CHRONIC: ("血压每日早晚各测一次", "降压药，按时服用", "说话慢一点，多确认", "少盐饮食"),
    N.ELDERLY: ("夜间起身有无头晕", "老花镜、保温杯", "说话慢一点，多确认", "饭菜软烂，送温水"),
    N.CHILD: ("体温、精神状态", "儿童退热贴", "先和家长说话", "儿童餐，饭菜切小块"),
    N.PREGNANT: ("胎动、血压，有无腹痛", "孕妇维生素", "语气温和，有事先打电话", "清淡营养餐，加一个鸡蛋"),
    N.MENTAL: ("情绪、睡眠，按时服药", "常用药由医疗组保管", "语气平和，不催促", "敲门后等回应再放餐"),
    N.DISABILITY: ("防跌倒", "助行器", "有事按铃，慢慢说", "送餐到桌上，不放门口地上"),
}
ASKED = ["睡得怎么样？", "吃得下饭吗？", "有没有哪里不舒服？", "药按时吃了吗？", "想家里人吗？"]


class CareDemo:
    def __init__(self, demo: Demo, stays: list[Stay]):
        self.demo = demo
        self.rng = demo.rng
        self.site = demo.site
        self.nurses = [demo.users["liuyan"], demo.users["huangmin"]]
        self.open = [stay for stay in stays if stay.ended_at is None]
        self.events: list[AuditEvent] = []

    def write(self) -> dict:
        with translation.override(settings.LANGUAGE_CODE):
            return self._write()

    def _write(self) -> dict:
        today, elderly_age = self.demo.today, self.site.elderly_age
        on_ledger = [stay for stay in self.open if care_needs(stay.person, today, elderly_age)]
        plans, follow_ups = [], []
        for i, stay in enumerate(on_ledger):
            person = stay.person
            needs = care_needs(person, today, elderly_age)
            if i < 8:
                watch, bring, talk, door = next((PLANS[need] for need in needs if need in PLANS), PLANS[N.ELDERLY])
                nurse = self.nurses[i % 2]
                plans.append(
                    CarePlan(
                        site=self.site,
                        person=person,
                        watch=watch,
                        bring=bring,
                        how_to_talk=talk,
                        door_note=door,
                        responsible=nurse,
                        updated_by=nurse,
                        updated_at=stay.started_at + timedelta(hours=2),
                    )
                )
            # Everyone was seen yesterday; two thirds of them already this morning.
            days = [today - timedelta(days=1)] + ([today] if i % 3 and self.demo.today_usable else [])
            for day in days:
                if day < timezone.localdate(stay.started_at):
                    continue
                nurse = self.rng.choice(self.nurses)
                at = self.demo.at(day, 9, self.rng.randint(0, 50))
                follow_up = CareFollowUp(
                    site=self.site,
                    person=person,
                    day=day,
                    temperature=Decimal(f"36.{self.rng.randint(2, 8)}"),
                    asked=self.rng.choice(ASKED),
                    warm=True,
                    covered=self.rng.random() > 0.1,
                    fed=self.rng.random() > 0.1,
                    by=nurse,
                    at=at,
                )
                follow_ups.append(follow_up)
        CarePlan.objects.bulk_create(plans)
        CareFollowUp.objects.bulk_create(follow_ups)
        for plan in plans:
            self.event(plan.updated_at, plan.updated_by, "care.plan", plan, plan.person, after={"watch": plan.watch})
        for follow_up in follow_ups:
            self.event(follow_up.at, follow_up.by, "care.follow_up", follow_up, follow_up.person)
        visits = self.dialysis(on_ledger)
        AuditEvent.objects.bulk_create(sorted(self.events, key=lambda event: event.at))
        return {"care_plans": len(plans), "care_follow_ups": len(follow_ups), "hospital_visits": visits}

    def dialysis(self, on_ledger: list[Stay]) -> int:
        """One patient with kidney failure goes to dialysis on Mondays, Wednesdays and Fridays."""
        busy = set(
            Transfer.objects.filter(site=self.site, state__in=Transfer.OPEN_STATES).values_list("person", flat=True)
        )
        stay = next((s for s in on_ledger if N.CHRONIC in s.person.special_needs and s.person_id not in busy), None)
        if stay is None:
            return 0
        person = stay.person
        person.special_needs = [*person.special_needs, N.DIALYSIS]
        Person.objects.filter(pk=person.pk).update(special_needs=person.special_needs)
        nurse = self.nurses[0]
        plan = HospitalVisitPlan.objects.create(
            site=self.site,
            person=person,
            weekdays=[0, 2, 4],
            leave_at=time(7, 0),
            hospital="九龙坡区人民医院血液净化中心",
            reason="血液透析",
            created_by=nurse,
            created_at=stay.started_at + timedelta(hours=3),
            updated_by=nurse,
        )
        self.event(plan.created_at, nurse, "care.visit_plan", plan, person, after={"hospital": plan.hospital})
        return 1

    def event(self, at, actor, action, obj, person, after=None):
        stay = next((s for s in self.open if s.person_id == person.pk), None)
        self.events.append(
            self.demo.audit_event(
                at,
                actor,
                action,
                person.name,
                obj._meta.model_name,
                obj.pk,
                stay.room if stay else None,
                person,
                None,
                after,
            )
        )
