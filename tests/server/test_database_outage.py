"""A database that goes away while the server runs (PostgreSQL restarting, say): said in one line, not a
traceback a second, and refused to clients as ``database_unavailable`` (503), not as a bug."""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading
from typing import Any

import pytest
import sqlalchemy as sa


def lost() -> sa.exc.OperationalError:
    return sa.exc.OperationalError("SELECT 1", {}, Exception('connection to server at "db" failed: Connection refused'))


class Ticks:
    """socketio's sleep for one background loop: ends it after ``n`` rounds."""

    def __init__(self, runtime: Any, n: int) -> None:
        self.runtime, self.left = runtime, n

    def sleep(self, _seconds: float) -> None:
        self.left -= 1
        if self.left == 0:
            self.runtime._stop.set()


def test_the_clock_says_once_that_the_database_went_and_once_that_it_came_back(
        app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    rt = app.extensions["threatdeck"]
    down = itertools.chain([True] * 5, itertools.repeat(False))

    def due() -> list[str]:
        if next(down):
            raise lost()
        return []

    monkeypatch.setattr(rt.games, "due", due)
    with caplog.at_level(logging.INFO, logger="threatdeck.runtime"):
        rt._clock_loop(Ticks(rt, 8))
    said = [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records if r.name == "threatdeck.runtime"]
    assert said == [
        ("WARNING", 'clock: the database is unavailable (connection to server at "db" failed: Connection refused); '
                    "retrying", None),
        ("WARNING", "clock: the database is available again", None),
    ]


def test_a_bug_in_a_background_task_still_logs_its_traceback(
        app: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    rt = app.extensions["threatdeck"]

    def expire() -> list[str]:
        raise KeyError("a bug")

    monkeypatch.setattr(rt.games, "expire", expire)
    with caplog.at_level(logging.INFO, logger="threatdeck.runtime"):
        rt._expiry_loop(Ticks(rt, 2))
    assert [(r.getMessage(), r.exc_info is not None) for r in caplog.records] == [("expiry sweep failed", True)] * 2


def test_a_request_while_the_database_is_away_is_a_503_and_one_line(
        app: Any, client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def load(*_args: Any) -> Any:
        raise lost()

    monkeypatch.setattr(app.extensions["threatdeck"].repo, "load", load)
    with caplog.at_level(logging.DEBUG, logger="threatdeck.errors"):
        r = client.get("/api/games/abcdefghijkl")
    assert r.status_code == 503
    assert r.json["error"]["code"] == "database_unavailable"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(w.getMessage(), w.exc_info) for w in warnings] == [
        ('GET /api/games/abcdefghijkl: the database is unavailable (connection to server at "db" failed: '
         "Connection refused)", None)]


@pytest.mark.parametrize("error", [lost, lambda: KeyError("a bug")])
def test_a_path_carrying_a_token_is_logged_without_it(
        app: Any, client: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, error: Any) -> None:
    """A seat link pasted with its '#' encoded sends the token in the path, which these lines name."""
    from server.tokens import new_token

    def broken(*_args: Any) -> Any:
        raise error()

    monkeypatch.setattr(app.extensions["threatdeck"].examples, "get", broken)
    token = new_token()
    with caplog.at_level(logging.WARNING, logger="threatdeck.errors"):
        assert client.get(f"/api/examples/x%23token={token}").status_code in (500, 503)
    [line] = [r.getMessage() for r in caplog.records]
    assert line.startswith("GET /api/examples/x#token=***") or line == "unhandled error on GET /api/examples/x#token=***"
    assert token not in line


@pytest.mark.parametrize("error", [lost, lambda: sqlite3.OperationalError("database is locked")])
def test_a_socket_event_while_the_database_is_away_is_refused_as_such(
        app: Any, game: dict[str, Any], sio: Any, monkeypatch: pytest.MonkeyPatch, error: Any) -> None:
    # The group commit's own connections raise the driver's error, not SQLAlchemy's wrapper of it.
    def seat_by_token(*_args: Any) -> Any:
        raise error()

    monkeypatch.setattr(app.extensions["threatdeck"].repo, "seat_by_token", seat_by_token)
    ack = sio().emit("join", {"token": game["tokens"][1]}, callback=True)
    assert ack["ok"] is False and ack["error"]["code"] == "database_unavailable", ack


class Pings:
    """The repository's ping, counted; raises ``error`` while it is set."""

    def __init__(self) -> None:
        self.asked = 0
        self.error: Exception | None = None

    def __call__(self, _timeout: float) -> None:
        self.asked += 1
        if self.error is not None:
            raise self.error


def test_health_is_a_503_while_the_database_does_not_answer_and_asks_it_once_a_second(
        app: Any, client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    check = app.extensions["threatdeck"].database_check
    pings, now = Pings(), [100.0]
    monkeypatch.setattr(check, "ping", pings)
    monkeypatch.setattr(check, "clock", lambda: now[0])

    assert client.get("/api/health").json == {"ok": True, "service": "threatdeck"}
    pings.error = lost()
    for _ in range(50):  # a flood of health checks within the second: the answer it has
        assert client.get("/api/health").status_code == 200
    assert pings.asked == 1

    now[0] += 1.5
    r = client.get("/api/health")
    assert r.status_code == 503
    assert r.json["error"]["code"] == "database_unavailable"
    assert "db" not in r.json["error"]["message"]  # the driver's words name hosts; they stay in the logs
    assert pings.asked == 2

    pings.error = None
    now[0] += 1.5
    r = client.get("/api/health")
    assert (r.status_code, r.json) == (200, {"ok": True, "service": "threatdeck"})


def test_health_does_not_wait_on_another_checks_hanging_question() -> None:
    from server.health import DatabaseCheck

    now, asked, release = [0.0], threading.Event(), threading.Event()

    def hang(_timeout: float) -> None:
        asked.set()
        release.wait(10)

    check = DatabaseCheck(hang, clock=lambda: now[0])
    first = threading.Thread(target=check.problem)
    first.start()
    assert asked.wait(10)
    assert check.problem() is None  # asked just now: not yet a problem
    now[0] += 3
    assert check.problem() == "the database has not answered for 3 s"
    release.set()
    first.join(10)


def test_health_asks_a_real_database(tmp_path: Any) -> None:
    from tests.server.serverkit import make_app

    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/threatdeck.db")
    rt = app.extensions["threatdeck"]
    try:
        assert app.test_client().get("/api/health").status_code == 200
        rt.repo.engine.dispose()
        for file in tmp_path.glob("threatdeck.db*"):
            file.unlink()
        (tmp_path / "threatdeck.db").mkdir()  # SQLite cannot open a folder: its OperationalError
        rt.database_check.clock = lambda: 1e12
        r = app.test_client().get("/api/health")
        assert (r.status_code, r.json["error"]["code"]) == (503, "database_unavailable")
    finally:
        rt.repo.engine.dispose()


def test_seats_coming_and_going_say_once_that_presence_cannot_be_written(
        app: Any, game: dict[str, Any], sio: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    repo = app.extensions["threatdeck"].repo
    hold = repo.hold

    def unreachable(*_args: Any) -> None:
        raise lost()

    monkeypatch.setattr(repo, "hold", unreachable)
    with caplog.at_level(logging.INFO):
        clients = [sio() for _ in range(3)]
        for seat, c in enumerate(clients):
            assert c.emit("join", {"token": game["tokens"][seat]}, callback=True)["ok"] is True
        clients[0].disconnect()
        monkeypatch.setattr(repo, "hold", hold)
        assert clients[1].emit("join", {"token": game["tokens"][0]}, callback=True)["ok"] is True
    said = [(r.levelname, r.getMessage(), r.exc_info) for r in caplog.records if r.levelno >= logging.WARNING]
    assert said == [
        ("WARNING", 'presence: the database is unavailable (connection to server at "db" failed: Connection refused); '
                    "retrying", None),
        ("WARNING", "presence: the database is available again", None),
    ]
