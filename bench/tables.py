"""What making one table costs the server, in CPU time, step by step.

    .venv/bin/python bench/tables.py [--tables 100] [--rounds 3] [--tree DIR ...]
    .venv/bin/python bench/tables.py --url http://127.0.0.1:8000 --pid PID    # a running server (e.g. profiled)

A table is what ``bench/load.py`` keeps ready for each of its games, made as
the lobby makes it: an upload (``POST /api/architectures``, the HR example),
a game on it (``POST /api/games``), five more seats (``POST
/api/games/<id>/seats``), then six Socket.IO connections, each joining its
seat with its token (the answer carries the seat's first view), and the
facilitator's ``start`` (the deal: every seat's first view in play); then the
sockets close (``leave``, as when a game of bench/load.py ends).

Starts ``threatdeck serve`` (gevent, SQLite in a temporary folder, limits raised
as in bench/load.py) from each ``--tree`` (default: this checkout) and makes
the tables one at a time, every step alone on the server, reading the server
process's CPU clock (all its threads, parse threads included, in nanoseconds)
before the step is sent and once it is answered (for ``start``: once every seat
has the update; for ``leave``, 50 ms after the sockets closed). Wall time would count whatever else runs on the machine;
CPU time counts only the server's work, though a busy machine still slows it
somewhat (caches, frequency). With several trees, the rounds alternate between
them, so the machine's changes fall on each alike.

Reports, per tree, the mean CPU per table of each step (the seats' steps summed
over the table), the mean and median of a table's whole cost, and the client's
wall time per table. Nothing is asserted.
"""

from __future__ import annotations

import load  # noqa: I001 - bench/load.py: gevent's monkey-patching first, the minimal client

import argparse  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import requests  # noqa: E402

STEPS = ("upload", "create", "seats", "connect", "join", "start", "leave")
"""A table's steps, in order; ``seats``, ``connect`` and ``join`` are summed over the table's seats."""
SETTLE = 0.05
"""Seconds given the server, after the sockets close, to see them go (``leave``): its work then is not the next
table's."""


def cpu_clock(pid: int) -> int:
    """The id of ``pid``'s process-wide CPU clock (Linux: every thread of it, living or gone, in ns)."""
    return ((~pid) << 3) | 2  # MAKE_PROCESS_CPUCLOCK(pid, CPUCLOCK_SCHED)


