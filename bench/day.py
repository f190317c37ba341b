"""A site's day, replayed (``step: day``): every group acting through the real views while every board watches.

The site (bench/seed.py ``build_day``): 500 rooms, 240 people in isolation
and 60 expected, set up through the services; staff of every role; what the
day picks up from the night before (a sample collected, two rooms waiting
for terminal disinfection, an urgent transfer waiting for approval). 150
sockets: the control screen, and every group's board in both languages,
half of the tablets filtered to a floor as people use them.

The actions run one at a time, in the order of a day, with the gaps of a
real day divided by ``speed`` (20) and no gap shorter than what measuring
one action needs. Each is a real POST through the view its board's button
or page's form posts to, by a user of the acting group (a session of
theirs, the page's CSRF token; the htmx header for what the boards send
through htmx, none for the pages' plain forms, which answer with a
redirect). Per kind of action: the POST's time; from the POST to the
control screen's sockets and to the acting group's tablets, to the first
message each receives after it (``control_p99_ms``) and to the last message
of the action (``control_all_p99_ms``, the target's figure: the whole action
shown, where it goes out in more than one message; up to the POST's answer,
by which the server has sent it all, and 50 ms for the client); the server CPU, the queries and the bytes
pushed to all 150 sockets per action; and "lost": a control screen or a
tablet of the acting group that received nothing within 2 s.

The day: the morning health round, floor by floor (the round's page, a
form of a row per person); arrivals checked in; the sampling round floor by
floor; the transfer asked for in the night approved by the site head and
arranged at the general desk; a vacated room's terminal disinfection; the
lab's sheet of the morning's samples (an .xlsx, one positive) uploaded and
its results recorded (the positive's whole escalation: the seal, the
alert, the drafted transfer, the floor's spot disinfection); three meal
rounds with batch deliveries, routine disinfection, an incident and a
request between them; the transfer's departure and handover, and a second
terminal disinfection, in the afternoon.

``plan()`` is the day: one ``(kind, role, gap, make)`` entry per action,
``make`` returning the path and the form (and, for a page's plain form,
how it is sent: see ``Actor.post``). A step the page takes before the one
measured (uploading the sheet, which shows its preview and pushes nothing)
is posted and checked but not a row of its own.
"""

import asyncio
import io
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from bench import client
from bench.client import BoardSocket, Tracker, cookies_from, flash_levels, ms, percentile

# A busy moment's real gap between two actions on the site: five groups at
# work, one of them taps every 10 s (at 20x speed: half a second).
TAP_S = 10

BOARD_OF = {
    "site_head": "control",
    "general": "general",
    "medical": "medical",
    "catering": "catering",
    "disinfection": "disinfection",
    "security": "security",
}
# django.contrib.messages' level of an error, as a plain form's redirect carries it.
ERROR_LEVEL = 40
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The sockets of the day: (role, how many).
SOCKETS = (
    ("site_head", 10),
    ("general", 30),
    ("medical", 30),
    ("catering", 30),
    ("disinfection", 25),
    ("security", 25),
)


class Actor:
    """One user of a group posting through the real views."""

    def __init__(self, host: str, port: int, session: str, board_path: str):
        self.host, self.port, self.board_path = host, port, board_path
        self.cookies = {"sessionid": session}
        self.conn = client.HTTPConnection(host, port)

    def header(self) -> dict:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    async def ready(self):
        # The board page sets the CSRF cookie the page's requests carry.
        status, headers, _body, _ = await self.conn.request("GET", self.board_path, self.header())
        self.cookies.update(cookies_from(headers))
        if status != 200 or "csrftoken" not in self.cookies:
            raise RuntimeError(f"{self.board_path}: {status}, no CSRF cookie")

    async def post(self, path: str, form: dict, on_sent, how: dict) -> tuple[bool, int, float, list]:
        """POST as the page does: (done, status, seconds, response headers).

        A board's button or panel goes through htmx (the CSRF header, the
        htmx header) and is done when answered 200 or 204. A page's plain
        form (``how["plain"]``) carries the CSRF token in the form, and
        ``how["files"]`` as multipart; it is done when it redirects without
        an error message for the next page (a refusal redirects too).
        """
        headers = self.header()
        if how.get("plain"):
            form = {**form, "csrfmiddlewaretoken": self.cookies["csrftoken"]}
        else:
            headers.update({"X-CSRFToken": self.cookies["csrftoken"], "HX-Request": "true"})
        if how.get("files"):
            headers["Content-Type"], body = client.multipart(form, how["files"])
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urlencode(form, doseq=True).encode()
        status, answer, _b, sent = await self.conn.request("POST", path, headers, body, on_sent)
        elapsed = time.perf_counter() - sent
        plain = how.get("plain")
        done = (status == 302 and ERROR_LEVEL not in flash_levels(answer)) if plain else status in (200, 204)
        return done, status, elapsed, answer

    def close(self):
        self.conn.close()


