"""Two server processes on one database: split without a message queue shared by both, and said so; not with one.

Each process broadcasts only to its own connections. Without a queue the
second process says at start that another one uses the database, both report
it in ``/api/health`` (a 200), their players still see every move (each
process's clock sends its players what the other changed), and when one stops
the other says the split is over. With Redis on both, nothing is reported.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from harness import NO_TIMEOUTS, REDIS_URL, Autoplayer, ServerProcess, create_game, redis_problem, service_or_skip

from server.client import SeatClient

BEAT = {"THREATDECK_PRESENCE_HEARTBEAT": "1"}
SPLIT = "another server process uses this database"
GONE = "is gone: games are no longer split"
PLAIN = (200, {"ok": True, "service": "threatdeck"})


def health(server: ServerProcess) -> tuple[int, dict[str, Any]]:
    r = requests.get(server.url + "/api/health", timeout=5)
    return r.status_code, r.json()


def eventually(predicate: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def split_count(server: ServerProcess) -> int | None:
    status, body = health(server)
    assert status == 200 and body["ok"] is True, body
    count: int | None = body.get("unshared_processes")
    return count


def reports(server: ServerProcess, count: int | None) -> Callable[[], bool]:
    return lambda: split_count(server) == count


def says(server: ServerProcess, text: str) -> Callable[[], bool]:
    return lambda: text in server.log()


def test_a_second_process_without_a_message_queue_is_reported_and_every_move_still_reaches_every_player(
        start_server: Any, clients: list[SeatClient], tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    a = start_server(database=database, env=BEAT)
    b = start_server(database=database, env=BEAT)
    assert eventually(lambda: SPLIT in b.log()), b.log()  # at its start
    assert a.proc is not None and f"pid {a.proc.pid}, started" in b.log()  # which process to look for
    assert eventually(lambda: SPLIT in a.log()), a.log()  # at its next heartbeat
    for server in (a, b):
        assert eventually(reports(server, 1))
        assert "games with players on both are split" in health(server)[1]["warning"]

    # Kim on process A, Doug on process B: each sees the other's moves, though no broadcast crosses over.
    game = create_game(a.url, 2, timing=NO_TIMEOUTS)
    seats = [SeatClient(server.url, token).connect() for server, token in zip((a, b), game["tokens"], strict=True)]
    clients.extend(seats)
    player = Autoplayer(seats)
    player.play(limit=12)
    assert player.errors == [] and player.moves == 12
    with sqlite3.connect(tmp_path / "shared.db") as conn:
        [(stored,)] = conn.execute("SELECT version FROM games WHERE id = ?", (game["game_id"],)).fetchall()
    assert seats[0].version == seats[1].version == stored  # every move committed, and seen on both sides
    for c in seats:  # and told, as with a queue: the events of the other side's moves came too
        newest = c.seen[0][0]["version"]
        for update in c.updates:
            if update["version"] > newest:
                assert update["events"], (c.seat, update)
                newest = update["version"]

    assert b.log().count(SPLIT) == 1 and a.log().count(SPLIT) == 1  # said once, not every beat
    a.stop()
    assert eventually(lambda: GONE in b.log()), b.log()
    assert health(b) == PLAIN
    assert a.unhandled_errors() == [] and b.unhandled_errors() == []


def test_processes_sharing_redis_report_nothing_and_one_without_it_is_reported_by_all(
        start_server: Any, tmp_path: Path) -> None:
    service_or_skip("Redis", redis_problem())
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    a = start_server(database=database, redis=REDIS_URL, env=BEAT)
    b = start_server(database=database, redis=REDIS_URL, env=BEAT)

    def rows() -> int:
        with sqlite3.connect(tmp_path / "shared.db") as conn:
            count: int = conn.execute("SELECT count(*) FROM processes").fetchone()[0]
            return count

    assert eventually(lambda: rows() == 2)  # both beat on the database, each seeing the other
    time.sleep(2.5)  # some more heartbeats of each
    for server in (a, b):
        assert health(server) == PLAIN and SPLIT not in server.log()

    stray = start_server(database=database, env=BEAT)  # no queue: its players are split from everyone else's
    assert eventually(reports(stray, 2))
    for server in (a, b):
        assert eventually(reports(server, 1))
        assert "which has no message queue (REDIS_URL)" in server.log()
    stray.stop()
    for server in (a, b):
        assert eventually(says(server, GONE)), server.log()
        assert health(server) == PLAIN
