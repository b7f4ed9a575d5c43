"""Many tables made at once beside the games in play: what the players feel, second by second.

    .venv/bin/python bench/burst.py [--games 60] [--burst 100] [--rounds 3] [--tree DIR[,NAME=VALUE...] ...]
    .venv/bin/python bench/burst.py --tree .,THREATDECK_MAX_CREATIONS=1000000 --tree .    # without turns, and with

Starts ``threatdeck serve`` from each ``--tree`` (default: this checkout; as
bench/tables.py starts it) and plays ``--games`` games as bench/load.py does
(each table keeps its next game made and joined). ``--at`` seconds into the
measured window, ``--burst`` more tables are made at once, as when most of a
hundred games end together and their successors are made: each an upload, a
game, five more seats and six Socket.IO connections joining their seats, all
at the same moment. Those tables are not played.

Reports, for each second of the window, the moves sent in it and their p99
(from sending to the moment every seat of the game had the version: as
bench/load.py), and the burst's own times: from the burst's start to each
table made and joined (p50, p99, the last). With several trees the rounds
alternate between them, so the machine's noise falls on each alike. Nothing is
asserted.
"""

from __future__ import annotations

import load  # noqa: I001 - bench/load.py: gevent's monkey-patching first, the minimal client

import argparse  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

from tables import start_server, stop_servers  # noqa: E402


def variant(text: str) -> tuple[Path, dict[str, str]]:
    """``DIR[,NAME=VALUE...]``: a checkout, and the environment its server runs with."""
    tree, *settings = text.split(",")
    return Path(tree).resolve(), dict(s.split("=", 1) for s in settings)


def burst(url: str, tables: int, at: float, made: list[float], failed: list[str]) -> None:
    """Wait ``at`` seconds, then make ``tables`` tables at once; each one's time from the burst's start in ``made``."""
    gevent.sleep(at)
    began = time.perf_counter()

    def one() -> None:
        try:
            table = load.open_table(url, 6)
        except Exception as exc:  # noqa: BLE001 - counted and reported: a refusal is a result here
            failed.append(f"{type(exc).__name__}: {str(exc)[:80]}")
            return
        made.append(time.perf_counter() - began)
        for seat in table.seats:
            seat.sio.disconnect()

    gevent.joinall([gevent.spawn(one) for _ in range(tables)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=60, help="games in play (default 60)")
    parser.add_argument("--burst", type=int, default=100, help="tables made at once (default 100)")
    parser.add_argument("--at", type=float, default=3.0, help="seconds into the window the burst starts (default 3)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds (default 10)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds played before measuring (default 3)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per tree (default 3)")
    parser.add_argument("--tree", action="append",
                        help="checkout whose server runs, with environment variables to set for it after commas "
                             "(repeatable)")
    args = parser.parse_args()
    trees = [variant(t) for t in (args.tree or [str(load.ROOT)])]
    info = load.machine()
    print(f"machine: {info['nproc']} CPUs, {info['cpu']}, Python {info['python']}, {info['date']}; "
          f"{args.games} games in play, {args.burst} tables made at once {args.at:g} s into {args.seconds:g} s",
          flush=True)
    servers = []
    try:
        for tree, env in trees:
            proc, url = start_server(tree, Path(tempfile.mkdtemp(prefix="threatdeck-burst-")), env)
            label = " ".join([str(tree), *(f"{k}={v}" for k, v in env.items())])
            servers.append((label, proc, url))
        for r in range(args.rounds):
            for tree, proc, url in servers:
                made: list[float] = []
                failed: list[str] = []
                out: dict[str, Any] = load.run_games(
                    url, args.games, 6, args.seconds, args.warmup, f"round {r + 1} {tree}", proc.pid,
                    during=lambda: burst(url, args.burst, args.at, made, failed))
                print("  moves sent / p99 ms, per second: "
                      + "  ".join(f"{n}/{p99:.0f}" for n, p99 in out["seconds_p99"]), flush=True)
                print(f"  burst: {len(made)} of {args.burst} tables made and joined; from its start p50 "
                      f"{1000 * load.percentile(made, 50):.0f} ms, p99 {1000 * load.percentile(made, 99):.0f} ms, "
                      f"last {1000 * max(made, default=float('nan')):.0f} ms"
                      + (f"; {len(failed)} failed: {sorted(set(failed))[:3]}" if failed else ""), flush=True)
    finally:
        stop_servers([proc for _, proc, _ in servers])
    return 0


if __name__ == "__main__":
    sys.exit(main())