def lab_sheet(lines: list[list[str]], reported: datetime) -> bytes:
    """The lab's result sheet as it sends it (an .xlsx, Chinese headers, a
    column the import does not read): a line per sample, by national ID."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["序号", "身份证号", "检测项目", "检测结果", "ORF1ab基因Ct值", "N基因Ct值", "报告时间"])
    for n, (national_id, result) in enumerate(lines, 1):
        positive = result == "positive"
        cts = (24.6, 26.3) if positive else ("未检出", "未检出")
        sheet.append([n, national_id, "新型冠状病毒核酸检测", "阳性" if positive else "阴性", *cts, reported])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def plan(day: dict, replies: dict | None = None) -> list[tuple[str, str, float, object]]:
    """The day's actions in order: (kind, acting role, real seconds since the one before, make).

    ``make()`` returns (path, form) or (path, form, how): see ``Actor.post``;
    ``how["setup"]``: a step of the page before the measured one, posted and
    checked but not measured. ``replies`` (kind -> the ``Location`` its last
    redirect gave) is how a later step finds what an earlier one made: the
    sheet's preview, whose "record the results" button is the next POST.
    """
    replies = {} if replies is None else replies
    zone = ZoneInfo(day["time_zone"])

    def now() -> datetime:
        # The server's local time: what the forms' dates and times are read in.
        return datetime.now(zone)

    def minute(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M")  # the datetime-local input's value

    today = now().date().isoformat()
    floors = day["floors"]
    actions = []

    def add(kind, role, gap, make):
        actions.append((kind, role, gap, make))

    # Real gaps are those of the day's busy moments (a bus of arrivals at
    # the desk, teams tapping "floor done"), not the quiet hours between them:
    # TAP_S between two taps, a minute before the lab's sheet.
    rows = [pk for pks in day["health_rounds"].values() for pk in pks]
    # One person feverish with a cough (an alert), one who did not answer the door.
    fever, missed = rows[len(rows) // 3], rows[2 * len(rows) // 3]
    for floor, people in day["health_rounds"].items():  # the morning health round, floor by floor
        form = {"day": today, "round": "am", "floor": floor}
        for pk in people:
            prefix = f"hc-{pk}"
            form.update({f"{prefix}-person": pk, f"{prefix}-version": 0, f"{prefix}-mood": "stable"})
            form[f"{prefix}-outcome"] = "missed" if pk == missed else "checked"
            form[f"{prefix}-temperature"] = "" if pk == missed else "37.9" if pk == fever else f"36.{pk % 8 + 2}"
            if pk == fever:
                form[f"{prefix}-symptoms"] = ["cough"]
        add(
            "health_round",
            "medical",
            TAP_S,
            lambda f=floor, form=form: (
                f"/medical/health-round/?floor={f}&round=am",
                {**form, "token": uuid.uuid4().hex},
                {"plain": True},
            ),
        )
    arrivals = iter(zip(day["arrivals"], day["free_rooms"], strict=False))
    for _ in range(5):  # arrivals and check-ins
        person, room = next(arrivals)
        add(
            "check_in",
            "general",
            TAP_S,
            lambda p=person, r=room: (
                f"/people/{p['pk']}/check-in/",
                {"version": p["version"], "room": r, "token": uuid.uuid4().hex},
            ),
        )
    for floor in day["sampled_floors"]:  # the sampling round, floor by floor
        add(
            "floor_collected",
            "medical",
            TAP_S,
            lambda f=floor: (f"/medical/floors/{f}/collected/", {"token": uuid.uuid4().hex}),
        )
    # The transfer asked for in the night, through every step: the site head
    # approves it on the control screen (the button's own token), the desk
    # confirms the bed and books the vehicle, the escort records the
    # departure and, back from the hospital, the handover.
    transfer = day["transfer"]

    def transfer_step(to: str, step: int, fields: dict):
        version = transfer["version"] + step
        token = f"{to}-{transfer['pk']}-{version}" if to == "approved" else uuid.uuid4().hex
        return f"/transfers/{transfer['pk']}/{to}/", {"version": version, "token": token, **fields}

    add("transfer_approve", "site_head", TAP_S, lambda: transfer_step("approved", 0, {}))
    # The two rooms vacated in the night: one in the morning, one in the afternoon.
    first_room, *other_rooms = day["terminal"]

    def terminal_done(task: dict):
        # A vacated room: sprayed at the terminal standard (chlorine, 1,000 mg/L, 30 minutes).
        return (
            f"/disinfection/tasks/{task['pk']}/done/",
            {
                "version": task["version"],
                "agent": day["agent"],
                "method": "spray",
                "concentration_mg_l": 1000,
                "contact_minutes": 30,
                "note": "",
                "token": uuid.uuid4().hex,
            },
        )

    add("terminal_disinfection", "disinfection", TAP_S, lambda: terminal_done(first_room))
    add(
        "transfer_arrange",
        "general",
        TAP_S,
        lambda: transfer_step(
            "arranged",
            1,
            {
                "destination_name": "重庆市公共卫生医疗救治中心",
                "destination_contact": "急诊科 023-65432100",
                "confirmed_with": "区隔离办 王主任",
                "vehicle_plate": "渝A·D1234",
                "driver_name": "李师傅",
                "driver_phone": "13800001234",
                "escort": "安保 张伟",
                "planned_departure_at": minute(now() + timedelta(minutes=40)),
                "note": "",
            },
        ),
    )
    # The lab's sheet of the morning's samples: uploaded (its preview), then
    # its results recorded from the preview's button.
    add(
        "lab_sheet",
        "medical",
        60,
        lambda: (
            "/medical/lab-results/",
            {},
            {
                "plain": True,
                "setup": True,
                "files": {
                    "sheet": (
                        f"核酸检测结果{today}.xlsx",
                        lab_sheet(day["lab_sheet"], (now() - timedelta(minutes=5)).replace(tzinfo=None)),
                        XLSX,
                    )
                },
            },
        ),
    )
    add(
        "lab_import",
        "medical",
        TAP_S,
        lambda: (
            # No preview (the upload failed): a path that fails, counted as an error.
            replies.get("lab_sheet", "/medical/lab-results/0/") + "apply/",
            {"token": uuid.uuid4().hex},
            {"plain": True},
        ),
    )
    for i, slot in enumerate(day["slots"]):  # three meal rounds, batch deliveries floor by floor
        for floor in range(1, 1 + min(floors, 2)):
            add(
                "meal_floor",
                "catering",
                TAP_S,
                lambda s=slot, f=floor: (
                    "/catering/floor/",
                    {"slot": s, "day": today, "floor": f, "token": uuid.uuid4().hex},
                ),
            )
        # Between the rounds: routine disinfection of a floor's corridor, an incident.
        routine = next(pk for pk, per_floor in day["routines"] if per_floor)
        add(
            "routine_disinfection",
            "disinfection",
            TAP_S,
            lambda r=routine, f=slot % floors + 1: (
                f"/disinfection/routine/{r}/done/?floor={f}",
                {
                    "agent": day["agent"],
                    "method": "wipe",
                    "concentration_mg_l": 500,
                    "contact_minutes": 30,
                    "token": uuid.uuid4().hex,
                },
            ),
        )
        number = day["room_numbers"][slot * 7 % len(day["room_numbers"])]
        add(
            "incident",
            "security",
            TAP_S,
            lambda n=number: (
                "/security/incidents/new/",
                {
                    "kind": "door_opened",
                    "severity": "medium",
                    "room": n,
                    "description": "房门打开，已劝回",
                    "token": uuid.uuid4().hex,
                },
            ),
        )
        # A phone call from a room someone is in: an urgent medicine request, logged at the general desk.
        number = day["occupied_numbers"][slot * 7 % len(day["occupied_numbers"])]
        add(
            "request_log",
            "general",
            TAP_S,
            lambda n=number: (
                "/requests/new/",
                {
                    "room": n,
                    "kind": "medicine",
                    "urgency": "urgent",
                    "via": "phone",
                    "what": "硝苯地平缓释片",
                    "token": uuid.uuid4().hex,
                },
            ),
        )
        if i == 0:  # after lunch the vehicle leaves with the escort
            add(
                "transfer_depart",
                "security",
                TAP_S,
                lambda: transfer_step("departed", 2, {"departed_at": minute(now()), "note": ""}),
            )
        elif i == 1:  # the escort is back: the handover confirmed; the other vacated room
            add(
                "transfer_complete",
                "security",
                TAP_S,
                lambda: transfer_step(
                    "completed", 3, {"handed_over_to": "急诊科 刘医生", "vehicle_disinfected": "on", "note": ""}
                ),
            )
            for task in other_rooms:
                add("terminal_disinfection", "disinfection", TAP_S, lambda t=task: terminal_done(t))
    return actions


async def run_day(host: str, port: int, day: dict, speed: float, stats, cpu_s) -> list[dict]:
    """Replay the day; one row per kind of action."""
    tracker = Tracker()
    sockets: dict[str, list[BoardSocket]] = {}
    origin = f"http://{host}:{port}"
    i = 0
    for role, count in SOCKETS:
        board = BOARD_OF[role]
        opened = []
        for n in range(count):
            lang = "en" if i % 2 else "zh-hans"
            floor = f"&floor={n % day['floors'] + 1}" if role != "site_head" and n % 2 else ""
            url = f"ws://{host}:{port}/ws/boards/{board}/?lang={lang}{floor}"
            session = day["sessions"][role][n % len(day["sessions"][role])]
            opened.append(BoardSocket(url, tracker, session, origin))
            i += 1
        sockets[role] = [await s for s in [socket.open() for socket in opened]]
    everyone = [s for group in sockets.values() for s in group]
    for socket in everyone:
        socket.log = []
    actors = {}
    for role in {role for _k, role, _g, _m in plan(day)}:
        actors[role] = Actor(host, port, day["sessions"][role][0], f"/{BOARD_OF[role]}/")
        await actors[role].ready()
    measured: dict[str, list[dict]] = {}
    replies: dict[str, str] = {}
    try:
        for kind, role, gap, make in plan(day, replies):
            await asyncio.sleep(max(0.3, gap / speed))
            path, form, *rest = make()
            how = rest[0] if rest else {}
            if how.get("setup"):
                done, _status, _s, answer = await actors[role].post(path, form, None, how)
                if done:
                    replies[kind] = dict(answer).get("location", "")
                continue
            await stats(reset=True)
            cpu_before = cpu_s()
            sent = [0.0]
            done, status, post_s, answer = await actors[role].post(
                path, form, lambda t, sent=sent: sent.__setitem__(0, t), how
            )
            if done and "location" in dict(answer):
                replies[kind] = dict(answer)["location"]
            watched = sockets["site_head"] + (sockets[role] if role != "site_head" else [])
            deadline = time.perf_counter() + 2.0
            while time.perf_counter() < deadline and not all(any(at >= sent[0] for at, _b in s.log) for s in watched):
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # what else the action sends (other boards) arrives
            cpu = cpu_s() - cpu_before
            probes = await stats()

            def first(s, since=sent[0]):
                return next((at - since for at, _b in s.log if at >= since), None)

            # A broadcast's sends are made before its request answers (the in-memory layer: each waits
            # for the sockets' loop), so the action's last message comes by its answer; a message after
            # that is another's (the board clock's, say), and 50 ms is left for the client to read.
            def last(s, since=sent[0], until=sent[0] + post_s + 0.05):
                return max((at - since for at, _b in s.log if since <= at <= until), default=None)

            measured.setdefault(kind, []).append(
                {
                    "done": done,
                    "status": status,
                    "post_s": post_s,
                    "control": [first(s) for s in sockets["site_head"]],
                    "group": [first(s) for s in sockets[role]] if role != "site_head" else [],
                    "control_all": [last(s) for s in sockets["site_head"]],
                    "group_all": [last(s) for s in sockets[role]] if role != "site_head" else [],
                    "cpu_s": cpu,
                    "queries": probes.get("queries", 0),
                    # The collector's longest pause meanwhile (an action's outlier).
                    "gc_max_s": max(probes.get(f"gc_gen{gen}_max_ms") or 0.0 for gen in range(3)) / 1000,
                    "gc_gen2": probes.get("gc_gen2_collections") or 0,
                    "bytes": sum(b for s in everyone for at, b in s.log if at >= sent[0]),
                }
            )
    finally:
        for actor in actors.values():
            actor.close()
        await asyncio.gather(*(s.close() for s in everyone))
    rows = []
    for kind, runs in measured.items():
        names = ("control", "group", "control_all", "group_all")
        control, group, control_all, group_all = ([t for r in runs for t in r[name] if t is not None] for name in names)
        lost = sum(t is None for r in runs for t in r["control"] + r["group"])
        rows.append(
            {
                "step": "day",
                "action": kind,
                "actions": len(runs),
                "sockets": len(everyone),
                "speed": speed,
                "post_errors": sum(not r["done"] for r in runs),
                "post_p50_ms": ms(percentile([r["post_s"] for r in runs], 50)),
                "post_p99_ms": ms(percentile([r["post_s"] for r in runs], 99)),
                "control_p50_ms": ms(percentile(control, 50)) if control else None,
                "control_p99_ms": ms(percentile(control, 99)) if control else None,
                "group_p50_ms": ms(percentile(group, 50)) if group else None,
                "group_p99_ms": ms(percentile(group, 99)) if group else None,
                "control_all_p99_ms": ms(percentile(control_all, 99)) if control_all else None,
                "group_all_p99_ms": ms(percentile(group_all, 99)) if group_all else None,
                "lost": lost,
                "cpu_ms_per_action": round(sum(r["cpu_s"] for r in runs) * 1000 / len(runs), 1),
                "queries_per_action": round(sum(r["queries"] for r in runs) / len(runs), 1),
                "pushed_kb_per_action": round(sum(r["bytes"] for r in runs) / 1024 / len(runs), 1),
                "gc_max_ms": ms(max(r["gc_max_s"] for r in runs)),
                "gc_gen2_collections": sum(r["gc_gen2"] for r in runs),
            }
        )
    return rows
