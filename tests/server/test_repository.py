"""The repository port: the SQL and in-memory versions keep the same contract."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from game.errors import StaleState
from server import migrations
from server.db import make_engine
from server.errors import NotFound
from server.repository import (
    AuditRecord,
    Change,
    CommandRecord,
    DuplicateCommand,
    GameRecord,
    InMemoryGameRepository,
    PresenceRecord,
    ProcessRecord,
    SeatRecord,
    SeatTaken,
    SqlGameRepository,
    UploadRecord,
)

T0 = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.timezone.utc)


POSTGRES_URL = os.environ.get("THREATDECK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used for the tests, or None when it answers."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"{POSTGRES_URL}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return None


@contextlib.contextmanager
def sql_database(kind: str, tmp_path: Path, revision: str = "head") -> Iterator[str]:
    """An empty database migrated to ``revision``: an SQLite file, or a fresh PostgreSQL schema (dropped afterwards).

    PostgreSQL is skipped with the reason when it does not answer, except under
    ``CI``, where that is a failure (as in the end-to-end tests).
    """
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'repo.db'}"
        engine = make_engine(url)
        migrations.upgrade(engine, revision)
        engine.dispose()
        yield url
        return
    problem = postgres_problem()
    if problem is not None:
        message = f"PostgreSQL is not available ({problem})"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must provide it", pytrace=False)
        pytest.skip(message)
    import psycopg

    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    schema = f"td_{secrets.token_hex(4)}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        url = f"{plain}{'&' if '?' in plain else '?'}options=-csearch_path%3D{schema}"
        engine = make_engine(url)
        migrations.upgrade(engine, revision)
        engine.dispose()
        yield url
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def repo(request: Any, tmp_path: Path) -> Iterator[Any]:
    if request.param == "memory":
        yield InMemoryGameRepository()
        return
    with sql_database(request.param, tmp_path) as url:
        r = SqlGameRepository(make_engine(url))
        yield r
        r.close()


def game(gid: str = "g1", ttl: int = 3600) -> GameRecord:
    return GameRecord(id=gid, version=0, phase="setup", deck="serverless-stride", architecture_name="HR",
                      architecture="threatdeck: 1", board={"b": 1}, snapshot={"s": 0}, meta={"max_seats": 4},
                      created_at=T0, updated_at=T0, expires_at=T0 + dt.timedelta(seconds=ttl))


def change(version: int, client_id: str, **kw: Any) -> Change:
    return Change(snapshot={"s": version + 1}, phase="play", updated_at=T0, expires_at=T0 + dt.timedelta(hours=1),
                  deadline_at=kw.pop("deadline_at", None),
                  command=CommandRecord(game_id="g1", seq=version + 1, client_id=client_id, seat=1, actor="seat 1",
                                        type="PassTurn", payload={"type": "PassTurn"}, at=T0),
                  audit=(AuditRecord(game_id="g1", at=T0, actor="seat 1", action="PassTurn", detail={}),), **kw)


def seat(n: int, token_hash: str) -> SeatRecord:
    return SeatRecord(game_id="g1", seat=n, name=f"P{n}", role="player", token_hash=token_hash, created_at=T0)


def test_a_game_is_created_loaded_and_advanced_one_version_at_a_time(repo: Any) -> None:
    repo.create_game(game(), [seat(0, "h0")], [])
    assert repo.load("g1", T0).snapshot == {"s": 0}
    repo.commit("g1", 0, change(0, "a"))
    repo.commit("g1", 1, change(1, "b"))
    loaded = repo.load("g1", T0)
    assert (loaded.version, loaded.snapshot, loaded.phase, loaded.board) == (2, {"s": 2}, "play", {"b": 1})
    assert [c.client_id for c in repo.commands("g1")] == ["a", "b"]
    assert [c.seq for c in repo.commands("g1", after=1)] == [2]
    assert [a.action for a in repo.audit("g1")] == ["PassTurn", "PassTurn"]
    assert loaded.created_at == T0 and loaded.created_at.tzinfo is not None


def test_a_write_against_an_old_version_is_refused_and_changes_nothing(repo: Any) -> None:
    repo.create_game(game(), [], [])
    repo.commit("g1", 0, change(0, "a"))
    with pytest.raises(StaleState):
        repo.commit("g1", 0, change(0, "other"))
    assert repo.version("g1") == 1
    assert [c.client_id for c in repo.commands("g1")] == ["a"]


def test_a_retried_client_id_is_a_duplicate_and_changes_nothing(repo: Any) -> None:
    repo.create_game(game(), [], [])
    repo.commit("g1", 0, change(0, "a"))
    with pytest.raises(DuplicateCommand) as info:
        repo.commit("g1", 1, change(1, "a"))
    assert info.value.existing.seq == 1
    assert repo.version("g1") == 1 and repo.find_command("g1", "a") is not None
    assert repo.find_command("g1", "zzz") is None


def test_seats_are_found_by_token_hash_and_a_seat_cannot_be_taken_twice(repo: Any) -> None:
    repo.create_game(game(), [seat(0, "h0")], [])
    repo.commit("g1", 0, change(0, "join:1", seats=(seat(1, "h1"),), meta={"max_seats": 4, "humans": 2}))
    assert repo.seat_by_token("h1").seat == 1
    assert repo.seat_by_token("nope") is None
    assert [s.seat for s in repo.seats("g1")] == [0, 1]
    assert repo.load("g1", T0).meta == {"max_seats": 4, "humans": 2}
    with pytest.raises(SeatTaken):
        repo.commit("g1", 1, change(1, "join:1b", seats=(seat(1, "h2"),)))
    assert repo.version("g1") == 1


def test_expired_games_and_uploads_disappear_with_their_log(repo: Any) -> None:
    repo.create_game(game("g1", ttl=60), [seat(0, "h0")], [])
    repo.create_game(game("g2", ttl=7200), [], [])
    repo.add_upload(UploadRecord(id="u1", name="x", filename="hr.yaml", source_format="native", document="d",
                                 created_at=T0, expires_at=T0 + dt.timedelta(seconds=60)))
    up = repo.get_upload("u1", T0)
    assert (up.document, up.filename) == ("d", "hr.yaml")
    later = T0 + dt.timedelta(seconds=61)
    with pytest.raises(NotFound):
        repo.load("g1", later)
    assert repo.expire(later) == ["g1"]
    assert repo.seat_by_token("h0") is None and repo.audit("g1") == [] and repo.commands("g1") == []
    with pytest.raises(NotFound):
        repo.get_upload("u1", later)
    assert repo.load("g2", later).id == "g2"


def test_games_past_their_deadline_are_due(repo: Any) -> None:
    repo.create_game(game(), [], [])
    assert repo.due(T0) == []
    repo.commit("g1", 0, change(0, "a", deadline_at=T0 + dt.timedelta(seconds=30)))
    assert repo.due(T0) == []
    assert repo.due(T0 + dt.timedelta(seconds=30)) == ["g1"]


def test_presence_rows_are_each_process_own_and_a_heartbeat_refreshes_only_held_seats(repo: Any) -> None:
    repo.create_game(game(), [], [])
    later = T0 + dt.timedelta(seconds=10)
    repo.hold([PresenceRecord(game_id="g1", seat=0, holder="a", connections=2, seen_at=T0)])
    repo.hold([PresenceRecord(game_id="g1", seat=0, holder="b", connections=1, seen_at=T0)])
    repo.hold([PresenceRecord(game_id="g1", seat=1, holder="a", connections=1, seen_at=T0)])
    repo.hold([PresenceRecord(game_id="g1", seat=1, holder="a", connections=0, seen_at=T0)])  # the same row again
    repo.hold([PresenceRecord(game_id="gone", seat=0, holder="a", connections=1, seen_at=T0)])  # no such game
    repo.beat("a", later)
    rows = {(r.seat, r.holder): (r.connections, r.seen_at) for r in repo.presence("g1")}
    assert rows == {(0, "a"): (2, later), (0, "b"): (1, T0), (1, "a"): (0, T0)}
    assert repo.presence("gone") == []
    # Several rows in one write; a row of a game that is gone does not keep the others from being written.
    repo.hold([PresenceRecord(game_id="g1", seat=2, holder="a", connections=1, seen_at=later),
               PresenceRecord(game_id="gone", seat=0, holder="a", connections=1, seen_at=later),
               PresenceRecord(game_id="g1", seat=0, holder="a", connections=3, seen_at=later)])
    rows = {(r.seat, r.holder): r.connections for r in repo.presence("g1")}
    assert rows == {(0, "a"): 3, (0, "b"): 1, (1, "a"): 0, (2, "a"): 1}
    assert repo.presence("gone") == []
    repo.expire(T0 + dt.timedelta(days=1))
    assert repo.presence("g1") == []


def test_each_process_keeps_its_own_row_until_it_retires_or_stops_beating(repo: Any) -> None:
    def process(holder: str, seconds: int, shared: bool = False) -> ProcessRecord:
        return ProcessRecord(holder=holder, name=f"host pid {holder}", shared=shared, started_at=T0,
                             alive_until=T0 + dt.timedelta(seconds=seconds))

    repo.announce(process("a", 30), T0)
    repo.announce(process("b", 30, shared=True), T0)
    repo.announce(process("c", 30), T0)
    repo.announce(process("a", 60), T0)  # a's next beat: the same row, alive longer
    assert sorted((p.holder, p.shared, p.alive_until) for p in repo.processes(T0)) == [
        ("a", False, T0 + dt.timedelta(seconds=60)), ("b", True, T0 + dt.timedelta(seconds=30)),
        ("c", False, T0 + dt.timedelta(seconds=30))]
    repo.retire("c")  # stopped: gone at once
    later = T0 + dt.timedelta(seconds=45)
    assert sorted(p.holder for p in repo.processes(later)) == ["a"]  # b stopped beating
    repo.announce(process("a", 90), later)  # and its row is swept by the next beat of anyone
    assert [p.holder for p in repo.processes(T0)] == ["a"]


def test_versions_of_several_games_in_one_question(repo: Any) -> None:
    repo.create_game(game(), [], [])
    repo.create_game(game("g2"), [], [])
    repo.commit("g1", 0, change(0, "a"))
    assert repo.versions(["g1", "g2", "gone"]) == {"g1": 1, "g2": 0}
    assert repo.versions([]) == {}
