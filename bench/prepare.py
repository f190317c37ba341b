"""Set up the benchmark's database, and measure what needs no server.

    python -m bench.prepare seed OUT.json      migrate and seed DATABASE_URL
    python -m bench.prepare measure OUT.json   step 1 (renders) and the per-update server work

Run by bench/run.py in its own process with the benchmark's environment
(production settings: DEBUG off, the database and channel layer it names).
"""

import json
import os
import statistics
import sys
import time
from functools import partial

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_ops.settings")
django.setup()

from asgiref.sync import async_to_sync  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import translation  # noqa: E402

from bench import seed  # noqa: E402
from rooms import services  # noqa: E402
from rooms.models import Room, Site  # noqa: E402
from site_ops import live  # noqa: E402
from site_ops.boards import BOARDS, Change  # noqa: E402


def timed(fn, repeat: int) -> tuple[float, int]:
    """Median seconds of `repeat` calls, and the queries of one call."""
    fn()  # warm: template loading, translation catalogues
    with CaptureQueriesContext(connection) as queries:
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(queries)


def measure_renders() -> list[dict]:
    rows = []
    for size in seed.SIZES:
        site = Site.objects.get(name=f"压测隔离点{size}")
        room = Room.objects.filter(site=site).first()
        change = Change(site_id=site.pk, rooms=frozenset({room.pk}))
        for key, board in BOARDS.items():
            with translation.override("zh-hans"):
                snapshot_s, snapshot_q = timed(partial(board.render_snapshot, site.pk, {}), 5 if size < 1000 else 3)
                change_s, change_q = timed(partial(board.render_change, change), 5)
                size_bytes = len(board.render_snapshot(site.pk, {}).encode())
            rows.append(
                {
                    "step": "render",
                    "board": key,
                    "rooms": size,
                    "snapshot_ms": round(snapshot_s * 1000, 2),
                    "snapshot_queries": snapshot_q,
                    "snapshot_kb": round(size_bytes / 1024, 1),
                    "change_ms": round(change_s * 1000, 2),
                    "change_queries": change_q,
                }
            )
    return rows


def measure_update_cost(updates: int = 40) -> dict:
    """Commit + render once per board and language + send, in one process, no sockets."""
    from django.contrib.auth.models import User

    site = Site.objects.get(name=f"压测隔离点{max(seed.SIZES)}")
    head = User.objects.get(username=f"head{max(seed.SIZES)}")
    # Someone has each board open in each language, as in the fan-out steps
    # (the layer skips boards nobody has open); the room pages are closed.
    layer = get_channel_layer()
    for key in BOARDS:
        for language in live.languages():
            channel = async_to_sync(layer.new_channel)()
            async_to_sync(layer.group_add)(live.broadcast_group(site.pk, key, language), channel)
    rooms = list(Room.objects.filter(site=site, status=Room.Status.AVAILABLE)[:updates])
    times, queries = [], []
    for warm in (True, False):
        for room in rooms:
            room.refresh_from_db()
            to = Room.Status.OUT_OF_SERVICE if room.status == Room.Status.AVAILABLE else Room.Status.AVAILABLE
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                services.room_move(room=room, to=to, by=head, version=room.version)
                elapsed = time.perf_counter() - start
            if not warm:
                times.append(elapsed)
                queries.append(len(captured))
    times.sort()
    return {
        "step": "update_cost",
        "updates": len(times),
        "median_ms": round(statistics.median(times) * 1000, 2),
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 2),
        "queries": statistics.median(queries),
    }


def main():
    command, out = sys.argv[1], sys.argv[2]
    if command == "seed":
        call_command("migrate", verbosity=0)
        # As in production: the static files collected (WhiteNoise warns otherwise).
        call_command("collectstatic", interactive=False, verbosity=0)
        result = seed.build(tablets=int(os.environ.get("BENCH_TABLETS", "500")))
        if os.environ.get("BENCH_DAY", "1") != "0":
            result["day"] = seed.build_day()
    else:
        result = {"renders": measure_renders(), "update_cost": measure_update_cost()}
    connection.close()
    with open(out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
