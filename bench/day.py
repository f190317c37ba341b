"""A site's day, replayed (``step: day``): every group acting through the real views while every board watches.

The site (bench/seed.py ``build_day``): 500 rooms, 240 people in isolation
and 60 expected, set up through the services; staff of every role. 150
sockets: the control screen, and every group's board in both languages,
half of the tablets filtered to a floor as people use them.

The actions run one at a time, in the order of a day, with the gaps of a
real day divided by ``speed`` (20) and no gap shorter than what measuring
one action needs. Each is a real POST through the view its board's button
posts to, by a user of the acting group (a session of theirs, the page's
CSRF token, the htmx header). Per kind of action: the POST's time; from the
POST to the control screen's sockets and to the acting group's tablets (the
first message each receives after it); the server CPU, the queries and the
bytes pushed to all 150 sockets per action; and "lost": a control screen or
a tablet of the acting group that received nothing within 2 s.

Not replayed yet (bench/README.md, round four): health rounds (a formset per
floor), terminal disinfection, the transfer's steps and the lab import
(the positive is entered as one result, which runs the same escalation).
Residents' requests are being built; ``ACTIONS`` takes them as one more
``(kind, role, make)`` entry each (``make`` returns the path and the form).
"""

import asyncio
import time
import uuid
from datetime import date

from bench import client
from bench.client import BoardSocket, Tracker, cookies_from, ms, percentile

BOARD_OF = {
    "site_head": "control",
    "general": "general",
    "medical": "medical",
    "catering": "catering",
    "disinfection": "disinfection",
    "security": "security",
}
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

    async def post(self, path: str, form: dict, on_sent) -> tuple[int, float]:
        from urllib.parse import urlencode

        headers = {
            **self.header(),
            "X-CSRFToken": self.cookies["csrftoken"],
            "HX-Request": "true",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        status, _h, _b, sent = await self.conn.request(
            "POST", path, headers, urlencode(form, doseq=True).encode(), on_sent
        )
        return status, time.perf_counter() - sent

    def close(self):
        self.conn.close()


def plan(day: dict) -> list[tuple[str, str, float, object]]:
    """The day's actions in order: (kind, acting role, real seconds since the one before, make)."""
    today = date.today().isoformat()
    floors = day["floors"]
    actions = []

    def add(kind, role, gap, make):
        actions.append((kind, role, gap, make))

    arrivals = iter(zip(day["arrivals"], day["free_rooms"], strict=False))
    # Real gaps are those of the day's busy moments (a bus of arrivals at
    # the desk, teams tapping "floor done"), not the quiet hours between them.
    for _ in range(5):  # arrivals and check-ins
        person, room = next(arrivals)
        add(
            "check_in",
            "general",
            20,
            lambda p=person, r=room: (
                f"/people/{p['pk']}/check-in/",
                {"version": p["version"], "room": r, "token": uuid.uuid4().hex},
            ),
        )
    for floor in range(1, 1 + min(floors, 5)):  # the sampling round, floor by floor
        add(
            "floor_collected",
            "medical",
            20,
            lambda f=floor: (f"/medical/floors/{f}/collected/", {"token": uuid.uuid4().hex}),
        )
    positive = day["positive"]
    add(
        "positive_result",
        "medical",
        60,
        lambda: (
            f"/medical/samples/{positive['pk']}/result/",
            {"version": positive["version"], "result": "positive", "token": uuid.uuid4().hex},
        ),
    )
    for slot in day["slots"]:  # three meal rounds, batch deliveries floor by floor
        for floor in range(1, 1 + min(floors, 2)):
            add(
                "meal_floor",
                "catering",
                20,
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
            20,
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
            20,
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
        # A phone call from a room: an urgent medicine request, logged at the general desk.
        add(
            "request_log",
            "general",
            20,
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
    try:
        for kind, role, gap, make in plan(day):
            await asyncio.sleep(max(0.3, gap / speed))
            path, form = make()
            await stats(reset=True)
            cpu_before = cpu_s()
            sent = [0.0]
            status, post_s = await actors[role].post(path, form, lambda t, sent=sent: sent.__setitem__(0, t))
            watched = sockets["site_head"] + (sockets[role] if role != "site_head" else [])
            deadline = time.perf_counter() + 2.0
            while time.perf_counter() < deadline and not all(any(at >= sent[0] for at, _b in s.log) for s in watched):
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)  # what else the action sends (other boards) arrives
            cpu = cpu_s() - cpu_before
            probes = await stats()

            def first(s, since=sent[0]):
                return next((at - since for at, _b in s.log if at >= since), None)

            measured.setdefault(kind, []).append(
                {
                    "status": status,
                    "post_s": post_s,
                    "control": [first(s) for s in sockets["site_head"]],
                    "group": [first(s) for s in sockets[role]] if role != "site_head" else [],
                    "cpu_s": cpu,
                    "queries": probes.get("queries", 0),
                    "bytes": sum(b for s in everyone for at, b in s.log if at >= sent[0]),
                }
            )
    finally:
        for actor in actors.values():
            actor.close()
        await asyncio.gather(*(s.close() for s in everyone))
    rows = []
    for kind, runs in measured.items():
        control = [t for r in runs for t in r["control"] if t is not None]
        group = [t for r in runs for t in r["group"] if t is not None]
        lost = sum(t is None for r in runs for t in r["control"] + r["group"])
        rows.append(
            {
                "step": "day",
                "action": kind,
                "actions": len(runs),
                "sockets": len(everyone),
                "speed": speed,
                "post_errors": sum(r["status"] not in (200, 204) for r in runs),
                "post_p50_ms": ms(percentile([r["post_s"] for r in runs], 50)),
                "post_p99_ms": ms(percentile([r["post_s"] for r in runs], 99)),
                "control_p50_ms": ms(percentile(control, 50)) if control else None,
                "control_p99_ms": ms(percentile(control, 99)) if control else None,
                "group_p50_ms": ms(percentile(group, 50)) if group else None,
                "group_p99_ms": ms(percentile(group, 99)) if group else None,
                "lost": lost,
                "cpu_ms_per_action": round(sum(r["cpu_s"] for r in runs) * 1000 / len(runs), 1),
                "queries_per_action": round(sum(r["queries"] for r in runs) / len(runs), 1),
                "pushed_kb_per_action": round(sum(r["bytes"] for r in runs) / 1024 / len(runs), 1),
            }
        )
    return rows
