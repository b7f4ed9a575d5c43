"""End-to-end harness (fixtures in conftest.py): the real server in a subprocess on a free port, driven by python-socketio clients.

PostgreSQL (127.0.0.1:5432, database ``test``) and Redis (127.0.0.1:6379)
are used when they answer; when they do not, their tests are skipped with the
reason, except under ``CI`` (set), where a missing service is a failure.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from server.client import SeatClient, next_move

ROOT = Path(__file__).resolve().parents[3]
HR = (Path(__file__).resolve().parents[1] / "fixtures" / "hr.yaml").read_text(encoding="utf-8")
NAMES = ("Kim", "Doug", "Sam", "Hannah", "Leon", "Lee", "Ana", "Bo")
POSTGRES_URL = os.environ.get("THREATDECK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("THREATDECK_TEST_REDIS", "redis://127.0.0.1:6379/0")
REDIS_CHANNEL = f"threatdeck-test-{os.getpid()}"
"""This test run's channel: runs at the same time on one machine share its Redis, and would share one channel."""


def serverfork() -> Any:
    """serverfork.py (the fork server's client side), one module for the session: the browser tests load this
    harness under a name of their own, and must share the fork server rather than start a second one."""
    name = "threatdeck_serverfork"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("serverfork.py"))
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def service_or_skip(name: str, problem: str | None) -> None:
    """Skip (or, under CI, fail) when a service the test needs is missing."""
    if problem is None:
        return
    message = f"{name} is not available ({problem})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must provide it", pytrace=False)
    pytest.skip(message)


def postgres_problem() -> str | None:
    try:
        import psycopg

        url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{POSTGRES_URL}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return None


def redis_problem() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        return f"{REDIS_URL}: {exc}"
    return None


class ServerProcess:
    """``threatdeck serve`` in a subprocess; ``url`` once :meth:`start` returned.

    A gevent server is forked from the session's fork server (serverfork.py), which has imported it already; other
    async modes, a server whose environment changes how an interpreter starts, and ``fork=False`` get a
    ``python -m server.cli serve`` of their own.
    """

    def __init__(self, workdir: Path, *, async_mode: str = "gevent", database: str | None = None,
                 redis: str | None = None, env: dict[str, str] | None = None, name: str = "server",
                 args: tuple[str, ...] = (), fork: bool = True) -> None:
        self.workdir = workdir
        self.async_mode = async_mode
        self.database = database or f"sqlite:///{workdir / 'threatdeck.db'}"
        self.redis = redis
        self.env = env or {}
        self.args = args
        """More options of ``threatdeck serve``."""
        self.name = name
        self.fork = fork
        self.port = 0
        self.proc: Any = None
        """The server's process: a ``subprocess.Popen``, or its stand-in for a forked one (serverfork.ForkedServer)."""
        self.log_path = workdir / f"{name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> ServerProcess:
        """Start the server and wait for its health check. ``timeout`` only bounds a server that hangs: on a
        2-core machine busy with other test runs a start took over 30 s (the imports and the migrations)."""
        self.port = free_port()
        cmd = [sys.executable, "-m", "server.cli", "serve", "--port", str(self.port), "--async-mode", self.async_mode,
               "--database", self.database, "--data-dir", str(self.workdir / "data")]
        if self.redis:
            cmd += ["--redis", self.redis]
        cmd += self.args
        env = dict(os.environ)
        env.update({
            "PYTHONWARNINGS": "ignore::DeprecationWarning",  # eventlet's deprecation notice, on purpose
            "THREATDECK_TICK_INTERVAL": "0.2",
            "THREATDECK_REDIS_CHANNEL": REDIS_CHANNEL,
        })
        env.update(self.env)
        forks = serverfork().shared(env) if self.fork and self.async_mode == "gevent" else None
        if forks is not None:
            self.proc = forks.spawn(cmd, env, ROOT, self.log_path)
        else:
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/api/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.kill()  # else it outlives the test (and the session), and the fixture that started it never stops it
        raise RuntimeError(f"{self.name} did not answer within {timeout}s:\n{self.log()}")

    def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def unhandled_errors(self) -> list[str]:
        """Log lines of errors the server did not mean to give (tracebacks, 'unhandled')."""
        return [line for line in self.log().splitlines() if "Traceback" in line or "unhandled" in line
                or " ERROR " in line]


def create_game(url: str, n: int, *, timing: dict[str, Any] | None = None, free: int = 0) -> dict[str, Any]:
    """Upload the fixture, create a game with ``free`` seats more than n, take n-1 more seats; returns ids and
    tokens by seat."""
    r = requests.post(url + "/api/architectures", data=HR.encode(), headers={"Content-Type": "application/yaml"}, timeout=10)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = {"architecture": r.json()["id"], "name": NAMES[0], "seats": n + free}
    if timing is not None:
        body["timing"] = timing
    r = requests.post(url + "/api/games", json=body, timeout=10)
    assert r.status_code == 201, r.text
    game_id = r.json()["game_id"]
    tokens = [r.json()["facilitator"]["token"]]
    for name in NAMES[1:n]:
        r = requests.post(f"{url}/api/games/{game_id}/seats", json={"name": name}, timeout=10)
        assert r.status_code == 201, r.text
        tokens.append(r.json()["token"])
    return {"game_id": game_id, "tokens": tokens}


NO_TIMEOUTS = {"play_seconds": None, "rating_seconds": None, "turn_seconds": None, "vote_seconds": None}


class Autoplayer:
    """Plays every seat's simple legal move (see :func:`server.client.next_move`) until the game ends."""

    def __init__(self, seats: list[SeatClient]) -> None:
        self.seats = seats
        self.moves = 0
        self.errors: list[Any] = []

    def step(self) -> bool:
        """One move by the first seat that has one; False when nobody has."""
        for c in self.seats:
            if c.view is None:
                continue
            move = next_move(c.view)
            if move is None:
                continue
            event, fields = move
            before = c.version
            ack = c.command(event, **fields)
            if not ack.get("ok"):
                # The view was behind (an update in flight): catch up and try again.
                if ack["error"]["code"] in ("not_your_turn", "vote_closed", "already_voted", "wrong_phase",
                                            "threat_not_accepted", "already_finished", "stale_state"):
                    c.sync()
                    continue
                self.errors.append((c.seat, event, fields, ack))
                return False
            self.moves += 1
            for other in self.seats:
                assert other.wait_version(ack["version"], 10), f"seat {other.seat} never saw version {ack['version']}"
            assert c.version > before
            return True
        return False

    def play(self, until: Callable[[], bool] | None = None, limit: int = 2000) -> None:
        for _ in range(limit):
            if until is not None and until():
                return
            if not self.step():
                return


def all_seats_at(seats: list[SeatClient], version: int, timeout: float = 10.0) -> bool:
    return all(c.wait_version(version, timeout) for c in seats)


