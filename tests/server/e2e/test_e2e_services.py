"""The same game on PostgreSQL, and on two server processes sharing rooms through Redis.

Skipped with the reason when the service does not answer; under ``CI`` a
missing service fails the test instead.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from harness import (
    NO_TIMEOUTS,
    POSTGRES_URL,
    REDIS_CHANNEL,
    REDIS_URL,
    Autoplayer,
    create_game,
    postgres_problem,
    redis_problem,
    service_or_skip,
)
from test_e2e_game import check_final, check_no_leaks

from server.client import SeatClient


@pytest.fixture
def postgres_schema() -> Iterator[str]:
    """A fresh schema in the test database, dropped afterwards; yields a database URL that uses it."""
    service_or_skip("PostgreSQL", postgres_problem())
    import psycopg

    schema = f"td_{secrets.token_hex(4)}"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in plain else "?"
    try:
        yield f"{plain}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def test_a_full_game_on_postgresql(start_server: Any, clients: list[SeatClient], postgres_schema: str) -> None:
    server = start_server(database=postgres_schema)
    game = create_game(server.url, 4, timing=NO_TIMEOUTS)
    seats = [SeatClient(server.url, t).connect() for t in game["tokens"]]
    clients.extend(seats)
    player = Autoplayer(seats)
    player.play()
    assert player.errors == [] and seats[0].view["phase"] == "ended"  # type: ignore[index]
    check_final(server.url, game["game_id"], seats)
    check_no_leaks(*seats)
    assert server.unhandled_errors() == []

    import psycopg

    plain, schema = postgres_schema.split("?")[0], postgres_schema.rsplit("%3D", 1)[1]
    with psycopg.connect(plain, options=f"-csearch_path={schema}") as conn:
        version, phase = conn.execute("SELECT version, phase FROM games WHERE id = %s", (game["game_id"],)).fetchone()
        logged = conn.execute("SELECT count(*) FROM commands WHERE game_id = %s", (game["game_id"],)).fetchone()[0]
    assert (version, phase) == (seats[0].version, "ended") and logged == version


def test_the_log_never_shows_the_database_password(start_server: Any, postgres_schema: str) -> None:
    # libpq takes a password from the URL's query too; the start-up lines printed it.
    with_password = postgres_schema.replace("postgres@", "postgres:hunter1@") + "&password=hunter2"
    server = start_server(database=with_password)
    server.stop()
    log = server.log()
    assert "serving" in log and "password=***" in log
    assert "hunter1" not in log and "hunter2" not in log, log


def test_a_redis_that_answers_no_says_why(tmp_path: Any) -> None:
    service_or_skip("Redis", redis_problem())
    from test_e2e_operations import one_line_refusal, serve

    # It read "cannot be reached (ResponseError)", Redis's reason left out.
    done = serve(tmp_path, "--redis", REDIS_URL.rsplit("/", 1)[0] + "/99999")
    one_line_refusal(done, "REDIS_URL: the message queue at", "cannot be reached (ResponseError: DB index is out of range)")


def test_two_processes_share_rooms_through_redis(start_server: Any, clients: list[SeatClient], tmp_path: Any) -> None:
    service_or_skip("Redis", redis_problem())
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    a = start_server(database=database, redis=REDIS_URL)
    b = start_server(database=database, redis=REDIS_URL)
    game = create_game(a.url, 4, timing=NO_TIMEOUTS)
    # Seats 0 and 2 on process A, seats 1 and 3 and a spectator on process B.
    seats = [SeatClient((a if n % 2 == 0 else b).url, t).connect() for n, t in enumerate(game["tokens"])]
    clients.extend(seats)
    watcher = SeatClient(b.url).connect()
    clients.append(watcher)
    assert watcher.spectate(game["game_id"])["ok"]
    # Presence is shared too: each process sees the seats connected to the other.
    for c in seats + [watcher]:
        assert c.wait_for(lambda c=c: c.connected_seats() == [0, 1, 2, 3]), c.presence

    player = Autoplayer(seats)
    player.play()
    assert player.errors == [] and seats[0].view["phase"] == "ended", f"stuck after {player.moves} moves"  # type: ignore[index]
    seats[0].close()  # the facilitator, on process A, leaves: the seats on process B hear of it
    assert seats[1].wait_for(lambda: seats[1].connected_seats() == [1, 2, 3]), seats[1].presence
    assert watcher.wait_version(seats[0].version)
    # Every seat saw the moves made through the other process as they happened.
    for c in seats:
        versions = [u["version"] for u in c.updates]
        assert len(versions) > player.moves // 2 and versions == sorted(versions)
    check_final(a.url, game["game_id"], seats)
    check_no_leaks(*seats, watcher)
    assert a.unhandled_errors() == [] and b.unhandled_errors() == []


def test_seats_catch_up_after_their_process_lost_the_message_queue(
        start_server: Any, clients: list[SeatClient], tmp_path: Any) -> None:
    """An update published while a process's subscription to Redis is down never reaches its sockets; once it
    has subscribed again the process sends each of its sockets its whole view, so nobody waits for ever on a
    turn they were never told about."""
    service_or_skip("Redis", redis_problem())
    import redis

    database = f"sqlite:///{tmp_path / 'shared.db'}"
    # Named, so that only these two processes' subscriptions are cut: Redis is shared with whatever else runs on
    # this machine (killing every subscriber cut those of another test run's servers, which then failed).
    name = f"threatdeck-test-{secrets.token_hex(4)}"
    ours = f"{REDIS_URL}{'&' if '?' in REDIS_URL else '?'}client_name={name}"
    a = start_server(database=database, redis=ours)
    b = start_server(database=database, redis=ours)
    game = create_game(a.url, 2, timing=NO_TIMEOUTS)
    kim = SeatClient(a.url, game["tokens"][0]).connect()
    doug = SeatClient(b.url, game["tokens"][1]).connect()
    clients.extend([kim, doug])
    started = kim.command("start")["version"]
    assert doug.wait_version(started)
    queue = redis.Redis.from_url(REDIS_URL)
    subscribers = [c["id"] for c in queue.client_list() if c["name"] == name and "P" in c["flags"]]
    assert len(subscribers) >= 2  # both processes' subscriptions
    for client_id in subscribers:
        queue.client_kill_filter(_id=client_id)
    moved = kim.command("add_threat", **first_note(kim.view))["version"]  # published while nobody listens
    assert doug.wait_version(moved, timeout=15), f"Doug is at {doug.version}, the game at {moved}"
    assert "subscribed to the message queue again" in b.log()


def first_note(view: Any) -> dict[str, Any]:
    """A free threat on the first component of the view's architecture."""
    component = view["architecture"]["components"][0]["id"]
    return {"target": component, "suit": "tampering", "text": "a note sent while the queue was down"}


def test_the_message_queue_listens_on_the_channel_set(tmp_path: Any) -> None:
    # Redis's publish and subscribe ignore the database number: two deployments on one Redis need a channel each.
    service_or_skip("Redis", redis_problem())
    from server import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/t.db", "BACKGROUND_TASKS": False,
                      "REDIS_URL": REDIS_URL, "REDIS_CHANNEL": REDIS_CHANNEL + "-b"})
    assert app.extensions["socketio"].server.manager.channel == REDIS_CHANNEL + "-b"
