"""Benchmark: what a disconnect costs as a server holds more games (server/rooms.py).

python-socketio's manager finds a leaving connection's rooms by copying and walking every room of the
process; server.rooms.IndexedManager keeps each connection's rooms. This builds both managers with N games of 6
seats (each seat in its own room, its seat's room and its game's room, as threatdeck's sockets join them), then
times a seat disconnecting and coming back, side by side in one run. Times are the best of 5 rounds (other
processes only add time). Run:

    .venv/bin/python bench/rooms.py

docs/benchmarks.md records the figures with the machine.
"""

from __future__ import annotations

import itertools
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import socketio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from server.rooms import IndexedManager  # noqa: E402

SEATS = 6


class Server:
    """What a manager asks of its server: new sids, and the packet class."""

    packet_class = socketio.packet.Packet

    def __init__(self) -> None:
        ids = itertools.count()
        self.eio = type("Eio", (), {"generate_id": staticmethod(lambda: f"s{next(ids)}")})()


def seat(m: Any, eio_sid: str, game: int, n: int) -> str:
    sid: str = m.connect(eio_sid, "/")
    m.enter_room(sid, "/", f"game:{game}:seat:{n}")
    m.enter_room(sid, "/", f"game:{game}")
    return sid


def per_disconnect(cls: type, games: int, cycles: int = 600) -> float:
    """Microseconds for one seat to disconnect and join again, with ``games`` games of 6 seats held."""
    m = cls()
    m.set_server(Server())
    sids = [(g, n, seat(m, f"e{g}-{n}", g, n)) for g in range(games) for n in range(SEATS)]
    start = time.perf_counter()
    for i in range(cycles):
        g, n, sid = sids[i % len(sids)]
        m.disconnect(sid, "/")
        sids[i % len(sids)] = (g, n, seat(m, f"x{i}", g, n))
    return (time.perf_counter() - start) / cycles * 1e6


def main() -> int:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    print(f"machine: {os.cpu_count()} CPUs, {cpu}, Python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"{'games':>6} {'python-socketio':>16} {'IndexedManager':>15}   (µs a disconnect and rejoin, best of 5)")
    for games in (10, 100, 500, 2000):
        plain = min(per_disconnect(socketio.Manager, games) for _ in range(5))
        indexed = min(per_disconnect(IndexedManager, games) for _ in range(5))
        print(f"{games:>6} {plain:>16.1f} {indexed:>15.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