def start_server(tree: Path, work: Path, extra_env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """``threatdeck serve`` from ``tree``: gevent, SQLite in ``work``, rate limits raised as in bench/load.py."""
    port = load.free_port()
    env = dict(os.environ, PYTHONWARNINGS="ignore::DeprecationWarning", THREATDECK_RATE_EVENTS_BURST="1000000",
               THREATDECK_RATE_HTTP_BURST="1000000", THREATDECK_RATE_CREATE_BURST="1000000",
               THREATDECK_MAX_CONNECTIONS_PER_IP="100000", **(extra_env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--async-mode",
                             "gevent", "--data-dir", str(work), "--log-level", "WARNING"], cwd=tree, env=env,
                            stdout=subprocess.DEVNULL, stderr=open(work / "server.log", "wb"))
    url = f"http://127.0.0.1:{port}"
    load.wait_ready(url + "/api/health", proc)
    return proc, url


def stop_servers(procs: list[subprocess.Popen[bytes]]) -> None:
    """Stop every server started (each given time to close its games; a busy machine slows that down)."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


class Meter:
    """The server's CPU nanoseconds spent in each step, summed per step over one table."""

    def __init__(self, pid: int) -> None:
        self.clock = cpu_clock(pid)
        self.spent: dict[str, int] = dict.fromkeys(STEPS, 0)

    def step(self, name: str, work: Callable[[], Any]) -> Any:
        before = time.clock_gettime_ns(self.clock)
        value = work()
        self.spent[name] += time.clock_gettime_ns(self.clock) - before
        return value


def table(url: str, pid: int, http: requests.Session) -> tuple[dict[str, int], float]:
    """Make, seat, join and start one table; the server's CPU ns per step, and the client's wall seconds."""
    meter = Meter(pid)
    began = time.perf_counter()
    doc = load.FIXTURE.read_bytes()
    up = meter.step("upload", lambda: http.post(f"{url}/api/architectures", data=doc,
                                                headers={"Content-Type": "application/yaml"}, timeout=30))
    up.raise_for_status()
    made = meter.step("create", lambda: http.post(f"{url}/api/games", timeout=30, json={
        "architecture": up.json()["id"], "name": load.NAMES[0], "seats": 6, "timing": load.NO_TIMEOUTS}))
    made.raise_for_status()
    game_id, tokens = made.json()["game_id"], [made.json()["facilitator"]["token"]]
    for name in load.NAMES[1:6]:
        seat = meter.step("seats", lambda: http.post(f"{url}/api/games/{game_id}/seats", json={"name": name},
                                                     timeout=30))
        seat.raise_for_status()
        tokens.append(seat.json()["token"])
    wires = []
    started = gevent.event.Event()
    have: set[int] = set()
    for seat_no, token in enumerate(tokens):
        wire = load.Wire()

        def on_update(_data: dict[str, Any], seat_no: int = seat_no) -> None:
            # Nothing changes the game after the joins but the start: any update is the deal.
            have.add(seat_no)
            if len(have) == len(tokens):
                started.set()

        wire.on("update", on_update)
        meter.step("connect", lambda: wire.connect(url))
        ack = meter.step("join", lambda: wire.call("join", {"token": token}, timeout=30))
        assert ack["ok"], ack
        wires.append(wire)

    def start() -> None:
        ack = wires[0].call("start", {"client_id": "start"}, timeout=30)
        assert ack["ok"], ack
        if not started.wait(30):
            raise RuntimeError("the seats were not all sent the deal")

    meter.step("start", start)
    wall = time.perf_counter() - began

    def leave() -> None:
        for wire in wires:
            wire.disconnect()
        gevent.sleep(SETTLE)

    meter.step("leave", leave)
    return meter.spent, wall


def report(tree: Path, spent: list[dict[str, int]], walls: list[float]) -> None:
    n = len(spent)
    means = {s: statistics.fmean(t[s] for t in spent) / 1e6 for s in STEPS}
    totals = [sum(t[s] for s in STEPS if s not in ("start", "leave")) / 1e6 for t in spent]
    print(f"{str(tree):<40} {n} tables: CPU ms a table: "
          + "  ".join(f"{s} {means[s]:.2f}" for s in STEPS)
          + f"  | made and joined (without start): mean {statistics.fmean(totals):.2f}, "
            f"median {statistics.median(totals):.2f}  | client wall {1000 * statistics.fmean(walls):.1f} ms",
          flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tables", type=int, default=100, help="tables per round (default 100)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per tree (default 3)")
    parser.add_argument("--warmup", type=int, default=10, help="tables made first on each server, not counted")
    parser.add_argument("--tree", type=Path, action="append", help="checkout whose server runs (repeatable)")
    parser.add_argument("--url", help="measure this running server instead (e.g. under a profiler); needs --pid")
    parser.add_argument("--pid", type=int, help="with --url: the server's process id, whose CPU clock is read")
    args = parser.parse_args()
    if args.url:
        http = requests.Session()
        this = [table(args.url, args.pid, http) for _ in range(args.tables * args.rounds)]
        report(Path(args.url), [s for s, _ in this], [w for _, w in this])
        return 0
    trees = [t.resolve() for t in (args.tree or [load.ROOT])]
    info = load.machine()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, {info['date']}; "
          f"tables of 6 seats on {load.FIXTURE.relative_to(load.ROOT)}", flush=True)
    servers = []
    try:
        for tree in trees:
            proc, url = start_server(tree, Path(tempfile.mkdtemp(prefix="threatdeck-tables-")))
            http = requests.Session()
            servers.append((tree, proc, url, http))
            for _ in range(args.warmup):
                table(url, proc.pid, http)
        every: dict[Path, tuple[list[dict[str, int]], list[float]]] = {t: ([], []) for t in trees}
        for r in range(args.rounds):
            for tree, proc, url, http in servers:
                spent, walls = every[tree]
                this = [table(url, proc.pid, http) for _ in range(args.tables)]
                spent.extend(s for s, _ in this)
                walls.extend(w for _, w in this)
                print(f"round {r + 1}: ", end="")
                report(tree, [s for s, _ in this], [w for _, w in this])
        print("all rounds:")
        for tree in trees:
            report(tree, *every[tree])
    finally:
        stop_servers([proc for _, proc, _, _ in servers])
    return 0


if __name__ == "__main__":
    sys.exit(main())
