"""Benchmark: how long other players wait while the server parses one large file.

Starts the real server (``threatdeck serve``, gevent, SQLite in a temporary folder) and, while one client
sends a large file, two others keep asking something cheap and frequent: ``GET /api/health`` back to back on
one HTTP connection, and ``sync`` over the Socket.IO connection of a seat of a game (its whole view). Two
large requests are measured, each several times:

* ``POST /api/architectures`` of a CloudFormation template in JSON of just under the upload limit (functions,
  roles and tables, bench/import_memory.py's; cfn-lint's decoder reads it);
* ``POST /api/games`` with ``previous``, the JSON export of the largest game the server plays (every text at its
  limit, every card that fits holding: tests/exports/test_export_size.py's), read back and re-checked.

Reported for each: the large request's own time, the longest gap between two answers to the cheap requests
while it ran, and how many they got meanwhile; then the time of a small upload (the HR fixture) on an idle
server, median of 50. With ``--base DIR`` (a checkout of other code, e.g. ``git worktree add --detach DIR
main``) the same runs go against a server started from DIR too, alternating, so both are measured on the same
machine at the same time. Nothing is asserted. Run:

    .venv/bin/python bench/upload_stall.py [--base DIR] [--rounds 3]

docs/benchmarks.md records the figures with the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests" / "exports")]

from import_memory import cloudformation, largest_under  # noqa: E402

from server.client import SeatClient  # noqa: E402

HR = (ROOT / "tests" / "server" / "fixtures" / "hr.yaml").read_bytes()
OPEN = {"THREATDECK_RATE_HTTP_BURST": "1000000", "THREATDECK_RATE_CREATE_BURST": "1000000",
        "THREATDECK_RATE_EVENTS_BURST": "1000000", "PYTHONWARNINGS": "ignore::DeprecationWarning",
        "THREATDECK_MAX_COMPONENTS": "5000", "THREATDECK_MAX_FLOWS": "20000"}
"""The rate limits out of the way (the cheap requests are far more than a person sends), and games as large as
the template (1,620 components: refused at the default 500, after the same parse)."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``threatdeck serve`` from one checkout, in a subprocess."""

    def __init__(self, root: Path, label: str, workdir: Path) -> None:
        self.root, self.label = root, label
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        folder = workdir / label
        folder.mkdir()
        self.log = open(folder / "server.log", "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port), "--async-mode", "gevent",
             "--database", f"sqlite:///{folder / 'threatdeck.db'}", "--data-dir", str(folder)],
            cwd=root, env=dict(os.environ, **OPEN), stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the {label} server exited; see {folder / 'server.log'}")
            try:
                if requests.get(self.url + "/api/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise SystemExit(f"the {label} server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


class Poller(threading.Thread):
    """Asks one cheap thing again as soon as it is answered; keeps when each answer came."""

    def __init__(self, ask: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.ask = ask
        self.answers: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.ask()
            self.answers.append(time.perf_counter())

    def during(self, start: float, end: float) -> tuple[float, int]:
        """The longest wait for an answer between ``start`` and ``end`` (from the last answer before, or from
        ``start``, to the next answer), and how many answers came in between."""
        times = [start] + [t for t in self.answers if start < t < end]
        after = next((t for t in self.answers if t >= end), end)
        times.append(after)
        gaps = [b - a for a, b in zip(times, times[1:])]
        return max(gaps), len(times) - 2


def seated_game(url: str) -> SeatClient:
    """A game in setup with its facilitator connected: the seat whose ``sync`` is timed."""
    r = requests.post(url + "/api/architectures", data=HR, headers={"Content-Type": "application/yaml"}, timeout=30)
    r.raise_for_status()
    r = requests.post(url + "/api/games", json={"architecture": r.json()["id"], "name": "Kim", "seats": 4}, timeout=30)
    r.raise_for_status()
    return SeatClient(url, r.json()["facilitator"]["token"]).connect()


def largest_result() -> bytes:
    """The JSON export of the largest game a server plays at the default sizes."""
    from test_export_size import game

    from game.exports.result import result_to_dict

    return json.dumps(result_to_dict(game(500, 2_000, 400, every_card_holds=True))).encode()


def measure(server: Server, send: Callable[[str], requests.Response]) -> dict[str, float]:
    """One large request while the cheap ones run; its time, the longest gaps and the answers meanwhile."""
    session = requests.Session()
    health = Poller(lambda: session.get(server.url + "/api/health", timeout=120))
    seat = seated_game(server.url)
    syncs = Poller(seat.sync)
    health.start()
    syncs.start()
    time.sleep(0.5)
    start = time.perf_counter()
    response = send(server.url)
    end = time.perf_counter()
    time.sleep(0.3)
    for poller in (health, syncs):
        poller.stopping.set()
    health.join(120)
    syncs.join(120)
    seat.close()
    session.close()
    if response.status_code != 201:
        raise SystemExit(f"{server.label}: {response.status_code} {response.text[:300]}")
    health_gap, health_n = health.during(start, end)
    sync_gap, sync_n = syncs.during(start, end)
    return {"time": end - start, "health_gap": health_gap, "health_n": health_n, "sync_gap": sync_gap,
            "sync_n": sync_n}


def small_upload(server: Server, n: int = 50) -> float:
    """Median seconds of a small upload (the HR fixture) on an idle server."""
    session = requests.Session()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        r = session.post(server.url + "/api/architectures", data=HR, headers={"Content-Type": "application/yaml"},
                         timeout=30)
        times.append(time.perf_counter() - start)
        r.raise_for_status()
    session.close()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", type=Path, help="a checkout of the code to compare with (run side by side)")
    parser.add_argument("--rounds", type=int, default=3, help="times each large request is sent (default 3)")
    args = parser.parse_args()
    template = largest_under(1024 * 1024, cloudformation).encode()
    result = largest_result()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}; template {len(template):,} bytes, result {len(result):,} bytes")

    def upload(url: str) -> requests.Response:
        return requests.post(url + "/api/architectures?filename=bench.json", data=template,
                             headers={"Content-Type": "application/octet-stream"}, timeout=300)

    def new_game(url: str) -> requests.Response:
        body = b'{"example": "leejames-hr/before", "name": "Kim", "seats": 2, "previous": ' + result + b"}"
        return requests.post(url + "/api/games", data=body, headers={"Content-Type": "application/json"}, timeout=300)

    checkouts = [(ROOT, "this checkout")] + ([(args.base.resolve(), "base")] if args.base else [])
    with tempfile.TemporaryDirectory(prefix="upload-stall-") as tmp:
        servers = [Server(root, label.replace(" ", "-"), Path(tmp)) for root, label in checkouts]
        try:
            rows: dict[tuple[str, str], list[dict[str, float]]] = {}
            for round_ in range(args.rounds):
                for name, send in (("CloudFormation upload", upload), ("new game with previous", new_game)):
                    for server in servers[::1 if round_ % 2 == 0 else -1]:
                        rows.setdefault((name, server.label), []).append(measure(server, send))
            print(f"{'request':<24} {'server':<14} {'its time':>9} {'health gap':>11} {'answers':>8} "
                  f"{'sync gap':>9} {'answers':>8}")
            for (name, label), runs in rows.items():
                for run in runs:
                    print(f"{name:<24} {label:<14} {run['time']:>8.2f}s {run['health_gap'] * 1000:>9.0f}ms "
                          f"{run['health_n']:>8} {run['sync_gap'] * 1000:>7.0f}ms {run['sync_n']:>8}")
            for server in servers:
                print(f"small upload (HR fixture), {server.label}: median {small_upload(server) * 1000:.1f} ms")
        finally:
            for server in servers:
                server.stop()


if __name__ == "__main__":
    main()
