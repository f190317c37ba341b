"""Residents' requests (诉求): logged by anyone, worked by the group their kind is routed to.

Every group logs a request (a phone call from a room is the usual source)
and every group works the kinds routed to it, so the writes and reads live
here with the rooms and people; the general group's screens keep the ledger
(groups/general/requests.py). A request moves ``open`` → ``in_progress``
(who took it) → ``resolved`` (what was done) or ``declined`` (why); one
open longer than its urgency allows is overdue. Goods (medicine, supplies)
record their items, cost, source and the hand-over; a family's delivery is
disinfected before it is handed over.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from statistics import median

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rooms import handover
from rooms.models import DEFAULT_REQUEST_ROUTES, GROUP_CHOICES, Person, Request, RequestItem, RequestRoute, Room, Site
from rooms.reads import day_start
from rooms.roles import SITE_ROLES, NotInGroup, Role, has_role, roles_of
from rooms.services import ServiceError, audit, check_version, claim_form, touch
from site_ops import live
from site_ops.speedups.fixed_reads import FixedRead

# Every change to a request names this topic (the ledger's headline on the
# control screen and the general board) and its group's (that group's list).
REQUESTS = "requests"
# Anyone on the staff logs one.
LOG_ROLES = SITE_ROLES


def requests_topic(group: str) -> str:
    return f"requests.{group}"


def route_for(site: Site, kind: str) -> str:
    """The group that works this kind of request on this site: the site's route, else the default."""
    route = RequestRoute.objects.filter(site=site, kind=kind).values_list("group", flat=True).first()
    return route or DEFAULT_REQUEST_ROUTES.get(kind, Role.GENERAL)


def may_work(user, request: Request) -> bool:
    """The group it is routed to, and the site head, take, resolve and decline it."""
    return has_role(user, request.group, Role.SITE_HEAD)


def may_read(user, kind: str) -> bool:
    """Whether a user reads what a request of this kind asks for (medicine is health data)."""
    if kind not in Request.HEALTH_KINDS:
        return True
    return has_role(user, Role.MEDICAL, Role.SITE_HEAD, Role.GENERAL)


def require_may_work(user, request: Request) -> None:
    if not may_work(user, request):
        raise NotInGroup((request.group, Role.SITE_HEAD))


def _publish(request: Request) -> None:
    live.publish(
        site=request.site,
        rooms=[request.room_id],
        persons=[request.person_id] if request.person_id else [],
        topics=[REQUESTS, requests_topic(request.group)],
    )


def _locked(request: Request) -> Request:
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("site", "room", "person", "updated_by")
        .get(pk=request.pk)
    )


# What may be asked for a room with nobody in it.
FOR_AN_EMPTY_ROOM = (Request.Kind.REPAIR, Request.Kind.OTHER)


def request_log(
    *,
    site: Site,
    room: Room,
    by,
    kind: str,
    what: str,
    urgency: str = Request.Urgency.TODAY,
    via: str = Request.Via.PHONE,
    person: Person | None = None,
    token: str | None = None,
    at: datetime | None = None,
) -> Request:
    """Log what someone in a room asked for; it goes to its group's board at once."""
    if not has_role(by, *LOG_ROLES):
        raise NotInGroup(LOG_ROLES)
    what = (what or "").strip()
    if not what:
        raise ServiceError(_("Say what exactly is asked for."))
    if kind not in Request.Kind.values:
        raise ServiceError(_("Choose what kind of request it is."))
    if urgency not in Request.Urgency.values:
        raise ServiceError(_("Choose how urgent it is: urgent, today or when possible."))
    if via not in Request.Via.values:
        raise ServiceError(_("Choose who asked."))
    if room.site_id != site.pk:
        raise ServiceError(_("That room is not on this site."))
    with transaction.atomic():
        claim_form(token, by)
        if person is not None and not person.stays.open().filter(room=room).exists():
            raise ServiceError(_("%(name)s is not in room %(room)s now.") % {"name": person.name, "room": room.number})
        # A resident's need comes from someone in the room (away on a hospital visit keeps the bed); a repair
        # or anything else may be for an empty room.
        if person is None and kind not in FOR_AN_EMPTY_ROOM:
            residents = list(room.stays.open().select_related("person")[:2])
            if not residents:
                raise ServiceError(
                    _("Nobody is in room %(room)s now: log a resident's request on the room they are in.")
                    % {"room": room.number}
                )
            if len(residents) == 1:
                # The room's one resident asked: the ledger names them (a shared room's request stays the room's).
                person = residents[0].person
        now = at or timezone.now()
        request = Request.objects.create(
            site=site,
            room=room,
            person=person,
            kind=kind,
            urgency=urgency,
            what=what[:200],
            via=via,
            group=route_for(site, kind),
            requested_at=now,
            requested_by=by,
            due_at=now + Request.ALLOWED[urgency],
            updated_at=now,
            updated_by=by,
        )
        audit(
            site=site,
            by=by,
            action="request.log",
            obj=request,
            room=room,
            person=person,
            after={"kind": kind, "urgency": urgency, "group": request.group},
        )
        _publish(request)
    return request


