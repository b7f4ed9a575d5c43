"""Benchmark: every socket drops at once and comes back (a proxy restart, a Wi-Fi blip in an office).

    .venv/bin/python bench/reconnect.py [--games 300] [--rounds 3] [--tree DIR ...]

Starts ``threatdeck serve`` (gevent, SQLite in a temporary folder, limits raised as in bench/load.py) from each
``--tree`` in turn (default: this checkout), seats ``--games`` started games of 6 seats on
examples/leejames-hr/before.yaml, then closes every socket at once and has each seat connect again and join
with its token. Reports, per round, how long until every seat had its view back (p50 / p99 / last, from the
moment the sockets were closed), and the server's CPU seconds from then until the last seat was back. With several trees the rounds
alternate between them, so the machine's noise falls on both. Nothing is asserted.
"""

from __future__ import annotations

import load  # noqa: I001 - bench/load.py: gevent's monkey-patching first, the minimal client, the server's launch

import argparse  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import gevent.pool  # noqa: E402
import requests  # noqa: E402
from tables import start_server  # noqa: E402


def seat_all(url: str, games: int) -> list[list[str]]:
    """``games`` started games: each game's seat tokens."""
    pool = gevent.pool.Pool(20)
    tables = pool.map(lambda _: load.new_game(url, 6)[1], range(games))
    return tables


def join(url: str, token: str) -> tuple[load.Wire, Any]:
    wire = load.Wire()
    wire.connect(url)
    ack = wire.call("join", {"token": token}, timeout=60)
    assert ack["ok"], ack
    return wire, ack


def round_(url: str, pid: int, tables: list[list[str]]) -> dict[str, float]:
    pool = gevent.pool.Pool(200)
    wires = pool.map(lambda token: join(url, token)[0], [t for table in tables for t in table])
    for table_start in range(0, len(wires), 6):  # the facilitator starts: views with hands and moves
        ack = wires[table_start].call("start", {"client_id": f"start{time.monotonic_ns()}"}, timeout=60)
        assert ack["ok"] or ack["error"]["code"] in ("already_started", "wrong_phase"), ack
    load.settle_client_heap()
    cpu0, mine0 = load.cpu_seconds(pid), load.cpu_seconds(os.getpid())
    t0 = time.perf_counter()
    for wire in wires:  # every socket at once, as a proxy restart closes them
        try:
            wire.ws.close()
        except Exception:  # noqa: BLE001 - already closed
            pass
    back: list[float] = []

    def again(token: str) -> None:
        wire, _ = join(url, token)
        back.append(time.perf_counter() - t0)
        wire.disconnect()

    pool.map(again, [t for table in tables for t in table])
    cpu, mine = load.cpu_seconds(pid) - cpu0, load.cpu_seconds(os.getpid()) - mine0
    return {"client_cpu_s": mine, "p50_ms": 1000 * load.percentile(back, 50), "p99_ms": 1000 * load.percentile(back, 99),
            "last_ms": 1000 * max(back), "server_cpu_s": cpu, "seats": len(back)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=300, help="games of 6 seats (default 300)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per tree (default 3)")
    parser.add_argument("--tree", type=Path, action="append", help="checkout whose server runs (repeatable)")
    args = parser.parse_args()
    trees = [t.resolve() for t in (args.tree or [load.ROOT])]
    info = load.machine()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, {info['date']}; "
          f"{args.games} games x 6 seats", flush=True)
    servers = []
    for tree in trees:
        work = Path(tempfile.mkdtemp(prefix="threatdeck-reconnect-"))
        proc, url = start_server(tree, work)
        servers.append((tree, proc, url, seat_all(url, args.games)))
    try:
        for r in range(args.rounds):
            for tree, proc, url, tables in servers:
                out = round_(url, proc.pid, tables)
                print(f"round {r + 1} {str(tree):<28} {out['seats']} seats back: p50 {out['p50_ms']:8.1f} ms  "
                      f"p99 {out['p99_ms']:8.1f} ms  last {out['last_ms']:8.1f} ms  "
                      f"CPU: server {out['server_cpu_s']:.2f} s, client {out['client_cpu_s']:.2f} s", flush=True)
    finally:
        for _, proc, _, _ in servers:
            proc.terminate()
            proc.wait(10)
    return 0


if __name__ == "__main__":
    requests.packages.urllib3.disable_warnings()
    sys.exit(main())
