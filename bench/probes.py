"""What the benchmark's server counts while it runs: collector pauses, queries, renders.

Installed by bench/asgi.py in the server process; read and reset over HTTP
(``/bench/stats/``). Each probe is a counter bumped where the thing happens,
cheap enough (a function call) not to move the figures it sits beside.
"""

import gc
import threading
import time

from django.db.backends.signals import connection_created

from site_ops import live
from site_ops.speedups import frames

_lock = threading.Lock()
_pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
_started: list[float] = [0.0]
_queries = [0]
peer_renders = [0]
_snapshot_base = [0]
_merged_base = [0]
_frames_base = [0]
_frozen: list[int] = []


def _on_gc(phase, info):
    if phase == "start":
        _started[0] = time.perf_counter()
    else:
        _pauses[info["generation"]].append(time.perf_counter() - _started[0])


def _count(execute, sql, params, many, context):
    _queries[0] += 1
    return execute(sql, params, many, context)


def _on_connection(sender, connection, **kwargs):
    # A pooled connection opened again is the same wrapper: count it once.
    if _count not in connection.execute_wrappers:
        connection.execute_wrappers.append(_count)


def install():
    gc.callbacks.append(_on_gc)
    connection_created.connect(_on_connection, weak=False)
    # The connections the application opened already (the pool) count from now.
    from django.db import connections

    for conn in connections.all(initialized_only=True):
        _on_connection(None, conn)


def reset():
    with _lock:
        for pauses in _pauses.values():
            pauses.clear()
        _queries[0] = 0
        peer_renders[0] = 0
        _snapshot_base[0] = live.snapshots.renders
        _merged_base[0] = live.broadcasts.merged
        _frames_base[0] = frames.written


def figures() -> dict:
    out = {"queries": _queries[0], "snapshot_renders": live.snapshots.renders - _snapshot_base[0]}
    out["peer_renders"] = peer_renders[0]
    # Changes that went out in another change's broadcast (site_ops.live.Broadcasts).
    out["merged_changes"] = live.broadcasts.merged - _merged_base[0]
    # Fragments the layer wrote straight to the sockets' connections (site_ops/speedups/frames.py).
    out["direct_frames"] = frames.written - _frames_base[0]
    for generation, pauses in _pauses.items():
        ordered = sorted(pauses)
        out[f"gc_gen{generation}_collections"] = len(ordered)
        out[f"gc_gen{generation}_max_ms"] = round(ordered[-1] * 1000, 2) if ordered else 0.0
        out[f"gc_gen{generation}_total_ms"] = round(sum(ordered) * 1000, 2)
        out[f"gc_gen{generation}_p50_ms"] = round(ordered[len(ordered) // 2] * 1000, 2) if ordered else 0.0
    # Counting the frozen objects walks them all (tens of ms, the loop
    # blocked before every action): counted once, they change no more.
    if not _frozen:
        _frozen.append(gc.get_freeze_count())
    out["gc_frozen_objects"] = _frozen[0]
    out["gc_thresholds"] = list(gc.get_threshold())
    return out


install()