def request_take(*, request: Request, by, version: int | None = None, token: str | None = None) -> Request:
    """Someone of its group takes it: it is in progress, and the board says who has it."""
    require_may_work(by, request)
    with transaction.atomic():
        claim_form(token, by)
        request = _locked(request)
        check_version(request, version)
        if request.status != Request.Status.OPEN:
            raise ServiceError(_already(request))
        request.status = Request.Status.IN_PROGRESS
        request.taken_at = timezone.now()
        request.taken_by = by
        touch(request, by)
        request.save()
        audit(site=request.site, by=by, action="request.take", obj=request, room=request.room, person=request.person)
        _publish(request)
    return request


def request_resolve(
    *,
    request: Request,
    by,
    outcome: str,
    items: list[tuple[str, Decimal, str]] = (),
    source: str = "",
    cost: Decimal | None = None,
    handed_to: str = "",
    goods_disinfected: bool = False,
    version: int | None = None,
    token: str | None = None,
) -> Request:
    """Say what was done; for goods, what was handed over, where it came from and what it cost."""
    require_may_work(by, request)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ServiceError(_("Say what was done."))
    if source and source not in Request.Source.values:
        raise ServiceError(_("Choose where the goods came from."))
    if cost is not None and cost < 0:
        raise ServiceError(_("The cost cannot be negative."))
    if any(quantity <= 0 for _name, quantity, _unit in items):
        raise ServiceError(_("Each item needs a quantity above zero."))
    with transaction.atomic():
        claim_form(token, by)
        request = _locked(request)
        check_version(request, version)
        if not request.is_open:
            raise ServiceError(_already(request))
        if source == Request.Source.FAMILY and not goods_disinfected:
            raise ServiceError(_("A family's delivery is disinfected before it is handed over: record that first."))
        if (items or source or cost is not None) and not request.is_goods:
            raise ServiceError(_("Only medicine and supplies requests record goods."))
        now = timezone.now()
        if request.taken_at is None:
            request.taken_at, request.taken_by = now, by
        request.status = Request.Status.RESOLVED
        request.closed_at, request.closed_by = now, by
        request.resolution = outcome[:300]
        request.source = source or request.source
        request.cost = cost
        request.handed_to = handed_to[:50]
        request.goods_disinfected = goods_disinfected
        touch(request, by)
        request.save()
        RequestItem.objects.bulk_create(
            RequestItem(request=request, name=name[:60], quantity=quantity, unit=unit[:10])
            for name, quantity, unit in items
        )
        audit(
            site=request.site,
            by=by,
            action="request.resolve",
            obj=request,
            room=request.room,
            person=request.person,
            after={
                "items": len(items),
                "source": request.source,
                "cost": str(cost) if cost is not None else "",
                "handed_to": request.handed_to,
            },
            note=request.resolution,
        )
        _publish(request)
    return request


def request_decline(*, request: Request, by, reason: str, version: int | None = None, token=None) -> Request:
    """It will not be done: say why (the person is told)."""
    require_may_work(by, request)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Say why the request is declined."))
    with transaction.atomic():
        claim_form(token, by)
        request = _locked(request)
        check_version(request, version)
        if not request.is_open:
            raise ServiceError(_already(request))
        request.status = Request.Status.DECLINED
        request.closed_at, request.closed_by = timezone.now(), by
        request.resolution = reason[:300]
        touch(request, by)
        request.save()
        audit(
            site=request.site,
            by=by,
            action="request.decline",
            obj=request,
            room=request.room,
            person=request.person,
            note=request.resolution,
        )
        _publish(request)
    return request


