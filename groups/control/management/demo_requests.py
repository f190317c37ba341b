"""The demo site's residents' requests: yesterday's and today's, of every kind.

Most are resolved (with the goods handed over, their source and cost), some
declined, a few open or in progress, one urgent medicine still open and one
overdue. Written directly, dated earlier, with their audit events, as the
request services (rooms.requests) would have written them.
"""

from datetime import timedelta
from decimal import Decimal

from groups.control.management.demo import Demo
from rooms.models import DEFAULT_REQUEST_ROUTES, AuditEvent, Request, RequestItem, Stay

# (kind, urgency, what, [(item, quantity, unit)], source, cost, outcome) — outcome None: still open.
ASKED = [
    (
        Request.Kind.MEDICINE,
        "today",
        "布洛芬缓释胶囊",
        [("布洛芬缓释胶囊", 1, "盒")],
        "pharmacy",
        "18.50",
        "已送到房门口",
    ),
    (
        Request.Kind.MEDICINE,
        "urgent",
        "硝苯地平缓释片（降压药吃完了）",
        [("硝苯地平缓释片", 2, "盒")],
        "pharmacy",
        "46.00",
        "跑了三家药店买到，已送达",
    ),
    (Request.Kind.SUPPLIES, "today", "卫生纸、牙膏", [("卫生纸", 1, "提"), ("牙膏", 1, "支")], "stock", None, "已送达"),
    (
        Request.Kind.SUPPLIES,
        "when_possible",
        "孩子的尿不湿 L 码",
        [("尿不湿 L码", 1, "包")],
        "family",
        None,
        "家属送到卡口，消毒后送达",
    ),
    (Request.Kind.SUPPLIES, "today", "充电线（安卓）", [("充电线", 1, "根")], "donation", None, "爱心捐赠物资中取用"),
    (Request.Kind.MEAL, "today", "不吃辣，午饭换清淡的", [], "", None, "已告知厨房，晚餐起换清淡"),
    (Request.Kind.EMOTIONAL, "today", "睡不着，心里慌", [], "", None, "医生电话疏导二十分钟，明早回访"),
    (Request.Kind.REPAIR, "today", "卫生间水龙头漏水", [], "", None, "维修师傅已换阀芯"),
    (Request.Kind.FAMILY, "when_possible", "想和住院的母亲视频", [], "", None, "联系医院，下午四点视频"),
    (Request.Kind.SUPPLIES, "today", "方便面", [], "", None, None),
    (
        Request.Kind.OTHER,
        "when_possible",
        "想要几本书",
        [],
        "",
        None,
        "不能提供纸质书，已推荐电子书",
    ),
    (Request.Kind.MEDICINE, "today", "复方甘草片", [("复方甘草片", 1, "瓶")], "stock", "6.80", "已送达"),
    (Request.Kind.SUPPLIES, "today", "电热水壶坏了，换一个", [("电热水壶", 1, "个")], "stock", "59.00", "已更换"),
    (Request.Kind.MEDICINE, "urgent", "氯雷他定片（皮肤过敏）", [], "", None, None),
    (Request.Kind.REPAIR, "today", "空调不制热", [], "", None, None),
    (Request.Kind.MEAL, "today", "早餐想要鸡蛋羹", [], "", None, None),
    (Request.Kind.SUPPLIES, "when_possible", "晾衣架", [("晾衣架", 5, "个")], "stock", "15.00", "已送达"),
]
# The declined one (index) and the one in progress.
DECLINED = {10}
IN_PROGRESS = {14}


def write_requests(demo: Demo, stays: list[Stay]) -> int:
    site = demo.site
    general = demo.general
    handlers = {
        "general": [demo.users[name] for name in ("zhanglu", "wangfang", "chenjie")],
        "medical": [demo.users[name] for name in ("liuyan", "huangmin")],
        "catering": [demo.users[name] for name in ("hemei", "luoping")],
    }
    asking = demo.rng.sample(stays, min(len(stays), len(ASKED)))
    events = []
    written = 0
    for index, (stay, (kind, urgency, what, items, source, cost, outcome)) in enumerate(
        zip(asking, ASKED, strict=False)
    ):
        yesterday = index < 9
        day = demo.today - timedelta(days=1) if yesterday or not demo.today_usable else demo.today
        asked = demo.at(day, 8 + index % 12, (index * 17) % 60)
        group = DEFAULT_REQUEST_ROUTES[kind]
        by = general()
        request = Request(
            site=site,
            room=stay.room,
            person=stay.person,
            kind=kind,
            urgency=urgency,
            what=what,
            via=Request.Via.PHONE,
            group=group,
            requested_at=asked,
            requested_by=by,
            due_at=asked + Request.ALLOWED[urgency],
            updated_at=asked,
            updated_by=by,
        )
        handler = demo.rng.choice(handlers[group])
        if outcome is not None:
            closed = min(asked + timedelta(minutes=demo.rng.randint(20, 180)), demo.now - timedelta(minutes=5))
            request.status = Request.Status.DECLINED if index in DECLINED else Request.Status.RESOLVED
            request.taken_at = request.closed_at = closed
            request.taken_by = request.closed_by = handler
            request.resolution = outcome
            request.source = source
            request.cost = Decimal(cost) if cost else None
            request.goods_disinfected = source == "family"
            request.handed_to = stay.person.name if items else ""
            request.updated_at, request.updated_by = closed, handler
        elif index in IN_PROGRESS:
            request.status = Request.Status.IN_PROGRESS
            request.taken_at = asked + timedelta(minutes=10)
            request.taken_by = handler
        request.save()
        written += 1
        RequestItem.objects.bulk_create(
            RequestItem(request=request, name=name, quantity=quantity, unit=unit) for name, quantity, unit in items
        )
        common = {"room": stay.room, "person": stay.person}
        label = str(request)
        events.append(
            demo.audit_event(
                asked,
                by,
                "request.log",
                label,
                "request",
                request.pk,
                after={"kind": kind, "urgency": urgency, "group": group},
                **common,
            )
        )
        if request.closed_at:
            action = "request.decline" if request.status == Request.Status.DECLINED else "request.resolve"
            events.append(
                demo.audit_event(
                    request.closed_at, handler, action, label, "request", request.pk, note=outcome, **common
                )
            )
    AuditEvent.objects.bulk_create(events)
    return written