def request_delivery_arrived(*, request: Request, by, entry) -> None:
    """A family's delivery for this request came through the checkpoint (the caller's transaction).

    The request's goods are then a family delivery, to be disinfected before the hand-over.
    """
    request = _locked(request)
    if not request.is_open:
        raise ServiceError(_already(request))
    if not request.is_goods:
        raise ServiceError(_("Only medicine and supplies requests take a delivery."))
    request.source = Request.Source.FAMILY
    touch(request, by)
    request.save()
    audit(
        site=request.site,
        by=by,
        action="request.delivery",
        obj=request,
        room=request.room,
        person=request.person,
        after={"entry": entry.pk},
    )
    _publish(request)


def where(request: Request) -> str:
    """The room and, when one person asked, their name: "305 王秀英"."""
    return f"{request.room.number} {request.person.name}" if request.person_id else request.room.number


def _already(request: Request) -> str:
    return _("This request is already %(status)s.") % {"status": request.get_status_display()}


# --- reads --------------------------------------------------------------------


def _listed(requests) -> list[Request]:
    now = timezone.now()
    found = list(requests)
    for request in found:
        request.overdue = request.is_open and request.due_at < now
    return found


@live.shared_by_renders
def group_requests(site: Site, group: str) -> list[Request]:
    """A group's open requests, urgent first, then the oldest: one query."""
    return _listed(_group_requests(site.pk, group))


# Read by every broadcast of a request and every snapshot of a group's board: built once.
_group_requests = FixedRead(
    lambda site_id, group: (
        Request.objects.filter(site_id=site_id, group=group, status__in=Request.OPEN_STATUSES)
        .select_related("room", "person", "taken_by", "requested_by")
        .order_by(Request.urgency_rank(), "requested_at", "pk")
    ),
    lambda site_id, group: [
        group,
        site_id,
        *Request.OPEN_STATUSES,
        *(value for rank, urgency in enumerate(Request.Urgency.values) for value in (urgency, rank)),
        len(Request.Urgency.values),
    ],
)


def pressing_requests(site: Site, limit: int = 8) -> list[Request]:
    """For the site head: the open urgent or overdue requests of every group, oldest first: one query."""
    requests = (
        Request.objects.filter(site=site, status__in=Request.OPEN_STATUSES)
        .filter(Q(urgency=Request.Urgency.URGENT) | Q(due_at__lt=timezone.now()))
        .select_related("room", "person", "taken_by")
        .order_by("due_at", "pk")
    )
    return _listed(requests[:limit])


def record_requests(*, person: Person | None = None, room: Room | None = None) -> list[Request]:
    """A person's or a room's requests, newest first: one query."""
    requests = Request.objects.filter(person=person) if person is not None else Request.objects.filter(room=room)
    requests = requests.select_related("room", "person", "taken_by", "closed_by").order_by("-requested_at", "-pk")
    return _listed(requests[:50])


@live.shared_by_renders
def headline(site: Site, now: datetime | None = None) -> dict:
    """The ledger's headline: collected today and in all, resolved, open, overdue, median time to resolution.

    Two queries: the counts, and the resolved requests' times for the median.
    """
    now = now or timezone.now()
    start = day_start(now)
    open_ = Q(status__in=Request.OPEN_STATUSES)
    counts = Request.objects.filter(site=site).aggregate(
        total=Count("pk"),
        today=Count("pk", filter=Q(requested_at__gte=start)),
        resolved=Count("pk", filter=Q(status=Request.Status.RESOLVED)),
        declined=Count("pk", filter=Q(status=Request.Status.DECLINED)),
        open=Count("pk", filter=open_),
        overdue=Count("pk", filter=open_ & Q(due_at__lt=now)),
    )
    times = Request.objects.filter(site=site, status=Request.Status.RESOLVED, closed_at__isnull=False).values_list(
        "requested_at", "closed_at"
    )
    durations = [closed - requested for requested, closed in times]
    counts["median"] = median(durations) if durations else None
    counts["median_minutes"] = minutes(counts["median"])
    return counts


def minutes(duration: timedelta | None) -> int | None:
    return None if duration is None else round(duration.total_seconds() / 60)


def day_range(first_day, last_day) -> tuple[datetime, datetime]:
    """From midnight of the first day to midnight after the last."""
    return day_start(first_day), day_start(last_day + timedelta(days=1))


def ledger_totals(site: Site, first_day, last_day) -> dict:
    """The ledger of a period, per kind and per day: requests, resolved, items and money.

    The figures of the seeds' ledger (559 supply requests worth ¥22,901.70;
    57 boxes of medicine). Three queries whatever the period's length.
    """
    start, end = day_range(first_day, last_day)
    period = Request.objects.filter(site=site, requested_at__gte=start, requested_at__lt=end)
    resolved = Q(status=Request.Status.RESOLVED)
    by_kind = {
        row["kind"]: row
        for row in period.values("kind").annotate(
            requests=Count("pk"),
            resolved=Count("pk", filter=resolved),
            declined=Count("pk", filter=Q(status=Request.Status.DECLINED)),
            money=Sum("cost", filter=resolved),
        )
    }
    quantities = {}
    for row in (
        RequestItem.objects.filter(request__in=period.filter(resolved))
        .values("request__kind", "unit")
        .annotate(quantity=Sum("quantity"), lines=Count("pk"))
        .order_by("request__kind", "unit")
    ):
        quantities.setdefault(row["request__kind"], []).append(row)
    days = {}
    for requested_at, status, cost in period.values_list("requested_at", "status", "cost"):
        day = days.setdefault(timezone.localdate(requested_at), {"requests": 0, "resolved": 0, "money": Decimal(0)})
        day["requests"] += 1
        if status == Request.Status.RESOLVED:
            day["resolved"] += 1
            day["money"] += cost or 0
    kinds = []
    for value, label in Request.Kind.choices:
        row = by_kind.get(value, {})
        kinds.append(
            {
                "kind": value,
                "label": label,
                "requests": row.get("requests", 0),
                "resolved": row.get("resolved", 0),
                "declined": row.get("declined", 0),
                "money": row.get("money") or Decimal(0),
                "quantities": quantities.get(value, []),
            }
        )
    return {
        "kinds": kinds,
        "days": sorted(days.items()),
        "requests": sum(row["requests"] for row in kinds),
        "resolved": sum(row["resolved"] for row in kinds),
        "declined": sum(row["declined"] for row in kinds),
        "money": sum((row["money"] for row in kinds), Decimal(0)),
    }


# --- what a group leaves open at a shift change ------------------------------


def _open_for(group: str):
    def read(site, now) -> list[dict]:
        return [
            {"text": f"{where(request)} · {request.what}", "tag": request.urgency}
            for request in group_requests(site, group)
        ]

    return read


for _group, _label in GROUP_CHOICES:
    handover.register(
        _group,
        handover.OpenList("requests", gettext_lazy("Open requests"), _open_for(_group), dict(Request.Urgency.choices)),
    )


def group_of(user) -> list[str]:
    """The request groups a user works (their own groups; the site head all)."""
    roles = roles_of(user)
    if Role.SITE_HEAD in roles:
        return [value for value, _label in GROUP_CHOICES]
    return [value for value, _label in GROUP_CHOICES if value in roles]


# --- on the boards ---------------------------------------------------------------

TEMPLATE = "rooms/requests.html"


def group_list(site: Site, group: str) -> dict:
    """A group board's list of its open requests (one query)."""
    return {"requests": group_requests(site, group), "group": group}


def board_parts(site: Site, change, group: str) -> list:
    """The group's list, when a change touched its requests."""
    if requests_topic(group) in change.topics:
        return [(f"{TEMPLATE}#group-list", group_list(site, group))]
    return []


def clock_parts(site: Site, *, group: str | None = None, headline_too: bool = False, pressing: bool = False) -> list:
    """What time alone changes (a request becoming overdue), for the board clock: ``(id, template, context)``."""
    parts = []
    if group is not None:
        parts.append((f"requests-{group}", f"{TEMPLATE}#group-list", group_list(site, group)))
    if headline_too:
        parts.append(("request-headline", f"{TEMPLATE}#headline", {"request_headline": headline(site)}))
    if pressing:
        parts.append(("pressing-requests", f"{TEMPLATE}#pressing", {"pressing": pressing_requests(site)}))
    return parts


def headline_parts(site: Site, change, *, pressing: bool = False) -> list:
    """The ledger's headline (and the site head's pressing requests) when any request changed."""
    if REQUESTS not in change.topics:
        return []
    parts = [(f"{TEMPLATE}#headline", {"request_headline": headline(site)})]
    if pressing:
        parts.append((f"{TEMPLATE}#pressing", {"pressing": pressing_requests(site)}))
    return parts
